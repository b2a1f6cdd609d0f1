//! The bundled scenario library (issue 4): every scenario a CIT coordinator
//! would put in front of a class validates cleanly, can reach every ending,
//! has a best path that ends well and a worst path that does not, and meets
//! the content requirements (decision points, routes, chance, timers,
//! commentary on every choice, the Behavioral Change Stairway).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use talkdown::analysis::{Analysis, ScoreRoute, analyze};
use talkdown::debrief::{Debrief, Standard};
use talkdown::engine::{self, Mode, Playthrough, StartOptions};
use talkdown::scenario::load::{check_file, rubric_for_dir, scenario_files};
use talkdown::scenario::model::{Choice, Condition, Next, ScenarioFile};
use talkdown::scenario::rubric::Grade;
use talkdown::scenario::{Act, NodeRef, Route, Scenario};
use talkdown::state::GameState;

const LIBRARY: [&str; 10] = [
    "bridge_jumper",
    "domestic_dispute",
    "homeless_crisis",
    "veteran_ptsd",
    "dementia_welfare_check",
    "peer_support",
    "psychosis_knife_home",
    "stimulant_agitation",
    "goodbye_text_firearm",
    "group_home_teen",
];

fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

/// Every bundled scenario: (file, scenario), template excluded.
fn library() -> Vec<(ScenarioFile, Scenario)> {
    let dir = scenarios_dir();
    let rubric = rubric_for_dir(&dir).unwrap();
    LIBRARY
        .iter()
        .map(|id| {
            let checked = check_file(&dir.join(format!("{id}.ron")), &rubric).unwrap();
            assert_eq!(checked.errors(), 0, "{id}:\n{}", checked.report(false));
            (checked.file.clone().unwrap(), checked.scenario.clone().unwrap())
        })
        .collect()
}

fn analysis(s: &Scenario) -> Analysis {
    analyze(s).unwrap_or_else(|e| panic!("{}: {e}", s.id())).0
}

#[test]
fn every_bundled_file_validates_with_no_errors_or_warnings() {
    let dir = scenarios_dir();
    let rubric = rubric_for_dir(&dir).unwrap();
    let files = scenario_files(&dir).unwrap();
    let names: BTreeSet<String> =
        files.iter().map(|f| f.file_stem().unwrap().to_string_lossy().into_owned()).collect();
    for id in LIBRARY.iter().chain(["_template"].iter()) {
        assert!(names.contains(*id), "scenarios/{id}.ron is missing");
    }
    for f in &files {
        let checked = check_file(f, &rubric).unwrap();
        assert!(checked.diagnostics.is_empty(), "{}:\n{}", f.display(), checked.report(false));
    }
}

#[test]
fn each_file_is_named_after_its_scenario_id() {
    let dir = scenarios_dir();
    let rubric = rubric_for_dir(&dir).unwrap();
    for f in scenario_files(&dir).unwrap() {
        let checked = check_file(&f, &rubric).unwrap();
        let id = &checked.file.as_ref().unwrap().id;
        assert_eq!(f.file_stem().unwrap().to_string_lossy(), id.as_str(), "{}", f.display());
    }
}

#[test]
fn every_ending_is_reachable() {
    for (_, s) in library() {
        let a = analysis(&s);
        assert!(a.unreachable_endings().is_empty(), "{}: unreachable {:?}", s.id(), a.unreachable_endings());
        assert!(a.dead_ends.is_empty(), "{}: dead ends {:?}", s.id(), a.dead_ends);
    }
}

#[test]
fn best_path_ends_in_a_good_outcome_and_worst_path_does_not() {
    for (_, s) in library() {
        let a = analysis(&s);
        assert_eq!(
            a.best.total.grade,
            Some(Grade::Good),
            "{}: best path ends at {:?}",
            s.id(),
            a.best.total.ending
        );
        let worst = a.worst.total.grade.expect("the worst path reaches an ending");
        assert_ne!(worst, Grade::Good, "{}: worst path ends at {:?}", s.id(), a.worst.total.ending);
        assert!(a.best.total.score > a.worst.total.score);
    }
}

#[test]
fn at_least_three_endings_of_different_outcome_categories() {
    for (f, s) in library() {
        let categories: BTreeSet<&str> = f.endings.iter().map(|e| e.outcome.as_str()).collect();
        assert!(categories.len() >= 3, "{}: only {:?}", s.id(), categories);
    }
}

#[test]
fn every_choice_and_timer_is_scored_and_has_commentary_and_feedback() {
    for (f, _) in library() {
        for b in &f.beats {
            for c in &b.choices {
                let at = format!("{} / {} / {}", f.id, b.id, c.id);
                assert!(!c.scores.is_empty(), "{at}: not scored");
                assert!(c.scores.values().all(|v| (-3..=3).contains(v)), "{at}: score outside -3..3");
                assert!(c.commentary.split_whitespace().count() >= 20, "{at}: commentary too short to teach");
                assert!(c.feedback.as_deref().is_some_and(|x| !x.trim().is_empty()), "{at}: no feedback");
            }
            if let Some(t) = &b.timer {
                assert!(!t.scores.is_empty(), "{} / {}: timer not scored", f.id, b.id);
                assert!(!t.commentary.trim().is_empty(), "{} / {}: timer without commentary", f.id, b.id);
            }
        }
        for e in &f.endings {
            assert!(!e.commentary.trim().is_empty(), "{} / {}: ending without commentary", f.id, e.id);
        }
    }
}

#[test]
fn every_scenario_uses_a_route_a_chance_and_a_timer() {
    for (f, _) in library() {
        let nexts: Vec<&Next> = f
            .beats
            .iter()
            .flat_map(|b| b.choices.iter().map(|c| &c.next).chain(b.timer.iter().map(|t| &t.next)))
            .collect();
        assert!(nexts.iter().any(|n| matches!(n, Next::Route { .. })), "{}: no Route", f.id);
        assert!(nexts.iter().any(|n| matches!(n, Next::Chance(_))), "{}: no Chance", f.id);
        assert!(f.beats.iter().any(|b| b.timer.is_some()), "{}: no timer", f.id);
    }
}

#[test]
fn every_scenario_has_briefing_objectives_warnings_and_a_debrief_with_resources() {
    for (f, _) in library() {
        assert!(!f.briefing.dispatch.trim().is_empty(), "{}", f.id);
        assert!(f.about.objectives.len() >= 3, "{}: objectives", f.id);
        assert!(!f.about.content_warnings.is_empty(), "{}: content warnings", f.id);
        assert!(f.debrief.teaching_points.len() >= 3, "{}: teaching points", f.id);
        assert!(!f.debrief.resources.is_empty(), "{}: resources", f.id);
        assert!(f.meters.len() >= 2, "{}: meters", f.id);
    }
}

#[test]
fn the_resources_name_the_real_crisis_lines() {
    let all: String = library()
        .iter()
        .flat_map(|(f, _)| f.debrief.resources.iter().map(|r| format!("{} {}\n", r.name, r.contact)))
        .collect();
    for needle in [
        "988",
        "988, then press 1",
        "1-800-799-7233",
        "1-800-677-1116",
        "protective services",
        "obile crisis",
    ] {
        assert!(all.contains(needle), "no resource mentions {needle:?}");
    }
}

/// True when the condition asks for a meter to have reached a level (rapport
/// built), as opposed to being below it.
fn needs_rapport(c: &Condition) -> bool {
    let mut at_least = false;
    c.walk(&mut |c| {
        if matches!(c, Condition::AtLeast(..) | Condition::Above(..)) {
            at_least = true;
        }
    });
    at_least
}

/// The Behavioral Change Stairway: each scenario scores an influence move
/// higher after rapport than before. Either one choice with a score variant
/// for the state before rapport (or after it), or, in the older form, the same
/// move (word for word) offered twice under a rapport condition and its opposite.
#[test]
fn an_influence_move_scores_higher_after_rapport_than_before() {
    for (f, _) in library() {
        let mut found = false;
        for b in &f.beats {
            for c in &b.choices {
                let plain = c.scores.values().sum::<i32>();
                for v in &c.score_variants {
                    let variant = v.scores.values().sum::<i32>();
                    // A variant for "before rapport" scores lower; one for "after rapport" higher.
                    let (after, before) =
                        if needs_rapport(&v.when) { (variant, plain) } else { (plain, variant) };
                    if after > before {
                        found = true;
                    }
                }
            }
            for (i, x) in b.choices.iter().enumerate() {
                for y in &b.choices[i + 1..] {
                    let (Some(wx), Some(wy)) = (&x.when, &y.when) else { continue };
                    if x.text != y.text {
                        continue;
                    }
                    let total = |c: &Choice| c.scores.values().sum::<i32>();
                    let (after, before) = match (needs_rapport(wx), needs_rapport(wy)) {
                        (true, false) => (x, y),
                        (false, true) => (y, x),
                        _ => panic!(
                            "{} / {}: cannot tell which of `{}` and `{}` comes after rapport",
                            f.id, b.id, x.id, y.id
                        ),
                    };
                    assert!(
                        total(after) > total(before),
                        "{} / {}: `{}` (after rapport) should outscore `{}` (before)",
                        f.id,
                        b.id,
                        after.id,
                        before.id
                    );
                    found = true;
                }
            }
        }
        assert!(found, "{}: no influence move offered both before and after rapport", f.id);
    }
}

/// Walk the analyzer's route from some start state, following its luck, and
/// return how many choices were offered at each step (None if the route does
/// not fit this start state).
fn offered_along(s: &Scenario, route: &ScoreRoute, start: &GameState) -> Option<Vec<usize>> {
    fn walk(s: &Scenario, route: &ScoreRoute, i: usize, state: GameState, out: &mut Vec<usize>) -> bool {
        let Some(step) = route.steps.get(i) else { return true };
        let b = step.beat_index;
        let offered = s.beats[b as usize].choices.iter().filter(|c| state.holds_opt(c.when.as_ref())).count();
        let Some(def) = s.act(b, step.act) else { return false };
        if !state.holds_opt(def.when.as_ref()) {
            return false;
        }
        let mut after = state.clone();
        after.apply(&def.effects, &s.meters);
        let candidates: Vec<usize> = match &def.route {
            Route::Chance(outs) => (0..outs.len()).collect(),
            _ => vec![0],
        };
        for k in candidates {
            let mut st = after.clone();
            let (to, _) = engine::follow(s, &def.route, &mut st, |_| k);
            let fits = match (to, route.steps.get(i + 1)) {
                (NodeRef::Beat(t), Some(next)) => t == next.beat_index,
                (NodeRef::Ending(e), None) => route.ending.as_deref() == Some(s.ending(e).id.as_str()),
                _ => false,
            };
            if fits {
                out.push(offered);
                if walk(s, route, i + 1, st, out) {
                    return true;
                }
                out.pop();
            }
        }
        false
    }
    let mut out = Vec::new();
    walk(s, route, 0, start.clone(), &mut out).then_some(out)
}

#[test]
fn best_path_has_at_least_eight_decisions_with_three_choices_each() {
    for (_, s) in library() {
        let a = analysis(&s);
        let route = &a.best.total;
        assert!(route.steps.len() >= 8, "{}: best path has {} decisions", s.id(), route.steps.len());
        assert!(
            route.steps.iter().all(|st| st.act != Act::Timeout),
            "{}: best path lets a timer run out",
            s.id()
        );
        let fits: Vec<Vec<usize>> =
            GameState::all_starts(&s).iter().filter_map(|st| offered_along(&s, route, st)).collect();
        assert!(!fits.is_empty(), "{}: the best route fits no start state", s.id());
        for counts in fits {
            assert!(
                counts.iter().all(|&n| n >= 3),
                "{}: choices offered along the best path: {counts:?}",
                s.id()
            );
        }
    }
}

/// Play a route with the real engine, trying seeds until chance goes the way
/// the route assumes.
fn play_route(s: &Scenario, route: &ScoreRoute) -> Playthrough {
    'seed: for seed in 0..5000u64 {
        let mut p = Playthrough::start(s, StartOptions::new(seed, Mode::Assessment)).unwrap();
        for step in &route.steps {
            let here = p.current().map(|v| v.beat);
            if here.as_deref() != Some(step.beat.as_str()) || p.choose_id(&step.choice, Some(3000)).is_err() {
                continue 'seed;
            }
        }
        let ended = p.ending().map(|e| s.ending(e).id.clone());
        if ended == route.ending {
            return p;
        }
    }
    panic!("{}: no seed under 5000 follows the route", s.id());
}

#[test]
fn scripted_best_path_gets_a_clean_debrief() {
    for (_, s) in library() {
        let (a, mut space) = analyze(&s).unwrap();
        let p = play_route(&s, &a.best.total);
        let d = Debrief::build(&p, &a, &mut space, Some("cadet")).unwrap();
        let ending = d.ending.as_ref().unwrap();
        assert_eq!(ending.grade, Grade::Good, "{}", s.id());
        assert!(d.critical_errors.is_empty(), "{}: {:?}", s.id(), d.critical_errors);
        assert_eq!(d.best_choices, d.decisions.len(), "{}: not every decision judged best", s.id());
        assert!(d.decisions.iter().all(|x| x.better.is_none() && !x.commentary.is_empty()), "{}", s.id());
    }
}

#[test]
fn scripted_worst_path_is_judged_step_by_step() {
    for (_, s) in library() {
        let (a, mut space) = analyze(&s).unwrap();
        let p = play_route(&s, &a.worst.total);
        let d = Debrief::build(&p, &a, &mut space, Some("cadet")).unwrap();
        assert_ne!(d.ending.as_ref().unwrap().grade, Grade::Good, "{}", s.id());
        assert!(d.total.score < 0, "{}: worst path scored {}", s.id(), d.total.score);
        // The worst route is the worst practice: its critical errors are listed
        // first, and the judgement is not "below standard" by points alone.
        assert_eq!(d.critical_errors.len() as u32, a.worst.total.critical_errors, "{}", s.id());
        if !d.critical_errors.is_empty() {
            assert_eq!(d.standard.standard, Standard::NotYet, "{}", s.id());
            assert!(
                d.process.shown_percent.unwrap_or(0) <= s.rubric.policy.critical_cap_percent,
                "{}",
                s.id()
            );
        }
        // Every decision that was not the best available names a better one.
        // (The worst practice may pass through good decisions on its way to a
        // critical error, so not every step on it is a poor one.)
        for x in &d.decisions {
            assert!(
                x.best_available || x.better.is_some(),
                "{}: step {} ({}) was not the best, but no better choice was named",
                s.id(),
                x.step,
                x.choice
            );
        }
        let named = d.decisions.iter().filter(|x| x.better.is_some()).count();
        assert!(
            named * 2 >= d.decisions.len(),
            "{}: a better choice was named for only {named} of {} decisions",
            s.id(),
            d.decisions.len()
        );
        assert!(d.decisions.iter().all(|x| !x.commentary.is_empty()), "{}", s.id());
    }
}

#[test]
fn critical_errors_from_the_rubric_are_marked() {
    // The scenarios that involve suicide risk mark at least one critical error.
    for (f, _) in library() {
        if ["bridge_jumper", "domestic_dispute", "veteran_ptsd"].contains(&f.id.as_str()) {
            let n = f.beats.iter().flat_map(|b| &b.choices).filter(|c| c.critical).count();
            assert!(n >= 1, "{}: no critical choice", f.id);
        }
    }
}
