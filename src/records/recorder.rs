//! The [`Recorder`]: how a run in progress reaches the records store. It
//! applies the one policy every front end shares: when the records cannot be
//! written, warn once and keep playing.

use std::path::Path;
use std::sync::Mutex;

use super::{Error, SessionId, Store, resolve_path};
use crate::debrief::Debrief;
use crate::engine::Playthrough;

/// Records one run as it happens. Problems with the store become a single
/// warning (see [`Recorder::take_warning`]); the run itself always goes on.
#[derive(Debug, Default)]
pub struct Recorder {
    /// The store, once opened (or `None` when recording is off). Behind a
    /// mutex so a run can live in a shared (Sync) front-end resource.
    store: Option<Mutex<Store>>,
    /// Where records should go (`None`: recording off).
    target: Option<std::path::PathBuf>,
    session: Option<SessionId>,
    warning: Option<String>,
    warned: bool,
}

impl Recorder {
    /// Record into the file at `path` (`None`: the default file in the user's data folder).
    /// Never fails: a file that cannot be opened becomes a warning.
    pub fn open(path: Option<&Path>) -> Recorder {
        let mut r = Recorder::default();
        match resolve_path(path).and_then(|p| Store::open(&p).map(|s| (p, s))) {
            Ok((p, store)) => {
                r.target = Some(p);
                r.store = Some(Mutex::new(store));
            }
            Err(e) => r.warn(&e),
        }
        r
    }

    /// Recording turned off (playtests, `--no-records`).
    pub fn off() -> Recorder {
        Recorder::default()
    }

    fn warn(&mut self, e: &Error) {
        if !self.warned {
            self.warned = true;
            self.warning = Some(format!("this run is NOT being recorded: {e}"));
        }
        self.store = None;
    }

    fn guard(&mut self, f: impl FnOnce(&mut Store) -> Result<(), Error>) {
        let Some(m) = self.store.as_mut() else { return };
        // Each write is one transaction, so a store poisoned by a panic
        // mid-write is still consistent: keep using it.
        let store = m.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Err(e) = f(store) {
            self.warn(&e);
        }
    }

    /// A new run started.
    pub fn start(&mut self, play: &Playthrough, trainee: &str, scenario_file: Option<&Path>) {
        let mut id = None;
        self.guard(|s| {
            id = Some(s.start_session_from(play, trainee, scenario_file)?);
            Ok(())
        });
        self.session = id;
    }

    /// After every decision.
    pub fn decided(&mut self, play: &Playthrough) {
        let Some(id) = self.session else { return };
        self.guard(|s| s.record_decision(id, play));
    }

    /// The run reached an ending and was judged.
    pub fn finish(&mut self, play: &Playthrough, debrief: &Debrief) {
        let Some(id) = self.session.take() else { return };
        self.guard(|s| s.finish_session(id, play, debrief));
    }

    /// The run stopped without an ending.
    pub fn abandon(&mut self, reason: &str) {
        let Some(id) = self.session.take() else { return };
        self.guard(|s| s.abandon_session(id, reason));
    }

    /// The "records unavailable" warning, given once.
    pub fn take_warning(&mut self) -> Option<String> {
        self.warning.take()
    }

    /// The session being recorded and the file it is in.
    pub fn session(&self) -> Option<(SessionId, &Path)> {
        Some((self.session?, self.target.as_deref()?))
    }

    /// Whether records are being written.
    pub fn is_on(&self) -> bool {
        self.store.is_some()
    }
}
