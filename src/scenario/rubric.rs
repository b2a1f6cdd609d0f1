//! The training rubric: scoring dimensions, technique tags and outcome
//! categories. It is data (`scenarios/rubric.ron`) so an academy can adapt it to
//! its own policy; scenarios refer to its entries by id.

use serde::{Deserialize, Serialize};

/// The rubric shipped with Talkdown, used when no `rubric.ron` sits beside a scenario.
pub const BUNDLED_RUBRIC: &str = include_str!("../../scenarios/rubric.ron");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rubric {
    pub dimensions: Vec<Dimension>,
    pub techniques: Vec<Technique>,
    pub outcomes: Vec<OutcomeCategory>,
    /// How critical errors and the pass mark decide the verdict; an academy sets it.
    #[serde(default)]
    pub policy: Policy,
}

/// The academy's assessment policy: what makes a run "meets the standard".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// Harmful technique ids that are critical by definition: a choice tagged
    /// with one must be marked `critical: true` (and the reverse is checked).
    pub critical_techniques: Vec<String>,
    /// The process score (percent) a run needs to meet the standard.
    pub pass_percent: u32,
    /// With any critical error the process score shown is at most this percent.
    pub critical_cap_percent: u32,
    /// A critical error means "not yet at standard", whatever the points.
    pub critical_fails: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            critical_techniques: Vec::new(),
            pass_percent: 70,
            critical_cap_percent: 50,
            critical_fails: true,
        }
    }
}

/// Something every choice can be scored on, e.g. `safety` or `listening`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dimension {
    pub id: String,
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Technique {
    pub id: String,
    pub name: String,
    pub kind: TechniqueKind,
    pub description: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TechniqueKind {
    Helpful,
    Harmful,
}

/// What kind of end an ending is, e.g. `voluntary_help` or `force`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeCategory {
    pub id: String,
    pub name: String,
    pub grade: Grade,
    pub description: String,
    /// How the debrief treats this kind of ending.
    pub debrief_note: String,
}

/// How an outcome category reads in the debrief.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Grade {
    /// The person got help or the crisis ended safely.
    Good,
    /// Can be right, depending on the risk and the law; the debrief asks whether a better route was open.
    Acceptable,
    /// Force, injury or death: always reviewed decision by decision.
    Bad,
}

impl Grade {
    /// As the rubric file names it (`Good`, `Acceptable`, `Bad`): the word for
    /// authors, in `analyze` and the graph.
    pub fn word(self) -> &'static str {
        match self {
            Grade::Good => "Good",
            Grade::Acceptable => "Acceptable",
            Grade::Bad => "Bad",
        }
    }

    /// As records store and export it (`good`, `acceptable`, `reviewed`).
    pub fn label(self) -> &'static str {
        match self {
            Grade::Good => "good",
            Grade::Acceptable => "acceptable",
            Grade::Bad => "reviewed",
        }
    }
}

impl Rubric {
    pub fn dimension(&self, id: &str) -> Option<&Dimension> {
        self.dimensions.iter().find(|d| d.id == id)
    }
    pub fn technique(&self, id: &str) -> Option<&Technique> {
        self.techniques.iter().find(|t| t.id == id)
    }
    pub fn outcome(&self, id: &str) -> Option<&OutcomeCategory> {
        self.outcomes.iter().find(|o| o.id == id)
    }
}
