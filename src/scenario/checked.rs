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
    Beat(u32),
    Ending(u32),
}

/// One of the things a trainee can do at a beat: a choice, or letting the timer run out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Act {
    Choice(u16),
    Timeout,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    Flag(u8),
    NotFlag(u8),
    Meter(u16, Cmp, i32),
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Not(Box<Cond>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    AtLeast,
    AtMost,
    Below,
    Above,
    Equals,
}

impl Cmp {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fx {
    Add(u16, i32),
    SetMeter(u16, i32),
    SetFlag(u8),
    ClearFlag(u8),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    Go(NodeRef),
    Rules(Vec<(Cond, NodeRef)>, NodeRef),
    Chance(Vec<ChanceOutcome>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChanceOutcome {
    pub weight: u32,
    pub to: NodeRef,
    pub effects: Vec<Fx>,
}

/// A choice or a timeout, compiled.
#[derive(Debug, Clone, PartialEq)]
pub struct ActDef {
    pub when: Option<Cond>,
    pub effects: Vec<Fx>,
    /// Points per rubric dimension, in rubric order.
    pub scores: Vec<i32>,
    pub total: i32,
    pub techniques: Vec<u16>,
    pub critical: bool,
    pub route: Route,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LineDef {
    pub speaker: Option<u16>,
    pub when: Option<Cond>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BeatDef {
    pub lines: Vec<LineDef>,
    pub choices: Vec<ActDef>,
    pub timer: Option<(u32, ActDef)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MeterRange {
    pub min: i32,
    pub max: i32,
    pub start_lo: i32,
    pub start_hi: i32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EndingDef {
    pub outcome: u16,
    pub grade: Grade,
}

/// A validated scenario with its rubric. Cheap to clone (shared).
#[derive(Debug, Clone)]
pub struct Scenario(pub(crate) Arc<Inner>);

#[derive(Debug)]
pub struct Inner {
    pub file: ScenarioFile,
    pub rubric: Rubric,
    pub content_hash: String,
    pub meters: Vec<MeterRange>,
    pub start: NodeRef,
    pub beats: Vec<BeatDef>,
    pub endings: Vec<EndingDef>,
}

impl std::ops::Deref for Scenario {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl Scenario {
    pub fn id(&self) -> &str {
        &self.file.id
    }
    pub fn title(&self) -> &str {
        &self.file.about.title
    }
    pub fn dimensions(&self) -> usize {
        self.rubric.dimensions.len()
    }
    pub fn beat(&self, i: u32) -> &model::Beat {
        &self.file.beats[i as usize]
    }
    pub fn ending(&self, i: u32) -> &model::Ending {
        &self.file.endings[i as usize]
    }
    pub fn node_id(&self, n: NodeRef) -> &str {
        match n {
            NodeRef::Beat(b) => &self.beat(b).id,
            NodeRef::Ending(e) => &self.ending(e).id,
        }
    }
    pub fn beat_index(&self, id: &str) -> Option<u32> {
        self.file.beats.iter().position(|b| b.id == id).map(|i| i as u32)
    }
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
    pub fn act_commentary(&self, beat: u32, act: Act) -> &str {
        match act {
            Act::Choice(c) => &self.beat(beat).choices[c as usize].commentary,
            Act::Timeout => self.beat(beat).timer.as_ref().map(|t| t.commentary.as_str()).unwrap_or(""),
        }
    }
    pub fn act_feedback(&self, beat: u32, act: Act) -> Option<&str> {
        match act {
            Act::Choice(c) => self.beat(beat).choices[c as usize].feedback.as_deref(),
            Act::Timeout => self.beat(beat).timer.as_ref().and_then(|t| t.feedback.as_deref()),
        }
    }
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
    pub fn speaker_role(&self, beat: u32, line: usize) -> model::Role {
        match self.beats[beat as usize].lines[line].speaker {
            Some(i) => self.file.cast[i as usize].role,
            None => model::Role::Narrator,
        }
    }
    pub fn outcome_of(&self, ending: u32) -> &super::rubric::OutcomeCategory {
        &self.rubric.outcomes[self.endings[ending as usize].outcome as usize]
    }
    pub fn meter_id(&self, m: usize) -> &str {
        &self.file.meters[m].id
    }
    pub fn flag_id(&self, f: usize) -> &str {
        &self.file.flags[f].id
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
