//! The records store through its library API: round trips for every table,
//! migration from an empty file, clear errors for bad files, the class report
//! against hand-computed numbers, and exports parsed back. The tests written
//! with `both!` run on a SQLite file and on PostgreSQL (a throwaway cluster;
//! see tests/common/pg.rs, and TALKDOWN_SKIP_PG=1 to skip those).

use std::path::{Path, PathBuf};

use talkdown::analysis;
use talkdown::debrief::Debrief;
use talkdown::engine::{Mode, Playthrough, StartOptions};
use talkdown::records::export::{self, XapiOptions};
use talkdown::records::replay::{ReplayCheck, replay_session};
use talkdown::records::{Error, Filter, SessionId, Status, Store, parse_date};
use talkdown::scenario::Scenario;

mod common;

use common::routes::{A, B, C, D, E, F};
use common::{fixture, fixture_path, pg, play};

/// Where a test keeps its records: a new SQLite file, or a new database on the
/// test binary's throwaway PostgreSQL cluster (tests/common/pg.rs).
struct Place {
    _dir: Option<tempfile::TempDir>,
    path: PathBuf,
    pg_db: Option<String>,
}

impl Place {
    fn sqlite() -> Place {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.sqlite3");
        Place { _dir: Some(dir), path, pg_db: None }
    }

    /// `None` only with TALKDOWN_SKIP_PG=1.
    fn postgres() -> Option<Place> {
        let pg = pg::shared()?;
        let db = pg.database("store");
        Some(Place { _dir: None, path: PathBuf::from(pg.admin_url(&db)), pg_db: Some(db) })
    }

    fn open(&self) -> Store {
        Store::open(&self.path).unwrap()
    }

    /// Run SQL directly on the store (to set up a case the API cannot make).
    fn sql(&self, stmt: &str) {
        match &self.pg_db {
            Some(db) => {
                pg::shared().unwrap().psql(db, stmt);
            }
            None => rusqlite::Connection::open(&self.path).unwrap().execute_batch(stmt).unwrap(),
        }
    }
}

/// One test body run on both backends: `NAME::sqlite` and `NAME::postgres`.
macro_rules! both {
    ($name:ident, |$place:ident| $body:block) => {
        mod $name {
            use super::*;

            #[test]
            fn sqlite() {
                let $place = Place::sqlite();
                $body
            }

            #[test]
            fn postgres() {
                let Some($place) = Place::postgres() else { return };
                $body
            }
        }
    };
}

/// Six sessions whose report numbers are worked out by hand below.
fn class(store: &mut Store, s: &Scenario) -> Vec<SessionId> {
    vec![
        play(store, s, "ana", A),
        play(store, s, "ben", B),
        play(store, s, "cy", C),
        play(store, s, "dee", D),
        play(store, s, "ana", E),
        play(store, s, "eve", F),
    ]
}

#[test]
fn a_new_empty_file_is_migrated_to_the_current_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.sqlite3");
    std::fs::write(&path, b"").unwrap();
    let store = Store::open(&path).unwrap();
    // 1: sessions, decisions, scores; 2: judgement (verdict, process, reactions);
    // 3: the timing accommodation; 4: rewind (parent session, fork step);
    // 5: decision labels, readings, reflections; 6: the class name.
    assert_eq!(store.schema_version().unwrap(), 6);
    store.check_integrity().unwrap();
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let history: Vec<(i64, String)> = conn
        .prepare("SELECT version, description FROM schema_history")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(history.len(), 6);
    assert_eq!(history[0].0, 1);
    assert_eq!(history[1].0, 2);
    assert!(history[1].1.starts_with("judgement"), "{history:?}");
    assert_eq!(history[2].0, 3);
    assert!(history[2].1.starts_with("timing"), "{history:?}");
    assert_eq!(history[3].0, 4);
    assert!(history[3].1.starts_with("rewind"), "{history:?}");
    assert_eq!(history[4].0, 5);
    assert!(history[4].1.starts_with("decision labels"), "{history:?}");
    assert_eq!(history[5].0, 6);
    assert!(history[5].1.starts_with("class name"), "{history:?}");
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    // Opening again does not migrate twice.
    assert_eq!(Store::open(&path).unwrap().schema_version().unwrap(), 6);
}

#[test]
fn a_missing_folder_is_created_for_a_new_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/records.sqlite3");
    Store::open(&path).unwrap();
    assert!(path.is_file());
}

both!(sessions_decisions_and_scores_round_trip, |place| {
    let mut store = place.open();
    let s = fixture();
    let id = play(&mut store, &s, "ana", A);
    let rec = store.session(id).unwrap();
    let m = &rec.summary;
    assert_eq!(m.trainee, "ana");
    assert_eq!(m.scenario, "every_feature");
    assert_eq!(m.title, "Every feature");
    assert_eq!(m.content_hash, s.content_hash);
    assert_eq!(m.version, "1.0");
    assert_eq!(m.seed, 1);
    assert_eq!(m.mode, Mode::Training);
    assert!(!m.shuffle);
    assert_eq!(m.status, Status::Finished);
    assert_eq!(m.ending.as_deref(), Some("accepts_help"));
    assert_eq!(m.outcome.as_deref(), Some("voluntary_help"));
    assert_eq!(m.grade.map(|g| g.label()), Some("good"));
    assert_eq!(m.total, Some(11));
    assert_eq!(m.decisions, 4);
    assert_eq!(m.critical_errors, 0);
    assert_eq!(m.uuid.len(), 36);
    assert!(m.scenario_path.as_deref().unwrap().ends_with("every_feature.ron"));
    assert!(m.finished_at.unwrap() >= m.started_at);
    // session_scores: one per rubric dimension, in rubric order.
    let dims: Vec<(&str, i32)> = m.scores.iter().map(|d| (d.id.as_str(), d.score)).collect();
    assert_eq!(
        dims,
        [
            ("safety", 1),
            ("connection", 2),
            ("listening", 2),
            ("deescalation", 0),
            ("assessment", 3),
            ("dignity", 0),
            ("linkage", 3)
        ]
    );
    // decisions: every column.
    let d = &rec.decisions;
    assert_eq!(d.iter().map(|d| d.choice.as_str()).collect::<Vec<_>>(), A);
    let first = &d[0];
    assert_eq!(first.step, 1);
    assert_eq!(first.beat, "arrival");
    assert_eq!(first.text, "I'm Alex. I'm not here to arrest anyone. Can I sit over here?");
    assert!(!first.timed_out);
    assert_eq!(first.response_ms, Some(1000));
    assert_eq!(first.total, 3);
    assert_eq!(first.scores[0], ("safety".to_string(), 1));
    assert_eq!(first.scores.len(), 7);
    assert!(!first.critical);
    assert_eq!(first.best_available, Some(true));
    assert_eq!(first.techniques, ["introduction", "time_distance_cover"]);
    assert_eq!(first.offered, ["introduce", "command", "grab"]);
    assert_eq!(first.meters, [("distress".to_string(), 6), ("trust".to_string(), 4)]);
    assert_eq!(first.flags, ["introduced"]);
    assert_eq!(first.led_to, "talk");
    assert_eq!(first.chance, None);
    assert_eq!(d[3].led_to, "accepts_help");
    assert_eq!(d[3].flags, ["asked_about_suicide", "introduced"]);
    // The transcript is kept for replay.
    assert!(rec.transcript.as_deref().unwrap().contains("== A warm hand-off =="));
});

both!(a_timeout_is_recorded_as_a_decision, |place| {
    let mut store = place.open();
    let s = fixture();
    let mut p = Playthrough::start(&s, StartOptions::new(3, Mode::Assessment)).unwrap();
    let id = store.start_session(&p, "ana").unwrap();
    p.time_out(Some(20_000)).unwrap();
    store.record_decision(id, &p).unwrap();
    // Recording again is harmless: nothing is stored twice.
    store.record_decision(id, &p).unwrap();
    let d = store.decisions(id).unwrap();
    assert_eq!(d.len(), 1);
    assert!(d[0].timed_out);
    assert_eq!(d[0].choice, "timeout");
    assert_eq!(d[0].total, -1);
    assert_eq!(d[0].response_ms, Some(20_000));
    let m = store.session(id).unwrap().summary;
    assert_eq!(m.mode, Mode::Assessment);
    assert_eq!(m.status, Status::Abandoned);
});

both!(an_interrupted_session_reads_as_abandoned_with_its_decisions, |place| {
    let s = fixture();
    {
        let mut store = place.open();
        play(&mut store, &s, "ana", &["introduce", "reflect"]);
        // dropped without finishing, as a crash would
    }
    let store = place.open();
    let list = store.sessions(&Filter::default()).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].status, Status::Abandoned);
    assert_eq!(list[0].decisions, 2);
    assert!(list[0].scores.is_empty());
    assert_eq!(list[0].ending, None);
});

both!(abandon_reason_is_kept_and_finishing_clears_it, |place| {
    let mut store = place.open();
    let s = fixture();
    let id = play(&mut store, &s, "ana", E);
    store.abandon_session(id, "quit").unwrap();
    assert_eq!(store.session(id).unwrap().summary.abandon_reason.as_deref(), Some("quit"));
    assert_eq!(store.session(id).unwrap().summary.status, Status::Abandoned);
});

both!(filters_and_history, |place| {
    let mut store = place.open();
    let s = fixture();
    let ids = class(&mut store, &s);
    let all = store.sessions(&Filter::default()).unwrap();
    assert_eq!(all.len(), 6);
    assert_eq!(all[0].id, ids[5], "newest first");
    let ana = store.history("ana").unwrap();
    assert_eq!(ana.iter().map(|s| s.id).collect::<Vec<_>>(), [ids[0], ids[4]], "oldest first");
    let f = |f: Filter| store.sessions(&f).unwrap().len();
    assert_eq!(f(Filter { trainee: Some("ben".into()), ..Filter::default() }), 1);
    assert_eq!(f(Filter { scenario: Some("every_feature".into()), ..Filter::default() }), 6);
    assert_eq!(f(Filter { scenario: Some("bridge".into()), ..Filter::default() }), 0);
    assert_eq!(f(Filter { status: Some(Status::Abandoned), ..Filter::default() }), 2);
    assert_eq!(f(Filter { limit: Some(2), ..Filter::default() }), 2);
    assert_eq!(f(Filter { since: Some(parse_date("2999-01-01").unwrap()), ..Filter::default() }), 0);
    assert_eq!(f(Filter { since: Some(parse_date("2000-01-01").unwrap()), ..Filter::default() }), 6);
    assert_eq!(store.trainees().unwrap(), ["ana", "ben", "cy", "dee", "eve"]);
    assert!(matches!(parse_date("yesterday"), Err(Error::BadDate(_))));
});

both!(class_report_matches_hand_computed_numbers, |place| {
    let mut store = place.open();
    let s = fixture();
    class(&mut store, &s);
    let r = store.class_report("every_feature", None, None).unwrap();
    assert_eq!(r.attempts, 6);
    assert_eq!(r.finished, 4);
    assert_eq!(r.abandoned, 2);
    assert_eq!(r.trainees, 5);
    assert!((r.completion_rate.unwrap() - 400.0 / 6.0).abs() < 1e-9);
    // Totals of finished sessions: 11, -3, -10, 1.
    let t = r.total.as_ref().unwrap();
    assert_eq!((t.n, t.mean, t.median, t.min, t.max, t.best), (4, -0.25, -1.0, -10, 11, 11));
    let dim = |id: &str| r.dimensions.iter().find(|d| d.id == id).unwrap();
    // safety 1, -3, -2, 1
    assert_eq!((dim("safety").mean, dim("safety").median), (-0.75, -0.5));
    // connection 2, 0, 0, 3
    assert_eq!((dim("connection").mean, dim("connection").median), (1.25, 1.0));
    // listening 2, 0, -2, -2
    assert_eq!((dim("listening").mean, dim("listening").median), (-0.5, -1.0));
    // linkage 3, 0, -3, 1
    assert_eq!((dim("linkage").mean, dim("linkage").median), (0.25, 0.5));
    assert_eq!(r.dimensions.len(), 7);
    assert_eq!(r.dimensions[0].id, "safety", "rubric order");
    // One of each outcome.
    assert_eq!(r.outcomes.len(), 4);
    assert!(r.outcomes.iter().all(|o| o.count == 1 && o.percent == 25.0));
    // Critical errors: grab (B) and leave (C), one session each of six.
    let crit: Vec<(&str, u32, u32)> =
        r.critical_errors.iter().map(|c| (c.choice.as_str(), c.count, c.sessions)).collect();
    assert_eq!(crit, [("grab", 1, 1), ("leave", 1, 1)]);
    assert!((r.critical_errors[0].percent_of_attempts - 100.0 / 6.0).abs() < 1e-9);
    // Decision points in the order met.
    let beats: Vec<&str> = r.decision_points.iter().map(|p| p.beat.as_str()).collect();
    assert_eq!(beats, ["arrival", "talk", "deflect", "talk_more", "disclose"]);
    let arrival = &r.decision_points[0];
    assert_eq!(arrival.decisions, 6);
    let c: Vec<(&str, u32, String)> =
        arrival.choices.iter().map(|c| (c.choice.as_str(), c.count, format!("{:.1}", c.percent))).collect();
    assert_eq!(
        c,
        [
            ("introduce", 3, "50.0".to_string()),
            ("command", 2, "33.3".to_string()),
            ("grab", 1, "16.7".to_string())
        ]
    );
    let j = |beat: usize, choice: &str| {
        r.decision_points[beat].choices.iter().find(|c| c.choice == choice).unwrap().judgement.label()
    };
    assert_eq!(j(0, "grab"), "critical error");
    assert_eq!(j(0, "introduce"), "best available");
    assert_eq!(j(0, "command"), "harmful");
    assert_eq!(j(2, "leave"), "critical error");
    let talk = &r.decision_points[1];
    assert_eq!((talk.decisions, talk.choices[0].choice.as_str(), talk.choices[0].count), (3, "cheer_up", 2));
    // The text and HTML show the same numbers.
    let text = r.to_text();
    assert!(text.contains("Attempts: 6   Finished: 4   Abandoned: 2"), "{text}");
    assert!(text.contains("66.7%"), "{text}");
    let html = r.to_html();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<svg") && html.contains("@media print"));
    assert!(!html.contains("<script") && !html.contains("http://") && !html.contains("https://"));
});

both!(class_report_since_counts_only_later_sessions, |place| {
    let mut store = place.open();
    let s = fixture();
    let ids = class(&mut store, &s);
    // Move A and B into the past.
    for id in &ids[..2] {
        place.sql(&format!("UPDATE sessions SET started_at = '2020-01-01T09:00:00.000Z' WHERE id = {id}"));
    }
    let r = store.class_report("every_feature", Some(parse_date("2021-01-01").unwrap()), None).unwrap();
    assert_eq!((r.attempts, r.finished), (4, 2));
    let t = r.total.unwrap();
    assert_eq!((t.mean, t.median), (-4.5, -4.5)); // -10 and 1
    let before_2021 =
        store.class_report("every_feature", None, Some(parse_date("2021-01-01").unwrap())).unwrap();
    assert_eq!(before_2021.attempts, 2, "A and B were played before 2021");
    assert!(before_2021.to_text().contains("Sessions before "), "{}", before_2021.to_text());
    let both = store
        .class_report(
            "every_feature",
            Some(parse_date("2020-01-01").unwrap()),
            Some(parse_date("2999-01-01").unwrap()),
        )
        .unwrap();
    assert_eq!(both.attempts, 6);
    let old = store.class_report("every_feature", None, None).unwrap();
    assert_eq!(old.attempts, 6);
    let none = store.class_report("no_such_scenario", None, None).unwrap();
    assert_eq!(none.attempts, 0);
    assert!(none.to_text().contains("No sessions"));
});

/// Every record of a CSV export, header included, read by the `csv` crate.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("valid CSV").iter().map(str::to_string).collect())
        .collect()
}

both!(csv_export_has_one_row_per_decision_and_parses_back, |place| {
    let mut store = place.open();
    let s = fixture();
    class(&mut store, &s);
    let awkward = "O'Neil, \"Jo\"";
    play(&mut store, &s, awkward, B);
    let sessions = store.session_records(&Filter::default()).unwrap();
    let csv = export::to_csv(&sessions);
    let rows = parse_csv(&csv);
    let header = &rows[0];
    let decisions: usize = sessions.iter().map(|s| s.decisions.len()).sum();
    assert_eq!(decisions, 4 + 1 + 3 + 4 + 1 + 1 + 1);
    assert_eq!(rows.len(), 1 + decisions);
    assert!(rows.iter().all(|r| r.len() == header.len()));
    let col =
        |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    for c in export::CSV_COLUMNS.iter().chain(export::CSV_TRAILING) {
        col(c);
    }
    let first = &rows[1];
    assert_eq!(first[col("trainee")], "ana");
    assert_eq!(first[col("choice")], "introduce");
    assert_eq!(first[col("points")], "3");
    assert_eq!(first[col("score_connection")], "2");
    assert_eq!(first[col("meters_after")], "distress=6;trust=4");
    assert_eq!(first[col("flags_after")], "introduced");
    assert_eq!(first[col("status")], "finished");
    assert_eq!(first[col("response_ms")], "1000");
    let last = rows.last().unwrap();
    assert_eq!(last[col("trainee")], awkward);
    assert_eq!(last[col("critical")], "true");
    assert_eq!(last[col("text")], "Take his arm to move him away from the road.");
});

both!(json_export_nests_decisions_and_parses_back, |place| {
    let mut store = place.open();
    let s = fixture();
    class(&mut store, &s);
    let sessions = store.session_records(&Filter::default()).unwrap();
    let v: serde_json::Value = serde_json::from_str(&export::to_json(&sessions)).unwrap();
    assert_eq!(v["format"], "talkdown-records");
    assert_eq!(v["format_version"], 1);
    let arr = v["sessions"].as_array().unwrap();
    assert_eq!(arr.len(), 6);
    let a = &arr[0];
    assert_eq!(a["trainee"], "ana");
    assert_eq!(a["status"], "finished");
    assert_eq!(a["total"], 11);
    assert_eq!(a["decision_count"], 4);
    assert_eq!(a["scores"][4]["id"], "assessment");
    assert_eq!(a["decisions"].as_array().unwrap().len(), 4);
    assert_eq!(a["decisions"][0]["scores"]["connection"], 2);
    assert_eq!(a["decisions"][0]["meters"]["trust"], 4);
    assert_eq!(arr[4]["status"], "abandoned");
    assert_eq!(arr[4]["decisions"].as_array().unwrap().len(), 1);
});

both!(xapi_export_gives_statements_an_lrs_can_take, |place| {
    let mut store = place.open();
    let s = fixture();
    class(&mut store, &s);
    let sessions = store.session_records(&Filter::default()).unwrap();
    let o = XapiOptions {
        homepage: "https://academy.example".into(),
        activity_base: "https://academy.example/xapi/scenarios/".into(),
    };
    let text = export::to_xapi(&sessions, &o);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let st = v.as_array().unwrap();
    assert_eq!(st.len(), 14 + 6, "one per decision and one per session");
    let answered = &st[0];
    assert_eq!(answered["actor"]["account"]["name"], "ana");
    assert_eq!(answered["actor"]["account"]["homePage"], "https://academy.example");
    assert_eq!(answered["verb"]["id"], "http://adlnet.gov/expapi/verbs/answered");
    assert_eq!(
        answered["object"]["id"],
        "https://academy.example/xapi/scenarios/every_feature/beats/arrival"
    );
    assert_eq!(answered["result"]["response"], "introduce");
    assert_eq!(answered["result"]["score"]["raw"], 3);
    assert_eq!(answered["result"]["duration"], "PT1S");
    assert_eq!(answered["context"]["registration"], sessions[0].summary.uuid.as_str());
    assert_eq!(
        answered["context"]["contextActivities"]["parent"][0]["id"],
        "https://academy.example/xapi/scenarios/every_feature"
    );
    let completed = &st[4];
    assert_eq!(completed["verb"]["id"], "http://adlnet.gov/expapi/verbs/completed");
    assert_eq!(completed["result"]["score"]["raw"], 11);
    assert_eq!(completed["result"]["score"]["max"], 11);
    assert_eq!(completed["result"]["score"]["scaled"], 1.0);
    assert_eq!(completed["result"]["completion"], true);
    assert!(completed["result"]["duration"].as_str().unwrap().starts_with("PT"));
    let abandoned: Vec<_> = st.iter().filter(|s| s["verb"]["display"]["en-US"] == "abandoned").collect();
    assert_eq!(abandoned.len(), 2);
    // Statement ids are unique and stable across exports.
    let ids: std::collections::BTreeSet<&str> = st.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), st.len());
    assert_eq!(text, export::to_xapi(&sessions, &o));
});

#[test]
fn a_file_that_is_not_a_database_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.sqlite3");
    let garbage: Vec<u8> = (0..8192u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&path, &garbage).unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, Error::Corrupt { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains(&path.display().to_string()) && msg.contains("left untouched"), "{msg}");
    assert_eq!(std::fs::read(&path).unwrap(), garbage, "never overwritten");
    assert!(!dir.path().join("r.sqlite3-wal").exists());
}

#[test]
fn a_damaged_database_is_reported_as_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.sqlite3");
    {
        let mut store = Store::open(&path).unwrap();
        let s = fixture();
        for _ in 0..20 {
            play(&mut store, &s, "ana", A);
        }
        // Fold the WAL into the main file so the damage below hits real pages.
        drop(store);
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    }
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 3 * 4096);
    // Keep the header page, scribble over every page after it.
    for b in bytes.iter_mut().skip(4096) {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    let result = Store::open(&path).and_then(|s| {
        s.sessions(&Filter::default())?;
        s.check_integrity()
    });
    let err = result.unwrap_err();
    assert!(matches!(err, Error::Corrupt { .. }), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "never repaired silently");
}

#[test]
fn a_read_only_file_gives_a_clear_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.sqlite3");
    Store::open(&path).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, Error::ReadOnly { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains(&path.display().to_string()) && msg.contains("read-only"), "{msg}");
}

#[test]
fn open_existing_does_not_create_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("none.sqlite3");
    assert!(matches!(Store::open_existing(&path), Err(Error::NotFound { .. })));
    assert!(!path.exists());
}

both!(a_stored_session_replays_to_the_same_run_and_a_changed_file_is_refused, |place| {
    let mut store = place.open();
    let s = fixture();
    let id = play(&mut store, &s, "ana", A);
    let rec = store.session(id).unwrap();
    match replay_session(&rec, &s).unwrap() {
        ReplayCheck::Matches { decisions, .. } => assert_eq!(decisions, 4),
        other => panic!("expected a match, got {other:?}"),
    }
    // The same scenario with one word changed: a different content hash.
    let text =
        std::fs::read_to_string(fixture_path()).unwrap().replace("Sam walks in with you.", "Sam goes in.");
    let changed = talkdown::scenario::load::scenario_from_str("every_feature.ron", &text).scenario.unwrap();
    assert_ne!(changed.content_hash, s.content_hash);
    assert!(matches!(replay_session(&rec, &changed).unwrap(), ReplayCheck::VersionChanged { .. }));
    // A tampered record is caught.
    let mut tampered = rec.clone();
    tampered.decisions[1].meters[1].1 += 1;
    assert!(matches!(replay_session(&tampered, &s).unwrap(), ReplayCheck::Mismatch { step: 2, .. }));
});

#[test]
fn the_verdict_process_score_and_reactions_are_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.sqlite3");
    let mut store = Store::open(&path).unwrap();
    let s = fixture();
    let good = play(&mut store, &s, "ana", A);
    let critical = play(&mut store, &s, "cy", C);
    let r = store.class_report("every_feature", None, None).unwrap();
    assert_eq!((r.meets_standard, r.not_yet), (1, 1));
    assert!(r.to_text().contains("Verdict: 1 met the standard, 1 not yet at standard"), "{}", r.to_text());
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let session = |id: SessionId| -> (String, String, i64) {
        conn.query_row(
            "SELECT verdict, verdict_summary, process_percent FROM sessions WHERE id = ?1",
            [id.0],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap()
    };
    let (verdict, _, percent) = session(good);
    assert_eq!((verdict.as_str(), percent), ("meets_standard", 100));
    let (verdict, summary, percent) = session(critical);
    assert_eq!(verdict, "not_yet");
    assert!(summary.contains("critical error"), "{summary}");
    assert!(percent <= 50, "{percent}");
    // What the trainee saw happen after each decision is kept with it.
    let reaction: String = conn
        .query_row("SELECT reaction FROM decisions WHERE session_id = ?1 AND step = 4", [good.0], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(reaction, r#"[["Sam","...Okay. If you come with me."]]"#);
}

both!(the_verdict_and_process_percent_are_read_typed_and_exported, |place| {
    use talkdown::records::{Grade, Standard};
    let mut store = place.open();
    let s = fixture();
    class(&mut store, &s);
    let sessions = store.session_records(&Filter::default()).unwrap();
    let m = |i: usize| &sessions[i].summary;
    // ana: every decision the best available; ben: a critical error (grab).
    assert_eq!(
        (m(0).grade, m(0).verdict, m(0).process_percent),
        (Some(Grade::Good), Some(Standard::MeetsStandard), Some(100))
    );
    assert_eq!(m(1).verdict, Some(Standard::NotYet));
    assert!(m(1).verdict_summary.as_deref().unwrap().contains("critical"), "{:?}", m(1).verdict_summary);
    assert!(m(1).process_percent.is_some());
    // Abandoned sessions have no verdict.
    assert_eq!((m(4).status, m(4).verdict, m(4).process_percent), (Status::Abandoned, None, None));

    let rows = parse_csv(&export::to_csv(&sessions));
    let col = |name: &str| rows[0].iter().position(|h| h == name).unwrap();
    assert_eq!(rows[1][col("verdict")], "meets_standard");
    assert_eq!(rows[1][col("process_percent")], "100");
    assert_eq!(rows[1][col("grade")], "good");
    let ben = rows.iter().find(|r| r[col("trainee")] == "ben").unwrap();
    assert_eq!(ben[col("verdict")], "not_yet");
    // Columns that existed before keep their positions (the new ones come last:
    // the rewind link after these).
    assert_eq!(
        &rows[0][rows[0].len() - 6..rows[0].len() - 2],
        ["grade", "verdict", "process_percent", "timing"]
    );
    assert_eq!(&rows[0][rows[0].len() - 2..], ["rewound_from", "fork_step"]);
    assert_eq!(rows[1][col("timing")], "standard");

    let json: serde_json::Value = serde_json::from_str(&export::to_json(&sessions)).unwrap();
    assert_eq!(json["sessions"][0]["verdict"], "meets_standard");
    assert_eq!(json["sessions"][0]["process_percent"], 100);
    assert_eq!(json["sessions"][0]["grade"], "good");
    assert_eq!(json["sessions"][1]["verdict"], "not_yet");
    assert!(json["sessions"][4]["verdict"].is_null());

    let xapi: serde_json::Value =
        serde_json::from_str(&export::to_xapi(&sessions, &XapiOptions::default())).unwrap();
    let ends: Vec<&serde_json::Value> =
        xapi.as_array().unwrap().iter().filter(|s| s["result"]["completion"].is_boolean()).collect();
    let ext = "https://talkdown.invalid/xapi/extensions/";
    assert_eq!(ends[0]["result"]["success"], true);
    assert_eq!(ends[0]["result"]["extensions"][format!("{ext}verdict")], "meets_standard");
    assert_eq!(ends[0]["result"]["extensions"][format!("{ext}process-percent")], 100);
    assert_eq!(ends[1]["result"]["success"], false);
    // An abandoned session has no verdict, so xAPI's pass/fail is left out.
    assert!(ends[4]["result"].get("success").is_none());
});

#[test]
fn records_written_before_verdicts_and_typed_grades_still_read() {
    use talkdown::records::Grade;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.sqlite3");
    let mut store = Store::open(&path).unwrap();
    let s = fixture();
    let ids = class(&mut store, &s);
    drop(store);
    // As an older Talkdown left them: no verdict or process percent (those
    // columns came with the judgement migration), grades as the words it
    // wrote, including `bad` and a word this version does not know.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("UPDATE sessions SET verdict = NULL, verdict_summary = NULL, process_percent = NULL", [])
        .unwrap();
    conn.execute("UPDATE sessions SET grade = 'bad' WHERE id = ?1", [ids[3].0]).unwrap();
    conn.execute("UPDATE sessions SET grade = 'splendid' WHERE id = ?1", [ids[2].0]).unwrap();
    drop(conn);
    let store = Store::open_read_only(&path).unwrap();
    let sessions = store.session_records(&Filter::default()).unwrap();
    let m = |i: usize| &sessions[i].summary;
    assert_eq!(m(0).grade, Some(Grade::Good));
    assert_eq!(m(1).grade, Some(Grade::Bad), "stored as `reviewed`");
    assert_eq!(m(2).grade, None, "an unknown word reads as no grade, not an error");
    assert_eq!(m(3).grade, Some(Grade::Bad), "stored as `bad`");
    assert!(sessions.iter().all(|x| x.summary.verdict.is_none() && x.summary.process_percent.is_none()));
    // The class report counts them in neither verdict and still reads their grades.
    let r = store.class_report("every_feature", None, None).unwrap();
    assert_eq!((r.meets_standard, r.not_yet), (0, 0));
    assert!(r.outcomes.iter().any(|o| o.grade == Some(Grade::Good)));
}

#[test]
fn a_file_from_before_timing_accommodations_imports_as_standard_time() {
    use talkdown::engine::Timing;
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.sqlite3");
    let mut store = Store::open(&old).unwrap();
    let s = fixture();
    class(&mut store, &s);
    drop(store);
    // As the Talkdown before schema step 3 left it: no timing column (nor the
    // rewind link of step 4).
    let conn = rusqlite::Connection::open(&old).unwrap();
    conn.execute_batch(
        "ALTER TABLE sessions DROP COLUMN parent_uuid; ALTER TABLE sessions DROP COLUMN fork_step;
         DELETE FROM schema_history WHERE version = 4;
         ALTER TABLE sessions DROP COLUMN timing; DELETE FROM schema_history WHERE version = 3; PRAGMA user_version = 2;",
    )
    .unwrap();
    drop(conn);

    let mut store = Store::open(dir.path().join("new.sqlite3")).unwrap();
    let report = store.import(&old).unwrap();
    assert_eq!(report.sessions_added, 6, "{report:?}");
    let sessions = store.sessions(&Filter::default()).unwrap();
    assert!(sessions.iter().all(|x| x.timing == Timing::Standard));
    assert!(store.class_report("every_feature", None, None).unwrap().timing_accommodations.is_empty());
    // And the old file itself opens, migrated to the current schema, reading as standard.
    let store = Store::open(&old).unwrap();
    assert_eq!(store.schema_version().unwrap(), 6);
    assert!(store.sessions(&Filter::default()).unwrap().iter().all(|x| x.timing == Timing::Standard));
}

both!(purge_removes_the_sessions_started_before_a_date, |place| {
    let mut store = place.open();
    let s = fixture();
    let ids = class(&mut store, &s);
    for id in &ids[..2] {
        place.sql(&format!("UPDATE sessions SET started_at = '2020-01-01T09:00:00.000Z' WHERE id = {id}"));
    }
    assert_eq!(store.purge(parse_date("2021-01-01").unwrap()).unwrap(), 2);
    let left: Vec<SessionId> = store.sessions(&Filter::default()).unwrap().iter().map(|m| m.id).collect();
    assert_eq!(left.len(), 4);
    assert!(!left.contains(&ids[0]) && !left.contains(&ids[1]));
    // Their decisions and scores went with them.
    assert!(matches!(store.session(ids[0]), Err(Error::NoSuchSession { .. })));
    assert!(store.decisions(ids[1]).unwrap().is_empty());
    let r = store.class_report("every_feature", None, None).unwrap();
    assert_eq!((r.attempts, r.finished), (4, 2));
    // Nothing more to remove.
    assert_eq!(store.purge(parse_date("2021-01-01").unwrap()).unwrap(), 0);
});

/// Record one run through the front ends' [`Recorder`] in `class`; finished when `choices` reach an ending.
fn play_in_class(path: &Path, s: &Scenario, trainee: &str, class: Option<&str>, choices: &[&str]) {
    use talkdown::records::{FlushReport, Recorder};
    let mut opts = StartOptions::new(1, Mode::Training);
    opts.shuffle = false;
    let mut p = Playthrough::start(s, opts).unwrap();
    let mut rec = Recorder::open(Some(path)).with_class(class.map(str::to_string));
    rec.start(&p, trainee, None);
    for c in choices {
        p.choose_id(c, Some(900)).unwrap();
        rec.decided(&p);
    }
    if p.is_finished() {
        let (a, mut space) = analysis::analyze(s).unwrap();
        rec.finish(&p, &Debrief::build(&p, &a, &mut space, Some(trainee)).unwrap());
    }
    assert_eq!(rec.flush(std::time::Duration::from_secs(30)), FlushReport::Saved);
}

both!(a_class_name_is_kept_with_each_session_and_filters_the_report, |place| {
    let s = fixture();
    play_in_class(&place.path, &s, "ana", Some("CIT-2026-03"), A);
    play_in_class(&place.path, &s, "ben", Some(" CIT-2026-03 "), B);
    play_in_class(&place.path, &s, "cy", Some("Cadets B"), C);
    play_in_class(&place.path, &s, "dee", None, D);
    let store = place.open();
    let all = store.sessions(&Filter::default()).unwrap();
    let class_of = |t: &str| all.iter().find(|x| x.trainee == t).unwrap().class.clone();
    assert_eq!(class_of("ana").as_deref(), Some("CIT-2026-03"));
    assert_eq!(class_of("ben").as_deref(), Some("CIT-2026-03"), "trimmed");
    assert_eq!(class_of("cy").as_deref(), Some("Cadets B"));
    assert_eq!(class_of("dee"), None);
    let march = Filter { class: Some("CIT-2026-03".into()), ..Filter::default() };
    let mut names: Vec<String> = store.sessions(&march).unwrap().into_iter().map(|x| x.trainee).collect();
    names.sort();
    assert_eq!(names, ["ana", "ben"]);
    let r = store.class_report_for("every_feature", None, None, Some("CIT-2026-03")).unwrap();
    assert_eq!((r.attempts, r.trainees, r.class.as_deref()), (2, 2, Some("CIT-2026-03")));
    assert!(r.to_text().contains("Class CIT-2026-03"), "{}", r.to_text());
    assert!(r.to_html().contains("class CIT-2026-03"));
    let everyone = store.class_report("every_feature", None, None).unwrap();
    assert_eq!((everyone.attempts, everyone.class), (4, None));
    // Exports carry it: a CSV column and the JSON field.
    let recs = store.session_records(&march).unwrap();
    let rows = parse_csv(&export::to_csv(&recs));
    let col = rows[0].iter().position(|h| h == "class").unwrap();
    assert!(rows[1..].iter().all(|r| r[col] == "CIT-2026-03"));
    let json: serde_json::Value = serde_json::from_str(&export::to_json(&recs)).unwrap();
    assert_eq!(json["sessions"][0]["class"], "CIT-2026-03");
});

#[test]
fn a_class_name_survives_an_import() {
    let dir = tempfile::tempdir().unwrap();
    let (from, to) = (dir.path().join("station.sqlite3"), dir.path().join("all.sqlite3"));
    play_in_class(&from, &fixture(), "ana", Some("Cadets B"), A);
    let mut store = Store::open(&to).unwrap();
    store.import(&from).unwrap();
    assert_eq!(store.sessions(&Filter::default()).unwrap()[0].class.as_deref(), Some("Cadets B"));
}

#[test]
fn class_names_are_checked() {
    use talkdown::records::check_class;
    assert_eq!(check_class("  CIT-2026-03 ").unwrap(), "CIT-2026-03");
    assert!(check_class("   ").unwrap_err().contains("empty"));
    assert!(check_class("a\u{1b}[2J").unwrap_err().contains("control"));
    assert!(check_class(&"x".repeat(65)).unwrap_err().contains("64"));
}
