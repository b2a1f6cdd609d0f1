//! Issue 14, the trainee's reasoning and reading the subject: read questions
//! judged against the hidden state, reflections kept with the decision, both
//! through the engine, the records (store, exports, class report) and the
//! debrief; and decision points named in words.

use std::path::{Path, PathBuf};

use talkdown::engine::{EngineError, Mode, Playthrough, RunState, StartOptions};
use talkdown::records::{Filter, Recorder, Store, export};
use talkdown::scenario::Scenario;
use talkdown::scenario::load::load_scenario;
use talkdown::session::{Analyses, Session};
use talkdown::state::GameState;

fn fixture_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reading.ron")
}

fn reading() -> Scenario {
    load_scenario(&fixture_path()).expect("the reading fixture loads")
}

/// Unshuffled, starting at the door with distress 5 (the file starts it at 3 to 7).
fn options(seed: u64, mode: Mode) -> StartOptions {
    let mut o = StartOptions::new(seed, mode);
    o.shuffle = false;
    o.from = Some(("door".to_string(), GameState::new(vec![5])));
    o
}

#[test]
fn a_reading_is_judged_against_the_hidden_state_and_kept_with_the_decision() {
    let s = reading();
    let mut p = Playthrough::start(&s, options(1, Mode::Assessment)).unwrap();
    let view = p.current().unwrap();
    let read = view.read.expect("the door asks a read question");
    assert_eq!(read.question, "How distressed is Pat right now?");
    assert_eq!(read.options, ["Calm", "Uneasy", "Very distressed"]);
    assert_eq!(read.answered, None);
    assert_eq!(view.reflect, None);
    // Distress starts at 5: "Uneasy" (4–5) is right, "Calm" is not.
    let r = p.read(1).unwrap().clone();
    assert!(!r.right);
    assert_eq!(r.truth, ["Uneasy"]);
    // Answering again before choosing replaces it.
    assert!(p.read(2).unwrap().right);
    assert_eq!(p.current().unwrap().read.unwrap().answered, Some(2));
    assert_eq!(p.read(4).unwrap_err(), EngineError::NoSuchAnswer { number: 4, offered: 3 });
    assert_eq!(p.reflect("too early").unwrap_err(), EngineError::NoReflection);
    p.choose_id("knock", Some(1200)).unwrap();
    let d = &p.decisions()[0];
    let r = d.reading.as_ref().expect("kept with the decision");
    assert_eq!((r.said.as_str(), r.right, r.answer), ("Uneasy", true, 1));
    assert_eq!(d.reflection, None);
    assert_eq!(p.reflection_due(), None, "the door asks no reflection");

    // Inside: knocking raised distress to 8, and Pat was not told why we came.
    let view = p.current().unwrap();
    assert_eq!(view.reflect.as_deref(), Some("What were you weighing just then?"));
    let r = p.read(1).unwrap();
    assert!(!r.right, "Pat does not know why we came");
    assert_eq!(r.truth, ["Not yet"]);
    p.choose_id("ask", None).unwrap();
    assert_eq!(p.reflection_due(), Some("What were you weighing just then?"));
    assert!(p.reflect("  He sounded scared;   I wanted his consent first.  \n").unwrap());
    assert_eq!(p.reflection_due(), None);
    assert_eq!(p.reflect("again").unwrap_err(), EngineError::AlreadyReflected);
    let d = &p.decisions()[1];
    assert_eq!(d.reflection.as_deref(), Some("He sounded scared;   I wanted his consent first."));
    assert!(p.is_finished());

    // A saved run keeps both, and resumes to the same decisions.
    let saved = serde_json::to_string(p.run()).unwrap();
    let back: RunState = serde_json::from_str(&saved).unwrap();
    assert_eq!(back.decisions, p.decisions());
    let resumed = Playthrough::resume(&s, back).unwrap();
    assert_eq!(resumed.decisions()[1].reflection, p.decisions()[1].reflection);
}

#[test]
fn an_unanswered_read_and_a_skipped_reflection_are_left_empty_and_change_no_score() {
    let s = reading();
    let mut with = Playthrough::start(&s, options(3, Mode::Training)).unwrap();
    with.read(2).unwrap();
    with.choose_id("introduce", None).unwrap();
    with.read(1).unwrap();
    with.choose_id("ask", None).unwrap();
    with.reflect("Consent first.").unwrap();
    let mut without = Playthrough::start(&s, options(3, Mode::Training)).unwrap();
    without.choose_id("introduce", None).unwrap();
    without.choose_id("ask", None).unwrap();
    assert!(!without.reflect("   ").unwrap(), "blank skips");
    assert_eq!(without.decisions()[1].reflection, None);
    assert!(without.decisions().iter().all(|d| d.reading.is_none()));
    assert_eq!(with.totals(), without.totals());
    assert_eq!(with.transcript(), without.transcript());

    let mut analyses = Analyses::default();
    let (a, space) = analyses.get(&s).unwrap();
    let dw = talkdown::debrief::Debrief::build(&with, a, space, Some("ana")).unwrap();
    let dn = talkdown::debrief::Debrief::build(&without, a, space, Some("ana")).unwrap();
    assert_eq!((dw.total.score, dw.process.shown_percent), (dn.total.score, dn.process.shown_percent));
    let text = dw.to_text();
    let reading_line = "Reading the subject: 2 of 2 right (how you read the person, against their hidden state \
                        at the time; not part of the score)";
    assert!(text.contains(reading_line), "{text}");
    // Its own line, after the process score and before the points.
    let (process, line, score) =
        (text.find("Process:").unwrap(), text.find(reading_line).unwrap(), text.find("\nScore:").unwrap());
    assert!(process < line && line < score, "{text}");
    assert!(text.contains("    Your read: Yes — right."), "{text}");
    // The reason beside the clinician's commentary.
    let reasons = text.find("    Your reasons: “Consent first.”").expect("the reason is shown");
    assert!(
        text[reasons..].starts_with("    Your reasons: “Consent first.”\n    Clinician: Ask consent first.")
    );
    let html = dw.to_html();
    assert!(html.contains("<p class=\"reading\">Reading the subject: 2 of 2 right"), "{html}");
    assert!(html.contains("<b>Your reasons:</b> “Consent first.”"), "{html}");
    let json: serde_json::Value = serde_json::from_str(&dw.to_json()).unwrap();
    assert_eq!(json["reading"]["right"], 2);
    assert_eq!(json["decisions"][1]["reflection"], "Consent first.");
    assert_eq!(json["decisions"][0]["label"], "At the door");

    let text = dn.to_text();
    assert!(text.contains("Reading the subject: 0 of 0 right; 2 questions not answered"), "{text}");
    assert!(text.contains("    Your reasons: (skipped)"), "{text}");
}

/// Play one recorded session through a [`Session`] and its recorder.
fn record(path: &Path, trainee: &str, read: [usize; 2], choices: [&str; 2], reflection: &str) {
    let s = reading();
    let mut session = Session::start(
        &s,
        Some(&fixture_path()),
        options(5, Mode::Assessment),
        trainee,
        Recorder::open(Some(path)),
    )
    .unwrap();
    for (r, c) in read.into_iter().zip(choices) {
        session.read(r).unwrap();
        session.choose_id(c, Some(900)).unwrap();
    }
    session.reflect(reflection).unwrap();
    session.finish(&mut Analyses::default());
    assert!(session.close().is_empty());
}

#[test]
fn readings_and_reflections_round_trip_through_the_records_and_the_exports() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("records.sqlite3");
    record(&path, "ana", [2, 1], ["introduce", "ask"], "She, said \"no\"; I asked = consent");
    let store = Store::open_read_only(&path).unwrap();
    let sessions = store.session_records(&Filter::default()).unwrap();
    assert_eq!(sessions.len(), 1);
    let d = &sessions[0].decisions;
    assert_eq!(d[0].label.as_deref(), Some("At the door"));
    assert_eq!(d[1].label.as_deref(), Some("I'm fine, I told you."), "no label: the first line");
    let r = d[0].reading.as_ref().unwrap();
    assert_eq!(
        (r.question.as_str(), r.said.as_str(), r.right, r.truth.clone()),
        ("How distressed is Pat right now?", "Uneasy", true, vec!["Uneasy".to_string()])
    );
    assert!(d[1].reading.as_ref().unwrap().right);
    assert_eq!(d[0].reflection, None);
    // The reflection came after the decision was recorded, and still reached it.
    assert_eq!(d[1].reflection.as_deref(), Some("She, said \"no\"; I asked = consent"));

    let csv = export::to_csv(&sessions);
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap_or_else(|| panic!("no column {n}"));
    let row2 = csv.lines().nth(2).unwrap();
    assert!(row2.contains(",\"She, said \"\"no\"\"; I asked = consent\","), "{row2}");
    assert!(col("label") < col("grade") && col("reflection") < col("grade"));
    let json: serde_json::Value = serde_json::from_str(&export::to_json(&sessions)).unwrap();
    let jd = &json["sessions"][0]["decisions"];
    assert_eq!(jd[0]["reading"]["said"], "Uneasy");
    assert_eq!(jd[0]["reading"]["right"], true);
    assert_eq!(jd[1]["reflection"], "She, said \"no\"; I asked = consent");
    let xapi: serde_json::Value =
        serde_json::from_str(&export::to_xapi(&sessions, &export::XapiOptions::default())).unwrap();
    let ext = &xapi[1]["result"]["extensions"];
    assert_eq!(
        ext["https://talkdown.invalid/xapi/extensions/reflection"],
        "She, said \"no\"; I asked = consent"
    );
    assert_eq!(
        xapi[0]["result"]["extensions"]["https://talkdown.invalid/xapi/extensions/reading"]["right"],
        true
    );
    assert_eq!(xapi[0]["object"]["definition"]["name"]["en-US"], "At the door");
}

#[test]
fn the_class_report_names_decision_points_and_lists_the_class_reasons_and_reading() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("records.sqlite3");
    record(&path, "ana", [2, 1], ["introduce", "ask"], "Consent before anything else.");
    record(&path, "ben", [3, 1], ["knock", "leave"], "He said he was fine.");
    let store = Store::open_read_only(&path).unwrap();
    let r = store.class_report("reading", None, None).unwrap();
    let labels: Vec<&str> = r.decision_points.iter().map(|p| p.label.as_str()).collect();
    assert_eq!(labels, ["At the door", "I'm fine, I told you."]);
    let door = r.decision_points[0].reading.as_ref().unwrap();
    assert_eq!((door.right, door.answered), (1, 2), "ben read 'very distressed' at distress 5");
    let inside = &r.decision_points[1];
    assert_eq!(inside.reading.as_ref().map(|x| (x.right, x.answered)), Some((1, 2)));
    let reasons: Vec<(&str, &str)> =
        inside.reasons.iter().map(|x| (x.trainee.as_str(), x.reflection.as_str())).collect();
    assert_eq!(reasons, [("ana", "Consent before anything else."), ("ben", "He said he was fine.")]);
    let overall = r.reading.as_ref().unwrap();
    assert_eq!((overall.right, overall.answered), (2, 4));

    let text = r.to_text();
    assert!(text.contains("\n  At the door — 2 decisions"), "{text}");
    assert!(!text.contains("[door]") && !text.contains("[inside]"), "{text}");
    assert!(text.contains("Reading the subject: 2 of 4 right (50.0%)"), "{text}");
    assert!(
        text.contains("    Reading the subject (“How distressed is Pat right now?”): 1 of 2 right (50.0%)")
    );
    assert!(
        text.contains(
            "      • ben — chose “Okay then, I'll leave you to it. Goodbye.”: “He said he was fine.”"
        )
    );
    let html = r.to_html();
    assert!(html.contains("<h3>At the door <small>2 decisions</small></h3>"), "{html}");
    assert!(
        html.contains("<li><b>ana</b> chose “Can I check you&#x27;re alright?”")
            || html.contains("<li><b>ana</b> chose “Can I check you're alright?”"),
        "{html}"
    );
}

#[test]
fn the_terminal_player_asks_the_read_question_first_and_the_reflection_after_in_assessment() {
    let s = reading();
    let mut session =
        Session::start(&s, None, options(2, Mode::Assessment), "Cadet", Recorder::off()).unwrap();
    let mut out = Vec::new();
    // read: a wrong number, then 2; choose 2 (introduce); read 1; choose 1 (ask); reflect.
    let input = "7\n2\n2\n1\n1\nI wanted to hear it from him.\n";
    let end = talkdown::cli::play::run(&mut session, &mut input.as_bytes(), &mut out).unwrap();
    assert_eq!(end, talkdown::cli::play::Finish::Ended);
    let out = String::from_utf8(out).unwrap();
    let read = out.find("READ THE PERSON: How distressed is Pat right now?").expect("asked");
    let choices = out.find("  1. Knock again, harder.").unwrap();
    assert!(read < choices, "the read question comes before the choices: {out}");
    assert!(out.contains("Please type a number from 1 to 3, or q to stop."), "{out}");
    assert!(out.contains("What were you weighing just then? (one line; Enter to skip)"), "{out}");
    assert!(!out.contains("Your read"), "no feedback in assessment mode: {out}");
    let d = session.play().decisions();
    assert_eq!(d[0].reading.as_ref().map(|r| r.said.as_str()), Some("Uneasy"));
    assert_eq!(d[1].reflection.as_deref(), Some("I wanted to hear it from him."));

    // Training: the read is fed back after the choice; an empty line skips the reflection.
    let mut session = Session::start(&s, None, options(2, Mode::Training), "Cadet", Recorder::off()).unwrap();
    let mut out = Vec::new();
    talkdown::cli::play::run(&mut session, &mut "1\n1\n2\n2\n\n".as_bytes(), &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("  ↳ Your read: Calm. The person was at: Uneasy."), "{out}");
    assert!(out.contains("  ↳ Your read (Not yet) was right."), "{out}");
    assert_eq!(session.play().decisions()[1].reflection, None);
}
