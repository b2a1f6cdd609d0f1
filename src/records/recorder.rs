//! The [`Recorder`]: what a front end (the terminal player, the app's
//! session) calls as a run happens. It never fails and never blocks on the
//! disk for long: every write goes through the [`Outbox`], which delivers in
//! the background, retries while the file is locked and rescues what it
//! cannot deliver. A problem becomes one warning ([`Recorder::take_warning`]).

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::outbox::{Delivery, FlushReport, Outbox, OutboxOptions};
use super::{DecisionRow, ForkLink, SessionEnd, SessionStart, resolve_path};
use crate::debrief::Debrief;
use crate::engine::Playthrough;

/// How long [`Drop`] waits for the last answers before rescuing them.
pub const EXIT_WAIT: Duration = Duration::from_secs(5);

/// Timing for a [`Recorder`].
#[derive(Debug, Clone)]
pub struct RecorderOptions {
    pub outbox: OutboxOptions,
    /// After each answer, how long the front end waits for it to reach the
    /// file (normally about a millisecond, so a crash right after loses
    /// nothing). When the file is busy, play goes on after this and the
    /// answer is delivered in the background.
    pub commit_wait: Duration,
}

impl Default for RecorderOptions {
    fn default() -> Self {
        RecorderOptions { outbox: OutboxOptions::default(), commit_wait: Duration::from_millis(250) }
    }
}

#[derive(Debug)]
struct Active {
    uuid: String,
    /// Decisions of the playthrough already queued.
    queued: usize,
}

/// Records runs into a records file through the outbox.
#[derive(Debug)]
pub struct Recorder {
    outbox: Option<Outbox>,
    session: Option<Active>,
    commit_wait: Duration,
    warning: Option<String>,
    warned: bool,
    /// The class (cohort) of every session this recorder starts.
    class: Option<String>,
    /// The last flush left writes kept in the station's outbox file, and said so.
    kept_told: bool,
}

impl Recorder {
    /// Record into `path` (`None`: `records.sqlite3` in the user's data
    /// folder). Never fails: a problem becomes the warning.
    pub fn open(path: Option<&Path>) -> Recorder {
        Recorder::open_with(path, RecorderOptions::default())
    }

    pub fn open_with(path: Option<&Path>, options: RecorderOptions) -> Recorder {
        match resolve_path(path) {
            Ok(p) => {
                let mut r = Recorder::off();
                r.outbox = Some(Outbox::open(&p, options.outbox));
                r.commit_wait = options.commit_wait;
                r.collect_notices();
                r
            }
            Err(e) => {
                let mut r = Recorder::off();
                r.warning = Some(format!("runs are NOT being recorded: {e}"));
                r
            }
        }
    }

    /// Recording turned off.
    pub fn off() -> Recorder {
        Recorder {
            outbox: None,
            session: None,
            commit_wait: Duration::ZERO,
            warning: None,
            warned: false,
            class: None,
            kept_told: false,
        }
    }

    /// Record every session this recorder starts as played in `class` (the
    /// station's `--class` / `TALKDOWN_CLASS`). `None`: no class of its own
    /// (on a lab server the session takes the class the instructor set for
    /// the room). A blank name counts as none.
    pub fn with_class(mut self, class: Option<String>) -> Recorder {
        self.class = class.map(|c| c.trim().to_string()).filter(|c| !c.is_empty());
        self
    }

    /// The class given with [`Recorder::with_class`].
    pub fn class(&self) -> Option<&str> {
        self.class.as_deref()
    }

    /// The records file, when recording.
    pub fn path(&self) -> Option<&Path> {
        self.outbox.as_ref().map(|o| o.records())
    }

    /// Where answers are going now: the records file, or a rescue file beside it.
    pub fn destination(&self) -> Option<PathBuf> {
        self.outbox.as_ref().map(|o| o.destination())
    }

    /// The UUID of the session being recorded.
    pub fn session(&self) -> Option<&str> {
        self.session.as_ref().map(|a| a.uuid.as_str())
    }

    /// A run has started (call right after `Playthrough::start`).
    pub fn start(&mut self, play: &Playthrough, trainee: &str, scenario_file: Option<&Path>) {
        self.start_linked(play, trainee, scenario_file, None);
    }

    /// A run has started; `fork` links a rewound run to the session it was
    /// rewound from. The decisions `play` already holds (the original's, before
    /// the fork) are recorded with it, so the new session replays on its own.
    pub fn start_linked(
        &mut self,
        play: &Playthrough,
        trainee: &str,
        scenario_file: Option<&Path>,
        fork: Option<ForkLink>,
    ) {
        let Some(outbox) = &self.outbox else { return };
        let mut start = SessionStart::new(play, trainee, scenario_file);
        start.fork = fork;
        start.class = self.class.clone();
        let uuid = start.uuid.clone();
        outbox.push(Delivery::Start(start));
        self.session = Some(Active { uuid, queued: 0 });
        self.queue_decisions(play);
        self.settle();
    }

    /// After every decision (a choice or a timer running out).
    pub fn decided(&mut self, play: &Playthrough) {
        self.queue_decisions(play);
        self.settle();
    }

    /// The trainee reflected on the last decision: its row again, now with
    /// the reflection (the store keeps the first reflection it gets).
    pub fn reflected(&mut self, play: &Playthrough) {
        self.queue_decisions(play);
        if let (Some(outbox), Some(a)) = (&self.outbox, &self.session) {
            let rows = DecisionRow::from_play(play, play.decisions().len().saturating_sub(1));
            if !rows.is_empty() {
                outbox.push(Delivery::Decisions { session: a.uuid.clone(), rows });
            }
        }
        self.settle();
    }

    /// The run reached an ending and was judged.
    pub fn finish(&mut self, play: &Playthrough, debrief: &Debrief) {
        self.queue_decisions(play);
        if let (Some(outbox), Some(a)) = (&self.outbox, self.session.take()) {
            outbox.push(Delivery::Finish { session: a.uuid, end: SessionEnd::new(play, debrief) });
        }
        self.settle();
    }

    /// The run stopped without an ending (`quit`, `input ended`...).
    pub fn abandon(&mut self, reason: &str) {
        if let (Some(outbox), Some(a)) = (&self.outbox, self.session.take()) {
            outbox.push(Delivery::Abandon { session: a.uuid, reason: reason.to_string() });
        }
        self.settle();
    }

    /// The one "records unavailable" warning, the first time there is one.
    pub fn take_warning(&mut self) -> Option<String> {
        self.collect_notices();
        if self.warned {
            return None;
        }
        let w = self.warning.take()?;
        self.warned = true;
        Some(w)
    }

    /// Writes queued but not yet in the file.
    pub fn pending(&self) -> usize {
        self.outbox.as_ref().map_or(0, |o| o.pending())
    }

    /// The quiet status a front end shows while it lasts:
    /// [`super::outbox::UNREACHABLE`] while the lab server cannot be reached
    /// (answers wait on this PC); `None` when all is well.
    pub fn status(&self) -> Option<&'static str> {
        self.outbox.as_ref().and_then(|o| o.status())
    }

    /// How long to wait for the last answers before the program exits: for
    /// a lab server that is failing now, not at all (they are safe in the
    /// station's outbox file and sent later), else [`EXIT_WAIT`] (for a lab
    /// server the wait also ends as soon as a delivery fails).
    pub fn exit_wait(&self) -> Duration {
        match &self.outbox {
            Some(o) if o.kept_in().is_some() && o.problem().is_some() => Duration::ZERO,
            _ => EXIT_WAIT,
        }
    }

    /// Deliver what is queued, waiting at most `wait`; what cannot be
    /// delivered by then goes to a rescue file (see [`FlushReport`]).
    pub fn flush(&mut self, wait: Duration) -> FlushReport {
        let report = self.outbox.as_ref().map_or(FlushReport::Saved, |o| o.flush(wait));
        self.kept_told = matches!(report, FlushReport::Kept { .. });
        self.collect_notices();
        report
    }

    /// A sentence about a flush report for this recorder's file.
    pub fn describe(&self, report: &FlushReport) -> Option<String> {
        report.message(self.path().unwrap_or(Path::new("the records file")))
    }

    fn queue_decisions(&mut self, play: &Playthrough) {
        if let (Some(outbox), Some(a)) = (&self.outbox, &mut self.session) {
            let rows = DecisionRow::from_play(play, a.queued);
            a.queued = play.decisions().len().max(a.queued);
            if !rows.is_empty() {
                outbox.push(Delivery::Decisions { session: a.uuid.clone(), rows });
            }
        }
    }

    /// Give the outbox a moment to commit (see [`RecorderOptions::commit_wait`]).
    /// A lab server's writes are already committed to the station's outbox
    /// file: play does not wait for the network.
    fn settle(&mut self) {
        if let Some(o) = &self.outbox
            && o.kept_in().is_none()
        {
            o.wait_idle(self.commit_wait);
        }
        self.collect_notices();
    }

    fn collect_notices(&mut self) {
        if let Some(o) = &self.outbox {
            for n in o.take_notices() {
                if self.warning.is_none() && !self.warned {
                    self.warning = Some(n);
                }
            }
        }
    }
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder::off()
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        // Writes already said to be kept in the station's outbox file are safe there.
        if self.pending() > 0 && !self.kept_told {
            let report = self.flush(self.exit_wait());
            if let Some(m) = self.describe(&report) {
                eprintln!("talkdown: warning: {m}");
            }
        }
    }
}
