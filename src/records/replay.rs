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

/// A run rewound to one of its decisions: the run as it stood just before
/// that decision (the same state, seed, shown order and transcript, and the
/// earlier decisions' response times, readings and reflections), ready for
/// the trainee to choose again.
#[derive(Debug, Clone)]
pub struct Rewind {
    /// The original run, replayed in full (it matched the record).
    pub original: Playthrough,
    /// The run just before decision `step`, with the original's decisions
    /// (response times, readings and reflections included) before it.
    pub resumed: Playthrough,
    /// The decision (1-based) to be chosen again.
    pub step: u32,
    /// The original session's number in its records file (`None` for a run
    /// rewound in memory, as the app does, whose number it never learns).
    pub session: Option<super::SessionId>,
    /// What the new session records about where it came from. An empty
    /// `parent` means the original was not recorded: nothing is linked.
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

impl ReplayCheck {
    /// Why a rewind was refused, in one sentence for a trainee (`None` when
    /// the replay matched).
    pub fn refusal(&self) -> Option<String> {
        Some(match self {
            ReplayCheck::Matches { .. } => return None,
            ReplayCheck::WrongScenario { recorded, given } => {
                format!("the run was played on scenario `{recorded}`, not `{given}`")
            }
            ReplayCheck::VersionChanged { scenario, recorded_version, current_version, .. } => format!(
                "the scenario `{scenario}` has changed since this run (it was played on version \
                 {recorded_version}, the file is now version {current_version}), so going back would \
                 show a different run; play it again from the start instead"
            ),
            ReplayCheck::Diverged(d) => format!(
                "the run cannot be followed at decision {} (`{}` at beat `{}`): {}",
                d.index + 1,
                d.choice,
                d.beat,
                d.reason
            ),
            ReplayCheck::Mismatch { step, what, .. } => {
                format!("the replay does not match the run at decision {step}: {what}")
            }
        })
    }
}

/// The run of `scenario` with `options` just before decision `step`
/// (1-based), following `recorded` (beat, choice) pairs; `fill` copies what
/// the trainee gave at each earlier decision (response time, reading,
/// reflection) onto the replayed one.
fn resume_before(
    scenario: &Scenario,
    options: StartOptions,
    recorded: &[(String, String)],
    fill: impl Fn(usize, &mut engine::Decision),
) -> Result<Result<Playthrough, Divergence>, EngineError> {
    let (prefix, divergence) = engine::replay(scenario, options, recorded)?;
    if let Some(d) = divergence {
        return Ok(Err(d));
    }
    let mut run = prefix.into_run();
    for (i, d) in run.decisions.iter_mut().enumerate() {
        fill(i, d);
    }
    Ok(Ok(Playthrough::resume(scenario, run)?))
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
    // The response times, readings and reflections are the trainee's, from the record.
    let fill = |i: usize, d: &mut engine::Decision| {
        let stored = &rec.decisions[i];
        d.response_ms = stored.response_ms;
        d.reflection = stored.reflection.clone();
        d.reading = stored.reading.as_ref().and_then(|r| {
            let read = scenario.read_of(d.beat_index)?;
            let answer = read.options.iter().position(|o| o.answer == r.said)?;
            Some(engine::Reading {
                question: r.question.clone(),
                answer: answer as u16,
                said: r.said.clone(),
                right: r.right,
                truth: r.truth.clone(),
            })
        });
    };
    let resumed = match resume_before(scenario, options, &before, fill)? {
        Ok(p) => p,
        // Cannot happen after a full replay matched; refused all the same.
        Err(d) => return Ok(Rewound::Refused(ReplayCheck::Diverged(d))),
    };
    Ok(Rewound::Ready(Box::new(Rewind {
        original,
        resumed,
        step,
        session: Some(rec.summary.id),
        link: super::ForkLink { parent: rec.summary.uuid.clone(), step },
    })))
}

/// Rewind a run still in memory (the app's debrief) to decision `step`
/// (1-based) on `scenario`, the scenario as it is now: refused, as `replay`
/// refuses, when it is another scenario or has changed since the run
/// (content hash). `recorded_as` is the original's session UUID when it was
/// recorded, so the new run is linked to it.
pub fn rewind_play(
    original: &Playthrough,
    scenario: &Scenario,
    step: u32,
    recorded_as: Option<&str>,
) -> Result<Rewound, EngineError> {
    let decisions = original.decisions().len();
    if step == 0 || step as usize > decisions {
        return Ok(Rewound::NoSuchStep { step, decisions });
    }
    let was = original.scenario();
    if was.id() != scenario.id() {
        return Ok(Rewound::Refused(ReplayCheck::WrongScenario {
            recorded: was.id().to_string(),
            given: scenario.id().to_string(),
        }));
    }
    if was.content_hash != scenario.content_hash {
        return Ok(Rewound::Refused(ReplayCheck::VersionChanged {
            scenario: was.id().to_string(),
            recorded_hash: short_hash(&was.content_hash).to_string(),
            current_hash: short_hash(&scenario.content_hash).to_string(),
            recorded_version: was.file.about.version.clone(),
            current_version: scenario.file.about.version.clone(),
        }));
    }
    let before: Vec<(String, String)> = original.decisions()[..step as usize - 1]
        .iter()
        .map(|d| (d.beat.clone(), d.choice.clone()))
        .collect();
    let fill = |i: usize, d: &mut engine::Decision| {
        let then = &original.decisions()[i];
        d.response_ms = then.response_ms;
        d.reading = then.reading.clone();
        d.reflection = then.reflection.clone();
    };
    let resumed = match resume_before(scenario, original.run().options.clone(), &before, fill)? {
        Ok(p) => p,
        Err(d) => return Ok(Rewound::Refused(ReplayCheck::Diverged(d))),
    };
    Ok(Rewound::Ready(Box::new(Rewind {
        original: original.clone(),
        resumed,
        step,
        session: None,
        link: super::ForkLink { parent: recorded_as.unwrap_or_default().to_string(), step },
    })))
}
