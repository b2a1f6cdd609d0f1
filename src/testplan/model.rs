//! The plan file as written (`NAME.plan.ron`), before its names are checked
//! against the scenario. The shape is documented in docs/scenario-format.md
//! ("Test plans"); unknown fields are errors, so a misspelt expectation never
//! passes silently.

use serde::Deserialize;

/// A test plan: one scenario, and the runs that must go as expected.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename = "TestPlan")]
pub struct PlanFile {
    /// The id of the scenario the plan pins (the scenario file beside the plan).
    pub scenario: String,
    /// The cases, run in order.
    pub cases: Vec<CaseFile>,
}

/// One case: a route through the scenario and what must hold at its end.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename = "case")]
pub struct CaseFile {
    /// A name for reports; unique within the plan.
    pub name: String,
    /// Choice ids in the order they are made; `"!timeout"` lets a timer run out.
    pub route: Vec<String>,
    /// The run's seed: it decides random start values and chance routes (default 1).
    #[serde(default)]
    pub seed: Option<u64>,
    /// `Training` (the default) or `Assessment`.
    #[serde(default)]
    pub mode: PlanMode,
    /// What must hold at the end (nothing, when left out).
    #[serde(default)]
    pub expect: ExpectFile,
}

/// Training or Assessment, as the plan writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum PlanMode {
    /// Feedback after every choice (the engine's [`Mode::Training`](crate::engine::Mode::Training)).
    #[default]
    Training,
    /// No feedback until the debrief (the engine's [`Mode::Assessment`](crate::engine::Mode::Assessment)).
    Assessment,
}

impl From<PlanMode> for crate::engine::Mode {
    fn from(m: PlanMode) -> Self {
        match m {
            PlanMode::Training => crate::engine::Mode::Training,
            PlanMode::Assessment => crate::engine::Mode::Assessment,
        }
    }
}

/// The debrief's verdict, as the plan writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum PlanVerdict {
    /// The run meets the rubric's policy.
    MeetsStandard,
    /// The run is not yet at standard.
    NotYet,
}

impl From<PlanVerdict> for crate::debrief::Standard {
    fn from(v: PlanVerdict) -> Self {
        match v {
            PlanVerdict::MeetsStandard => crate::debrief::Standard::MeetsStandard,
            PlanVerdict::NotYet => crate::debrief::Standard::NotYet,
        }
    }
}

/// What must hold when the route has been played. Every field is optional:
/// only what is written is checked.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields, rename = "expect")]
pub struct ExpectFile {
    /// The ending reached (an ending id).
    #[serde(default)]
    pub ending: Option<String>,
    /// The ending's outcome category (a rubric outcome id).
    #[serde(default)]
    pub outcome: Option<String>,
    /// The debrief's verdict: `MeetsStandard` or `NotYet`.
    #[serde(default)]
    pub verdict: Option<PlanVerdict>,
    /// Whether the run took the analyzer's best-total route, choice for choice.
    #[serde(default)]
    pub best_route: Option<bool>,
    /// The debrief's process percent (after any critical-error cap), inclusive.
    #[serde(default)]
    pub process_percent: Option<(u32, u32)>,
    /// The points collected, inclusive.
    #[serde(default)]
    pub points: Option<(i32, i32)>,
    /// Flags set at the end of the run.
    #[serde(default)]
    pub flags_set: Vec<String>,
    /// Flags not set at the end of the run.
    #[serde(default)]
    pub flags_clear: Vec<String>,
    /// Texts that must appear in the reactions the trainee saw on the way
    /// (each a part of one reaction line, matched exactly, case and all).
    #[serde(default)]
    pub reactions: Vec<String>,
}
