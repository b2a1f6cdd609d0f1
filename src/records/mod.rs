//! Session records: every run is stored as it happens in an embedded SQLite
//! file, so a crash loses nothing already answered, and instructors get
//! history, class reports and exports from it.
//!
//! Layering: records sits above [`crate::debrief`] and [`crate::engine`] and
//! below the CLI and the app; it never imports Bevy. Both front ends write
//! through the same calls. Full documentation: `docs/records.md`.
//!
//! # API (what the app and the terminal player use)
//!
//! ```text
//! records::resolve_path(explicit: Option<&Path>) -> Result<PathBuf>   // --records / TALKDOWN_RECORDS / data dir
//! Store::open(path) -> Result<Store>             // creates the file if missing, migrates, WAL, busy timeout;
//!                                                // a postgresql:// URL opens the lab server instead (pg.rs, docs/lab.md)
//! Store::open_existing(path) -> Result<Store>    // for reading: Error::NotFound when there is no file yet
//! Store::open_read_only(path) -> Result<Store>   // reading commands: nothing written; read-only copies work
//! store.path() -> &Path
//! store.import(other_file) -> Result<ImportReport> // merge a rescue/other file, by session UUID and step
//! store.purge(before) -> Result<usize>           // delete sessions started before a time; how many
//! store.is_server() -> bool                      // the lab's PostgreSQL server rather than a file
//! pg::lab_init(admin_url, roles) -> Result<LabInit> // schema + station/instructor roles (`talkdown lab init`)
//!
//! // front ends: through the outbox (background, retried, rescued; see recorder.rs)
//! Recorder::open(path: Option<&Path>) -> Recorder / Recorder::off()
//! recorder.with_class(Option<String>) -> Recorder  // the class (cohort) every session it starts belongs to
//! recorder.start(&Playthrough, trainee, scenario_file) / decided(&Playthrough)
//! recorder.finish(&Playthrough, &Debrief) / abandon(reason)
//! recorder.take_warning() -> Option<String> / pending() -> usize / flush(wait) -> FlushReport
//!
//! // idempotent writes keyed by session UUID (+ step), used by the outbox
//! store.put_session(&SessionStart) / put_decisions(uuid, &[DecisionRow]) / put_end(uuid, &SessionEnd) / put_abandon(uuid, reason)
//!
//! // writing (each call is one committed transaction)
//! store.start_session(&Playthrough, trainee) -> Result<SessionId>
//! store.start_session_from(&Playthrough, trainee, Some(scenario_file)) -> Result<SessionId>
//! store.record_decision(id, &Playthrough)                 // call after every choose()/time_out()
//! store.finish_session(id, &Playthrough, &Debrief)        // outcome, ending, scores
//! store.abandon_session(id, reason)                       // optional: why it stopped (quit, input ended)
//!
//! // reading
//! store.sessions(&Filter) -> Result<Vec<SessionSummary>>  // newest first
//! store.history(trainee) -> Result<Vec<SessionSummary>>   // oldest first, with per-dimension scores
//! store.session(id) -> Result<SessionRecord>              // one session with its decisions
//! store.session_records(&Filter) -> Result<Vec<SessionRecord>>
//! store.class_report(scenario, since, until: Option<DateTime<Utc>>) -> Result<ClassReport>
//! store.class_report_for(scenario, since, until, class: Option<&str>) -> Result<ClassReport>
//! report.to_text() / report.to_html()
//! export::to_csv(&[SessionRecord]) / export::to_json(..) / export::to_xapi(.., &XapiOptions)
//! replay::replay_session(&SessionRecord, &Scenario) -> ReplayCheck
//! ```
//!
//! A session that never reached [`Store::finish_session`] reads as
//! [`Status::Abandoned`], with every decision it recorded. Errors
//! ([`Error`]) name the file and say what to do; a file that is not a
//! readable records store is never overwritten or repaired.

pub mod export;
pub mod files;
pub mod live;
pub mod outbox;
pub mod pg;
pub mod recorder;
pub mod replay;
pub mod report;
mod store;

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::{Serialize, Serializer};

use crate::engine::{Mode, Timing};

pub use outbox::{Delivery, FlushReport, Outbox, OutboxFile, OutboxOptions, SyncReport};
pub use recorder::Recorder;
pub use report::{ChoiceJudgement, ClassReport};
pub use store::{DecisionRow, ForkLink, ImportReport, SessionEnd, SessionStart, Store, StoreOptions};

/// The file name used in the user's data directory.
pub const DEFAULT_FILE: &str = "records.sqlite3";

/// Everything that can go wrong with the records file. Each message names
/// the file and says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "cannot find a data directory for the records (no home directory?): pass --records PATH or set TALKDOWN_RECORDS"
    )]
    NoDefaultLocation,
    #[error(
        "no records at {}: nothing has been recorded there yet (check --records or TALKDOWN_RECORDS)",
        path.display()
    )]
    NotFound { path: PathBuf },
    #[error("cannot create the folder for the records file {}: {source}", path.display())]
    CreateDir { path: PathBuf, source: std::io::Error },
    #[error("cannot create the records file {}: {source}", path.display())]
    Create { path: PathBuf, source: std::io::Error },
    #[error(
        "the records file {} is read-only: make it writable (chmod u+w) or choose another file with --records",
        path.display()
    )]
    ReadOnly { path: PathBuf },
    #[error(
        "cannot read the records file {}: its folder is read-only, and SQLite needs to create a side file (`-shm`) beside it to read a file in WAL mode: copy the file to a folder you can write to, or make the folder writable",
        path.display()
    )]
    ReadOnlyFolder { path: PathBuf },
    #[error(
        "{} has no session {uuid} to add to (its start was never delivered)",
        path.display()
    )]
    UnknownSession { path: PathBuf, uuid: String },
    #[error("cannot import {} into itself: pass the other records file (a rescue file, a copy from another station)", path.display())]
    ImportSelf { path: PathBuf },
    #[error(
        "the records file {} is locked by another program ({detail}): wait for it to finish, or close the program using it, and try again",
        path.display()
    )]
    Locked { path: PathBuf, detail: String },
    #[error(
        "the disk holding the records file {} is full: free some space and try again (what was already recorded is kept)",
        path.display()
    )]
    Full { path: PathBuf },
    #[error(
        "{} is not a readable Talkdown records file ({detail}); it has been left untouched: move it aside or restore a backup, and Talkdown will start a new file there",
        path.display()
    )]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "the records file {} was written by a newer Talkdown (schema version {found}, this version knows up to {known}): update Talkdown or choose another file with --records",
        path.display()
    )]
    TooNew { path: PathBuf, found: usize, known: usize },
    #[error("there is no session {id} in {}: `talkdown records list` shows the sessions", path.display())]
    NoSuchSession { path: PathBuf, id: i64 },
    #[error("records file {}: {source}", path.display())]
    Sqlite { path: PathBuf, source: rusqlite::Error },
    #[error("`{0}` is not a date: use YYYY-MM-DD or a time such as 2025-03-01T09:00:00Z")]
    BadDate(String),
    // The lab's PostgreSQL server (docs/lab.md). `server`/`url` is always the
    // URL with its password masked.
    #[error("{url} is not a usable PostgreSQL URL: {detail}")]
    BadUrl { url: String, detail: String },
    #[error(
        "cannot reach the lab server {server} ({detail}): check that PostgreSQL is running there, the host and port, and the firewall"
    )]
    PgUnreachable { server: String, detail: String },
    #[error(
        "{server} did not answer as a PostgreSQL server ({detail}): check the host and port in the URL (PostgreSQL listens on 5432 unless the server was set up otherwise) and that PostgreSQL, not another service, is listening there"
    )]
    PgNotPostgres { server: String, detail: String },
    #[error(
        "the lab server {server} refused the login ({detail}): check the role name and its password (in ~/.pgpass or PGPASSFILE; see docs/lab.md), or ask for `talkdown lab init` to be run again for new passwords"
    )]
    PgAuth { server: String, detail: String },
    #[error(
        "the lab server {server} does not allow this for this role ({detail}): stations may only add their own sessions; reading the class's records needs the instructor role, and purging the database owner's"
    )]
    PgDenied { server: String, detail: String },
    #[error(
        "the lab server {server} has no such database ({detail}): create it (docs/lab.md), then run `talkdown lab init --admin URL`"
    )]
    PgNoDatabase { server: String, detail: String },
    #[error(
        "the lab server {server} has no Talkdown tables yet: run `talkdown lab init --admin URL` with the database owner's URL (docs/lab.md)"
    )]
    PgNoSchema { server: String },
    #[error(
        "the lab server {server} has an older Talkdown schema (version {found}, this version needs {known}): run `talkdown lab init --admin URL` to upgrade it"
    )]
    PgOldSchema { server: String, found: usize, known: usize },
    #[error("lab server {server}: {detail}")]
    Postgres { server: String, detail: String },
    #[error("{server} is a lab server: {what} works only with records files")]
    ServerUnsupported { server: String, what: String },
    #[error(
        "{} is a records file, not a lab server: `records sync` sends a station's outbox to the lab's PostgreSQL server (pass its postgresql:// URL with --records or TALKDOWN_RECORDS); answers recorded into a file are already in it, and `records import FILE` merges a rescue file into it",
        path.display()
    )]
    NotAServer { path: PathBuf },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where the records live: the explicit path (from `--records` or
/// `TALKDOWN_RECORDS`, which clap has already merged), else
/// `records.sqlite3` in the user's data directory (e.g.
/// `~/.local/share/talkdown/` on Linux).
pub fn resolve_path(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = explicit {
        return Ok(p.to_path_buf());
    }
    default_path().ok_or(Error::NoDefaultLocation)
}

/// `records.sqlite3` in the platform's data directory for Talkdown.
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("org", "Talkdown", "talkdown").map(|d| d.data_dir().join(DEFAULT_FILE))
}

/// What a records destination is, without opening it: a file's absolute
/// path, or a server's `postgresql://USER@HOST:PORT/DB` ([`pg::identity`]).
/// Equal to [`Store::identity`] once it is open.
pub fn identity(records: &Path) -> String {
    match records.to_str() {
        Some(url) if pg::is_url(records) => pg::identity(url),
        _ => std::path::absolute(records).unwrap_or_else(|_| records.to_path_buf()).display().to_string(),
    }
}

/// A session's number in one records file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct SessionId(pub i64);

impl std::fmt::Display for SessionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Whether a session reached an ending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Finished,
    /// Interrupted (quit, crash, power cut) or still being played.
    Abandoned,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Finished => "finished",
            Status::Abandoned => "abandoned",
        }
    }
}

/// Which sessions a listing, an export or a report covers. Empty = all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub trainee: Option<String>,
    pub scenario: Option<String>,
    /// Sessions of this class (cohort) only.
    pub class: Option<String>,
    /// Sessions started at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Sessions started before this time.
    pub until: Option<DateTime<Utc>>,
    pub status: Option<Status>,
    pub limit: Option<usize>,
}

/// A class (cohort) name as typed: trimmed, 1 to 64 characters, none of them
/// control characters; the error says what is wrong.
pub fn check_class(s: &str) -> std::result::Result<String, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("a class name cannot be empty (e.g. CIT-2026-03)".into());
    }
    if t.chars().count() > 64 {
        return Err(format!("a class name has at most 64 characters; this one has {}", t.chars().count()));
    }
    if let Some(c) = t.chars().find(|c| c.is_control()) {
        return Err(format!("a class name cannot hold the control character {:?}", c));
    }
    Ok(t.to_string())
}

/// Parse `YYYY-MM-DD` (midnight, local time) or an RFC 3339 time.
pub fn parse_date(s: &str) -> Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| Error::BadDate(s.to_string()))?;
    let midnight = d.and_hms_opt(0, 0, 0).ok_or_else(|| Error::BadDate(s.to_string()))?;
    chrono::Local
        .from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| Error::BadDate(s.to_string()))
}

/// A score in one rubric dimension at the end of a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DimensionResult {
    pub id: String,
    pub name: String,
    pub score: i32,
    /// Best achievable in this scenario.
    pub best: i32,
    pub percent: Option<u32>,
}

/// One row of `records list`: a session without its decisions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionSummary {
    pub id: SessionId,
    /// Random, unique across files and stations (the xAPI registration).
    pub uuid: String,
    pub trainee: String,
    pub scenario: String,
    pub title: String,
    pub content_hash: String,
    /// The scenario's own `version` field.
    pub version: String,
    /// The scenario file it was played from, when known.
    pub scenario_path: Option<String>,
    pub seed: u64,
    pub mode: Mode,
    pub shuffle: bool,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Time of the last decision recorded.
    pub last_activity: DateTime<Utc>,
    pub status: Status,
    /// Why an unfinished session stopped, when the front end said (`quit`, `input ended`).
    pub abandon_reason: Option<String>,
    pub ending: Option<String>,
    pub ending_title: Option<String>,
    pub outcome: Option<String>,
    pub outcome_name: Option<String>,
    /// How the outcome reads (stored and exported as `good`, `acceptable` or `reviewed`).
    #[serde(serialize_with = "edge::grade")]
    pub grade: Option<Grade>,
    pub total: Option<i32>,
    pub total_best: Option<i32>,
    pub total_percent: Option<u32>,
    pub best_choices: Option<u32>,
    /// How many decisions were recorded.
    #[serde(rename = "decision_count")]
    pub decisions: u32,
    pub critical_errors: u32,
    /// Per rubric dimension, for finished sessions (empty otherwise).
    pub scores: Vec<DimensionResult>,
    /// The verdict by the rubric's policy (stored and exported as `meets_standard`
    /// or `not_yet`); `None` for unfinished sessions and those recorded before
    /// verdicts were kept.
    #[serde(serialize_with = "edge::verdict")]
    pub verdict: Option<Standard>,
    /// The debrief's sentence for the verdict, with its reasons.
    pub verdict_summary: Option<String>,
    /// The process score as shown (after any critical-error cap), 0–100.
    pub process_percent: Option<u32>,
    /// The timing accommodation the run was played with (exported as
    /// `standard`, `x1.5`, `x2` or `untimed`).
    pub timing: Timing,
    /// Set when this run was rewound from another session to one of its
    /// decisions (`talkdown replay --rewind`, the app's "Rewind to here"); a
    /// first attempt has none. Class reports count the two apart.
    pub rewound_from: Option<RewoundFrom>,
    /// The class (cohort) the session was played in, when one was set.
    pub class: Option<String>,
}

/// The session a rewound run was forked from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RewoundFrom {
    /// The original session's UUID (the link kept across files).
    pub uuid: String,
    /// Its number in this records file, when it is in this file.
    pub session: Option<SessionId>,
    /// The decision (1-based) chosen again; the decisions before it are the original's.
    pub step: u32,
}

pub use crate::debrief::Standard;
pub use crate::scenario::rubric::Grade;

/// The string forms of typed fields, used only where records meet text: the
/// store's columns and the exports. Everything between uses the enums.
pub mod edge {
    use serde::Serializer;

    use super::{Grade, Standard};

    /// A grade as stored: `good`, `acceptable`, `reviewed` (the bad outcomes,
    /// always reviewed decision by decision).
    pub fn grade_label(g: Grade) -> &'static str {
        g.label()
    }

    /// Read a stored grade. `bad` is accepted as well as `reviewed`; an unknown
    /// word (a newer Talkdown's) reads as no grade rather than failing the read.
    pub fn parse_grade(s: &str) -> Option<Grade> {
        match s {
            "good" => Some(Grade::Good),
            "acceptable" => Some(Grade::Acceptable),
            "reviewed" | "bad" => Some(Grade::Bad),
            _ => None,
        }
    }

    /// A verdict as stored: `meets_standard` or `not_yet`.
    pub fn verdict_id(v: Standard) -> &'static str {
        match v {
            Standard::MeetsStandard => "meets_standard",
            Standard::NotYet => "not_yet",
        }
    }

    /// Read a stored verdict (unknown words read as none).
    pub fn parse_verdict(s: &str) -> Option<Standard> {
        match s {
            "meets_standard" => Some(Standard::MeetsStandard),
            "not_yet" => Some(Standard::NotYet),
            _ => None,
        }
    }

    pub(crate) fn grade<S: Serializer>(g: &Option<Grade>, s: S) -> Result<S::Ok, S::Error> {
        match g {
            Some(g) => s.serialize_some(grade_label(*g)),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn verdict<S: Serializer>(v: &Option<Standard>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_some(verdict_id(*v)),
            None => s.serialize_none(),
        }
    }
}

/// One recorded decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecisionRecord {
    /// 1-based.
    pub step: u32,
    pub beat: String,
    /// The choice id, or `timeout`.
    pub choice: String,
    pub text: String,
    pub timed_out: bool,
    pub response_ms: Option<u64>,
    /// Points per rubric dimension, in rubric order (zeros included).
    #[serde(serialize_with = "pairs_as_map")]
    pub scores: Vec<(String, i32)>,
    pub total: i32,
    pub critical: bool,
    /// Whether no offered choice could have done better (known once the session is finished).
    pub best_available: Option<bool>,
    pub techniques: Vec<String>,
    /// The choice ids offered, in the order shown.
    pub offered: Vec<String>,
    /// Meter values after the decision, in scenario order.
    #[serde(serialize_with = "pairs_as_map")]
    pub meters: Vec<(String, i32)>,
    /// Flags set after the decision.
    pub flags: Vec<String>,
    /// For a weighted random route: which outcome happened.
    pub chance: Option<u16>,
    /// The beat or ending it led to.
    pub led_to: String,
    pub recorded_at: DateTime<Utc>,
    /// The decision point in words (the beat's label, or its first line);
    /// `None` for decisions recorded before labels were kept.
    pub label: Option<String>,
    /// How the trainee read the subject just before, if asked and answered.
    pub reading: Option<RecordedReading>,
    /// The trainee's reflection on the decision, if asked and given.
    pub reflection: Option<String>,
}

/// A read-the-subject answer as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordedReading {
    pub question: String,
    /// What the trainee said.
    pub said: String,
    /// Whether it was right in the hidden state at that moment.
    pub right: bool,
    /// The answers that were right then.
    pub truth: Vec<String>,
}

/// A session with its decisions (exports, replay).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionRecord {
    #[serde(flatten)]
    pub summary: SessionSummary,
    /// Set when an author started the run at a chosen beat and state.
    pub start_from: Option<(String, crate::state::GameState)>,
    /// The plain-text transcript, for finished sessions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transcript: Option<String>,
    pub decisions: Vec<DecisionRecord>,
}

fn pairs_as_map<S: Serializer>(pairs: &[(String, i32)], s: S) -> std::result::Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut m = s.serialize_map(Some(pairs.len()))?;
    for (k, v) in pairs {
        m.serialize_entry(k, v)?;
    }
    m.end()
}
