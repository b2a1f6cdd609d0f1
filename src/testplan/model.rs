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
    pub cases: Vec<CaseFile>,
}

/// One case: a route through the scenario and what must hold at its end.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename = "case")]
pub struct CaseFile {
    pub name: String,
    /// Choice ids in the order they are made; `"!timeout"` lets a timer run out.
    pub route: Vec<String>,
    /// The run's seed: it decides random start values and chance routes (default 1).
    #[serde(default)]
    pub seed: Option<u64>,
    #[serde(default)]
    pub mode: PlanMode,
    #[serde(default)]
    pub expect: ExpectFile,
}

/// Training or Assessment, as the plan writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum PlanMode {
    #[default]
    Training,
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
    MeetsStandard,
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
