//! The run in progress (a core `Session` plus the screen's clock and
//! highlight), the finished run, and the analysis cache.

use std::path::{Path, PathBuf};

use bevy::prelude::*;

use crate::debrief::Debrief;
use crate::engine::{EngineError, Mode, Playthrough, StartOptions};
use crate::records::recorder::Recorder;
use crate::scenario::Scenario;
use crate::session::Session;

/// A run being played: the core [`Session`] plus what the screen needs
/// (the clock, the highlighted choice, the last hint).
#[derive(Debug)]
pub struct Run {
    pub session: Session,
    pub path: PathBuf,
    /// Seconds spent on the current beat (not counting pauses).
    pub beat_elapsed: f32,
    /// Seconds left on a timed beat.
    pub remaining: Option<f32>,
    /// Training mode: the hint for the last choice.
    pub feedback: Option<String>,
    /// Which choice arrows + Enter would pick (0-based).
    pub highlighted: usize,
    /// A message for the player, e.g. where a hot reload's replay diverged.
    pub notice: Option<String>,
    /// The reflection prompt of the decision just made, while its one-line
    /// box is open (the next moment waits; its clock does not run).
    pub reflecting: Option<String>,
}

impl Run {
    /// Start a run of `scenario` (from `path`), recorded by `recorder`.
    pub fn start(
        scenario: &Scenario,
        path: &Path,
        options: StartOptions,
        trainee: &str,
        recorder: Recorder,
    ) -> Result<Run, EngineError> {
        let session = Session::start(scenario, Some(path), options, trainee, recorder)?;
        Ok(Run::of(session, path))
    }

    /// A run over a session already started (a rewound one) from `path`.
    pub fn of(session: Session, path: &Path) -> Run {
        let mut run = Run {
            session,
            path: path.to_path_buf(),
            beat_elapsed: 0.0,
            remaining: None,
            feedback: None,
            highlighted: 0,
            notice: None,
            reflecting: None,
        };
        run.entered_beat();
        run.take_warning();
        run
    }

    /// The run so far.
    pub fn play(&self) -> &Playthrough {
        self.session.play()
    }

    /// Who is training.
    pub fn trainee(&self) -> &str {
        self.session.trainee()
    }

    /// Show the records warning (once) as the run's notice.
    pub(super) fn take_warning(&mut self) {
        if let Some(w) = self.session.take_warning() {
            warn!("records: {w}");
            self.notice = Some(format!("Records: {w}"));
        }
    }

    /// Reset the clock and highlight for a new beat.
    pub fn entered_beat(&mut self) {
        self.beat_elapsed = 0.0;
        self.highlighted = 0;
        self.remaining = self.play().current().and_then(|b| b.timer).map(|s| s as f32);
    }

    pub fn timer_seconds(&self) -> Option<u32> {
        self.play().current().and_then(|b| b.timer)
    }

    pub fn training(&self) -> bool {
        self.play().mode() == Mode::Training
    }
}

#[derive(Resource, Debug, Default)]
pub struct Current(pub Option<Run>);

impl Current {
    /// A countdown bar is on screen (it moves unless the run is paused).
    pub fn countdown_shown(&self) -> bool {
        self.0.as_ref().is_some_and(|r| r.remaining.is_some() && !r.play().is_finished())
    }
}

/// The debrief of the run that just ended.
#[derive(Resource, Debug, Clone, Default)]
pub struct Finished {
    pub debrief: Option<Debrief>,
    pub play: Option<Playthrough>,
    pub path: Option<PathBuf>,
    /// Why there is no debrief (the analyzer could not score the scenario).
    pub error: Option<String>,
    /// Where Export HTML last wrote, or why it failed.
    pub export_message: Option<String>,
    /// The run's session UUID in the records, when it was recorded (a rewind links to it).
    pub recorded_as: Option<String>,
    /// Why the last "Rewind to here" was refused.
    pub rewind_refused: Option<String>,
    /// The recorded session this debrief was opened from (History): a
    /// rewind goes through the record, as `talkdown replay --rewind` does.
    pub record: Option<Box<crate::records::SessionRecord>>,
}

/// The core's analysis cache, as a resource (the debrief and the developer panel share it).
#[derive(Resource, Default, Deref, DerefMut)]
pub struct Analyses(pub crate::session::Analyses);
