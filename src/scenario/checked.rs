//! The checked, indexed form of a scenario that the engine and analyzer run on.
//!
//! Ids are resolved to indices once, at load time, so that play and the
//! state-space search never look a string up. A [`Scenario`] only exists for a
//! file that validated without errors.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::model::{self, ScenarioFile};
use super::rubric::{Grade, Rubric};

/// A beat or an ending: where a choice can lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum NodeRef {
    /// The beat with this number (its index in the file's `beats`).
    Beat(u32),
    /// The ending with this number (its index in the file's `endings`).
    Ending(u32),
}

/// One of the things a trainee can do at a beat: a choice, or letting the timer run out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Act {
    /// The choice with this number (its index in the beat's authored `choices`,
    /// not its place on screen).
    Choice(u16),
    /// Letting the beat's timer run out (recorded as choice id `timeout`).
    Timeout,
}

/// A condition with ids resolved to numbers: what [`model::Condition`] compiles to.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// Flag number `n` is set.
    Flag(u8),
    /// Flag number `n` is not set.
    NotFlag(u8),
    /// Meter number `m` compares with the value (`AtLeast("trust", 3)` is
    /// `Meter(m, Cmp::AtLeast, 3)`).
    Meter(u16, Cmp, i32),
    /// Every condition holds.
    All(Vec<Cond>),
    /// At least one condition holds.
    Any(Vec<Cond>),
    /// The condition does not hold.
    Not(Box<Cond>),
}

/// How a meter is compared with a number in a [`Cond::Meter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    /// `value >= than`.
    AtLeast,
    /// `value <= than`.
    AtMost,
    /// `value < than`.
    Below,
    /// `value > than`.
    Above,
    /// `value == than`.
    Equals,
}

impl Cmp {
    /// Whether a meter at `value` passes the comparison with `than`.
    pub fn holds(self, value: i32, than: i32) -> bool {
        match self {
            Cmp::AtLeast => value >= than,
            Cmp::AtMost => value <= than,
            Cmp::Below => value < than,
            Cmp::Above => value > than,
            Cmp::Equals => value == than,
        }
    }
}

/// An effect with ids resolved to numbers: what [`model::Effect`] compiles to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fx {
    /// Add to meter number `m` (negative to lower it); kept within its range.
    Add(u16, i32),
    /// Set meter number `m` to the value, kept within its range.
    SetMeter(u16, i32),
    /// Set flag number `n`.
    SetFlag(u8),
    /// Clear flag number `n`.
    ClearFlag(u8),
}

/// Where an act leads, compiled from [`model::Next`].
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    /// Always here.
    Go(NodeRef),
    /// The first rule whose condition holds after the act's effects, else the last field.
    Rules(Vec<(Cond, NodeRef)>, NodeRef),
    /// A weighted random pick (seeded per step).
    Chance(Vec<ChanceOutcome>),
}

/// One outcome of a [`Route::Chance`].
#[derive(Debug, Clone, PartialEq)]
pub struct ChanceOutcome {
    /// Relative weight: the chance is `weight / sum of the weights`.
    pub weight: u32,
    /// Where it leads.
    pub to: NodeRef,
    /// Effects only this outcome has, applied after the act's.
    pub effects: Vec<Fx>,
}

/// A choice or a timeout, compiled.
#[derive(Debug, Clone, PartialEq)]
pub struct ActDef {
    /// Offered only when this holds (`None`: always).
    pub when: Option<Cond>,
    /// Changes to meters and flags, in order.
    pub effects: Vec<Fx>,
    /// Points per rubric dimension, in rubric order.
    pub scores: Vec<i32>,
    /// The sum of `scores`.
    pub total: i32,
    /// Rubric technique numbers (indices into the rubric's techniques).
    pub techniques: Vec<u16>,
    /// Marked critical: a serious error the debrief calls out.
    pub critical: bool,
    /// Where it leads.
    pub route: Route,
}

/// A beat's line, compiled: its speaker and its condition.
#[derive(Debug, Clone, PartialEq)]
pub struct LineDef {
    /// A cast index; `None` for narration.
    pub speaker: Option<u16>,
    /// Shown only when this holds in the state on arriving.
    pub when: Option<Cond>,
}

/// A beat, compiled; index-aligned with the file's `beats`.
#[derive(Debug, Clone, PartialEq)]
pub struct BeatDef {
    /// One per authored line, in order.
    pub lines: Vec<LineDef>,
    /// One per authored choice, in order.
    pub choices: Vec<ActDef>,
    /// The timer: authored seconds and what letting it run out does.
    pub timer: Option<(u32, ActDef)>,
    /// The read-the-subject question's options, compiled: each is right when
    /// its condition holds (a `range` becomes `AtLeast` and `AtMost`). Empty
    /// when the beat asks no read question.
    pub read: Vec<Cond>,
}

/// A meter's range and start values, as numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct MeterRange {
    /// The lowest value.
    pub min: i32,
    /// The highest value.
    pub max: i32,
    /// The lowest start value (the start, when it is fixed).
    pub start_lo: i32,
    /// The highest start value (equal to `start_lo` when it is fixed).
    pub start_hi: i32,
}

/// An ending, compiled: what the rubric makes of it.
#[derive(Debug, Clone, PartialEq)]
pub struct EndingDef {
    /// Its outcome category's index in the rubric.
    pub outcome: u16,
    /// The grade the rubric gives that category.
    pub grade: Grade,
}

/// A validated scenario with its rubric. Cheap to clone (shared).
#[derive(Debug, Clone)]
pub struct Scenario {
    inner: Arc<Inner>,
    judgement: Arc<Judgement>,
    /// The reachable state graph, explored once (by the validator, usually)
    /// and shared by the analyzer: see [`crate::state::graph::StateGraph::of`].
    graph: Arc<crate::state::graph::Cache>,
}

/// Wrap a compiled scenario, compiling its judgement parts (reactions and
/// score variants) beside it.
///
/// The validator builds a scenario with `Scenario(Arc::new(inner))`; this
/// function keeps that call working while the judgement tables live beside
/// [`Inner`] (a scenario without them cannot exist).
#[allow(non_snake_case)]
pub(crate) fn Scenario(inner: Arc<Inner>) -> Scenario {
    let judgement = Arc::new(Judgement::compile(&inner.file, &inner.rubric));
    Scenario { inner, judgement, graph: Arc::default() }
}

/// A line of a reaction, compiled: its speaker and its condition.
#[derive(Debug, Clone, PartialEq)]
pub struct ReactionLineDef {
    /// A cast index; `None` for narration.
    pub speaker: Option<u16>,
    /// Shown only when this holds in the state after the act (and after a chance outcome's effects).
    pub when: Option<Cond>,
}

/// A score variant, compiled.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreVariantDef {
    /// The state in which these scores apply (before the act's effects).
    pub when: Cond,
    /// Points per rubric dimension, in rubric order.
    pub scores: Vec<i32>,
    /// The sum of `scores`.
    pub total: i32,
}

/// The judgement parts of one act: what the trainee sees happen after it,
/// and the scores that depend on the state it is made in.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ActJudgement {
    /// What the trainee sees happen after it, line by line.
    pub reaction: Vec<ReactionLineDef>,
    /// The state-dependent scores, in authored order (the first that holds applies).
    pub score_variants: Vec<ScoreVariantDef>,
}

/// Reactions and score variants for every act, indexed like the beats.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Judgement {
    /// Per beat: one entry per choice, then the timer's (if the beat has one).
    pub beats: Vec<(Vec<ActJudgement>, Option<ActJudgement>)>,
}

/// The scores an act gives in a given state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scored<'a> {
    /// The score variant that applied (index into the act's `score_variants`), if any.
    pub variant: Option<u16>,
    /// Points per rubric dimension, in rubric order.
    pub scores: &'a [i32],
    /// The sum of `scores`.
    pub total: i32,
}

impl Judgement {
    /// Resolve ids to indices. The validator reports unknown ids in these
    /// parts as errors (see [`judgement_diagnostics`]); a scenario is only
    /// compiled without errors, so the fallbacks here (narration for an unknown
    /// speaker, a variant that never applies for an unknown id in its
    /// condition, no points for an unknown dimension) are never used in play.
    fn compile(file: &model::ScenarioFile, rubric: &Rubric) -> Judgement {
        let index = |ids: &mut dyn Iterator<Item = &str>| -> std::collections::HashMap<String, usize> {
            let mut m = std::collections::HashMap::new();
            for (i, id) in ids.enumerate() {
                m.entry(id.to_string()).or_insert(i);
            }
            m
        };
        let meters = index(&mut file.meters.iter().map(|m| m.id.as_str()));
        let flags = index(&mut file.flags.iter().map(|m| m.id.as_str()));
        let cast = index(&mut file.cast.iter().map(|m| m.id.as_str()));
        let dims = index(&mut rubric.dimensions.iter().map(|m| m.id.as_str()));
        let ids = Ids { meters: &meters, flags: &flags };
        let act = |reaction: &[model::Line], variants: &[model::ScoreVariant]| ActJudgement {
            reaction: reaction
                .iter()
                .map(|l| ReactionLineDef {
                    speaker: cast.get(l.speaker.as_str()).map(|&c| c as u16),
                    when: l.when.as_ref().map(|c| ids.cond(c).unwrap_or_else(never)),
                })
                .collect(),
            score_variants: variants
                .iter()
                .map(|v| {
                    let mut scores = vec![0; rubric.dimensions.len()];
                    for (d, p) in &v.scores {
                        if let Some(&i) = dims.get(d.as_str()) {
                            scores[i] = *p;
                        }
                    }
                    let total = scores.iter().sum();
                    ScoreVariantDef { when: ids.cond(&v.when).unwrap_or_else(never), scores, total }
                })
                .collect(),
        };
        Judgement {
            beats: file
                .beats
                .iter()
                .map(|b| {
                    (
                        b.choices.iter().map(|c| act(&c.reaction, &c.score_variants)).collect(),
                        b.timer.as_ref().map(|t| act(&t.reaction, &t.score_variants)),
                    )
                })
                .collect(),
        }
    }
}

/// A condition that never holds (`Any` of nothing).
fn never() -> Cond {
    Cond::Any(Vec::new())
}

struct Ids<'a> {
    meters: &'a std::collections::HashMap<String, usize>,
    flags: &'a std::collections::HashMap<String, usize>,
}

impl Ids<'_> {
    fn cond(&self, c: &model::Condition) -> Option<Cond> {
        use model::Condition as C;
        let meter = |m: &str| self.meters.get(m).map(|&i| i as u16);
        let flag = |f: &str| self.flags.get(f).filter(|&&i| i < 64).map(|&i| i as u8);
        Some(match c {
            C::Flag(f) => Cond::Flag(flag(f)?),
            C::NotFlag(f) => Cond::NotFlag(flag(f)?),
            C::AtLeast(m, v) => Cond::Meter(meter(m)?, Cmp::AtLeast, *v),
            C::AtMost(m, v) => Cond::Meter(meter(m)?, Cmp::AtMost, *v),
            C::Below(m, v) => Cond::Meter(meter(m)?, Cmp::Below, *v),
            C::Above(m, v) => Cond::Meter(meter(m)?, Cmp::Above, *v),
            C::Equals(m, v) => Cond::Meter(meter(m)?, Cmp::Equals, *v),
            C::All(cs) => Cond::All(cs.iter().map(|c| self.cond(c)).collect::<Option<_>>()?),
            C::Any(cs) => Cond::Any(cs.iter().map(|c| self.cond(c)).collect::<Option<_>>()?),
            C::Not(c) => Cond::Not(Box::new(self.cond(c)?)),
        })
    }
}

/// What a [`Scenario`] holds (reached through `Deref`): the file as written,
/// its rubric and the compiled tables, index-aligned with the file.
#[derive(Debug)]
pub struct Inner {
    /// The file as written (ids, texts).
    pub file: ScenarioFile,
    /// The rubric it is judged by (its folder's, or the bundled one).
    pub rubric: Rubric,
    /// SHA-256 (hex) over the parsed scenario and rubric, without the review
    /// block: the version a run is tied to (see [`super::validate::content_hash`]).
    pub content_hash: String,
    /// The review block, checked against the content (computed once, at load).
    pub review: super::review::ReviewState,
    /// Each meter's range and start, in the file's order.
    pub meters: Vec<MeterRange>,
    /// The start beat.
    pub start: NodeRef,
    /// Every beat, compiled, in the file's order.
    pub beats: Vec<BeatDef>,
    /// Every ending, compiled, in the file's order.
    pub endings: Vec<EndingDef>,
}

impl std::ops::Deref for Scenario {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.inner
    }
}

impl Scenario {
    /// Where the state graph is kept once explored (shared by clones).
    pub(crate) fn state_graph_cache(&self) -> &crate::state::graph::Cache {
        &self.graph
    }
    /// The scenario's id (its file is `<id>.ron`).
    pub fn id(&self) -> &str {
        &self.file.id
    }
    /// The scenario's title.
    pub fn title(&self) -> &str {
        &self.file.about.title
    }
    /// Who reviewed this scenario, how far, and whether the content is still
    /// what they reviewed. Front ends show this; they do not work it out.
    pub fn review_status(&self) -> &super::review::ReviewState {
        &self.review
    }
    /// Whether starting this scenario for assessment should first ask the
    /// trainee or instructor to confirm: true unless a clinician signed off
    /// exactly this content. The question to ask is
    /// [`ReviewState::assessment_warning`](super::review::ReviewState::assessment_warning).
    pub fn needs_assessment_confirmation(&self) -> bool {
        !self.review.is_clinically_reviewed()
    }
    /// Whether starting in `mode` should first ask for confirmation.
    pub fn needs_confirmation(&self, mode: crate::engine::Mode) -> bool {
        mode == crate::engine::Mode::Assessment && self.needs_assessment_confirmation()
    }
    /// How many moments have a countdown (the briefing says so before play).
    pub fn timed_moments(&self) -> usize {
        self.beats.iter().filter(|b| b.timer.is_some()).count()
    }
    /// The seconds each timed moment allows as written, in beat order (the
    /// briefing says how long the trainee will have).
    pub fn timer_seconds(&self) -> Vec<u32> {
        self.beats.iter().filter_map(|b| b.timer.as_ref().map(|(secs, _)| *secs)).collect()
    }
    /// Where `value` sits on meter `i`'s range, 0.0 (min) to 1.0 (max), for
    /// bars. Computed in i64, so a meter spanning the whole i32 range cannot overflow.
    pub fn meter_fraction(&self, i: usize, value: i32) -> f32 {
        let Some(r) = self.meters.get(i) else { return 0.0 };
        let span = i64::from(r.max) - i64::from(r.min);
        if span <= 0 {
            return 0.0;
        }
        ((i64::from(value) - i64::from(r.min)) as f64 / span as f64).clamp(0.0, 1.0) as f32
    }

    /// How many rubric dimensions scores have (the length of every `scores`).
    pub fn dimensions(&self) -> usize {
        self.rubric.dimensions.len()
    }
    /// The authored beat number `i`. Panics on a number not from this scenario.
    pub fn beat(&self, i: u32) -> &model::Beat {
        &self.file.beats[i as usize]
    }
    /// The authored ending number `i`. Panics on a number not from this scenario.
    pub fn ending(&self, i: u32) -> &model::Ending {
        &self.file.endings[i as usize]
    }
    /// The id of a beat or an ending.
    pub fn node_id(&self, n: NodeRef) -> &str {
        match n {
            NodeRef::Beat(b) => &self.beat(b).id,
            NodeRef::Ending(e) => &self.ending(e).id,
        }
    }
    /// The number of the beat with id `id`, if there is one.
    pub fn beat_index(&self, id: &str) -> Option<u32> {
        self.file.beats.iter().position(|b| b.id == id).map(|i| i as u32)
    }
    /// The number of the ending with id `id`, if there is one.
    pub fn ending_index(&self, id: &str) -> Option<u32> {
        self.file.endings.iter().position(|b| b.id == id).map(|i| i as u32)
    }
    /// The compiled definition of an act at a beat.
    pub fn act(&self, beat: u32, act: Act) -> Option<&ActDef> {
        let b = self.beats.get(beat as usize)?;
        match act {
            Act::Choice(c) => b.choices.get(c as usize),
            Act::Timeout => b.timer.as_ref().map(|(_, a)| a),
        }
    }
    /// The authored id of an act (`timeout` for the timer).
    pub fn act_id(&self, beat: u32, act: Act) -> &str {
        match act {
            Act::Choice(c) => &self.beat(beat).choices[c as usize].id,
            Act::Timeout => "timeout",
        }
    }
    /// What the trainee said or did, as shown in transcripts and debriefs.
    pub fn act_text(&self, beat: u32, act: Act) -> String {
        match act {
            Act::Choice(c) => self.beat(beat).choices[c as usize].text.clone(),
            Act::Timeout => "(You hesitated and the moment passed.)".to_string(),
        }
    }
    /// The author's commentary on an act (empty when none was written).
    pub fn act_commentary(&self, beat: u32, act: Act) -> &str {
        match act {
            Act::Choice(c) => &self.beat(beat).choices[c as usize].commentary,
            Act::Timeout => self.beat(beat).timer.as_ref().map(|t| t.commentary.as_str()).unwrap_or(""),
        }
    }
    /// The training hint shown after an act in training mode, if written.
    pub fn act_feedback(&self, beat: u32, act: Act) -> Option<&str> {
        match act {
            Act::Choice(c) => self.beat(beat).choices[c as usize].feedback.as_deref(),
            Act::Timeout => self.beat(beat).timer.as_ref().and_then(|t| t.feedback.as_deref()),
        }
    }
    /// The act with authored id `id` at a beat (`timeout` when the beat has a timer).
    pub fn act_by_id(&self, beat: u32, id: &str) -> Option<Act> {
        if id == "timeout" && self.beats[beat as usize].timer.is_some() {
            return Some(Act::Timeout);
        }
        self.beat(beat).choices.iter().position(|c| c.id == id).map(|i| Act::Choice(i as u16))
    }
    /// Speaker display name for a line (`None` for narration).
    pub fn speaker_name(&self, beat: u32, line: usize) -> Option<&str> {
        let idx = self.beats[beat as usize].lines[line].speaker?;
        Some(&self.file.cast[idx as usize].name)
    }
    /// Who says line number `line` of a beat: the cast member's role, or narrator.
    pub fn speaker_role(&self, beat: u32, line: usize) -> model::Role {
        match self.beats[beat as usize].lines[line].speaker {
            Some(i) => self.file.cast[i as usize].role,
            None => model::Role::Narrator,
        }
    }
    /// The rubric outcome category of ending number `ending`.
    pub fn outcome_of(&self, ending: u32) -> &super::rubric::OutcomeCategory {
        &self.rubric.outcomes[self.endings[ending as usize].outcome as usize]
    }
    /// The id of meter number `m`.
    pub fn meter_id(&self, m: usize) -> &str {
        &self.file.meters[m].id
    }
    /// The id of flag number `f`.
    pub fn flag_id(&self, f: usize) -> &str {
        &self.file.flags[f].id
    }
    /// The judgement parts of an act (reaction, score variants).
    pub fn act_judgement(&self, beat: u32, act: Act) -> Option<&ActJudgement> {
        let (choices, timer) = self.judgement.beats.get(beat as usize)?;
        match act {
            Act::Choice(c) => choices.get(c as usize),
            Act::Timeout => timer.as_ref(),
        }
    }

    /// The authored reaction lines of an act.
    pub fn act_reaction(&self, beat: u32, act: Act) -> &[model::Line] {
        match act {
            Act::Choice(c) => &self.beat(beat).choices[c as usize].reaction,
            Act::Timeout => self.beat(beat).timer.as_ref().map(|t| t.reaction.as_slice()).unwrap_or(&[]),
        }
    }

    /// The authored score variants of an act.
    pub fn act_score_variants(&self, beat: u32, act: Act) -> &[model::ScoreVariant] {
        match act {
            Act::Choice(c) => &self.beat(beat).choices[c as usize].score_variants,
            Act::Timeout => {
                self.beat(beat).timer.as_ref().map(|t| t.score_variants.as_slice()).unwrap_or(&[])
            }
        }
    }

    /// The scores an act gives when made in `state` (before its effects): the
    /// first score variant whose condition holds, else the plain scores.
    pub fn scores_in(&self, beat: u32, act: Act, state: &crate::state::GameState) -> Scored<'_> {
        let Some(def) = self.act(beat, act) else {
            return Scored { variant: None, scores: &[], total: 0 };
        };
        let variants = self.act_judgement(beat, act).map(|j| j.score_variants.as_slice()).unwrap_or(&[]);
        match variants.iter().position(|v| state.holds(&v.when)) {
            Some(i) => {
                Scored { variant: Some(i as u16), scores: &variants[i].scores, total: variants[i].total }
            }
            None => Scored { variant: None, scores: &def.scores, total: def.total },
        }
    }

    /// The author's reason for a score variant ("trust was still low ...").
    pub fn variant_reason(&self, beat: u32, act: Act, variant: u16) -> &str {
        self.act_score_variants(beat, act).get(variant as usize).map(|v| v.reason.as_str()).unwrap_or("")
    }

    /// Speaker display name and role for a reaction line (`None` name for narration).
    pub fn reaction_speaker(&self, beat: u32, act: Act, line: usize) -> (Option<&str>, model::Role) {
        let speaker =
            self.act_judgement(beat, act).and_then(|j| j.reaction.get(line)).and_then(|l| l.speaker);
        match speaker {
            Some(i) => {
                let c = &self.file.cast[i as usize];
                (Some(c.name.as_str()), c.role)
            }
            None => (None, model::Role::Narrator),
        }
    }

    /// The beat's read-the-subject question, as authored.
    pub fn read_of(&self, beat: u32) -> Option<&model::Read> {
        self.file.beats.get(beat as usize)?.read.as_ref()
    }

    /// The beat's reflection prompt, as authored.
    pub fn reflect_prompt(&self, beat: u32) -> Option<&str> {
        self.file.beats.get(beat as usize)?.reflect.as_deref()
    }

    /// Which of the beat's read options are right in `state` (indices, in
    /// authored order); empty when the beat asks none.
    pub fn read_truth(&self, beat: u32, state: &crate::state::GameState) -> Vec<u16> {
        let Some(b) = self.beats.get(beat as usize) else { return Vec::new() };
        b.read.iter().enumerate().filter(|(_, c)| state.holds(c)).map(|(i, _)| i as u16).collect()
    }

    /// A decision point in words a person reads: the author's `label`, else
    /// the first line of the moment (shortened), else the beat id.
    pub fn beat_name(&self, beat: u32) -> String {
        let Some(b) = self.file.beats.get(beat as usize) else { return String::new() };
        beat_name(b)
    }

    /// Every act a beat has, in authored order (choices, then the timeout).
    pub fn acts(&self, beat: u32) -> impl Iterator<Item = (Act, &ActDef)> {
        let b = &self.beats[beat as usize];
        b.choices
            .iter()
            .enumerate()
            .map(|(i, a)| (Act::Choice(i as u16), a))
            .chain(b.timer.iter().map(|(_, a)| (Act::Timeout, a)))
    }
}

/// A beat's name in words: its `label`, else its first line (at most about
/// 60 characters, cut at a word), else its id.
pub fn beat_name(b: &model::Beat) -> String {
    if let Some(l) = b.label.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        return l.to_string();
    }
    match b.lines.iter().map(|l| l.text.trim()).find(|t| !t.is_empty()) {
        Some(t) => shorten(t, 60),
        None => b.id.clone(),
    }
}

/// `text` cut at a word boundary to at most `max` characters, with `…` when cut.
pub fn shorten(text: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max {
        return text;
    }
    let mut out = String::new();
    for w in text.split(' ') {
        if out.chars().count() + w.chars().count() + 1 > max {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    if out.is_empty() {
        out = text.chars().take(max).collect();
    }
    out.push('…');
    out
}

/// Check the judgement parts the compiled scenario resolves beside the
/// validator's own checks: every reaction's speaker and text, and every score
/// variant's condition, dimensions, points and reason. Codes as elsewhere:
/// E103 unknown meter, E104 unknown flag, E105 unknown dimension, E107 unknown
/// speaker, E115 empty text, E119 points out of range.
pub fn judgement_diagnostics(
    file: &ScenarioFile,
    rubric: &Rubric,
    spans: &super::spans::Spans,
) -> Vec<crate::diagnostics::Diagnostic> {
    use super::spans::Path;
    use crate::diagnostics::{Diagnostic, did_you_mean};
    let mut out = Vec::new();
    let unknown =
        |out: &mut Vec<Diagnostic>, code: &'static str, what: &str, id: &str, known: Vec<&str>, at: &Path| {
            let help = match did_you_mean(id, known.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None if known.is_empty() => format!("no {what} is declared"),
                None => format!("the known {what} ids are: {}", known.join(", ")),
            };
            out.push(
                Diagnostic::error(code, format!("unknown {what} `{id}`"))
                    .at(spans.find_or_parent(at), format!("no {what} has this id"))
                    .help(help),
            );
        };
    let cond_ids = |out: &mut Vec<Diagnostic>, c: &model::Condition, at: &Path| {
        c.walk(&mut |c| match c {
            model::Condition::Flag(f) | model::Condition::NotFlag(f)
                if !file.flags.iter().any(|x| &x.id == f) =>
            {
                unknown(out, "E104", "flag", f, file.flags.iter().map(|x| x.id.as_str()).collect(), at)
            }
            model::Condition::AtLeast(m, _)
            | model::Condition::AtMost(m, _)
            | model::Condition::Below(m, _)
            | model::Condition::Above(m, _)
            | model::Condition::Equals(m, _)
                if !file.meters.iter().any(|x| &x.id == m) =>
            {
                unknown(out, "E103", "meter", m, file.meters.iter().map(|x| x.id.as_str()).collect(), at)
            }
            _ => {}
        });
    };
    let act = |out: &mut Vec<Diagnostic>,
               reaction: &[model::Line],
               variants: &[model::ScoreVariant],
               p: &Path| {
        for (i, l) in reaction.iter().enumerate() {
            let lp = p.field("reaction").index(i);
            if l.speaker != "narrator" && !file.cast.iter().any(|c| c.id == l.speaker) {
                let known = file.cast.iter().map(|c| c.id.as_str()).chain(["narrator"]).collect();
                unknown(out, "E107", "speaker", &l.speaker, known, &lp.field("speaker"));
            }
            for (text, at) in std::iter::once((&l.text, lp.field("text")))
                .chain(l.variants.iter().enumerate().map(|(vi, v)| (v, lp.field("variants").index(vi))))
            {
                if text.trim().is_empty() {
                    out.push(
                        Diagnostic::error("E115", "the reaction's text is empty")
                            .at(spans.find_or_parent(&at), "write the text here"),
                    );
                }
            }
            if let Some(c) = &l.when {
                cond_ids(out, c, &lp.field("when"));
            }
        }
        for (i, v) in variants.iter().enumerate() {
            let vp = p.field("score_variants").index(i);
            cond_ids(out, &v.when, &vp.field("when"));
            for (dim, points) in &v.scores {
                let at = vp.field("scores").key(dim);
                if rubric.dimension(dim).is_none() {
                    let known = rubric.dimensions.iter().map(|d| d.id.as_str()).collect();
                    unknown(out, "E105", "rubric dimension", dim, known, &at);
                } else if !(-100..=100).contains(points) {
                    out.push(
                        Diagnostic::error(
                            "E119",
                            format!("the score {points} for `{dim}` is outside -100..100"),
                        )
                        .at(spans.find_or_parent(&at), "too large")
                        .help("scores are small numbers, typically -3 to 3"),
                    );
                }
            }
            if v.reason.trim().is_empty() {
                out.push(
                    Diagnostic::error("E115", "the score variant's reason is empty")
                        .at(spans.find_or_parent(&vp.field("reason")), "write the reason here")
                        .help("the debrief says \"scored lower because <reason>\", e.g. \"trust was still low\""),
                );
            }
        }
    };
    for (bi, b) in file.beats.iter().enumerate() {
        let bp = Path::root().field("beats").index(bi);
        for (ci, c) in b.choices.iter().enumerate() {
            act(&mut out, &c.reaction, &c.score_variants, &bp.field("choices").index(ci));
        }
        if let Some(t) = &b.timer {
            act(&mut out, &t.reaction, &t.score_variants, &bp.field("timer"));
        }
    }
    out
}
