//! A training session from start to record: the one place where a run is
//! started, each decision is recorded, and the finished run is judged and
//! stored. The terminal player and the app both drive a [`Session`]; neither
//! holds its own copy of the finish sequence or of the records policy
//! ("records unavailable: warn once, keep playing").
//!
//! ```text
//! Session::start(scenario, file, options, trainee, recorder)
//!   .read(n)                            → the read-the-subject answer, kept for the decision
//!   .choose(n, ms) / .time_out(ms)      → engine, then the recorder
//!   .reflect(text)                      → the reflection on that decision, then the recorder
//!   .finish(&mut analyses) → Debrief    → analysis (or step by step), debrief, recorder
//!   .abandon(reason)                    → recorder
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::analysis::{self, Analysis, StateSpace};
use crate::debrief::{Debrief, ForkComparison};
use crate::engine::{Decision, EngineError, Playthrough, Reading, StartOptions};
use crate::records::ForkLink;
use crate::records::recorder::Recorder;
use crate::records::replay::Rewind;
use crate::scenario::Scenario;

/// A fresh random seed for a run (shown in the debrief, so a run can be replayed).
pub fn random_seed() -> u64 {
    use rand::Rng;
    rand::rng().random_range(1..1_000_000)
}

/// The trainee name when none is given: the login name, or `anonymous`.
pub fn default_trainee() -> String {
    ["USER", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|n| !n.trim().is_empty()))
        .unwrap_or_else(|| "anonymous".to_string())
}

/// The analyzer's results per scenario version (content hash): debriefs and
/// the authors' panel need them, and they are costly to compute twice.
#[derive(Default)]
pub struct Analyses(HashMap<String, Result<(Analysis, StateSpace), String>>);

impl Analyses {
    /// The analysis of this version of the scenario, computed on first use.
    pub fn get(&mut self, scenario: &Scenario) -> Result<&mut (Analysis, StateSpace), String> {
        self.0
            .entry(scenario.content_hash.clone())
            .or_insert_with(|| analysis::analyze(scenario).map_err(|e| e.to_string()))
            .as_mut()
            .map_err(|e| e.clone())
    }
}

/// One trainee's run of one scenario, recorded as it happens.
#[derive(Debug)]
pub struct Session {
    play: Playthrough,
    trainee: String,
    file: Option<PathBuf>,
    recorder: Recorder,
    /// Set for a run rewound from a recorded session.
    fork: Option<Box<Fork>>,
}

/// Where a rewound run came from, kept for its debrief and a restart.
#[derive(Debug)]
struct Fork {
    original: Playthrough,
    resumed: Playthrough,
    step: u32,
    /// The original's number in the records file, when known.
    session: Option<i64>,
    /// Where this run came from; `None` when the original was not recorded.
    link: Option<ForkLink>,
}

impl Session {
    /// Start a run and record its start.
    pub fn start(
        scenario: &Scenario,
        file: Option<&Path>,
        options: StartOptions,
        trainee: &str,
        mut recorder: Recorder,
    ) -> Result<Session, EngineError> {
        let play = Playthrough::start(scenario, options)?;
        recorder.start(&play, trainee, file);
        Ok(Session {
            play,
            trainee: trainee.to_string(),
            file: file.map(Path::to_path_buf),
            recorder,
            fork: None,
        })
    }

    /// Play on from a recorded session rewound to one of its decisions
    /// ([`crate::records::replay::rewind_session`]): the same state, seed and
    /// transcript as then. The run is recorded as its own session, linked to
    /// the original and the step, with the original's decisions before it.
    pub fn rewound(rewind: Rewind, file: Option<&Path>, trainee: &str, mut recorder: Recorder) -> Session {
        let Rewind { original, resumed, step, session, link } = rewind;
        let link = (!link.parent.is_empty()).then_some(link);
        recorder.start_linked(&resumed, trainee, file, link.clone());
        Session {
            play: resumed.clone(),
            trainee: trainee.to_string(),
            file: file.map(Path::to_path_buf),
            recorder,
            fork: Some(Box::new(Fork { original, resumed, step, session: session.map(|s| s.0), link })),
        }
    }

    /// For a rewound run: the decision (1-based) chosen again.
    pub fn fork_step(&self) -> Option<u32> {
        self.fork.as_ref().map(|f| f.step)
    }

    /// The same scenario, options and trainee from the beginning; this run is
    /// recorded as abandoned ("restarted").
    /// A rewound run restarts at its fork, recorded as a new rewound run.
    pub fn restart(&mut self) -> Result<(), EngineError> {
        let (play, link) = match &self.fork {
            Some(f) => (f.resumed.clone(), f.link.clone()),
            None => (Playthrough::start(self.play.scenario(), self.play.run().options.clone())?, None),
        };
        self.recorder.abandon("restarted");
        self.recorder.start_linked(&play, &self.trainee, self.file.as_deref(), link);
        self.play = play;
        Ok(())
    }

    /// Choose the `number`th offered choice (as shown, from 1).
    pub fn choose(&mut self, number: usize, response_ms: Option<u64>) -> Result<&Decision, EngineError> {
        self.play.choose(number, response_ms)?;
        self.recorder.decided(&self.play);
        Ok(self.play.decisions().last().expect("a decision was just made"))
    }

    /// Choose by choice id (scripts and replays).
    pub fn choose_id(&mut self, id: &str, response_ms: Option<u64>) -> Result<&Decision, EngineError> {
        self.play.choose_id(id, response_ms)?;
        self.recorder.decided(&self.play);
        Ok(self.play.decisions().last().expect("a decision was just made"))
    }

    /// Answer the current moment's read-the-subject question (before
    /// choosing): recorded with the decision that follows.
    pub fn read(&mut self, number: usize) -> Result<&Reading, EngineError> {
        self.play.read(number)
    }

    /// The trainee's reflection on the decision just made (blank skips it:
    /// `Ok(false)`); recorded with that decision.
    pub fn reflect(&mut self, text: &str) -> Result<bool, EngineError> {
        let kept = self.play.reflect(text)?;
        if kept {
            self.recorder.reflected(&self.play);
        }
        Ok(kept)
    }

    /// The response time ran out.
    pub fn time_out(&mut self, response_ms: Option<u64>) -> Result<&Decision, EngineError> {
        self.play.time_out(response_ms)?;
        self.recorder.decided(&self.play);
        Ok(self.play.decisions().last().expect("a decision was just made"))
    }

    /// Judge a run that reached an ending and record it as finished. Never
    /// fails: when the scenario is too large to analyse exactly, the debrief
    /// judges each decision step by step and says so (`Judgement::StepByStep`).
    pub fn finish(&mut self, analyses: &mut Analyses) -> Debrief {
        let trainee = Some(self.trainee.as_str());
        let exact = analyses
            .get(self.play.scenario())
            .and_then(|(a, space)| Debrief::build(&self.play, a, space, trainee).map_err(|e| e.to_string()));
        let debrief = match exact {
            Ok(d) => d,
            Err(why) => Debrief::step_by_step(&self.play, trainee, &why),
        };
        let mut debrief = debrief;
        if let Some(f) = &self.fork {
            debrief.fork = Some(ForkComparison::new(&f.original, &self.play, f.step as usize, f.session));
        }
        self.recorder.finish(&self.play, &debrief);
        debrief
    }

    /// The run stopped without an ending (quit, input ended, back to the library).
    pub fn abandon(&mut self, reason: &str) {
        self.recorder.abandon(reason);
    }

    /// The run so far.
    pub fn play(&self) -> &Playthrough {
        &self.play
    }

    /// Authors' tools (hot reload) replace the run with a replay on a new version.
    pub fn replace_play(&mut self, play: Playthrough) {
        self.play = play;
    }

    /// Who is training.
    pub fn trainee(&self) -> &str {
        &self.trainee
    }

    /// The scenario file this run was started from.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// The "records unavailable" warning, given once; the front end shows it.
    pub fn take_warning(&mut self) -> Option<String> {
        self.recorder.take_warning()
    }

    /// The quiet records status to show while it lasts (the lab server
    /// cannot be reached: "lab server unreachable: answers are kept on this
    /// PC and sent when it returns"); `None` when all is well.
    pub fn records_status(&self) -> Option<&'static str> {
        self.recorder.status()
    }

    /// The recorded session's UUID, when recording.
    pub fn recorded_as(&self) -> Option<&str> {
        self.recorder.session()
    }

    /// Before the front end exits: wait (briefly) until the last answers are in
    /// the records file, or in a rescue file beside it. Returns what the
    /// trainee must be told (nothing when all is well).
    pub fn close(&mut self) -> Vec<String> {
        let report = self.recorder.flush(self.recorder.exit_wait());
        self.recorder.take_warning().into_iter().chain(self.recorder.describe(&report)).collect()
    }
}

/// The debrief of a recorded, finished session, judged now as the debrief
/// judged it then: the record is replayed on `scenario` (refused, in a
/// sentence as `replay` words it, when the scenario changed since or the
/// record does not replay exactly); for a rewound run whose original
/// (`parent`) replays too, with the two routes from the fork. Returns the
/// replayed run (a rewind starts from it) and its debrief.
pub fn recorded_debrief(
    rec: &crate::records::SessionRecord,
    scenario: &Scenario,
    parent: Option<&crate::records::SessionRecord>,
    analyses: &mut Analyses,
) -> Result<(Playthrough, Debrief), String> {
    use crate::records::replay::{ReplayCheck, replay_session};
    if rec.summary.status != crate::records::Status::Finished {
        return Err(format!("session {} did not finish, so it has no debrief", rec.summary.id));
    }
    let replayed = |rec: &crate::records::SessionRecord| match replay_session(rec, scenario) {
        Ok(ReplayCheck::Matches { play, .. }) => Ok(*play),
        Ok(other) => Err(other.refusal().unwrap_or_else(|| "the run cannot be replayed".into())),
        Err(e) => Err(e.to_string()),
    };
    let play = replayed(rec)?;
    let trainee = Some(rec.summary.trainee.as_str());
    let mut debrief = match analyses
        .get(scenario)
        .and_then(|(a, space)| Debrief::build(&play, a, space, trainee).map_err(|e| e.to_string()))
    {
        Ok(d) => d,
        Err(why) => Debrief::step_by_step(&play, trainee, &why),
    };
    if let Some(f) = &rec.summary.rewound_from
        && let Some(parent) = parent.filter(|p| Some(p.summary.id) == f.session)
        && let Ok(original) = replayed(parent)
    {
        debrief.fork =
            Some(ForkComparison::new(&original, &play, f.step as usize, Some(parent.summary.id.0)));
    }
    Ok((play, debrief))
}
