//! The lab's shared server: the same records on PostgreSQL (docs/lab.md).
//!
//! [`super::Store`] opens this backend when `--records` / `TALKDOWN_RECORDS` is a
//! `postgresql://` (or `postgres://`) URL. The tables mirror the SQLite file's
//! (times are the same RFC 3339 text, so they sort and compare alike), with two
//! differences that keep decisions append-only: the debrief's judgement of a
//! decision is a row in `judgements` instead of an update of the decision, and
//! instructors' notes live in `notes`. `talkdown lab init` ([`lab_init`])
//! creates the schema and the station and instructor roles, with grants and
//! row-level security:
//!
//! - a station writes through the session it is recording: every transaction
//!   sets `talkdown.session` to that session's random UUID, and the policies
//!   let a station see and add to that session only. Other trainees' records
//!   (whose UUIDs it never learns) and instructors' notes stay invisible, and it
//!   has no UPDATE or DELETE on decisions at all;
//! - an instructor reads everything and adds notes, and can change nothing.
//!
//! Passwords never reach a message: every URL we show goes through [`mask_url`],
//! and a URL without a password takes it from `.pgpass` / `PGPASSFILE` as libpq does.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{ToSql, Type};
use postgres::{Client, Config, NoTls, Transaction};

use super::live::{self, LiveEvent, Notice};
use super::report::Val;
use super::store::{DecisionRow, SessionEnd, SessionStart};
use super::{
    DecisionRecord, DimensionResult, Error, Result, SessionId, SessionRecord, SessionSummary, Status,
};
use crate::debrief::percent;
use crate::engine::Mode;

/// `true` when `records` names a PostgreSQL server rather than a file.
pub fn is_url(records: &Path) -> bool {
    records.to_str().is_some_and(|s| s.starts_with("postgresql://") || s.starts_with("postgres://"))
}

/// The URL with its password (in the user part or a `password=` parameter) shown as `***`.
pub fn mask_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else { return url.to_string() };
    let rest_start = scheme_end + 3;
    let rest = &url[rest_start..];
    let auth_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..auth_end];
    let mut out = url[..rest_start].to_string();
    match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            match userinfo.find(':') {
                Some(colon) => {
                    out.push_str(&userinfo[..colon]);
                    out.push_str(":***");
                }
                None => out.push_str(userinfo),
            }
            out.push_str(&authority[at..]);
        }
        None => out.push_str(authority),
    }
    let tail = &rest[auth_end..];
    match tail.find('?') {
        Some(q) => {
            out.push_str(&tail[..=q]);
            let params: Vec<String> = tail[q + 1..]
                .split('&')
                .map(|p| match p.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => p.to_string(),
                })
                .collect();
            out.push_str(&params.join("&"));
        }
        None => out.push_str(tail),
    }
    out
}

/// Which server, database and role a URL names, without its password or
/// options: `postgresql://USER@HOST:PORT/DB`. A URL with the password in it
/// and one that takes it from `.pgpass` name the same destination, so the
/// outbox keys what it keeps for a server by this (and never stores a password).
pub fn identity(url: &str) -> String {
    let base = url.split_once('?').map_or(url, |(b, _)| b);
    let Ok(config) = base.parse::<Config>() else { return mask_url(base) };
    let user = config
        .get_user()
        .map(str::to_string)
        .or_else(|| std::env::var("PGUSER").ok())
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_default();
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_string(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let db = config.get_dbname().map(str::to_string).unwrap_or_else(|| user.clone());
    format!("postgresql://{user}@{host}:{port}/{db}")
}

/// libpq's `sslmode`, as far as Talkdown supports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    /// Encrypt when the server offers it, without checking its certificate (libpq's default).
    Prefer,
    /// Encrypt always; check the certificate only when a CA file is given (libpq's rule).
    Require,
    /// Encrypt; the certificate must be signed by the CA.
    VerifyCa,
    /// Encrypt; the certificate must be signed by the CA and name the host.
    VerifyFull,
}

/// A URL taken apart: what the `postgres` crate reads, plus the TLS settings it does not.
struct Target {
    config: Config,
    ssl: SslMode,
    root_cert: Option<PathBuf>,
    /// The URL as shown in messages (password masked).
    shown: String,
}

fn parse_target(url: &str) -> Result<Target> {
    let shown = mask_url(url);
    let bad = |detail: String| Error::BadUrl { url: shown.clone(), detail };
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, q),
        None => (url, ""),
    };
    let mut ssl = SslMode::Prefer;
    let mut root_cert = None;
    let mut kept = Vec::new();
    for p in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        match k {
            "sslmode" => {
                ssl = match v {
                    "disable" => SslMode::Disable,
                    "allow" | "prefer" => SslMode::Prefer,
                    "require" => SslMode::Require,
                    "verify-ca" => SslMode::VerifyCa,
                    "verify-full" => SslMode::VerifyFull,
                    other => {
                        return Err(bad(format!(
                            "sslmode={other} is not one of disable, prefer, require, verify-ca, verify-full"
                        )));
                    }
                }
            }
            "sslrootcert" => root_cert = Some(PathBuf::from(percent_decode(v))),
            _ => kept.push(p),
        }
    }
    let rebuilt = if kept.is_empty() { base.to_string() } else { format!("{base}?{}", kept.join("&")) };
    let mut config: Config = rebuilt.parse().map_err(|e: postgres::Error| bad(e.to_string()))?;
    if config.get_user().is_none() {
        let user = std::env::var("PGUSER")
            .or_else(|_| std::env::var("USER"))
            .map_err(|_| bad("no user name: put one in the URL (postgresql://USER@host/db)".into()))?;
        config.user(&user);
    }
    if config.get_hosts().is_empty() {
        config.host("localhost");
    }
    if config.get_password().is_none()
        && let Some(pw) = pgpass_password(&config)
    {
        config.password(pw);
    }
    config.connect_timeout(Duration::from_secs(10));
    config.application_name("talkdown");
    config.ssl_mode(match ssl {
        SslMode::Disable => postgres::config::SslMode::Disable,
        SslMode::Prefer => postgres::config::SslMode::Prefer,
        _ => postgres::config::SslMode::Require,
    });
    Ok(Target { config, ssl, root_cert, shown })
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16)
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The `.pgpass` file libpq reads: `PGPASSFILE`, else `~/.pgpass`.
fn pgpass_file() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PGPASSFILE") {
        return Some(PathBuf::from(p));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pgpass"))
}

/// The password for this connection from the `.pgpass` file, libpq's way:
/// lines `hostname:port:database:username:password`, `*` matches anything,
/// `\:` and `\\` escape, the first matching line wins, and a file that others
/// can read (group or world permissions) is ignored.
fn pgpass_password(config: &Config) -> Option<String> {
    let path = pgpass_file()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(&path).ok()?;
        if meta.permissions().mode() & 0o077 != 0 {
            eprintln!(
                "warning: the password file {} has group or world access and is ignored (as libpq does): chmod 0600 it",
                path.display()
            );
            return None;
        }
    }
    let text = std::fs::read_to_string(&path).ok()?;
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(postgres::config::Host::Unix(_)) => "localhost".to_string(),
        None => "localhost".to_string(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432).to_string();
    let user = config.get_user().unwrap_or_default().to_string();
    let db = config.get_dbname().map(str::to_string).unwrap_or_else(|| user.clone());
    pgpass_lookup(&text, &host, &port, &db, &user)
}

/// The password of the first `.pgpass` line matching host, port, database and user.
pub fn pgpass_lookup(text: &str, host: &str, port: &str, db: &str, user: &str) -> Option<String> {
    for line in text.lines() {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut fields = Vec::new();
        let mut cur = String::new();
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    if let Some(n) = chars.next() {
                        cur.push(n);
                    }
                }
                ':' if fields.len() < 4 => fields.push(std::mem::take(&mut cur)),
                c => cur.push(c),
            }
        }
        fields.push(cur);
        if fields.len() != 5 {
            continue;
        }
        let ok = |pat: &str, v: &str| pat == "*" || pat == v;
        if ok(&fields[0], host) && ok(&fields[1], port) && ok(&fields[2], db) && ok(&fields[3], user) {
            return Some(fields[4].clone());
        }
    }
    None
}

fn connect(target: &Target) -> Result<Client> {
    let result = match target.ssl {
        SslMode::Disable => target.config.connect(NoTls),
        mode => {
            let mut b = native_tls::TlsConnector::builder();
            let root = target.root_cert.clone().or_else(|| {
                let home = std::env::var_os("HOME")?;
                let p = PathBuf::from(home).join(".postgresql/root.crt");
                p.exists().then_some(p)
            });
            if let Some(p) = &root {
                let pem = std::fs::read(p).map_err(|e| Error::BadUrl {
                    url: target.shown.clone(),
                    detail: format!("cannot read the CA file {} (sslrootcert): {e}", p.display()),
                })?;
                let cert = native_tls::Certificate::from_pem(&pem).map_err(|e| Error::BadUrl {
                    url: target.shown.clone(),
                    detail: format!("{} (sslrootcert) is not a PEM certificate: {e}", p.display()),
                })?;
                b.add_root_certificate(cert);
            }
            match mode {
                // libpq: `prefer` never checks; `require` checks only when a CA file is given.
                SslMode::Prefer => {
                    b.danger_accept_invalid_certs(true);
                }
                SslMode::Require if root.is_none() => {
                    b.danger_accept_invalid_certs(true);
                }
                SslMode::Require | SslMode::VerifyCa => {
                    b.danger_accept_invalid_hostnames(true);
                }
                SslMode::VerifyFull | SslMode::Disable => {}
            }
            let tls =
                b.build().map_err(|e| Error::BadUrl { url: target.shown.clone(), detail: e.to_string() })?;
            target.config.connect(postgres_native_tls::MakeTlsConnector::new(tls))
        }
    };
    result.map_err(|e| classify(&target.shown, e))
}

/// Turn a PostgreSQL error into one that names the server (password masked) and says what to do.
pub(crate) fn classify(shown: &str, e: postgres::Error) -> Error {
    let server = shown.to_string();
    if let Some(db) = e.as_db_error() {
        let code = db.code().code();
        let detail = db.message().to_string();
        return match code {
            "28P01" | "28000" => Error::PgAuth { server, detail },
            "42501" => Error::PgDenied { server, detail },
            "3D000" => Error::PgNoDatabase { server, detail },
            "42P01" => Error::PgNoSchema { server },
            _ => Error::Postgres { server, detail: format!("{detail} (SQLSTATE {code})") },
        };
    }
    let text = e.to_string();
    let source = std::error::Error::source(&e).map(|s| s.to_string()).unwrap_or_default();
    let detail = if source.is_empty() || text.contains(&source) { text } else { format!("{text}: {source}") };
    // Something answered, but not in PostgreSQL's protocol (a web server, SSH...).
    if detail.starts_with("unexpected message from server")
        || detail.starts_with("error parsing response from server")
        || detail.contains("bytes remaining on stream")
    {
        return Error::PgNotPostgres { server, detail };
    }
    if e.is_closed()
        || detail.contains("connect")
        || detail.contains("timed out")
        || detail.contains("refused")
    {
        return Error::PgUnreachable { server, detail };
    }
    Error::Postgres { server, detail }
}

/// The schema, one step per version, listed in `schema_history` as the
/// SQLite file's are. Never edit a released step: add a new one.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "sessions, decisions, judgements, session_scores, notes",
        r#"
CREATE TABLE sessions (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid           TEXT NOT NULL UNIQUE,       -- random, made on the station
    recorded_by    TEXT NOT NULL DEFAULT current_user, -- the role that wrote it
    trainee        TEXT NOT NULL,
    scenario       TEXT NOT NULL,
    title          TEXT NOT NULL,
    content_hash   TEXT NOT NULL,
    version        TEXT NOT NULL,
    scenario_path  TEXT,
    seed           BIGINT NOT NULL,            -- u64 stored bit for bit
    mode           TEXT NOT NULL,              -- training | assessment
    shuffle        BOOLEAN NOT NULL,
    start_from     TEXT,                       -- JSON [beat, state] for author starts
    dimensions     TEXT NOT NULL,              -- JSON [[id, name], ...] in rubric order
    started_at     TEXT NOT NULL,              -- RFC 3339 UTC, millisecond precision
    last_activity  TEXT NOT NULL,
    finished_at    TEXT,                       -- NULL: abandoned (or still being played)
    abandon_reason TEXT,
    ending         TEXT,
    ending_title   TEXT,
    outcome        TEXT,
    outcome_name   TEXT,
    grade          TEXT,
    total          INTEGER,
    total_best     INTEGER,
    best_choices   INTEGER,
    transcript     TEXT,
    verdict        TEXT,
    verdict_summary TEXT,
    process_percent INTEGER,
    timing         TEXT NOT NULL DEFAULT 'standard',
    parent_uuid    TEXT,                       -- the session rewound from (NULL: a first attempt)
    fork_step      INTEGER                     -- the decision (1-based) chosen again
);
CREATE INDEX sessions_by_scenario ON sessions (scenario, started_at);
CREATE INDEX sessions_by_trainee ON sessions (trainee, started_at);
CREATE INDEX sessions_by_start ON sessions (started_at);
CREATE TABLE decisions (
    session_id     BIGINT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    step           INTEGER NOT NULL,           -- 1-based
    beat           TEXT NOT NULL,
    choice         TEXT NOT NULL,              -- choice id or `timeout`
    text           TEXT NOT NULL,
    timed_out      BOOLEAN NOT NULL,
    response_ms    BIGINT,
    scores         TEXT NOT NULL,              -- JSON [[dimension, points], ...]
    total          INTEGER NOT NULL,
    critical       BOOLEAN NOT NULL,
    techniques     TEXT NOT NULL,
    offered        TEXT NOT NULL,
    meters         TEXT NOT NULL,
    flags          TEXT NOT NULL,
    chance         INTEGER,
    led_to         TEXT NOT NULL,
    recorded_at    TEXT NOT NULL,
    reaction       TEXT,
    score_variant  INTEGER,
    PRIMARY KEY (session_id, step)
);
-- The debrief's judgement of each decision, added when the session finishes
-- (decisions themselves are never updated).
CREATE TABLE judgements (
    session_id     BIGINT NOT NULL,
    step           INTEGER NOT NULL,
    best_available BOOLEAN NOT NULL,
    PRIMARY KEY (session_id, step),
    FOREIGN KEY (session_id, step) REFERENCES decisions (session_id, step) ON DELETE CASCADE
);
CREATE TABLE session_scores (
    session_id BIGINT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    ord        INTEGER NOT NULL,
    dimension  TEXT NOT NULL,
    name       TEXT NOT NULL,
    score      INTEGER NOT NULL,
    best       INTEGER NOT NULL,
    PRIMARY KEY (session_id, dimension)
);
-- Instructors' notes on a session (or one of its steps).
CREATE TABLE notes (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    step       INTEGER,
    author     TEXT NOT NULL DEFAULT current_user,
    note       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE decisions ENABLE ROW LEVEL SECURITY;
ALTER TABLE judgements ENABLE ROW LEVEL SECURITY;
ALTER TABLE session_scores ENABLE ROW LEVEL SECURITY;
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
"#,
    ),
    (
        "class name per session, the room's class",
        r#"
ALTER TABLE sessions ADD COLUMN class TEXT;
CREATE INDEX sessions_by_class ON sessions (class, scenario, started_at);
-- The class the instructor set for the room (`talkdown lab class NAME`); the
-- newest row is the room's class now. Append-only, as every record here.
CREATE TABLE room_class (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    class   TEXT NOT NULL,
    set_by  TEXT NOT NULL DEFAULT current_user,
    set_at  TEXT NOT NULL
);
"#,
    ),
    (
        "live view: notify on new sessions, decisions and endings",
        r#"
-- The instructor's live view (`talkdown lab watch`) LISTENs on talkdown_live.
-- Payloads hold numbers only (`s ID`, `d ID STEP`, `e ID`): whoever listens
-- learns no content, and reading the rows needs the instructor's role.
CREATE FUNCTION talkdown_live_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'decisions' THEN
        PERFORM pg_notify('talkdown_live', 'd ' || NEW.session_id || ' ' || NEW.step);
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM pg_notify('talkdown_live', 's ' || NEW.id);
    ELSIF NEW.finished_at IS DISTINCT FROM OLD.finished_at
          OR NEW.abandon_reason IS DISTINCT FROM OLD.abandon_reason THEN
        PERFORM pg_notify('talkdown_live', 'e ' || NEW.id);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER decisions_live AFTER INSERT ON decisions
    FOR EACH ROW EXECUTE FUNCTION talkdown_live_notify();
CREATE TRIGGER sessions_live AFTER INSERT OR UPDATE ON sessions
    FOR EACH ROW EXECUTE FUNCTION talkdown_live_notify();
"#,
    ),
];

/// The schema version this Talkdown writes.
pub const SCHEMA_VERSION: usize = MIGRATIONS.len();

/// Decisions with their judgement, as the SQLite `decisions` table reads.
pub(crate) const JUDGED_DECISIONS: &str = "(SELECT dd.*, j.best_available FROM decisions dd
     LEFT JOIN judgements j ON j.session_id = dd.session_id AND j.step = dd.step)";

/// A PostgreSQL records store.
pub(crate) struct PgStore {
    client: Mutex<Client>,
    /// The URL as shown (password masked); also what [`super::Store::path`] returns.
    pub(crate) shown: PathBuf,
    /// UUIDs of the sessions this connection started, by id: a station may
    /// read no session but its own, so it keeps them.
    own: HashMap<i64, String>,
}

fn now() -> String {
    super::store::fmt_time(&chrono::Utc::now())
}

impl PgStore {
    /// Connect; `migrate`: bring the schema up to date (needs the owner's
    /// rights), else only check that it is there and not too new.
    pub(crate) fn open(url: &str, migrate: bool) -> Result<PgStore> {
        let target = parse_target(url)?;
        let client = connect(&target)?;
        let mut s =
            PgStore { client: Mutex::new(client), shown: PathBuf::from(&target.shown), own: HashMap::new() };
        s.prepare_schema(migrate)?;
        Ok(s)
    }

    fn shown(&self) -> String {
        self.shown.to_string_lossy().into_owned()
    }

    fn err(&self, e: postgres::Error) -> Error {
        classify(&self.shown(), e)
    }

    fn client(&self) -> MutexGuard<'_, Client> {
        self.client.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The version in `schema_history` (0 when there is no Talkdown schema).
    pub(crate) fn schema_version(&self) -> Result<usize> {
        let mut c = self.client();
        let exists: Option<String> = c
            .query_one("SELECT to_regclass('schema_history')::text", &[])
            .and_then(|r| r.try_get(0))
            .map_err(|e| classify(&self.shown(), e))?;
        if exists.is_none() {
            return Ok(0);
        }
        let v: i32 = c
            .query_one("SELECT COALESCE(MAX(version), 0) FROM schema_history", &[])
            .and_then(|r| r.try_get(0))
            .map_err(|e| classify(&self.shown(), e))?;
        Ok(v as usize)
    }

    fn prepare_schema(&mut self, migrate: bool) -> Result<()> {
        let found = self.schema_version()?;
        let known = SCHEMA_VERSION;
        if found > known {
            return Err(Error::TooNew { path: self.shown.clone(), found, known });
        }
        if found == known {
            return Ok(());
        }
        if !migrate {
            return Err(if found == 0 {
                Error::PgNoSchema { server: self.shown() }
            } else {
                Error::PgOldSchema { server: self.shown(), found, known }
            });
        }
        self.migrate()
    }

    /// Apply the missing schema steps, each in its own transaction, serialised
    /// by an advisory lock so two first starts do not race.
    pub(crate) fn migrate(&mut self) -> Result<()> {
        let shown = self.shown();
        let mut c = self.client();
        let c = &mut *c;
        let e = |e| classify(&shown, e);
        let mut tx = c.transaction().map_err(e)?;
        tx.execute("SELECT pg_advisory_xact_lock(727001)", &[]).map_err(e)?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_history (
                 version     INTEGER PRIMARY KEY,
                 applied_at  TEXT NOT NULL,
                 description TEXT NOT NULL
             )",
        )
        .map_err(e)?;
        let found: i32 =
            tx.query_one("SELECT COALESCE(MAX(version), 0) FROM schema_history", &[]).map_err(e)?.get(0);
        let found = found as usize;
        if found > MIGRATIONS.len() {
            return Err(Error::TooNew { path: self.shown.clone(), found, known: MIGRATIONS.len() });
        }
        for (i, (description, sql)) in MIGRATIONS.iter().enumerate().skip(found) {
            tx.batch_execute(sql).map_err(e)?;
            tx.execute(
                "INSERT INTO schema_history (version, applied_at, description) VALUES ($1, $2, $3)",
                &[&((i + 1) as i32), &now(), description],
            )
            .map_err(e)?;
        }
        tx.commit().map_err(e)
    }

    /// Run `f` in one transaction in which this connection acts for the
    /// session `uuid` (the row-level security policies read `talkdown.session`).
    fn in_session<T>(
        &self,
        uuid: &str,
        f: impl FnOnce(&mut Transaction<'_>) -> std::result::Result<T, postgres::Error>,
    ) -> Result<T> {
        let mut c = self.client();
        let mut tx = c.transaction().map_err(|e| self.err(e))?;
        tx.execute("SELECT set_config('talkdown.session', $1, true)", &[&uuid]).map_err(|e| self.err(e))?;
        let v = f(&mut tx).map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))?;
        Ok(v)
    }

    pub(crate) fn put_session(&mut self, s: &SessionStart) -> Result<SessionId> {
        let id = self.in_session(&s.uuid, |tx| {
            tx.execute(
                "INSERT INTO sessions (uuid, trainee, scenario, title, content_hash, version, scenario_path, seed,
                     mode, shuffle, start_from, dimensions, started_at, last_activity, timing, parent_uuid,
                     fork_step, class)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15, $16,
                     -- No class given at the station: the one the instructor set for the room.
                     COALESCE($17, (SELECT class FROM room_class ORDER BY id DESC LIMIT 1)))
                 ON CONFLICT (uuid) DO NOTHING",
                &[
                    &s.uuid,
                    &s.trainee,
                    &s.scenario,
                    &s.title,
                    &s.content_hash,
                    &s.version,
                    &s.scenario_path,
                    &(s.seed as i64),
                    &s.mode,
                    &s.shuffle,
                    &s.start_from,
                    &s.dimensions,
                    &s.started_at,
                    &s.timing.label(),
                    &s.fork.as_ref().map(|f| f.parent.as_str()),
                    &s.fork.as_ref().map(|f| f.step as i32),
                    &s.class,
                ],
            )?;
            let row = tx.query_opt("SELECT id FROM sessions WHERE uuid = $1", &[&s.uuid])?;
            Ok(row.map(|r| r.get::<_, i64>(0)))
        })?;
        // Nothing visible: the UUID belongs to a session this role may not see.
        let id = id.ok_or_else(|| Error::PgDenied {
            server: self.shown(),
            detail: format!("session {} exists and belongs to someone else", s.uuid),
        })?;
        self.own.insert(id, s.uuid.clone());
        Ok(SessionId(id))
    }

    /// The UUID of session `id`: one this connection started, else looked up
    /// (instructors and the owner can; a station cannot).
    fn uuid_of(&self, id: SessionId) -> Result<String> {
        if let Some(u) = self.own.get(&id.0) {
            return Ok(u.clone());
        }
        let row = self
            .client()
            .query_opt("SELECT uuid FROM sessions WHERE id = $1", &[&id.0])
            .map_err(|e| self.err(e))?;
        row.map(|r| r.get(0)).ok_or_else(|| Error::NoSuchSession { path: self.shown.clone(), id: id.0 })
    }

    pub(crate) fn put_decisions(&mut self, uuid: &str, rows: &[DecisionRow]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let shown = self.shown.clone();
        let found = self.in_session(uuid, |tx| {
            let Some(id) = session_id(tx, uuid)? else { return Ok(false) };
            insert_decisions(tx, id, rows)?;
            Ok(true)
        })?;
        if found { Ok(()) } else { Err(Error::UnknownSession { path: shown, uuid: uuid.to_string() }) }
    }

    /// Every decision of `all` past those stored (by step), then `end` if given.
    pub(crate) fn add_from(
        &mut self,
        id: SessionId,
        all: &[DecisionRow],
        end: Option<&SessionEnd>,
    ) -> Result<()> {
        let uuid = self.uuid_of(id)?;
        let shown = self.shown.clone();
        let found = self.in_session(&uuid, |tx| {
            let Some(sid) = session_id(tx, &uuid)? else { return Ok(false) };
            let have: i32 = tx
                .query_one("SELECT COALESCE(MAX(step), 0) FROM decisions WHERE session_id = $1", &[&sid])?
                .get(0);
            let new: Vec<DecisionRow> = all.iter().filter(|d| d.step as i32 > have).cloned().collect();
            insert_decisions(tx, sid, &new)?;
            if let Some(end) = end {
                write_end(tx, sid, end)?;
            }
            Ok(true)
        })?;
        if found { Ok(()) } else { Err(Error::NoSuchSession { path: shown, id: id.0 }) }
    }

    pub(crate) fn put_end(&mut self, uuid: &str, end: &SessionEnd) -> Result<()> {
        let shown = self.shown.clone();
        let found = self.in_session(uuid, |tx| {
            let Some(id) = session_id(tx, uuid)? else { return Ok(false) };
            write_end(tx, id, end)?;
            Ok(true)
        })?;
        if found { Ok(()) } else { Err(Error::UnknownSession { path: shown, uuid: uuid.to_string() }) }
    }

    pub(crate) fn put_abandon(&mut self, uuid: &str, reason: &str) -> Result<()> {
        self.in_session(uuid, |tx| {
            tx.execute(
                "UPDATE sessions SET abandon_reason = $2 WHERE uuid = $1 AND finished_at IS NULL",
                &[&uuid, &reason],
            )
            .map(|_| ())
        })
    }

    pub(crate) fn abandon_session(&mut self, id: SessionId, reason: &str) -> Result<()> {
        let uuid = self.uuid_of(id)?;
        self.put_abandon(&uuid, reason)
    }

    /// Delete the sessions started before `before` (with their decisions,
    /// scores, judgements and notes); how many were removed.
    pub(crate) fn purge(&mut self, before: &str) -> Result<usize> {
        let n = self
            .client()
            .execute("DELETE FROM sessions WHERE started_at < $1", &[&before])
            .map_err(|e| self.err(e))?;
        Ok(n as usize)
    }

    /// Rows of a query whose `?N` placeholders become `$N` (text arguments).
    pub(crate) fn rows(&self, sql: &str, args: &[String]) -> Result<Vec<Vec<Val>>> {
        let sql = dollar_placeholders(sql);
        let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a as &(dyn ToSql + Sync)).collect();
        let rows = self.client().query(&sql, &params).map_err(|e| self.err(e))?;
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| {
                        let t = r.columns()[i].type_();
                        let v = if *t == Type::INT8 {
                            r.try_get::<_, Option<i64>>(i).map(|v| v.map_or(Val::Null, Val::Int))
                        } else if *t == Type::INT4 {
                            r.try_get::<_, Option<i32>>(i)
                                .map(|v| v.map_or(Val::Null, |v| Val::Int(v.into())))
                        } else if *t == Type::INT2 {
                            r.try_get::<_, Option<i16>>(i)
                                .map(|v| v.map_or(Val::Null, |v| Val::Int(v.into())))
                        } else if *t == Type::BOOL {
                            r.try_get::<_, Option<bool>>(i)
                                .map(|v| v.map_or(Val::Null, |v| Val::Int(v.into())))
                        } else if *t == Type::FLOAT8 {
                            r.try_get::<_, Option<f64>>(i).map(|v| v.map_or(Val::Null, Val::Real))
                        } else {
                            r.try_get::<_, Option<String>>(i).map(|v| v.map_or(Val::Null, Val::Text))
                        };
                        v.map_err(|e| self.err(e))
                    })
                    .collect()
            })
            .collect()
    }

    pub(crate) fn trainees(&self) -> Result<Vec<String>> {
        Ok(self
            .rows("SELECT DISTINCT trainee FROM sessions ORDER BY trainee", &[])?
            .into_iter()
            .map(|r| r[0].text())
            .collect())
    }

    /// Sessions matching `where_sql` (with text `args`), oldest first; the
    /// newest `limit` when limited.
    pub(crate) fn load_sessions(
        &self,
        where_sql: &str,
        args: &[String],
        limit_sql: &str,
        with_decisions: bool,
    ) -> Result<Vec<SessionRecord>> {
        let order = if limit_sql.is_empty() { "ASC" } else { "DESC" };
        let sql = format!(
            "SELECT s.id, s.uuid, s.trainee, s.scenario, s.title, s.content_hash, s.version, s.scenario_path,
                    s.seed, s.mode, CASE WHEN s.shuffle THEN 1 ELSE 0 END, s.start_from, s.started_at, s.last_activity,
                    s.finished_at, s.abandon_reason, s.ending, s.ending_title, s.outcome, s.outcome_name, s.grade,
                    s.total, s.total_best, s.best_choices, s.transcript,
                    (SELECT COUNT(*) FROM decisions d WHERE d.session_id = s.id),
                    (SELECT COUNT(*) FROM decisions d WHERE d.session_id = s.id AND d.critical),
                    s.verdict, s.verdict_summary, s.process_percent, s.timing, s.parent_uuid, s.fork_step,
                    (SELECT p.id FROM sessions p WHERE p.uuid = s.parent_uuid), s.class
             FROM sessions s {where_sql} ORDER BY s.started_at {order}, s.id {order} {limit_sql}"
        );
        let mut out: Vec<SessionRecord> = self
            .rows(&sql, args)?
            .into_iter()
            .map(|r| {
                let total = r[21].opt_int().map(|v| v as i32);
                let best = r[22].opt_int().map(|v| v as i32);
                let finished = r[14].opt_text();
                SessionRecord {
                    summary: SessionSummary {
                        id: SessionId(r[0].int()),
                        uuid: r[1].text(),
                        trainee: r[2].text(),
                        scenario: r[3].text(),
                        title: r[4].text(),
                        content_hash: r[5].text(),
                        version: r[6].text(),
                        scenario_path: r[7].opt_text(),
                        seed: r[8].int() as u64,
                        mode: r[9].text().parse().unwrap_or(Mode::Training),
                        shuffle: r[10].int() != 0,
                        started_at: super::store::parse_time(&r[12].text()),
                        last_activity: super::store::parse_time(&r[13].text()),
                        status: if finished.is_some() { Status::Finished } else { Status::Abandoned },
                        finished_at: finished.as_deref().map(super::store::parse_time),
                        abandon_reason: r[15].opt_text(),
                        ending: r[16].opt_text(),
                        ending_title: r[17].opt_text(),
                        outcome: r[18].opt_text(),
                        outcome_name: r[19].opt_text(),
                        grade: r[20].opt_text().as_deref().and_then(super::edge::parse_grade),
                        total,
                        total_best: best,
                        total_percent: match (total, best) {
                            (Some(t), Some(b)) => percent(t, b),
                            _ => None,
                        },
                        best_choices: r[23].opt_int().map(|v| v as u32),
                        decisions: r[25].int() as u32,
                        critical_errors: r[26].int() as u32,
                        scores: Vec::new(),
                        verdict: r[27].opt_text().as_deref().and_then(super::edge::parse_verdict),
                        verdict_summary: r[28].opt_text(),
                        process_percent: r[29].opt_int().map(|v| v.clamp(0, 100) as u32),
                        timing: r[30].text().parse().unwrap_or_default(),
                        rewound_from: match (r[31].opt_text(), r[32].opt_int()) {
                            (Some(uuid), Some(step)) => Some(super::RewoundFrom {
                                uuid,
                                session: r[33].opt_int().map(SessionId),
                                step: step.clamp(0, i64::from(u32::MAX)) as u32,
                            }),
                            _ => None,
                        },
                        class: r[34].opt_text(),
                    },
                    start_from: r[11].opt_text().and_then(|s| serde_json::from_str(&s).ok()),
                    transcript: r[24].opt_text(),
                    decisions: Vec::new(),
                }
            })
            .collect();
        if !limit_sql.is_empty() {
            out.reverse();
        }
        for s in &mut out {
            if s.summary.status == Status::Finished {
                s.summary.scores = self
                    .rows(
                        "SELECT dimension, name, score, best FROM session_scores
                         WHERE session_id = CAST(CAST(?1 AS TEXT) AS BIGINT) ORDER BY ord",
                        &[s.summary.id.0.to_string()],
                    )?
                    .into_iter()
                    .map(|r| {
                        let (score, best) = (r[2].int() as i32, r[3].int() as i32);
                        DimensionResult {
                            id: r[0].text(),
                            name: r[1].text(),
                            score,
                            best,
                            percent: percent(score, best),
                        }
                    })
                    .collect();
            }
        }
        if with_decisions {
            for s in &mut out {
                s.decisions = self.decisions(s.summary.id)?;
            }
        }
        Ok(out)
    }

    pub(crate) fn decisions(&self, id: SessionId) -> Result<Vec<DecisionRecord>> {
        let sql = format!(
            "SELECT d.step, d.beat, d.choice, d.text, CASE WHEN d.timed_out THEN 1 ELSE 0 END, d.response_ms,
                    d.scores, d.total, CASE WHEN d.critical THEN 1 ELSE 0 END, d.best_available, d.techniques,
                    d.offered, d.meters, d.flags, d.chance, d.led_to, d.recorded_at
             FROM {JUDGED_DECISIONS} d WHERE d.session_id = CAST(CAST(?1 AS TEXT) AS BIGINT) ORDER BY d.step"
        );
        Ok(self
            .rows(&sql, &[id.0.to_string()])?
            .into_iter()
            .map(|r| DecisionRecord {
                step: r[0].int() as u32,
                beat: r[1].text(),
                choice: r[2].text(),
                text: r[3].text(),
                timed_out: r[4].int() != 0,
                response_ms: r[5].opt_int().map(|v| v as u64),
                scores: from_json(&r[6].text()),
                total: r[7].int() as i32,
                critical: r[8].int() != 0,
                best_available: r[9].opt_int().map(|v| v != 0),
                techniques: from_json(&r[10].text()),
                offered: from_json(&r[11].text()),
                meters: from_json(&r[12].text()),
                flags: from_json(&r[13].text()),
                chance: r[14].opt_int().map(|v| v as u16),
                led_to: r[15].text(),
                recorded_at: super::store::parse_time(&r[16].text()),
                // The lab server does not keep the reasoning columns yet.
                label: None,
                reading: None,
                reflection: None,
            })
            .collect())
    }
}

fn from_json<T: serde::de::DeserializeOwned + Default>(s: &str) -> T {
    serde_json::from_str(s).unwrap_or_default()
}

/// `?1` → `$1` (the SQL shared with SQLite has no other question marks).
fn dollar_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(|n| n.is_ascii_digit()) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

fn session_id(tx: &mut Transaction<'_>, uuid: &str) -> std::result::Result<Option<i64>, postgres::Error> {
    Ok(tx.query_opt("SELECT id FROM sessions WHERE uuid = $1", &[&uuid])?.map(|r| r.get(0)))
}

fn insert_decisions(
    tx: &mut Transaction<'_>,
    id: i64,
    rows: &[DecisionRow],
) -> std::result::Result<(), postgres::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let st = tx.prepare(
        "INSERT INTO decisions (session_id, step, beat, choice, text, timed_out, response_ms, scores,
             total, critical, techniques, offered, meters, flags, chance, led_to, recorded_at, reaction,
             score_variant)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
         ON CONFLICT (session_id, step) DO NOTHING",
    )?;
    let mut last: Option<&str> = None;
    for d in rows {
        tx.execute(
            &st,
            &[
                &id,
                &(d.step as i32),
                &d.beat,
                &d.choice,
                &d.text,
                &d.timed_out,
                &d.response_ms.map(|v| v as i64),
                &d.scores,
                &d.total,
                &d.critical,
                &d.techniques,
                &d.offered,
                &d.meters,
                &d.flags,
                &d.chance.map(i32::from),
                &d.led_to,
                &d.recorded_at,
                &d.reaction,
                &d.score_variant.map(|v| v as i32),
            ],
        )?;
        last = Some(&d.recorded_at);
    }
    if let Some(t) = last {
        tx.execute(
            "UPDATE sessions SET last_activity = GREATEST(last_activity, $2) WHERE id = $1 AND last_activity < $2",
            &[&id, &t],
        )?;
    }
    Ok(())
}

fn write_end(
    tx: &mut Transaction<'_>,
    id: i64,
    end: &SessionEnd,
) -> std::result::Result<(), postgres::Error> {
    tx.execute(
        "UPDATE sessions SET finished_at = $2, last_activity = $2, ending = $3, ending_title = $4,
             outcome = $5, outcome_name = $6, grade = $7, total = $8, total_best = $9,
             best_choices = $10, transcript = $11, abandon_reason = NULL,
             verdict = $12, verdict_summary = $13, process_percent = $14
         WHERE id = $1 AND finished_at IS NULL",
        &[
            &id,
            &end.finished_at,
            &end.ending,
            &end.ending_title,
            &end.outcome,
            &end.outcome_name,
            &end.grade,
            &end.total,
            &end.total_best,
            &(end.best_choices as i32),
            &end.transcript,
            &end.verdict,
            &end.verdict_summary,
            &end.process_percent.map(|v| v as i32),
        ],
    )?;
    let ins = tx.prepare(
        "INSERT INTO session_scores (session_id, ord, dimension, name, score, best)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (session_id, dimension) DO NOTHING",
    )?;
    for (i, (dim, name, score, best)) in end.dimensions.iter().enumerate() {
        tx.execute(&ins, &[&id, &(i as i32), dim, name, score, best])?;
    }
    let judge = tx.prepare(
        "INSERT INTO judgements (session_id, step, best_available)
         SELECT $1::BIGINT, $2::INTEGER, $3::BOOLEAN
         WHERE EXISTS (SELECT 1 FROM decisions WHERE session_id = $1::BIGINT AND step = $2::INTEGER)
         ON CONFLICT (session_id, step) DO NOTHING",
    )?;
    for (step, best) in &end.judged {
        tx.execute(&judge, &[&id, &(*step as i32), best])?;
    }
    Ok(())
}

/// `talkdown lab class NAME`: set the class (cohort) of the sessions the
/// stations start from now on (those not given `--class` themselves). Needs
/// the instructor's (or the owner's) role; kept with who set it and when.
pub fn set_room_class(url: &str, class: &str) -> Result<()> {
    let store = PgStore::open(url, false)?;
    let shown = store.shown();
    store
        .client()
        .execute("INSERT INTO room_class (class, set_at) VALUES ($1, $2)", &[&class, &now()])
        .map_err(|e| classify(&shown, e))?;
    Ok(())
}

/// The class the instructor set for the room, with who set it and when; `None` when never set.
pub fn room_class(url: &str) -> Result<Option<(String, String, String)>> {
    let store = PgStore::open(url, false)?;
    let shown = store.shown();
    let row = store
        .client()
        .query_opt("SELECT class, set_by, set_at FROM room_class ORDER BY id DESC LIMIT 1", &[])
        .map_err(|e| classify(&shown, e))?;
    Ok(row.map(|r| (r.get(0), r.get(1), r.get(2))))
}

/// The instructor's live view of the lab: LISTENs on [`live::CHANNEL`] and
/// reads, as the instructor, the rows each notice names (`talkdown lab watch`).
pub struct LiveWatch {
    store: PgStore,
    /// Sessions whose start has been read.
    known: std::collections::HashSet<i64>,
}

fn live_time(s: &str) -> chrono::DateTime<chrono::Utc> {
    super::store::parse_time(s)
}

impl LiveWatch {
    /// Connect and LISTEN (before anything is read, so nothing is missed).
    pub fn connect(url: &str) -> Result<LiveWatch> {
        let store = PgStore::open(url, false)?;
        store.client().batch_execute(&format!("LISTEN {}", live::CHANNEL)).map_err(|e| store.err(e))?;
        Ok(LiveWatch { store, known: Default::default() })
    }

    /// The server as shown (password masked).
    pub fn server(&self) -> String {
        self.store.shown()
    }

    /// Every session still being played that was active since `since`, with
    /// its decisions so far (an instructor's role reads them all).
    pub fn snapshot(&mut self, since: chrono::DateTime<chrono::Utc>) -> Result<Vec<LiveEvent>> {
        let ids: Vec<i64> = self
            .store
            .rows(
                "SELECT id FROM sessions WHERE finished_at IS NULL AND abandon_reason IS NULL
                 AND last_activity >= ?1 ORDER BY id",
                &[super::store::fmt_time(&since)],
            )?
            .into_iter()
            .map(|r| r[0].int())
            .collect();
        let mut out = Vec::new();
        for id in ids {
            self.session_events(id, 0, &mut out)?;
        }
        Ok(out)
    }

    /// Wait for notices until `timeout` passes without one, and read what
    /// they name. Empty when nothing happened.
    pub fn wait(&mut self, timeout: Duration) -> Result<Vec<LiveEvent>> {
        let notices: Vec<Notice> = {
            let mut c = self.store.client();
            let mut n = c.notifications();
            let err = |e| classify(&self.store.shown(), e);
            let mut got = Vec::new();
            // Block until the first notice (or the timeout), then take what is already there.
            let first = n.timeout_iter(timeout).next().map_err(err)?;
            let mut take = |m: postgres::Notification| {
                if m.channel() == live::CHANNEL
                    && let Some(notice) = Notice::parse(m.payload())
                {
                    got.push(notice);
                }
            };
            if let Some(m) = first {
                take(m);
                let mut rest = n.iter();
                while let Some(m) = rest.next().map_err(err)? {
                    take(m);
                }
            }
            got
        };
        let mut out = Vec::new();
        for notice in notices {
            match notice {
                Notice::Started { session } => self.session_events(session, u32::MAX, &mut out)?,
                Notice::Decided { session, step } => {
                    if self.known.contains(&session) {
                        self.decision_events(session, step, step, &mut out)?;
                    } else {
                        self.session_events(session, 0, &mut out)?;
                    }
                }
                Notice::Ended { session } => self.end_event(session, &mut out)?,
            }
        }
        Ok(out)
    }

    /// The session's start, then its decisions after `after` (none with `u32::MAX`), then its end.
    fn session_events(&mut self, id: i64, after: u32, out: &mut Vec<LiveEvent>) -> Result<()> {
        let rows = self.store.rows(
            "SELECT trainee, scenario, class, started_at FROM sessions WHERE id = CAST(CAST(?1 AS TEXT) AS BIGINT)",
            &[id.to_string()],
        )?;
        let Some(r) = rows.first() else { return Ok(()) };
        out.push(LiveEvent::Started {
            session: id,
            trainee: r[0].text(),
            scenario: r[1].text(),
            class: r[2].opt_text(),
            started_at: live_time(&r[3].text()),
        });
        self.known.insert(id);
        if after != u32::MAX {
            self.decision_events(id, after + 1, u32::MAX, out)?;
        }
        self.end_event(id, out)
    }

    fn decision_events(&mut self, id: i64, from: u32, to: u32, out: &mut Vec<LiveEvent>) -> Result<()> {
        let rows = self.store.rows(
            "SELECT step, led_to, total, CASE WHEN critical THEN 1 ELSE 0 END, recorded_at FROM decisions
             WHERE session_id = CAST(CAST(?1 AS TEXT) AS BIGINT)
               AND step BETWEEN CAST(CAST(?2 AS TEXT) AS BIGINT) AND CAST(CAST(?3 AS TEXT) AS BIGINT)
             ORDER BY step",
            &[id.to_string(), from.to_string(), to.to_string()],
        )?;
        out.extend(rows.iter().map(|r| LiveEvent::Decided {
            session: id,
            step: r[0].int() as u32,
            led_to: r[1].text(),
            points: r[2].int() as i32,
            critical: r[3].int() != 0,
            at: live_time(&r[4].text()),
        }));
        Ok(())
    }

    fn end_event(&mut self, id: i64, out: &mut Vec<LiveEvent>) -> Result<()> {
        let rows = self.store.rows(
            "SELECT finished_at, abandon_reason, last_activity FROM sessions
             WHERE id = CAST(CAST(?1 AS TEXT) AS BIGINT)",
            &[id.to_string()],
        )?;
        if let Some(r) = rows.first() {
            match (r[0].opt_text(), r[1].opt_text()) {
                (Some(at), _) => {
                    out.push(LiveEvent::Ended { session: id, finished: true, at: live_time(&at) })
                }
                (None, Some(_)) => {
                    out.push(LiveEvent::Ended { session: id, finished: false, at: live_time(&r[2].text()) })
                }
                (None, None) => {}
            }
        }
        Ok(())
    }
}

/// What `talkdown lab init` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabInit {
    /// The server and database, as shown (no password).
    pub server: String,
    pub schema_version: usize,
    pub station: LabRole,
    pub instructor: LabRole,
}

/// One role made (or whose password was renewed) by `lab init`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabRole {
    pub name: String,
    /// Generated; shown once to whoever ran `lab init`.
    pub password: String,
    /// `true` when the role existed and got a new password.
    pub renewed: bool,
    /// A URL for this role without its password (it comes from `.pgpass`).
    pub url: String,
    /// The `.pgpass` line for it.
    pub pgpass_line: String,
}

/// Names for the two roles `lab init` creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabRoles {
    pub station: String,
    pub instructor: String,
}

fn random_password() -> String {
    use rand::Rng;
    const CHARS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut r = rand::rng();
    (0..24).map(|_| CHARS[r.random_range(0..CHARS.len())] as char).collect()
}

fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn pgpass_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace(':', "\\:")
}

/// `talkdown lab init`: connect as an administrator (a role that owns the
/// database, or a superuser, with CREATEROLE), create or upgrade the schema,
/// create the station and instructor roles (or renew their passwords), and
/// grant each what it may do, with row-level security.
pub fn lab_init(admin_url: &str, roles: Option<LabRoles>) -> Result<LabInit> {
    let target = parse_target(admin_url)?;
    let store = PgStore::open(admin_url, true)?;
    let shown = store.shown();
    let schema_version = store.schema_version()?;
    let db = target
        .config
        .get_dbname()
        .map(str::to_string)
        .or_else(|| target.config.get_user().map(str::to_string))
        .unwrap_or_default();
    let roles = roles.unwrap_or_else(|| {
        let base: String = db
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
            .collect();
        LabRoles { station: format!("{base}_station"), instructor: format!("{base}_instructor") }
    });
    let station_pw = random_password();
    let instructor_pw = random_password();
    let e = |err| classify(&shown, err);
    let (st, ins) = (quote_ident(&roles.station), quote_ident(&roles.instructor));
    let dbq = quote_ident(&db);
    let mut renewed = (false, false);
    {
        let mut c = store.client();
        let mut tx = c.transaction().map_err(e)?;
        for (name, pw, flag) in [
            (&roles.station, &station_pw, &mut renewed.0),
            (&roles.instructor, &instructor_pw, &mut renewed.1),
        ] {
            let exists =
                tx.query_opt("SELECT 1 FROM pg_roles WHERE rolname = $1", &[name]).map_err(e)?.is_some();
            *flag = exists;
            // The password is a literal in the statement (no parameters in
            // CREATE ROLE); the server stores its SCRAM hash, and the
            // statement is not logged unless the server logs every statement.
            let verb = if exists { "ALTER" } else { "CREATE" };
            let sql = format!(
                "{verb} ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD '{}'",
                quote_ident(name),
                pw.replace('\'', "''")
            );
            tx.batch_execute(&sql).map_err(e)?;
        }
        let sql = format!(
            r#"
REVOKE ALL ON DATABASE {dbq} FROM PUBLIC;
GRANT CONNECT ON DATABASE {dbq} TO {st}, {ins};
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO {st}, {ins};
REVOKE ALL ON schema_history, sessions, decisions, judgements, session_scores, notes, room_class FROM {st}, {ins};
GRANT SELECT ON schema_history TO {st}, {ins};
-- The room's class: set by the instructor, read by a station when a session starts without one.
GRANT SELECT ON room_class TO {st}, {ins};
GRANT INSERT (class, set_at) ON room_class TO {ins};
-- Stations: add sessions and decisions, finish their own session; no UPDATE or DELETE of a decision.
GRANT SELECT, INSERT ON sessions, decisions, judgements, session_scores TO {st};
GRANT UPDATE (last_activity, finished_at, abandon_reason, ending, ending_title, outcome, outcome_name, grade,
              total, total_best, best_choices, transcript, verdict, verdict_summary, process_percent)
    ON sessions TO {st};
-- Instructors: read everything, add notes.
GRANT SELECT ON sessions, decisions, judgements, session_scores, notes TO {ins};
GRANT INSERT (session_id, step, note, created_at) ON notes TO {ins};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {st}, {ins};

DROP POLICY IF EXISTS station_sessions_read ON sessions;
DROP POLICY IF EXISTS station_sessions_add ON sessions;
DROP POLICY IF EXISTS station_sessions_finish ON sessions;
DROP POLICY IF EXISTS station_decisions_read ON decisions;
DROP POLICY IF EXISTS station_decisions_add ON decisions;
DROP POLICY IF EXISTS station_judgements_read ON judgements;
DROP POLICY IF EXISTS station_judgements_add ON judgements;
DROP POLICY IF EXISTS station_scores_read ON session_scores;
DROP POLICY IF EXISTS station_scores_add ON session_scores;
DROP POLICY IF EXISTS instructor_read ON sessions;
DROP POLICY IF EXISTS instructor_read ON decisions;
DROP POLICY IF EXISTS instructor_read ON judgements;
DROP POLICY IF EXISTS instructor_read ON session_scores;
DROP POLICY IF EXISTS instructor_read ON notes;
DROP POLICY IF EXISTS instructor_add ON notes;

-- A station acts for one session at a time: the one whose random UUID it set
-- in `talkdown.session` (it made that UUID; it never sees anyone else's).
CREATE POLICY station_sessions_read ON sessions FOR SELECT TO {st}
    USING (uuid = current_setting('talkdown.session', true));
CREATE POLICY station_sessions_add ON sessions FOR INSERT TO {st}
    WITH CHECK (uuid = current_setting('talkdown.session', true) AND recorded_by = current_user);
CREATE POLICY station_sessions_finish ON sessions FOR UPDATE TO {st}
    USING (uuid = current_setting('talkdown.session', true) AND finished_at IS NULL)
    WITH CHECK (uuid = current_setting('talkdown.session', true));
CREATE POLICY station_decisions_read ON decisions FOR SELECT TO {st}
    USING (session_id IN (SELECT id FROM sessions WHERE uuid = current_setting('talkdown.session', true)));
CREATE POLICY station_decisions_add ON decisions FOR INSERT TO {st}
    WITH CHECK (session_id IN (SELECT id FROM sessions WHERE uuid = current_setting('talkdown.session', true)));
CREATE POLICY station_judgements_read ON judgements FOR SELECT TO {st}
    USING (session_id IN (SELECT id FROM sessions WHERE uuid = current_setting('talkdown.session', true)));
CREATE POLICY station_judgements_add ON judgements FOR INSERT TO {st}
    WITH CHECK (session_id IN (SELECT id FROM sessions WHERE uuid = current_setting('talkdown.session', true)));
CREATE POLICY station_scores_read ON session_scores FOR SELECT TO {st}
    USING (session_id IN (SELECT id FROM sessions WHERE uuid = current_setting('talkdown.session', true)));
CREATE POLICY station_scores_add ON session_scores FOR INSERT TO {st}
    WITH CHECK (session_id IN (SELECT id FROM sessions WHERE uuid = current_setting('talkdown.session', true)));

CREATE POLICY instructor_read ON sessions FOR SELECT TO {ins} USING (true);
CREATE POLICY instructor_read ON decisions FOR SELECT TO {ins} USING (true);
CREATE POLICY instructor_read ON judgements FOR SELECT TO {ins} USING (true);
CREATE POLICY instructor_read ON session_scores FOR SELECT TO {ins} USING (true);
CREATE POLICY instructor_read ON notes FOR SELECT TO {ins} USING (true);
CREATE POLICY instructor_add ON notes FOR INSERT TO {ins} WITH CHECK (author = current_user);
"#
        );
        tx.batch_execute(&sql).map_err(e)?;
        tx.commit().map_err(e)?;
    }
    drop(store);
    let role = |name: &str, password: String, renewed: bool| {
        let mut url = format!("{}://{}@", "postgresql", name);
        let (host, port) = match target.config.get_hosts().first() {
            Some(postgres::config::Host::Tcp(h)) => (h.clone(), target.config.get_ports().first().copied()),
            _ => ("localhost".to_string(), target.config.get_ports().first().copied()),
        };
        let port = port.unwrap_or(5432);
        url.push_str(&format!("{host}:{port}/{db}"));
        let mut params = Vec::new();
        match target.ssl {
            SslMode::Disable => params.push("sslmode=disable".to_string()),
            SslMode::Prefer => {}
            SslMode::Require => params.push("sslmode=require".to_string()),
            SslMode::VerifyCa => params.push("sslmode=verify-ca".to_string()),
            SslMode::VerifyFull => params.push("sslmode=verify-full".to_string()),
        }
        if let Some(c) = &target.root_cert {
            params.push(format!("sslrootcert={}", c.display()));
        }
        if !params.is_empty() {
            url.push('?');
            url.push_str(&params.join("&"));
        }
        let pgpass_line = format!(
            "{}:{}:{}:{}:{}",
            pgpass_escape(&host),
            port,
            pgpass_escape(&db),
            pgpass_escape(name),
            pgpass_escape(&password)
        );
        LabRole { name: name.to_string(), password, renewed, url, pgpass_line }
    };
    Ok(LabInit {
        server: shown,
        schema_version,
        station: role(&roles.station, station_pw, renewed.0),
        instructor: role(&roles.instructor, instructor_pw, renewed.1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_masked_in_urls() {
        assert_eq!(
            mask_url("postgresql://station:s3cret@lab.local/talkdown"),
            "postgresql://station:***@lab.local/talkdown"
        );
        assert_eq!(
            mask_url("postgresql://station@lab.local:5433/db?sslmode=require"),
            "postgresql://station@lab.local:5433/db?sslmode=require"
        );
        assert_eq!(
            mask_url("postgres://u:p%40ss@h/db?password=x&sslmode=verify-full"),
            "postgres://u:***@h/db?password=***&sslmode=verify-full"
        );
        assert_eq!(mask_url("postgresql://a:b@c"), "postgresql://a:***@c");
        assert!(!mask_url("postgresql://u:pa:ss@h/d").contains("ss@"));
    }

    #[test]
    fn a_url_with_or_without_its_password_names_the_same_destination() {
        let with = identity("postgresql://station:s3cret@lab.local/talkdown?sslmode=require");
        assert_eq!(with, "postgresql://station@lab.local:5432/talkdown");
        assert_eq!(identity("postgres://station@lab.local:5432/talkdown"), with);
        assert_ne!(identity("postgresql://instructor@lab.local/talkdown"), with);
        assert!(!identity("postgresql://u:pw@h:bad/db").contains("pw"));
    }

    #[test]
    fn pgpass_lines_match_as_libpq_reads_them() {
        let text =
            "# comment\nother:5432:*:station:nope\nlab\\:1:5432:talk:station:pw\\:1\n*:*:*:instructor:ipw\n";
        assert_eq!(pgpass_lookup(text, "lab:1", "5432", "talk", "station"), Some("pw:1".into()));
        assert_eq!(pgpass_lookup(text, "x", "1", "y", "instructor"), Some("ipw".into()));
        assert_eq!(pgpass_lookup(text, "lab", "5432", "talk", "station"), None);
    }

    #[test]
    fn a_bad_sslmode_is_named() {
        let Err(e) = parse_target("postgresql://u:secret@h/db?sslmode=sometimes") else { panic!("accepted") };
        let msg = e.to_string();
        assert!(msg.contains("sslmode=sometimes") && !msg.contains("secret"), "{msg}");
    }
}
