//! The SQLite store: opening (WAL, busy timeout, migrations), writing a
//! session as it happens, and reading it back.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior, params};
use rusqlite_migration::{M, Migrations};

use super::{
    DecisionRecord, DimensionResult, Error, Filter, Result, SessionId, SessionRecord, SessionSummary, Status,
};
use crate::debrief::{Debrief, percent};
use crate::engine::{Mode, Playthrough, Timing};
use crate::scenario::Act;

/// The schema, one migration per step. The version is SQLite's `user_version`
/// (kept by rusqlite_migration); `schema_history` says when each step ran.
/// Never edit a released step: add a new one.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE IF NOT EXISTS schema_history (
    version     INTEGER PRIMARY KEY,
    applied_at  TEXT NOT NULL,
    description TEXT NOT NULL
);
INSERT OR IGNORE INTO schema_history VALUES
    (1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'sessions, decisions, session_scores');
CREATE TABLE IF NOT EXISTS sessions (
    id             INTEGER PRIMARY KEY,
    uuid           TEXT NOT NULL UNIQUE,
    trainee        TEXT NOT NULL,
    scenario       TEXT NOT NULL,
    title          TEXT NOT NULL,
    content_hash   TEXT NOT NULL,
    version        TEXT NOT NULL,
    scenario_path  TEXT,
    seed           INTEGER NOT NULL,   -- u64 stored bit for bit
    mode           TEXT NOT NULL,      -- training | assessment
    shuffle        INTEGER NOT NULL,
    start_from     TEXT,               -- JSON [beat, state] for author starts
    dimensions     TEXT NOT NULL,      -- JSON [[id, name], ...] in rubric order
    started_at     TEXT NOT NULL,      -- RFC 3339 UTC, millisecond precision
    last_activity  TEXT NOT NULL,
    finished_at    TEXT,               -- NULL: abandoned (or still being played)
    abandon_reason TEXT,
    ending         TEXT,
    ending_title   TEXT,
    outcome        TEXT,
    outcome_name   TEXT,
    grade          TEXT,
    total          INTEGER,
    total_best     INTEGER,
    best_choices   INTEGER,
    transcript     TEXT
);
CREATE INDEX IF NOT EXISTS sessions_by_scenario ON sessions (scenario, started_at);
CREATE INDEX IF NOT EXISTS sessions_by_trainee ON sessions (trainee, started_at);
CREATE TABLE IF NOT EXISTS decisions (
    session_id     INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    step           INTEGER NOT NULL,   -- 1-based
    beat           TEXT NOT NULL,
    choice         TEXT NOT NULL,      -- choice id or `timeout`
    text           TEXT NOT NULL,
    timed_out      INTEGER NOT NULL,
    response_ms    INTEGER,
    scores         TEXT NOT NULL,      -- JSON [[dimension, points], ...], rubric order
    total          INTEGER NOT NULL,
    critical       INTEGER NOT NULL,
    best_available INTEGER,            -- set from the debrief when the session finishes
    techniques     TEXT NOT NULL,      -- JSON [id, ...]
    offered        TEXT NOT NULL,      -- JSON [choice id, ...] in display order
    meters         TEXT NOT NULL,      -- JSON [[meter, value], ...] after the decision
    flags          TEXT NOT NULL,      -- JSON [flag, ...] set after the decision
    chance         INTEGER,
    led_to         TEXT NOT NULL,
    recorded_at    TEXT NOT NULL,
    PRIMARY KEY (session_id, step)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS session_scores (
    session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    ord        INTEGER NOT NULL,       -- rubric order
    dimension  TEXT NOT NULL,
    name       TEXT NOT NULL,
    score      INTEGER NOT NULL,
    best       INTEGER NOT NULL,
    PRIMARY KEY (session_id, dimension)
) WITHOUT ROWID;
"#,
    r#"
-- Judgement (issue 9): the verdict by the rubric's policy, the process score,
-- and what the trainee saw happen after each decision.
INSERT OR IGNORE INTO schema_history VALUES
    ((SELECT COALESCE(MAX(version), 0) + 1 FROM schema_history), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
     'judgement: verdict, process percent, reactions, score variants');
ALTER TABLE sessions ADD COLUMN verdict TEXT;            -- meets_standard | not_yet (NULL: not finished)
ALTER TABLE sessions ADD COLUMN verdict_summary TEXT;    -- the debrief's sentence, with its reasons
ALTER TABLE sessions ADD COLUMN process_percent INTEGER; -- as shown (after the critical-error cap)
ALTER TABLE decisions ADD COLUMN reaction TEXT;          -- JSON [[speaker or null, text], ...]
ALTER TABLE decisions ADD COLUMN score_variant INTEGER;  -- index of the score variant that applied
"#,
    r#"
-- Accessibility (issue 15): a timing accommodation is on the record, so an
-- assessment played with extended time stays comparable.
INSERT OR IGNORE INTO schema_history VALUES
    ((SELECT COALESCE(MAX(version), 0) + 1 FROM schema_history), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
     'timing accommodation per session');
ALTER TABLE sessions ADD COLUMN timing TEXT NOT NULL DEFAULT 'standard'; -- standard | x1.5 | x2 | untimed
"#,
    r#"
-- Rewind (issue 14): a run rewound from a recorded session to one of its
-- decisions is its own session, linked to the original (by UUID, so the link
-- survives an import into another file) and the step it forked at.
INSERT OR IGNORE INTO schema_history VALUES
    ((SELECT COALESCE(MAX(version), 0) + 1 FROM schema_history), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
     'rewind: parent session and fork step');
ALTER TABLE sessions ADD COLUMN parent_uuid TEXT;    -- the session rewound from (NULL: a first attempt)
ALTER TABLE sessions ADD COLUMN fork_step INTEGER;   -- the decision (1-based) chosen again
"#,
    r#"
-- The trainee's reasoning and reading of the subject (issue 14): each decision
-- point's name in words, the read-the-subject answer judged against the hidden
-- state, and the trainee's reflection.
INSERT OR IGNORE INTO schema_history VALUES
    ((SELECT COALESCE(MAX(version), 0) + 1 FROM schema_history), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
     'decision labels, readings of the subject, reflections');
-- The columns are added by `add_reasoning_columns` (each only when missing).
"#,
    r#"
-- The training lab (issue 13): the class (cohort) a session was played in, so
-- reports filter and compare classes. NULL: no class was set at the station.
INSERT OR IGNORE INTO schema_history VALUES
    ((SELECT COALESCE(MAX(version), 0) + 1 FROM schema_history), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
     'class name per session');
-- The column and its index are added by `add_class_column` (only when missing).
"#,
];

/// Schema step 5's columns on `decisions`: (name, type and comment).
const REASONING_COLUMNS: &[(&str, &str)] = &[
    ("label", "TEXT"),         // the beat's label, or its first line
    ("read_question", "TEXT"), // NULL: no reading given
    ("read_answer", "TEXT"),   // what the trainee said
    ("read_right", "INTEGER"), // 1 when right in the hidden state then
    ("read_truth", "TEXT"),    // JSON [answer, ...] right then
    ("reflection", "TEXT"),    // the trainee's own words; NULL: not asked or skipped
];

/// Step 5 adds each reasoning column unless the file already has it (a file
/// partly upgraded by hand, or by a build of this branch before the step
/// was numbered), so the step can never fail on a duplicate column.
fn add_reasoning_columns(tx: &rusqlite::Transaction<'_>) -> rusqlite_migration::HookResult {
    let have: Vec<String> = tx
        .prepare("SELECT name FROM pragma_table_info('decisions')")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for (name, ty) in REASONING_COLUMNS {
        if !have.iter().any(|h| h == name) {
            tx.execute_batch(&format!("ALTER TABLE decisions ADD COLUMN {name} {ty};"))?;
        }
    }
    Ok(())
}

/// Step 6 adds `sessions.class` unless the file already has it (as step 5 does).
fn add_class_column(tx: &rusqlite::Transaction<'_>) -> rusqlite_migration::HookResult {
    let have: bool =
        tx.query_row("SELECT COUNT(*) FROM pragma_table_info('sessions') WHERE name = 'class'", [], |r| {
            r.get::<_, i64>(0).map(|n| n > 0)
        })?;
    if !have {
        tx.execute_batch("ALTER TABLE sessions ADD COLUMN class TEXT;")?;
    }
    tx.execute_batch(
        "CREATE INDEX IF NOT EXISTS sessions_by_class ON sessions (class, scenario, started_at);",
    )?;
    Ok(())
}

fn migrations() -> Migrations<'static> {
    Migrations::new(
        MIGRATIONS
            .iter()
            .enumerate()
            .map(|(i, sql)| match i {
                4 => M::up_with_hook(sql, add_reasoning_columns),
                5 => M::up_with_hook(sql, add_class_column),
                _ => M::up(sql),
            })
            .collect(),
    )
}

/// Tuning for [`Store::open_with`].
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// How long a write waits for another process (another station) to finish its own.
    pub busy_timeout: Duration,
    /// `true`: every commit is flushed to the disk (survives a power cut).
    /// `false`: a commit survives a crash or kill of Talkdown, not of the machine.
    pub sync_every_commit: bool,
    /// Create the file (and its folder) when missing.
    pub create: bool,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions { busy_timeout: Duration::from_secs(10), sync_every_commit: true, create: true }
    }
}

/// An open records store: a SQLite file, or the lab's PostgreSQL server
/// (`postgresql://` URL; see [`super::pg`] and docs/lab.md). Every method works
/// on either.
pub struct Store {
    backend: Backend,
    /// The file, or for a server its URL with the password masked.
    path: PathBuf,
    /// What this store is, for comparing destinations ([`Store::identity`]).
    identity: String,
}

enum Backend {
    Sqlite(Connection),
    Pg(Box<super::pg::PgStore>),
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

const TIME_FORMAT: SecondsFormat = SecondsFormat::Millis;

fn now() -> String {
    Utc::now().to_rfc3339_opts(TIME_FORMAT, true)
}

pub(crate) fn fmt_time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(TIME_FORMAT, true)
}

/// The URL when `path` names the lab's PostgreSQL server.
fn pg_url(path: &Path) -> Option<&str> {
    if super::pg::is_url(path) { path.to_str() } else { None }
}

pub(crate) fn parse_time(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).unwrap_or_default()
}

/// Turn a SQLite error into one that names the file and says what to do.
pub(crate) fn classify(path: &Path, e: rusqlite::Error) -> Error {
    let path = path.to_path_buf();
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) | Some(ErrorCode::DatabaseCorrupt) => {
            Error::Corrupt { path, detail: e.to_string() }
        }
        Some(ErrorCode::ReadOnly) => Error::ReadOnly { path },
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => {
            Error::Locked { path, detail: e.to_string() }
        }
        Some(ErrorCode::DiskFull) => Error::Full { path },
        _ => Error::Sqlite { path, source: e },
    }
}

fn random_uuid() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40; // version 4
    b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
    super::export::format_uuid(&b)
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

fn from_json<T: serde::de::DeserializeOwned + Default>(s: &str) -> T {
    serde_json::from_str(s).unwrap_or_default()
}

impl Store {
    /// Open (or create) a records file: WAL, a busy timeout for other
    /// stations writing to the same file, and the schema brought up to date.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        Store::open_with(path, &StoreOptions::default())
    }

    /// Open a records file that must already exist (listings, reports).
    pub fn open_existing(path: impl AsRef<Path>) -> Result<Store> {
        Store::open_with(path, &StoreOptions { create: false, ..StoreOptions::default() })
    }

    pub fn open_with(path: impl AsRef<Path>, options: &StoreOptions) -> Result<Store> {
        if let Some(url) = pg_url(path.as_ref()) {
            // The schema is created (or upgraded) when this role may; a station's
            // role may not, and gets "run `talkdown lab init`" instead.
            return Store::open_pg(url, true);
        }
        let path = path.as_ref().to_path_buf();
        match std::fs::metadata(&path) {
            Ok(m) if m.permissions().readonly() => return Err(Error::ReadOnly { path }),
            Ok(m) if m.is_dir() => {
                return Err(Error::Corrupt { path, detail: "it is a folder, not a file".into() });
            }
            Ok(_) => {}
            Err(_) if !options.create => return Err(Error::NotFound { path }),
            Err(_) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    super::files::create_private_dir_all(dir)
                        .map_err(|source| Error::CreateDir { path: path.clone(), source })?;
                }
                // Created by us, readable by its owner only, whatever the umask
                // (SQLite gives the -wal and -shm files the same permissions).
                super::files::create_private_file(&path)
                    .map_err(|source| Error::Create { path: path.clone(), source })?;
            }
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let c = |e| classify(&path, e);
        let mut conn = Connection::open_with_flags(&path, flags).map_err(c)?;
        conn.busy_timeout(options.busy_timeout).map_err(c)?;
        // Writes take the write lock up front, so two stations queue behind the
        // busy timeout instead of failing on a lock upgrade.
        conn.set_transaction_behavior(TransactionBehavior::Immediate);
        // Reading the header first: a file that is not SQLite fails here,
        // before anything is written to it.
        conn.query_row("PRAGMA schema_version", [], |r| r.get::<_, i64>(0)).map_err(c)?;
        if conn.is_readonly("main").map_err(c)? {
            return Err(Error::ReadOnly { path });
        }
        // A damaged file must never be written to (not even the switch to WAL
        // below): SQLite's quick check reads every page before anything else.
        quick_check(&conn, &path)?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).map_err(c)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::Locked {
                path,
                detail: format!("could not switch to WAL mode (still {mode})"),
            });
        }
        let sync = if options.sync_every_commit { "FULL" } else { "NORMAL" };
        conn.execute_batch(&format!("PRAGMA synchronous = {sync}; PRAGMA foreign_keys = ON;")).map_err(c)?;
        let identity = super::identity(&path);
        let mut store = Store { backend: Backend::Sqlite(conn), path, identity };
        store.migrate()?;
        Ok(store)
    }

    /// Open a records file for reading only (listings, exports, reports,
    /// replay): nothing is written, no side file is needed beyond SQLite's
    /// usual `-shm`, so a read-only copy or backup can be read. A file from
    /// an older Talkdown is upgraded first when it is writable.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Store> {
        if let Some(url) = pg_url(path.as_ref()) {
            return Store::open_pg(url, false);
        }
        let path = path.as_ref().to_path_buf();
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => {
                return Err(Error::Corrupt { path, detail: "it is a folder, not a file".into() });
            }
            Ok(_) => {}
            Err(_) => return Err(Error::NotFound { path }),
        }
        let flags =
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
        let folder_read_only = || {
            let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
            !super::files::is_writable_dir(dir)
        };
        let c = |e: rusqlite::Error| match e.sqlite_error_code() {
            // Reading a WAL file needs its `-shm` side file; SQLite cannot
            // create it in a folder it may not write to.
            Some(ErrorCode::CannotOpen) | Some(ErrorCode::ReadOnly) if folder_read_only() => {
                Error::ReadOnlyFolder { path: path.clone() }
            }
            _ => classify(&path, e),
        };
        let conn = Connection::open_with_flags(&path, flags).map_err(c)?;
        conn.busy_timeout(StoreOptions::default().busy_timeout).map_err(c)?;
        conn.query_row("PRAGMA schema_version", [], |r| r.get::<_, i64>(0)).map_err(c)?;
        let found = conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0)).map_err(c)? as usize;
        let known = MIGRATIONS.len();
        if found > known {
            return Err(Error::TooNew { path, found, known });
        }
        if found < known {
            drop(conn);
            // An older file: upgrade it (which needs writing), as before.
            return Store::open_existing(&path);
        }
        let identity = super::identity(&path);
        Ok(Store { backend: Backend::Sqlite(conn), path, identity })
    }

    fn open_pg(url: &str, migrate: bool) -> Result<Store> {
        let pg = super::pg::PgStore::open(url, migrate).or_else(|e| match e {
            // Not this role's to create: say what to do instead.
            Error::PgDenied { .. } if migrate => super::pg::PgStore::open(url, false),
            e => Err(e),
        })?;
        let path = pg.shown.clone();
        Ok(Store { backend: Backend::Pg(Box::new(pg)), path, identity: super::pg::identity(url) })
    }

    /// `true` for the lab's PostgreSQL server, `false` for a SQLite file.
    pub fn is_server(&self) -> bool {
        matches!(self.backend, Backend::Pg(_))
    }

    /// The SQLite connection (callers have already handled the server).
    fn sqlite(&self) -> &Connection {
        match &self.backend {
            Backend::Sqlite(c) => c,
            Backend::Pg(_) => unreachable!("SQLite-only code reached with a PostgreSQL store"),
        }
    }

    fn sqlite_mut(&mut self) -> &mut Connection {
        match &mut self.backend {
            Backend::Sqlite(c) => c,
            Backend::Pg(_) => unreachable!("SQLite-only code reached with a PostgreSQL store"),
        }
    }

    fn migrate(&mut self) -> Result<()> {
        let m = migrations();
        let known = MIGRATIONS.len();
        let found: usize = self
            .sqlite()
            .query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
            .map_err(|e| self.err(e))? as usize;
        if found > known {
            return Err(Error::TooNew { path: self.path.clone(), found, known });
        }
        if found == known {
            return Ok(());
        }
        // Two stations may open a new file at the same moment: the loser of
        // the race finds the schema already there (the steps are idempotent).
        let mut last = None;
        for _ in 0..3 {
            match m.to_latest(self.sqlite_mut()) {
                Ok(()) => return Ok(()),
                Err(rusqlite_migration::Error::RusqliteError { err, .. }) => last = Some(err),
                Err(rusqlite_migration::Error::MigrationDefinition(
                    rusqlite_migration::MigrationDefinitionError::DatabaseTooFarAhead,
                )) => {
                    return Err(Error::TooNew { path: self.path.clone(), found, known });
                }
                Err(e) => {
                    return Err(Error::Corrupt {
                        path: self.path.clone(),
                        detail: format!("migration failed: {e}"),
                    });
                }
            }
        }
        Err(self.err(last.unwrap_or(rusqlite::Error::InvalidQuery)))
    }

    fn err(&self, e: rusqlite::Error) -> Error {
        classify(&self.path, e)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What this store is, for telling destinations apart: the file's
    /// absolute path, or for a server `postgresql://USER@HOST:PORT/DB` (no
    /// password, no options). The same as [`super::identity`] of the path
    /// or URL it was opened with.
    pub fn identity(&self) -> &str {
        &self.identity
    }

    /// The schema version of the open file.
    pub fn schema_version(&self) -> Result<usize> {
        if let Backend::Pg(p) = &self.backend {
            return p.schema_version();
        }
        self.sqlite()
            .query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
            .map(|v| v as usize)
            .map_err(|e| self.err(e))
    }

    /// SQLite's full integrity check: `Ok(())` or the problems found.
    pub fn check_integrity(&self) -> Result<()> {
        if let Backend::Pg(p) = &self.backend {
            // The server checks its own pages; reading every session checks the schema.
            return p.load_sessions("", &[], "", false).map(|_| ());
        }
        let msg: String = self
            .sqlite()
            .query_row("PRAGMA integrity_check(5)", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if msg == "ok" { Ok(()) } else { Err(Error::Corrupt { path: self.path.clone(), detail: msg }) }
    }

    /// Record that a run has started. Call right after `Playthrough::start`.
    pub fn start_session(&mut self, play: &Playthrough, trainee: &str) -> Result<SessionId> {
        self.start_session_from(play, trainee, None)
    }

    /// As [`Store::start_session`], remembering the scenario file for `talkdown replay`.
    pub fn start_session_from(
        &mut self,
        play: &Playthrough,
        trainee: &str,
        scenario_path: Option<&Path>,
    ) -> Result<SessionId> {
        let start = SessionStart::new(play, trainee, scenario_path);
        let id = self.put_session(&start)?;
        let rows = DecisionRow::from_play(play, 0);
        self.put_decisions(&start.uuid, &rows)?;
        Ok(id)
    }

    /// Record every decision of `play` not yet stored (normally the one just
    /// made), committed before this returns.
    pub fn record_decision(&mut self, id: SessionId, play: &Playthrough) -> Result<()> {
        if let Backend::Pg(p) = &mut self.backend {
            return p.add_from(id, &DecisionRow::from_play(play, 0), None);
        }
        let path = self.path.clone();
        let c = |e| classify(&path, e);
        let tx = self.sqlite_mut().transaction().map_err(c)?;
        let have = stored_steps(&tx, id)
            .map_err(c)?
            .ok_or_else(|| Error::NoSuchSession { path: path.clone(), id: id.0 })?;
        insert_decision_rows(&tx, id.0, &DecisionRow::from_play(play, have)).map_err(c)?;
        tx.commit().map_err(c)
    }

    /// Record the ending, the scores and the debrief's judgement of each decision.
    pub fn finish_session(&mut self, id: SessionId, play: &Playthrough, debrief: &Debrief) -> Result<()> {
        if let Backend::Pg(p) = &mut self.backend {
            return p.add_from(id, &DecisionRow::from_play(play, 0), Some(&SessionEnd::new(play, debrief)));
        }
        let path = self.path.clone();
        let c = |e| classify(&path, e);
        let tx = self.sqlite_mut().transaction().map_err(c)?;
        let have = stored_steps(&tx, id)
            .map_err(c)?
            .ok_or_else(|| Error::NoSuchSession { path: path.clone(), id: id.0 })?;
        insert_decision_rows(&tx, id.0, &DecisionRow::from_play(play, have)).map_err(c)?;
        write_end(&tx, id.0, &SessionEnd::new(play, debrief)).map_err(c)?;
        tx.commit().map_err(c)
    }

    /// Say why an unfinished session stopped (`quit`, `input ended`...). It
    /// still reads as abandoned; this only records the reason.
    pub fn abandon_session(&mut self, id: SessionId, reason: &str) -> Result<()> {
        if let Backend::Pg(p) = &mut self.backend {
            return p.abandon_session(id, reason);
        }
        let path = self.path.clone();
        self.sqlite()
            .execute(
                "UPDATE sessions SET abandon_reason = ?2 WHERE id = ?1 AND finished_at IS NULL",
                params![id.0, reason],
            )
            .map(|_| ())
            .map_err(|e| classify(&path, e))
    }

    // Idempotent writes keyed by the session's UUID (and the decision's step):
    // delivering the same thing twice (a retry after a lock, a rescue file
    // imported later) stores it once. The outbox writes only through these.

    /// Store a session's start unless a session with its UUID is already there.
    pub fn put_session(&mut self, s: &SessionStart) -> Result<SessionId> {
        if let Backend::Pg(p) = &mut self.backend {
            return p.put_session(s);
        }
        let path = self.path.clone();
        let c = |e| classify(&path, e);
        let tx = self.sqlite_mut().transaction().map_err(c)?;
        tx.execute(
            "INSERT INTO sessions (uuid, trainee, scenario, title, content_hash, version, scenario_path, seed,
                 mode, shuffle, start_from, dimensions, started_at, last_activity, timing, parent_uuid, fork_step,
                 class)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?14, ?15, ?16, ?17)
             ON CONFLICT (uuid) DO NOTHING",
            params![
                s.uuid,
                s.trainee,
                s.scenario,
                s.title,
                s.content_hash,
                s.version,
                s.scenario_path,
                s.seed as i64,
                s.mode,
                s.shuffle,
                s.start_from,
                s.dimensions,
                s.started_at,
                s.timing.label(),
                s.fork.as_ref().map(|f| f.parent.as_str()),
                s.fork.as_ref().map(|f| i64::from(f.step)),
                s.class,
            ],
        )
        .map_err(c)?;
        let id = session_by_uuid(&tx, &s.uuid).map_err(c)?.unwrap_or_default();
        tx.commit().map_err(c)?;
        Ok(SessionId(id))
    }

    /// Store decisions of the session with this UUID; steps already there are kept as they are.
    pub fn put_decisions(&mut self, uuid: &str, rows: &[DecisionRow]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        if let Backend::Pg(p) = &mut self.backend {
            return p.put_decisions(uuid, rows);
        }
        self.in_session(uuid, |tx, id| insert_decision_rows(tx, id, rows))
    }

    /// Store the ending and scores of the session with this UUID.
    pub fn put_end(&mut self, uuid: &str, end: &SessionEnd) -> Result<()> {
        if let Backend::Pg(p) = &mut self.backend {
            return p.put_end(uuid, end);
        }
        self.in_session(uuid, |tx, id| write_end(tx, id, end))
    }

    /// Run `write` in one transaction on the session with this UUID
    /// (`Error::UnknownSession` when the file has no such session).
    fn in_session(
        &mut self,
        uuid: &str,
        write: impl FnOnce(&rusqlite::Transaction<'_>, i64) -> rusqlite::Result<()>,
    ) -> Result<()> {
        let path = self.path.clone();
        let c = |e| classify(&path, e);
        let tx = self.sqlite_mut().transaction().map_err(c)?;
        let id = session_by_uuid(&tx, uuid)
            .map_err(c)?
            .ok_or_else(|| Error::UnknownSession { path: path.clone(), uuid: uuid.to_string() })?;
        write(&tx, id).map_err(c)?;
        tx.commit().map_err(c)
    }

    /// Record why the session with this UUID stopped (kept only while it is unfinished).
    pub fn put_abandon(&mut self, uuid: &str, reason: &str) -> Result<()> {
        if let Backend::Pg(p) = &mut self.backend {
            return p.put_abandon(uuid, reason);
        }
        let path = self.path.clone();
        self.sqlite()
            .execute(
                "UPDATE sessions SET abandon_reason = ?2 WHERE uuid = ?1 AND finished_at IS NULL",
                params![uuid, reason],
            )
            .map(|_| ())
            .map_err(|e| classify(&path, e))
    }

    /// Merge another Talkdown records file (a rescue file, another station's
    /// file, a backup) into this one. Sessions are matched by UUID and
    /// decisions by (session, step), so importing twice adds nothing the
    /// second time. The other file is opened read-only and checked first.
    pub fn import(&mut self, from: &Path) -> Result<ImportReport> {
        if self.is_server() {
            return Err(Error::ServerUnsupported {
                server: self.path.to_string_lossy().into_owned(),
                what: "records import (to send a rescue file's sessions to the lab server, run \
                       `talkdown records sync FILE` with the server's URL)"
                    .into(),
            });
        }
        if pg_url(from).is_some() {
            return Err(Error::ServerUnsupported {
                server: super::pg::mask_url(&from.to_string_lossy()),
                what: "importing from a server (use `records export --format json`)".into(),
            });
        }
        let src = Store::open_read_only(from)?;
        quick_check(src.sqlite(), from)?;
        let src_version = src.schema_version()?;
        drop(src);
        if self.path.canonicalize().ok() == from.canonicalize().ok() {
            return Err(Error::ImportSelf { path: from.to_path_buf() });
        }
        let path = self.path.clone();
        let c = |e| classify(&path, e);
        let uri = super::files::sqlite_uri(from, "mode=ro");
        self.sqlite().execute("ATTACH DATABASE ?1 AS src", [uri]).map_err(|e| classify(from, e))?;
        let result = (|| -> rusqlite::Result<ImportReport> {
            let tx = self.sqlite_mut().transaction()?;
            // A file from before timing accommodations were recorded: its runs had the standard time.
            let timing = if src_version >= 3 { "timing" } else { "'standard'" };
            // ... and from before rewinds: every run was a first attempt.
            let fork = if src_version >= 4 { "parent_uuid, fork_step" } else { "NULL, NULL" };
            // ... and from before class names: none.
            let class = if src_version >= 6 { "class" } else { "NULL" };
            // A file from before readings and reflections were kept: none.
            let reasoning = if src_version >= 5 {
                "d.label, d.read_question, d.read_answer, d.read_right, d.read_truth, d.reflection"
            } else {
                "NULL, NULL, NULL, NULL, NULL, NULL"
            };
            // A reflection given after the decision reached this file (it went to a rescue file).
            let reflections = if src_version >= 5 {
                "UPDATE main.decisions SET reflection =
                     (SELECT d.reflection FROM src.decisions d JOIN src.sessions s ON s.id = d.session_id
                      JOIN main.sessions m ON m.uuid = s.uuid
                      WHERE m.id = main.decisions.session_id AND d.step = main.decisions.step)
                 WHERE reflection IS NULL;"
            } else {
                ""
            };
            let before_sessions: i64 =
                tx.query_row("SELECT COUNT(*) FROM main.sessions", [], |r| r.get(0))?;
            let before_decisions: i64 =
                tx.query_row("SELECT COUNT(*) FROM main.decisions", [], |r| r.get(0))?;
            let in_file: i64 = tx.query_row("SELECT COUNT(*) FROM src.sessions", [], |r| r.get(0))?;
            tx.execute_batch(&format!(
                "INSERT INTO main.sessions (uuid, trainee, scenario, title, content_hash, version, scenario_path,
                     seed, mode, shuffle, start_from, dimensions, started_at, last_activity, finished_at,
                     abandon_reason, ending, ending_title, outcome, outcome_name, grade, total, total_best,
                     best_choices, transcript, verdict, verdict_summary, process_percent, timing, parent_uuid,
                     fork_step, class)
                 SELECT uuid, trainee, scenario, title, content_hash, version, scenario_path,
                     seed, mode, shuffle, start_from, dimensions, started_at, last_activity, finished_at,
                     abandon_reason, ending, ending_title, outcome, outcome_name, grade, total, total_best,
                     best_choices, transcript, verdict, verdict_summary, process_percent, {timing}, {fork}, {class}
                 FROM src.sessions ORDER BY started_at, id
                 ON CONFLICT (uuid) DO NOTHING;
                 INSERT OR IGNORE INTO main.decisions (session_id, step, beat, choice, text, timed_out,
                     response_ms, scores, total, critical, best_available, techniques, offered, meters, flags,
                     chance, led_to, recorded_at, reaction, score_variant, label, read_question, read_answer,
                     read_right, read_truth, reflection)
                 SELECT m.id, d.step, d.beat, d.choice, d.text, d.timed_out, d.response_ms, d.scores, d.total,
                     d.critical, d.best_available, d.techniques, d.offered, d.meters, d.flags, d.chance, d.led_to,
                     d.recorded_at, d.reaction, d.score_variant, {reasoning}
                 FROM src.decisions d JOIN src.sessions s ON s.id = d.session_id
                     JOIN main.sessions m ON m.uuid = s.uuid;
                 -- A session finished in the other file but not here: take its ending.
                 UPDATE main.sessions SET (finished_at, ending, ending_title, outcome, outcome_name, grade, total,
                         total_best, best_choices, transcript, abandon_reason, verdict, verdict_summary,
                         process_percent) =
                     (SELECT s.finished_at, s.ending, s.ending_title, s.outcome, s.outcome_name, s.grade, s.total,
                         s.total_best, s.best_choices, s.transcript, NULL, s.verdict, s.verdict_summary,
                         s.process_percent
                      FROM src.sessions s WHERE s.uuid = main.sessions.uuid)
                 WHERE finished_at IS NULL
                     AND uuid IN (SELECT uuid FROM src.sessions WHERE finished_at IS NOT NULL);
                 UPDATE main.sessions SET abandon_reason =
                     (SELECT s.abandon_reason FROM src.sessions s WHERE s.uuid = main.sessions.uuid)
                 WHERE finished_at IS NULL AND abandon_reason IS NULL
                     AND uuid IN (SELECT uuid FROM src.sessions WHERE abandon_reason IS NOT NULL);
                 UPDATE main.sessions SET last_activity =
                     (SELECT MAX(s.last_activity, main.sessions.last_activity) FROM src.sessions s
                      WHERE s.uuid = main.sessions.uuid)
                 WHERE uuid IN (SELECT uuid FROM src.sessions);
                 INSERT OR IGNORE INTO main.session_scores (session_id, ord, dimension, name, score, best)
                 SELECT m.id, x.ord, x.dimension, x.name, x.score, x.best
                 FROM src.session_scores x JOIN src.sessions s ON s.id = x.session_id
                     JOIN main.sessions m ON m.uuid = s.uuid;
                 UPDATE main.decisions SET best_available =
                     (SELECT d.best_available FROM src.decisions d JOIN src.sessions s ON s.id = d.session_id
                      JOIN main.sessions m ON m.uuid = s.uuid
                      WHERE m.id = main.decisions.session_id AND d.step = main.decisions.step)
                 WHERE best_available IS NULL;
                 {reflections}"
            ))?;
            let after_sessions: i64 = tx.query_row("SELECT COUNT(*) FROM main.sessions", [], |r| r.get(0))?;
            let after_decisions: i64 =
                tx.query_row("SELECT COUNT(*) FROM main.decisions", [], |r| r.get(0))?;
            tx.commit()?;
            Ok(ImportReport {
                sessions_in_file: in_file as usize,
                sessions_added: (after_sessions - before_sessions) as usize,
                decisions_added: (after_decisions - before_decisions) as usize,
            })
        })();
        let detached = self.sqlite().execute_batch("DETACH DATABASE src");
        let report = result.map_err(c)?;
        detached.map_err(c)?;
        Ok(report)
    }

    /// Every session of this file as the writes that would record it again
    /// elsewhere (start, decisions, ending or why it stopped), oldest first:
    /// how a rescue file's sessions go into the station's outbox for a lab
    /// server (`talkdown records sync FILE`). Files only.
    pub fn deliveries(&self) -> Result<Vec<super::Delivery>> {
        use super::Delivery;
        if self.is_server() {
            return Err(Error::ServerUnsupported {
                server: self.path.to_string_lossy().into_owned(),
                what: "reading a session's writes back".into(),
            });
        }
        let e = |e| classify(&self.path, e);
        let conn = self.sqlite();
        let mut sessions = conn
            .prepare(
                "SELECT id, uuid, trainee, scenario, title, content_hash, version, scenario_path, seed, mode,
                        shuffle, start_from, dimensions, started_at, timing, parent_uuid, fork_step,
                        finished_at, abandon_reason, ending, ending_title, outcome, outcome_name, grade, total,
                        total_best, best_choices, transcript, verdict, verdict_summary, process_percent, class
                 FROM sessions ORDER BY started_at, id",
            )
            .map_err(e)?;
        type Row = (i64, SessionStart, Option<SessionEnd>, Option<String>);
        let rows: Vec<Row> = sessions
            .query_map([], |r| {
                let start = SessionStart {
                    uuid: r.get(1)?,
                    trainee: r.get(2)?,
                    scenario: r.get(3)?,
                    title: r.get(4)?,
                    content_hash: r.get(5)?,
                    version: r.get(6)?,
                    scenario_path: r.get(7)?,
                    seed: r.get::<_, i64>(8)? as u64,
                    mode: r.get(9)?,
                    shuffle: r.get(10)?,
                    start_from: r.get(11)?,
                    dimensions: r.get(12)?,
                    started_at: r.get(13)?,
                    timing: r.get::<_, String>(14)?.parse().unwrap_or_default(),
                    fork: match (r.get::<_, Option<String>>(15)?, r.get::<_, Option<i64>>(16)?) {
                        (Some(parent), Some(step)) => Some(ForkLink { parent, step: step.max(0) as u32 }),
                        _ => None,
                    },
                    class: r.get(31)?,
                };
                let end = match r.get::<_, Option<String>>(17)? {
                    Some(finished_at) => Some(SessionEnd {
                        finished_at,
                        ending: r.get(19)?,
                        ending_title: r.get(20)?,
                        outcome: r.get(21)?,
                        outcome_name: r.get(22)?,
                        grade: r.get(23)?,
                        total: r.get::<_, Option<i32>>(24)?.unwrap_or(0),
                        total_best: r.get::<_, Option<i32>>(25)?.unwrap_or(0),
                        best_choices: r.get::<_, Option<i64>>(26)?.unwrap_or(0).max(0) as u32,
                        transcript: r.get::<_, Option<String>>(27)?.unwrap_or_default(),
                        dimensions: Vec::new(),
                        judged: Vec::new(),
                        verdict: r.get::<_, Option<String>>(28)?.unwrap_or_default(),
                        verdict_summary: r.get::<_, Option<String>>(29)?.unwrap_or_default(),
                        process_percent: r.get::<_, Option<i64>>(30)?.map(|v| v.clamp(0, 100) as u32),
                    }),
                    None => None,
                };
                Ok((r.get(0)?, start, end, r.get(18)?))
            })
            .map_err(e)?
            .collect::<rusqlite::Result<_>>()
            .map_err(e)?;
        let mut decisions = conn
            .prepare(
                "SELECT step, beat, choice, text, timed_out, response_ms, scores, total, critical, techniques,
                        offered, meters, flags, chance, led_to, recorded_at, reaction, score_variant, label,
                        read_question, read_answer, read_right, read_truth, reflection, best_available
                 FROM decisions WHERE session_id = ?1 ORDER BY step",
            )
            .map_err(e)?;
        let mut scores = conn
            .prepare(
                "SELECT dimension, name, score, best FROM session_scores WHERE session_id = ?1 ORDER BY ord",
            )
            .map_err(e)?;
        let mut out = Vec::new();
        for (id, start, end, abandon_reason) in rows {
            let uuid = start.uuid.clone();
            let mut judged = Vec::new();
            let rows: Vec<DecisionRow> = decisions
                .query_map([id], |r| {
                    if let Some(best) = r.get::<_, Option<bool>>(24)? {
                        judged.push((r.get::<_, i64>(0)? as u32, best));
                    }
                    Ok(DecisionRow {
                        step: r.get::<_, i64>(0)? as u32,
                        beat: r.get(1)?,
                        choice: r.get(2)?,
                        text: r.get(3)?,
                        timed_out: r.get(4)?,
                        response_ms: r.get::<_, Option<i64>>(5)?.map(|v| v.max(0) as u64),
                        scores: r.get(6)?,
                        total: r.get(7)?,
                        critical: r.get(8)?,
                        techniques: r.get(9)?,
                        offered: r.get(10)?,
                        meters: r.get(11)?,
                        flags: r.get(12)?,
                        chance: r.get::<_, Option<i64>>(13)?.map(|v| v as u16),
                        led_to: r.get(14)?,
                        recorded_at: r.get(15)?,
                        reaction: r.get::<_, Option<String>>(16)?.unwrap_or_else(|| "[]".into()),
                        score_variant: r.get::<_, Option<i64>>(17)?.map(|v| v as u32),
                        label: r.get::<_, Option<String>>(18)?.unwrap_or_default(),
                        reading: match (r.get::<_, Option<String>>(19)?, r.get::<_, Option<String>>(20)?) {
                            (Some(question), Some(said)) => Some(crate::engine::Reading {
                                question,
                                answer: 0,
                                said,
                                right: r.get::<_, Option<bool>>(21)?.unwrap_or(false),
                                truth: from_json(&r.get::<_, Option<String>>(22)?.unwrap_or_default()),
                            }),
                            _ => None,
                        },
                        reflection: r.get(23)?,
                    })
                })
                .map_err(e)?
                .collect::<rusqlite::Result<_>>()
                .map_err(e)?;
            out.push(Delivery::Start(start));
            if !rows.is_empty() {
                out.push(Delivery::Decisions { session: uuid.clone(), rows });
            }
            match end {
                Some(mut end) => {
                    end.dimensions = scores
                        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                        .map_err(e)?
                        .collect::<rusqlite::Result<_>>()
                        .map_err(e)?;
                    end.judged = judged;
                    out.push(Delivery::Finish { session: uuid, end });
                }
                None => {
                    if let Some(reason) = abandon_reason {
                        out.push(Delivery::Abandon { session: uuid, reason });
                    }
                }
            }
        }
        Ok(out)
    }

    /// Sessions matching the filter, newest first, with their scores.
    pub fn sessions(&self, filter: &Filter) -> Result<Vec<SessionSummary>> {
        self.query_sessions(filter, false)
    }

    /// A trainee's sessions, oldest first: the history screen and score trends.
    pub fn history(&self, trainee: &str) -> Result<Vec<SessionSummary>> {
        self.query_sessions(&Filter { trainee: Some(trainee.to_string()), ..Filter::default() }, true)
    }

    /// The distinct trainee names, sorted.
    pub fn trainees(&self) -> Result<Vec<String>> {
        if let Backend::Pg(p) = &self.backend {
            return p.trainees();
        }
        let mut st = self
            .sqlite()
            .prepare("SELECT DISTINCT trainee FROM sessions ORDER BY trainee")
            .map_err(|e| self.err(e))?;
        let rows = st.query_map([], |r| r.get(0)).map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<String>>>().map_err(|e| self.err(e))
    }

    /// One session with its decisions.
    pub fn session(&self, id: SessionId) -> Result<SessionRecord> {
        let mut v = match &self.backend {
            Backend::Pg(p) => p.load_sessions(
                "WHERE s.id = CAST(CAST(?1 AS TEXT) AS BIGINT)",
                &[id.0.to_string()],
                "",
                true,
            )?,
            Backend::Sqlite(_) => self.load_sessions("WHERE s.id = ?1", &[&id.0], "", true)?,
        };
        match v.pop() {
            Some(s) => Ok(s),
            None => Err(Error::NoSuchSession { path: self.path.clone(), id: id.0 }),
        }
    }

    /// Sessions with their decisions (exports), oldest first.
    pub fn session_records(&self, filter: &Filter) -> Result<Vec<SessionRecord>> {
        let (w, args) = where_clause(filter);
        if let Backend::Pg(p) = &self.backend {
            return p.load_sessions(&w, &args, &limit_clause(filter), true);
        }
        let refs: Vec<&dyn rusqlite::ToSql> = args.iter().map(|a| a as &dyn rusqlite::ToSql).collect();
        self.load_sessions(&w, &refs, &limit_clause(filter), true)
    }

    fn query_sessions(&self, filter: &Filter, oldest_first: bool) -> Result<Vec<SessionSummary>> {
        let (w, args) = where_clause(filter);
        let mut v = match &self.backend {
            Backend::Pg(p) => p.load_sessions(&w, &args, &limit_clause(filter), false)?,
            Backend::Sqlite(_) => {
                let refs: Vec<&dyn rusqlite::ToSql> =
                    args.iter().map(|a| a as &dyn rusqlite::ToSql).collect();
                self.load_sessions(&w, &refs, &limit_clause(filter), false)?
            }
        };
        if !oldest_first {
            v.reverse();
        }
        Ok(v.into_iter().map(|r| r.summary).collect())
    }

    fn load_sessions(
        &self,
        where_sql: &str,
        args: &[&dyn rusqlite::ToSql],
        limit_sql: &str,
        with_decisions: bool,
    ) -> Result<Vec<SessionRecord>> {
        let e = |e| classify(&self.path, e);
        // The newest N when limited, returned oldest first.
        let order = if limit_sql.is_empty() { "ASC" } else { "DESC" };
        let sql = format!(
            "SELECT s.id, s.uuid, s.trainee, s.scenario, s.title, s.content_hash, s.version, s.scenario_path,
                    s.seed, s.mode, s.shuffle, s.start_from, s.started_at, s.last_activity, s.finished_at,
                    s.abandon_reason, s.ending, s.ending_title, s.outcome, s.outcome_name, s.grade, s.total,
                    s.total_best, s.best_choices, s.transcript,
                    (SELECT COUNT(*) FROM decisions d WHERE d.session_id = s.id),
                    (SELECT COUNT(*) FROM decisions d WHERE d.session_id = s.id AND d.critical),
                    s.verdict, s.verdict_summary, s.process_percent, s.timing, s.parent_uuid, s.fork_step,
                    (SELECT p.id FROM sessions p WHERE p.uuid = s.parent_uuid), s.class
             FROM sessions s {where_sql} ORDER BY s.started_at {order}, s.id {order} {limit_sql}"
        );
        let mut st = self.sqlite().prepare(&sql).map_err(e)?;
        let rows = st
            .query_map(args, |r| {
                let total: Option<i32> = r.get(21)?;
                let best: Option<i32> = r.get(22)?;
                let finished: Option<String> = r.get(14)?;
                let start_from: Option<String> = r.get(11)?;
                Ok(SessionRecord {
                    summary: SessionSummary {
                        id: SessionId(r.get(0)?),
                        uuid: r.get(1)?,
                        trainee: r.get(2)?,
                        scenario: r.get(3)?,
                        title: r.get(4)?,
                        content_hash: r.get(5)?,
                        version: r.get(6)?,
                        scenario_path: r.get(7)?,
                        seed: r.get::<_, i64>(8)? as u64,
                        mode: r.get::<_, String>(9)?.parse().unwrap_or(Mode::Training),
                        shuffle: r.get(10)?,
                        started_at: parse_time(&r.get::<_, String>(12)?),
                        last_activity: parse_time(&r.get::<_, String>(13)?),
                        status: if finished.is_some() { Status::Finished } else { Status::Abandoned },
                        finished_at: finished.as_deref().map(parse_time),
                        abandon_reason: r.get(15)?,
                        ending: r.get(16)?,
                        ending_title: r.get(17)?,
                        outcome: r.get(18)?,
                        outcome_name: r.get(19)?,
                        grade: r.get::<_, Option<String>>(20)?.as_deref().and_then(super::edge::parse_grade),
                        total,
                        total_best: best,
                        total_percent: match (total, best) {
                            (Some(t), Some(b)) => percent(t, b),
                            _ => None,
                        },
                        best_choices: r.get::<_, Option<i64>>(23)?.map(|v| v as u32),
                        decisions: r.get::<_, i64>(25)? as u32,
                        critical_errors: r.get::<_, i64>(26)? as u32,
                        scores: Vec::new(),
                        verdict: r
                            .get::<_, Option<String>>(27)?
                            .as_deref()
                            .and_then(super::edge::parse_verdict),
                        verdict_summary: r.get(28)?,
                        process_percent: r.get::<_, Option<i64>>(29)?.map(|v| v.clamp(0, 100) as u32),
                        // An unknown word (a newer Talkdown's) reads as standard rather than failing the read.
                        timing: r.get::<_, String>(30)?.parse().unwrap_or_default(),
                        rewound_from: match (r.get::<_, Option<String>>(31)?, r.get::<_, Option<i64>>(32)?) {
                            (Some(uuid), Some(step)) => Some(super::RewoundFrom {
                                uuid,
                                session: r.get::<_, Option<i64>>(33)?.map(SessionId),
                                step: step.clamp(0, i64::from(u32::MAX)) as u32,
                            }),
                            _ => None,
                        },
                        class: r.get(34)?,
                    },
                    start_from: start_from.and_then(|s| serde_json::from_str(&s).ok()),
                    transcript: r.get(24)?,
                    decisions: Vec::new(),
                })
            })
            .map_err(e)?;
        let mut out: Vec<SessionRecord> = rows.collect::<rusqlite::Result<_>>().map_err(e)?;
        if !limit_sql.is_empty() {
            out.reverse();
        }
        let mut scores = self
            .sqlite()
            .prepare_cached(
                "SELECT dimension, name, score, best FROM session_scores WHERE session_id = ?1 ORDER BY ord",
            )
            .map_err(e)?;
        for s in &mut out {
            if s.summary.status == Status::Finished {
                s.summary.scores = scores
                    .query_map([s.summary.id.0], |r| {
                        let (score, best) = (r.get(2)?, r.get(3)?);
                        Ok(DimensionResult {
                            id: r.get(0)?,
                            name: r.get(1)?,
                            score,
                            best,
                            percent: percent(score, best),
                        })
                    })
                    .map_err(e)?
                    .collect::<rusqlite::Result<_>>()
                    .map_err(e)?;
            }
        }
        if with_decisions {
            for s in &mut out {
                s.decisions = self.decisions(s.summary.id)?;
            }
        }
        Ok(out)
    }

    /// The decisions recorded for a session, in order.
    pub fn decisions(&self, id: SessionId) -> Result<Vec<DecisionRecord>> {
        if let Backend::Pg(p) = &self.backend {
            return p.decisions(id);
        }
        let e = |e| classify(&self.path, e);
        let mut st = self
            .sqlite()
            .prepare_cached(
                "SELECT step, beat, choice, text, timed_out, response_ms, scores, total, critical, best_available,
                        techniques, offered, meters, flags, chance, led_to, recorded_at, label,
                        read_question, read_answer, read_right, read_truth, reflection
                 FROM decisions WHERE session_id = ?1 ORDER BY step",
            )
            .map_err(e)?;
        let rows = st
            .query_map([id.0], |r| {
                Ok(DecisionRecord {
                    step: r.get::<_, i64>(0)? as u32,
                    beat: r.get(1)?,
                    choice: r.get(2)?,
                    text: r.get(3)?,
                    timed_out: r.get(4)?,
                    response_ms: r.get::<_, Option<i64>>(5)?.map(|v| v as u64),
                    scores: from_json(&r.get::<_, String>(6)?),
                    total: r.get(7)?,
                    critical: r.get(8)?,
                    best_available: r.get(9)?,
                    techniques: from_json(&r.get::<_, String>(10)?),
                    offered: from_json(&r.get::<_, String>(11)?),
                    meters: from_json(&r.get::<_, String>(12)?),
                    flags: from_json(&r.get::<_, String>(13)?),
                    chance: r.get::<_, Option<i64>>(14)?.map(|v| v as u16),
                    led_to: r.get(15)?,
                    recorded_at: parse_time(&r.get::<_, String>(16)?),
                    label: r.get(17)?,
                    reading: match (r.get::<_, Option<String>>(18)?, r.get::<_, Option<String>>(19)?) {
                        (Some(question), Some(said)) => Some(super::RecordedReading {
                            question,
                            said,
                            right: r.get::<_, Option<bool>>(20)?.unwrap_or(false),
                            truth: from_json(&r.get::<_, Option<String>>(21)?.unwrap_or_default()),
                        }),
                        _ => None,
                    },
                    reflection: r.get(22)?,
                })
            })
            .map_err(e)?;
        rows.collect::<rusqlite::Result<_>>().map_err(e)
    }

    /// The class report for one scenario (see [`super::report`]).
    /// The class report over sessions started in `[since, until)` (either open).
    pub fn class_report(
        &self,
        scenario: &str,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
    ) -> Result<super::ClassReport> {
        self.class_report_with(scenario, since, until, None, Err("not given"))
    }

    /// As [`Store::class_report`], over one class's sessions only (`None`: every class).
    pub fn class_report_for(
        &self,
        scenario: &str,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        class: Option<&str>,
    ) -> Result<super::ClassReport> {
        self.class_report_with(scenario, since, until, class, Err("not given"))
    }

    /// Delete the sessions started before `before`, with their decisions and
    /// scores (and on the server their judgements and notes), in one
    /// transaction; how many sessions were removed. On the server this needs
    /// the owner's role: stations and instructors cannot delete.
    pub fn purge(&mut self, before: DateTime<Utc>) -> Result<usize> {
        let before = fmt_time(&before);
        if let Backend::Pg(p) = &mut self.backend {
            return p.purge(&before);
        }
        let path = self.path.clone();
        let c = |e| classify(&path, e);
        let tx = self.sqlite_mut().transaction().map_err(c)?;
        // Foreign keys cascade to decisions and scores.
        let n = tx.execute("DELETE FROM sessions WHERE started_at < ?1", [&before]).map_err(c)?;
        tx.commit().map_err(c)?;
        Ok(n)
    }

    /// The rows of a read-only query, on either backend: `?N` placeholders,
    /// text arguments, booleans read as 0/1 (the class report).
    pub(crate) fn rows(&self, sql: &str, args: &[String]) -> Result<Vec<Vec<super::report::Val>>> {
        use super::report::Val;
        let conn = match &self.backend {
            Backend::Pg(p) => return p.rows(sql, args),
            Backend::Sqlite(c) => c,
        };
        let e = |e| classify(&self.path, e);
        let mut st = conn.prepare(sql).map_err(e)?;
        let n = st.column_count();
        let refs: Vec<&dyn rusqlite::ToSql> = args.iter().map(|a| a as &dyn rusqlite::ToSql).collect();
        let rows = st
            .query_map(refs.as_slice(), |r| {
                (0..n)
                    .map(|i| {
                        Ok(match r.get_ref(i)? {
                            rusqlite::types::ValueRef::Null => Val::Null,
                            rusqlite::types::ValueRef::Integer(v) => Val::Int(v),
                            rusqlite::types::ValueRef::Real(v) => Val::Real(v),
                            rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                                Val::Text(String::from_utf8_lossy(t).into_owned())
                            }
                        })
                    })
                    .collect::<rusqlite::Result<Vec<Val>>>()
            })
            .map_err(e)?;
        rows.collect::<rusqlite::Result<_>>().map_err(e)
    }

    /// The decisions, each with its `best_available` judgement, as a table
    /// expression for the class report's SQL.
    pub(crate) fn judged_decisions(&self) -> &'static str {
        match self.backend {
            Backend::Pg(_) => super::pg::JUDGED_DECISIONS,
            Backend::Sqlite(_) => "decisions",
        }
    }

    #[cfg(test)]
    pub(crate) fn conn(&self) -> &Connection {
        self.sqlite()
    }

    #[cfg(test)]
    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        self.sqlite_mut()
    }
}

/// How many decisions a session has stored; `None` when there is no such session.
fn stored_steps(tx: &rusqlite::Transaction<'_>, id: SessionId) -> rusqlite::Result<Option<usize>> {
    let exists: Option<i64> =
        tx.query_row("SELECT id FROM sessions WHERE id = ?1", [id.0], |r| r.get(0)).optional()?;
    if exists.is_none() {
        return Ok(None);
    }
    tx.query_row("SELECT COALESCE(MAX(step), 0) FROM decisions WHERE session_id = ?1", [id.0], |r| {
        r.get::<_, i64>(0)
    })
    .map(|n| Some(n as usize))
}

fn session_by_uuid(tx: &rusqlite::Transaction<'_>, uuid: &str) -> rusqlite::Result<Option<i64>> {
    tx.query_row("SELECT id FROM sessions WHERE uuid = ?1", [uuid], |r| r.get(0)).optional()
}

/// A session's start as stored: owned, so it can wait in the outbox and be
/// delivered (or rescued) after the playthrough has moved on. Its `uuid` is
/// generated here, on the station, and identifies the session everywhere.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SessionStart {
    pub uuid: String,
    pub trainee: String,
    pub scenario: String,
    pub title: String,
    pub content_hash: String,
    pub version: String,
    pub scenario_path: Option<String>,
    pub seed: u64,
    /// `training` or `assessment`.
    pub mode: String,
    pub shuffle: bool,
    /// JSON `[beat, state]` for an author's start.
    pub start_from: Option<String>,
    /// JSON `[[id, name], ...]` in rubric order.
    pub dimensions: String,
    pub started_at: String,
    /// The run's timing accommodation.
    pub timing: Timing,
    /// Set when the run was rewound from a recorded session.
    pub fork: Option<ForkLink>,
    /// The class (cohort) the run belongs to (`--class` / `TALKDOWN_CLASS`);
    /// on a lab server, `None` takes the class the instructor set for the room.
    pub class: Option<String>,
}

/// Where a rewound run came from: the original session's UUID and the
/// decision (1-based) the trainee chose again.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ForkLink {
    pub parent: String,
    pub step: u32,
}

impl SessionStart {
    pub fn new(play: &Playthrough, trainee: &str, scenario_path: Option<&Path>) -> SessionStart {
        let s = play.scenario();
        let opts = &play.run().options;
        let dims: Vec<(&str, &str)> =
            s.rubric.dimensions.iter().map(|d| (d.id.as_str(), d.name.as_str())).collect();
        let path = scenario_path.map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()));
        SessionStart {
            uuid: random_uuid(),
            trainee: trainee.to_string(),
            scenario: s.id().to_string(),
            title: s.title().to_string(),
            content_hash: s.content_hash.clone(),
            version: s.file.about.version.clone(),
            scenario_path: path.as_ref().map(|p| p.to_string_lossy().into_owned()),
            seed: opts.seed,
            mode: opts.mode.label().to_string(),
            shuffle: opts.shuffle,
            start_from: opts.from.as_ref().map(json),
            dimensions: json(&dims),
            started_at: now(),
            timing: opts.timing,
            fork: None,
            class: None,
        }
    }
}

/// One decision as stored (see the `decisions` table).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DecisionRow {
    /// 1-based.
    pub step: u32,
    pub beat: String,
    pub choice: String,
    pub text: String,
    pub timed_out: bool,
    pub response_ms: Option<u64>,
    pub scores: String,
    pub total: i32,
    pub critical: bool,
    pub techniques: String,
    pub offered: String,
    pub meters: String,
    pub flags: String,
    pub chance: Option<u16>,
    pub led_to: String,
    /// When the decision was made (not when it reached the file).
    pub recorded_at: String,
    /// What the trainee saw happen: JSON `[[speaker or null, text], ...]`.
    pub reaction: String,
    /// The index of the score variant that applied, if any.
    pub score_variant: Option<u32>,
    /// The decision point in words: the beat's label, or its first line.
    pub label: String,
    /// The read-the-subject answer, judged, if one was given.
    pub reading: Option<crate::engine::Reading>,
    /// The trainee's reflection, if given.
    pub reflection: Option<String>,
}

impl DecisionRow {
    /// The decisions of `play` from index `from` on.
    pub fn from_play(play: &Playthrough, from: usize) -> Vec<DecisionRow> {
        let s = play.scenario();
        let t = now();
        play.decisions()
            .iter()
            .enumerate()
            .skip(from)
            .map(|(i, d)| {
                let scores: Vec<(&str, i32)> =
                    s.rubric.dimensions.iter().zip(&d.scores).map(|(dim, v)| (dim.id.as_str(), *v)).collect();
                let techniques: Vec<&str> = s
                    .act(d.beat_index, d.act)
                    .map(|a| {
                        a.techniques.iter().map(|&t| s.rubric.techniques[t as usize].id.as_str()).collect()
                    })
                    .unwrap_or_default();
                let offered: Vec<&str> = d.offered.iter().map(|&a| s.act_id(d.beat_index, a)).collect();
                let meters: Vec<(&str, i32)> =
                    d.state_after.meters.iter().enumerate().map(|(m, v)| (s.meter_id(m), *v)).collect();
                DecisionRow {
                    step: (i + 1) as u32,
                    beat: d.beat.clone(),
                    choice: d.choice.clone(),
                    text: d.text.clone(),
                    timed_out: d.act == Act::Timeout,
                    response_ms: d.response_ms,
                    scores: json(&scores),
                    total: d.scores.iter().fold(0i32, |a, v| a.saturating_add(*v)),
                    critical: d.critical,
                    techniques: json(&techniques),
                    offered: json(&offered),
                    meters: json(&meters),
                    flags: json(&d.state_after.flag_ids(s)),
                    chance: d.chance,
                    led_to: s.node_id(d.led_to).to_string(),
                    recorded_at: t.clone(),
                    reaction: json(
                        &d.reaction
                            .iter()
                            .map(|l| (l.speaker.as_deref(), l.text.as_str()))
                            .collect::<Vec<_>>(),
                    ),
                    score_variant: d.score_variant.map(u32::from),
                    label: s.beat_name(d.beat_index),
                    reading: d.reading.clone(),
                    reflection: d.reflection.clone(),
                }
            })
            .collect()
    }
}

/// How a session ended, as stored: outcome, scores and the debrief's judgement.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SessionEnd {
    pub finished_at: String,
    pub ending: Option<String>,
    pub ending_title: Option<String>,
    pub outcome: Option<String>,
    pub outcome_name: Option<String>,
    pub grade: Option<String>,
    pub total: i32,
    pub total_best: i32,
    pub best_choices: u32,
    pub transcript: String,
    /// `(id, name, score, best)` per rubric dimension, in rubric order.
    pub dimensions: Vec<(String, String, i32, i32)>,
    /// `(step, best_available)` per judged decision.
    pub judged: Vec<(u32, bool)>,
    /// `meets_standard` or `not_yet`, by the rubric's policy.
    pub verdict: String,
    /// The debrief's sentence for the verdict, with its reasons.
    pub verdict_summary: String,
    /// The process score as shown (after the critical-error cap).
    pub process_percent: Option<u32>,
}

impl SessionEnd {
    pub fn new(play: &Playthrough, debrief: &Debrief) -> SessionEnd {
        let e = debrief.ending.as_ref();
        SessionEnd {
            finished_at: now(),
            ending: e.map(|e| e.id.clone()),
            ending_title: e.map(|e| e.title.clone()),
            outcome: e.map(|e| e.outcome.clone()),
            outcome_name: e.map(|e| e.outcome_name.clone()),
            grade: e.map(|e| super::edge::grade_label(e.grade).to_string()),
            total: debrief.total.score,
            total_best: debrief.total.best,
            best_choices: debrief.best_choices as u32,
            transcript: play.render_transcript(),
            dimensions: debrief
                .dimensions
                .iter()
                .map(|d| (d.id.clone(), d.name.clone(), d.score, d.best))
                .collect(),
            judged: debrief.decisions.iter().map(|d| (d.step as u32, d.best_available)).collect(),
            verdict: super::edge::verdict_id(debrief.standard.standard).to_string(),
            verdict_summary: debrief.standard.summary.clone(),
            process_percent: debrief.process.shown_percent,
        }
    }
}

/// Counts from [`Store::import`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportReport {
    pub sessions_in_file: usize,
    pub sessions_added: usize,
    pub decisions_added: usize,
}

fn insert_decision_rows(
    tx: &rusqlite::Transaction<'_>,
    id: i64,
    rows: &[DecisionRow],
) -> rusqlite::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut st = tx.prepare_cached(
        "INSERT INTO decisions (session_id, step, beat, choice, text, timed_out, response_ms, scores,
             total, critical, techniques, offered, meters, flags, chance, led_to, recorded_at, reaction,
             score_variant, label, read_question, read_answer, read_right, read_truth, reflection)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
             ?20, ?21, ?22, ?23, ?24, ?25)
         -- A step already stored is kept as it is; only a reflection given
         -- after it was stored is added (the first one given counts).
         ON CONFLICT (session_id, step) DO UPDATE SET reflection = excluded.reflection
             WHERE decisions.reflection IS NULL AND excluded.reflection IS NOT NULL",
    )?;
    let mut last = None;
    for d in rows {
        st.execute(params![
            id,
            i64::from(d.step),
            d.beat,
            d.choice,
            d.text,
            d.timed_out,
            d.response_ms.map(|v| v as i64),
            d.scores,
            d.total,
            d.critical,
            d.techniques,
            d.offered,
            d.meters,
            d.flags,
            d.chance.map(i64::from),
            d.led_to,
            d.recorded_at,
            d.reaction,
            d.score_variant.map(i64::from),
            d.label,
            d.reading.as_ref().map(|r| r.question.as_str()),
            d.reading.as_ref().map(|r| r.said.as_str()),
            d.reading.as_ref().map(|r| r.right),
            d.reading.as_ref().map(|r| json(&r.truth)),
            d.reflection,
        ])?;
        last = Some(&d.recorded_at);
    }
    if let Some(t) = last {
        tx.execute(
            "UPDATE sessions SET last_activity = MAX(last_activity, ?2) WHERE id = ?1",
            params![id, t],
        )?;
    }
    Ok(())
}

fn write_end(tx: &rusqlite::Transaction<'_>, id: i64, end: &SessionEnd) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE sessions SET finished_at = ?2, last_activity = ?2, ending = ?3, ending_title = ?4,
             outcome = ?5, outcome_name = ?6, grade = ?7, total = ?8, total_best = ?9,
             best_choices = ?10, transcript = ?11, abandon_reason = NULL,
             verdict = ?12, verdict_summary = ?13, process_percent = ?14
         WHERE id = ?1",
        params![
            id,
            end.finished_at,
            end.ending,
            end.ending_title,
            end.outcome,
            end.outcome_name,
            end.grade,
            end.total,
            end.total_best,
            i64::from(end.best_choices),
            end.transcript,
            end.verdict,
            end.verdict_summary,
            end.process_percent,
        ],
    )?;
    let mut ins = tx.prepare(
        "INSERT OR REPLACE INTO session_scores (session_id, ord, dimension, name, score, best)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (i, (dim, name, score, best)) in end.dimensions.iter().enumerate() {
        ins.execute(params![id, i as i64, dim, name, score, best])?;
    }
    let mut upd =
        tx.prepare("UPDATE decisions SET best_available = ?3 WHERE session_id = ?1 AND step = ?2")?;
    for (step, best) in &end.judged {
        upd.execute(params![id, i64::from(*step), best])?;
    }
    Ok(())
}

/// SQLite's quick check (every page read, structure checked; much faster than
/// the full integrity check). `Error::Corrupt` when anything is wrong.
pub(crate) fn quick_check(conn: &Connection, path: &Path) -> Result<()> {
    let msg: String =
        conn.query_row("PRAGMA quick_check(1)", [], |r| r.get(0)).map_err(|e| classify(path, e))?;
    if msg == "ok" { Ok(()) } else { Err(Error::Corrupt { path: path.to_path_buf(), detail: msg }) }
}

/// SQL for a filter, with its arguments (all text).
pub(crate) fn where_clause(f: &Filter) -> (String, Vec<String>) {
    let mut conds = Vec::new();
    let mut args = Vec::new();
    if let Some(t) = &f.trainee {
        args.push(t.clone());
        conds.push(format!("s.trainee = ?{}", args.len()));
    }
    if let Some(sc) = &f.scenario {
        args.push(sc.clone());
        conds.push(format!("s.scenario = ?{}", args.len()));
    }
    if let Some(c) = &f.class {
        args.push(c.clone());
        conds.push(format!("s.class = ?{}", args.len()));
    }
    if let Some(t) = &f.since {
        args.push(fmt_time(t));
        conds.push(format!("s.started_at >= ?{}", args.len()));
    }
    if let Some(t) = &f.until {
        args.push(fmt_time(t));
        conds.push(format!("s.started_at < ?{}", args.len()));
    }
    match f.status {
        Some(Status::Finished) => conds.push("s.finished_at IS NOT NULL".into()),
        Some(Status::Abandoned) => conds.push("s.finished_at IS NULL".into()),
        None => {}
    }
    let w = if conds.is_empty() { String::new() } else { format!("WHERE {}", conds.join(" AND ")) };
    (w, args)
}

fn limit_clause(f: &Filter) -> String {
    f.limit.map(|n| format!("LIMIT {n}")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::StartOptions;
    use crate::scenario::load::load_scenario;

    fn fixture() -> crate::scenario::Scenario {
        load_scenario(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/every_feature.ron")))
            .expect("fixture loads")
    }

    #[test]
    fn a_full_disk_gives_the_full_error_and_keeps_what_was_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.sqlite3");
        let mut store = Store::open(&path).unwrap();
        let s = fixture();
        let mut play = Playthrough::start(&s, StartOptions::new(1, Mode::Training)).unwrap();
        let id = store.start_session(&play, "ana").unwrap();
        play.choose_id("introduce", Some(10)).unwrap();
        store.record_decision(id, &play).unwrap();
        let pages: i64 = store.conn().query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap();
        store.conn_mut().execute_batch(&format!("PRAGMA max_page_count = {pages}")).unwrap();
        let big = "x".repeat(64 * 1024);
        let err = store.start_session(&play, &big).unwrap_err();
        assert!(matches!(err, Error::Full { .. }), "{err}");
        assert!(err.to_string().contains("free some space"), "{err}");
        assert_eq!(store.decisions(id).unwrap().len(), 1);
    }

    #[test]
    fn a_file_another_program_holds_locked_gives_the_locked_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.sqlite3");
        let s = fixture();
        let play = Playthrough::start(&s, StartOptions::new(1, Mode::Training)).unwrap();
        Store::open(&path).unwrap();
        let other = Connection::open(&path).unwrap();
        other.execute_batch("BEGIN EXCLUSIVE").unwrap();
        let opts = StoreOptions { busy_timeout: Duration::from_millis(50), ..StoreOptions::default() };
        let err =
            Store::open_with(&path, &opts).and_then(|mut st| st.start_session(&play, "ana").map(|_| ()));
        let err = err.unwrap_err();
        assert!(matches!(err, Error::Locked { .. }), "{err}");
        assert!(err.to_string().contains(&path.display().to_string()), "{err}");
        other.execute_batch("ROLLBACK").unwrap();
    }

    #[test]
    fn a_newer_schema_is_refused_not_downgraded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.sqlite3");
        Store::open(&path).unwrap();
        Connection::open(&path).unwrap().execute_batch("PRAGMA user_version = 99").unwrap();
        let err = Store::open(&path).unwrap_err();
        assert!(matches!(err, Error::TooNew { found: 99, .. }), "{err}");
    }
}
