//! The outbox: every write of a session goes through an in-order queue that
//! a background thread delivers to the records file, retrying until it
//! succeeds, so a trainee never waits on the disk and a lock held by another
//! program never drops an answer.
//!
//! Each [`Delivery`] is idempotent: sessions are keyed by the UUID generated
//! on the station when the run starts, decisions by (session UUID, step). A
//! retry, a duplicate or a rescue file imported later stores each thing once.
//!
//! When the destination cannot be used at all (damaged, read-only, from a
//! newer Talkdown), deliveries go to a rescue file beside it instead
//! ([`super::files::rescue_path`]); the damaged file is never written. When
//! [`Outbox::flush`] runs out of time, what is still queued is written to a
//! new rescue file too, so nothing is dropped: `talkdown records import`
//! merges a rescue file into a healthy store later.
//!
//! For the lab's PostgreSQL server (issue 13) the same queue is kept on the
//! station's disk: every write is first committed to the station's outbox
//! file ([`default_file`], a small SQLite file beside the station's own
//! records), then delivered in the background and removed from the file once
//! the server has it. Play never waits on the network; answers survive the
//! server going away, restarting, and the station being killed; the next
//! Talkdown run on the station (or `talkdown records sync`, [`sync`]) delivers
//! what is left. The keys make a write delivered twice (killed between the
//! server's commit and the file's) count once. Nothing for a server goes to a
//! rescue file unless the outbox file itself cannot be written.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rusqlite::{Connection, params};

use super::files::rescue_path;
use super::{DecisionRow, Error, Result, SessionEnd, SessionStart, Store, StoreOptions};

/// The outbox file's name in the station's data folder.
pub const OUTBOX_FILE: &str = "outbox.sqlite3";

/// What the station shows while the lab server cannot be reached.
pub const UNREACHABLE: &str = "lab server unreachable: answers are kept on this PC and sent when it returns";

/// How long delivery waits before trying again after a problem that will
/// not go away by itself (a wrong password, a schema to upgrade).
const SLOW_RETRY: Duration = Duration::from_secs(30);

/// How long dropping an outbox for a lab server waits for its delivery
/// thread to stop before leaving it (its writes are safe in the outbox file).
const EXIT_GRACE: Duration = Duration::from_millis(500);

/// The station's outbox file: `TALKDOWN_OUTBOX` when set, else
/// `outbox.sqlite3` in the data folder beside the default records file
/// (Linux `~/.local/share/talkdown/`).
pub fn default_file() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("TALKDOWN_OUTBOX").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    super::default_path().map(|p| p.with_file_name(OUTBOX_FILE))
}

/// One idempotent write.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "write", rename_all = "snake_case")]
pub enum Delivery {
    /// A session started (stored once per UUID).
    Start(SessionStart),
    /// Decisions of a session (stored once per step).
    Decisions { session: String, rows: Vec<DecisionRow> },
    /// The session reached an ending.
    Finish { session: String, end: SessionEnd },
    /// The session stopped without an ending, and why.
    Abandon { session: String, reason: String },
}

impl Delivery {
    /// The UUID of the session this is about.
    pub fn session(&self) -> &str {
        match self {
            Delivery::Start(s) => &s.uuid,
            Delivery::Decisions { session, .. }
            | Delivery::Finish { session, .. }
            | Delivery::Abandon { session, .. } => session,
        }
    }

    /// Write it into `store` (one transaction; doing it twice changes nothing).
    pub fn deliver(&self, store: &mut Store) -> Result<()> {
        match self {
            Delivery::Start(s) => store.put_session(s).map(|_| ()),
            Delivery::Decisions { session, rows } => store.put_decisions(session, rows),
            Delivery::Finish { session, end } => store.put_end(session, end),
            Delivery::Abandon { session, reason } => store.put_abandon(session, reason),
        }
    }
}

/// Timing of the background delivery.
#[derive(Debug, Clone)]
pub struct OutboxOptions {
    /// How long one attempt waits for a lock held by another program before
    /// the outbox tries again later (short, so a stop is noticed quickly).
    pub busy_timeout: Duration,
    /// The first pause between attempts; doubled after each failure up to `retry_max`.
    pub retry_min: Duration,
    pub retry_max: Duration,
    /// Where writes for a lab server are kept on the station until the
    /// server has them; `None`: [`default_file`].
    pub outbox_file: Option<PathBuf>,
}

impl Default for OutboxOptions {
    fn default() -> Self {
        OutboxOptions {
            busy_timeout: Duration::from_millis(500),
            retry_min: Duration::from_millis(50),
            retry_max: Duration::from_secs(1),
            outbox_file: None,
        }
    }
}

/// What became of the queued writes when [`Outbox::flush`] returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlushReport {
    /// Everything is in the destination (or there was nothing to write).
    Saved,
    /// The destination could not take them in time: `items` writes are in
    /// this new rescue file (with the start of each session they belong to).
    Rescued { path: PathBuf, items: usize, reason: String },
    /// Not even a rescue file could be written (`items` writes lost).
    Failed { items: usize, error: String },
    /// The lab server did not take them in time: `items` writes are kept
    /// on this PC in the outbox file `path` and sent when it can be reached
    /// (by the next run, or `talkdown records sync`).
    Kept { path: PathBuf, items: usize, reason: String },
}

impl FlushReport {
    /// A sentence for the trainee or instructor, `None` when all is saved.
    pub fn message(&self, records: &Path) -> Option<String> {
        // A lab server's URL may hold its password: never in a message.
        let shown;
        let records = if super::pg::is_url(records) {
            shown = PathBuf::from(super::pg::mask_url(&records.to_string_lossy()));
            shown.as_path()
        } else {
            records
        };
        match self {
            FlushReport::Saved => None,
            FlushReport::Rescued { path, reason, .. } => Some(format!(
                "the last answers could not be saved in {} ({reason}); they are kept in {} instead: \
                 run `talkdown records import {}` once the records file is usable again",
                records.display(),
                path.display(),
                path.display()
            )),
            FlushReport::Failed { items, error } => Some(format!(
                "{items} answers could not be saved in {} nor in a rescue file: {error}",
                records.display()
            )),
            FlushReport::Kept { path, items, reason } => Some(if reason == UNREACHABLE {
                format!(
                    "{UNREACHABLE} ({items} writes wait in {}; `talkdown records sync` sends them by hand)",
                    path.display()
                )
            } else {
                format!(
                    "{items} writes for {} are kept on this PC in {} ({reason}); they are sent when the lab \
                     server takes them again, or by `talkdown records sync`",
                    records.display(),
                    path.display()
                )
            }),
        }
    }
}

struct Queued {
    /// Order in this process's queue.
    seq: u64,
    item: Delivery,
    /// Its row in the outbox file, when it is kept there.
    row: Option<i64>,
}

/// The station's outbox file: writes for a lab server, in order, until the
/// server has them. A SQLite file of its own (WAL, each commit on the disk),
/// created readable by its owner only.
pub struct OutboxFile {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for OutboxFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxFile").field("path", &self.path).finish()
    }
}

/// The outbox file's schema version (SQLite's `user_version`).
const OUTBOX_SCHEMA: i64 = 1;

impl OutboxFile {
    /// Open (or create) the outbox file at `path`.
    pub fn open(path: &Path) -> Result<OutboxFile> {
        let c = |e| super::store::classify(path, e);
        if !path.exists() {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                super::files::create_private_dir_all(dir)
                    .map_err(|source| Error::CreateDir { path: path.to_path_buf(), source })?;
            }
            super::files::create_private_file(path)
                .map_err(|source| Error::Create { path: path.to_path_buf(), source })?;
        }
        let conn = Connection::open(path).map_err(c)?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(c)?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(c)?;
        if version > OUTBOX_SCHEMA {
            return Err(Error::TooNew {
                path: path.to_path_buf(),
                found: version as usize,
                known: OUTBOX_SCHEMA as usize,
            });
        }
        super::store::quick_check(&conn, path)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             CREATE TABLE IF NOT EXISTS outbox (
                 seq         INTEGER PRIMARY KEY AUTOINCREMENT,
                 destination TEXT NOT NULL,  -- the server (Store::identity: no password)
                 session     TEXT NOT NULL,  -- the session's UUID
                 delivery    TEXT NOT NULL,  -- the write, JSON
                 queued_at   TEXT NOT NULL   -- RFC 3339 UTC
             );
             CREATE INDEX IF NOT EXISTS outbox_by_destination ON outbox (destination, seq);
             PRAGMA user_version = 1;",
        )
        .map_err(c)?;
        Ok(OutboxFile { conn, path: path.to_path_buf() })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Keep a write for `destination` (committed before this returns); its row.
    pub fn add(&self, destination: &str, item: &Delivery) -> Result<i64> {
        let json = serde_json::to_string(item).map_err(|e| Error::Corrupt {
            path: self.path.clone(),
            detail: format!("a write could not be encoded: {e}"),
        })?;
        self.conn
            .execute(
                "INSERT INTO outbox (destination, session, delivery, queued_at) VALUES (?1, ?2, ?3, ?4)",
                params![destination, item.session(), json, super::store::fmt_time(&chrono::Utc::now())],
            )
            .map_err(|e| super::store::classify(&self.path, e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The server has it: forget it.
    pub fn remove(&self, row: i64) -> Result<()> {
        self.conn
            .execute("DELETE FROM outbox WHERE seq = ?1", [row])
            .map(|_| ())
            .map_err(|e| super::store::classify(&self.path, e))
    }

    /// The writes waiting for `destination`, oldest first, with their rows.
    /// A row this version cannot read (from a newer Talkdown) stays in the
    /// file and is counted in the second value.
    pub fn waiting(&self, destination: &str) -> Result<(Vec<(i64, Delivery)>, usize)> {
        let c = |e| super::store::classify(&self.path, e);
        let mut st = self
            .conn
            .prepare("SELECT seq, delivery FROM outbox WHERE destination = ?1 ORDER BY seq")
            .map_err(c)?;
        let rows: Vec<(i64, String)> = st
            .query_map([destination], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(c)?
            .collect::<rusqlite::Result<_>>()
            .map_err(c)?;
        let mut unreadable = 0;
        let mut out = Vec::with_capacity(rows.len());
        for (row, json) in rows {
            match serde_json::from_str(&json) {
                Ok(d) => out.push((row, d)),
                Err(_) => unreadable += 1,
            }
        }
        Ok((out, unreadable))
    }

    /// How many writes wait for each other destination than `destination`.
    pub fn elsewhere(&self, destination: &str) -> Result<Vec<(String, usize)>> {
        let c = |e| super::store::classify(&self.path, e);
        let mut st = self
            .conn
            .prepare(
                "SELECT destination, COUNT(*) FROM outbox WHERE destination <> ?1
                 GROUP BY destination ORDER BY destination",
            )
            .map_err(c)?;
        st.query_map([destination], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as usize)))
            .map_err(c)?
            .collect::<rusqlite::Result<_>>()
            .map_err(c)
    }
}

struct State {
    queue: VecDeque<Queued>,
    next_seq: u64,
    /// Each open session's start and decisions, so a rescue file holds
    /// whole sessions (an ending's judgement needs its decisions there too).
    starts: HashMap<String, SessionStart>,
    decided: HashMap<String, Vec<Delivery>>,
    /// Where deliveries go now: the records file, or a rescue file beside it.
    destination: PathBuf,
    /// The destination was switched to a rescue file (for good).
    rescuing: bool,
    /// Why the last attempt failed, while it keeps failing.
    problem: Option<String>,
    /// The lab server could not be reached at the last attempt.
    unreachable: bool,
    /// The last attempt failed in a way that needs someone to act (a wrong
    /// password, a schema to upgrade, not a PostgreSQL server).
    needs_someone: bool,
    notices: Vec<String>,
    closed: bool,
    /// For a lab server: the station's outbox file, and the server's identity there.
    kept: Option<(OutboxFile, String)>,
}

impl State {
    /// Keep `item` in the outbox file when there is one; its row.
    fn keep(&mut self, item: &Delivery) -> Option<i64> {
        let (file, destination) = self.kept.as_ref()?;
        match file.add(destination, item) {
            Ok(row) => Some(row),
            Err(e) => {
                if self.notices.is_empty() {
                    self.notices.push(format!(
                        "{e}: the answers wait in memory until the lab server takes them (a rescue file at exit)"
                    ));
                }
                None
            }
        }
    }
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic in the worker must not take the answers with it.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The queue and its delivery thread for one records file or lab server.
pub struct Outbox {
    shared: Arc<Shared>,
    records: PathBuf,
    /// The outbox file, for a lab server whose writes are kept on the station.
    kept_in: Option<PathBuf>,
    worker: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox").field("records", &self.records).field("pending", &self.pending()).finish()
    }
}

/// Problems that may go away by themselves: try again later.
fn transient(e: &Error) -> bool {
    matches!(
        e,
        Error::Locked { .. }
            | Error::Full { .. }
            | Error::Sqlite { .. }
            | Error::PgUnreachable { .. }
            | Error::Postgres { .. }
    )
}

/// The connection to a lab server is gone (or never came): connect afresh.
fn disconnected(e: &Error) -> bool {
    matches!(e, Error::PgUnreachable { .. } | Error::Postgres { .. })
}

impl Outbox {
    /// Start delivering to the records file (or lab server) at `records`.
    /// A file is opened (and checked) here; if it cannot be used at all,
    /// deliveries go to a rescue file beside it and a notice says so. A lab
    /// server is connected to in the background, and every write is kept in
    /// the station's outbox file first; writes left there by an earlier run
    /// are delivered first.
    pub fn open(records: &Path, options: OutboxOptions) -> Outbox {
        let store_options = StoreOptions { busy_timeout: options.busy_timeout, ..StoreOptions::default() };
        let mut notices = Vec::new();
        let server = super::pg::is_url(records);
        let mut kept = None;
        let mut queue = VecDeque::new();
        let (store, destination, rescuing) = if server {
            // Never here: connecting may take seconds, and play must not wait.
            match options.outbox_file.clone().or_else(default_file).ok_or(Error::NoDefaultLocation) {
                Ok(path) => match OutboxFile::open(&path) {
                    Ok(file) => {
                        let identity = super::identity(records);
                        match file.waiting(&identity) {
                            Ok((left, _)) => {
                                for (row, item) in left {
                                    let seq = queue.len() as u64;
                                    queue.push_back(Queued { seq, item, row: Some(row) });
                                }
                            }
                            Err(e) => {
                                notices.push(format!("{e}: writes kept from an earlier run wait there"))
                            }
                        }
                        kept = Some((file, identity));
                    }
                    Err(e) => notices.push(format!(
                        "{e}: answers for the lab server wait in memory instead of on this PC's disk"
                    )),
                },
                Err(e) => notices.push(format!(
                    "{e}: answers for the lab server wait in memory instead of on this PC's disk"
                )),
            }
            (None, records.to_path_buf(), false)
        } else {
            match Store::open_with(records, &store_options) {
                Ok(s) => (Some(s), records.to_path_buf(), false),
                Err(e) if transient(&e) => {
                    notices.push(format!("{e}; the answers are kept and saved as soon as it is free"));
                    (None, records.to_path_buf(), false)
                }
                Err(e) => {
                    let rescue = rescue_path(records);
                    notices.push(format!(
                        "{e}. This run is recorded in {} instead; `talkdown records import {}` merges it into a healthy records file",
                        rescue.display(),
                        rescue.display()
                    ));
                    (None, rescue, true)
                }
            }
        };
        let kept_in = kept.as_ref().map(|(f, _): &(OutboxFile, String)| f.path().to_path_buf());
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                next_seq: queue.len() as u64,
                queue,
                starts: HashMap::new(),
                decided: HashMap::new(),
                destination,
                rescuing,
                problem: None,
                unreachable: false,
                needs_someone: false,
                notices,
                closed: false,
                kept,
            }),
            changed: Condvar::new(),
        });
        let worker = Arc::clone(&shared);
        let records_path = records.to_path_buf();
        let spawned = std::thread::Builder::new()
            .name("talkdown-outbox".into())
            .spawn(move || deliver_loop(&worker, store, &records_path, &store_options, &options));
        let worker = match spawned {
            Ok(handle) => Some(handle),
            Err(e) => {
                shared.lock().notices.push(format!("cannot start saving answers in the background: {e}"));
                None
            }
        };
        Outbox { shared, records: records.to_path_buf(), kept_in, worker }
    }

    /// The records file this outbox delivers to.
    pub fn records(&self) -> &Path {
        &self.records
    }

    /// Where deliveries go now (the records file, or a rescue file).
    pub fn destination(&self) -> PathBuf {
        self.shared.lock().destination.clone()
    }

    /// The station's outbox file, when writes are kept there (a lab server).
    pub fn kept_in(&self) -> Option<&Path> {
        self.kept_in.as_deref()
    }

    /// Queue a write; returns at once (for a lab server, once it is
    /// committed to the outbox file: about a millisecond).
    pub fn push(&self, item: Delivery) {
        let mut st = self.shared.lock();
        match &item {
            Delivery::Start(s) => {
                st.starts.insert(s.uuid.clone(), s.clone());
            }
            Delivery::Decisions { session, .. } => {
                st.decided.entry(session.clone()).or_default().push(item.clone());
            }
            _ => {}
        }
        let row = st.keep(&item);
        let seq = st.next_seq;
        st.next_seq += 1;
        st.queue.push_back(Queued { seq, item, row });
        self.shared.changed.notify_all();
    }

    /// Writes not yet delivered.
    pub fn pending(&self) -> usize {
        self.shared.lock().queue.len()
    }

    /// Why delivery is failing right now, if it is.
    pub fn problem(&self) -> Option<String> {
        self.shared.lock().problem.clone()
    }

    /// What the station shows about delivery right now: [`UNREACHABLE`]
    /// while the lab server cannot be reached and answers wait on this PC;
    /// `None` when all is well (or the records go into a file).
    pub fn status(&self) -> Option<&'static str> {
        let st = self.shared.lock();
        (st.kept.is_some() && st.unreachable && !st.queue.is_empty()).then_some(UNREACHABLE)
    }

    /// Messages for the user since the last call (a file that cannot be
    /// used, a lock): at most a few per run.
    pub fn take_notices(&self) -> Vec<String> {
        std::mem::take(&mut self.shared.lock().notices)
    }

    /// Wait until everything queued is delivered or `wait` has passed; true when delivered.
    pub fn wait_idle(&self, wait: Duration) -> bool {
        let deadline = Instant::now() + wait;
        let mut st = self.shared.lock();
        while !st.queue.is_empty() {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            st = self.shared.changed.wait_timeout(st, deadline - now).unwrap_or_else(|p| p.into_inner()).0;
        }
        true
    }

    /// As [`Outbox::wait_idle`], but for a lab server also stop waiting as
    /// soon as delivery fails (a wrong password, a server that is not
    /// PostgreSQL, one that cannot be reached): every write is safe in the
    /// outbox file then, and waiting longer would only keep the station
    /// from closing. A failure seen during the wait counts too (the first
    /// connection is often still being made when a station closes).
    fn wait_delivered_or_kept(&self, wait: Duration) -> bool {
        let deadline = Instant::now() + wait;
        let mut st = self.shared.lock();
        // A server already unreachable when the wait began may come back
        // within it (the caller chose to wait): keep waiting for that one.
        let failing_before = st.problem.is_some();
        loop {
            if st.queue.is_empty() {
                return true;
            }
            let safe = st.kept.is_some() && st.queue.iter().all(|q| q.row.is_some());
            if safe && st.problem.is_some() && (!failing_before || st.needs_someone) {
                return false;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            st = self.shared.changed.wait_timeout(st, deadline - now).unwrap_or_else(|p| p.into_inner()).0;
        }
    }

    /// Deliver everything queued, waiting at most `wait`. For a lab server,
    /// what is still queued then stays in the outbox file (and is delivered
    /// later); otherwise it is written to a new rescue file and taken off
    /// the queue.
    pub fn flush(&self, wait: Duration) -> FlushReport {
        if self.wait_delivered_or_kept(wait) {
            return FlushReport::Saved;
        }
        {
            let mut st = self.shared.lock();
            if st.queue.is_empty() {
                return FlushReport::Saved;
            }
            if st.kept.is_some() {
                // Writes that could not be kept when queued: try once more.
                let loose: Vec<usize> =
                    st.queue.iter().enumerate().filter(|(_, q)| q.row.is_none()).map(|(i, _)| i).collect();
                for i in loose {
                    let item = st.queue[i].item.clone();
                    let row = st.keep(&item);
                    st.queue[i].row = row;
                }
                if st.queue.iter().all(|q| q.row.is_some())
                    && let Some((file, _)) = &st.kept
                {
                    let reason = if st.unreachable {
                        UNREACHABLE.to_string()
                    } else {
                        st.problem.clone().unwrap_or_else(|| "it did not answer in time".into())
                    };
                    return FlushReport::Kept {
                        path: file.path().to_path_buf(),
                        items: st.queue.len(),
                        reason,
                    };
                }
            }
        }
        let (items, reason, last_seq, pending) = {
            let st = self.shared.lock();
            if st.queue.is_empty() {
                return FlushReport::Saved;
            }
            let mut items: Vec<Delivery> = Vec::new();
            // Whole sessions: each with its start, even if that was delivered.
            let mut seen = std::collections::HashSet::new();
            for q in &st.queue {
                let uuid = q.item.session().to_string();
                if seen.insert(uuid.clone()) {
                    items.extend(whole_session(&st, &uuid));
                }
                items.push(q.item.clone());
            }
            let reason = st.problem.clone().unwrap_or_else(|| "it did not answer in time".into());
            (items, reason, st.queue.back().map(|q| q.seq), st.queue.len())
        };
        match write_rescue(&self.records, &items) {
            Ok(path) => {
                // Safe in the rescue file: the worker need not try them again.
                let mut st = self.shared.lock();
                if let Some(last) = last_seq {
                    st.queue.retain(|q| q.seq > last);
                }
                self.shared.changed.notify_all();
                FlushReport::Rescued { path, items: pending, reason }
            }
            Err(error) => FlushReport::Failed { items: pending, error },
        }
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.changed.notify_all();
        // The worker stops after its current attempt (at most one busy
        // timeout, or a connection attempt) and closes the file, which folds
        // the WAL back into it. What it had not delivered for a lab server
        // stays in the outbox file.
        if let Some(w) = self.worker.take() {
            if self.kept_in.is_some() {
                // A lab server: every write is in the outbox file, so the
                // station need not wait for a connection attempt to time out
                // (up to 10 s to a host that drops packets). Give the worker
                // a moment to finish cleanly, then let the process go; a
                // write cut off mid-way is delivered again later, stored once.
                let until = Instant::now() + EXIT_GRACE;
                while !w.is_finished() && Instant::now() < until {
                    std::thread::sleep(Duration::from_millis(5));
                }
                if w.is_finished() {
                    let _ = w.join();
                }
            } else {
                let _ = w.join();
            }
        }
    }
}

/// A session's start and every decision queued for it so far (idempotent:
/// repeating what was delivered already changes nothing).
fn whole_session(st: &State, uuid: &str) -> Vec<Delivery> {
    let mut out: Vec<Delivery> =
        st.starts.get(uuid).map(|s| Delivery::Start(s.clone())).into_iter().collect();
    out.extend(st.decided.get(uuid).into_iter().flatten().cloned());
    out
}

/// Write whole deliveries into a new rescue file: beside the records file,
/// else in the user's data folder, else the temporary folder.
fn write_rescue(records: &Path, items: &[Delivery]) -> Result<PathBuf, String> {
    let mut candidates = vec![rescue_path(records)];
    if let Some(d) = super::default_path() {
        candidates.push(rescue_path(&d));
    }
    candidates.push(rescue_path(&std::env::temp_dir().join(super::DEFAULT_FILE)));
    let mut last = String::from("no place to write");
    for path in candidates {
        let written =
            Store::open(&path).and_then(|mut store| items.iter().try_for_each(|d| d.deliver(&mut store)));
        match written {
            Ok(()) => return Ok(path),
            Err(e) => last = e.to_string(),
        }
    }
    Err(last)
}

fn deliver_loop(
    shared: &Shared,
    mut store: Option<Store>,
    records: &Path,
    store_options: &StoreOptions,
    options: &OutboxOptions,
) {
    let mut pause = options.retry_min;
    loop {
        let (seq, item, destination, keeping) = {
            let mut st = shared.lock();
            loop {
                if st.closed {
                    return;
                }
                if let Some(q) = st.queue.front() {
                    break (q.seq, q.item.clone(), st.destination.clone(), st.kept.is_some());
                }
                st = shared.changed.wait(st).unwrap_or_else(|p| p.into_inner());
            }
        };
        if store.as_ref().is_some_and(|s| s.identity() != super::identity(&destination)) {
            store = None;
        }
        let result = match store.as_mut() {
            Some(s) => item.deliver(s),
            None => Store::open_with(&destination, store_options).and_then(|mut s| {
                let r = item.deliver(&mut s);
                store = Some(s);
                r
            }),
        };
        let mut st = shared.lock();
        match result {
            Ok(()) => {
                if st.queue.front().is_some_and(|q| q.seq == seq)
                    && let Some(q) = st.queue.pop_front()
                    && let (Some(row), Some((file, _))) = (q.row, &st.kept)
                {
                    // Left behind if this fails: delivered again later, stored once.
                    let _ = file.remove(row);
                }
                if let Delivery::Finish { session, .. } | Delivery::Abandon { session, .. } = &item {
                    // Complete in the destination: nothing left to rescue for it.
                    if !st.queue.iter().any(|q| q.item.session() == session) {
                        st.starts.remove(session);
                        st.decided.remove(session);
                    }
                }
                st.problem = None;
                st.unreachable = false;
                st.needs_someone = false;
                pause = options.retry_min;
                shared.changed.notify_all();
            }
            Err(e) if keeping => {
                // A lab server: the writes are safe in the outbox file, never
                // rescued; keep trying (slowly when it needs someone to act).
                let unreachable = disconnected(&e);
                if unreachable {
                    store = None;
                }
                if st.problem.is_none() {
                    let kept =
                        st.kept.as_ref().map(|(f, _)| f.path().display().to_string()).unwrap_or_default();
                    st.notices.push(if unreachable {
                        UNREACHABLE.to_string()
                    } else {
                        format!(
                            "{e}. The answers are kept on this PC in {kept} and sent once this is fixed \
                             (`talkdown records sync` sends them by hand)"
                        )
                    });
                }
                st.problem = Some(e.to_string());
                st.unreachable = unreachable;
                st.needs_someone = !transient(&e);
                shared.changed.notify_all();
                let wait = if transient(&e) { pause } else { SLOW_RETRY };
                let _ = shared.changed.wait_timeout(st, wait);
                pause = (pause * 2).min(options.retry_max);
            }
            Err(e) => {
                if !transient(&e) && !st.rescuing {
                    // The file cannot take anything (damaged, read-only...):
                    // never write to it again; keep whole sessions beside it.
                    let rescue = rescue_path(records);
                    st.notices.push(format!(
                        "{e}. The answers from now on are kept in {} instead; `talkdown records import {}` merges them into a healthy records file",
                        rescue.display(),
                        rescue.display()
                    ));
                    st.destination = rescue;
                    st.rescuing = true;
                    let mut missing: Vec<String> = Vec::new();
                    for q in &st.queue {
                        let u = q.item.session();
                        if !missing.iter().any(|m| m == u) {
                            missing.push(u.to_string());
                        }
                    }
                    for uuid in missing.iter().rev() {
                        let seq = st.queue.front().map(|q| q.seq).unwrap_or(0);
                        // Same seq as the current front: a flush that
                        // snapshots the queue covers them either way.
                        for item in whole_session(&st, uuid).into_iter().rev() {
                            st.queue.push_front(Queued { seq, item, row: None });
                        }
                    }
                    store = None;
                    pause = options.retry_min;
                    continue;
                }
                if st.problem.is_none() && st.notices.is_empty() {
                    st.notices.push(format!("{e}; the answers are kept and saved as soon as it is free"));
                }
                if disconnected(&e) {
                    // A lab server that restarted closed our connection for
                    // good: connect afresh on the next attempt.
                    store = None;
                }
                st.problem = Some(e.to_string());
                let _ = shared.changed.wait_timeout(st, pause);
                pause = (pause * 2).min(options.retry_max);
            }
        }
    }
}

/// What [`sync`] did (`talkdown records sync`).
#[derive(Debug)]
pub struct SyncReport {
    /// The outbox file.
    pub outbox: PathBuf,
    /// The lab server, as shown (no password).
    pub server: String,
    /// Writes delivered now, and the decisions and sessions they hold.
    pub delivered: usize,
    pub decisions: usize,
    pub sessions: usize,
    /// Writes still waiting for this server, and the decisions among them.
    pub waiting: usize,
    pub waiting_decisions: usize,
    /// Why they are still waiting.
    pub error: Option<Error>,
    /// Rows from a newer Talkdown this version cannot read (left in the file).
    pub unreadable: usize,
    /// Writes waiting for other servers (this station was pointed elsewhere before).
    pub elsewhere: Vec<(String, usize)>,
    /// Rescue files moved into the outbox: the file (renamed to `….synced`) and its sessions.
    pub rescued: Vec<(PathBuf, usize)>,
}

/// Deliver what the station's outbox file `outbox` keeps for the lab server
/// `records`, in order, now; first move each rescue file in `rescue` (from
/// before the outbox, or written when the outbox file could not be) into
/// the outbox, renaming it `NAME.synced` once its sessions are there.
/// Stops at the first write the server does not take and says why in
/// [`SyncReport::error`]; what is left stays in the file.
pub fn sync(records: &Path, outbox: &Path, rescue: &[PathBuf]) -> Result<SyncReport> {
    if !super::pg::is_url(records) {
        return Err(Error::NotAServer { path: records.to_path_buf() });
    }
    let identity = super::identity(records);
    let mut report = SyncReport {
        outbox: outbox.to_path_buf(),
        server: super::pg::mask_url(&records.to_string_lossy()),
        delivered: 0,
        decisions: 0,
        sessions: 0,
        waiting: 0,
        waiting_decisions: 0,
        error: None,
        unreadable: 0,
        elsewhere: Vec::new(),
        rescued: Vec::new(),
    };
    if !outbox.exists() && rescue.is_empty() {
        return Ok(report);
    }
    let file = OutboxFile::open(outbox)?;
    for r in rescue {
        let items = Store::open_read_only(r)?.deliveries()?;
        let sessions = items.iter().filter(|d| matches!(d, Delivery::Start(_))).count();
        file.conn.execute_batch("BEGIN IMMEDIATE").map_err(|e| super::store::classify(outbox, e))?;
        let added = items.iter().try_for_each(|d| file.add(&identity, d).map(|_| ()));
        match added {
            Ok(()) => file.conn.execute_batch("COMMIT").map_err(|e| super::store::classify(outbox, e))?,
            Err(e) => {
                let _ = file.conn.execute_batch("ROLLBACK");
                return Err(e);
            }
        }
        let mut done = r.clone().into_os_string();
        done.push(".synced");
        let done = PathBuf::from(done);
        // Its sessions are in the outbox now; the file is kept, renamed, until someone deletes it.
        let kept = if std::fs::rename(r, &done).is_ok() { done } else { r.clone() };
        report.rescued.push((kept, sessions));
    }
    let (waiting, unreadable) = file.waiting(&identity)?;
    report.unreadable = unreadable;
    report.elsewhere = file.elsewhere(&identity)?;
    if waiting.is_empty() {
        return Ok(report);
    }
    let mut steps = std::collections::HashSet::new();
    let mut sessions = std::collections::HashSet::new();
    let mut store = match Store::open(records) {
        Ok(s) => Some(s),
        Err(e) => {
            report.error = Some(e);
            None
        }
    };
    for (i, (row, item)) in waiting.iter().enumerate() {
        let result = match store.as_mut() {
            Some(s) => item.deliver(s),
            None => Err(report.error.take().unwrap_or(Error::NoDefaultLocation)),
        };
        match result {
            Ok(()) => {
                // Left behind if this fails: delivered again later, stored once.
                let _ = file.remove(*row);
                report.delivered += 1;
                sessions.insert(item.session().to_string());
                if let Delivery::Decisions { session, rows } = item {
                    steps.extend(rows.iter().map(|d| (session.clone(), d.step)));
                }
            }
            Err(e) => {
                let left = &waiting[i..];
                report.waiting = left.len();
                let mut left_steps = std::collections::HashSet::new();
                for (_, d) in left {
                    if let Delivery::Decisions { session, rows } = d {
                        left_steps.extend(rows.iter().map(|r| (session.clone(), r.step)));
                    }
                }
                report.waiting_decisions = left_steps.len();
                report.error = Some(e);
                break;
            }
        }
    }
    report.decisions = steps.len();
    report.sessions = sessions.len();
    Ok(report)
}

/// Rescue files in the station's data folder (`records.rescue-*.sqlite3`),
/// oldest first: what `talkdown records sync` offers to send.
pub fn rescue_files_in(dir: &Path) -> Vec<PathBuf> {
    let stem = Path::new(super::DEFAULT_FILE)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&format!("{stem}.rescue-")) && n.ends_with(".sqlite3"))
        })
        .collect();
    found.sort();
    found
}
