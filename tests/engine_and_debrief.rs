//! Scripted runs of the feature-tour scenario: each ending is reached, the
//! scores and the debrief's judgement are what a clinician would expect, and
//! runs are deterministic, resumable and replayable.

use std::path::Path;

use talkdown::analysis::analyze;
use talkdown::debrief::Debrief;
use talkdown::engine::{Mode, Playthrough, StartOptions, replay};
use talkdown::scenario::{Scenario, load::load_scenario, rubric::Grade};

fn every_feature() -> Scenario {
    load_scenario(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/every_feature.ron")).unwrap()
}

fn play(s: &Scenario, seed: u64, ids: &[&str]) -> Playthrough {
    let mut p = Playthrough::start(s, StartOptions::new(seed, Mode::Training)).unwrap();
    for id in ids {
        p.choose_id(id, Some(1000)).unwrap_or_else(|e| panic!("{id}: {e}"));
    }
    p
}

fn debrief(p: &Playthrough) -> Debrief {
    let (a, mut space) = analyze(p.scenario()).unwrap();
    Debrief::build(p, &a, &mut space, Some("cadet")).unwrap()
}

fn dim(d: &Debrief, id: &str) -> (i32, i32) {
    let x = d.dimensions.iter().find(|x| x.id == id).unwrap();
    (x.score, x.best)
}

#[test]
fn best_path_reaches_voluntary_help_with_full_marks() {
    let s = every_feature();
    let p = play(&s, 1, &["introduce", "reflect", "ask_now", "offer_counsellor"]);
    assert!(p.is_finished());
    let d = debrief(&p);
    let ending = d.ending.as_ref().unwrap();
    assert_eq!(ending.id, "accepts_help");
    assert_eq!(ending.grade, Grade::Good);
    assert_eq!((d.total.score, d.total.best, d.total.percent), (11, 11, Some(100)));
    assert_eq!(dim(&d, "linkage"), (3, 3));
    assert_eq!(d.best_choices, 4);
    assert!(d.critical_errors.is_empty());
    assert!(d.decisions.iter().all(|x| x.better.is_none()));
    assert!(d.verdict.starts_with("You made the best available decision at every step"));
    assert!(d.techniques_missed.is_empty(), "{:?}", d.techniques_missed);
}

#[test]
fn grabbing_him_is_a_critical_error_listed_first() {
    let s = every_feature();
    let d = debrief(&play(&s, 1, &["grab"]));
    assert_eq!(d.ending.as_ref().unwrap().outcome, "injury");
    assert_eq!(d.critical_errors.len(), 1);
    assert_eq!(d.critical_errors[0].choice, "grab");
    let better = d.decisions[0].better.as_ref().expect("a better choice is named");
    assert_eq!(better.choice, "introduce");
    assert!(better.commentary.contains("introduction"));
    let text = d.to_text();
    let crit = text.find("CRITICAL ERRORS").unwrap();
    let score = text.find("Score:").unwrap();
    assert!(crit < score, "critical errors come before the score:\n{text}");
}

#[test]
fn leaving_him_alone_reaches_the_worst_ending() {
    let s = every_feature();
    let d = debrief(&play(&s, 1, &["command", "cheer_up", "leave"]));
    assert_eq!(d.ending.as_ref().unwrap().id, "left_alone");
    assert_eq!(d.total.score, -10);
    assert_eq!(d.best_choices, 0);
    assert!(d.critical_errors.iter().any(|c| c.choice == "leave"));
}

#[test]
fn low_trust_routes_the_offer_to_an_emergency_hold() {
    // Without an introduction, trust stays below 4, so the same offer is refused.
    let s = every_feature();
    let p = play(&s, 1, &["command", "cheer_up", "stay", "offer_counsellor"]);
    assert_eq!(s.ending(p.ending().unwrap()).id, "hold");
    assert!(p.state().meters[1] < 4);
}

#[test]
fn timing_out_is_a_decision_with_its_own_commentary() {
    let s = every_feature();
    let mut p = Playthrough::start(&s, StartOptions::new(1, Mode::Assessment)).unwrap();
    assert_eq!(p.current().unwrap().timer, Some(20));
    p.time_out(Some(20_000)).unwrap();
    assert_eq!(p.current().unwrap().beat, "talk");
    let d = debrief(&{
        p.choose_id("cheer_up", None).unwrap();
        p.choose_id("leave", None).unwrap();
        p
    });
    assert!(d.decisions[0].timed_out);
    assert_eq!(d.decisions[0].commentary, "Standing silent over him reads as a threat.");
    assert_eq!(d.decisions[0].better.as_ref().unwrap().choice, "introduce");
}

#[test]
fn a_good_decision_that_meets_bad_luck_is_judged_as_good() {
    // Make the unlucky outcome of asking directly (1 in 4) close off the good ending.
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/every_feature.ron"),
    )
    .unwrap()
    .replace(
        "keeps the door open.\",\n                    next: Go(\"disclose\")",
        "keeps the door open.\",\n                    next: Go(\"hold\")",
    )
    // ...and make asking directly, not reflecting first, the best move at `talk`.
    .replace("scores: {\"listening\": 2}", "scores: {\"listening\": -2}");
    let checked = talkdown::scenario::load::scenario_from_str("unlucky.ron", &text);
    let s = checked.scenario.expect("edited scenario validates");
    let seed = (0..500)
        .find(|&seed| play(&s, seed, &["introduce", "ask_directly"]).current().unwrap().beat == "deflect")
        .expect("a seed with the unlucky outcome");
    let d = debrief(&play(&s, seed, &["introduce", "ask_directly", "stay"]));
    assert_eq!(d.ending.as_ref().unwrap().id, "hold");
    let ask = &d.decisions[1];
    assert_eq!(ask.choice, "ask_directly");
    assert!(ask.luck.as_deref().unwrap().starts_with("Luck went against you"), "{:?}", ask.luck);
    // Asking directly scores +3 assessment whatever happens next, and every
    // decision was the best available where it was made.
    assert_eq!(ask.scores, [("assessment".to_string(), 3)]);
    assert_eq!(d.best_choices, 3, "{:#?}", d.decisions);
    assert!(
        d.verdict.starts_with("You did what was right at each step; the outcome was still bad"),
        "{}",
        d.verdict
    );
    // The lucky roll says so too.
    let lucky = (0..500)
        .find(|&seed| play(&s, seed, &["introduce", "ask_directly"]).current().unwrap().beat == "disclose")
        .unwrap();
    let d = debrief(&play(&s, lucky, &["introduce", "ask_directly", "offer_counsellor"]));
    assert!(d.decisions[1].luck.as_deref().unwrap().starts_with("Luck was on your side"));
}

#[test]
fn the_same_seed_and_choices_give_the_same_transcript_byte_for_byte() {
    let s = every_feature();
    for seed in [1, 2, 99, 123_456] {
        let a = play(&s, seed, &["introduce", "ask_directly"]).render_transcript();
        let b = play(&s, seed, &["introduce", "ask_directly"]).render_transcript();
        assert_eq!(a, b);
    }
}

#[test]
fn seeds_change_variants_and_choice_order() {
    let s = every_feature();
    let orders: std::collections::HashSet<Vec<String>> = (0..40)
        .map(|seed| {
            let p = Playthrough::start(&s, StartOptions::new(seed, Mode::Training)).unwrap();
            p.current().unwrap().choices.iter().map(|c| c.id.clone()).collect()
        })
        .collect();
    assert!(orders.len() > 1, "choice order never changes with the seed");
    let openings: std::collections::HashSet<String> =
        (0..40).map(|seed| play(&s, seed, &[]).render_transcript()).collect();
    assert!(openings.len() > 1, "line variants never change with the seed");
}

#[test]
fn unshuffled_runs_offer_choices_in_authored_order() {
    let s = every_feature();
    let mut o = StartOptions::new(5, Mode::Training);
    o.shuffle = false;
    let p = Playthrough::start(&s, o).unwrap();
    let ids: Vec<String> = p.current().unwrap().choices.into_iter().map(|c| c.id).collect();
    assert_eq!(ids, ["introduce", "command", "grab"]);
}

#[test]
fn conditions_hide_choices_and_lines() {
    let s = every_feature();
    // `reflect` needs the `introduced` flag.
    let p = play(&s, 1, &["command"]);
    let ids: Vec<String> = p.current().unwrap().choices.into_iter().map(|c| c.id).collect();
    assert!(!ids.contains(&"reflect".to_string()));
    let p = play(&s, 1, &["introduce"]);
    let view = p.current().unwrap();
    assert!(view.choices.iter().any(|c| c.id == "reflect"));
    // Exactly one of the two distress-dependent lines is shown.
    assert_eq!(view.lines.len(), 1);
}

#[test]
fn a_saved_run_resumes_exactly_where_it_was() {
    let s = every_feature();
    let p = play(&s, 7, &["introduce"]);
    let json = serde_json::to_string(p.run()).unwrap();
    let run = serde_json::from_str(&json).unwrap();
    let mut resumed = Playthrough::resume(&s, run).unwrap();
    let mut original = p.clone();
    assert_eq!(resumed.current(), original.current());
    resumed.choose_id("ask_directly", None).unwrap();
    original.choose_id("ask_directly", None).unwrap();
    assert_eq!(resumed.render_transcript(), original.render_transcript());
}

#[test]
fn resuming_on_an_edited_scenario_is_refused() {
    let s = every_feature();
    let run = play(&s, 7, &["introduce"]).into_run();
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/every_feature.ron"),
    )
    .unwrap()
    .replace("Sam looks up as you approach.", "Sam looks up.");
    let edited = talkdown::scenario::load::scenario_from_str("edited.ron", &text).scenario.unwrap();
    let err = Playthrough::resume(&edited, run).unwrap_err();
    assert!(err.to_string().contains("different version"), "{err}");
}

#[test]
fn replay_after_an_edit_reports_the_first_divergence() {
    let s = every_feature();
    let p = play(&s, 3, &["introduce", "reflect", "ask_now"]);
    let recorded: Vec<(String, String)> =
        p.decisions().iter().map(|d| (d.beat.clone(), d.choice.clone())).collect();
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/every_feature.ron"),
    )
    .unwrap()
    .replace("id: \"reflect\"", "id: \"label_feeling\"");
    let edited = talkdown::scenario::load::scenario_from_str("edited.ron", &text).scenario.unwrap();
    let (replayed, div) = replay(&edited, StartOptions::new(3, Mode::Training), &recorded).unwrap();
    let div = div.expect("the renamed choice diverges");
    assert_eq!((div.index, div.beat.as_str(), div.choice.as_str()), (1, "talk", "reflect"));
    assert_eq!(replayed.decisions().len(), 1);
    // Unedited, the replay follows every step.
    let (same, none) = replay(&s, StartOptions::new(3, Mode::Training), &recorded).unwrap();
    assert!(none.is_none());
    assert_eq!(same.render_transcript(), p.render_transcript());
}

#[test]
fn starting_from_any_beat_with_chosen_meters() {
    let s = every_feature();
    let mut o = StartOptions::new(1, Mode::Training);
    let mut state = talkdown::state::GameState::new(vec![3, 9]);
    state.flags = 0;
    o.from = Some(("disclose".into(), state));
    let mut p = Playthrough::start(&s, o).unwrap();
    p.choose_id("offer_counsellor", None).unwrap();
    assert_eq!(s.ending(p.ending().unwrap()).id, "accepts_help");
    let d = debrief(&p);
    assert!(d.decisions[0].best_available);
}

#[test]
fn choosing_a_number_that_is_not_offered_is_an_error_not_a_panic() {
    let s = every_feature();
    let mut p = Playthrough::start(&s, StartOptions::new(1, Mode::Training)).unwrap();
    let e = p.choose(9, None).unwrap_err();
    assert_eq!(e.to_string(), "choice 9 is not offered here (choose 1 to 3)");
    assert!(p.choose(0, None).is_err());
    assert!(p.choose_id("nope", None).is_err());
    p.choose_id("grab", None).unwrap();
    assert!(p.choose(1, None).is_err(), "no choices after the end");
}

#[test]
fn debrief_renders_as_json_and_self_contained_html() {
    let s = every_feature();
    let d = debrief(&play(&s, 1, &["introduce", "cheer_up", "stay", "hold"]));
    let v: serde_json::Value = serde_json::from_str(&d.to_json()).unwrap();
    assert_eq!(v["ending"]["id"], "hold");
    assert_eq!(v["decisions"].as_array().unwrap().len(), 4);
    let html = d.to_html();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("http://") && !html.contains("https://"), "no external resources");
    assert!(html.contains("Better here:"));
    assert!(html.contains("@media print"));
}
