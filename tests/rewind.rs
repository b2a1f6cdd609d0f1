//! Rewind (issue 14): a recorded run taken back to one of its decisions
//! resumes with exactly the state, seed and transcript it had, is recorded as
//! its own session linked to the original, is counted apart in class reports,
//! and its debrief shows the two routes from the fork.

use std::path::{Path, PathBuf};

use talkdown::engine::{Mode, Playthrough, RunState, StartOptions};
use talkdown::records::replay::{ReplayCheck, Rewound, rewind_session};
use talkdown::records::{Filter, Recorder, SessionId, Store, export};
use talkdown::scenario::{Scenario, load::load_scenario};
use talkdown::session::{Analyses, Session};

fn bundled(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(format!("{name}.ron"))
}

fn fixture_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/every_feature.ron")
}

/// Play to an ending (or 40 decisions), picking the offered choice by a
/// simple rule of the step so runs differ by seed; record into `store`.
/// Returns the session and the run as it stood before each decision.
fn play_recorded(store: &mut Store, s: &Scenario, path: &Path, seed: u64) -> (SessionId, Vec<RunState>) {
    let mut p = Playthrough::start(s, StartOptions::new(seed, Mode::Training)).unwrap();
    let id = store.start_session_from(&p, "ana", Some(path)).unwrap();
    let mut before = Vec::new();
    let mut step = 0u64;
    while !p.is_finished() && !p.is_stuck() && step < 40 {
        before.push(p.run().clone());
        let view = p.current().unwrap();
        if view.choices.is_empty() {
            p.time_out(Some(900 + step)).unwrap();
        } else {
            let n = ((seed + step * 7) as usize % view.choices.len()) + 1;
            p.choose(n, Some(1000 + step * 13)).unwrap();
        }
        store.record_decision(id, &p).unwrap();
        step += 1;
    }
    if p.is_finished() {
        let mut analyses = Analyses::default();
        let (a, space) = analyses.get(s).unwrap();
        let d = talkdown::debrief::Debrief::build(&p, a, space, Some("ana")).unwrap();
        store.finish_session(id, &p, &d).unwrap();
    }
    (id, before)
}

#[test]
fn rewinding_to_every_step_of_a_recorded_run_reproduces_the_original_prefix_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("r.sqlite3")).unwrap();
    let mut checked = 0;
    for (name, seed) in
        [("bridge_jumper", 11), ("homeless_crisis", 5), ("veteran_ptsd", 23), ("peer_support", 2)]
    {
        let path = bundled(name);
        let s = load_scenario(&path).unwrap();
        let (id, before) = play_recorded(&mut store, &s, &path, seed);
        let rec = store.session(id).unwrap();
        assert_eq!(rec.decisions.len(), before.len());
        for (i, then) in before.iter().enumerate() {
            let step = i as u32 + 1;
            let Rewound::Ready(r) = rewind_session(&rec, &s, step).unwrap() else {
                panic!("{name}: step {step} was refused")
            };
            // State, seed, shown order, decisions (response times too) and transcript.
            assert_eq!(r.resumed.run(), then, "{name}: rewound to step {step}");
            assert_eq!(r.resumed.seed(), seed);
            assert_eq!(r.original.decisions().len(), before.len());
            assert_eq!(r.link.step, step);
            assert_eq!(r.link.parent, rec.summary.uuid);
            checked += 1;
        }
        for step in [0, before.len() as u32 + 1] {
            assert!(
                matches!(rewind_session(&rec, &s, step).unwrap(), Rewound::NoSuchStep { .. }),
                "{name}: step {step}"
            );
        }
    }
    assert!(checked > 12, "only {checked} steps checked");
}

#[test]
fn a_scenario_changed_since_the_run_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("r.sqlite3")).unwrap();
    let path = fixture_path();
    let s = load_scenario(&path).unwrap();
    let (id, _) = play_recorded(&mut store, &s, &path, 3);
    let rec = store.session(id).unwrap();
    let changed_file = dir.path().join("every_feature.ron");
    let text = std::fs::read_to_string(&path).unwrap().replace("Sam walks in with you.", "Sam goes in.");
    std::fs::write(&changed_file, text).unwrap();
    let changed = load_scenario(&changed_file).unwrap();
    assert!(matches!(
        rewind_session(&rec, &changed, 1).unwrap(),
        Rewound::Refused(ReplayCheck::VersionChanged { .. })
    ));
}

#[test]
fn a_rewound_run_is_its_own_session_linked_to_the_original_counted_apart_and_debriefed_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("r.sqlite3");
    let path = fixture_path();
    let s = load_scenario(&path).unwrap();
    let mut opts = StartOptions::new(1, Mode::Training);
    opts.shuffle = false;
    // The original: introduce, reflect, ask_now, offer_counsellor (a good ending).
    let mut first = Session::start(&s, Some(&path), opts, "ana", Recorder::open(Some(&file))).unwrap();
    for c in ["introduce", "reflect", "ask_now", "offer_counsellor"] {
        first.choose_id(c, Some(1200)).unwrap();
    }
    first.finish(&mut Analyses::default());
    assert!(first.close().is_empty());
    drop(first);

    let store = Store::open_read_only(&file).unwrap();
    let original = store.sessions(&Filter::default()).unwrap().pop().unwrap();
    assert!(original.rewound_from.is_none());
    let rec = store.session(original.id).unwrap();
    drop(store);

    // Rewind to decision 2 and choose otherwise.
    let Rewound::Ready(r) = rewind_session(&rec, &s, 2).unwrap() else { panic!("refused") };
    let mut again = Session::rewound(*r, Some(&path), "ana", Recorder::open(Some(&file)));
    assert_eq!(again.fork_step(), Some(2));
    assert_eq!(again.play().decisions().len(), 1);
    again.choose_id("cheer_up", Some(800)).unwrap();
    while !again.play().is_finished() {
        let n = again.play().current().unwrap().choices.len();
        assert!(n > 0);
        again.choose(1, Some(700)).unwrap();
    }
    let debrief = again.finish(&mut Analyses::default());
    assert!(again.close().is_empty());
    let fork = debrief.fork.as_ref().expect("the debrief compares the two routes");
    assert_eq!(fork.step, 2);
    assert_eq!(fork.session, Some(original.id.0));
    assert_eq!(fork.original.steps.len(), 3);
    assert_eq!(fork.original.steps[0].step, 2);
    assert_ne!(fork.this_run.steps[0].text, fork.original.steps[0].text);
    assert_eq!(fork.original.steps[0].text, rec.decisions[1].text);
    let text = debrief.to_text();
    assert!(text.contains("TWO ROUTES FROM DECISION 2"), "{text}");
    assert!(text.contains("this run") && text.contains("original"), "{text}");
    let html = debrief.to_html();
    assert!(
        html.contains("Two routes from decision 2") && html.contains("<table class=\"routes\">"),
        "{html}"
    );
    assert!(debrief.to_json().contains("\"fork\""));

    // The records: linked by UUID and step, the prefix copied, exported.
    let store = Store::open_read_only(&file).unwrap();
    let all = store.sessions(&Filter::default()).unwrap();
    assert_eq!(all.len(), 2);
    let new = all.iter().find(|x| x.rewound_from.is_some()).unwrap();
    let link = new.rewound_from.as_ref().unwrap();
    assert_eq!((link.uuid.as_str(), link.session, link.step), (original.uuid.as_str(), Some(original.id), 2));
    let new_rec = store.session(new.id).unwrap();
    assert_eq!(new_rec.decisions[0].choice, "introduce");
    assert_eq!(new_rec.decisions[0].response_ms, Some(1200), "the original's response time is kept");
    assert_eq!(new_rec.decisions[1].choice, "cheer_up");
    // The new session replays on its own.
    assert!(matches!(
        talkdown::records::replay::replay_session(&new_rec, &s).unwrap(),
        ReplayCheck::Matches { .. }
    ));
    let records = store.session_records(&Filter::default()).unwrap();
    let json: serde_json::Value = serde_json::from_str(&export::to_json(&records)).unwrap();
    let linked: Vec<&serde_json::Value> =
        json["sessions"].as_array().unwrap().iter().filter(|x| !x["rewound_from"].is_null()).collect();
    assert_eq!(linked.len(), 1);
    assert_eq!(linked[0]["rewound_from"]["uuid"], original.uuid.as_str());
    assert_eq!(linked[0]["rewound_from"]["step"], 2);
    let csv = export::to_csv(&records);
    // The last two columns (text cells before them may hold commas).
    assert!(csv.lines().next().unwrap().ends_with(",rewound_from,fork_step"));
    let forked_rows = csv.lines().skip(1).filter(|l| l.ends_with(&format!(",{},2", original.uuid))).count();
    assert_eq!(forked_rows, new_rec.decisions.len());
    let xapi = export::to_xapi(&records, &Default::default());
    assert!(xapi.contains("fork-step") && xapi.contains(&original.uuid));

    // The class report counts the first attempt only, and the rewind apart.
    let report = store.class_report("every_feature", None, None).unwrap();
    assert_eq!(report.attempts, 1);
    assert_eq!(report.rewinds.sessions, 1);
    assert_eq!(report.rewinds.finished, 1);
    assert!(report.to_text().contains("Rewinds: 1 run by 1 trainee"), "{}", report.to_text());
    let at_talk = report.decision_points.iter().find(|p| p.beat == "arrival").unwrap();
    assert_eq!(at_talk.decisions, 1, "the copied decisions are not counted twice");

    // The link survives an import into another file.
    let other = dir.path().join("other.sqlite3");
    let mut into = Store::open(&other).unwrap();
    into.import(&file).unwrap();
    let imported = into.sessions(&Filter::default()).unwrap();
    let new2 = imported.iter().find(|x| x.rewound_from.is_some()).unwrap();
    assert_eq!(new2.rewound_from.as_ref().unwrap().uuid, original.uuid);
    assert_eq!(new2.rewound_from.as_ref().unwrap().step, 2);
}

/// The reading fixture with a reflection prompt at its first beat too, so a
/// rewind to decision 2 has a reading and a reflection before the fork.
fn reading_with_two_reflections(dir: &Path) -> (PathBuf, Scenario) {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reading.ron"))
            .unwrap()
            .replace("label: \"At the door\",", "label: \"At the door\", reflect: \"Why that?\",");
    let path = dir.join("reading.ron");
    std::fs::write(&path, text).unwrap();
    let s = load_scenario(&path).unwrap();
    assert_eq!(s.reflect_prompt(0), Some("Why that?"), "the first beat asks for a reflection");
    (path, s)
}

#[test]
fn a_rewind_keeps_the_readings_and_reflections_made_before_the_fork() {
    use talkdown::records::replay::rewind_play;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("r.sqlite3");
    let (path, s) = reading_with_two_reflections(dir.path());
    let mut opts = StartOptions::new(4, Mode::Assessment);
    opts.shuffle = false;
    let mut first = Session::start(&s, Some(&path), opts, "ana", Recorder::open(Some(&file))).unwrap();
    first.read(3).unwrap();
    first.choose_id("introduce", Some(1500)).unwrap();
    assert!(first.reflect("Say who I am first.").unwrap());
    first.read(1).unwrap();
    first.choose_id("ask", Some(900)).unwrap();
    assert!(first.reflect("Consent before checking.").unwrap());
    let original = first.play().clone();
    let uuid = first.recorded_as().unwrap().to_string();
    first.finish(&mut Analyses::default());
    assert!(first.close().is_empty());
    drop(first);
    let said = original.decisions()[0].clone();
    assert!(said.reading.is_some() && said.reflection.is_some());

    // From the records (`replay --rewind`).
    let store = Store::open_read_only(&file).unwrap();
    let summary = store.sessions(&Filter::default()).unwrap().pop().unwrap();
    let rec = store.session(summary.id).unwrap();
    drop(store);
    let Rewound::Ready(from_records) = rewind_session(&rec, &s, 2).unwrap() else { panic!("refused") };
    // In memory (the app's debrief).
    let Rewound::Ready(in_memory) = rewind_play(&original, &s, 2, Some(&uuid)).unwrap() else {
        panic!("refused")
    };
    for (how, r) in [("records", &from_records), ("memory", &in_memory)] {
        let before = &r.resumed.decisions()[0];
        assert_eq!(before.reading, said.reading, "{how}: the reading before the fork");
        assert_eq!(before.reflection, said.reflection, "{how}: the reflection before the fork");
        assert_eq!(before.response_ms, Some(1500), "{how}");
        assert_eq!(r.resumed.decisions().len(), 1, "{how}");
        assert_eq!(
            r.resumed.current().unwrap().read.unwrap().answered,
            None,
            "{how}: the fork's read is asked again"
        );
        assert_eq!(r.link.parent, uuid, "{how}");
        assert_eq!(r.link.step, 2, "{how}");
    }
    assert_eq!(from_records.resumed.run(), in_memory.resumed.run(), "both ways resume the same run");

    // The rewound run's record keeps them too, and its debrief counts the reading.
    let mut again = Session::rewound(*in_memory, Some(&path), "ana", Recorder::open(Some(&file)));
    again.read(2).unwrap();
    again.choose_id("leave", Some(700)).unwrap();
    again.reflect("").unwrap();
    let debrief = again.finish(&mut Analyses::default());
    assert!(again.close().is_empty());
    assert_eq!(debrief.reading.unwrap().answered, 2);
    assert_eq!(debrief.decisions[0].reflection.as_deref(), Some("Say who I am first."));
    let fork = debrief.fork.unwrap();
    assert_eq!((fork.step, fork.session), (2, None), "the app does not know the session's number");
    let store = Store::open_read_only(&file).unwrap();
    let new =
        store.sessions(&Filter::default()).unwrap().into_iter().find(|x| x.rewound_from.is_some()).unwrap();
    assert_eq!(new.rewound_from.as_ref().unwrap().uuid, uuid);
    let new_rec = store.session(new.id).unwrap();
    assert_eq!(new_rec.decisions[0].reflection.as_deref(), Some("Say who I am first."));
    assert_eq!(new_rec.decisions[0].reading.as_ref().unwrap().said, said.reading.as_ref().unwrap().said);
}

#[test]
fn an_in_memory_rewind_is_refused_when_the_scenario_changed_and_says_why() {
    use talkdown::records::replay::rewind_play;
    let path = fixture_path();
    let s = load_scenario(&path).unwrap();
    let mut opts = StartOptions::new(1, Mode::Training);
    opts.shuffle = false;
    let mut p = Playthrough::start(&s, opts).unwrap();
    for c in ["introduce", "reflect"] {
        p.choose_id(c, None).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let changed_file = dir.path().join("every_feature.ron");
    let text = std::fs::read_to_string(&path).unwrap().replace("Sam walks in with you.", "Sam goes in.");
    std::fs::write(&changed_file, text).unwrap();
    let changed = load_scenario(&changed_file).unwrap();
    let Rewound::Refused(check) = rewind_play(&p, &changed, 1, None).unwrap() else { panic!("not refused") };
    let why = check.refusal().unwrap();
    assert!(why.contains("has changed since this run"), "{why}");
    assert!(matches!(rewind_play(&p, &s, 3, None).unwrap(), Rewound::NoSuchStep { step: 3, decisions: 2 }));
    let Rewound::Ready(r) = rewind_play(&p, &s, 2, None).unwrap() else { panic!("refused") };
    // Not recorded: played on, it is recorded unlinked (an empty parent links nothing).
    assert!(r.link.parent.is_empty());
    assert_eq!(r.resumed.decisions().len(), 1);
}
