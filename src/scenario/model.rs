//! The authored form of a scenario: exactly what a `.ron` file says.
//!
//! These types mirror the file format documented in `docs/scenario-format.md`.
//! Ids are plain strings here; [`crate::scenario::Scenario`] is the checked,
//! indexed form the engine and the analyzer run on. Every struct denies unknown
//! fields so that a misspelt field name is an error, not silently ignored.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A whole scenario file: `Scenario( ... )`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Scenario")]
pub struct ScenarioFile {
    /// Short machine name; the file is named `<id>.ron`.
    pub id: String,
    /// Title, summary, difficulty, audience and the other catalogue facts.
    pub about: About,
    /// Who reviewed this exact content, and how far (`review: (status: ...)`).
    /// Left out of every content hash, so stamping a review changes no version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<Review>,
    /// What the trainee is told before the first line (the dispatch call, the setting).
    pub briefing: Briefing,
    /// The people in the scene; a line's `speaker` is one of their ids (or `narrator`).
    #[serde(default)]
    pub cast: Vec<CastMember>,
    /// The hidden numbers choices move (distress, trust...), in the order
    /// states, records and charts list them.
    #[serde(default)]
    pub meters: Vec<MeterDef>,
    /// The yes/no facts choices set and clear; at most 64 (E117).
    #[serde(default)]
    pub flags: Vec<FlagDef>,
    /// The id of the first beat.
    pub start: String,
    /// The moments of the scenario, in authored order (the order reports list them in).
    pub beats: Vec<Beat>,
    /// Where a run can end; each names a rubric outcome category.
    pub endings: Vec<Ending>,
    /// What the debrief adds after any run: commentary, teaching points, resources.
    pub debrief: DebriefNotes,
}

/// The catalogue facts about a scenario, shown in the library and the briefing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct About {
    /// The title, as the library lists it.
    pub title: String,
    /// One or two sentences on what happens, for the library.
    pub summary: String,
    /// How hard it is, for choosing what to assign.
    pub difficulty: Difficulty,
    /// Estimated minutes to play once.
    pub minutes: u32,
    /// Who it is written for (e.g. "patrol officers").
    #[serde(default)]
    pub audience: Vec<String>,
    /// Free keywords the library can filter on (e.g. `suicide`, `veteran`).
    #[serde(default)]
    pub tags: Vec<String>,
    /// What a trainee should be able to do after playing it.
    #[serde(default)]
    pub objectives: Vec<String>,
    /// Shown before play, so a trainee can prepare (e.g. "self-harm").
    #[serde(default)]
    pub content_warnings: Vec<String>,
    /// Who wrote it.
    #[serde(default)]
    pub authors: Vec<String>,
    /// Deprecated: the top-level `review:` block replaces it (W253). Still
    /// read, so older files load, but it says nothing about review status.
    #[serde(default)]
    pub clinical_reviewer: Option<String>,
    /// The author's version string (e.g. `1.2`). Records tie a run to the
    /// content hash, not to this, so a run stays replayable even if it is not bumped.
    pub version: String,
}

/// A scenario's review, pinned to the content that was reviewed:
/// `review: (status: TeamReviewed, reviewer: "...", date: "2026-12-01", content: "<hash>")`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Review {
    /// How far it has been reviewed.
    pub status: ReviewStatus,
    /// Who reviewed it (a person or a team, with credentials for a clinician).
    #[serde(default)]
    pub reviewer: Option<String>,
    /// When, as `YYYY-MM-DD`.
    #[serde(default)]
    pub date: Option<String>,
    /// The review hash of the content that was reviewed (16 hex digits), as
    /// `talkdown review` stamps it.
    #[serde(default)]
    pub content: Option<String>,
}

/// How far a scenario has been reviewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub enum ReviewStatus {
    /// Not reviewed yet (also what a scenario without a `review:` block is).
    #[default]
    Draft,
    /// Reviewed by the authoring team for accuracy and fit, not by a clinician.
    TeamReviewed,
    /// Reviewed and signed off by a named clinician.
    ClinicallyReviewed,
}

impl ReviewStatus {
    /// Every status, from least to most reviewed.
    pub const ALL: [ReviewStatus; 3] = [Self::Draft, Self::TeamReviewed, Self::ClinicallyReviewed];

    /// Plain words for people: "Draft", "Team reviewed", "Clinically reviewed".
    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "Draft",
            Self::TeamReviewed => "Team reviewed",
            Self::ClinicallyReviewed => "Clinically reviewed",
        }
    }
    /// The spelling in a scenario file: `Draft`, `TeamReviewed`, `ClinicallyReviewed`.
    pub fn ron_name(self) -> &'static str {
        match self {
            Self::Draft => "Draft",
            Self::TeamReviewed => "TeamReviewed",
            Self::ClinicallyReviewed => "ClinicallyReviewed",
        }
    }
    /// Whether someone has reviewed it (team or clinician).
    pub fn is_reviewed(self) -> bool {
        self != Self::Draft
    }
}

/// How hard a scenario is, as its `about.difficulty` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Difficulty {
    /// For new trainees: a cooperative subject, few traps.
    Introductory,
    /// For trainees who know the basics.
    Intermediate,
    /// For experienced trainees: more at stake, less forgiving.
    Advanced,
}

impl Difficulty {
    /// Every difficulty, easiest first.
    pub const ALL: [Difficulty; 3] = [Self::Introductory, Self::Intermediate, Self::Advanced];

    /// How it reads in the library ("Introductory", ...).
    pub fn label(self) -> &'static str {
        match self {
            Self::Introductory => "Introductory",
            Self::Intermediate => "Intermediate",
            Self::Advanced => "Advanced",
        }
    }
}

/// What the trainee hears before the first line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Briefing {
    /// The call as dispatch gives it.
    pub dispatch: String,
    /// Where and when; what the trainee sees on arrival.
    pub setting: String,
    /// Who the trainee plays (e.g. "a patrol officer on day shift").
    #[serde(default)]
    pub role: Option<String>,
}

/// A person in the scene.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CastMember {
    /// The id lines use as their `speaker`; unique within the scenario.
    pub id: String,
    /// The name shown beside their lines.
    pub name: String,
    /// Their part in the scene (decides, for instance, their voice).
    pub role: Role,
    /// A note for the trainee or author on who they are.
    #[serde(default)]
    pub description: Option<String>,
}

/// What part a cast member plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    /// The person in crisis.
    Subject,
    /// The trainee's partner officer.
    Partner,
    /// A relative or partner of the subject.
    Family,
    /// Someone else present.
    Bystander,
    /// The dispatcher on the radio.
    Dispatcher,
    /// Another responder (EMS, fire, a crisis team).
    Responder,
    /// The narrator: describes rather than speaks.
    Narrator,
}

/// A named number that choices move, e.g. distress 0–10.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeterDef {
    /// The id conditions and effects name; unique within the scenario.
    pub id: String,
    /// The name shown in training mode, debriefs and charts.
    pub name: String,
    /// The lowest value; effects never take the meter below it.
    pub min: i32,
    /// The highest value; effects never take the meter above it.
    pub max: i32,
    /// The value at the start of a run.
    pub start: StartValue,
    /// Shown next to the meter in training mode.
    #[serde(default)]
    pub description: Option<String>,
    /// Which end of the meter is good for the subject; the app colours bars by it.
    #[serde(default)]
    pub higher_is: Direction,
}

/// A meter's start value: `start: 7`, or a random pick in a range, `start: (5, 8)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StartValue {
    /// Always this value.
    Fixed(i32),
    /// A value picked at random (seeded) between the two, both included.
    Between(i32, i32),
}

/// Which end of a meter is the good one for the person (`higher_is:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Direction {
    /// Higher is better (trust, rapport): the default.
    #[default]
    Better,
    /// Higher is worse (distress, agitation).
    Worse,
}

/// A named yes/no fact, e.g. `asked_about_suicide`. Every flag starts unset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlagDef {
    /// The id conditions and effects name; unique within the scenario.
    pub id: String,
    /// What setting it means, for authors.
    #[serde(default)]
    pub description: Option<String>,
}

/// One moment of the scenario: what is said, and what the trainee can do next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Beat {
    /// Stable id an author writes in the RON file, unique within the scenario;
    /// `next` and routes name it, and records keep it, so renaming it makes old
    /// sessions' replays diverge.
    pub id: String,
    /// What is said or narrated on arriving, in order.
    #[serde(default)]
    pub lines: Vec<Line>,
    /// What the trainee can say or do here, in authored order (shuffled on
    /// screen when the run shuffles).
    #[serde(default)]
    pub choices: Vec<Choice>,
    /// When set, the trainee has this long to answer before `timer.next` happens.
    #[serde(default)]
    pub timer: Option<Timer>,
    /// The author's reason why every choice here may score below zero (a
    /// deliberate no-win moment); without it the validator flags such a beat.
    #[serde(default)]
    pub no_win: Option<String>,
    /// A name for this decision point in words a person reads ("Asking about
    /// the gun"): the class report and the debrief use it instead of the id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// A reflection prompt ("What were you weighing just then?"): after
    /// choosing here the trainee may type a sentence (or skip it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reflect: Option<String>,
    /// A read-the-subject question asked before the choices: the trainee says
    /// how they read the person, judged against the hidden state at that moment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read: Option<Read>,
}

/// A read-the-subject question: `read: (question: "...", options: [...])`.
///
/// Each option is right when its condition holds in the state the trainee is
/// reading (the state when the beat is shown). With `meter: "trust"` an
/// option may give a `range: (0, 3)` of that meter instead of a condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Read {
    /// What the trainee is asked, e.g. "How do you read her risk of suicide right now?"
    pub question: String,
    /// The meter the options' `range`s are of, when they give ranges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meter: Option<String>,
    /// The answers offered, in authored order.
    pub options: Vec<ReadOption>,
}

/// One answer to a read question, with when it is right.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadOption {
    /// What the trainee picks, e.g. "High".
    pub answer: String,
    /// Right when this holds in the hidden state, e.g. `AtLeast("distress", 7)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
    /// Right when the read's `meter` is within this range (both ends included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<(i32, i32)>,
}

/// A line of narration or speech.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Line {
    /// A cast id, or `narrator`.
    pub speaker: String,
    /// The words (the text the speaker says, or the narration).
    pub text: String,
    /// Other ways to say the same thing; one of `text` and these is picked at random.
    #[serde(default)]
    pub variants: Vec<String>,
    /// The line is shown only when this holds.
    #[serde(default)]
    pub when: Option<Condition>,
}

/// Something the trainee can say or do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// Unique within its beat.
    pub id: String,
    /// The words the trainee says (or what they do), as offered.
    pub text: String,
    /// Offered only when this holds.
    #[serde(default)]
    pub when: Option<Condition>,
    /// Changes to meters and flags when it is chosen.
    #[serde(default)]
    pub effects: Vec<Effect>,
    /// Points per rubric dimension, typically -3 to +3.
    #[serde(default)]
    pub scores: BTreeMap<String, i32>,
    /// Scores that depend on the state when the choice is made: the first
    /// variant whose condition holds replaces `scores` (a Stairway move that
    /// scores lower before rapport is one choice, not two copies).
    #[serde(default)]
    pub score_variants: Vec<ScoreVariant>,
    /// Rubric technique ids this choice shows (or, for harmful ones, commits).
    #[serde(default)]
    pub techniques: Vec<String>,
    /// A safety-critical error a field-training officer would stop the scenario for.
    #[serde(default)]
    pub critical: bool,
    /// What the trainee sees happen after the choice (a cast member's answer,
    /// or narration). Part of the story in every mode.
    #[serde(default)]
    pub reaction: Vec<Line>,
    /// The training hint shown after the choice in training mode only.
    #[serde(default)]
    pub feedback: Option<String>,
    /// The clinician's commentary on this choice, shown in the debrief.
    #[serde(default)]
    pub commentary: String,
    /// Where it leads.
    pub next: Next,
}

/// A response time limit on a beat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timer {
    /// Seconds before the time runs out, at standard timing (a run's timing
    /// accommodation can lengthen it; untimed runs have none).
    pub seconds: u32,
    /// Where hesitation leads.
    pub next: Next,
    /// Changes to meters and flags when the time runs out.
    #[serde(default)]
    pub effects: Vec<Effect>,
    /// Points per rubric dimension for letting the time run out.
    #[serde(default)]
    pub scores: BTreeMap<String, i32>,
    /// State-dependent scores, as a choice's [`Choice::score_variants`].
    #[serde(default)]
    pub score_variants: Vec<ScoreVariant>,
    /// Rubric technique ids that hesitating here shows or commits.
    #[serde(default)]
    pub techniques: Vec<String>,
    /// What the trainee sees happen when the time runs out (every mode).
    #[serde(default)]
    pub reaction: Vec<Line>,
    /// The training hint (training mode only).
    #[serde(default)]
    pub feedback: Option<String>,
    /// Commentary on letting the time run out.
    #[serde(default)]
    pub commentary: String,
}

/// Scores that apply instead of a choice's plain `scores` when `when` holds
/// at the moment the choice is made (before its effects).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreVariant {
    /// The state in which these scores apply.
    pub when: Condition,
    /// Points per rubric dimension, replacing the plain `scores` entirely.
    pub scores: BTreeMap<String, i32>,
    /// Why the score differs, in the debrief's words, e.g. "trust was still low:
    /// problem-solving before rapport rarely lands".
    pub reason: String,
}

/// Where a choice leads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Next {
    /// Always to this beat or ending.
    Go(String),
    /// The first rule whose condition holds (checked after the choice's effects).
    Route {
        /// The rules, tried in order.
        rules: Vec<RouteRule>,
        /// A beat or ending id, when no rule holds.
        otherwise: String,
    },
    /// A weighted random outcome: good technique does not always work.
    Chance(Vec<Outcome>),
}

/// One rule of a [`Next::Route`]: go to `to` when `when` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteRule {
    /// The condition, checked after the choice's effects.
    pub when: Condition,
    /// A beat or ending id.
    pub to: String,
}

/// One outcome of a [`Next::Chance`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    /// Its relative weight: the chance is `weight / sum of the weights`.
    pub weight: u32,
    /// A beat or ending id.
    pub to: String,
    /// Effects that happen only on this outcome.
    #[serde(default)]
    pub effects: Vec<Effect>,
}

/// A test on the current state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Condition {
    /// The flag is set.
    Flag(String),
    /// The flag is not set.
    NotFlag(String),
    /// meter >= value
    AtLeast(String, i32),
    /// meter <= value
    AtMost(String, i32),
    /// meter < value
    Below(String, i32),
    /// meter > value
    Above(String, i32),
    /// meter == value
    Equals(String, i32),
    /// Every condition holds.
    All(Vec<Condition>),
    /// At least one condition holds.
    Any(Vec<Condition>),
    /// The condition does not hold.
    Not(Box<Condition>),
}

/// A change to the state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Effect {
    /// Add to a meter (kept within its range).
    Raise(String, i32),
    /// Subtract from a meter (kept within its range).
    Lower(String, i32),
    /// Set a meter to a value.
    SetMeter(String, i32),
    /// Set the flag.
    SetFlag(String),
    /// Clear the flag.
    ClearFlag(String),
}

/// One way a run can end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ending {
    /// Stable id, unique within the scenario; `next` and routes name it and
    /// records keep it.
    pub id: String,
    /// A rubric outcome category id, e.g. `voluntary_help`.
    pub outcome: String,
    /// The ending's title, shown at the end and in the debrief.
    pub title: String,
    /// What happened afterwards, shown at the end.
    pub narrative: String,
    /// The author's note on this ending, in the debrief.
    #[serde(default)]
    pub commentary: String,
}

/// What the debrief adds after any run of the scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DebriefNotes {
    /// The scenario's commentary: what it is about, what matters in it.
    pub commentary: String,
    /// The points a trainee should take away, one per entry.
    #[serde(default)]
    pub teaching_points: Vec<String>,
    /// Help lines and further reading.
    #[serde(default)]
    pub resources: Vec<Resource>,
}

/// A help line or a piece of further reading, listed in the debrief.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    /// Its name (e.g. "988 Suicide & Crisis Lifeline").
    pub name: String,
    /// How to reach it: a number, a text line, a web address.
    pub contact: String,
    /// Anything else to know (hours, who it is for).
    #[serde(default)]
    pub note: Option<String>,
}

impl Condition {
    /// Visit this condition and every condition nested in it.
    pub fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Condition)) {
        f(self);
        match self {
            Condition::All(cs) | Condition::Any(cs) => cs.iter().for_each(|c| c.walk(f)),
            Condition::Not(c) => c.walk(f),
            _ => {}
        }
    }
}

impl Next {
    /// Every beat or ending id this can lead to.
    pub fn targets(&self) -> Vec<&str> {
        match self {
            Next::Go(t) => vec![t.as_str()],
            Next::Route { rules, otherwise } => {
                rules.iter().map(|r| r.to.as_str()).chain(std::iter::once(otherwise.as_str())).collect()
            }
            Next::Chance(outcomes) => outcomes.iter().map(|o| o.to.as_str()).collect(),
        }
    }
}
