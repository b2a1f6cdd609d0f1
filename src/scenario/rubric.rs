//! The training rubric: scoring dimensions, technique tags and outcome
//! categories. It is data (`scenarios/rubric.ron`) so an academy can adapt it to
//! its own policy; scenarios refer to its entries by id.

use serde::{Deserialize, Serialize};

/// The rubric shipped with Talkdown, used when no `rubric.ron` sits beside a scenario.
pub const BUNDLED_RUBRIC: &str = include_str!("../../scenarios/rubric.ron");

/// The training rubric: what choices are scored on, the techniques they are
/// tagged with, what kinds of ending there are, and the pass policy. One per
/// scenario folder (`rubric.ron`, or the bundled one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rubric {
    /// The scoring dimensions, in the order every `scores` vector follows.
    pub dimensions: Vec<Dimension>,
    /// The communication techniques choices are tagged with (helpful and harmful).
    pub techniques: Vec<Technique>,
    /// The outcome categories endings name, each with its grade.
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
    /// Stable id scenarios use in `scores: { "safety": 2 }`; renaming it breaks
    /// every scenario that scores on it.
    pub id: String,
    /// Its name in words, for debriefs and reports.
    pub name: String,
    /// What it measures, for authors and trainees.
    pub description: String,
}

/// A communication technique a choice can show (or, if harmful, commit),
/// e.g. `open_question` or `threat`; choices name it in `techniques`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Technique {
    /// Stable id scenarios name it by.
    pub id: String,
    /// Its name in words.
    pub name: String,
    /// Helpful or harmful.
    pub kind: TechniqueKind,
    /// What it is, for authors and trainees.
    pub description: String,
}

/// Whether a technique is good practice or a mistake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TechniqueKind {
    /// Good practice: the debrief lists it as used, or missed when the best route uses it.
    Helpful,
    /// A mistake; a policy's `critical_techniques` are harmful ones that make a choice critical.
    Harmful,
}

/// What kind of end an ending is, e.g. `voluntary_help` or `force`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeCategory {
    /// Stable id endings name in `outcome:`.
    pub id: String,
    /// Its name in words.
    pub name: String,
    /// How the debrief grades an ending of this kind.
    pub grade: Grade,
    /// What it means, for authors and trainees.
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
    /// The dimension with id `id`, if the rubric has one.
    pub fn dimension(&self, id: &str) -> Option<&Dimension> {
        self.dimensions.iter().find(|d| d.id == id)
    }
    /// The technique with id `id`, if the rubric has one.
    pub fn technique(&self, id: &str) -> Option<&Technique> {
        self.techniques.iter().find(|t| t.id == id)
    }
    /// The outcome category with id `id`, if the rubric has one.
    pub fn outcome(&self, id: &str) -> Option<&OutcomeCategory> {
        self.outcomes.iter().find(|o| o.id == id)
    }
}

/// A folder's `rubric.ron` that builds on the bundled rubric instead of
/// replacing it (docs/scenario-format.md, "Extending the bundled rubric"):
/// new entries under `add`, new words for existing ones under `reword`, and
/// any policy values to change. Everything not named stays as bundled.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RubricExtension {
    /// Entries the bundled rubric does not have (a new id each).
    #[serde(default)]
    pub add: Additions,
    /// New words for bundled entries; ids, grades and kinds stay.
    #[serde(default)]
    pub reword: Rewordings,
    /// Policy values to change.
    #[serde(default)]
    pub policy: PolicyChanges,
}

/// New rubric entries, each with every field a bundled entry has.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Additions {
    /// New dimensions, after the bundled ones.
    pub dimensions: Vec<Dimension>,
    /// New techniques, after the bundled ones.
    pub techniques: Vec<Technique>,
    /// New outcome categories, after the bundled ones.
    pub outcomes: Vec<OutcomeCategory>,
}

/// New words for existing entries, found by id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Rewordings {
    /// Dimensions to reword, by id.
    pub dimensions: Vec<Reword>,
    /// Techniques to reword, by id.
    pub techniques: Vec<Reword>,
    /// Outcome categories to reword, by id.
    pub outcomes: Vec<OutcomeReword>,
}

/// A dimension's or technique's new name and/or description.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reword {
    /// The id of the bundled entry (an id it lacks is E151).
    pub id: String,
    /// The new name, if it changes.
    #[serde(default)]
    pub name: Option<String>,
    /// The new description, if it changes.
    #[serde(default)]
    pub description: Option<String>,
}

/// An outcome category's new name, description and/or debrief note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeReword {
    /// The id of the bundled outcome category (an id it lacks is E151).
    pub id: String,
    /// The new name, if it changes.
    #[serde(default)]
    pub name: Option<String>,
    /// The new description, if it changes.
    #[serde(default)]
    pub description: Option<String>,
    /// The new debrief note, if it changes.
    #[serde(default)]
    pub debrief_note: Option<String>,
}

/// The policy values an extension changes; the others stay as bundled.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicyChanges {
    /// Replaces [`Policy::critical_techniques`] when given.
    pub critical_techniques: Option<Vec<String>>,
    /// Replaces [`Policy::pass_percent`] when given (0–100).
    pub pass_percent: Option<u32>,
    /// Replaces [`Policy::critical_cap_percent`] when given (0–100).
    pub critical_cap_percent: Option<u32>,
    /// Replaces [`Policy::critical_fails`] when given.
    pub critical_fails: Option<bool>,
}

impl Reword {
    /// Whether it gives any new words at all.
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.description.is_none()
    }
}

impl OutcomeReword {
    /// Whether it gives any new words at all.
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.description.is_none() && self.debrief_note.is_none()
    }
}

impl RubricExtension {
    /// `base` with this extension applied: rewordings in place, additions
    /// after the base's entries, policy values replaced. Conflicts (an added
    /// id the base has, a reworded id it lacks) are the loader's to report;
    /// here a reword of an unknown id changes nothing.
    pub fn apply(&self, base: &Rubric) -> Rubric {
        let mut r = base.clone();
        let words = |name: &mut String, description: &mut String, w: &Reword| {
            if let Some(n) = &w.name {
                name.clone_from(n);
            }
            if let Some(d) = &w.description {
                description.clone_from(d);
            }
        };
        for w in &self.reword.dimensions {
            if let Some(d) = r.dimensions.iter_mut().find(|d| d.id == w.id) {
                words(&mut d.name, &mut d.description, w);
            }
        }
        for w in &self.reword.techniques {
            if let Some(t) = r.techniques.iter_mut().find(|t| t.id == w.id) {
                words(&mut t.name, &mut t.description, w);
            }
        }
        for w in &self.reword.outcomes {
            if let Some(o) = r.outcomes.iter_mut().find(|o| o.id == w.id) {
                if let Some(n) = &w.name {
                    o.name.clone_from(n);
                }
                if let Some(d) = &w.description {
                    o.description.clone_from(d);
                }
                if let Some(d) = &w.debrief_note {
                    o.debrief_note.clone_from(d);
                }
            }
        }
        r.dimensions.extend(self.add.dimensions.iter().cloned());
        r.techniques.extend(self.add.techniques.iter().cloned());
        r.outcomes.extend(self.add.outcomes.iter().cloned());
        let p = &self.policy;
        if let Some(v) = &p.critical_techniques {
            r.policy.critical_techniques.clone_from(v);
        }
        if let Some(v) = p.pass_percent {
            r.policy.pass_percent = v;
        }
        if let Some(v) = p.critical_cap_percent {
            r.policy.critical_cap_percent = v;
        }
        if let Some(v) = p.critical_fails {
            r.policy.critical_fails = v;
        }
        r
    }
}
