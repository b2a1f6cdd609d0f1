//! The records store as the History and Instructor screens read it, and the
//! attempts they list. Runs write through their own core `Recorder`.

use std::path::PathBuf;
use std::sync::Mutex;

use bevy::prelude::*;

use crate::app::AppConfig;
use crate::engine::Mode;
use crate::records::Store;
use crate::records::recorder::Recorder;
use crate::scenario::rubric::Grade;

/// The session records store (SQLite), when one is configured: every
/// decision is written as it happens. Without one, attempts stay in memory.
#[derive(Resource, Default)]
pub struct Records {
    pub store: Option<Mutex<Store>>,
    /// Why the store could not be opened (shown in the history screen).
    pub problem: Option<String>,
    /// Where runs are recorded (`None`: attempts are kept in memory only).
    pub path: Option<PathBuf>,
    /// The class (cohort) recorded with each run (`--class`).
    pub class: Option<String>,
}

impl Records {
    /// Run `f` on the store, logging (not failing on) errors: a full disk
    /// must not stop a training session.
    pub fn with<T>(&self, what: &str, f: impl FnOnce(&mut Store) -> crate::records::Result<T>) -> Option<T> {
        let mut store = self.store.as_ref()?.lock().ok()?;
        match f(&mut store) {
            Ok(v) => Some(v),
            Err(e) => {
                error!("records: could not {what}: {e}");
                None
            }
        }
    }
}

impl Records {
    /// A recorder for a new run: into the configured file, or off.
    pub fn recorder(&self) -> Recorder {
        match &self.path {
            Some(p) => Recorder::open(Some(p)).with_class(self.class.clone()),
            None => Recorder::off(),
        }
    }
}

pub(super) fn open_records(mut commands: Commands, config: Res<AppConfig>) {
    let mut records = Records { path: config.records.clone(), class: config.class.clone(), ..default() };
    if let Some(path) = &config.records {
        match Store::open(path) {
            Ok(s) => records.store = Some(Mutex::new(s)),
            Err(e) => {
                warn!("records: {e}; attempts are kept in memory only");
                records.problem = Some(e.to_string());
            }
        }
    }
    commands.insert_resource(records);
}

/// One finished attempt, as the History screen lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub trainee: String,
    pub scenario: String,
    pub title: String,
    pub when: chrono::DateTime<chrono::Local>,
    pub mode: Mode,
    pub seed: u64,
    /// Points as a share of the best route's (the score column).
    pub percent: Option<u32>,
    /// The process score as shown and judged (after any critical-error cap).
    pub process: Option<u32>,
    /// Meets the standard or not yet, by the rubric's policy.
    pub verdict: Option<crate::debrief::Standard>,
    pub outcome: Option<String>,
    pub grade: Option<Grade>,
    pub critical: usize,
    /// Its session in the records store (History opens its debrief from
    /// there); `None` for a run kept in memory only.
    pub session: Option<crate::records::SessionId>,
}

/// Finished attempts: this session's (in memory), replaced by the records
/// store's history for the trainee when the History screen opens.
#[derive(Resource, Debug, Clone, Default)]
pub struct Attempts(pub Vec<Attempt>);

impl Attempt {
    pub fn from_summary(s: &crate::records::SessionSummary) -> Attempt {
        Attempt {
            trainee: s.trainee.clone(),
            scenario: s.scenario.clone(),
            title: s.title.clone(),
            when: s.started_at.with_timezone(&chrono::Local),
            mode: s.mode,
            seed: s.seed,
            percent: s.total_percent,
            process: s.process_percent,
            verdict: s.verdict,
            outcome: s.outcome_name.clone(),
            grade: s.grade,
            critical: s.critical_errors as usize,
            session: Some(s.id),
        }
    }
}
