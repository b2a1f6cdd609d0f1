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
