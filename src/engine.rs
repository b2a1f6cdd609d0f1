//! The playthrough engine: a pure state machine over a checked [`Scenario`].
//!
//! `start` → [`Playthrough::current`] (the beat with its lines resolved and the
//! choices offered now) → [`Playthrough::choose`] / [`Playthrough::time_out`] →
//! … → [`Playthrough::ending`]. Every random pick (line variants, choice order,
//! weighted routes, random start values) comes from a ChaCha RNG seeded from
//! the session seed and the step number, so the same scenario, seed and choices
//! give the same transcript byte for byte, and a run can be saved
//! ([`RunState`] is serde) and resumed exactly where it was.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::scenario::{Act, NodeRef, Scenario, model::Role};
use crate::state::GameState;

/// Training shows meters and feedback after each choice; assessment shows nothing until the debrief.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Feedback and meters after every choice: for practice.
    #[default]
    Training,
    /// No feedback until the debrief, and timed moments keep a clock: for a
    /// result an instructor can compare between trainees.
    Assessment,
}

impl Mode {
    /// The stored and command-line form: `training` or `assessment`.
    pub fn label(self) -> &'static str {
        match self {
            Mode::Training => "training",
            Mode::Assessment => "assessment",
        }
    }
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "training" => Ok(Mode::Training),
            "assessment" => Ok(Mode::Assessment),
            _ => Err(format!("unknown mode `{s}` (training or assessment)")),
        }
    }
}

/// A timing accommodation: how long the trainee has at a timed moment.
///
/// Chosen per trainee (or for a whole class), recorded with the session and
/// shown in the debrief and the class report, so an accommodated assessment is
/// on the record and stays comparable. Scores never depend on it: the same
/// choices score the same whatever the time allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Timing {
    /// The authored time.
    #[default]
    Standard,
    /// One and a half times the authored time (rounded up to whole seconds).
    #[serde(rename = "x1.5")]
    Extended150,
    /// Twice the authored time.
    #[serde(rename = "x2")]
    Extended200,
    /// No countdown: the trainee chooses when to let a moment pass. Training
    /// only; an assessment keeps a clock so its results stay comparable.
    Untimed,
}

impl Timing {
    /// Every timing, in the order the front ends list them.
    pub const ALL: [Timing; 4] =
        [Timing::Standard, Timing::Extended150, Timing::Extended200, Timing::Untimed];

    /// The stored and command-line form: `standard`, `x1.5`, `x2`, `untimed`.
    pub fn label(self) -> &'static str {
        match self {
            Timing::Standard => "standard",
            Timing::Extended150 => "x1.5",
            Timing::Extended200 => "x2",
            Timing::Untimed => "untimed",
        }
    }

    /// How it reads in a debrief or a report.
    pub fn describe(self) -> &'static str {
        match self {
            Timing::Standard => "standard time",
            Timing::Extended150 => "extended time ×1.5",
            Timing::Extended200 => "extended time ×2",
            Timing::Untimed => "untimed",
        }
    }

    /// True for everything but the authored time.
    pub fn is_accommodation(self) -> bool {
        self != Timing::Standard
    }

    /// Seconds the trainee has for a moment authored with `authored` seconds;
    /// `None` when untimed.
    pub fn seconds(self, authored: u32) -> Option<u32> {
        match self {
            Timing::Standard => Some(authored),
            Timing::Extended150 => Some(authored.saturating_mul(3).div_ceil(2)),
            Timing::Extended200 => Some(authored.saturating_mul(2)),
            Timing::Untimed => None,
        }
    }

    /// Whether a run in `mode` may use this timing (untimed is for training).
    pub fn allowed_in(self, mode: Mode) -> bool {
        !(self == Timing::Untimed && mode == Mode::Assessment)
    }

    /// The timing a run in `mode` gets when this one is chosen: untimed
    /// becomes extended time ×2 in an assessment (the front ends show it).
    pub fn for_mode(self, mode: Mode) -> Timing {
        if self.allowed_in(mode) { self } else { Timing::Extended200 }
    }
}

impl std::str::FromStr for Timing {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "standard" | "x1" | "1" => Ok(Timing::Standard),
            "x1.5" | "1.5" | "150%" => Ok(Timing::Extended150),
            "x2" | "2" | "200%" => Ok(Timing::Extended200),
            "untimed" | "none" | "off" => Ok(Timing::Untimed),
            _ => Err(format!("unknown timing `{s}` (standard, x1.5, x2 or untimed)")),
        }
    }
}

/// How a run starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StartOptions {
    /// The session seed: with the same scenario and choices it gives the same
    /// run byte for byte (line variants, choice order, chance routes, random starts).
    pub seed: u64,
    /// Training or assessment.
    pub mode: Mode,
    /// Present the offered choices in a seeded random order, so trainees cannot
    /// learn "the first one is right".
    pub shuffle: bool,
    /// For authors: start at this beat with these meter values and flags
    /// instead of the scenario's start.
    pub from: Option<(String, GameState)>,
    /// A timing accommodation (runs saved before it existed read as standard).
    #[serde(default)]
    pub timing: Timing,
}

impl StartOptions {
    /// Options for a run from the scenario's start: choices shuffled, standard time.
    pub fn new(seed: u64, mode: Mode) -> Self {
        StartOptions { seed, mode, shuffle: true, from: None, timing: Timing::Standard }
    }

    /// The same options with a timing accommodation.
    pub fn with_timing(mut self, timing: Timing) -> Self {
        self.timing = timing;
        self
    }
}

/// Why the engine refused a call. Nothing changes when it does: the run is
/// left as it was, so a front end can show the message and ask again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// The run is at an ending: nothing more can be chosen.
    #[error("the run has ended; no more choices")]
    Finished,
    /// A choice number outside `1..=offered`.
    #[error("choice {number} is not offered here (choose 1 to {offered})")]
    NotOffered {
        /// The number asked for.
        number: usize,
        /// How many choices are offered now.
        offered: usize,
    },
    /// A choice id that is not among the choices offered now (unknown, or its
    /// condition does not hold in this state).
    #[error("choice `{0}` is not offered here")]
    UnknownChoice(String),
    /// A time-out was asked for at a beat without a timer.
    #[error("this beat has no timer, so there is no time to run out")]
    NoTimer,
    /// A reading was given at a beat without a read-the-subject question.
    #[error("this moment asks no read-the-subject question")]
    NoReadQuestion,
    /// A read answer number outside `1..=offered`.
    #[error("answer {number} is not one of the read question's (answer 1 to {offered})")]
    NoSuchAnswer {
        /// The answer number given.
        number: usize,
        /// How many answers the question has.
        offered: usize,
    },
    /// A reflection was given, but the last decision's beat asks for none.
    #[error("there is no reflection to give: the last decision's moment asks for none")]
    NoReflection,
    /// The last decision already has its reflection.
    #[error("the reflection on this decision was already given")]
    AlreadyReflected,
    /// An author's start (`from`) names a beat id the scenario does not have.
    #[error("beat `{0}` does not exist in this scenario")]
    UnknownBeat(String),
    /// [`Timing::Untimed`] was asked for in [`Mode::Assessment`].
    #[error(
        "untimed play is for training; an assessment keeps a clock so results stay comparable (use extended time x1.5 or x2)"
    )]
    UntimedAssessment,
    /// An author's start state has the wrong number of meters or flags, or a
    /// value outside a meter's range; the text says which.
    #[error("the start state does not fit this scenario: {0}")]
    BadStartState(String),
    /// A saved run is resumed on a scenario whose content hash differs from the
    /// one it was played on (the file was edited since): resuming could not
    /// reproduce it. Replaying choice ids ([`replay`]) works across versions.
    #[error(
        "this run was played on a different version of `{scenario}` (content hash {saved}, now {current})"
    )]
    VersionMismatch {
        /// The scenario's id.
        scenario: String,
        /// The first 12 hex digits of the hash the run was played on.
        saved: String,
        /// The first 12 hex digits of the file's hash now.
        current: String,
    },
}

/// A line as the trainee sees it: variant picked, speaker named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpokenLine {
    /// `None` for narration.
    pub speaker: Option<String>,
    /// Whose line: the narrator, the subject, a bystander... (from the cast).
    pub role: Role,
    /// The words, with the line variant already picked.
    pub text: String,
}

/// What happened, in order: the transcript of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Entry {
    /// The run arrived at a beat and these lines were shown.
    Beat {
        /// The beat's id.
        beat: String,
        /// Its lines whose conditions held, variants picked.
        lines: Vec<SpokenLine>,
    },
    /// The trainee chose a choice and said its text.
    Said {
        /// The choice's id.
        choice: String,
        /// The choice's text, as shown.
        text: String,
    },
    /// The beat's timer ran out before the trainee chose.
    TimedOut {
        /// The beat's id.
        beat: String,
    },
    /// What the trainee sees happen after a choice or a time-out (a cast
    /// member's answer, narration): part of the story in every mode. Only
    /// pushed when the act has reaction lines that show in this state.
    Reaction {
        /// The reaction's lines whose conditions held.
        lines: Vec<SpokenLine>,
    },
    /// The run ended.
    Ending {
        /// The ending's id.
        ending: String,
        /// The ending's rubric outcome category, e.g. `voluntary_help`.
        outcome: String,
        /// The ending's title, as shown.
        title: String,
        /// What happened afterwards, as shown.
        narrative: String,
    },
}

/// One decision the trainee made (or a timer that ran out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// The id of the beat it was made at.
    pub beat: String,
    /// That beat's number in the checked scenario (its index in authored order).
    pub beat_index: u32,
    /// A choice (by its number in the beat) or the time-out.
    pub act: Act,
    /// The choice id, or `timeout`.
    pub choice: String,
    /// The choice's text as shown; for a time-out, "(You hesitated and the moment passed.)".
    pub text: String,
    /// Milliseconds the trainee took, if the front end measured it.
    pub response_ms: Option<u64>,
    /// Points per rubric dimension, in rubric order: the ones actually given
    /// (a score variant's when one applied).
    pub scores: Vec<i32>,
    /// The score variant that applied (index into the act's `score_variants`),
    /// `None` when the plain scores did.
    #[serde(default)]
    pub score_variant: Option<u16>,
    /// The choice is marked critical in the scenario: a serious error the debrief
    /// calls out, whatever it scored.
    pub critical: bool,
    /// What was offered, in the order shown.
    pub offered: Vec<Act>,
    /// Meters and flags when the choice was made.
    pub state_before: GameState,
    /// Meters and flags after its effects (and the chance outcome's).
    pub state_after: GameState,
    /// For a weighted random route: which outcome happened (index into the outcomes).
    pub chance: Option<u16>,
    /// Where it led: the next beat or an ending.
    pub led_to: NodeRef,
    /// What the trainee saw happen after it (the transcript's reaction entry).
    #[serde(default)]
    pub reaction: Vec<SpokenLine>,
    /// How the trainee read the subject just before choosing, at a beat with a
    /// read question (`None` where none was asked or it went unanswered).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reading: Option<Reading>,
    /// What the trainee wrote when asked to reflect after choosing (`None`:
    /// not asked, or skipped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reflection: Option<String>,
}

/// The most characters of a reflection kept (a sentence or two; the rest is cut).
pub const MAX_REFLECTION_CHARS: usize = 1000;

/// How the trainee read the subject, judged against the hidden state at the
/// moment they read it (the state on arriving at the beat). It never changes
/// a score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reading {
    /// The read question, as asked.
    pub question: String,
    /// The answer picked: its index among the read's options (authored order).
    pub answer: u16,
    /// The answer's text.
    pub said: String,
    /// Whether it was right in the hidden state then.
    pub right: bool,
    /// The answers that were right then (their texts; usually one).
    pub truth: Vec<String>,
}

/// A read-the-subject question as the front end shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadView {
    /// The read question, as asked.
    pub question: String,
    /// The answers, numbered from 1 in authored order.
    pub options: Vec<String>,
    /// The answer already given (1-based), before choosing.
    pub answered: Option<usize>,
}

/// Everything about a run that needs saving to resume it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunState {
    /// The scenario's id.
    pub scenario: String,
    /// The scenario's content hash when the run started (hex; see
    /// [`EngineError::VersionMismatch`]).
    pub content_hash: String,
    /// The options it was started with (seed, mode, shuffle, timing).
    pub options: StartOptions,
    /// The current beat, or the ending the run finished at.
    pub at: NodeRef,
    /// Meters and flags now.
    pub state: GameState,
    /// Decisions made so far; the RNG for each step is seeded from the seed and
    /// this number, so a resumed run picks what the original would have.
    pub step: u32,
    /// Offered acts at the current beat, in display order.
    pub offered: Vec<Act>,
    /// Every decision so far, in order.
    pub decisions: Vec<Decision>,
    /// Everything shown so far, in order.
    pub transcript: Vec<Entry>,
    /// The reading given at the current beat, kept until the choice is made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reading: Option<Reading>,
}

/// A choice as offered now, numbered from 1 in display order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offered {
    /// Its number as shown (1-based, display order): what the trainee types or clicks.
    pub number: usize,
    /// The act behind it: the choice's number in the beat's authored order.
    pub act: Act,
    /// The choice's id in the scenario file.
    pub id: String,
    /// The choice's text.
    pub text: String,
}

/// The current beat as the front end shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BeatView {
    /// The beat's id.
    pub beat: String,
    /// The beat's lines whose conditions hold, variants picked.
    pub lines: Vec<SpokenLine>,
    /// The choices offered now, in display order (shuffled when the run shuffles).
    pub choices: Vec<Offered>,
    /// Seconds to answer before the timeout happens, after the run's timing
    /// accommodation; `None` when the moment is not timed or the run is untimed.
    pub timer: Option<u32>,
    /// The moment can be let pass (it has a timeout): front ends offer
    /// "wait" when the run is untimed.
    pub can_wait: bool,
    /// The read-the-subject question to ask before the choices, if any.
    pub read: Option<ReadView>,
    /// The reflection prompt to ask after choosing here, if any.
    pub reflect: Option<String>,
}

/// A run of one scenario.
#[derive(Debug, Clone)]
pub struct Playthrough {
    scenario: Scenario,
    run: RunState,
}

const SALT_START: u64 = 0x5354_4152;
const SALT_LINES: u64 = 0x4c49_4e45;
const SALT_ORDER: u64 = 0x4f52_4445;
const SALT_CHANCE: u64 = 0x4348_4e43;
const SALT_REACTION: u64 = 0x5245_4143;

/// An RNG for one purpose at one step: draws at one step never shift the
/// draws at another, so a replay after a small edit diverges as little as possible.
fn rng_for(seed: u64, step: u32, salt: u64) -> ChaCha8Rng {
    // splitmix64 finaliser to spread the inputs.
    let mut z = seed ^ (u64::from(step) << 32) ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ChaCha8Rng::seed_from_u64(z ^ (z >> 31))
}

/// Pick an index with probability proportional to its weight.
pub fn weighted_pick(rng: &mut impl Rng, weights: &[u32]) -> usize {
    let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
    if total == 0 {
        return 0;
    }
    let mut roll = rng.random_range(0..total);
    for (i, &w) in weights.iter().enumerate() {
        if roll < u64::from(w) {
            return i;
        }
        roll -= u64::from(w);
    }
    weights.len() - 1
}

/// The transition moved to the state layer, which the analyzer and the
/// validator share with the engine; kept here so existing paths still work.
pub use crate::state::follow;

impl Playthrough {
    /// Start a run.
    pub fn start(scenario: &Scenario, options: StartOptions) -> Result<Self, EngineError> {
        if !options.timing.allowed_in(options.mode) {
            return Err(EngineError::UntimedAssessment);
        }
        let (at, state) = match &options.from {
            None => {
                let mut rng = rng_for(options.seed, 0, SALT_START);
                let meters =
                    scenario.meters.iter().map(|m| rng.random_range(m.start_lo..=m.start_hi)).collect();
                (scenario.start, GameState::new(meters))
            }
            Some((beat, state)) => {
                let b = scenario.beat_index(beat).ok_or_else(|| EngineError::UnknownBeat(beat.clone()))?;
                if state.meters.len() != scenario.meters.len() {
                    return Err(EngineError::BadStartState(format!(
                        "{} meter values given, the scenario has {}",
                        state.meters.len(),
                        scenario.meters.len()
                    )));
                }
                let mut state = state.clone();
                for (v, r) in state.meters.iter_mut().zip(&scenario.meters) {
                    *v = (*v).clamp(r.min, r.max);
                }
                (NodeRef::Beat(b), state)
            }
        };
        let run = RunState {
            scenario: scenario.id().to_string(),
            content_hash: scenario.content_hash.clone(),
            options,
            at,
            state,
            step: 0,
            offered: Vec::new(),
            decisions: Vec::new(),
            transcript: Vec::new(),
            reading: None,
        };
        let mut p = Playthrough { scenario: scenario.clone(), run };
        p.enter(at);
        Ok(p)
    }

    /// Continue a saved run on the same version of the scenario.
    pub fn resume(scenario: &Scenario, run: RunState) -> Result<Self, EngineError> {
        if run.content_hash != scenario.content_hash {
            return Err(EngineError::VersionMismatch {
                scenario: scenario.id().to_string(),
                saved: short_hash(&run.content_hash).to_string(),
                current: short_hash(&scenario.content_hash).to_string(),
            });
        }
        Ok(Playthrough { scenario: scenario.clone(), run })
    }

    /// The checked scenario being played.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }
    /// The run's whole saveable state.
    pub fn run(&self) -> &RunState {
        &self.run
    }
    /// The run's state, to save it (resume with the scenario and it).
    pub fn into_run(self) -> RunState {
        self.run
    }
    /// Training or assessment.
    pub fn mode(&self) -> Mode {
        self.run.options.mode
    }
    /// The session seed.
    pub fn seed(&self) -> u64 {
        self.run.options.seed
    }
    /// The timing accommodation (already fitted to the mode).
    pub fn timing(&self) -> Timing {
        self.run.options.timing
    }
    /// Meters and flags now (hidden from the trainee in assessment mode).
    pub fn state(&self) -> &GameState {
        &self.run.state
    }
    /// Every decision so far, in order.
    pub fn decisions(&self) -> &[Decision] {
        &self.run.decisions
    }
    /// Everything shown so far, in order.
    pub fn transcript(&self) -> &[Entry] {
        &self.run.transcript
    }
    /// The current beat, or the ending reached.
    pub fn at(&self) -> NodeRef {
        self.run.at
    }

    /// True once the run has reached an ending.
    pub fn is_finished(&self) -> bool {
        matches!(self.run.at, NodeRef::Ending(_))
    }

    /// The ending reached, if the run is over.
    pub fn ending(&self) -> Option<u32> {
        match self.run.at {
            NodeRef::Ending(e) => Some(e),
            NodeRef::Beat(_) => None,
        }
    }

    /// True when the current beat offers nothing at all: a scenario bug the
    /// analyzer reports as a dead end; front ends should say so, not hang.
    pub fn is_stuck(&self) -> bool {
        match self.run.at {
            NodeRef::Beat(b) => {
                self.run.offered.is_empty() && self.scenario.beats[b as usize].timer.is_none()
            }
            NodeRef::Ending(_) => false,
        }
    }

    /// The current beat, its lines as resolved on entry and the numbered choices.
    pub fn current(&self) -> Option<BeatView> {
        let NodeRef::Beat(b) = self.run.at else { return None };
        let lines = match self.run.transcript.iter().rev().find(|e| matches!(e, Entry::Beat { .. })) {
            Some(Entry::Beat { lines, .. }) => lines.clone(),
            _ => Vec::new(),
        };
        let choices = self
            .run
            .offered
            .iter()
            .enumerate()
            .map(|(i, &act)| Offered {
                number: i + 1,
                act,
                id: self.scenario.act_id(b, act).to_string(),
                text: self.scenario.act_text(b, act),
            })
            .collect();
        Some(BeatView {
            beat: self.scenario.beat(b).id.clone(),
            lines,
            choices,
            timer: self.scenario.beats[b as usize]
                .timer
                .as_ref()
                .and_then(|(s, _)| self.run.options.timing.seconds(*s)),
            can_wait: self.scenario.beats[b as usize].timer.is_some(),
            read: self.scenario.read_of(b).map(|r| ReadView {
                question: r.question.clone(),
                options: r.options.iter().map(|o| o.answer.clone()).collect(),
                answered: self.run.reading.as_ref().map(|x| usize::from(x.answer) + 1),
            }),
            reflect: self.scenario.reflect_prompt(b).map(str::to_string),
        })
    }

    /// Answer the current beat's read-the-subject question with the
    /// `number`th answer (1-based, authored order), before choosing. It is
    /// judged now, against the hidden state, and kept with the decision that
    /// follows; answering again before choosing replaces it.
    pub fn read(&mut self, number: usize) -> Result<&Reading, EngineError> {
        let NodeRef::Beat(b) = self.run.at else { return Err(EngineError::Finished) };
        let read = self.scenario.read_of(b).ok_or(EngineError::NoReadQuestion)?;
        let offered = read.options.len();
        let i = number
            .checked_sub(1)
            .filter(|&i| i < offered)
            .ok_or(EngineError::NoSuchAnswer { number, offered })?;
        let truth = self.scenario.read_truth(b, &self.run.state);
        let reading = Reading {
            question: read.question.clone(),
            answer: i as u16,
            said: read.options[i].answer.clone(),
            right: truth.contains(&(i as u16)),
            truth: truth.iter().map(|&t| read.options[t as usize].answer.clone()).collect(),
        };
        Ok(self.run.reading.insert(reading))
    }

    /// The reflection prompt of the last decision's moment, while the trainee
    /// may still answer it (asked, not yet answered).
    pub fn reflection_due(&self) -> Option<&str> {
        let d = self.run.decisions.last()?;
        if d.reflection.is_some() {
            return None;
        }
        self.scenario.reflect_prompt(d.beat_index)
    }

    /// The trainee's reflection on the decision just made, at a beat with a
    /// reflection prompt. Blank text skips it (`Ok(false)`); it is kept
    /// trimmed, at most [`MAX_REFLECTION_CHARS`] characters (`Ok(true)`).
    pub fn reflect(&mut self, text: &str) -> Result<bool, EngineError> {
        let d = self.run.decisions.last().ok_or(EngineError::NoReflection)?;
        if self.scenario.reflect_prompt(d.beat_index).is_none() {
            return Err(EngineError::NoReflection);
        }
        if d.reflection.is_some() {
            return Err(EngineError::AlreadyReflected);
        }
        let text = text.trim();
        if text.is_empty() {
            return Ok(false);
        }
        let kept: String = text.chars().take(MAX_REFLECTION_CHARS).collect();
        if let Some(d) = self.run.decisions.last_mut() {
            d.reflection = Some(kept);
        }
        Ok(true)
    }

    /// Choose the `number`th offered choice (1-based, display order).
    pub fn choose(&mut self, number: usize, response_ms: Option<u64>) -> Result<&Decision, EngineError> {
        if self.is_finished() {
            return Err(EngineError::Finished);
        }
        let act = *number
            .checked_sub(1)
            .and_then(|i| self.run.offered.get(i))
            .ok_or(EngineError::NotOffered { number, offered: self.run.offered.len() })?;
        self.act(act, response_ms)
    }

    /// Choose by the choice's id (or `timeout`), as replays and scripts do.
    pub fn choose_id(&mut self, id: &str, response_ms: Option<u64>) -> Result<&Decision, EngineError> {
        let NodeRef::Beat(b) = self.run.at else { return Err(EngineError::Finished) };
        let act = self.scenario.act_by_id(b, id).ok_or_else(|| EngineError::UnknownChoice(id.to_string()))?;
        if act == Act::Timeout || self.run.offered.contains(&act) {
            self.act(act, response_ms)
        } else {
            Err(EngineError::UnknownChoice(id.to_string()))
        }
    }

    /// The timer ran out (or the trainee chose to let it).
    pub fn time_out(&mut self, response_ms: Option<u64>) -> Result<&Decision, EngineError> {
        self.act(Act::Timeout, response_ms)
    }

    fn act(&mut self, act: Act, response_ms: Option<u64>) -> Result<&Decision, EngineError> {
        let NodeRef::Beat(b) = self.run.at else { return Err(EngineError::Finished) };
        let def = self.scenario.act(b, act).ok_or(EngineError::NoTimer)?.clone();
        let before = self.run.state.clone();
        let mut state = before.clone();
        state.apply(&def.effects, &self.scenario.meters);
        let seed = self.run.options.seed;
        let step = self.run.step;
        let (to, chance) = follow(&self.scenario, &def.route, &mut state, |w| {
            weighted_pick(&mut rng_for(seed, step, SALT_CHANCE), w)
        });
        let beat_id = self.scenario.beat(b).id.clone();
        let choice = self.scenario.act_id(b, act).to_string();
        let text = self.scenario.act_text(b, act);
        // Scores depend on the state the choice is made in (before its effects).
        let scored = self.scenario.scores_in(b, act, &before);
        let (score_variant, scores) = (scored.variant, scored.scores.to_vec());
        let reaction = self.reaction(b, act, &state, step);
        self.run.transcript.push(match act {
            Act::Timeout => Entry::TimedOut { beat: beat_id.clone() },
            Act::Choice(_) => Entry::Said { choice: choice.clone(), text: text.clone() },
        });
        if !reaction.is_empty() {
            self.run.transcript.push(Entry::Reaction { lines: reaction.clone() });
        }
        self.run.decisions.push(Decision {
            beat: beat_id,
            beat_index: b,
            act,
            choice,
            text,
            response_ms,
            scores,
            score_variant,
            critical: def.critical,
            offered: std::mem::take(&mut self.run.offered),
            state_before: before,
            state_after: state.clone(),
            chance,
            led_to: to,
            reaction,
            reading: self.run.reading.take(),
            reflection: None,
        });
        self.run.state = state;
        self.run.step += 1;
        self.enter(to);
        Ok(self.run.decisions.last().expect("just pushed"))
    }

    /// The reaction lines of an act as the trainee sees them: conditions are
    /// tested in the state after the act (and after a chance outcome's effects,
    /// so a reaction can differ by outcome); variants are picked with their own
    /// seeded draw, so adding a reaction never shifts any other random pick.
    fn reaction(&self, beat: u32, act: Act, after: &GameState, step: u32) -> Vec<SpokenLine> {
        let authored = self.scenario.act_reaction(beat, act);
        let Some(judged) = self.scenario.act_judgement(beat, act) else { return Vec::new() };
        let mut rng = rng_for(self.run.options.seed, step, SALT_REACTION);
        let mut lines = Vec::new();
        for (i, (line, def)) in authored.iter().zip(&judged.reaction).enumerate() {
            let pick = rng.random_range(0..=line.variants.len());
            if !after.holds_opt(def.when.as_ref()) {
                continue;
            }
            let text = if pick == 0 { &line.text } else { &line.variants[pick - 1] };
            let (speaker, role) = self.scenario.reaction_speaker(beat, act, i);
            lines.push(SpokenLine { speaker: speaker.map(str::to_string), role, text: text.clone() });
        }
        lines
    }

    fn enter(&mut self, to: NodeRef) {
        self.run.at = to;
        self.run.reading = None;
        let seed = self.run.options.seed;
        let step = self.run.step;
        match to {
            NodeRef::Ending(e) => {
                let ending = self.scenario.ending(e);
                self.run.offered.clear();
                self.run.transcript.push(Entry::Ending {
                    ending: ending.id.clone(),
                    outcome: ending.outcome.clone(),
                    title: ending.title.clone(),
                    narrative: ending.narrative.clone(),
                });
            }
            NodeRef::Beat(b) => {
                let mut rng = rng_for(seed, step, SALT_LINES);
                let beat = self.scenario.beat(b);
                let def = &self.scenario.beats[b as usize];
                let mut lines = Vec::new();
                for (i, (line, ldef)) in beat.lines.iter().zip(&def.lines).enumerate() {
                    // Draw even for hidden lines so one line's condition never shifts another's variant.
                    let pick = rng.random_range(0..=line.variants.len());
                    if !self.run.state.holds_opt(ldef.when.as_ref()) {
                        continue;
                    }
                    let text = if pick == 0 { &line.text } else { &line.variants[pick - 1] };
                    lines.push(SpokenLine {
                        speaker: self.scenario.speaker_name(b, i).map(str::to_string),
                        role: self.scenario.speaker_role(b, i),
                        text: text.clone(),
                    });
                }
                let mut offered: Vec<Act> = def
                    .choices
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| self.run.state.holds_opt(c.when.as_ref()))
                    .map(|(i, _)| Act::Choice(i as u16))
                    .collect();
                if self.run.options.shuffle {
                    offered.shuffle(&mut rng_for(seed, step, SALT_ORDER));
                }
                self.run.offered = offered;
                self.run.transcript.push(Entry::Beat { beat: beat.id.clone(), lines });
            }
        }
    }

    /// Per-dimension totals so far, in rubric order.
    pub fn totals(&self) -> Vec<i32> {
        let mut t = vec![0; self.scenario.dimensions()];
        for d in &self.run.decisions {
            for (a, b) in t.iter_mut().zip(&d.scores) {
                *a += b;
            }
        }
        t
    }

    /// The transcript as plain text: deterministic, no clock times.
    pub fn render_transcript(&self) -> String {
        render_transcript(&self.run.transcript)
    }
}

/// Plain-text transcript of entries.
pub fn render_transcript(entries: &[Entry]) -> String {
    let mut out = String::new();
    for e in entries {
        match e {
            Entry::Beat { lines, .. } | Entry::Reaction { lines } => {
                for l in lines {
                    match &l.speaker {
                        Some(s) => out.push_str(&format!("{s}: {}\n", l.text)),
                        None => out.push_str(&format!("{}\n", l.text)),
                    }
                }
            }
            Entry::Said { text, .. } => out.push_str(&format!("> {text}\n")),
            Entry::TimedOut { .. } => out.push_str("> (time ran out)\n"),
            Entry::Ending { title, narrative, .. } => out.push_str(&format!("== {title} ==\n{narrative}\n")),
        }
    }
    out
}

/// The first 12 hex digits, for messages.
pub fn short_hash(h: &str) -> &str {
    h.get(..12).unwrap_or(h)
}

/// Where a replay stopped following the recorded choices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Divergence {
    /// 0-based index of the first decision that could not be replayed.
    pub index: usize,
    /// The id of the beat the recorded decision was made at.
    pub beat: String,
    /// The recorded choice id.
    pub choice: String,
    /// Why it could not be followed, in words (e.g. "choice `x` is not offered here").
    pub reason: String,
}

/// Play recorded choice ids (e.g. from a saved transcript) against a
/// scenario, possibly a newer version. Stops at the first choice that is no
/// longer offered or the first beat that differs, and says where.
pub fn replay(
    scenario: &Scenario,
    options: StartOptions,
    recorded: &[(String, String)],
) -> Result<(Playthrough, Option<Divergence>), EngineError> {
    let mut p = Playthrough::start(scenario, options)?;
    for (i, (beat, choice)) in recorded.iter().enumerate() {
        let here = match p.at() {
            NodeRef::Beat(b) => scenario.beat(b).id.clone(),
            NodeRef::Ending(e) => {
                let reason = format!("the run already ended at `{}`", scenario.ending(e).id);
                return Ok((
                    p,
                    Some(Divergence { index: i, beat: beat.clone(), choice: choice.clone(), reason }),
                ));
            }
        };
        if &here != beat {
            let reason = format!("the recorded run was at beat `{beat}`, this version is at `{here}`");
            return Ok((
                p,
                Some(Divergence { index: i, beat: beat.clone(), choice: choice.clone(), reason }),
            ));
        }
        if let Err(e) = p.choose_id(choice, None) {
            let reason = e.to_string();
            return Ok((
                p,
                Some(Divergence { index: i, beat: beat.clone(), choice: choice.clone(), reason }),
            ));
        }
    }
    Ok((p, None))
}
