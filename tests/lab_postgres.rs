//! The lab's shared PostgreSQL server over real connections (a throwaway
//! cluster, tests/common/pg.rs): `lab init`, what the station and instructor
//! roles may and may not do (each forbidden action is tried and must be
//! refused), passwords kept out of messages, `.pgpass`, TLS, and clear errors
//! for a wrong password, a server that is not PostgreSQL and a newer schema.

use std::path::Path;
use std::process::Command;

use talkdown::analysis;
use talkdown::debrief::Debrief;
use talkdown::engine::{Mode, Playthrough, StartOptions};
use talkdown::records::pg::{LabInit, LabRoles, lab_init};
use talkdown::records::{Error, Filter, SessionId, Store};
use talkdown::scenario::Scenario;

mod common;
use common::pg::{self, Pg};
use common::{fixture, fixture_path};

/// Play `choices` through the Store API, finishing when an ending is reached.
fn play(store: &mut Store, s: &Scenario, trainee: &str, choices: &[&str]) -> SessionId {
    let mut opts = StartOptions::new(1, Mode::Training);
    opts.shuffle = false;
    let mut p = Playthrough::start(s, opts).unwrap();
    let id = store.start_session(&p, trainee).unwrap();
    for c in choices {
        p.choose_id(c, Some(1000)).unwrap();
        store.record_decision(id, &p).unwrap();
    }
    if p.is_finished() {
        let (a, mut space) = analysis::analyze(s).unwrap();
        let d = Debrief::build(&p, &a, &mut space, Some(trainee)).unwrap();
        store.finish_session(id, &p, &d).unwrap();
    }
    id
}

/// A new database with `lab init` run on it; role names unique to it.
fn lab(pg: &Pg) -> (String, LabInit) {
    let db = pg.database("lab");
    let init = lab_init(
        &pg.admin_url(&db),
        Some(LabRoles { station: format!("{db}_st"), instructor: format!("{db}_in") }),
    )
    .expect("lab init");
    (db, init)
}

fn connect(pg: &Pg, user: &str, password: &str, db: &str) -> postgres::Client {
    postgres::Client::connect(&pg.url(user, password, db), postgres::NoTls).expect("connect")
}

/// The SQLSTATE of a refused statement (panics if it was allowed).
fn refused(result: Result<u64, postgres::Error>, what: &str) -> String {
    match result {
        Ok(n) => panic!("{what}: allowed ({n} rows)"),
        Err(e) => e.code().map(|c| c.code().to_string()).unwrap_or_else(|| format!("{e}")),
    }
}

const INSUFFICIENT_PRIVILEGE: &str = "42501";

#[test]
fn lab_init_makes_both_roles_and_prints_no_password_in_urls() {
    let Some(pg) = pg::shared() else { return };
    let (db, init) = lab(pg);
    assert_eq!(init.schema_version, talkdown::records::pg::SCHEMA_VERSION);
    assert!(!init.server.contains(pg::ADMIN_PASSWORD), "{}", init.server);
    assert!(init.server.contains("postgres:***@"), "{}", init.server);
    for role in [&init.station, &init.instructor] {
        assert!(!role.url.contains(&role.password), "{}", role.url);
        assert!(role.pgpass_line.ends_with(&role.password));
        assert!(role.password.len() >= 20);
        assert!(!role.renewed);
    }
    assert_ne!(init.station.password, init.instructor.password);
    // Run again: the schema is kept, the passwords renewed.
    let again = lab_init(
        &pg.admin_url(&db),
        Some(LabRoles { station: init.station.name.clone(), instructor: init.instructor.name.clone() }),
    )
    .unwrap();
    assert!(again.station.renewed && again.instructor.renewed);
    assert_ne!(again.station.password, init.station.password);
    let old = Store::open(pg.url(&init.station.name, &init.station.password, &db));
    assert!(matches!(old, Err(Error::PgAuth { .. })), "{old:?}");
    Store::open(pg.url(&again.station.name, &again.station.password, &db)).expect("the new password works");
}

#[test]
fn a_station_records_its_own_session_and_sees_no_one_elses() {
    let Some(pg) = pg::shared() else { return };
    let (db, init) = lab(pg);
    let s = fixture();
    let station_url = pg.url(&init.station.name, &init.station.password, &db);
    let mut one = Store::open(&station_url).unwrap();
    let mut two = Store::open(&station_url).unwrap();
    let a = play(&mut one, &s, "ana", &["introduce", "reflect", "ask_now", "offer_counsellor"]);
    let b = play(&mut two, &s, "ben", &["grab"]);
    play(&mut two, &s, "cy", &["introduce"]);
    two.abandon_session(SessionId(b.0 + 1), "quit").unwrap();
    // The station reads nothing back: not even its own class's list.
    assert!(one.sessions(&Filter::default()).unwrap().is_empty());
    assert!(matches!(one.session(b), Err(Error::NoSuchSession { .. })));
    assert_eq!(one.class_report("every_feature", None, None).unwrap().attempts, 0);
    // The instructor sees every session whole.
    let instructor = Store::open(pg.url(&init.instructor.name, &init.instructor.password, &db)).unwrap();
    let all = instructor.sessions(&Filter::default()).unwrap();
    assert_eq!(all.len(), 3);
    let ana = instructor.session(a).unwrap();
    assert_eq!(ana.decisions.len(), 4);
    assert_eq!(ana.summary.total, Some(11));
    assert!(ana.decisions.iter().all(|d| d.best_available == Some(true)));
    assert_eq!(
        instructor.session(SessionId(b.0 + 1)).unwrap().summary.abandon_reason.as_deref(),
        Some("quit")
    );
    let r = instructor.class_report("every_feature", None, None).unwrap();
    assert_eq!((r.attempts, r.finished, r.trainees), (3, 2, 3));
}

#[test]
fn the_station_role_is_refused_everything_else() {
    let Some(pg) = pg::shared() else { return };
    let (db, init) = lab(pg);
    let s = fixture();
    let mut instructor_store =
        Store::open(pg.url(&init.instructor.name, &init.instructor.password, &db)).unwrap();
    let mut station_store = Store::open(pg.url(&init.station.name, &init.station.password, &db)).unwrap();
    let other = play(&mut station_store, &s, "ana", &["introduce", "reflect", "ask_now", "offer_counsellor"]);
    let other_uuid = instructor_store.session(other).unwrap().summary.uuid;
    // An instructor's note on it.
    let mut ins = connect(pg, &init.instructor.name, &init.instructor.password, &db);
    ins.execute(
        "INSERT INTO notes (session_id, step, note, created_at) VALUES ($1, 2, 'ask about the reflection', 'now')",
        &[&other.0],
    )
    .unwrap();
    drop(instructor_store.sessions(&Filter::default()).unwrap());
    let _ = &mut instructor_store;

    let mut st = connect(pg, &init.station.name, &init.station.password, &db);
    // Reading other trainees' records: nothing is visible (row-level security).
    for table in ["sessions", "decisions", "judgements", "session_scores"] {
        let n: i64 = st.query_one(&format!("SELECT COUNT(*) FROM {table}"), &[]).unwrap().get(0);
        assert_eq!(n, 0, "a station sees rows of {table}");
    }
    // Even with its own session set, another session stays invisible.
    let mut tx = st.transaction().unwrap();
    tx.execute("SELECT set_config('talkdown.session', 'made-up-uuid', true)", &[]).unwrap();
    let n: i64 = tx.query_one("SELECT COUNT(*) FROM sessions", &[]).unwrap().get(0);
    assert_eq!(n, 0);
    tx.rollback().unwrap();
    // Instructors' notes: no access at all.
    let e = st.query("SELECT * FROM notes", &[]).map(|r| r.len() as u64);
    assert_eq!(refused(e, "station reads notes"), INSUFFICIENT_PRIVILEGE);
    // Changing or deleting a decision, a session, a score: refused.
    for (sql, what) in [
        ("UPDATE decisions SET total = 99", "station updates a decision"),
        ("DELETE FROM decisions", "station deletes decisions"),
        ("DELETE FROM sessions", "station deletes sessions"),
        ("DELETE FROM judgements", "station deletes judgements"),
        ("UPDATE judgements SET best_available = true", "station rewrites judgements"),
        ("UPDATE session_scores SET score = 99", "station rewrites scores"),
        ("TRUNCATE decisions", "station truncates decisions"),
        ("UPDATE sessions SET trainee = 'someone'", "station renames a trainee"),
        ("INSERT INTO notes (session_id, note, created_at) VALUES (1, 'x', 'now')", "station writes a note"),
        ("DROP TABLE decisions", "station drops a table"),
        ("CREATE TABLE mine (x int)", "station creates a table"),
    ] {
        let code = refused(st.execute(sql, &[]), what);
        assert!(code == INSUFFICIENT_PRIVILEGE || code == "42P01", "{what}: {code}");
    }
    // Adding decisions to someone else's session (its id is guessable): refused by the policy.
    let e = st.execute(
        "INSERT INTO decisions (session_id, step, beat, choice, text, timed_out, scores, total, critical,
             techniques, offered, meters, flags, led_to, recorded_at)
         VALUES ($1, 9, 'b', 'c', 't', false, '[]', 0, false, '[]', '[]', '[]', '[]', 'x', 'now')",
        &[&other.0],
    );
    assert_eq!(refused(e, "station adds to another session"), INSUFFICIENT_PRIVILEGE);
    // A finished session of its own cannot be rewritten either.
    let mut tx = st.transaction().unwrap();
    tx.execute("SELECT set_config('talkdown.session', $1, true)", &[&other_uuid]).unwrap();
    let n = tx.execute("UPDATE sessions SET total = 99 WHERE uuid = $1", &[&other_uuid]).unwrap();
    assert_eq!(n, 0, "a finished session was rewritten");
    let e = tx.execute("UPDATE decisions SET total = 99", &[]);
    assert_eq!(refused(e, "station updates its own decision"), INSUFFICIENT_PRIVILEGE);
    drop(tx);
    // Purging through the Store: a clear refusal naming the role's limits.
    let e = station_store.purge(chrono::Utc::now()).unwrap_err();
    assert!(matches!(e, Error::PgDenied { .. }), "{e}");
    assert!(!e.to_string().contains(&init.station.password), "{e}");
    // And the record is as it was.
    let check = Store::open(pg.admin_url(&db)).unwrap().session(other).unwrap();
    assert_eq!(check.decisions.len(), 4);
    assert_eq!(check.summary.total, Some(11));
}

#[test]
fn the_instructor_reads_all_but_cannot_rewrite_or_delete() {
    let Some(pg) = pg::shared() else { return };
    let (db, init) = lab(pg);
    let s = fixture();
    let mut station = Store::open(pg.url(&init.station.name, &init.station.password, &db)).unwrap();
    let id = play(&mut station, &s, "ana", &["introduce", "reflect"]);
    let mut ins = connect(pg, &init.instructor.name, &init.instructor.password, &db);
    let n: i64 = ins.query_one("SELECT COUNT(*) FROM decisions", &[]).unwrap().get(0);
    assert_eq!(n, 2);
    ins.execute(
        "INSERT INTO notes (session_id, step, note, created_at) VALUES ($1, 1, 'good start', 'now')",
        &[&id.0],
    )
    .unwrap();
    let author: String = ins.query_one("SELECT author FROM notes", &[]).unwrap().get(0);
    assert_eq!(author, init.instructor.name);
    for (sql, what) in [
        ("UPDATE decisions SET total = 99", "instructor rewrites a decision"),
        ("DELETE FROM decisions", "instructor deletes decisions"),
        ("DELETE FROM sessions", "instructor deletes sessions"),
        ("UPDATE sessions SET trainee = 'x'", "instructor renames a trainee"),
        (
            "INSERT INTO judgements (session_id, step, best_available) VALUES (1, 1, true)",
            "instructor judges",
        ),
        ("UPDATE notes SET note = 'changed'", "instructor rewrites a note"),
        ("DELETE FROM notes", "instructor deletes a note"),
        (
            "INSERT INTO notes (session_id, note, created_at, author) VALUES (1, 'x', 'now', 'someone')",
            "forged author",
        ),
    ] {
        assert_eq!(refused(ins.execute(sql, &[]), what), INSUFFICIENT_PRIVILEGE, "{what}");
    }
    let e = ins.execute(
        "INSERT INTO decisions (session_id, step, beat, choice, text, timed_out, scores, total, critical,
             techniques, offered, meters, flags, led_to, recorded_at)
         VALUES ($1, 9, 'b', 'c', 't', false, '[]', 0, false, '[]', '[]', '[]', '[]', 'x', 'now')",
        &[&id.0],
    );
    assert_eq!(refused(e, "instructor adds a decision"), INSUFFICIENT_PRIVILEGE);
}

#[test]
fn wrong_password_not_postgres_and_newer_schema_give_clear_errors_without_passwords() {
    let Some(pg) = pg::shared() else { return };
    let (db, init) = lab(pg);
    let wrong = pg.url(&init.station.name, "not-the-password", &db);
    let e = Store::open(&wrong).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, Error::PgAuth { .. }), "{msg}");
    assert!(msg.contains(".pgpass") && !msg.contains("not-the-password") && msg.contains(":***@"), "{msg}");

    // Something that is not PostgreSQL on the port.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        use std::io::Write;
        if let Ok((mut c, _)) = listener.accept() {
            let _ = c.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n");
        }
    });
    let e = Store::open(format!("postgresql://u:hunter2@127.0.0.1:{port}/db?sslmode=disable")).unwrap_err();
    let msg = e.to_string();
    assert!(!msg.contains("hunter2") && msg.contains("u:***@127.0.0.1"), "{msg}");
    assert!(
        matches!(e, Error::PgNotPostgres { .. } | Error::PgUnreachable { .. } | Error::Postgres { .. }),
        "{msg}"
    );
    server.join().unwrap();

    // Nothing listening.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let e = Store::open(format!("postgresql://u:hunter2@127.0.0.1:{closed}/db")).unwrap_err();
    assert!(matches!(e, Error::PgUnreachable { .. }), "{e}");
    assert!(e.to_string().contains("firewall") && !e.to_string().contains("hunter2"), "{e}");

    // A database with no Talkdown tables, for a role that may not create them.
    let empty = pg.database("empty");
    let e = Store::open_read_only(pg.admin_url(&empty)).unwrap_err();
    assert!(matches!(e, Error::PgNoSchema { .. }) && e.to_string().contains("lab init"), "{e}");

    // A schema from a newer Talkdown: refused, not downgraded.
    pg.psql(&db, "INSERT INTO schema_history VALUES (99, 'later', 'from the future')");
    let e = Store::open(pg.url(&init.station.name, &init.station.password, &db)).unwrap_err();
    assert!(matches!(e, Error::TooNew { found: 99, .. }), "{e}");
    assert!(!e.to_string().contains(&init.station.password), "{e}");
}

fn talkdown() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_talkdown"));
    c.env_remove("TALKDOWN_RECORDS").env_remove("PGPASSFILE").env("NO_COLOR", "1");
    // A station's outbox never goes to the real data folder from a test.
    c.env(
        "TALKDOWN_OUTBOX",
        std::env::temp_dir().join(format!("talkdown-test-outbox-{}.sqlite3", std::process::id())),
    );
    c
}

#[test]
fn the_commands_work_on_the_server_with_passwords_from_pgpass() {
    let Some(pg) = pg::shared() else { return };
    let db = pg.database("cli");
    // lab init from the command line, the admin's password in a .pgpass file.
    let dir = tempfile::tempdir().unwrap();
    let pgpass = dir.path().join("pgpass");
    talkdown::records::files::write_private(
        &pgpass,
        format!("127.0.0.1:{}:*:postgres:{}\n", pg.port, pg::ADMIN_PASSWORD).as_bytes(),
    )
    .unwrap();
    let admin = format!("postgresql://postgres@127.0.0.1:{}/{db}", pg.port);
    let out = talkdown()
        .args(["lab", "init", "--admin", &admin, "--station-role", &format!("{db}_st")])
        .env("PGPASSFILE", &pgpass)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        text.contains(&format!("role {db}_st")) && text.contains(&format!("role {db}_instructor")),
        "{text}"
    );
    // Each role's .pgpass line, as printed, goes into the station's and the instructor's file.
    let lines: Vec<&str> =
        text.lines().filter_map(|l| l.split_once("(chmod 0600): ").map(|(_, v)| v)).collect();
    assert_eq!(lines.len(), 2, "{text}");
    let urls: Vec<&str> = text.lines().filter_map(|l| l.trim().strip_prefix("TALKDOWN_RECORDS=")).collect();
    for (url, line) in urls.iter().zip(&lines) {
        let password = line.rsplit(':').next().unwrap();
        assert!(!url.contains(password), "{url}");
    }
    let station_pass = dir.path().join("station.pgpass");
    talkdown::records::files::write_private(&station_pass, format!("{}\n", lines[0]).as_bytes()).unwrap();
    let instructor_pass = dir.path().join("instructor.pgpass");
    talkdown::records::files::write_private(&instructor_pass, format!("{}\n", lines[1]).as_bytes()).unwrap();

    // A station plays through the terminal player into the server.
    let mut child = talkdown()
        .args(["play", "--no-shuffle", "--trainee", "ana", "--seed", "1"])
        .arg(fixture_path())
        .env("TALKDOWN_RECORDS", urls[0])
        .env("PGPASSFILE", &station_pass)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        // introduce, reflect, ask_now, offer_counsellor in authored order.
        let _ = stdin.write_all(b"1\n3\n1\n1\n");
    }
    let played = child.wait_with_output().unwrap();
    assert!(played.status.success(), "{}", String::from_utf8_lossy(&played.stderr));

    // The instructor lists, shows, exports and reports from the server.
    let instructor = |args: &[&str]| {
        let out = talkdown()
            .args(args)
            .env("TALKDOWN_RECORDS", urls[1])
            .env("PGPASSFILE", &instructor_pass)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let list = instructor(&["records", "list"]);
    assert!(list.contains("ana") && list.contains("every_feature"), "{list}");
    let show = instructor(&["records", "show", "1"]);
    assert!(show.contains("A warm hand-off") && show.contains("[arrival]"), "{show}");
    let csv = instructor(&["records", "export", "--format", "csv"]);
    assert_eq!(csv.lines().count(), 5, "{csv}");
    let report = instructor(&["report", "--scenario", "every_feature"]);
    assert!(report.contains("Attempts: 1"), "{report}");
    let replay = instructor(&["replay", "1"]);
    assert!(replay.contains("Replay matches the record"), "{replay}");

    // Purge needs the owner; the instructor is refused with a clear message.
    let out = talkdown()
        .args(["records", "purge", "--before", "2999-01-01"])
        .env("TALKDOWN_RECORDS", urls[1])
        .env("PGPASSFILE", &instructor_pass)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("does not allow"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = talkdown()
        .args(["--records", &admin, "records", "purge", "--before", "2999-01-01"])
        .env("PGPASSFILE", &pgpass)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && said.contains("removed 1 session"),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!said.contains(pg::ADMIN_PASSWORD));
    assert_eq!(instructor(&["records", "list", "--json"]).trim(), "[]");
}

/// A cluster with TLS on and a certificate for `localhost` signed by a test CA.
#[test]
fn tls_require_and_verify_full_with_a_ca_file() {
    if pg::skipped() {
        return;
    }
    let dir = tempfile::Builder::new().prefix("talkdown-pg-tls-").tempdir().unwrap().keep();
    let ssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(&dir)
            .output()
            .expect("run openssl (.ci/setup installs it)");
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    ssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=Talkdown test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
    ]);
    ssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    ]);
    std::fs::write(dir.join("ext.cnf"), "subjectAltName=DNS:localhost\n").unwrap();
    ssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
        "-out",
        "server.crt",
    ]);
    ssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=Another CA",
        "-keyout",
        "other.key",
        "-out",
        "other.crt",
    ]);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.join("server.key"), std::fs::Permissions::from_mode(0o600)).unwrap();
    let cert = dir.join("server.crt").display().to_string();
    let key = dir.join("server.key").display().to_string();
    let pg = Pg::start_in(
        dir.clone(),
        &["ssl = on", &format!("ssl_cert_file = '{cert}'"), &format!("ssl_key_file = '{key}'")],
        true,
    );
    let db = pg.database("tls");
    let base = format!("postgresql://postgres:{}@localhost:{}/{db}", pg::ADMIN_PASSWORD, pg.port);
    let ca = dir.join("ca.crt").display().to_string();
    let mut store =
        Store::open(format!("{base}?sslmode=verify-full&sslrootcert={ca}")).expect("verify-full with the CA");
    play(&mut store, &fixture(), "ana", &["introduce"]);
    let n = pg.psql(&db, "SELECT COUNT(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE s.ssl AND a.application_name = 'talkdown'");
    assert_eq!(n.trim(), "1", "the connection is encrypted");
    drop(store);
    Store::open(format!("{base}?sslmode=require")).expect("require without a CA encrypts without checking");
    let other = dir.join("other.crt").display().to_string();
    let e = Store::open(format!("{base}?sslmode=verify-full&sslrootcert={other}")).unwrap_err();
    assert!(!e.to_string().contains(pg::ADMIN_PASSWORD), "{e}");
    assert!(e.to_string().contains("postgres:***@localhost"), "{e}");
    // The certificate names localhost, not 127.0.0.1: verify-full refuses, verify-ca accepts.
    let by_ip = format!("postgresql://postgres:{}@127.0.0.1:{}/{db}", pg::ADMIN_PASSWORD, pg.port);
    assert!(Store::open(format!("{by_ip}?sslmode=verify-full&sslrootcert={ca}")).is_err());
    Store::open(format!("{by_ip}?sslmode=verify-ca&sslrootcert={ca}")).expect("verify-ca ignores the name");
}

/// The lab's server restarts mid-session (an administrator, an update): the
/// station's outbox notices the closed connection, connects again when the
/// server is back and delivers every answer exactly once, with no rescue file.
#[test]
fn a_server_restarted_mid_session_gets_every_answer_once() {
    use std::time::Duration;
    use talkdown::records::outbox::{FlushReport, OutboxOptions};
    use talkdown::records::recorder::RecorderOptions;
    use talkdown::records::{Recorder, Status};

    if pg::skipped() {
        return;
    }
    // A cluster of its own: stopping the shared one would break other tests.
    let pg = Pg::start(&[]);
    let db = pg.database("restart");
    let url = pg.admin_url(&db);
    lab_init(&url, Some(LabRoles { station: format!("{db}_st"), instructor: format!("{db}_in") }))
        .expect("lab init");

    let station = tempfile::tempdir().unwrap();
    let s = fixture();
    let answers = ["introduce", "reflect", "ask_now", "offer_counsellor"];
    let mut o = StartOptions::new(1, Mode::Training);
    o.shuffle = false;
    let mut p = Playthrough::start(&s, o).unwrap();
    let options = RecorderOptions {
        outbox: OutboxOptions {
            busy_timeout: Duration::from_millis(200),
            retry_min: Duration::from_millis(20),
            retry_max: Duration::from_millis(200),
            outbox_file: Some(station.path().join("outbox.sqlite3")),
        },
        commit_wait: Duration::from_millis(200),
    };
    let mut rec = Recorder::open_with(Some(Path::new(&url)), options);
    rec.start(&p, "ana", None);
    p.choose_id(answers[0], Some(900)).unwrap();
    rec.decided(&p);
    assert_eq!(rec.flush(Duration::from_secs(30)), FlushReport::Saved);

    pg.stop();
    p.choose_id(answers[1], Some(800)).unwrap();
    rec.decided(&p);
    // Kept on the station's disk at once, whatever the network does.
    assert_eq!(outbox_rows(&station.path().join("outbox.sqlite3")), 1);
    pg.restart();
    for a in &answers[2..] {
        p.choose_id(a, Some(700)).unwrap();
        rec.decided(&p);
    }
    let (a, mut space) = analysis::analyze(&s).unwrap();
    rec.finish(&p, &Debrief::build(&p, &a, &mut space, Some("ana")).unwrap());
    assert_eq!(rec.flush(Duration::from_secs(60)), FlushReport::Saved, "delivered after the restart");
    drop(rec);
    assert_eq!(outbox_rows(&station.path().join("outbox.sqlite3")), 0, "nothing left waiting");

    let store = Store::open(&url).unwrap();
    let list = store.sessions(&Filter::default()).unwrap();
    assert_eq!(list.len(), 1, "one session");
    assert_eq!(list[0].status, Status::Finished);
    let d = store.decisions(list[0].id).unwrap();
    assert_eq!(
        d.iter().map(|d| d.choice.as_str()).collect::<Vec<_>>(),
        answers,
        "each answer once, in order"
    );
}

/// The instructor sets the room's class; a station's session started without
/// a class of its own takes it, one given `--class` keeps its own; a station
/// cannot set the room's class.
#[test]
fn the_instructor_sets_the_rooms_class_and_stations_take_it() {
    use talkdown::records::SessionStart;
    use talkdown::records::pg::{room_class, set_room_class};
    let Some(pg) = pg::shared() else { return };
    let (db, init) = lab(pg);
    let s = fixture();
    let station_url = pg.url(&init.station.name, &init.station.password, &db);
    let instructor_url = pg.url(&init.instructor.name, &init.instructor.password, &db);
    assert_eq!(room_class(&instructor_url).unwrap(), None);
    let mut station = Store::open(&station_url).unwrap();
    let before = play(&mut station, &s, "ana", &["grab"]);
    set_room_class(&instructor_url, "Cadets A").unwrap();
    set_room_class(&instructor_url, "CIT-2026-03").unwrap();
    let (class, by, _) = room_class(&instructor_url).unwrap().unwrap();
    assert_eq!((class.as_str(), by.as_str()), ("CIT-2026-03", init.instructor.name.as_str()));
    let during = play(&mut station, &s, "ben", &["grab"]);
    let mut o = StartOptions::new(1, Mode::Training);
    o.shuffle = false;
    let p = Playthrough::start(&s, o).unwrap();
    let mut own = SessionStart::new(&p, "cy", None);
    own.class = Some("Evening".into());
    let own_id = station.put_session(&own).unwrap();
    let refused = set_room_class(&station_url, "Mine");
    assert!(matches!(refused, Err(Error::PgDenied { .. })), "{refused:?}");

    let instructor = Store::open(&instructor_url).unwrap();
    let class_of = |id: SessionId| instructor.session(id).unwrap().summary.class;
    assert_eq!(class_of(before), None);
    assert_eq!(class_of(during).as_deref(), Some("CIT-2026-03"));
    assert_eq!(class_of(own_id).as_deref(), Some("Evening"));
    let r = instructor.class_report_for("every_feature", None, None, Some("CIT-2026-03")).unwrap();
    assert_eq!(r.attempts, 1);
}

/// Writes waiting in a station's outbox file.
fn outbox_rows(file: &Path) -> i64 {
    rusqlite::Connection::open(file)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0))
        .unwrap()
}

/// Decision writes waiting in a station's outbox file.
fn outbox_decisions(file: &Path) -> i64 {
    rusqlite::Connection::open(file)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM outbox WHERE delivery LIKE '{\"write\":\"decisions\"%'", [], |r| {
            r.get(0)
        })
        .unwrap()
}

/// `talkdown` as a station: its records on the lab server, its outbox in `outbox`.
fn station(url: &str, outbox: &Path) -> Command {
    let mut c = talkdown();
    c.env("TALKDOWN_RECORDS", url).env("TALKDOWN_OUTBOX", outbox);
    c
}

/// `talkdown records sync` on a station: (exit code, stdout, stderr).
fn sync(url: &str, outbox: &Path) -> (i32, String, String) {
    let out = station(url, outbox).args(["records", "sync"]).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The choices the instructor sees for the only session on the server, and its status.
fn on_server(pg: &Pg, init: &LabInit, db: &str) -> Vec<(Vec<String>, talkdown::records::Status)> {
    let instructor = Store::open(pg.url(&init.instructor.name, &init.instructor.password, db)).unwrap();
    instructor
        .sessions(&Filter::default())
        .unwrap()
        .into_iter()
        .map(|s| {
            let d = instructor.decisions(s.id).unwrap();
            (d.into_iter().map(|d| d.choice).collect(), s.status)
        })
        .collect()
}

/// A station (the real `talkdown play`) is killed with SIGKILL while a
/// delivery is open on the server (held there by a lock): the server rolls
/// it back, the answers stay in the station's outbox file, and `records
/// sync` later delivers each exactly once. Delivering the same writes again
/// (a kill after the server's commit, before the file forgot them) adds nothing.
#[test]
fn a_station_killed_mid_delivery_delivers_each_answer_once_after_sync() {
    let Some(pg) = pg::shared() else { return };
    let (db, init) = lab(pg);
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox.sqlite3");
    let url = pg.url(&init.station.name, &init.station.password, &db);

    // The owner holds decisions locked: a station's insert waits on the server.
    let mut admin = postgres::Client::connect(&pg.admin_url(&db), postgres::NoTls).unwrap();
    let mut lock = admin.transaction().unwrap();
    lock.batch_execute("LOCK TABLE decisions IN ACCESS EXCLUSIVE MODE").unwrap();

    let mut child = station(&url, &outbox)
        .args(["play", "--no-shuffle", "--trainee", "ana", "--seed", "1"])
        .arg(fixture_path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    {
        use std::io::Write;
        // introduce, reflect; then the player waits for the third answer.
        stdin.write_all(b"1\n3\n").unwrap();
        stdin.flush().unwrap();
    }
    // Both answers kept on the station, and its delivery blocked on the server.
    loop {
        assert!(child.try_wait().unwrap().is_none(), "the station exited early");
        let blocked = pg.psql(
            &db,
            "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = 'talkdown' AND wait_event_type = 'Lock'",
        );
        if outbox.exists() && outbox_decisions(&outbox) == 2 && blocked.trim() == "1" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    drop(stdin);
    lock.commit().unwrap();

    // The server has the session's start only; the answers are on the station.
    let before = on_server(pg, &init, &db);
    assert_eq!(before.len(), 1);
    assert!(before[0].0.is_empty(), "{before:?}");
    assert_eq!(outbox_decisions(&outbox), 2);
    let copy = dir.path().join("copy.sqlite3");
    rusqlite::Connection::open(&outbox)
        .unwrap()
        .execute("VACUUM INTO ?1", [copy.display().to_string()])
        .unwrap();

    let (code, out, err) = sync(&url, &outbox);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Delivered 2 decisions of 1 session"), "{out}");
    assert!(out.contains("Nothing is waiting"), "{out}");
    assert!(!out.contains(&init.station.password) && !err.contains(&init.station.password));
    assert_eq!(outbox_rows(&outbox), 0);
    let after = on_server(pg, &init, &db);
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].0, ["introduce", "reflect"]);

    // As if killed after the server committed but before the file forgot: sent again, stored once.
    std::fs::copy(&copy, &outbox).unwrap();
    let (code, out, err) = sync(&url, &outbox);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(on_server(pg, &init, &db), after, "nothing duplicated");
    let (code, out, _) = sync(&url, &outbox);
    assert_eq!(code, 0);
    assert!(
        out.contains("Delivered 0 decisions of 0 sessions") && out.contains("Nothing is waiting"),
        "{out}"
    );
}

/// A wrong password: the station plays on, keeps every answer in its outbox
/// and says so; `records sync` with the right password delivers them.
#[test]
fn a_wrong_password_keeps_the_outbox_until_sync_delivers_it() {
    let Some(pg) = pg::shared() else { return };
    let (db, init) = lab(pg);
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox.sqlite3");
    let wrong = pg.url(&init.station.name, "not-the-password", &db);
    let mut child = station(&wrong, &outbox)
        .args(["play", "--no-shuffle", "--trainee", "ana", "--seed", "1"])
        .arg(fixture_path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let _ = child.stdin.take().unwrap().write_all(b"1\n3\n1\n1\n");
    }
    let played = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&played.stderr);
    assert!(played.status.success(), "{err}");
    assert!(String::from_utf8_lossy(&played.stdout).contains("Debrief"));
    assert!(err.contains("refused the login") && err.contains("kept on this PC"), "{err}");
    assert!(!err.contains("not-the-password"), "{err}");
    assert_eq!(outbox_decisions(&outbox), 4);
    assert!(on_server(pg, &init, &db).is_empty());

    let (code, out, err) = sync(&wrong, &outbox);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.contains("Delivered 0 decisions") && out.contains("(4 decisions) still waiting"), "{out}");
    assert!(err.contains("refused the login") && !err.contains("not-the-password"), "{err}");

    let right = pg.url(&init.station.name, &init.station.password, &db);
    let (code, out, err) = sync(&right, &outbox);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Delivered 4 decisions of 1 session"), "{out}");
    let there = on_server(pg, &init, &db);
    assert_eq!(there.len(), 1);
    assert_eq!(there[0].0, ["introduce", "reflect", "ask_now", "offer_counsellor"]);
    assert_eq!(there[0].1, talkdown::records::Status::Finished);
}

/// Nothing listening (the server is down for the whole run): play goes on
/// and ends without waiting, the station shows the quiet status, and the
/// next station run delivers what the last one kept, before its own answers.
#[test]
fn a_server_down_for_the_whole_run_gets_it_from_the_next_run_or_sync() {
    if pg::skipped() {
        return;
    }
    let pg = Pg::start(&[]);
    let db = pg.database("down");
    let init = lab_init(
        &pg.admin_url(&db),
        Some(LabRoles { station: format!("{db}_st"), instructor: format!("{db}_in") }),
    )
    .expect("lab init");
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox.sqlite3");
    let url = pg.url(&init.station.name, &init.station.password, &db);
    pg.stop();
    let play = |trainee: &str| {
        let mut child = station(&url, &outbox)
            .args(["play", "--no-shuffle", "--seed", "1", "--trainee", trainee])
            .arg(fixture_path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        {
            use std::io::Write;
            let _ = child.stdin.take().unwrap().write_all(b"1\n3\n1\n1\n");
        }
        child.wait_with_output().unwrap()
    };
    let played = play("ana");
    let err = String::from_utf8_lossy(&played.stderr);
    assert!(played.status.success(), "{err}");
    assert!(
        err.contains("lab server unreachable: answers are kept on this PC and sent when it returns"),
        "{err}"
    );
    assert!(err.contains("records sync"), "{err}");
    assert_eq!(outbox_decisions(&outbox), 4);
    let (code, out, err) = sync(&url, &outbox);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.contains("still waiting") && err.contains("cannot reach the lab server"), "{out}{err}");

    // Back: the next run on the station delivers ana's answers, then its own.
    pg.restart();
    let played = play("ben");
    assert!(played.status.success(), "{}", String::from_utf8_lossy(&played.stderr));
    let (code, out, err) = sync(&url, &outbox);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(outbox_rows(&outbox), 0, "{out}");
    let instructor = Store::open(pg.url(&init.instructor.name, &init.instructor.password, &db)).unwrap();
    let mut sessions = instructor.sessions(&Filter::default()).unwrap();
    sessions.sort_by(|a, b| a.trainee.cmp(&b.trainee));
    assert_eq!(sessions.iter().map(|s| s.trainee.as_str()).collect::<Vec<_>>(), ["ana", "ben"]);
    for s in &sessions {
        assert_eq!(s.status, talkdown::records::Status::Finished);
        assert_eq!(instructor.decisions(s.id).unwrap().len(), 4, "{}", s.trainee);
    }
}

/// Rescue files from before the outbox (a records file of their own) are
/// sent by `records sync FILE`: moved into the outbox, delivered whole
/// (decisions, ending, scores, judgements, a reflection), renamed `.synced`;
/// sending one twice stores nothing twice. Without FILE, sync names the rescue
/// files it finds beside the outbox. A records file is not a server: refused.
#[test]
fn rescue_files_are_sent_by_records_sync_and_stored_once() {
    let Some(pg) = pg::shared() else { return };
    let (db, init) = lab(pg);
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox.sqlite3");
    let rescue = dir.path().join("records.rescue-20261201T101500Z.sqlite3");
    let s = fixture();
    {
        let mut file = Store::open(&rescue).unwrap();
        play(&mut file, &s, "ana", &["introduce", "reflect", "ask_now", "offer_counsellor"]);
        let id = play(&mut file, &s, "ben", &["introduce"]);
        file.abandon_session(id, "quit").unwrap();
    }
    let url = pg.url(&init.station.name, &init.station.password, &db);
    let (code, out, err) = sync(&url, &outbox);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("1 rescue file from before the outbox") && out.contains(&rescue.display().to_string()),
        "{out}"
    );

    let sent = station(&url, &outbox).args(["records", "sync"]).arg(&rescue).output().unwrap();
    let out = String::from_utf8_lossy(&sent.stdout);
    assert!(sent.status.success(), "{out}{}", String::from_utf8_lossy(&sent.stderr));
    assert!(
        out.contains("Moved 2 sessions from") && out.contains("Delivered 5 decisions of 2 sessions"),
        "{out}"
    );
    assert!(!rescue.exists());
    let synced = dir.path().join("records.rescue-20261201T101500Z.sqlite3.synced");
    assert!(synced.exists(), "kept, renamed");

    let instructor = Store::open(pg.url(&init.instructor.name, &init.instructor.password, &db)).unwrap();
    let check = |instructor: &Store| {
        let mut list = instructor.sessions(&Filter::default()).unwrap();
        list.sort_by(|a, b| a.trainee.cmp(&b.trainee));
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].status, talkdown::records::Status::Finished);
        assert_eq!(list[0].total, Some(11));
        assert_eq!(list[0].scores.len(), s.rubric.dimensions.len());
        let d = instructor.decisions(list[0].id).unwrap();
        assert_eq!(d.len(), 4);
        assert!(d.iter().all(|d| d.best_available == Some(true)));
        assert_eq!(list[1].abandon_reason.as_deref(), Some("quit"));
        assert_eq!(instructor.decisions(list[1].id).unwrap().len(), 1);
    };
    check(&instructor);
    // Sent again (the renamed file named by hand): nothing twice.
    let again = station(&url, &outbox).args(["records", "sync"]).arg(&synced).output().unwrap();
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    check(&instructor);

    // A records file is not a lab server.
    let out = station(&dir.path().join("r.sqlite3").display().to_string(), &outbox)
        .args(["records", "sync"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not a lab server"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
