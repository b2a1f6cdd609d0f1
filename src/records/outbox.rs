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
//! The lab (a shared PostgreSQL server, issue 13) is meant to reuse this:
//! the same deliveries and keys, with another destination behind
//! [`Delivery::deliver`].

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::files::rescue_path;
use super::{DecisionRow, Error, Result, SessionEnd, SessionStart, Store, StoreOptions};

/// One idempotent write.
#[derive(Debug, Clone, PartialEq, Eq)]
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
}

impl Default for OutboxOptions {
    fn default() -> Self {
        OutboxOptions {
            busy_timeout: Duration::from_millis(500),
            retry_min: Duration::from_millis(50),
            retry_max: Duration::from_secs(1),
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
}

impl FlushReport {
    /// A sentence for the trainee or instructor, `None` when all is saved.
    pub fn message(&self, records: &Path) -> Option<String> {
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
        }
    }
}

struct Queued {
    seq: u64,
    item: Delivery,
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
    notices: Vec<String>,
    closed: bool,
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

/// The queue and its delivery thread for one records file.
pub struct Outbox {
    shared: Arc<Shared>,
    records: PathBuf,
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

impl Outbox {
    /// Start delivering to the records file at `records`. It is opened (and
    /// checked) here; if it cannot be used at all, deliveries go to a rescue
    /// file beside it and a notice says so.
    pub fn open(records: &Path, options: OutboxOptions) -> Outbox {
        let store_options = StoreOptions { busy_timeout: options.busy_timeout, ..StoreOptions::default() };
        let mut notices = Vec::new();
        let (store, destination, rescuing) = match Store::open_with(records, &store_options) {
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
        };
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                next_seq: 0,
                starts: HashMap::new(),
                decided: HashMap::new(),
                destination,
                rescuing,
                problem: None,
                notices,
                closed: false,
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
        Outbox { shared, records: records.to_path_buf(), worker }
    }

    /// The records file this outbox delivers to.
    pub fn records(&self) -> &Path {
        &self.records
    }

    /// Where deliveries go now (the records file, or a rescue file).
    pub fn destination(&self) -> PathBuf {
        self.shared.lock().destination.clone()
    }

    /// Queue a write; returns at once.
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
        let seq = st.next_seq;
        st.next_seq += 1;
        st.queue.push_back(Queued { seq, item });
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

    /// Deliver everything queued, waiting at most `wait`. What is still
    /// queued then is written to a new rescue file and taken off the queue.
    pub fn flush(&self, wait: Duration) -> FlushReport {
        if self.wait_idle(wait) {
            return FlushReport::Saved;
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
        // timeout) and closes the file, which folds the WAL back into it.
        if let Some(w) = self.worker.take() {
            let _ = w.join();
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

/// Whether `store` is open on `destination`. A lab server's store names
/// itself by its URL with the password masked, so compare it masked: else a
/// URL holding its password would connect afresh for every delivery.
fn delivers_to(store: &Store, destination: &Path) -> bool {
    if store.path() == destination {
        return true;
    }
    match destination.to_str() {
        Some(url) if super::pg::is_url(destination) => store.path() == Path::new(&super::pg::mask_url(url)),
        _ => false,
    }
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
        let (seq, item, destination) = {
            let mut st = shared.lock();
            loop {
                if st.closed {
                    return;
                }
                if let Some(q) = st.queue.front() {
                    break (q.seq, q.item.clone(), st.destination.clone());
                }
                st = shared.changed.wait(st).unwrap_or_else(|p| p.into_inner());
            }
        };
        if store.as_ref().is_some_and(|s| !delivers_to(s, &destination)) {
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
                if st.queue.front().is_some_and(|q| q.seq == seq) {
                    st.queue.pop_front();
                }
                if let Delivery::Finish { session, .. } | Delivery::Abandon { session, .. } = &item {
                    // Complete in the destination: nothing left to rescue for it.
                    if !st.queue.iter().any(|q| q.item.session() == session) {
                        st.starts.remove(session);
                        st.decided.remove(session);
                    }
                }
                st.problem = None;
                pause = options.retry_min;
                shared.changed.notify_all();
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
                            st.queue.push_front(Queued { seq, item });
                        }
                    }
                    store = None;
                    pause = options.retry_min;
                    continue;
                }
                if st.problem.is_none() && st.notices.is_empty() {
                    st.notices.push(format!("{e}; the answers are kept and saved as soon as it is free"));
                }
                if matches!(e, Error::PgUnreachable { .. } | Error::Postgres { .. }) {
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
