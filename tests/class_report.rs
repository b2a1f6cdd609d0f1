//! The class report an instructor prepares a debrief from: who played and who
//! struggled, how the class chose at each decision point (every option
//! offered, best first), and the class's meters beside the best route's.
//! On a SQLite file (the report's new parts are computed from the same
//! session reads on both backends; tests/records_store.rs runs the shared
//! figures on PostgreSQL too).

use std::path::{Path, PathBuf};

use talkdown::records::report::Struggle;
use talkdown::records::{SessionId, Standard, Store};
use talkdown::scenario::load::load_scenario;

mod common;

use common::routes::{A, B, C, D, E, F};
use common::{fixture, play};

struct Class {
    _dir: tempfile::TempDir,
    path: PathBuf,
    store: Store,
}

/// Seven first attempts by six trainees, and one rewound run (dee's).
fn class() -> Class {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.sqlite3");
    let mut store = Store::open(&path).unwrap();
    let s = fixture();
    let runs: [(&str, &[&str]); 7] =
        [("ana", A), ("ben", B), ("cy", C), ("dee", D), ("ana", E), ("eve", F), ("fay", A)];
    for (who, choices) in runs {
        play(&mut store, &s, who, choices);
    }
    let rewound = play(&mut store, &s, "dee", A);
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(&format!(
            "UPDATE sessions SET parent_uuid = (SELECT uuid FROM sessions WHERE id = 4), fork_step = 2 WHERE id = {rewound}"
        ))
        .unwrap();
    Class { _dir: dir, path, store }
}

#[test]
fn the_report_lists_every_trainee_and_flags_those_who_struggled() {
    let c = class();
    let r = c.store.class_report("every_feature", None, None).unwrap();
    let names: Vec<&str> = r.by_trainee.iter().map(|t| t.trainee.as_str()).collect();
    assert_eq!(names, ["ana", "ben", "cy", "dee", "eve", "fay"]);
    let t = |name: &str| r.by_trainee.iter().find(|t| t.trainee == name).unwrap();

    // ana: a full marks run, then one abandoned after its first decision.
    let ana = t("ana");
    assert_eq!((ana.attempts, ana.finished, ana.abandoned, ana.critical_errors), (2, 1, 1, 0));
    let best = ana.best.as_ref().unwrap();
    assert_eq!(
        (best.session, best.total, best.verdict),
        (SessionId(1), Some(11), Some(Standard::MeetsStandard))
    );
    let last = ana.last.as_ref().unwrap();
    assert_eq!((last.session, last.finished, last.decisions), (SessionId(5), false, 1));
    assert_eq!(ana.struggled, [Struggle::Abandoned { count: 1 }]);

    // ben and cy: a critical error each, so not yet at standard.
    for who in ["ben", "cy"] {
        assert_eq!(t(who).critical_errors, 1);
        assert_eq!(t(who).struggled, [Struggle::CriticalErrors { count: 1 }, Struggle::BestNotAtStandard]);
    }
    // dee: below the pass mark; the rewound run (full marks) is counted apart, not as her best.
    let dee = t("dee");
    assert_eq!((dee.attempts, dee.rewinds), (1, 1));
    assert_eq!(dee.best.as_ref().unwrap().total, Some(1));
    assert_eq!(dee.struggled, [Struggle::BestNotAtStandard]);
    // eve: abandoned her only run.
    assert_eq!(t("eve").struggled, [Struggle::NeverFinished, Struggle::Abandoned { count: 1 }]);
    assert!(t("eve").best.is_none());
    // fay: met the standard, no flag.
    assert!(!t("fay").flagged() && t("fay").struggled.is_empty());
    assert_eq!(r.struggling().count(), 5);

    // The text names them, with the reason and the session that opens each debrief.
    let text = r.to_text();
    assert!(text.contains("5 of 6 trainees struggled: ana, ben, cy, dee, eve"), "{text}");
    assert!(text.contains("⚑ ana — 2 attempts, 1 finished, 1 abandoned, 0 critical errors"), "{text}");
    assert!(
        text.contains("best: 11 of 11 points (100%), Voluntary help, meets the standard (session 1)"),
        "{text}"
    );
    assert!(text.contains("last: abandoned after 1 decision (session 5)"), "{text}");
    assert!(text.contains("struggled: 1 critical error; best attempt not yet at standard"), "{text}");
    assert!(text.contains("    fay — 1 attempt, 1 finished, 0 critical errors"), "{text}");
    assert!(text.contains("dee — 1 attempt, 1 finished, 0 critical errors, rewound 1 run"), "{text}");

    // The HTML: a row per trainee, the flag a shape as well as a colour.
    let html = r.to_html();
    assert_eq!(html.matches("<tr class=\"struggled\"><td class=\"flag\">⚑</td>").count(), 5, "{html}");
    assert!(html.contains("<td>fay</td>"), "{html}");
    assert!(html.contains("finished no attempt; abandoned 1 run"), "{html}");

    // The JSON: the same rows, the reasons tagged.
    let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    let rows = json["by_trainee"].as_array().unwrap();
    assert_eq!(rows.len(), 6);
    assert_eq!(rows[0]["best"]["verdict"], "meets_standard");
    assert_eq!(rows[1]["struggled"][0]["reason"], "critical_errors");
    assert_eq!(rows[1]["struggled"][0]["count"], 1);
    assert_eq!(rows[5]["struggled"].as_array().unwrap().len(), 0);
    let _ = &c.path;
}

#[test]
fn how_the_class_chose_lists_every_option_offered_best_first_in_words() {
    let c = class();
    let s = fixture();
    let r = c.store.class_report_with("every_feature", None, None, None, Ok(&s)).unwrap();
    assert_eq!(r.scenario_note, None);
    let point = |beat: &str| r.decision_points.iter().find(|p| p.beat == beat).unwrap();

    // At "talk" (4 decisions) one option was offered every time and nobody chose it.
    let talk = point("talk");
    let rows: Vec<(&str, u32, String)> =
        talk.options.iter().map(|o| (o.text.as_str(), o.chosen, format!("{:.1}", o.percent))).collect();
    assert_eq!(
        rows,
        [
            ("It sounds like you feel you've lost everything.", 2, "50.0".to_string()),
            ("Are you thinking about killing yourself?", 0, "0.0".to_string()),
            ("Hey, it can't be that bad.", 2, "50.0".to_string()),
        ],
        "best first: the best available, then helpful, then harmful"
    );
    // The chosen ones only, most chosen first, stay as they were.
    assert_eq!(talk.choices.len(), 2);
    // A critical error comes last whatever it scores.
    let arrival = point("arrival");
    assert_eq!(arrival.options.first().unwrap().choice, "introduce");
    assert!(arrival.options.last().unwrap().critical);
    assert_eq!(arrival.options.iter().map(|o| o.chosen).sum::<u32>(), arrival.decisions);

    // The meters in words: reflecting raised the person's trust by one each time.
    let reflect = talk.options.iter().find(|o| o.choice == "reflect").unwrap();
    assert_eq!(reflect.meters_line().as_deref(), Some("on average the person's trust rose by 1.0"));
    let text = r.to_text();
    assert!(
        text.contains(
            "“Are you thinking about killing yourself?” — helpful, +3 points\n        nobody chose this (0%)"
        ),
        "{text}"
    );
    assert!(text.contains("2 of 4 chose this (50.0%); on average the person's trust rose by 1.0"), "{text}");
    assert!(
        text.contains("    ✖ “Take his arm to move him away from the road.” — critical error, −3 points"),
        "{text}"
    );
    assert!(!text.contains("Note: "), "{text}");
    let html = r.to_html();
    assert_eq!(html.matches("<tr class=\"unchosen\">").count(), 1, "{html}");
    assert!(
        html.contains("on average the person&#x27;s trust rose by 1.0")
            || html.contains("on average the person's trust rose by 1.0"),
        "{html}"
    );
    let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    let talk_json = json["decision_points"].as_array().unwrap().iter().find(|p| p["beat"] == "talk").unwrap();
    assert_eq!(talk_json["options"][1]["chosen"], 0);
    assert_eq!(talk_json["options"][0]["meter_changes"][0]["meter"], "trust");
    assert_eq!(talk_json["options"][0]["meter_changes"][0]["mean"], 1.0);

    // Without the scenario: the chosen options only, and the report says why.
    let bare = c.store.class_report("every_feature", None, None).unwrap();
    assert_eq!(point_of(&bare, "talk").options.len(), 2);
    assert!(bare.scenario_note.as_deref().unwrap().contains("not available"));
    assert!(bare.to_text().contains(
        "Note: The scenario was not available (not given), so options nobody chose are not listed"
    ));
    // A scenario of another id is not read as this one.
    let other =
        load_scenario(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/bridge_jumper.ron")).unwrap();
    let r = c.store.class_report_with("every_feature", None, None, None, Ok(&other)).unwrap();
    assert!(r.scenario_note.unwrap().contains("not `every_feature`"));
}

fn point_of<'a>(
    r: &'a talkdown::records::ClassReport,
    beat: &str,
) -> &'a talkdown::records::report::DecisionPoint {
    r.decision_points.iter().find(|p| p.beat == beat).unwrap()
}

#[test]
fn the_html_report_draws_the_class_meters_beside_the_best_route() {
    let c = class();
    let s = fixture();
    let r = c.store.class_report_with("every_feature", None, None, None, Ok(&s)).unwrap();
    let html = r.to_html();
    assert_eq!(html.matches("<svg class=\"class-meters\"").count(), 1, "{html}");
    // One panel per meter, each with its good end.
    assert_eq!(r.meters.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(), ["Distress", "Trust"]);
    assert_eq!(html.matches("<g class=\"meter\">").count(), 2);
    assert!(html.contains(">good end (0)</text>") && html.contains(">good end (10)</text>"), "{html}");

    // A filled circle per decision point and meter the class has a mean for, at its figure.
    let means: usize = r.decision_points.iter().map(|p| p.meters_after.len()).sum();
    assert!(means >= 2 * 3, "{means}");
    assert_eq!(html.matches("The class: ").count(), means);
    let talk = r.decision_points.iter().find(|p| p.beat == "talk").unwrap();
    let trust = talk.meters_after.iter().find(|m| m.meter == "trust").unwrap();
    assert!(
        html.contains(&format!(
            "The class: Trust {:.1} on average ({} decisions)",
            trust.mean, talk.decisions
        ))
    );

    // A square per decision point the best route passes, per meter.
    assert!(!r.best_route.is_empty());
    let passed = r.decision_points.iter().filter(|p| r.best_route.iter().any(|s| s.beat == p.beat)).count();
    assert!(passed >= 2, "{passed}");
    assert_eq!(html.matches("The best route: ").count(), passed * 2);
    assert!(html.contains("the class, on average") && html.contains("the best route"));

    // Without the scenario there are no meters to draw, and no chart.
    let bare = c.store.class_report("every_feature", None, None).unwrap();
    assert!(!bare.to_html().contains("class-meters"));
}
