//! The instructor's live view over a real server (tests/common/pg.rs):
//! `talkdown lab watch` LISTENs while stations record, and what a station can
//! learn from the notifications (numbers only, nothing it may read).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use talkdown::analysis;
use talkdown::debrief::Debrief;
use talkdown::engine::{Mode, Playthrough, StartOptions};
use talkdown::records::live::{Alert, AlertRules, LiveView, Notice, RowState};
use talkdown::records::pg::{LabInit, LabRoles, LiveWatch, lab_init};
use talkdown::records::{SessionId, Store};
use talkdown::scenario::{Scenario, load::load_scenario};

mod common;
use common::pg::{self, Pg};

fn fixture_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/every_feature.ron")
}

fn fixture() -> Scenario {
    load_scenario(&fixture_path()).expect("fixture loads")
}

fn lab(pg: &Pg) -> (String, LabInit) {
    let db = pg.database("live");
    let init = lab_init(
        &pg.admin_url(&db),
        Some(LabRoles { station: format!("{db}_st"), instructor: format!("{db}_in") }),
    )
    .expect("lab init");
    (db, init)
}

/// Wait on the watcher until `done` holds for the view (each wait returns as
/// soon as a notification arrives; the count only stops a broken test).
fn fold_until(watch: &mut LiveWatch, view: &mut LiveView, done: impl Fn(&LiveView) -> bool) {
    for _ in 0..600 {
        if done(view) {
            return;
        }
        for e in watch.wait(Duration::from_millis(500)).unwrap() {
            view.apply(&e);
        }
    }
    panic!("the watcher never saw it: {view:?}");
}

#[test]
fn the_watcher_folds_each_decision_as_the_server_announces_it() {
    let Some(pg) = pg::shared() else { return };
    let (db, init) = lab(pg);
    let s = fixture();
    let instructor = pg.url(&init.instructor.name, &init.instructor.password, &db);
    let mut station = Store::open(pg.url(&init.station.name, &init.station.password, &db)).unwrap();
    let mut watch = LiveWatch::connect(&instructor).unwrap();
    let rules = AlertRules { idle_after: Duration::from_secs(3600), harmful_in_a_row: 2 };
    let mut view = LiveView::new(rules);
    assert!(watch.snapshot(chrono::Utc::now() - chrono::Duration::hours(1)).unwrap().is_empty());

    let mut o = StartOptions::new(1, Mode::Training);
    o.shuffle = false;
    let mut p = Playthrough::start(&s, o).unwrap();
    let id = station.start_session(&p, "ana").unwrap();
    fold_until(&mut watch, &mut view, |v| v.row(id.0).is_some());
    assert_eq!(view.row(id.0).unwrap().trainee, "ana");
    assert_eq!(view.row(id.0).unwrap().decisions, 0);
    // Harmful choices, one at a time: each arrives, and two in a row raise the alert.
    for (n, c) in ["command", "cheer_up"].iter().enumerate() {
        p.choose_id(c, Some(800)).unwrap();
        station.record_decision(id, &p).unwrap();
        fold_until(&mut watch, &mut view, |v| v.row(id.0).unwrap().decisions == n as u32 + 1);
    }
    let row = view.row(id.0).unwrap().clone();
    assert_eq!(row.beat.as_deref(), Some(s.node_id(p.decisions()[1].led_to)));
    assert!(row.harmful_in_a_row >= 2, "{row:?}");
    assert!(
        view.alerts(&row, chrono::Utc::now()).contains(&Alert::Harmful { in_a_row: row.harmful_in_a_row })
    );
    p.choose_id("leave", Some(800)).unwrap();
    station.record_decision(id, &p).unwrap();
    let (a, mut space) = analysis::analyze(&s).unwrap();
    station.finish_session(id, &p, &Debrief::build(&p, &a, &mut space, Some("ana")).unwrap()).unwrap();
    fold_until(&mut watch, &mut view, |v| v.row(id.0).unwrap().state == RowState::Finished);
    let row = view.row(id.0).unwrap();
    assert_eq!((row.decisions, row.critical_errors), (3, 1));

    // A watcher started now sees no finished session; one still playing, whole.
    let mut q = Playthrough::start(&s, StartOptions::new(2, Mode::Training)).unwrap();
    let other = station.start_session(&q, "ben").unwrap();
    q.choose_id("introduce", Some(500)).unwrap();
    station.record_decision(other, &q).unwrap();
    let mut late = LiveView::default();
    let mut watch2 = LiveWatch::connect(&instructor).unwrap();
    for e in watch2.snapshot(chrono::Utc::now() - chrono::Duration::hours(1)).unwrap() {
        late.apply(&e);
    }
    assert!(late.row(id.0).is_none());
    assert_eq!(late.row(other.0).map(|r| (r.trainee.as_str(), r.decisions)), Some(("ben", 1)));
}

#[test]
fn a_station_listening_learns_numbers_only_and_can_read_none_of_it() {
    let Some(pg) = pg::shared() else { return };
    let (db, init) = lab(pg);
    let s = fixture();
    let station_url = pg.url(&init.station.name, &init.station.password, &db);
    let mut spy = postgres::Client::connect(&station_url, postgres::NoTls).unwrap();
    spy.batch_execute("LISTEN talkdown_live").unwrap();
    let mut station = Store::open(&station_url).unwrap();
    let mut o = StartOptions::new(1, Mode::Training);
    o.shuffle = false;
    let mut p = Playthrough::start(&s, o).unwrap();
    let id: SessionId = station.start_session(&p, "cadet-secret-name").unwrap();
    p.choose_id("introduce", Some(700)).unwrap();
    station.record_decision(id, &p).unwrap();

    use postgres::fallible_iterator::FallibleIterator;
    let mut got = Vec::new();
    let mut n = spy.notifications();
    let mut it = n.timeout_iter(Duration::from_secs(60));
    while got.len() < 2 {
        let m = it.next().unwrap().expect("notified");
        got.push(m.payload().to_string());
    }
    drop(it);
    drop(n);
    for payload in &got {
        assert!(Notice::parse(payload).is_some(), "{payload}");
        assert!(payload.chars().all(|c| c.is_ascii_digit() || c == ' ' || "sde".contains(c)), "{payload}");
        assert!(!payload.contains("cadet"), "{payload}");
    }
    // The numbers lead nowhere: the station's role reads none of those rows.
    let n: i64 = spy.query_one("SELECT COUNT(*) FROM sessions WHERE id = $1", &[&id.0]).unwrap().get(0);
    assert_eq!(n, 0);
    let n: i64 =
        spy.query_one("SELECT COUNT(*) FROM decisions WHERE session_id = $1", &[&id.0]).unwrap().get(0);
    assert_eq!(n, 0);
}

/// The real terminal player at a station while `talkdown lab watch` runs:
/// the watcher's table shows the trainee, the beat in words and each decision.
#[test]
fn lab_watch_shows_a_terminal_players_decisions_as_they_happen() {
    let Some(pg) = pg::shared() else { return };
    let (db, init) = lab(pg);
    let s = fixture();
    let instructor = pg.url(&init.instructor.name, &init.instructor.password, &db);
    let station = pg.url(&init.station.name, &init.station.password, &db);
    let scenarios = tempfile::tempdir().unwrap();
    std::fs::copy(fixture_path(), scenarios.path().join("every_feature.ron")).unwrap();
    let bin = env!("CARGO_BIN_EXE_talkdown");
    // Started, three decisions (seed 1), finished: five changes, then it prints and exits.
    let mut watcher = Command::new(bin)
        .args(["lab", "watch", "--updates", "5", "--records", &instructor])
        .arg("--scenarios")
        .arg(scenarios.path())
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(watcher.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    assert!(line.contains("listening"), "{line}");

    let mut player = Command::new(bin)
        .args([
            "play",
            "--seed",
            "1",
            "--no-shuffle",
            "--trainee",
            "kim",
            "--class",
            "CIT-7",
            "--records",
            &station,
        ])
        .arg(fixture_path())
        .env_remove("TALKDOWN_CLASS")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    player.stdin.take().unwrap().write_all(b"1\n1\n1\n1\n1\n1\n").unwrap();
    assert!(player.wait().unwrap().success());
    let out = watcher.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    // After the first decision: the trainee, the class and the beat in words.
    let mut p = Playthrough::start(&s, {
        let mut o = StartOptions::new(1, Mode::Training);
        o.shuffle = false;
        o
    })
    .unwrap();
    p.choose_id("introduce", None).unwrap();
    let beat = s.beat_name(s.beat_index(s.node_id(p.decisions()[0].led_to)).unwrap());
    let words: String = beat.chars().take(20).collect();
    let row = text
        .lines()
        .find(|l| l.contains("kim") && l.contains(&words))
        .unwrap_or_else(|| panic!("no row at {beat:?} in:\n{text}"));
    assert!(row.contains("CIT-7"), "{row}");
    let last = text.lines().rfind(|l| l.contains("kim")).unwrap();
    assert!(last.contains("done") && last.contains("  3  "), "{last}");
}
