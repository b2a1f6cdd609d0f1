//! The app without a window (MinimalPlugins): screens, keys, clicks, the
//! countdown, pause, and hot reload, driven frame by frame.
#![cfg(feature = "app")]

use std::path::{Path, PathBuf};
use std::time::Duration;

use bevy::input::ButtonState;
use bevy::input::keyboard::{Key, KeyboardInput};
use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;
use bevy_egui::{EguiInput, egui};
use talkdown::app::hot_reload::{FileChanged, Overlay};
use talkdown::app::screens::instructor::Instructor;
use talkdown::app::screens::library::CardsShown;
use talkdown::app::screens::play::ChoiceButtons;
use talkdown::app::screens::trainee::TraineeForm;
use talkdown::app::session::{Attempts, Current, Finished, Library};
use talkdown::app::theme::Prefs;
use talkdown::app::{AppConfig, Screen, headless};
use talkdown::engine::Mode;
use talkdown::scenario::model::ReviewStatus;
use talkdown::scenario::review::{review_for, stamp_text};

mod common;
use common::too_large_to_analyse;

const FIXTURE: &str = "tests/fixtures/every_feature.ron";

/// A scenario folder in a temp dir holding the every-feature fixture.
fn folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(FIXTURE, dir.path().join("every_feature.ron")).unwrap();
    dir
}

fn app_in(dir: &Path, mode: Mode) -> App {
    let mut app = headless(AppConfig {
        scenarios: dir.to_path_buf(),
        seed: Some(7),
        mode: Some(mode),
        trainee: Some("Cadet Test".into()),
        ..Default::default()
    });
    app.insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_millis(100)));
    frames(&mut app, 3);
    app
}

/// Whether the run is paused (the app's `Pause` state).
fn paused(app: &App) -> bool {
    app.world().resource::<State<talkdown::app::Pause>>().get().0
}

fn frames(app: &mut App, n: usize) {
    for _ in 0..n {
        app.update();
    }
}

fn press(app: &mut App, key: KeyCode) {
    let window = Entity::PLACEHOLDER;
    for state in [ButtonState::Pressed, ButtonState::Released] {
        app.world_mut().write_message(KeyboardInput {
            key_code: key,
            logical_key: Key::Unidentified(bevy::input::keyboard::NativeKey::Unidentified),
            state,
            text: None,
            repeat: false,
            window,
        });
        app.update();
    }
}

fn screen(app: &App) -> Screen {
    *app.world().resource::<State<Screen>>().get()
}

fn decisions(app: &App) -> Vec<String> {
    let current = app.world().resource::<Current>();
    current
        .0
        .as_ref()
        .map(|r| r.play().decisions().iter().map(|d| d.choice.clone()).collect())
        .unwrap_or_default()
}

fn beat(app: &App) -> String {
    app.world()
        .resource::<Current>()
        .0
        .as_ref()
        .and_then(|r| r.play().current())
        .map(|b| b.beat)
        .unwrap_or_default()
}

/// The number shown for a choice id at the current beat (choices are shuffled per seed).
fn number_of(app: &App, id: &str) -> usize {
    let current = app.world().resource::<Current>();
    let view = current.0.as_ref().unwrap().play().current().unwrap();
    view.choices.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("{id} not offered")).number
}

fn digit(n: usize) -> KeyCode {
    [
        KeyCode::Digit1,
        KeyCode::Digit2,
        KeyCode::Digit3,
        KeyCode::Digit4,
        KeyCode::Digit5,
        KeyCode::Digit6,
        KeyCode::Digit7,
        KeyCode::Digit8,
        KeyCode::Digit9,
    ][n - 1]
}

/// Library → trainee → briefing (acknowledge the warning) → play, by keys only.
fn into_play(app: &mut App) {
    assert_eq!(screen(app), Screen::Library);
    press(app, KeyCode::Enter);
    assert_eq!(screen(app), Screen::Trainee);
    press(app, KeyCode::Enter);
    if app.world().resource::<Prefs>().mode == Mode::Assessment {
        // The fixture is not clinically reviewed: the question comes first.
        assert_eq!(screen(app), Screen::Trainee);
        press(app, KeyCode::Enter);
    }
    assert_eq!(screen(app), Screen::Briefing);
    press(app, KeyCode::Enter);
    assert_eq!(screen(app), Screen::Briefing, "the content warning must be acknowledged first");
    press(app, KeyCode::Space);
    press(app, KeyCode::Enter);
    frames(app, 1);
    assert_eq!(screen(app), Screen::Play);
    assert_eq!(beat(app), "arrival");
}

#[test]
fn keyboard_alone_goes_from_library_to_play() {
    let dir = folder();
    let mut app = app_in(dir.path(), Mode::Training);
    into_play(&mut app);
    let run = app.world().resource::<Current>().0.as_ref().unwrap();
    assert_eq!(run.trainee(), "Cadet Test");
    assert_eq!(run.play().seed(), 7);
}

#[test]
fn templates_are_not_offered_to_trainees() {
    let dir = folder();
    std::fs::copy(FIXTURE, dir.path().join("_template.ron")).unwrap();
    let app = app_in(dir.path(), Mode::Training);
    let lib = app.world().resource::<Library>();
    let stems: Vec<&str> = lib.entries.iter().map(|e| e.stem.as_str()).collect();
    assert_eq!(stems, ["every_feature"]);
}

#[test]
fn a_broken_file_is_listed_with_its_first_error_and_the_rest_stay_playable() {
    let dir = folder();
    std::fs::write(dir.path().join("broken.ron"), "Scenario(id: \"broken\", about: (title: \"x\"").unwrap();
    let app = app_in(dir.path(), Mode::Training);
    let lib = app.world().resource::<Library>();
    assert_eq!(lib.entries.len(), 2);
    let broken = lib.entries.iter().find(|e| e.stem == "broken").unwrap();
    assert!(broken.scenario.is_none());
    let headline = &broken.problem.as_ref().unwrap().headline;
    assert!(headline.contains("broken.ron:1:"), "{headline}");
    assert!(lib.entries.iter().any(|e| e.id() == "every_feature" && e.scenario.is_some()));
}

#[test]
fn number_keys_reach_the_engine() {
    let dir = folder();
    let mut app = app_in(dir.path(), Mode::Training);
    into_play(&mut app);
    let n = number_of(&app, "introduce");
    press(&mut app, digit(n));
    assert_eq!(decisions(&app), ["introduce"]);
    assert_eq!(beat(&app), "talk");
    // Training mode: the choice's feedback line is shown.
    let run = app.world().resource::<Current>().0.as_ref().unwrap();
    assert_eq!(run.feedback.as_deref(), Some("He lets you stay."));
    // A number that is not offered changes nothing and says what is.
    press(&mut app, KeyCode::Digit9);
    assert_eq!(decisions(&app), ["introduce"]);
    let run = app.world().resource::<Current>().0.as_ref().unwrap();
    assert!(run.notice.clone().unwrap().starts_with("Choose 1 to"));
}

#[test]
fn arrows_and_enter_choose_the_highlighted_choice() {
    let dir = folder();
    let mut app = app_in(dir.path(), Mode::Assessment);
    into_play(&mut app);
    press(&mut app, KeyCode::ArrowDown);
    press(&mut app, KeyCode::ArrowDown);
    let third = {
        let current = app.world().resource::<Current>();
        current.0.as_ref().unwrap().play().current().unwrap().choices[2].id.clone()
    };
    press(&mut app, KeyCode::Enter);
    assert_eq!(decisions(&app), [third]);
    // Assessment mode: no feedback.
    assert!(app.world().resource::<Current>().0.as_ref().is_none_or(|r| r.feedback.is_none()));
}

#[test]
fn a_click_on_a_choice_button_reaches_the_engine() {
    let dir = folder();
    let mut app = app_in(dir.path(), Mode::Training);
    into_play(&mut app);
    frames(&mut app, 2);
    let n = number_of(&app, "introduce");
    let rect = app.world().resource::<ChoiceButtons>().0[n - 1];
    let pos = rect.center();
    let ctx = app.world_mut().query_filtered::<Entity, With<EguiInput>>().single(app.world()).unwrap();
    let events = [
        vec![egui::Event::PointerMoved(pos)],
        vec![egui::Event::PointerButton {
            pos,
            button: egui::PointerButton::Primary,
            pressed: true,
            modifiers: Default::default(),
        }],
        vec![egui::Event::PointerButton {
            pos,
            button: egui::PointerButton::Primary,
            pressed: false,
            modifiers: Default::default(),
        }],
    ];
    for evs in events {
        app.world_mut().get_mut::<EguiInput>(ctx).unwrap().events.extend(evs);
        app.update();
    }
    frames(&mut app, 1);
    assert_eq!(decisions(&app), ["introduce"]);
}

#[test]
fn a_timed_beat_times_out_through_the_engine() {
    let dir = folder();
    let mut app = app_in(dir.path(), Mode::Training);
    into_play(&mut app);
    // 20 s timer, 100 ms per frame.
    frames(&mut app, 150);
    assert!(decisions(&app).is_empty());
    let left = app.world().resource::<Current>().0.as_ref().unwrap().remaining.unwrap();
    assert!(left > 0.0 && left < 6.0, "{left}");
    frames(&mut app, 60);
    assert_eq!(decisions(&app), ["timeout"]);
    assert_eq!(beat(&app), "talk");
    let run = app.world().resource::<Current>().0.as_ref().unwrap();
    let ms = run.play().decisions()[0].response_ms.unwrap();
    assert!((19_500..=20_600).contains(&ms), "{ms}");
}

#[test]
fn pause_stops_the_countdown_and_resume_continues_it() {
    let dir = folder();
    let mut app = app_in(dir.path(), Mode::Training);
    into_play(&mut app);
    frames(&mut app, 50);
    press(&mut app, KeyCode::Escape);
    assert!(paused(&app));
    let run = app.world().resource::<Current>().0.as_ref().unwrap();
    let left = run.remaining.unwrap();
    frames(&mut app, 300); // 30 s paused: the 20 s timer must not fire
    let run = app.world().resource::<Current>().0.as_ref().unwrap();
    assert_eq!(run.remaining.unwrap(), left);
    assert!(decisions(&app).is_empty());
    // Choice keys do nothing while paused (9 is not in the pause menu).
    press(&mut app, KeyCode::Digit9);
    assert!(decisions(&app).is_empty());
    assert!(paused(&app));
    press(&mut app, KeyCode::Escape);
    assert!(!paused(&app));
    let n = number_of(&app, "introduce");
    press(&mut app, digit(n));
    assert_eq!(decisions(&app), ["introduce"]);
}

#[test]
fn pause_menu_restart_and_back_to_library() {
    let dir = folder();
    let mut app = app_in(dir.path(), Mode::Training);
    into_play(&mut app);
    let n = number_of(&app, "introduce");
    press(&mut app, digit(n));
    press(&mut app, KeyCode::Escape);
    press(&mut app, KeyCode::Digit2); // restart
    assert!(decisions(&app).is_empty());
    assert_eq!(beat(&app), "arrival");
    press(&mut app, KeyCode::Escape);
    press(&mut app, KeyCode::Digit3); // library
    frames(&mut app, 1);
    assert_eq!(screen(&app), Screen::Library);
    assert!(app.world().resource::<Current>().0.is_none());
}

/// Play `ids` by key, in order.
fn play_ids(app: &mut App, ids: &[&str]) {
    for id in ids {
        let n = number_of(app, id);
        press(app, digit(n));
    }
}

#[test]
fn finishing_shows_the_debrief_records_the_attempt_and_replay_uses_the_same_seed() {
    let dir = folder();
    let mut app = app_in(dir.path(), Mode::Training);
    into_play(&mut app);
    play_ids(&mut app, &["introduce", "reflect", "ask_now", "offer_counsellor"]);
    frames(&mut app, 1);
    assert_eq!(screen(&app), Screen::Debrief);
    let finished = app.world().resource::<Finished>();
    let d = finished.debrief.as_ref().expect("a debrief");
    assert_eq!(d.ending.as_ref().unwrap().id, "accepts_help");
    assert_eq!(d.decisions.len(), 4);
    let attempts = &app.world().resource::<Attempts>().0;
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].trainee, "Cadet Test");
    press(&mut app, KeyCode::KeyR);
    frames(&mut app, 1);
    assert_eq!(screen(&app), Screen::Play);
    assert_eq!(app.world().resource::<Current>().0.as_ref().unwrap().play().seed(), 7);
    assert!(decisions(&app).is_empty());
}

#[test]
fn history_lists_the_trainees_attempts() {
    let dir = folder();
    let mut app = app_in(dir.path(), Mode::Training);
    into_play(&mut app);
    play_ids(&mut app, &["grab"]);
    frames(&mut app, 1);
    assert_eq!(screen(&app), Screen::Debrief);
    press(&mut app, KeyCode::KeyH);
    frames(&mut app, 2);
    assert_eq!(screen(&app), Screen::History);
    let attempts = &app.world().resource::<Attempts>().0;
    assert_eq!(attempts[0].critical, 1);
    press(&mut app, KeyCode::Escape);
    assert_eq!(screen(&app), Screen::Library);
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "fixture no longer contains {from:?}");
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

fn changed(app: &mut App, path: PathBuf) {
    app.world_mut().write_message(FileChanged(path));
    frames(app, 2);
}

#[test]
fn hot_reload_of_a_changed_scenario_replays_the_run_to_where_it_was() {
    let dir = folder();
    let file = dir.path().join("every_feature.ron");
    let mut app = app_in(dir.path(), Mode::Training);
    into_play(&mut app);
    play_ids(&mut app, &["introduce"]);
    assert_eq!(beat(&app), "talk");
    edit(&file, "Yeah. Yeah, that's it.", "Yeah. That's exactly it.");
    changed(&mut app, file.clone());
    assert_eq!(decisions(&app), ["introduce"]);
    assert_eq!(beat(&app), "talk");
    let run = app.world().resource::<Current>().0.as_ref().unwrap();
    assert!(run.notice.as_deref().unwrap().contains("replayed your 1 choices"), "{:?}", run.notice);
    assert_eq!(run.play().seed(), 7);
    // The new text is live.
    play_ids(&mut app, &["reflect"]);
    let said = talkdown::engine::render_transcript(
        app.world().resource::<Current>().0.as_ref().unwrap().play().transcript(),
    );
    assert!(said.contains("That's exactly it."), "{said}");
}

#[test]
fn hot_reload_says_where_the_replay_diverged() {
    let dir = folder();
    let file = dir.path().join("every_feature.ron");
    let mut app = app_in(dir.path(), Mode::Training);
    into_play(&mut app);
    play_ids(&mut app, &["introduce", "reflect"]);
    edit(&file, "id: \"reflect\"", "id: \"label_feeling\"");
    changed(&mut app, file);
    let run = app.world().resource::<Current>().0.as_ref().unwrap();
    let notice = run.notice.clone().unwrap();
    assert!(notice.contains("decision 2") && notice.contains("reflect"), "{notice}");
    assert_eq!(decisions(&app), ["introduce"]);
    assert_eq!(beat(&app), "talk");
}

#[test]
fn hot_reload_of_a_broken_edit_keeps_the_last_good_version_and_shows_the_error() {
    let dir = folder();
    let file = dir.path().join("every_feature.ron");
    let mut app = app_in(dir.path(), Mode::Training);
    into_play(&mut app);
    play_ids(&mut app, &["introduce"]);
    let before = app.world().resource::<Current>().0.as_ref().unwrap().play().scenario().content_hash.clone();
    edit(&file, "next: Go(\"talk_more\")", "next: Go(\"talk_mroe\")");
    changed(&mut app, file.clone());
    let overlay = app.world().resource::<Overlay>();
    assert_eq!(overlay.problems.len(), 1);
    assert!(
        overlay.problems[0].1.report(false).contains("talk_mroe"),
        "{}",
        overlay.problems[0].1.report(false)
    );
    let lib = app.world().resource::<Library>();
    assert!(lib.entries[0].scenario.is_some(), "the last good version stays");
    assert!(lib.entries[0].problem.is_some());
    let run = app.world().resource::<Current>().0.as_ref().unwrap();
    assert_eq!(run.play().scenario().content_hash, before);
    assert_eq!(decisions(&app), ["introduce"]);
    // Fixing the file closes the overlay.
    edit(&file, "talk_mroe", "talk_more");
    changed(&mut app, file);
    assert!(app.world().resource::<Overlay>().problems.is_empty());
    assert!(app.world().resource::<Library>().entries[0].problem.is_none());
}

#[test]
fn the_watcher_notices_a_saved_file() {
    let dir = folder();
    let file = dir.path().join("every_feature.ron");
    let mut app = app_in(dir.path(), Mode::Training);
    frames(&mut app, 2);
    std::thread::sleep(Duration::from_millis(600));
    edit(&file, "title: \"Every feature\"", "title: \"Every feature, edited\"");
    let mut seen = false;
    for _ in 0..60 {
        std::thread::sleep(Duration::from_millis(50));
        app.update();
        if app.world().resource::<Library>().entries[0].title() == "Every feature, edited" {
            seen = true;
            break;
        }
    }
    assert!(seen, "the library did not pick up the edit within 3 s");
}

#[test]
fn preferences_are_remembered_between_runs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prefs.json");
    let mut p = Prefs::load(Some(path.clone()));
    // A station for one person may remember the name (the default is not to).
    p.remember_trainee = true;
    p.trainee = "24-117".into();
    p.mode = Mode::Assessment;
    p.high_contrast = true;
    p.change_scale(0.3);
    p.save();
    let q = Prefs::load(Some(path));
    assert_eq!(q.trainee, "24-117");
    assert_eq!(q.mode, Mode::Assessment);
    assert!(q.high_contrast);
    assert!((q.text_scale - 1.3).abs() < 1e-6);
}

#[test]
fn every_decision_is_recorded_and_history_reads_the_records() {
    let dir = folder();
    let db = dir.path().join("records.sqlite3");
    let mut app = headless(AppConfig {
        scenarios: dir.path().to_path_buf(),
        seed: Some(7),
        mode: Some(Mode::Training),
        trainee: Some("Cadet Rec".into()),
        records: Some(db.clone()),
        ..Default::default()
    });
    app.insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_millis(100)));
    frames(&mut app, 3);
    into_play(&mut app);
    play_ids(&mut app, &["introduce"]);
    {
        // Written at once: another connection sees the decision mid-run.
        let store = talkdown::records::Store::open(&db).unwrap();
        let rows = store.history("Cadet Rec").unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].decisions, 1);
    }
    play_ids(&mut app, &["reflect", "ask_now", "offer_counsellor"]);
    frames(&mut app, 1);
    assert_eq!(screen(&app), Screen::Debrief);
    // Forget the in-memory list: History must come from the store.
    app.world_mut().resource_mut::<Attempts>().0.clear();
    press(&mut app, KeyCode::KeyH);
    let attempts = &app.world().resource::<Attempts>().0;
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].scenario, "every_feature");
    assert!(attempts[0].percent.is_some());
}

/// Every record of a CSV export, header included, read by the `csv` crate.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("valid CSV").iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn the_instructor_screen_shows_the_class_report_and_exports_csv_and_html() {
    let dir = folder();
    let db = dir.path().join("records.sqlite3");
    let mut app = headless(AppConfig {
        scenarios: dir.path().to_path_buf(),
        seed: Some(7),
        mode: Some(Mode::Training),
        trainee: Some("Cadet Class".into()),
        records: Some(db.clone()),
        ..Default::default()
    });
    app.insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_millis(100)));
    frames(&mut app, 3);
    // Three attempts through the app: a good ending, a critical error, one abandoned.
    into_play(&mut app);
    play_ids(&mut app, &["introduce", "reflect", "ask_now", "offer_counsellor"]);
    frames(&mut app, 1);
    assert_eq!(screen(&app), Screen::Debrief);
    press(&mut app, KeyCode::KeyL);
    into_play(&mut app);
    play_ids(&mut app, &["grab"]);
    frames(&mut app, 1);
    assert_eq!(screen(&app), Screen::Debrief);
    press(&mut app, KeyCode::KeyL);
    into_play(&mut app);
    play_ids(&mut app, &["introduce"]);
    press(&mut app, KeyCode::Escape);
    press(&mut app, KeyCode::Digit3); // pause menu: back to the library
    frames(&mut app, 1);
    assert_eq!(screen(&app), Screen::Library);

    press(&mut app, KeyCode::KeyI);
    frames(&mut app, 2);
    assert_eq!(screen(&app), Screen::Instructor);
    // The screen reads the library's copy of the scenario, as `talkdown report` reads its file.
    let expected = talkdown::records::Store::open_existing(&db)
        .unwrap()
        .class_report_with("every_feature", None, None, None, Ok(&common::fixture()))
        .unwrap();
    assert_eq!(expected.attempts, 3);
    assert_eq!(expected.finished, 2);
    let state = app.world().resource::<Instructor>().clone();
    assert_eq!(state.problem, None);
    assert_eq!(state.scenario.as_deref(), Some("every_feature"));
    let shown = state.report.expect("a report");
    assert_eq!(shown.attempts, expected.attempts);
    assert_eq!(shown.finished, expected.finished);
    assert_eq!(shown.completion_rate, expected.completion_rate);
    assert_eq!(shown.outcomes, expected.outcomes);
    assert_eq!(shown.critical_errors, expected.critical_errors);
    assert_eq!(shown.decision_points, expected.decision_points);
    assert_eq!(shown.by_trainee, expected.by_trainee);
    // So "How the class chose" lists the options nobody picked too, and has no "not available" note.
    assert_eq!(shown.scenario_note, None);
    let first =
        shown.decision_points.iter().find(|d| d.decisions == 3).expect("the first moment, played 3 times");
    assert!(first.options.len() > first.choices.len(), "{:?}", first.options);
    assert!(first.options.iter().any(|o| o.chosen == 0));

    // C: one CSV row per recorded decision (4 + 1 + 1), next to the store.
    press(&mut app, KeyCode::KeyC);
    let state = app.world().resource::<Instructor>().clone();
    let csv = state.last_export.clone().unwrap_or_else(|| panic!("no export: {:?}", state.message));
    assert_eq!(csv.parent(), db.parent());
    assert!(state.message.unwrap().contains(&csv.display().to_string()));
    let rows = parse_csv(&std::fs::read_to_string(&csv).unwrap());
    assert_eq!(rows.len(), 1 + 6, "header and six decisions");
    let col =
        |name: &str| rows[0].iter().position(|c| c == name).unwrap_or_else(|| panic!("no column {name}"));
    assert!(rows.iter().all(|r| r.len() == rows[0].len()));
    assert!(
        rows[1..].iter().all(|r| r[col("scenario")] == "every_feature" && r[col("trainee")] == "Cadet Class")
    );
    assert!(rows[1..].iter().any(|r| r[col("choice")] == "grab" && r[col("critical")] == "true"));

    // E: the same report as `talkdown report --html`.
    press(&mut app, KeyCode::KeyE);
    let html = app.world().resource::<Instructor>().last_export.clone().unwrap();
    assert!(html.extension().is_some_and(|e| e == "html"));
    assert!(std::fs::read_to_string(&html).unwrap().contains("Class report"));

    // A start date after today: nothing in range.
    app.world_mut().resource_mut::<Instructor>().since = "2999-01-01".into();
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.world().resource::<Instructor>().report.as_ref().unwrap().attempts, 0);
    app.world_mut().resource_mut::<Instructor>().since = "yesterday".into();
    press(&mut app, KeyCode::Enter);
    let problem = app.world().resource::<Instructor>().problem.clone().unwrap();
    assert!(problem.contains("Since") && problem.contains("YYYY-MM-DD"), "{problem}");

    press(&mut app, KeyCode::Escape);
    assert_eq!(screen(&app), Screen::Library);
}

#[test]
fn the_instructor_screen_says_so_when_recording_is_disabled() {
    let dir = folder();
    let mut app = app_in(dir.path(), Mode::Training);
    press(&mut app, KeyCode::KeyI);
    frames(&mut app, 1);
    assert_eq!(screen(&app), Screen::Instructor);
    let state = app.world().resource::<Instructor>().clone();
    assert!(state.report.is_none());
    assert!(state.problem.unwrap().contains("Recording is disabled"));
    press(&mut app, KeyCode::KeyC);
    let state = app.world().resource::<Instructor>().clone();
    assert!(state.last_export.is_none());
    assert!(state.message.unwrap().contains("Recording is disabled"));
}

/// Type text into whatever egui widget has the keyboard.
fn type_text(app: &mut App, text: &str) {
    let ctx = app.world_mut().query_filtered::<Entity, With<EguiInput>>().single(app.world()).unwrap();
    app.world_mut().get_mut::<EguiInput>(ctx).unwrap().events.push(egui::Event::Text(text.into()));
    frames(app, 2);
}

#[test]
fn a_shared_station_does_not_offer_the_last_trainees_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prefs.json");
    let mut p = Prefs::load(Some(path.clone()));
    p.trainee = "Cadet Before".into();
    p.save();
    assert_eq!(Prefs::load(Some(path)).trainee, "", "the next cadet must not inherit the name");
}

#[test]
fn each_visit_to_who_is_training_takes_a_new_name_and_records_under_it() {
    let dir = folder();
    let db = dir.path().join("records.sqlite3");
    let mut app = headless(AppConfig {
        scenarios: dir.path().to_path_buf(),
        seed: Some(7),
        mode: Some(Mode::Training),
        records: Some(db.clone()),
        ..Default::default()
    });
    app.insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_millis(100)));
    frames(&mut app, 3);
    for (visit, name) in ["Cadet One", "Cadet Two"].into_iter().enumerate() {
        assert_eq!(screen(&app), Screen::Library);
        press(&mut app, KeyCode::Enter);
        assert_eq!(screen(&app), Screen::Trainee);
        frames(&mut app, 2);
        assert_eq!(app.world().resource::<Prefs>().trainee, "", "visit {visit}: the field starts empty");
        // An empty name is refused, with a message.
        press(&mut app, KeyCode::Enter);
        assert_eq!(screen(&app), Screen::Trainee);
        let form = app.world().resource::<talkdown::app::screens::trainee::TraineeForm>();
        assert!(form.problem.as_deref().is_some_and(|p| p.contains("name")), "{:?}", form.problem);
        // Letters reach the name field, on every visit (T and A are not shortcuts).
        frames(&mut app, 2);
        type_text(&mut app, name);
        assert_eq!(app.world().resource::<Prefs>().trainee, name, "visit {visit}");
        assert_eq!(app.world().resource::<Prefs>().mode, Mode::Training);
        press(&mut app, KeyCode::Enter);
        assert_eq!(screen(&app), Screen::Briefing);
        press(&mut app, KeyCode::Space);
        press(&mut app, KeyCode::Enter);
        frames(&mut app, 1);
        assert_eq!(screen(&app), Screen::Play);
        play_ids(&mut app, &["introduce", "reflect", "ask_now", "offer_counsellor"]);
        frames(&mut app, 1);
        assert_eq!(screen(&app), Screen::Debrief);
        press(&mut app, KeyCode::Escape);
    }
    let store = talkdown::records::Store::open(&db).unwrap();
    assert_eq!(store.history("Cadet One").unwrap().len(), 1);
    assert_eq!(store.history("Cadet Two").unwrap().len(), 1);
}

#[test]
fn up_and_down_pick_the_mode_even_while_typing_the_name() {
    let dir = folder();
    let mut app = app_in(dir.path(), Mode::Training);
    press(&mut app, KeyCode::Enter);
    assert_eq!(screen(&app), Screen::Trainee);
    frames(&mut app, 2);
    press(&mut app, KeyCode::ArrowDown);
    assert_eq!(app.world().resource::<Prefs>().mode, Mode::Assessment);
    press(&mut app, KeyCode::ArrowUp);
    assert_eq!(app.world().resource::<Prefs>().mode, Mode::Training);
}

// ---- Review status: the card says it, an assessment asks first.

fn question(app: &App) -> Option<String> {
    app.world().get_resource::<TraineeForm>().and_then(|f| f.confirm_assessment.clone())
}

#[test]
fn the_library_card_shows_the_review_status_in_words() {
    let dir = folder();
    // A second scenario, stamped as team reviewed (the fixture itself is a Draft).
    let text =
        std::fs::read_to_string(FIXTURE).unwrap().replace("id: \"every_feature\"", "id: \"reviewed_copy\"");
    let file: talkdown::scenario::ScenarioFile =
        talkdown::scenario::load::parse(&talkdown::diagnostics::SourceFile::new("copy", text.as_str()))
            .unwrap();
    let review = review_for(&file, ReviewStatus::TeamReviewed, Some("Talkdown content team"), "2026-12-01");
    std::fs::write(dir.path().join("reviewed_copy.ron"), stamp_text(&text, &review).unwrap()).unwrap();
    let mut app = app_in(dir.path(), Mode::Training);
    frames(&mut app, 2);
    let shown = app.world().resource::<CardsShown>().0.clone();
    assert_eq!(
        shown,
        [
            ("every_feature".to_string(), "Draft, not reviewed yet".to_string()),
            (
                "reviewed_copy".to_string(),
                "Team reviewed (Talkdown content team, 2026-12-01), not clinically reviewed".to_string()
            ),
        ]
    );
}

#[test]
fn an_assessment_on_a_scenario_not_clinically_reviewed_asks_first() {
    let dir = folder();
    let mut app = app_in(dir.path(), Mode::Assessment);
    press(&mut app, KeyCode::Enter);
    assert_eq!(screen(&app), Screen::Trainee);
    assert_eq!(question(&app), None);
    press(&mut app, KeyCode::Enter);
    assert_eq!(screen(&app), Screen::Trainee, "the question comes before the briefing");
    let q = question(&app).expect("a question");
    assert!(q.contains("not clinically reviewed") && q.contains("Draft"), "{q}");
    // Esc takes the question back and stays on the screen.
    press(&mut app, KeyCode::Escape);
    assert_eq!(screen(&app), Screen::Trainee);
    assert_eq!(question(&app), None);
    // Asked again, Enter starts it anyway.
    press(&mut app, KeyCode::Enter);
    assert!(question(&app).is_some());
    press(&mut app, KeyCode::Enter);
    assert_eq!(screen(&app), Screen::Briefing);
}

#[test]
fn training_or_a_clinically_reviewed_scenario_does_not_ask() {
    let dir = folder();
    let mut app = app_in(dir.path(), Mode::Training);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    assert_eq!(screen(&app), Screen::Briefing, "training mode never asks");

    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(FIXTURE).unwrap();
    let file: talkdown::scenario::ScenarioFile =
        talkdown::scenario::load::parse(&talkdown::diagnostics::SourceFile::new("copy", text.as_str()))
            .unwrap();
    let review =
        review_for(&file, ReviewStatus::ClinicallyReviewed, Some("Dr. Jane Lee, LCSW"), "2026-12-01");
    std::fs::write(dir.path().join("every_feature.ron"), stamp_text(&text, &review).unwrap()).unwrap();
    let mut app = app_in(dir.path(), Mode::Assessment);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    assert_eq!(screen(&app), Screen::Briefing, "a clinically reviewed scenario starts without a question");
}

#[test]
fn a_scenario_too_large_to_analyse_ends_on_a_step_by_step_debrief() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("wide.ron"), too_large_to_analyse()).unwrap();
    let mut app = app_in(dir.path(), Mode::Training);
    for _ in 0..6 {
        if screen(&app) == Screen::Play {
            break;
        }
        press(&mut app, KeyCode::Enter);
        frames(&mut app, 1);
    }
    assert_eq!(screen(&app), Screen::Play);
    play_ids(&mut app, &["raise_b", "introduce", "leave"]);
    frames(&mut app, 3);
    assert_eq!(screen(&app), Screen::Debrief);
    let finished = app.world().resource::<Finished>();
    assert!(finished.error.is_none(), "{:?}", finished.error);
    let d = finished.debrief.as_ref().expect("a debrief, not an error");
    assert_eq!(d.judgement, talkdown::debrief::Judgement::StepByStep);
    assert!(d.judgement_note.as_deref().is_some_and(|n| n.starts_with("Judged step by step")));
    assert_eq!(d.best_choices, 1);
    assert_eq!(app.world().resource::<Attempts>().0.len(), 1);
}

/// Issue 15: the time allowed is chosen by keys on the trainee screen, starts
/// the run with a longer countdown, and untimed is not offered in assessment.
#[test]
fn page_down_on_the_trainee_screen_gives_extended_time() {
    use talkdown::engine::Timing;
    let dir = folder();
    let mut app = app_in(dir.path(), Mode::Training);
    press(&mut app, KeyCode::Enter);
    assert_eq!(screen(&app), Screen::Trainee);
    press(&mut app, KeyCode::PageDown);
    assert_eq!(app.world().resource::<Prefs>().timing, Timing::Extended150);
    press(&mut app, KeyCode::PageDown);
    press(&mut app, KeyCode::PageDown);
    assert_eq!(app.world().resource::<Prefs>().timing, Timing::Untimed, "training offers untimed");
    press(&mut app, KeyCode::PageUp);
    assert_eq!(app.world().resource::<Prefs>().timing, Timing::Extended200);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Space);
    press(&mut app, KeyCode::Enter);
    frames(&mut app, 1);
    assert_eq!(screen(&app), Screen::Play);
    let run = app.world().resource::<Current>().0.as_ref().unwrap();
    assert_eq!(run.play().timing(), Timing::Extended200);
    // The arrival is authored with 20 seconds.
    assert_eq!(run.timer_seconds(), Some(40));
    assert!(run.remaining.unwrap() > 39.0, "{:?}", run.remaining);

    // In assessment the last step is extended ×2: untimed is for training.
    let mut app = app_in(dir.path(), Mode::Assessment);
    press(&mut app, KeyCode::Enter);
    for _ in 0..4 {
        press(&mut app, KeyCode::PageDown);
    }
    assert_eq!(app.world().resource::<Prefs>().timing, Timing::Extended200);
}

/// Issue 11.6: saving a scenario reruns the test plan beside it, and saving
/// the plan reruns it too; a plan is never taken for a scenario.
#[test]
fn hot_reload_reruns_the_test_plan_beside_the_scenario() {
    use talkdown::app::hot_reload::PlanCheck;
    let dir = folder();
    let file = dir.path().join("every_feature.ron");
    let plan = dir.path().join("every_feature.plan.ron");
    std::fs::copy("tests/fixtures/plans/every_feature.plan.ron", &plan).unwrap();
    let mut app = app_in(dir.path(), Mode::Training);
    let scenarios = app.world().resource::<Library>().entries.len();
    assert!(app.world().resource::<PlanCheck>().last.is_none(), "nothing runs before an edit");

    // An edit that changes the best route's points: the plan names the case and why.
    let before = r#"scores: {"connection": 2, "safety": 1},"#;
    let after = r#"scores: {"connection": 3, "safety": 1},"#;
    edit(&file, before, after);
    changed(&mut app, file.clone());
    let last = app.world().resource::<PlanCheck>().last.clone().expect("the plan ran");
    assert!(!last.all_pass(), "{last:?}");
    assert!(
        last.problems.iter().any(|p| p.starts_with("FAIL the best route") && p.contains("points")),
        "{:?}",
        last.problems
    );

    // Put it back: every case passes again.
    edit(&file, after, before);
    changed(&mut app, file.clone());
    let last = app.world().resource::<PlanCheck>().last.clone().unwrap();
    assert!(last.all_pass(), "{:?}", last.problems);
    assert_eq!(last.passed, last.total);

    // A mistake in the plan itself: its own error, and no broken "scenario" in the library.
    edit(&plan, r#"ending: "accepts_help""#, r#"ending: "accept_help""#);
    changed(&mut app, plan.clone());
    let last = app.world().resource::<PlanCheck>().last.clone().unwrap();
    assert!(last.problems.iter().any(|p| p.contains("E303")), "{:?}", last.problems);
    assert_eq!(app.world().resource::<Library>().entries.len(), scenarios);
    assert!(app.world().resource::<Overlay>().problems.is_empty(), "a plan is not a broken scenario");
}

// ---- Issue 15.5: the library at a glance.

/// The bundled scenarios, in a temp copy (the test must not edit the real ones).
fn bundled() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir("scenarios").unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_some_and(|x| x == "ron") {
            std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    dir
}

fn shown_ids(app: &App) -> Vec<String> {
    app.world().resource::<CardsShown>().0.iter().map(|(id, _)| id.clone()).collect()
}

fn selected_id(app: &App) -> String {
    app.world().resource::<Library>().selected_entry().unwrap().id().to_string()
}

#[test]
fn the_library_lists_every_scenario_filters_by_keys_and_start_opens_the_selected_one() {
    use talkdown::app::screens::library::Filter;
    let dir = bundled();
    let mut app = app_in(dir.path(), Mode::Training);
    frames(&mut app, 2);
    let playable = app.world().resource::<Library>().entries.iter().filter(|e| e.scenario.is_some()).count();
    assert!(playable >= 10, "the bundled library has {playable} scenarios");
    assert_eq!(shown_ids(&app).len(), playable, "every scenario is listed");

    // D: the next level; only scenarios of that level stay, the selection among them.
    press(&mut app, KeyCode::KeyD);
    frames(&mut app, 1);
    let level = app.world().resource::<Filter>().difficulty.expect("a level is chosen");
    let lib = app.world().resource::<Library>();
    let of_level: Vec<String> = lib
        .entries
        .iter()
        .filter_map(|e| e.scenario.as_ref())
        .filter(|s| s.file.about.difficulty == level)
        .map(|s| s.id().to_string())
        .collect();
    assert_eq!(shown_ids(&app), of_level);
    assert!(of_level.contains(&selected_id(&app)));
    // T: the first tag as well; Esc clears both.
    press(&mut app, KeyCode::KeyT);
    assert!(app.world().resource::<Filter>().tag.is_some());
    press(&mut app, KeyCode::Escape);
    frames(&mut app, 1);
    assert!(app.world().resource::<Filter>().is_empty());
    assert_eq!(shown_ids(&app).len(), playable);

    // The selection stays where the filter left it; Up to the top, then Down
    // twice picks the third row; Enter starts it.
    assert!(shown_ids(&app).contains(&selected_id(&app)));
    for _ in 0..playable {
        press(&mut app, KeyCode::ArrowUp);
    }
    assert_eq!(selected_id(&app), shown_ids(&app)[0]);
    press(&mut app, KeyCode::ArrowDown);
    press(&mut app, KeyCode::ArrowDown);
    let third = shown_ids(&app)[2].clone();
    assert_eq!(selected_id(&app), third);
    press(&mut app, KeyCode::Enter);
    assert_eq!(screen(&app), Screen::Trainee);
    assert_eq!(selected_id(&app), third);
}

#[test]
fn the_library_shows_this_trainees_last_result() {
    use talkdown::app::screens::library::{LastResults, result_short};
    let dir = folder();
    let mut app = app_in(dir.path(), Mode::Training);
    frames(&mut app, 1);
    assert!(app.world().resource::<LastResults>().by_scenario.is_empty());
    into_play(&mut app);
    play_ids(&mut app, &["grab"]);
    frames(&mut app, 1);
    assert_eq!(screen(&app), Screen::Debrief);
    press(&mut app, KeyCode::KeyL);
    frames(&mut app, 2);
    assert_eq!(screen(&app), Screen::Library);
    let last = app.world().resource::<LastResults>();
    assert_eq!(last.trainee, "Cadet Test");
    let r = last.by_scenario.get("every_feature").expect("the run just finished");
    assert_eq!(r.critical, 1);
    assert!(result_short(r).starts_with("✖ Not yet"), "{}", result_short(r));
}

// ---- Issue 15.6: keyboard only, everywhere.

/// The egui key for a Bevy key (the keys this walk uses).
fn egui_key(key: KeyCode) -> Option<egui::Key> {
    use egui::Key as E;
    Some(match key {
        KeyCode::Enter => E::Enter,
        KeyCode::Escape => E::Escape,
        KeyCode::Space => E::Space,
        KeyCode::Tab => E::Tab,
        KeyCode::ArrowUp => E::ArrowUp,
        KeyCode::ArrowDown => E::ArrowDown,
        KeyCode::PageUp => E::PageUp,
        KeyCode::PageDown => E::PageDown,
        KeyCode::Slash => E::Slash,
        KeyCode::Equal => E::Equals,
        _ => return None,
    })
}

/// A key press as the real window delivers it: to Bevy (the screens' keys)
/// and to egui (text fields, focus), in the same frames. Without a window,
/// Bevy's keyboard messages do not reach egui on their own.
fn key(app: &mut App, code: KeyCode) {
    let ctx = app.world_mut().query_filtered::<Entity, With<EguiInput>>().single(app.world()).unwrap();
    for state in [ButtonState::Pressed, ButtonState::Released] {
        if let Some(k) = egui_key(code) {
            let modifiers = if app.world().resource::<ButtonInput<KeyCode>>().pressed(KeyCode::ControlLeft) {
                egui::Modifiers::COMMAND
            } else {
                egui::Modifiers::NONE
            };
            app.world_mut().get_mut::<EguiInput>(ctx).unwrap().events.push(egui::Event::Key {
                key: k,
                physical_key: Some(k),
                pressed: state == ButtonState::Pressed,
                repeat: false,
                modifiers,
            });
        }
        key_state(app, code, state);
    }
}

/// Hold or release a key (for Ctrl + = and the like).
fn key_state(app: &mut App, key: KeyCode, state: ButtonState) {
    app.world_mut().write_message(KeyboardInput {
        key_code: key,
        logical_key: Key::Unidentified(bevy::input::keyboard::NativeKey::Unidentified),
        state,
        text: None,
        repeat: false,
        window: Entity::PLACEHOLDER,
    });
    app.update();
}

fn focus(app: &App) -> talkdown::app::screens::UiFocus {
    *app.world().resource::<talkdown::app::screens::UiFocus>()
}

/// Every screen, every control, by keys alone: no clicks and no resources
/// set by hand. Each step checks what the key did.
#[test]
fn every_screen_is_reached_and_operated_by_keys_alone() {
    use talkdown::app::screens::library::Filter;
    use talkdown::engine::Timing;
    let dir = folder();
    let db = dir.path().join("records.sqlite3");
    let mut app = headless(AppConfig {
        scenarios: dir.path().to_path_buf(),
        seed: Some(7),
        records: Some(db),
        ..Default::default()
    });
    app.insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_millis(100)));
    frames(&mut app, 3);

    // Library: D a level, T a tag, Esc clears; / types a filter, Enter leaves the box.
    assert_eq!(screen(&app), Screen::Library);
    key(&mut app, KeyCode::KeyD);
    assert!(app.world().resource::<Filter>().difficulty.is_some());
    key(&mut app, KeyCode::KeyT);
    assert!(app.world().resource::<Filter>().tag.is_some());
    key(&mut app, KeyCode::Escape);
    assert!(app.world().resource::<Filter>().is_empty());
    key(&mut app, KeyCode::Slash);
    frames(&mut app, 2);
    assert!(focus(&app).text, "/ puts the keyboard in the filter box");
    type_text(&mut app, "every");
    assert_eq!(app.world().resource::<Filter>().text, "every");
    assert_eq!(screen(&app), Screen::Library, "letters typed in the box are not shortcuts");
    key(&mut app, KeyCode::Escape);
    frames(&mut app, 2);
    assert!(!focus(&app).text, "Esc leaves the filter box");
    assert_eq!(
        app.world().resource::<Filter>().text,
        "every",
        "the Esc that leaves the box keeps the filter"
    );
    assert_eq!(shown_ids(&app), ["every_feature"]);
    key(&mut app, KeyCode::Escape);
    assert!(app.world().resource::<Filter>().is_empty());

    // Display keys on any screen: F3 contrast, Ctrl + = larger text.
    key(&mut app, KeyCode::F3);
    assert!(app.world().resource::<Prefs>().high_contrast);
    key_state(&mut app, KeyCode::ControlLeft, ButtonState::Pressed);
    key(&mut app, KeyCode::Equal);
    key_state(&mut app, KeyCode::ControlLeft, ButtonState::Released);
    frames(&mut app, 2);
    let scale = app.world().resource::<Prefs>().text_scale;
    assert!(scale > 1.05, "Ctrl + = made the text larger ({scale})");

    // Trainee: the name field has the keyboard; Down picks assessment and the
    // name keeps the keyboard (typing still reaches it); PgDn extends time.
    key(&mut app, KeyCode::Enter);
    assert_eq!(screen(&app), Screen::Trainee);
    frames(&mut app, 2);
    type_text(&mut app, "Cadet Keys");
    key(&mut app, KeyCode::ArrowDown);
    assert_eq!(app.world().resource::<Prefs>().mode, Mode::Assessment);
    frames(&mut app, 1);
    assert!(focus(&app).text, "Down picks the mode; it does not take the keyboard from the name");
    type_text(&mut app, " 2");
    assert_eq!(app.world().resource::<Prefs>().trainee, "Cadet Keys 2");
    key(&mut app, KeyCode::ArrowUp);
    assert_eq!(app.world().resource::<Prefs>().mode, Mode::Training);
    key(&mut app, KeyCode::PageDown);
    assert_eq!(app.world().resource::<Prefs>().timing, Timing::Extended150);
    key(&mut app, KeyCode::Enter);
    assert_eq!(screen(&app), Screen::Briefing);

    // Briefing: Enter is refused until Space acknowledges the warning.
    key(&mut app, KeyCode::Enter);
    assert_eq!(screen(&app), Screen::Briefing);
    key(&mut app, KeyCode::Space);
    key(&mut app, KeyCode::Enter);
    frames(&mut app, 1);
    assert_eq!(screen(&app), Screen::Play);
    assert_eq!(app.world().resource::<Current>().0.as_ref().unwrap().timer_seconds(), Some(30));

    // Play: Esc pauses, 1 resumes; a number chooses; Down + Enter chooses.
    key(&mut app, KeyCode::Escape);
    assert!(paused(&app));
    key(&mut app, KeyCode::Digit1);
    assert!(!paused(&app));
    play_ids(&mut app, &["introduce"]);
    let target = number_of(&app, "reflect");
    for _ in 1..target {
        key(&mut app, KeyCode::ArrowDown);
    }
    key(&mut app, KeyCode::Enter);
    assert_eq!(decisions(&app), ["introduce", "reflect"]);
    play_ids(&mut app, &["ask_now", "offer_counsellor"]);
    frames(&mut app, 1);
    assert_eq!(screen(&app), Screen::Debrief);

    // Debrief → History → Library → Instructor → Library.
    key(&mut app, KeyCode::KeyH);
    frames(&mut app, 1);
    assert_eq!(screen(&app), Screen::History);
    key(&mut app, KeyCode::KeyL);
    assert_eq!(screen(&app), Screen::Library);
    key(&mut app, KeyCode::KeyI);
    frames(&mut app, 2);
    assert_eq!(screen(&app), Screen::Instructor);
    assert_eq!(app.world().resource::<Instructor>().report.as_ref().map(|r| r.attempts), Some(1));
    key(&mut app, KeyCode::KeyD);
    frames(&mut app, 2);
    assert!(focus(&app).text, "D puts the keyboard in the date field");
    type_text(&mut app, "2999-01-01");
    key(&mut app, KeyCode::Escape);
    frames(&mut app, 2);
    assert_eq!(app.world().resource::<Instructor>().since, "2999-01-01");
    assert_eq!(app.world().resource::<Instructor>().report.as_ref().map(|r| r.attempts), Some(0));
    assert_eq!(screen(&app), Screen::Instructor);
    key(&mut app, KeyCode::KeyL);
    assert_eq!(screen(&app), Screen::Library);
}

// ---- Issue 14 in the app: the state timeline, rewind, reading and reasons.

use talkdown::app::screens::debrief::timeline::{Drawn, Selected};
use talkdown::html::Marker;

/// A click at `pos` (pointer moved, pressed, released), as egui gets it.
fn click_at(app: &mut App, pos: egui::Pos2) {
    let ctx = app.world_mut().query_filtered::<Entity, With<EguiInput>>().single(app.world()).unwrap();
    let button = |pressed| egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed,
        modifiers: Default::default(),
    };
    for ev in [egui::Event::PointerMoved(pos), button(true), button(false)] {
        app.world_mut().get_mut::<EguiInput>(ctx).unwrap().events.push(ev);
        app.update();
    }
    frames(app, 1);
}

fn selected(app: &App) -> Option<usize> {
    app.world().get_resource::<Selected>().and_then(|s| s.0)
}

/// Seed 2 in `dir`: at `talk`, asking directly rolls the dice and leads to
/// `deflect`, where leaving is a critical error.
fn debrief_with_chance_and_critical(dir: &Path) -> App {
    let mut app = headless(AppConfig {
        scenarios: dir.to_path_buf(),
        seed: Some(2),
        mode: Some(Mode::Training),
        trainee: Some("Cadet Test".into()),
        ..Default::default()
    });
    app.insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_millis(100)));
    frames(&mut app, 3);
    into_play(&mut app);
    play_ids(&mut app, &["introduce", "ask_directly"]);
    assert_eq!(beat(&app), "deflect", "seed 2: the chance roll leads to deflect");
    play_ids(&mut app, &["leave"]);
    frames(&mut app, 3);
    assert_eq!(screen(&app), Screen::Debrief);
    app
}

#[test]
fn the_debrief_timeline_marks_each_decision_by_shape_and_a_marker_selects_it() {
    let dir = folder();
    let mut app = debrief_with_chance_and_critical(dir.path());
    let drawn = app.world().resource::<Drawn>().clone();
    // Two meters × three decisions, each marker shaped by what it was.
    assert_eq!(drawn.markers.len(), 6, "{:?}", drawn.markers);
    for meter in ["distress", "trust"] {
        let shapes: Vec<(usize, Marker)> =
            drawn.markers.iter().filter(|m| m.meter == meter).map(|m| (m.step, m.shape)).collect();
        assert_eq!(shapes.len(), 3, "{meter}");
        assert_eq!(shapes[1], (2, Marker::Chance), "{meter}: asking directly rolled the dice");
        assert_eq!(shapes[2], (3, Marker::Critical), "{meter}: leaving is a critical error");
        assert!(matches!(shapes[0], (1, Marker::Best | Marker::Other)), "{meter}: {:?}", shapes[0]);
    }
    // Later decisions are further right; the shapes are drawn where they are clicked.
    let distress: Vec<_> = drawn.markers.iter().filter(|m| m.meter == "distress").collect();
    assert!(distress[0].rect.center().x < distress[1].rect.center().x);
    assert!(distress[1].rect.center().x < distress[2].rect.center().x);

    // Nothing selected, then a click on decision 3's marker selects it.
    assert_eq!(selected(&app), None);
    assert!(app.world().resource::<Drawn>().rewind_buttons.iter().all(|(s, _)| *s <= 3));
    click_at(&mut app, distress[2].rect.center());
    assert_eq!(selected(&app), Some(3));
    // Its details carry the rewind button for decision 3.
    assert!(app.world().resource::<Drawn>().rewind_buttons.iter().filter(|(s, _)| *s == 3).count() >= 2);
    // The keyboard moves along the decisions, and stops at the ends.
    press(&mut app, KeyCode::ArrowLeft);
    assert_eq!(selected(&app), Some(2));
    press(&mut app, KeyCode::ArrowLeft);
    press(&mut app, KeyCode::ArrowLeft);
    assert_eq!(selected(&app), Some(1));
    press(&mut app, KeyCode::ArrowRight);
    assert_eq!(selected(&app), Some(2));
    assert_eq!(screen(&app), Screen::Debrief);
}

#[test]
fn rewind_to_here_plays_on_from_that_decision_and_the_debrief_shows_both_routes() {
    let dir = folder();
    let mut app = debrief_with_chance_and_critical(dir.path());
    let original = app.world().resource::<Finished>().play.clone().unwrap();
    // The button on decision 3's entry in the list.
    frames(&mut app, 1);
    let (_, rect) = *app.world().resource::<Drawn>().rewind_buttons.iter().find(|(s, _)| *s == 3).unwrap();
    click_at(&mut app, rect.center());
    frames(&mut app, 1);
    assert_eq!(screen(&app), Screen::Play);
    assert_eq!(decisions(&app), ["introduce", "ask_directly"]);
    assert_eq!(beat(&app), "deflect");
    {
        let run = app.world().resource::<Current>().0.as_ref().unwrap();
        assert_eq!(run.play().seed(), 2);
        assert_eq!(run.play().state(), &original.decisions()[2].state_before, "the same state");
        assert_eq!(
            run.play().transcript(),
            original.run().transcript[..run.play().transcript().len()].as_ref()
        );
        assert_eq!(run.session.fork_step(), Some(3));
    }
    // Choose otherwise this time, and play on to an ending.
    play_ids(&mut app, &["stay", "offer_counsellor"]);
    frames(&mut app, 3);
    assert_eq!(screen(&app), Screen::Debrief);
    let d = app.world().resource::<Finished>().debrief.clone().unwrap();
    let fork = d.fork.expect("the two routes from the fork");
    assert_eq!(fork.step, 3);
    assert_eq!(fork.original.steps[0].text, original.decisions()[2].text);
    assert_ne!(fork.this_run.steps[0].text, fork.original.steps[0].text);

    // W rewinds the selected decision, by keys alone.
    press(&mut app, KeyCode::ArrowRight);
    assert_eq!(selected(&app), Some(1));
    press(&mut app, KeyCode::KeyW);
    frames(&mut app, 1);
    assert_eq!(screen(&app), Screen::Play);
    assert!(decisions(&app).is_empty());
    assert_eq!(beat(&app), "arrival");
}

#[test]
fn rewind_is_refused_with_a_clear_message_when_the_scenario_changed_since() {
    let dir = folder();
    let mut app = debrief_with_chance_and_critical(dir.path());
    let path = dir.path().join("every_feature.ron");
    edit(&path, "Sam walks in with you.", "Sam goes in with you.");
    changed(&mut app, path);
    frames(&mut app, 2);
    assert_eq!(screen(&app), Screen::Debrief);
    press(&mut app, KeyCode::ArrowRight);
    press(&mut app, KeyCode::KeyW);
    frames(&mut app, 1);
    assert_eq!(screen(&app), Screen::Debrief, "nothing is resumed");
    let why = app.world().resource::<Finished>().rewind_refused.clone().expect("a message");
    assert!(why.starts_with("Cannot rewind to decision 1:"), "{why}");
    assert!(why.contains("has changed since this run"), "{why}");
}

fn reading_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy("tests/fixtures/reading.ron", dir.path().join("reading.ron")).unwrap();
    dir
}

fn reading_now(app: &App) -> Option<Option<usize>> {
    let current = app.world().resource::<Current>();
    current.0.as_ref()?.play().current()?.read.map(|r| r.answered)
}

fn reflecting(app: &App) -> Option<String> {
    app.world().resource::<Current>().0.as_ref().and_then(|r| r.reflecting.clone())
}

/// Library → (the assessment question) → briefing → play, by keys.
fn start_by_keys(app: &mut App) {
    press(app, KeyCode::Enter);
    for _ in 0..3 {
        if screen(app) == Screen::Trainee {
            press(app, KeyCode::Enter);
        }
    }
    for _ in 0..3 {
        if screen(app) == Screen::Briefing {
            press(app, KeyCode::Space);
            press(app, KeyCode::Enter);
        }
    }
    frames(app, 1);
    assert_eq!(screen(app), Screen::Play);
}

#[test]
fn in_assessment_the_read_comes_before_the_choice_and_the_reasons_after_it_by_keys() {
    let dir = reading_folder();
    let mut app = app_in(dir.path(), Mode::Assessment);
    start_by_keys(&mut app);
    assert_eq!(beat(&app), "door");
    // The read question first: a digit answers it and chooses nothing.
    assert_eq!(reading_now(&app), Some(None));
    press(&mut app, KeyCode::Digit3);
    assert_eq!(reading_now(&app), Some(Some(3)));
    assert!(decisions(&app).is_empty(), "the digit answered the read question, not the choice");
    // Then the choice.
    let n = number_of(&app, "introduce");
    press(&mut app, digit(n));
    assert_eq!(decisions(&app), ["introduce"]);
    assert_eq!(reflecting(&app), None, "the door asks no reflection");
    assert_eq!(beat(&app), "inside");
    // Down + Enter answer the read question too.
    press(&mut app, KeyCode::ArrowDown);
    press(&mut app, KeyCode::Enter);
    assert_eq!(reading_now(&app), Some(Some(2)));
    let n = number_of(&app, "ask");
    press(&mut app, digit(n));
    frames(&mut app, 2);
    // The run has reached its ending, but the reflection box comes first, in assessment too.
    assert_eq!(screen(&app), Screen::Play);
    assert_eq!(reflecting(&app).as_deref(), Some("What were you weighing just then?"));
    assert!(focus(&app).text, "the box has the keyboard");
    // Digits type into it; they choose nothing.
    press(&mut app, KeyCode::Digit1);
    assert_eq!(decisions(&app), ["introduce", "ask"]);
    type_text(&mut app, "He needed to know why I was there.");
    key(&mut app, KeyCode::Enter);
    frames(&mut app, 2);
    assert_eq!(screen(&app), Screen::Debrief);
    let d = app.world().resource::<Finished>().debrief.clone().unwrap();
    assert_eq!(d.decisions[1].reflection.as_deref(), Some("He needed to know why I was there."));
    assert_eq!(d.decisions[0].reading.as_ref().unwrap().said, "Very distressed");
    let reading = d.reading.expect("the reading line");
    assert_eq!((reading.answered, reading.asked), (2, 2));
    assert!(reading.line().starts_with("Reading the subject: "), "{}", reading.line());
}

#[test]
fn esc_skips_the_reflection_and_the_run_ends() {
    let dir = reading_folder();
    let mut app = app_in(dir.path(), Mode::Training);
    start_by_keys(&mut app);
    press(&mut app, KeyCode::Digit1);
    let n = number_of(&app, "knock");
    press(&mut app, digit(n));
    assert_eq!(beat(&app), "inside");
    press(&mut app, KeyCode::Digit2);
    let n = number_of(&app, "leave");
    press(&mut app, digit(n));
    frames(&mut app, 2);
    assert!(reflecting(&app).is_some());
    key(&mut app, KeyCode::Escape);
    frames(&mut app, 2);
    assert_eq!(screen(&app), Screen::Debrief, "Esc skipped the reflection, not paused the run");
    let d = app.world().resource::<Finished>().debrief.clone().unwrap();
    assert_eq!(d.decisions[1].reflection, None);
    assert_eq!(d.decisions[1].reflect_prompt.as_deref(), Some("What were you weighing just then?"));
}

/// A stand-in espeak-ng in `dir` that notes each line it is given and then
/// "speaks" it for a long time (until stopped).
#[cfg(unix)]
fn slow_fake_espeak(dir: &Path) -> (talkdown::speech::Speaker, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let log = dir.join("spoken.txt");
    let fake = dir.join("espeak-ng");
    std::fs::write(
        &fake,
        format!("#!/bin/sh\ncat >> '{}'\necho >> '{}'\nexec sleep 600\n", log.display(), log.display()),
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    (talkdown::speech::Speaker::new(talkdown::speech::Engine::EspeakNg(fake)), log)
}

#[cfg(unix)]
#[test]
fn with_speech_on_the_scene_is_read_aloud_and_pause_silences_it() {
    use talkdown::app::speech::Speech;
    let dir = folder();
    let engine_dir = tempfile::tempdir().unwrap();
    let (speaker, log) = slow_fake_espeak(engine_dir.path());
    let mut app = app_in(dir.path(), Mode::Training);
    app.insert_resource(Speech::with_speaker(speaker));
    app.world_mut().resource_mut::<Prefs>().speech = true;
    into_play(&mut app);
    let first = {
        let current = app.world().resource::<Current>();
        match &current.0.as_ref().unwrap().play().transcript()[0] {
            talkdown::engine::Entry::Beat { lines, .. } => lines[0].text.clone(),
            other => panic!("the run starts with a beat: {other:?}"),
        }
    };
    while std::fs::read_to_string(&log).unwrap_or_default().is_empty() {
        frames(&mut app, 1);
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(std::fs::read_to_string(&log).unwrap().trim(), first.trim(), "the beat's first line first");
    assert!(app.world().resource::<Speech>().speaker().unwrap().queued() > 0, "the rest waits its turn");

    press(&mut app, KeyCode::Escape);
    assert!(paused(&app));
    // Without the stop this would wait for the stand-in's 600 s.
    while !app.world().resource::<Speech>().speaker().unwrap().is_idle() {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(app.world().resource::<Speech>().speaker().unwrap().queued(), 0);
}

#[test]
fn speech_is_off_by_default_and_f4_turns_it_on_and_is_remembered() {
    let dir = folder();
    let prefs_dir = tempfile::tempdir().unwrap();
    let path = prefs_dir.path().join("prefs.json");
    let mut app = headless(AppConfig {
        scenarios: dir.path().to_path_buf(),
        prefs: Some(path.clone()),
        ..Default::default()
    });
    frames(&mut app, 3);
    assert!(!app.world().resource::<Prefs>().speech);
    press(&mut app, KeyCode::F4);
    assert!(app.world().resource::<Prefs>().speech);
    assert!(Prefs::load(Some(path)).speech, "remembered between runs");
}

#[test]
fn next_trainee_on_the_debrief_clears_the_name_the_attempts_and_the_debrief() {
    let dir = folder();
    let mut app = app_in(dir.path(), Mode::Training);
    into_play(&mut app);
    play_ids(&mut app, &["introduce", "reflect", "ask_now", "offer_counsellor"]);
    frames(&mut app, 1);
    assert_eq!(screen(&app), Screen::Debrief);
    assert_eq!(app.world().resource::<Attempts>().0.len(), 1);
    press(&mut app, KeyCode::KeyX);
    frames(&mut app, 1);
    assert_eq!(screen(&app), Screen::Library);
    assert_eq!(app.world().resource::<Prefs>().trainee, "");
    assert!(app.world().resource::<Attempts>().0.is_empty(), "no earlier cadet's results on show");
    assert!(app.world().resource::<Finished>().debrief.is_none());
}

// ---- Issue 14 in the app: a past run's debrief from History, rewound.

use talkdown::app::screens::history::DebriefButtons;

/// The seed-2 run of `debrief_with_chance_and_critical`, recorded in
/// `dir/records.sqlite3`; then History, by keys.
fn recorded_run_then_history(dir: &Path) -> App {
    let mut app = headless(AppConfig {
        scenarios: dir.to_path_buf(),
        seed: Some(2),
        mode: Some(Mode::Training),
        trainee: Some("Cadet Past".into()),
        records: Some(dir.join("records.sqlite3")),
        ..Default::default()
    });
    app.insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_millis(100)));
    frames(&mut app, 3);
    into_play(&mut app);
    play_ids(&mut app, &["introduce", "ask_directly", "leave"]);
    frames(&mut app, 3);
    assert_eq!(screen(&app), Screen::Debrief);
    // Forget this sitting: the debrief must come from the records.
    *app.world_mut().resource_mut::<Finished>() = Finished::default();
    press(&mut app, KeyCode::KeyH);
    frames(&mut app, 2);
    assert_eq!(screen(&app), Screen::History);
    app
}

/// Click the History screen's "Debrief" button of the only recorded session.
fn open_past_debrief(app: &mut App) -> talkdown::records::SessionId {
    let buttons = app.world().resource::<DebriefButtons>().0.clone();
    assert_eq!(buttons.len(), 1, "{buttons:?}");
    let (id, rect) = buttons[0];
    click_at(app, rect.center());
    frames(app, 1);
    assert_eq!(screen(app), Screen::Debrief);
    id
}

#[test]
fn a_past_run_opened_from_history_rewinds_and_the_new_run_is_linked_to_it() {
    let dir = folder();
    let mut app = recorded_run_then_history(dir.path());
    let id = open_past_debrief(&mut app);
    let original = {
        let f = app.world().resource::<Finished>();
        assert!(f.error.is_none(), "{:?}", f.error);
        assert_eq!(f.record.as_ref().map(|r| r.summary.id), Some(id));
        let d = f.debrief.as_ref().expect("the past run's debrief");
        assert_eq!(d.decisions.len(), 3);
        assert_eq!(d.critical_errors.len(), 1);
        f.play.clone().unwrap()
    };
    // Its markers and rewind buttons, as for the run just played.
    assert_eq!(app.world().resource::<Drawn>().markers.len(), 6);
    assert!(app.world().resource::<Drawn>().rewind_buttons.iter().any(|(s, _)| *s == 3));
    // Decision 3 by keys, then W.
    for _ in 0..3 {
        press(&mut app, KeyCode::ArrowRight);
    }
    assert_eq!(selected(&app), Some(3));
    press(&mut app, KeyCode::KeyW);
    frames(&mut app, 1);
    assert_eq!(screen(&app), Screen::Play, "{:?}", app.world().resource::<Finished>().rewind_refused);
    assert_eq!(decisions(&app), ["introduce", "ask_directly"]);
    assert_eq!(beat(&app), "deflect");
    {
        let run = app.world().resource::<Current>().0.as_ref().unwrap();
        assert_eq!(run.play().seed(), 2);
        assert_eq!(run.trainee(), "Cadet Past");
        assert_eq!(run.play().state(), &original.decisions()[2].state_before, "the same state");
        assert_eq!(
            run.play().transcript(),
            original.run().transcript[..run.play().transcript().len()].as_ref(),
            "the same transcript"
        );
        assert_eq!(run.session.fork_step(), Some(3));
    }
    play_ids(&mut app, &["stay", "offer_counsellor"]);
    frames(&mut app, 3);
    assert_eq!(screen(&app), Screen::Debrief);
    let d = app.world().resource::<Finished>().debrief.clone().unwrap();
    let fork = d.fork.expect("the two routes from the fork");
    assert_eq!(fork.step, 3);
    assert_eq!(fork.session, Some(id.0), "the original is named by its session number");
    assert_eq!(fork.original.steps[0].text, original.decisions()[2].text);
    // Recorded as its own session, linked to the original and the fork step.
    let store = talkdown::records::Store::open(dir.path().join("records.sqlite3")).unwrap();
    let rows = store.history("Cadet Past").unwrap();
    assert_eq!(rows.len(), 2);
    let new = rows.iter().find(|r| r.id != id).unwrap();
    let link = new.rewound_from.as_ref().expect("linked to the original");
    assert_eq!((link.session, link.step), (Some(id), 3));
    assert_eq!(new.status, talkdown::records::Status::Finished);
}

#[test]
fn a_past_run_is_not_rewound_when_its_scenario_changed_since() {
    let dir = folder();
    let mut app = recorded_run_then_history(dir.path());
    open_past_debrief(&mut app);
    let path = dir.path().join("every_feature.ron");
    edit(&path, "Sam walks in with you.", "Sam goes in with you.");
    changed(&mut app, path);
    frames(&mut app, 2);
    assert_eq!(screen(&app), Screen::Debrief);
    press(&mut app, KeyCode::ArrowRight);
    press(&mut app, KeyCode::KeyW);
    frames(&mut app, 1);
    assert_eq!(screen(&app), Screen::Debrief, "nothing is resumed");
    let why = app.world().resource::<Finished>().rewind_refused.clone().expect("a message");
    assert!(why.starts_with("Cannot rewind to decision 1:"), "{why}");
    assert!(why.contains("has changed since this run"), "{why}");
    // And a past run on the changed file cannot be opened as it was: said why.
    press(&mut app, KeyCode::KeyH);
    frames(&mut app, 2);
    open_past_debrief(&mut app);
    let f = app.world().resource::<Finished>();
    assert!(f.debrief.is_none());
    assert!(f.error.as_deref().is_some_and(|e| e.contains("has changed since this run")), "{:?}", f.error);
}
