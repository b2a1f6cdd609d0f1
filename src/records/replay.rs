//! Replaying a stored session against the current scenario file: the same
//! seed and the same choices must give the same run. If the file has changed
//! since (content hash), nothing is replayed.

use crate::engine::{self, Divergence, EngineError, Playthrough, StartOptions, short_hash};
use crate::scenario::Scenario;

use super::{SessionRecord, Status};

/// What a replay found.
#[derive(Debug, Clone)]
pub enum ReplayCheck {
    /// The session was recorded on another scenario.
    WrongScenario { recorded: String, given: String },
    /// The scenario file has changed since the session was recorded.
    VersionChanged {
        scenario: String,
        recorded_hash: String,
        current_hash: String,
        recorded_version: String,
        current_version: String,
    },
    /// The recorded choices could not be followed.
    Diverged(Divergence),
    /// The choices were followed but something came out different.
    Mismatch { step: u32, what: String, play: Box<Playthrough> },
    /// Every decision, state and (for finished sessions) the ending and transcript match.
    Matches { play: Box<Playthrough>, decisions: usize },
}

/// Replay `rec` on `scenario` and compare the result with what was stored.
pub fn replay_session(rec: &SessionRecord, scenario: &Scenario) -> Result<ReplayCheck, EngineError> {
    let m = &rec.summary;
    if m.scenario != scenario.id() {
        return Ok(ReplayCheck::WrongScenario {
            recorded: m.scenario.clone(),
            given: scenario.id().to_string(),
        });
    }
    if m.content_hash != scenario.content_hash {
        return Ok(ReplayCheck::VersionChanged {
            scenario: m.scenario.clone(),
            recorded_hash: short_hash(&m.content_hash).to_string(),
            current_hash: short_hash(&scenario.content_hash).to_string(),
            recorded_version: m.version.clone(),
            current_version: scenario.file.about.version.clone(),
        });
    }
    let options = StartOptions {
        seed: m.seed,
        mode: m.mode,
        shuffle: m.shuffle,
        from: rec.start_from.clone(),
        timing: m.timing,
    };
    let recorded: Vec<(String, String)> =
        rec.decisions.iter().map(|d| (d.beat.clone(), d.choice.clone())).collect();
    let (play, divergence) = engine::replay(scenario, options, &recorded)?;
    if let Some(d) = divergence {
        return Ok(ReplayCheck::Diverged(d));
    }
    let mismatch = |step: u32, what: String, play: &Playthrough| {
        Ok(ReplayCheck::Mismatch { step, what, play: Box::new(play.clone()) })
    };
    for (stored, now) in rec.decisions.iter().zip(play.decisions()) {
        let meters: Vec<(String, i32)> = now
            .state_after
            .meters
            .iter()
            .enumerate()
            .map(|(i, v)| (scenario.meter_id(i).to_string(), *v))
            .collect();
        let flags: Vec<String> = now.state_after.flag_ids(scenario).into_iter().map(str::to_string).collect();
        let checks = [
            ("what was said", stored.text == now.text),
            ("the score", stored.total == now.scores.iter().sum::<i32>()),
            ("the critical mark", stored.critical == now.critical),
            ("the meters after it", stored.meters == meters),
            ("the flags after it", stored.flags == flags),
            ("where it led", stored.led_to == scenario.node_id(now.led_to)),
        ];
        if let Some((what, _)) = checks.iter().find(|(_, ok)| !ok) {
            return mismatch(stored.step, format!("{what} differs from the record"), &play);
        }
    }
    if m.status == Status::Finished {
        let ending = play.ending().map(|e| scenario.ending(e).id.clone());
        if ending != m.ending {
            return mismatch(
                rec.decisions.len() as u32,
                format!(
                    "the replay ends at {:?}, the record at {:?}",
                    ending.unwrap_or_else(|| "no ending".into()),
                    m.ending.clone().unwrap_or_default()
                ),
                &play,
            );
        }
        if let Some(t) = &rec.transcript
            && *t != play.render_transcript()
        {
            return mismatch(
                rec.decisions.len() as u32,
                "the transcript differs from the record".into(),
                &play,
            );
        }
    }
    Ok(ReplayCheck::Matches { decisions: play.decisions().len(), play: Box::new(play) })
}

/// A recorded session rewound to one of its decisions: the run as it stood
/// just before that decision (the same state, seed, shown order and
/// transcript), ready for the trainee to choose again.
#[derive(Debug, Clone)]
pub struct Rewind {
    /// The original run, replayed in full (it matched the record).
    pub original: Playthrough,
    /// The run just before decision `step`, with the original's decisions
    /// (response times included) before it.
    pub resumed: Playthrough,
    /// The decision (1-based) to be chosen again.
    pub step: u32,
    /// The original session's number in its records file.
    pub session: super::SessionId,
    /// What the new session records about where it came from.
    pub link: super::ForkLink,
}

/// What rewinding found.
#[derive(Debug, Clone)]
pub enum Rewound {
    Ready(Box<Rewind>),
    /// The record could not be replayed exactly (another scenario, a changed
    /// file, a divergence), so nothing is resumed: why, as `replay` says it.
    Refused(ReplayCheck),
    /// The session has no such decision.
    NoSuchStep {
        step: u32,
        decisions: usize,
    },
}

/// Rewind `rec` to decision `step` (1-based) on `scenario`. The record is
/// replayed in full first, so a scenario changed since (content hash), or a
/// record that does not replay exactly, is refused as `replay` refuses it.
pub fn rewind_session(rec: &SessionRecord, scenario: &Scenario, step: u32) -> Result<Rewound, EngineError> {
    let decisions = rec.decisions.len();
    if step == 0 || step as usize > decisions {
        return Ok(Rewound::NoSuchStep { step, decisions });
    }
    let original = match replay_session(rec, scenario)? {
        ReplayCheck::Matches { play, .. } => *play,
        refused => return Ok(Rewound::Refused(refused)),
    };
    let options = original.run().options.clone();
    let before: Vec<(String, String)> =
        rec.decisions[..step as usize - 1].iter().map(|d| (d.beat.clone(), d.choice.clone())).collect();
    let (prefix, divergence) = engine::replay(scenario, options, &before)?;
    if let Some(d) = divergence {
        // Cannot happen after a full replay matched; refused all the same.
        return Ok(Rewound::Refused(ReplayCheck::Diverged(d)));
    }
    // The response times are the trainee's, from the record.
    let mut run = prefix.into_run();
    for (d, stored) in run.decisions.iter_mut().zip(&rec.decisions) {
        d.response_ms = stored.response_ms;
    }
    let resumed = Playthrough::resume(scenario, run)?;
    Ok(Rewound::Ready(Box::new(Rewind {
        original,
        resumed,
        step,
        session: rec.summary.id,
        link: super::ForkLink { parent: rec.summary.uuid.clone(), step },
    })))
}
