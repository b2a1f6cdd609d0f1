//! A whole class at once (issue 13, point 6): thirty stations, each a real
//! `talkdown play` process with the station role's credentials (from a
//! `.pgpass` file, as docs/lab.md sets a station up) and its own outbox,
//! play at the same time into one throwaway server (tests/common/pg.rs).
//! Every session and every decision must be there exactly once, no outbox
//! may keep anything, and the class report must count thirty trainees.

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use talkdown::records::{Filter, Status, Store};

mod common;
use common::fixture_path;
use common::pg;

const STATIONS: usize = 30;
const CLASS: &str = "CIT-LOAD-30";
/// introduce, reflect, ask_now, offer_counsellor (authored order, seed 1).
const ANSWERS: &[u8] = b"1\n3\n1\n1\n";
const CHOICES: [&str; 4] = ["introduce", "reflect", "ask_now", "offer_counsellor"];

fn talkdown(pgpass: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_talkdown"));
    c.env_remove("TALKDOWN_RECORDS")
        .env_remove("TALKDOWN_CLASS")
        .env_remove("PGPASSWORD")
        .env("PGPASSFILE", pgpass)
        .env("NO_COLOR", "1");
    c
}

fn outbox_rows(file: &Path) -> i64 {
    rusqlite::Connection::open(file)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn thirty_stations_playing_at_once_deliver_every_decision_exactly_once() {
    let Some(pg) = pg::shared() else { return };
    let lab = pg.lab("class");
    let dir = tempfile::tempdir().unwrap();
    // Each role's password only in its .pgpass line, as lab init printed it.
    let station_pass = dir.path().join("station.pgpass");
    talkdown::records::files::write_private(
        &station_pass,
        format!("{}\n", lab.init.station.pgpass_line).as_bytes(),
    )
    .unwrap();
    let instructor_pass = dir.path().join("instructor.pgpass");
    talkdown::records::files::write_private(
        &instructor_pass,
        format!("{}\n", lab.init.instructor.pgpass_line).as_bytes(),
    )
    .unwrap();
    let instructor = |args: &[&str]| {
        let out = talkdown(&instructor_pass)
            .env("TALKDOWN_RECORDS", &lab.init.instructor.url)
            .env("TALKDOWN_OUTBOX", dir.path().join("instructor-outbox.sqlite3"))
            .args(args)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "{args:?}: {text}{}", String::from_utf8_lossy(&out.stderr));
        text
    };
    // The instructor sets the room's class; stations name none of their own.
    instructor(&["lab", "class", CLASS]);

    let started = std::time::Instant::now();
    let mut stations: Vec<(String, std::path::PathBuf, Child)> = (0..STATIONS)
        .map(|n| {
            let trainee = format!("cadet-{n:02}");
            let outbox = dir.path().join(format!("station-{n:02}.outbox.sqlite3"));
            let child = talkdown(&station_pass)
                .env("TALKDOWN_RECORDS", &lab.init.station.url)
                .env("TALKDOWN_OUTBOX", &outbox)
                .args(["play", "--no-shuffle", "--seed", "1", "--trainee", &trainee])
                .arg(fixture_path())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            (trainee, outbox, child)
        })
        .collect();
    for (_, _, child) in &mut stations {
        child.stdin.take().unwrap().write_all(ANSWERS).unwrap();
    }
    for (trainee, outbox, child) in stations {
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{trainee}: {err}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("Debrief"), "{trainee}");
        assert!(!err.contains("warning"), "{trainee}: {err}");
        assert_eq!(outbox_rows(&outbox), 0, "{trainee}'s outbox still holds writes");
    }
    eprintln!("{STATIONS} stations played and exited in {:.1} s", started.elapsed().as_secs_f64());

    // Every session once, each whole and finished, each decision once and in order.
    let store = Store::open(&lab.instructor).unwrap();
    let sessions = store.sessions(&Filter::default()).unwrap();
    assert_eq!(sessions.len(), STATIONS);
    let mut trainees: Vec<&str> = sessions.iter().map(|s| s.trainee.as_str()).collect();
    trainees.sort();
    trainees.dedup();
    assert_eq!(trainees.len(), STATIONS, "one session per trainee");
    for s in &sessions {
        assert_eq!(s.status, Status::Finished, "{}", s.trainee);
        assert_eq!(s.class.as_deref(), Some(CLASS), "{}", s.trainee);
        assert_eq!(s.total, Some(11), "{}", s.trainee);
        let d = store.decisions(s.id).unwrap();
        assert_eq!(d.iter().map(|d| d.choice.as_str()).collect::<Vec<_>>(), CHOICES, "{}", s.trainee);
        assert_eq!(d.iter().map(|d| d.step).collect::<Vec<_>>(), [1, 2, 3, 4], "{}", s.trainee);
    }
    let counts = pg.psql(
        &lab.db,
        "SELECT (SELECT COUNT(*) FROM sessions) || ' ' || (SELECT COUNT(*) FROM decisions) || ' ' ||
                (SELECT COUNT(*) FROM judgements) || ' ' || (SELECT COUNT(DISTINCT uuid) FROM sessions)",
    );
    assert_eq!(counts.trim(), format!("{STATIONS} {} {} {STATIONS}", STATIONS * 4, STATIONS * 4));

    // The instructor's class report counts them all.
    let report = instructor(&["report", "--scenario", "every_feature", "--class", CLASS]);
    assert!(
        report.contains(&format!(
            "Attempts: {STATIONS}   Finished: {STATIONS}   Abandoned: 0   Trainees: {STATIONS}"
        )),
        "{report}"
    );
}

/// A station (the real `talkdown play`) pointed at `url`: plays the four
/// answers and exits; (exit code, stderr).
fn play_at(url: &str, outbox: &Path, pgpass: &Path, trainee: &str) -> (Option<i32>, String) {
    let mut child = talkdown(pgpass)
        .env("TALKDOWN_RECORDS", url)
        .env("TALKDOWN_OUTBOX", outbox)
        .args(["play", "--no-shuffle", "--seed", "1", "--trainee", trainee])
        .arg(fixture_path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child.stdin.take().unwrap().write_all(ANSWERS);
    let out = child.wait_with_output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn outbox_decisions(file: &Path) -> i64 {
    rusqlite::Connection::open(file)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM outbox WHERE delivery LIKE '{\"write\":\"decisions\"%'", [], |r| {
            r.get(0)
        })
        .unwrap()
}

/// `talkdown records sync` at a station: (exit code, stdout + stderr).
fn sync_at(url: &str, outbox: &Path, pgpass: &Path) -> (Option<i32>, String) {
    let out = talkdown(pgpass)
        .env("TALKDOWN_RECORDS", url)
        .env("TALKDOWN_OUTBOX", outbox)
        .args(["records", "sync"])
        .output()
        .unwrap();
    (
        out.status.code(),
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
    )
}

/// Something that is not PostgreSQL on the port (a web server answering
/// every connection): the station plays on, says what is wrong and what to
/// check, and keeps every answer in its outbox.
#[test]
fn a_server_that_is_not_postgres_leaves_the_answers_in_the_outbox() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let server = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((mut c, _)) => {
                        // As a web server does: read the request, answer, hang up.
                        use std::io::Read;
                        let _ = c.set_nonblocking(false);
                        let _ = c.set_read_timeout(Some(std::time::Duration::from_secs(5)));
                        let _ = c.read(&mut [0u8; 512]);
                        let _ = c.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
                    }
                    Err(_) => std::thread::sleep(std::time::Duration::from_millis(10)),
                }
            }
        })
    };
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox.sqlite3");
    let pgpass = dir.path().join("pgpass");
    talkdown::records::files::write_private(
        &pgpass,
        format!("127.0.0.1:{port}:lab:station:station-pw\n").as_bytes(),
    )
    .unwrap();
    let url = format!("postgresql://station@127.0.0.1:{port}/lab");
    let (code, err) = play_at(&url, &outbox, &pgpass, "ana");
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("did not answer as a PostgreSQL server") && err.contains("host and port"), "{err}");
    assert!(err.contains("kept on this PC"), "{err}");
    assert!(!err.contains("station-pw"), "{err}");
    assert_eq!(outbox_decisions(&outbox), 4);
    let (code, out) = sync_at(&url, &outbox, &pgpass);
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("(4 decisions) still waiting") && out.contains("did not answer as a PostgreSQL server"),
        "{out}"
    );
    assert_eq!(outbox_decisions(&outbox), 4, "still kept");
    stop.store(true, Ordering::SeqCst);
    server.join().unwrap();
}

/// A lab server whose schema is older (not upgraded after a Talkdown
/// update) or newer (a station not updated yet) than this Talkdown's: the
/// station plays on, names what to do, keeps every answer in its outbox, and
/// `records sync` delivers them once the schema matches.
#[test]
fn an_older_or_newer_schema_names_what_to_do_and_keeps_the_outbox() {
    let Some(pg) = pg::shared() else { return };
    let known = talkdown::records::pg::SCHEMA_VERSION;
    for (case, break_it, fix_it, says) in [
        (
            "older",
            format!("DELETE FROM schema_history WHERE version = {known}"),
            format!("INSERT INTO schema_history VALUES ({known}, 'now', 'upgraded again')"),
            vec!["older Talkdown schema", "talkdown lab init"],
        ),
        (
            "newer",
            "INSERT INTO schema_history VALUES (99, 'later', 'from the future')".to_string(),
            "DELETE FROM schema_history WHERE version = 99".to_string(),
            vec!["newer Talkdown", "update Talkdown"],
        ),
    ] {
        let lab = pg.lab(case);
        let dir = tempfile::tempdir().unwrap();
        let outbox = dir.path().join("outbox.sqlite3");
        let pgpass = dir.path().join("pgpass");
        talkdown::records::files::write_private(
            &pgpass,
            format!("{}\n", lab.init.station.pgpass_line).as_bytes(),
        )
        .unwrap();
        let url = &lab.init.station.url;
        pg.psql(&lab.db, &break_it);
        let (code, err) = play_at(url, &outbox, &pgpass, "ana");
        assert_eq!(code, Some(0), "{case}: {err}");
        for s in &says {
            assert!(err.contains(s), "{case}: {err}");
        }
        assert!(err.contains("kept on this PC"), "{case}: {err}");
        assert!(!err.contains(&lab.init.station.password), "{case}: {err}");
        assert_eq!(outbox_decisions(&outbox), 4, "{case}");
        let (code, out) = sync_at(url, &outbox, &pgpass);
        assert_eq!(code, Some(2), "{case}: {out}");
        assert!(out.contains("(4 decisions) still waiting"), "{case}: {out}");
        for s in &says {
            assert!(out.contains(s), "{case}: {out}");
        }
        assert_eq!(pg.psql(&lab.db, "SELECT COUNT(*) FROM sessions").trim(), "0", "{case}");

        pg.psql(&lab.db, &fix_it);
        let (code, out) = sync_at(url, &outbox, &pgpass);
        assert_eq!(code, Some(0), "{case}: {out}");
        assert!(out.contains("Delivered 4 decisions of 1 session"), "{case}: {out}");
        assert_eq!(outbox_rows(&outbox), 0, "{case}");
        let counts = pg.psql(
            &lab.db,
            "SELECT (SELECT COUNT(*) FROM sessions) || ' ' || (SELECT COUNT(*) FROM decisions)",
        );
        assert_eq!(counts.trim(), "1 4", "{case}");
    }
}

/// A station closing while its first delivery is still under way does not
/// sit out the exit wait when that delivery then fails (here: a wrong
/// password): the flush ends as soon as the server refuses, the writes stay
/// in the outbox file, and the next flush sends them with the right password.
#[test]
fn closing_a_station_ends_the_wait_as_soon_as_delivery_fails() {
    use std::time::Duration;
    use talkdown::engine::{Mode, Playthrough, StartOptions};
    use talkdown::records::Recorder;
    use talkdown::records::outbox::{FlushReport, OutboxOptions};
    use talkdown::records::recorder::RecorderOptions;
    let Some(pg) = pg::shared() else { return };
    let lab = pg.lab("close");
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox.sqlite3");
    let options = RecorderOptions {
        outbox: OutboxOptions { outbox_file: Some(outbox.clone()), ..OutboxOptions::default() },
        ..RecorderOptions::default()
    };
    let s = common::fixture();
    let mut o = StartOptions::new(1, Mode::Training);
    o.shuffle = false;
    let mut p = Playthrough::start(&s, o).unwrap();
    let wrong = pg.url(&lab.init.station.name, "not-the-password", &lab.db);
    let mut rec = Recorder::open_with(Some(Path::new(&wrong)), options.clone());
    rec.start(&p, "ana", None);
    p.choose_id("introduce", Some(900)).unwrap();
    rec.decided(&p);
    // An hour allowed: it must end because the server refused, not by the clock.
    match rec.flush(Duration::from_secs(3600)) {
        FlushReport::Kept { items, reason, .. } => {
            assert_eq!(items, 2);
            assert!(reason.contains("refused the login"), "{reason}");
        }
        other => panic!("expected the writes kept on the station, got {other:?}"),
    }
    drop(rec);
    assert_eq!(outbox_decisions(&outbox), 1);

    let rec = Recorder::open_with(Some(Path::new(&lab.station)), options);
    let mut rec = rec;
    assert_eq!(rec.flush(Duration::from_secs(3600)), FlushReport::Saved);
    drop(rec);
    assert_eq!(outbox_rows(&outbox), 0);
    assert_eq!(pg.psql(&lab.db, "SELECT COUNT(*) FROM decisions").trim(), "1");
}
