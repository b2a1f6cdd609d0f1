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

// ---- Judgement: reactions, score variants, process apart from luck, the verdict ----

fn judgement() -> Scenario {
    load_scenario(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/judgement.ron")).unwrap()
}

fn play_mode(s: &Scenario, seed: u64, mode: Mode, ids: &[&str]) -> Playthrough {
    let mut p = Playthrough::start(s, StartOptions::new(seed, mode)).unwrap();
    for id in ids {
        p.choose_id(id, Some(1000)).unwrap_or_else(|e| panic!("{id}: {e}"));
    }
    p
}

#[test]
fn a_score_variant_applies_by_the_state_the_choice_is_made_in() {
    let s = every_feature();
    // After rapport (trust 4 or more) the offer scores its plain +3 linkage.
    let p = play(&s, 1, &["introduce", "reflect", "ask_now", "offer_counsellor"]);
    let offer = p.decisions().last().unwrap();
    assert_eq!(offer.score_variant, None);
    assert_eq!(offer.scores.iter().sum::<i32>(), 3);
    // Without rapport the same choice scores its variant: +1.
    let p = play(&s, 1, &["command", "cheer_up", "stay", "offer_counsellor"]);
    let offer = p.decisions().last().unwrap();
    assert!(offer.state_before.meters[1] < 4);
    assert_eq!(offer.score_variant, Some(0));
    let linkage = s.rubric.dimensions.iter().position(|d| d.id == "linkage").unwrap();
    assert_eq!(offer.scores[linkage], 1);
    assert_eq!(offer.scores.iter().sum::<i32>(), 1);
    assert_eq!(p.totals().iter().sum::<i32>(), -3 - 2 + 1 + 1);
}

#[test]
fn the_debrief_says_why_a_variant_scored_lower_and_values_alternatives_by_their_variant() {
    let s = every_feature();
    let d = debrief(&play(&s, 1, &["command", "cheer_up", "stay", "offer_counsellor"]));
    let offer = d.decisions.last().unwrap();
    assert_eq!(offer.score_variant, Some(0));
    assert_eq!(
        offer.variant_note.as_deref(),
        Some("Scored lower because trust was still low: an offer made before rapport rarely lands")
    );
    assert!(d.to_text().contains("Scored lower because trust was still low"), "{}", d.to_text());
    assert!(d.to_html().contains("Scored lower because trust was still low"));
    // A decision without a variant has no note.
    assert!(d.decisions[0].variant_note.is_none());

    // In the judgement fixture, solving first scores its variant (-1), and the
    // better alternative (listening) is named with the score it would have had.
    let s = judgement();
    let d = debrief(&play(&s, 1, &["solve", "offer_shelter"]));
    assert_eq!(d.decisions[0].total, -1);
    assert!(
        d.decisions[0]
            .variant_note
            .as_deref()
            .unwrap()
            .starts_with("Scored lower because nothing had been heard")
    );
    let better = d.decisions[0].better.as_ref().unwrap();
    assert_eq!((better.choice.as_str(), better.score), ("listen", 2));
    // At `plan` with trust still low the offer scores +1, and nothing better was open there.
    assert_eq!(d.decisions[1].total, 1);
    assert!(d.decisions[1].best_available, "{:#?}", d.decisions[1]);
}

#[test]
fn a_critical_error_caps_the_process_score_and_means_not_yet() {
    use talkdown::debrief::{Standard, VerdictReason};
    let s = judgement();
    // Listening, then a promise of secrecy: 2 points of 5 given up (60 %), but critical.
    let d = debrief(&play(&s, 1, &["listen", "promise_secret"]));
    assert_eq!(d.critical_errors.len(), 1);
    assert_eq!(d.process.percent, Some(60));
    assert_eq!(d.process.shown_percent, Some(50));
    assert!(d.process.capped);
    assert_eq!(d.standard.standard, Standard::NotYet);
    assert_eq!(
        d.standard.reasons,
        [
            VerdictReason::CriticalError { steps: vec![2] },
            VerdictReason::BelowPassMark { percent: 50, pass_percent: 70 }
        ]
    );
    let text = d.to_text();
    assert!(text.contains("Verdict: Not yet at standard: a critical error (step 2)"), "{text}");
    assert!(text.contains("capped at 50 %"), "{text}");
    assert!(d.to_html().contains("Not yet at standard"));
    let v: serde_json::Value = serde_json::from_str(&d.to_json()).unwrap();
    assert_eq!(v["standard"]["standard"], "NotYet");
    assert_eq!(v["process"]["shown_percent"], 50);
    // The outcome was good: the verdict is reported apart from it.
    assert_eq!(d.ending.as_ref().unwrap().grade, Grade::Good);

    // The same run with an academy policy where a critical error does not fail,
    // there is no cap and the pass mark is 60 %: it meets the standard on its 60 %.
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/judgement.ron"))
            .unwrap();
    let mut rubric = talkdown::scenario::load::bundled_rubric();
    rubric.policy.critical_fails = false;
    rubric.policy.critical_cap_percent = 100;
    rubric.policy.pass_percent = 60;
    let checked = talkdown::scenario::load::check_source(
        talkdown::diagnostics::SourceFile::new("judgement.ron", text),
        &rubric,
    );
    let lenient = checked.scenario.expect("validates");
    let d = debrief(&play(&lenient, 1, &["listen", "promise_secret"]));
    assert_eq!(d.process.shown_percent, Some(60));
    assert_eq!(d.standard.standard, Standard::MeetsStandard, "{:?}", d.standard);
}

#[test]
fn a_perfect_run_meets_the_standard_and_a_poor_one_is_below_the_pass_mark() {
    use talkdown::debrief::{Standard, VerdictReason};
    let s = judgement();
    let d = debrief(&play(&s, 1, &["listen", "offer_shelter"]));
    assert_eq!((d.process.percent, d.process.shown_percent), (Some(100), Some(100)));
    assert_eq!(d.standard.standard, Standard::MeetsStandard);
    assert!(d.standard.reasons.is_empty());
    // Lecturing then ordering: no critical error, but far below the pass mark.
    let d = debrief(&play(&s, 1, &["lecture", "order"]));
    assert!(d.critical_errors.is_empty());
    assert_eq!(d.process.percent, Some(0));
    assert_eq!(d.standard.standard, Standard::NotYet);
    assert_eq!(d.standard.reasons, [VerdictReason::BelowPassMark { percent: 0, pass_percent: 70 }]);
    // An unfinished run is not yet at standard either.
    let d = debrief(&play(&s, 1, &["listen"]));
    assert!(d.standard.reasons.contains(&VerdictReason::Unfinished));
}

#[test]
fn perfect_decisions_with_bad_dice_score_full_process_and_report_luck_apart() {
    // As in the bad-luck test above: asking directly is the best move at `talk`
    // and its unlucky outcome (1 in 4) closes off the good ending.
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/every_feature.ron"),
    )
    .unwrap()
    .replace(
        "keeps the door open.\",\n                    next: Go(\"disclose\")",
        "keeps the door open.\",\n                    next: Go(\"hold\")",
    )
    .replace("scores: {\"listening\": 2}", "scores: {\"listening\": -2}");
    let s = talkdown::scenario::load::scenario_from_str("unlucky.ron", &text).scenario.expect("validates");
    let seed = (0..500)
        .find(|&seed| play(&s, seed, &["introduce", "ask_directly"]).current().unwrap().beat == "deflect")
        .expect("a seed with the unlucky outcome");
    let d = debrief(&play(&s, seed, &["introduce", "ask_directly", "stay"]));
    assert_eq!(d.ending.as_ref().unwrap().id, "hold");
    assert_ne!(d.ending.as_ref().unwrap().grade, Grade::Good);
    assert_eq!(d.best_choices, d.decisions.len());
    // Expected best from the start: introduce (3) + ask directly (3) + 3/4 × 3 + 1/4 × 1 = 8.5.
    assert_eq!(d.process.best, 8.5);
    assert_eq!(d.process.points, 8.5);
    assert_eq!((d.process.percent, d.process.shown_percent), (Some(100), Some(100)));
    // Points collected: 3 + 3 + 1 = 7 of a best route of 9; the difference from the process is luck.
    assert_eq!((d.total.score, d.total.best), (7, 9));
    assert_eq!(d.luck.points, -1.5);
    assert_eq!(f64::from(d.total.score), d.process.points + d.luck.points);
    assert!(d.verdict.contains("Luck, not your decisions"), "{}", d.verdict);
    assert!(!d.verdict.contains("showed in the outcome"), "{}", d.verdict);
    assert_eq!(d.standard.standard, talkdown::debrief::Standard::MeetsStandard);
    let text = d.to_text();
    assert!(text.contains("Process: 100 %"), "{text}");
    assert!(text.contains("Luck: -1.5 points"), "{text}");
}

#[test]
fn the_worst_route_takes_critical_errors_first_then_fewest_points() {
    let s = judgement();
    let (a, _) = analyze(&s).unwrap();
    // Lecturing and ordering collect the fewest points (-8) with no critical
    // error; daring her ends at once with -2 but is the worse practice.
    assert_eq!(a.worst.total.critical_errors, 1);
    assert_eq!(a.worst.total.score, Some(-2));
    assert_eq!(a.worst.total.steps[0].choice, "dare");
    assert_eq!(a.worst.total.ending.as_deref(), Some("hurt"));
    // The best route's points by dimension add up to its total.
    let best = &a.best.total;
    assert_eq!(best.score, Some(5));
    assert_eq!(best.by_dimension.iter().map(|d| d.points).sum::<i32>(), 5);
    assert_eq!(best.critical_errors, 0);
}

#[test]
fn reactions_are_in_the_transcript_in_every_mode_and_feedback_in_none() {
    let s = every_feature();
    for seed in [1, 2, 3, 40] {
        for ids in [
            &["introduce", "reflect", "ask_now", "offer_counsellor"][..],
            &["command", "cheer_up", "stay", "offer_counsellor"][..],
            &["introduce", "ask_directly"][..],
        ] {
            let training = play_mode(&s, seed, Mode::Training, ids);
            let assessment = play_mode(&s, seed, Mode::Assessment, ids);
            let reactions = |p: &Playthrough| -> Vec<Vec<talkdown::engine::SpokenLine>> {
                p.transcript()
                    .iter()
                    .filter_map(|e| match e {
                        talkdown::engine::Entry::Reaction { lines } => Some(lines.clone()),
                        _ => None,
                    })
                    .collect()
            };
            let seen = reactions(&training);
            assert!(!seen.is_empty(), "seed {seed}, {ids:?}: no reaction at all");
            assert_eq!(reactions(&assessment), seen, "seed {seed}, {ids:?}");
            let text = assessment.render_transcript();
            for l in seen.iter().flatten() {
                assert!(text.contains(&l.text), "{text}");
            }
            for d in training.decisions() {
                if let Some(fb) = s.act_feedback(d.beat_index, d.act) {
                    assert!(!text.contains(fb), "feedback `{fb}` in the transcript:\n{text}");
                }
            }
        }
    }
    // A reaction's condition is tested after the choice: low trust hears "No".
    let p = play(&s, 1, &["command", "cheer_up", "stay", "offer_counsellor"]);
    let last = p.decisions().last().unwrap();
    assert_eq!(last.reaction.len(), 1);
    assert_eq!(last.reaction[0].text, "No. I'm not going in there.");
    assert_eq!(last.reaction[0].speaker.as_deref(), Some("Sam"));
    // Timing out has a reaction too.
    let mut p = Playthrough::start(&s, StartOptions::new(1, Mode::Assessment)).unwrap();
    p.time_out(None).unwrap();
    assert!(p.render_transcript().contains("Sam turns his back to you."), "{}", p.render_transcript());
}

#[test]
fn the_terminal_player_prints_reactions_in_assessment_mode_but_no_hints() {
    let s = every_feature();
    let mut o = StartOptions::new(4, Mode::Assessment);
    o.shuffle = false;
    let mut p =
        talkdown::session::Session::start(&s, None, o, "Cadet", talkdown::records::Recorder::off()).unwrap();
    let mut out = Vec::new();
    // introduce, reflect, ask_now, offer_counsellor
    talkdown::cli::play::run(&mut p, &mut "1\n3\n1\n1\n".as_bytes(), &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains("Sam: “...Fine. Sit, if you want.”") || out.contains("Sam: “Whatever. Sit.”"),
        "{out}"
    );
    assert!(out.contains("Sam: “...Okay. If you come with me.”"), "{out}");
    assert!(!out.contains("He lets you stay."), "no feedback in assessment mode: {out}");
    // The reaction follows what was said, before the next beat.
    let said = out.find("You: I'm Alex.").unwrap();
    let reaction = out.find("Sit").unwrap();
    let next = out.find("I don't know anymore").or_else(|| out.find("What's the point")).unwrap();
    assert!(said < reaction && reaction < next, "{out}");
}

#[test]
fn the_debrief_shows_what_happened_after_each_decision() {
    let s = every_feature();
    let d = debrief(&play(&s, 1, &["introduce", "reflect", "ask_now", "offer_counsellor"]));
    assert_eq!(d.decisions[3].reaction[0].text, "...Okay. If you come with me.");
    assert!(d.to_text().contains("Sam: “...Okay. If you come with me.”"), "{}", d.to_text());
    assert!(d.to_html().contains("...Okay. If you come with me."));
    // A perfect run reads 100 % in every dimension it scored (the best route's figures).
    for dim in &d.dimensions {
        assert!(dim.percent.is_none_or(|p| p == 100), "{dim:?}");
    }
}

#[test]
fn unknown_ids_in_reactions_and_score_variants_are_errors_at_the_text() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/every_feature.ron"),
    )
    .unwrap()
    .replace("(speaker: \"sam\", text: \"...Fine. Sit", "(speaker: \"samm\", text: \"...Fine. Sit")
    .replace(
        "scores: {\"linkage\": 1},\n                        reason",
        "scores: {\"linkag\": 1},\n                        reason",
    )
    .replace(
        "when: Below(\"trust\", 4),\n                        scores",
        "when: Below(\"trsut\", 4),\n                        scores",
    )
    .replace("reason: \"trust was still low: an offer made before rapport rarely lands\"", "reason: \" \"");
    let checked = talkdown::scenario::load::scenario_from_str("ids.ron", &text);
    assert!(checked.scenario.is_none(), "a scenario with unknown ids must not compile");
    let report = checked.report(false);
    for needle in [
        "E107: unknown speaker `samm`",
        "did you mean `sam`?",
        "E105: unknown rubric dimension `linkag`",
        "E103: unknown meter `trsut`",
        "E115: the score variant's reason is empty",
    ] {
        assert!(report.contains(needle), "missing {needle:?} in:\n{report}");
    }
    // Each points at its own line of the file.
    let line_of = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    assert!(report.contains(&format!("ids.ron:{}:", line_of("\"samm\""))), "{report}");
    assert!(report.contains(&format!("ids.ron:{}:", line_of("\"linkag\""))), "{report}");
}

#[test]
fn a_timing_accommodation_stretches_every_countdown_and_is_on_the_debrief() {
    use talkdown::engine::{EngineError, Timing};
    let s = every_feature();
    let timer = |t: Timing| {
        let p = Playthrough::start(&s, StartOptions::new(1, Mode::Training).with_timing(t)).unwrap();
        let view = p.current().unwrap();
        assert!(view.can_wait, "the arrival has a timeout");
        view.timer
    };
    // The arrival is authored with 20 seconds.
    assert_eq!(timer(Timing::Standard), Some(20));
    assert_eq!(timer(Timing::Extended150), Some(30));
    assert_eq!(timer(Timing::Extended200), Some(40));
    assert_eq!(timer(Timing::Untimed), None);
    // Whole seconds, rounded in the trainee's favour.
    assert_eq!(Timing::Extended150.seconds(45), Some(68));

    // Untimed is for training: an assessment keeps a clock.
    let err = Playthrough::start(&s, StartOptions::new(1, Mode::Assessment).with_timing(Timing::Untimed))
        .unwrap_err();
    assert_eq!(err, EngineError::UntimedAssessment);
    assert_eq!(Timing::Untimed.for_mode(Mode::Assessment), Timing::Extended200);
    assert_eq!(Timing::Untimed.for_mode(Mode::Training), Timing::Untimed);

    // An untimed trainee can still let the moment pass, and the same choices
    // score the same whatever the time allowed.
    let mut untimed =
        Playthrough::start(&s, StartOptions::new(1, Mode::Training).with_timing(Timing::Untimed)).unwrap();
    untimed.time_out(None).unwrap();
    let mut standard = Playthrough::start(&s, StartOptions::new(1, Mode::Training)).unwrap();
    standard.time_out(None).unwrap();
    assert_eq!(untimed.totals(), standard.totals());

    let d = debrief(&play_with(
        &s,
        Timing::Extended150,
        &["introduce", "reflect", "ask_now", "offer_counsellor"],
    ));
    assert_eq!(d.timing, Timing::Extended150);
    assert!(d.to_text().contains("Timing: extended time ×1.5 (an accommodation"), "{}", d.to_text());
    assert!(d.to_html().contains("Timing: extended time ×1.5"));
    assert!(d.to_json().contains("\"timing\": \"x1.5\""));
    let plain = debrief(&play(&s, 1, &["introduce", "reflect", "ask_now", "offer_counsellor"]));
    assert!(!plain.to_text().contains("Timing:"), "standard time is not called out");
    assert_eq!((plain.total.score, plain.process.percent), (d.total.score, d.process.percent));
}

fn play_with(s: &Scenario, timing: talkdown::engine::Timing, ids: &[&str]) -> Playthrough {
    let mut p = Playthrough::start(s, StartOptions::new(1, Mode::Training).with_timing(timing)).unwrap();
    for id in ids {
        p.choose_id(id, Some(1000)).unwrap();
    }
    p
}

#[test]
fn timings_read_from_the_words_a_coordinator_types() {
    use talkdown::engine::Timing;
    for (word, t) in [
        ("standard", Timing::Standard),
        ("x1.5", Timing::Extended150),
        ("1.5", Timing::Extended150),
        ("x2", Timing::Extended200),
        ("Untimed", Timing::Untimed),
    ] {
        assert_eq!(word.parse::<Timing>().unwrap(), t, "{word}");
    }
    let err = "double".parse::<Timing>().unwrap_err();
    assert!(err.contains("standard, x1.5, x2 or untimed"), "{err}");
    for t in Timing::ALL {
        assert_eq!(t.label().parse::<Timing>().unwrap(), t);
    }
}

#[test]
fn the_html_debrief_draws_the_state_timeline_with_a_marker_per_decision() {
    let s = every_feature();
    // A critical error (grab) in one run; a chance roll (ask_directly) in another.
    let d = debrief(&play(&s, 1, &["grab"]));
    assert_eq!(d.meters.len(), 2);
    assert_eq!(d.meters[0].values.len(), 2, "the start and after the one decision");
    let html = d.to_html();
    assert!(html.contains("<svg class=\"timeline\""), "{html}");
    assert_eq!(html.matches("<g class=\"marker critical\"").count(), 2, "one marker per meter");
    assert!(html.contains("good end"), "the good end is marked in words");
    assert!(html.contains("<title>Decision 1: "), "each marker has a title");
    assert!(html.contains("A critical error."));

    let d = debrief(&play(&s, 1, &["introduce", "ask_directly"]));
    let html = d.to_html();
    assert_eq!(html.matches("class=\"marker ").count(), 2 * d.decisions.len(), "{html}");
    assert_eq!(html.matches("<g class=\"marker chance\"").count(), 2);
    assert!(html.contains("A chance roll decided what happened next."));
    // The title of a marker not the best says the better alternative.
    for dec in &d.decisions {
        let t = talkdown::debrief::timeline::marker_text(dec);
        assert!(t.starts_with(&format!("Decision {}: {}", dec.step, dec.text)), "{t}");
        if let Some(b) = &dec.better {
            assert!(t.contains(&format!("Better here: {}", b.text)), "{t}");
        }
        if !dec.commentary.is_empty() {
            assert!(t.contains(&dec.commentary), "{t}");
        }
    }
    // Shapes, not only colour: the legend names every shape.
    for words in ["best available", "critical error", "chance roll"] {
        assert!(html.contains(&format!(">{words}</text>")), "{words}");
    }
}
