//! The debrief: how a run went, judged decision by decision against the
//! rubric, with the outcome shown separately (process over outcome).
//!
//! Each decision is judged against the best still achievable at that moment:
//! an option's value is its score (the variant that applies in that state)
//! plus the best total a trainee can expect after it, a weighted random
//! route counting by its weights. The *process* score is the expected best from
//! the start minus what the decisions gave up, so a run in which every
//! decision was the best available scores 100 % whatever the dice did. The
//! points collected, the outcome and luck's part are reported beside it
//! (points collected = process points + luck), and the rubric's policy turns
//! process and critical errors into a verdict. See `docs/scoring.md`.

use serde::Serialize;

use crate::analysis::{Analysis, AnalysisError, StateSpace};
use crate::engine::{Mode, Playthrough, SpokenLine, Timing};
use crate::scenario::{Act, NodeRef, Scenario, rubric::Grade, rubric::TechniqueKind};

pub mod fork;
mod step_by_step;
pub mod timeline;

pub use fork::ForkComparison;
pub use timeline::MeterTrack;

/// Two expected values closer than this are equal (they are sums of small
/// integers weighted by ratios; float rounding stays far below it).
const EPSILON: f64 = 1e-6;

/// The ending a run reached, with what the rubric makes of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EndingSummary {
    /// The ending's id.
    pub id: String,
    /// The ending's title.
    pub title: String,
    /// What happened afterwards, as the trainee read it.
    pub narrative: String,
    /// The author's note on this ending for the debrief.
    pub commentary: String,
    /// Its rubric outcome category id (e.g. `voluntary_help`).
    pub outcome: String,
    /// That category's name in words, from the rubric.
    pub outcome_name: String,
    /// The grade the rubric gives that category.
    pub grade: Grade,
    /// How the rubric says to read this kind of outcome.
    pub outcome_note: String,
}

/// Points in one rubric dimension (or, as [`Debrief::total`], in all).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DimensionScore {
    /// The rubric dimension's id (e.g. `safety`); `total` for the total.
    pub id: String,
    /// Its name in words, from the rubric.
    pub name: String,
    /// Points this run collected in it (can be negative).
    pub score: i32,
    /// The points in this dimension along the best-total route from the run's
    /// start (not the dimension's own maximum: those can add up to more than
    /// the best total, and a perfect run would read as a shortfall).
    pub best: i32,
    /// Score as a share of the best achievable, 0–100 (`None` when nothing positive is achievable).
    pub percent: Option<u32>,
}

/// A communication technique (from the rubric) a choice is tagged with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TechniqueRef {
    /// The technique's id in the rubric.
    pub id: String,
    /// Its name in words.
    pub name: String,
    /// True for a helpful technique, false for one the rubric counts as harmful.
    pub helpful: bool,
}

/// A choice that was open at a decision and would have done better.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alternative {
    /// The choice's id.
    pub choice: String,
    /// The choice's text.
    pub text: String,
    /// The author's commentary on it.
    pub commentary: String,
    /// Its immediate score change (total), as it would have scored in that state.
    pub score: i32,
}

/// The process score: decisions judged against the best still achievable at
/// each one, apart from luck.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcessScore {
    /// The best total a trainee could expect from the run's start.
    pub best: f64,
    /// What the decisions gave up against the best available at each one.
    pub lost: f64,
    /// `best - lost`.
    pub points: f64,
    /// `points` as a share of `best`, 0–100 (`None` when `best` is not positive).
    pub percent: Option<u32>,
    /// The percent shown and judged: `percent`, capped by the rubric's policy
    /// when the run has a critical error.
    pub shown_percent: Option<u32>,
    /// True when the critical-error cap lowered the percent.
    pub capped: bool,
}

/// Luck's part: points collected minus process points (for a finished run).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LuckShare {
    /// Positive: the dice gave more than the decisions could expect; negative: less.
    pub points: f64,
    /// One sentence for the trainee.
    pub summary: String,
}

/// Whether a run meets the academy's standard (the rubric's `policy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Standard {
    /// The run meets the policy: no failing critical error, process score at or over the pass mark.
    MeetsStandard,
    /// Not yet: [`StandardVerdict::reasons`] says why.
    NotYet,
}

impl Standard {
    /// How it reads in the debrief ("Meets the standard", "Not yet at standard").
    pub fn label(self) -> &'static str {
        match self {
            Standard::MeetsStandard => "Meets the standard",
            Standard::NotYet => "Not yet at standard",
        }
    }
}

/// Why a run is not yet at standard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum VerdictReason {
    /// A critical error, and the policy says a critical error fails (steps are 1-based).
    CriticalError {
        /// The steps with a critical error (1-based).
        steps: Vec<usize>,
    },
    /// The process score (after any cap) is below the pass mark.
    BelowPassMark {
        /// The process score shown, 0–100.
        percent: u32,
        /// The rubric policy's pass mark, 0–100.
        pass_percent: u32,
    },
    /// The run did not reach an ending.
    Unfinished,
}

impl VerdictReason {
    /// The reason as a sentence for the trainee.
    pub fn sentence(&self) -> String {
        match self {
            VerdictReason::CriticalError { steps } => {
                let s: Vec<String> = steps.iter().map(|x| x.to_string()).collect();
                let which = if steps.len() == 1 { "step" } else { "steps" };
                format!(
                    "a critical error ({which} {}): a field-training officer would have stopped the scenario",
                    s.join(", ")
                )
            }
            VerdictReason::BelowPassMark { percent, pass_percent } => {
                format!("the process score {percent} % is below the pass mark of {pass_percent} %")
            }
            VerdictReason::Unfinished => "the run was not finished".to_string(),
        }
    }
}

/// The verdict against the rubric's policy, with its reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StandardVerdict {
    /// Meets the standard, or not yet.
    pub standard: Standard,
    /// Empty when the run meets the standard.
    pub reasons: Vec<VerdictReason>,
    /// One sentence: the verdict and its reasons.
    pub summary: String,
}

/// One decision of the run, judged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionReview {
    /// 1-based.
    pub step: usize,
    /// The beat's id.
    pub beat: String,
    /// The choice's id, or `timeout`.
    pub choice: String,
    /// What the trainee said (the choice's text).
    pub text: String,
    /// The author's commentary on that choice (or on letting the time run out).
    pub commentary: String,
    /// Score change per dimension id (only the non-zero ones).
    pub scores: Vec<(String, i32)>,
    /// The decision's points over all dimensions.
    pub total: i32,
    /// The choice is marked critical: a serious error the debrief calls out.
    pub critical: bool,
    /// The timer ran out instead of a choice.
    pub timed_out: bool,
    /// Milliseconds the trainee took, when the front end measured it.
    pub response_ms: Option<u64>,
    /// True when no offered choice could have done better from here.
    pub best_available: bool,
    /// The better choice at that moment, when this was not the best.
    pub better: Option<Alternative>,
    /// Set when a weighted random route decided what happened next.
    pub luck: Option<String>,
    /// The score variant that applied (index into the choice's `score_variants`).
    pub score_variant: Option<u16>,
    /// "Scored lower because <the variant's reason>" when a variant applied.
    pub variant_note: Option<String>,
    /// Points of expected best given up at this decision (0 when it was the best available).
    pub lost: f64,
    /// What the trainee saw happen after it.
    pub reaction: Vec<SpokenLine>,
    /// For a weighted random route: which outcome happened.
    pub chance: Option<u16>,
    /// The decision point in words: the beat's label, or its first line.
    pub label: String,
    /// How the trainee read the subject just before, judged against the hidden state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reading: Option<crate::engine::Reading>,
    /// The reflection prompt asked after this decision, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reflect_prompt: Option<String>,
    /// The trainee's own reasons, when asked and given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reflection: Option<String>,
}

/// How well the trainee read the subject over the run: each answer judged
/// against the hidden state at that moment. Never part of any score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReadingSummary {
    /// Read questions answered right.
    pub right: usize,
    /// Read questions answered.
    pub answered: usize,
    /// Read questions asked (a moment let pass may leave one unanswered).
    pub asked: usize,
}

impl ReadingSummary {
    /// From a run's decisions; `None` when the run met no read question.
    pub fn of(play: &Playthrough) -> Option<ReadingSummary> {
        let s = play.scenario();
        let asked = play.decisions().iter().filter(|d| s.read_of(d.beat_index).is_some()).count();
        let answered = play.decisions().iter().filter(|d| d.reading.is_some()).count();
        let right = play.decisions().iter().filter(|d| d.reading.as_ref().is_some_and(|r| r.right)).count();
        (asked > 0 || answered > 0).then_some(ReadingSummary { right, answered, asked: asked.max(answered) })
    }

    /// "Reading the subject: 3 of 4 right (not part of the score)".
    pub fn line(&self) -> String {
        let unanswered = self.asked - self.answered;
        let left = match unanswered {
            0 => String::new(),
            1 => "; 1 question not answered".to_string(),
            n => format!("; {n} questions not answered"),
        };
        format!(
            "Reading the subject: {} of {} right{left} (how you read the person, against their hidden state \
             at the time; not part of the score)",
            self.right, self.answered
        )
    }
}

/// A reading as one line: "Your read (risk): High — right." or "... — the
/// person was at: Moderate."
pub fn reading_note(r: &crate::engine::Reading) -> String {
    if r.right {
        format!("Your read: {} — right.", r.said)
    } else if r.truth.is_empty() {
        format!("Your read: {} — no answer fitted the person just then.", r.said)
    } else {
        format!("Your read: {} — the person was at: {}.", r.said, r.truth.join(" / "))
    }
}

/// How the decisions were judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Judgement {
    /// Against the exact analysis: each option's value is its points plus the
    /// best a trainee can expect after it (see docs/scoring.md).
    #[default]
    Exact,
    /// The scenario is too large to analyse exactly: each decision is compared
    /// with the best-scoring option offered at that moment, in the situation
    /// then; what each option leads to later, and luck's part, are not judged.
    StepByStep,
}

/// What the trainee is told when the run was judged step by step.
pub const STEP_BY_STEP_NOTE: &str = "Judged step by step: this scenario is too large to analyse exactly, \
     so each decision is compared with the best-scoring option offered at that moment, in the situation \
     at the time. What each option would have led to later, and luck's part, are not judged.";

/// The judgement of one run: the data every front end shows (the terminal,
/// the app's debrief screen, the HTML page, the JSON export). No rendering
/// here beyond the text, JSON and HTML renderers that read it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Debrief {
    /// The scenario's id.
    pub scenario: String,
    /// The scenario's title.
    pub title: String,
    /// The content hash (hex) of the scenario version played.
    pub content_hash: String,
    /// `exact`, or `step_by_step` when the scenario was too large to analyse.
    pub judgement: Judgement,
    /// Why and how the run was judged step by step (`None` when exact).
    pub judgement_note: Option<String>,
    /// The trainee's name, when the run was recorded under one.
    pub trainee: Option<String>,
    /// Training or assessment.
    pub mode: Mode,
    /// The session seed: with it and the choices the run can be replayed exactly.
    pub seed: u64,
    /// The timing accommodation, shown so an accommodated run is on the record.
    pub timing: Timing,
    /// `None` when the run was not finished.
    pub ending: Option<EndingSummary>,
    /// Points collected (outcome and luck included) against the best-total route.
    pub total: DimensionScore,
    /// The decisions judged apart from luck.
    pub process: ProcessScore,
    /// Luck's part in the points collected, reported beside the process score.
    pub luck: LuckShare,
    /// Meets the standard or not yet, by the rubric's policy.
    pub standard: StandardVerdict,
    /// Points per rubric dimension, in rubric order.
    pub dimensions: Vec<DimensionScore>,
    /// The decisions marked critical, in order.
    pub critical_errors: Vec<DecisionReview>,
    /// Techniques the run's choices used, each once.
    pub techniques_used: Vec<TechniqueRef>,
    /// Helpful techniques the best route uses that this run never did.
    pub techniques_missed: Vec<TechniqueRef>,
    /// Every decision, in order.
    pub decisions: Vec<DecisionReview>,
    /// How many decisions were the best available at their moment.
    pub best_choices: usize,
    /// The process-over-outcome sentence: how the decisions and the outcome relate.
    pub verdict: String,
    /// The scenario's debrief commentary (from its file).
    pub commentary: String,
    /// The scenario's teaching points (from its file).
    pub teaching_points: Vec<String>,
    /// Further reading and help lines the scenario lists.
    pub resources: Vec<crate::scenario::model::Resource>,
    /// Each meter from the start and after each decision (the state timeline).
    pub meters: Vec<MeterTrack>,
    /// For a rewound run: the original's route and this one's from the fork.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fork: Option<ForkComparison>,
    /// How well the trainee read the subject (`None`: no read question met).
    /// Reported on its own line; it never changes a score.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reading: Option<ReadingSummary>,
}

/// A score as a rounded share of the best achievable, 0–100; `None` when
/// nothing positive is achievable. The debrief and the records both use this.
pub fn percent(score: i32, best: i32) -> Option<u32> {
    (best > 0).then(|| ((score.max(0) as i64 * 100 + best as i64 / 2) / best as i64).min(100) as u32)
}

fn percent_f(points: f64, best: f64) -> Option<u32> {
    (best > EPSILON).then(|| ((points.max(0.0) * 100.0 / best).round() as u32).min(100))
}

/// Round to one decimal, for display and JSON.
fn tenth(x: f64) -> f64 {
    let r = (x * 10.0).round() / 10.0;
    if r == 0.0 { 0.0 } else { r }
}

fn technique(s: &Scenario, idx: u16) -> TechniqueRef {
    let t = &s.rubric.techniques[idx as usize];
    TechniqueRef { id: t.id.clone(), name: t.name.clone(), helpful: t.kind == TechniqueKind::Helpful }
}

impl Debrief {
    /// Judge a run. `space` is the analyzer's state space for the same
    /// scenario (it is extended if the run visited states it had not seen).
    pub fn build(
        play: &Playthrough,
        analysis: &Analysis,
        space: &mut StateSpace,
        trainee: Option<&str>,
    ) -> Result<Debrief, AnalysisError> {
        let s = play.scenario();
        let totals = play.totals();
        // The run's own start (random start values are not the trainee's doing).
        let start = match play.decisions().first() {
            Some(d) => Some((d.beat_index, d.state_before.clone())),
            None => match play.at() {
                NodeRef::Beat(b) => Some((b, play.state().clone())),
                NodeRef::Ending(_) => None,
            },
        };
        let best_route = match &start {
            Some((b, st)) => Some(space.best_route_from(*b, st)?),
            None => None,
        };
        let reference = best_route.as_ref().unwrap_or(&analysis.best.total);
        let dimensions: Vec<DimensionScore> = s
            .rubric
            .dimensions
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let best = reference.points_in(&d.id).unwrap_or(0);
                DimensionScore {
                    id: d.id.clone(),
                    name: d.name.clone(),
                    score: totals[i],
                    best,
                    percent: percent(totals[i], best),
                }
            })
            .collect();
        let sum: i32 = totals.iter().sum();
        let best_total = reference.score.unwrap_or(0);
        let total = DimensionScore {
            id: "total".into(),
            name: "Total".into(),
            score: sum,
            best: best_total,
            percent: percent(sum, best_total),
        };

        let mut decisions = Vec::new();
        let mut used: Vec<u16> = Vec::new();
        let mut unlucky_any = false;
        let process_best = match &start {
            Some((b, st)) => space.expected_best(*b, st)?.unwrap_or(0.0),
            None => 0.0,
        };
        let mut lost_total = 0.0;
        let mut luck_total = 0.0;
        for (i, d) in play.decisions().iter().enumerate() {
            let def = s.act(d.beat_index, d.act).expect("recorded act exists");
            for t in &def.techniques {
                if !used.contains(t) {
                    used.push(*t);
                }
            }
            let here = |a: Act| s.scores_in(d.beat_index, a, &d.state_before);
            let values = space.act_expected_values(d.beat_index, &d.state_before)?;
            let value_of = |a: Act| values.iter().find(|(x, _)| *x == a).and_then(|(_, v)| *v);
            let chosen_score = f64::from(here(d.act).total);
            let chosen = value_of(d.act);
            // The best still achievable here, over everything the trainee could do.
            let best_here = space.expected_best(d.beat_index, &d.state_before)?;
            let lost = match best_here {
                Some(bv) => (bv - chosen.unwrap_or(chosen_score)).max(0.0),
                None => 0.0,
            };
            let lost = if lost < EPSILON { 0.0 } else { lost };
            lost_total += lost;
            // Luck: how the roll's outcome compares with what the choice could expect.
            if let (Some(cv), Some(_)) = (chosen, d.chance) {
                let expected_after = cv - chosen_score;
                let got = match d.led_to {
                    NodeRef::Ending(_) => Some(0.0),
                    NodeRef::Beat(b) => space.expected_best(b, &d.state_after)?,
                };
                if let Some(g) = got {
                    luck_total += g - expected_after;
                }
            }
            // The best offered choice to name (never "let the time run out",
            // never a critical error, whatever its points).
            let best = d
                .offered
                .iter()
                .filter(|&&a| !s.act(d.beat_index, a).is_some_and(|x| x.critical))
                .filter_map(|&a| value_of(a).map(|v| (a, v)))
                .max_by(|&(a, v), &(b, w)| {
                    v.partial_cmp(&w)
                        .unwrap_or(std::cmp::Ordering::Equal)
                        .then(here(a).total.cmp(&here(b).total))
                        .then(b.cmp(&a))
                });
            let best_available = lost == 0.0;
            let better = match best {
                Some((a, v)) if !best_available && a != d.act && v > chosen.unwrap_or(f64::MIN) + EPSILON => {
                    Some(Alternative {
                        choice: s.act_id(d.beat_index, a).to_string(),
                        text: s.act_text(d.beat_index, a),
                        commentary: s.act_commentary(d.beat_index, a).to_string(),
                        score: here(a).total,
                    })
                }
                _ => None,
            };
            let luck = match d.chance {
                Some(o) => {
                    // Judge luck by the best outcome still open after the roll
                    // (Grade orders Good < Acceptable < Bad, so "better" is smaller).
                    let outs = space.outcome_grades(d.beat_index, &d.state_before, d.act)?;
                    let got = outs.get(o as usize).copied().flatten();
                    let best_open = outs.iter().flatten().min().copied();
                    let worst_open = outs.iter().flatten().max().copied();
                    if got.is_some() && got > best_open {
                        unlucky_any = true;
                        Some("Luck went against you here: the same decision often goes better.".to_string())
                    } else if got.is_some() && got < worst_open {
                        Some("Luck was on your side here: this does not always go so well.".to_string())
                    } else {
                        None
                    }
                }
                None => None,
            };
            decisions.push(DecisionReview {
                best_available,
                better,
                luck,
                lost: tenth(lost),
                ..review(s, i, d)
            });
        }

        let techniques_used: Vec<TechniqueRef> = used.iter().map(|&t| technique(s, t)).collect();
        let mut missed = Vec::new();
        for step in &analysis.best.total.steps {
            if let Some(def) = s.act(step.beat_index, step.act) {
                for &t in &def.techniques {
                    let tr = technique(s, t);
                    if tr.helpful
                        && !used.contains(&t)
                        && !missed.iter().any(|m: &TechniqueRef| m.id == tr.id)
                    {
                        missed.push(tr);
                    }
                }
            }
        }

        let ending = ending_summary(play);
        let best_choices = decisions.iter().filter(|d| d.best_available).count();
        let criticals: Vec<DecisionReview> = decisions.iter().filter(|d| d.critical).cloned().collect();
        let grade = ending.as_ref().map(|e| e.grade);
        // Luck that moved a perfect run to a lesser ending is luck's doing, not the choices'.
        let luck_hurt = unlucky_any || luck_total < -0.5;
        let verdict = verdict_sentence(&decisions, best_choices, grade, luck_hurt, unlucky_any);
        let process = process_score(&s.rubric.policy, process_best, lost_total, !criticals.is_empty());
        let luck = luck_share(luck_total, grade.is_some());
        let standard = standard_verdict(
            &s.rubric.policy,
            &criticals.iter().map(|c| c.step).collect::<Vec<_>>(),
            process.shown_percent,
            grade.is_some(),
        );
        Ok(Debrief {
            scenario: s.id().to_string(),
            title: s.title().to_string(),
            content_hash: s.content_hash.clone(),
            judgement: Judgement::Exact,
            judgement_note: None,
            trainee: trainee.map(str::to_string),
            mode: play.mode(),
            seed: play.seed(),
            timing: play.timing(),
            ending,
            total,
            process,
            luck,
            standard,
            dimensions,
            critical_errors: criticals,
            techniques_used,
            techniques_missed: missed,
            decisions,
            best_choices,
            verdict,
            commentary: s.file.debrief.commentary.clone(),
            teaching_points: s.file.debrief.teaching_points.clone(),
            resources: s.file.debrief.resources.clone(),
            meters: timeline::tracks(play),
            fork: None,
            reading: ReadingSummary::of(play),
        })
    }

    /// The process score line: "Process: 85 % — ..." (with the cap when it applied).
    pub fn process_line(&self) -> String {
        let p = &self.process;
        let against = match self.judgement {
            Judgement::Exact => "judged against the best still achievable at each decision",
            Judgement::StepByStep => "judged step by step against the best-scoring option at each decision",
        };
        match (p.shown_percent, p.percent) {
            (Some(shown), Some(raw)) if p.capped => format!(
                "Process: {shown} % (capped at {shown} % because of a critical error; {raw} % before the cap), \
                 {:.1} of {:.1} points {against}",
                p.points, p.best
            ),
            (Some(shown), _) => {
                format!("Process: {shown} %, {:.1} of {:.1} points {against}", p.points, p.best)
            }
            _ => "Process: – (nothing positive was achievable)".to_string(),
        }
    }

    /// The debrief as pretty-printed JSON (the `--json` form; its fields are the
    /// struct's). Never fails: a serialisation error becomes `{"error": ...}`.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// Plain text for the terminal.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut o = String::new();
        let _ = writeln!(o, "═══ Debrief: {} ═══", self.title);
        if let Some(t) = &self.trainee {
            let _ = writeln!(o, "Trainee: {t}   Mode: {}   Seed: {}", self.mode.label(), self.seed);
        }
        if let Some(note) = &self.judgement_note {
            let _ = writeln!(o, "\n{note}");
        }
        if self.timing.is_accommodation() {
            let _ =
                writeln!(o, "Timing: {} (an accommodation; scores are not affected)", self.timing.describe());
        }
        if let Some(e) = &self.ending {
            let _ = writeln!(o, "\nOutcome: {} — {} ({})", e.title, e.outcome_name, e.grade.label());
            let _ = writeln!(o, "{}", e.outcome_note);
            if !e.commentary.is_empty() {
                let _ = writeln!(o, "Clinician: {}", e.commentary);
            }
        }
        if !self.luck.summary.is_empty() {
            let _ = writeln!(o, "{}", self.luck.summary);
        }
        let _ = writeln!(o, "\n{}", self.verdict);
        let _ = writeln!(o, "\nVerdict: {}", self.standard.summary);
        let _ = writeln!(o, "{}", self.process_line());
        if let Some(r) = &self.reading {
            let _ = writeln!(o, "{}", r.line());
        }
        if !self.critical_errors.is_empty() {
            let _ = writeln!(o, "\nCRITICAL ERRORS");
            for c in &self.critical_errors {
                let _ = writeln!(o, "  ✖ step {}: {}\n    {}", c.step, c.text, c.commentary);
            }
        }
        let pct = |d: &DimensionScore| d.percent.map(|p| format!("{p:>3}%")).unwrap_or_else(|| "  – ".into());
        let _ = writeln!(
            o,
            "\nScore: {} of {} best achievable ({})",
            self.total.score,
            self.total.best,
            pct(&self.total).trim()
        );
        let _ = writeln!(
            o,
            "  (points collected, outcome and luck included; the best route's points, dimension by dimension:)"
        );
        for d in &self.dimensions {
            let bar = d.percent.map(|p| "█".repeat((p / 10) as usize)).unwrap_or_default();
            let _ = writeln!(o, "  {:<32} {:>3} / {:<3} {} {}", d.name, d.score, d.best, pct(d), bar);
        }
        let _ = writeln!(
            o,
            "\nDecisions ({} of {} the best available):",
            self.best_choices,
            self.decisions.len()
        );
        for d in &self.decisions {
            let mark = if d.critical {
                "✖"
            } else if d.best_available {
                "✔"
            } else {
                "△"
            };
            let _ = writeln!(o, "\n {mark} {}. [{}] {}  ({:+})", d.step, d.beat, d.text, d.total);
            for l in &d.reaction {
                match &l.speaker {
                    Some(n) => {
                        let _ = writeln!(o, "    {n}: “{}”", l.text);
                    }
                    None => {
                        let _ = writeln!(o, "    {}", l.text);
                    }
                }
            }
            if let Some(v) = &d.variant_note {
                let _ = writeln!(o, "    {v}.");
            }
            if d.lost > 0.0 {
                let _ = writeln!(o, "    Gave up {:.1} points of the best still achievable here.", d.lost);
            }
            if let Some(r) = &d.reading {
                let _ = writeln!(o, "    {}", reading_note(r));
            }
            if let Some(r) = &d.reflection {
                let _ = writeln!(o, "    Your reasons: “{r}”");
            } else if d.reflect_prompt.is_some() {
                let _ = writeln!(o, "    Your reasons: (skipped)");
            }
            if !d.commentary.is_empty() {
                let _ = writeln!(o, "    Clinician: {}", d.commentary);
            }
            if let Some(b) = &d.better {
                let _ = writeln!(o, "    Better here: {} ({:+})", b.text, b.score);
                if !b.commentary.is_empty() {
                    let _ = writeln!(o, "    Why: {}", b.commentary);
                }
            }
            if let Some(l) = &d.luck {
                let _ = writeln!(o, "    {l}");
            }
        }
        if let Some(f) = &self.fork {
            o.push_str(&f.to_text());
        }
        if !self.techniques_used.is_empty() {
            let names: Vec<String> = self
                .techniques_used
                .iter()
                .map(|t| if t.helpful { t.name.clone() } else { format!("{} (harmful)", t.name) })
                .collect();
            let _ = writeln!(o, "\nTechniques used: {}", names.join(", "));
        }
        if !self.techniques_missed.is_empty() {
            let names: Vec<&str> = self.techniques_missed.iter().map(|t| t.name.as_str()).collect();
            let _ = writeln!(o, "Techniques to try next time: {}", names.join(", "));
        }
        let _ = writeln!(o, "\n{}", self.commentary);
        if !self.teaching_points.is_empty() {
            let _ = writeln!(o, "\nTeaching points:");
            for t in &self.teaching_points {
                let _ = writeln!(o, "  • {t}");
            }
        }
        if !self.resources.is_empty() {
            let _ = writeln!(o, "\nResources:");
            for r in &self.resources {
                let note = r.note.as_ref().map(|n| format!(" — {n}")).unwrap_or_default();
                let _ = writeln!(o, "  • {}: {}{note}", r.name, r.contact);
            }
        }
        // Names and the scenario's text come from people and files: no control characters.
        crate::text::printable_lines(&o).into_owned()
    }

    /// A self-contained, print-friendly HTML page a trainee can keep.
    pub fn to_html(&self) -> String {
        let e = html_escape;
        let mut o = String::new();
        o.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
        o.push_str(&format!("<title>Debrief: {}</title>\n", e(&self.title)));
        o.push_str(HTML_STYLE);
        o.push_str("</head><body>\n");
        o.push_str(&format!("<h1>Debrief: {}</h1>\n", e(&self.title)));
        o.push_str(&format!(
            "<p class=\"meta\">{}Mode: {}{} · Seed: {} · Version {}</p>\n",
            self.trainee.as_ref().map(|t| format!("Trainee: {} · ", e(t))).unwrap_or_default(),
            self.mode.label(),
            if self.timing.is_accommodation() {
                format!(" · Timing: {} (an accommodation)", self.timing.describe())
            } else {
                String::new()
            },
            self.seed,
            e(crate::engine::short_hash(&self.content_hash))
        ));
        if let Some(note) = &self.judgement_note {
            o.push_str(&format!("<p class=\"judgement\">{}</p>\n", e(note)));
        }
        if let Some(end) = &self.ending {
            let class = match end.grade {
                Grade::Good => "good",
                Grade::Acceptable => "ok",
                Grade::Bad => "bad",
            };
            o.push_str(&format!(
                "<section class=\"outcome {class}\"><h2>{} <small>{}</small></h2><p>{}</p><p><em>{}</em></p>{}</section>\n",
                e(&end.title),
                e(&end.outcome_name),
                e(&end.narrative),
                e(&end.outcome_note),
                if end.commentary.is_empty() { String::new() } else { format!("<p>{}</p>", e(&end.commentary)) }
            ));
        }
        if !self.luck.summary.is_empty() {
            o.push_str(&format!("<p class=\"luck\">{}</p>\n", e(&self.luck.summary)));
        }
        o.push_str(&format!("<p class=\"verdict\">{}</p>\n", e(&self.verdict)));
        let class = match self.standard.standard {
            Standard::MeetsStandard => "meets",
            Standard::NotYet => "notyet",
        };
        o.push_str(&format!(
            "<section class=\"standard {class}\"><h2>{}</h2><p>{}</p><p>{}</p></section>\n",
            e(self.standard.standard.label()),
            e(&self.standard.summary),
            e(&self.process_line())
        ));
        if let Some(r) = &self.reading {
            o.push_str(&format!("<p class=\"reading\">{}</p>\n", e(&r.line())));
        }
        if !self.critical_errors.is_empty() {
            o.push_str("<section class=\"critical\"><h2>Critical errors</h2><ul>");
            for c in &self.critical_errors {
                o.push_str(&format!(
                    "<li><b>Step {}:</b> {}<br>{}</li>",
                    c.step,
                    e(&c.text),
                    e(&c.commentary)
                ));
            }
            o.push_str("</ul></section>\n");
        }
        o.push_str(&format!(
            "<h2>Score: {} of {} best achievable{}</h2>\n<p class=\"meta\">Outcome and luck included; each dimension against the best route's points in it.</p>\n<table class=\"dims\">",
            self.total.score,
            self.total.best,
            self.total.percent.map(|p| format!(" ({p}%)")).unwrap_or_default()
        ));
        for d in &self.dimensions {
            let p = d.percent.unwrap_or(0);
            o.push_str(&format!(
                "<tr><td>{}</td><td class=\"num\">{} / {}</td><td class=\"bar\"><svg width=\"200\" height=\"14\" role=\"img\" aria-label=\"{p}%\"><rect width=\"200\" height=\"14\" fill=\"#e0e0e0\"/><rect width=\"{}\" height=\"14\" fill=\"#1565c0\"/></svg> {}</td></tr>",
                e(&d.name),
                d.score,
                d.best,
                p * 2,
                d.percent.map(|p| format!("{p}%")).unwrap_or_else(|| "–".into())
            ));
        }
        o.push_str("</table>\n");
        if !self.meters.is_empty() && !self.decisions.is_empty() {
            o.push_str("<h2>How the person was doing</h2>\n");
            o.push_str(&timeline::svg(self));
        }
        o.push_str(&format!(
            "<h2>Decisions <small>{} of {} the best available</small></h2>\n<ol class=\"timeline\">",
            self.best_choices,
            self.decisions.len()
        ));
        for d in &self.decisions {
            let class = if d.critical {
                "critical"
            } else if d.best_available {
                "best"
            } else {
                "better"
            };
            o.push_str(&format!(
                "<li class=\"{class}\"><p class=\"said\">{} <span class=\"delta\">{:+}</span></p>",
                e(&d.text),
                d.total
            ));
            for l in &d.reaction {
                let who = l.speaker.as_ref().map(|n| format!("<b>{}:</b> ", e(n))).unwrap_or_default();
                o.push_str(&format!("<p class=\"reaction\">{who}{}</p>", e(&l.text)));
            }
            if let Some(v) = &d.variant_note {
                o.push_str(&format!("<p class=\"variant\">{}.</p>", e(v)));
            }
            if let Some(r) = &d.reading {
                let class = if r.right { "read right" } else { "read wrong" };
                o.push_str(&format!("<p class=\"{class}\">{}</p>", e(&reading_note(r))));
            }
            if let Some(r) = &d.reflection {
                o.push_str(&format!("<p class=\"reasons\"><b>Your reasons:</b> “{}”</p>", e(r)));
            }
            if !d.commentary.is_empty() {
                o.push_str(&format!("<p><b>Clinician:</b> {}</p>", e(&d.commentary)));
            }
            if let Some(b) = &d.better {
                o.push_str(&format!(
                    "<p class=\"alt\"><b>Better here:</b> {} ({:+})<br>{}</p>",
                    e(&b.text),
                    b.score,
                    e(&b.commentary)
                ));
            }
            if let Some(l) = &d.luck {
                o.push_str(&format!("<p class=\"luck\">{}</p>", e(l)));
            }
            o.push_str("</li>\n");
        }
        o.push_str("</ol>\n");
        if let Some(f) = &self.fork {
            o.push_str(&f.to_html());
        }
        if !self.techniques_missed.is_empty() {
            let names: Vec<String> = self.techniques_missed.iter().map(|t| e(&t.name)).collect();
            o.push_str(&format!("<p><b>Techniques to try next time:</b> {}</p>\n", names.join(", ")));
        }
        o.push_str(&format!("<h2>Clinician's commentary</h2><p>{}</p>\n", e(&self.commentary)));
        if !self.teaching_points.is_empty() {
            o.push_str("<h2>Teaching points</h2><ul>");
            for t in &self.teaching_points {
                o.push_str(&format!("<li>{}</li>", e(t)));
            }
            o.push_str("</ul>\n");
        }
        if !self.resources.is_empty() {
            o.push_str("<h2>Resources</h2><ul>");
            for r in &self.resources {
                o.push_str(&format!(
                    "<li><b>{}</b>: {}{}</li>",
                    e(&r.name),
                    e(&r.contact),
                    r.note.as_ref().map(|n| format!(" — {}", e(n))).unwrap_or_default()
                ));
            }
            o.push_str("</ul>\n");
        }
        o.push_str("</body></html>\n");
        o
    }
}

/// HTML-escaped (see [`crate::html::escape`]).
pub use crate::html::escape as html_escape;

const HTML_STYLE: &str = "<style>
body{font-family:'Atkinson Hyperlegible',Verdana,sans-serif;max-width:46em;margin:2em auto;padding:0 1em;color:#111;line-height:1.45}
h1{font-size:1.7em}h2{font-size:1.25em;margin-top:1.4em}small{font-weight:normal;color:#555}
.meta{color:#555}.outcome{border-left:8px solid #888;padding:.3em 1em;background:#f6f6f6}
.outcome.good{border-color:#2e7d32}.outcome.ok{border-color:#f9a825}.outcome.bad{border-color:#c62828}
.verdict{font-size:1.1em;font-weight:bold}.standard{border:2px solid #888;padding:0 1em}
.standard.meets{border-color:#2e7d32}.standard.notyet{border-color:#c62828}.reaction{font-style:italic;color:#333}.critical{border:2px solid #c62828;padding:0 1em}
table.dims td{padding:.2em .6em}.num{text-align:right;white-space:nowrap}
ol.timeline li{margin:.8em 0;padding-left:.4em}li.best{border-left:4px solid #2e7d32}
li.better{border-left:4px solid #f9a825}li.critical{border-left:4px solid #c62828}
.reading{font-weight:bold}.read{font-style:italic}.reasons{background:#f3f0fa;padding:.3em}
.judgement{border:2px dashed #555;padding:.4em 1em}.said{font-weight:bold}.alt{background:#eef5ee;padding:.3em}.luck{font-style:italic}.delta{color:#555}
.fork table.routes{border-collapse:collapse;width:100%}.routes th,.routes td{border:1px solid #bbb;padding:.3em .5em;vertical-align:top;text-align:left}
.routes td.critical{border-left:4px solid #c62828}.routes tr.end td{background:#f6f6f6}
figure.chart{margin:1em 0}figure.chart figcaption{color:#555;font-size:.9em}
@media print{body{margin:0;max-width:none}section,li,figure{break-inside:avoid}}
</style>\n";

/// A decision as the debrief shows it, before it is judged (the judged
/// fields, `best_available`, `better`, `luck` and `lost`, left neutral).
fn review(s: &Scenario, i: usize, d: &crate::engine::Decision) -> DecisionReview {
    let variant_note = d.score_variant.map(|v| {
        let plain = s.act(d.beat_index, d.act).map(|a| a.total).unwrap_or(0);
        let given: i32 = d.scores.iter().sum();
        let how = match given.cmp(&plain) {
            std::cmp::Ordering::Less => "Scored lower",
            std::cmp::Ordering::Greater => "Scored higher",
            std::cmp::Ordering::Equal => "Scored differently",
        };
        format!("{how} because {}", s.variant_reason(d.beat_index, d.act, v).trim_end_matches('.'))
    });
    let scores = s
        .rubric
        .dimensions
        .iter()
        .zip(&d.scores)
        .filter(|(_, v)| **v != 0)
        .map(|(dim, v)| (dim.id.clone(), *v))
        .collect();
    DecisionReview {
        step: i + 1,
        beat: d.beat.clone(),
        choice: d.choice.clone(),
        text: d.text.clone(),
        commentary: s.act_commentary(d.beat_index, d.act).to_string(),
        scores,
        total: d.scores.iter().sum(),
        critical: d.critical,
        timed_out: d.act == Act::Timeout,
        response_ms: d.response_ms,
        best_available: true,
        better: None,
        luck: None,
        score_variant: d.score_variant,
        variant_note,
        lost: 0.0,
        reaction: d.reaction.clone(),
        chance: d.chance,
        label: s.beat_name(d.beat_index),
        reading: d.reading.clone(),
        reflect_prompt: s.reflect_prompt(d.beat_index).map(str::to_string),
        reflection: d.reflection.clone(),
    }
}

/// What the run's ending was, for the debrief.
fn ending_summary(play: &Playthrough) -> Option<EndingSummary> {
    let s = play.scenario();
    play.ending().map(|e| {
        let end = s.ending(e);
        let cat = s.outcome_of(e);
        EndingSummary {
            id: end.id.clone(),
            title: end.title.clone(),
            narrative: end.narrative.clone(),
            commentary: end.commentary.clone(),
            outcome: cat.id.clone(),
            outcome_name: cat.name.clone(),
            grade: cat.grade,
            outcome_note: cat.debrief_note.clone(),
        }
    })
}

/// The process-over-outcome sentence.
fn verdict_sentence(
    decisions: &[DecisionReview],
    best_choices: usize,
    grade: Option<Grade>,
    luck_hurt: bool,
    unlucky_any: bool,
) -> String {
    let all_best = best_choices == decisions.len();
    match (all_best, grade) {
        (_, None) => "The run was not finished; the scores cover the decisions made so far.".to_string(),
        (true, Some(Grade::Good)) if luck_hurt => {
            "You made the best available decision at every step. Luck, not your decisions, \
             led to this ending rather than a better one: the same decisions often end better."
                .to_string()
        }
        (true, Some(_)) if luck_hurt => {
            "You did what was right at each step; the outcome was still bad. Luck, not your \
             decisions, led here: the same decisions often end better. This happens, and it is \
             not a failure of your decisions."
                .to_string()
        }
        (true, Some(Grade::Good)) => {
            "You made the best available decision at every step, and it showed in the outcome.".to_string()
        }
        (true, Some(_)) => "You did what was right at each step; the outcome was still bad. This happens, \
             and it is not a failure of your decisions."
            .to_string(),
        (false, Some(g)) => {
            let n = decisions.len() - best_choices;
            let mut v = format!(
                "{n} of your {} decisions had a better option at that moment; the timeline shows which.",
                decisions.len()
            );
            if g == Grade::Good {
                v.push_str(" The outcome was good, but judge the decisions, not only the outcome.");
            }
            if unlucky_any {
                v.push_str(" Luck also played a part: see the marked steps.");
            }
            v
        }
    }
}

/// The process score from the best available and what the decisions gave up,
/// capped by the rubric's policy when the run has a critical error.
fn process_score(
    policy: &crate::scenario::rubric::Policy,
    best: f64,
    lost: f64,
    critical: bool,
) -> ProcessScore {
    let points = best - lost;
    let raw = percent_f(points, best);
    let shown = match raw {
        Some(p) if critical => Some(p.min(policy.critical_cap_percent)),
        other => other,
    };
    ProcessScore {
        best: tenth(best),
        lost: tenth(lost),
        points: tenth(points),
        percent: raw,
        shown_percent: shown,
        capped: shown < raw,
    }
}

fn luck_share(points: f64, finished: bool) -> LuckShare {
    let points = tenth(points);
    let summary = if points <= -0.5 {
        format!(
            "Luck: {points:+.1} points. The dice went against you; this is not counted against your decisions."
        )
    } else if points >= 0.5 {
        format!("Luck: {points:+.1} points. The dice helped; this is not counted as your decisions' merit.")
    } else if finished {
        "Luck: no part in the points.".to_string()
    } else {
        String::new()
    };
    LuckShare { points, summary }
}

/// The verdict by the rubric's policy.
fn standard_verdict(
    policy: &crate::scenario::rubric::Policy,
    critical_steps: &[usize],
    shown_percent: Option<u32>,
    finished: bool,
) -> StandardVerdict {
    let mut reasons = Vec::new();
    if !finished {
        reasons.push(VerdictReason::Unfinished);
    }
    if policy.critical_fails && !critical_steps.is_empty() {
        reasons.push(VerdictReason::CriticalError { steps: critical_steps.to_vec() });
    }
    if let Some(p) = shown_percent
        && p < policy.pass_percent
    {
        reasons.push(VerdictReason::BelowPassMark { percent: p, pass_percent: policy.pass_percent });
    }
    let standard = if reasons.is_empty() { Standard::MeetsStandard } else { Standard::NotYet };
    let summary = match standard {
        Standard::MeetsStandard => format!(
            "{}: the process score {} reaches the pass mark of {} % with no critical error.",
            standard.label(),
            shown_percent.map(|p| format!("{p} %")).unwrap_or_else(|| "–".into()),
            policy.pass_percent
        ),
        Standard::NotYet => {
            let why: Vec<String> = reasons.iter().map(VerdictReason::sentence).collect();
            format!("{}: {}.", standard.label(), why.join("; "))
        }
    };
    StandardVerdict { standard, reasons, summary }
}
