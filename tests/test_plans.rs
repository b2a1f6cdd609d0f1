//! `talkdown test`: plans beside scenarios are loaded with located
//! diagnostics (E301–E308), run through the real engine and debrief, and
//! reported per case with a coverage report; exit codes as `validate`'s.

use std::path::Path;
use std::process::{Command, Output};

use talkdown::testplan::{Failure, load_plan, run_plan};

fn talkdown(args: &[&str]) -> Output {
    let records = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_talkdown"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("TALKDOWN_RECORDS", records.path().join("records.sqlite3"))
        .output()
        .expect("talkdown runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn broken(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plans/broken").join(format!("{name}.plan.ron"))
}

/// The one-line form of every diagnostic of a broken plan, minus the folder prefix.
fn headlines(name: &str) -> Vec<String> {
    let path = broken(name);
    let err = load_plan(&path).expect_err("the fixture is broken");
    let prefix = format!("{}:", path.display());
    err.headlines().iter().map(|h| h.replacen(&prefix, "", 1)).collect()
}

fn help_of(name: &str, code: &str) -> Vec<String> {
    match load_plan(&broken(name)).expect_err("broken") {
        talkdown::testplan::PlanError::Invalid { diagnostics, .. } => diagnostics
            .iter()
            .filter(|d| d.code == code)
            .map(|d| d.help.clone().unwrap_or_default())
            .collect(),
        other => panic!("not a plan error: {other}"),
    }
}

#[test]
fn e301_a_scenario_not_beside_the_plan_is_named_with_a_suggestion() {
    let h = headlines("unknown_scenario");
    assert_eq!(h.len(), 1, "{h:?}");
    assert!(h[0].starts_with("3:15: error[E301]: no scenario `every_featur` beside this plan"), "{h:?}");
    assert_eq!(help_of("unknown_scenario", "E301"), ["did you mean `every_feature`?"]);
}

#[test]
fn e302_an_unknown_choice_in_a_route_is_located_with_a_suggestion() {
    assert_eq!(
        headlines("unknown_choice"),
        ["5:56: error[E302]: unknown choice `ask_nwo`", "6:33: error[E302]: `timeout` is not a choice id",]
    );
    assert_eq!(
        help_of("unknown_choice", "E302"),
        ["did you mean `ask_now`?", "write \"!timeout\" (with the `!`) for the timer running out"]
    );
}

#[test]
fn e303_an_unknown_ending_is_an_error() {
    assert_eq!(headlines("unknown_ending"), ["5:105: error[E303]: unknown ending `accept_help`"]);
    assert_eq!(help_of("unknown_ending", "E303"), ["did you mean `accepts_help`?"]);
}

#[test]
fn e304_unknown_flags_and_a_flag_both_set_and_clear() {
    assert_eq!(
        headlines("unknown_flag"),
        [
            "8:48: error[E304]: unknown flag `asked_suicide`",
            "8:80: error[E304]: flag `introduced` is expected both set and clear",
        ]
    );
    assert_eq!(help_of("unknown_flag", "E304")[0], "did you mean `asked_about_suicide`?");
}

#[test]
fn e305_an_unknown_outcome_category() {
    assert_eq!(headlines("unknown_outcome"), ["5:106: error[E305]: unknown outcome category `voluntary`"]);
    assert_eq!(help_of("unknown_outcome", "E305"), ["did you mean `voluntary_help`?"]);
}

#[test]
fn e306_ranges_that_run_backwards_or_past_100() {
    assert_eq!(
        headlines("backwards_range"),
        [
            "8:56: error[E306]: the process percent range (90, 110) goes past 100",
            "8:30: error[E306]: the points range (11, 9) runs backwards",
        ]
    );
}

#[test]
fn e307_case_names_must_be_given_and_distinct() {
    assert_eq!(
        headlines("duplicate_case_name"),
        ["6:16: error[E307]: two cases are called \"best\"", "7:16: error[E307]: the case has no name"]
    );
}

#[test]
fn e308_nothing_to_run_or_to_match() {
    assert_eq!(
        headlines("empty_route"),
        [
            "5:34: error[E308]: the case's route is empty",
            "6:109: error[E308]: an empty reaction text matches anything",
        ]
    );
}

#[test]
fn a_misspelt_expectation_is_an_error_not_ignored() {
    assert_eq!(headlines("misspelt_field"), ["5:97: error[E002]: unknown field `endng` in `expect`"]);
}

#[test]
fn every_plan_code_has_a_row_in_the_diagnostics_reference() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/diagnostics.md")).unwrap();
    for code in ["E301", "E302", "E303", "E304", "E305", "E306", "E307", "E308"] {
        assert!(doc.contains(&format!("| {code} |")), "docs/diagnostics.md has no row for {code}");
    }
}

#[test]
fn a_passing_plan_runs_through_the_engine_and_the_debrief() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plans/every_feature.plan.ron");
    let plan = load_plan(&path).unwrap();
    assert_eq!(plan.cases.len(), 6);
    let report = run_plan(&plan, &mut Default::default());
    for c in &report.cases {
        assert!(c.passed(), "{}: {:?}", c.name, c.failures);
    }
    // The best case really was judged: 100 % and 11 points from the debrief.
    let d = report.cases[0].debrief.as_ref().unwrap();
    assert_eq!(d.process.shown_percent, Some(100));
    assert_eq!(d.total.score, 11);
    // The seed decides the chance route: seed 1 discloses, seed 2 deflects.
    assert_eq!(report.cases[1].debrief.as_ref().unwrap().decisions[2].beat, "disclose");
    assert_eq!(report.cases[2].debrief.as_ref().unwrap().decisions[2].beat, "deflect");
}

#[test]
fn a_failing_case_names_the_step_and_beat_where_the_route_diverged() {
    let plan = load_plan(&broken("diverges")).unwrap();
    let report = run_plan(&plan, &mut Default::default());
    assert_eq!(report.failed(), 2);
    assert_eq!(
        report.cases[0].failures,
        [Failure::Diverged {
            step: 3,
            beat: "talk_more".into(),
            wanted: "stay".into(),
            why: "it is a choice at beat `deflect`".into(),
            offered: vec!["ask_now".into()],
        }]
    );
    let what: Vec<&str> = report.cases[1]
        .failures
        .iter()
        .map(|f| match f {
            Failure::Expected { what, .. } => *what,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(what, ["ending", "verdict", "points", "flags_clear", "reactions"]);
    assert!(report.cases[2].passed());
}

#[test]
fn cli_a_failing_plan_prints_expected_and_actual_and_exits_one() {
    let o = talkdown(&["test", "tests/fixtures/plans/broken/diverges.plan.ron"]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains(
            "  FAIL  a route that leaves the scenario at step 3  (tests/fixtures/plans/broken/diverges.plan.ron:6, seed 1)\n\
             \x20       - the route diverged at step 3 (beat `talk_more`): `stay` is not offered here: it is a choice at beat `deflect`\n\
             \x20         offered at this step: ask_now\n"
        ),
        "{out}"
    );
    assert!(out.contains("        - ending: expected `hold`, got `accepts_help`\n"), "{out}");
    assert!(out.contains("        - points: expected 0 to 5, got 11 (best 11)\n"), "{out}");
    assert!(out.contains("  pass  a good case\n"), "{out}");
    assert!(out.ends_with("ran 3 cases in 1 plan: 1 passed, 2 failed\n"), "{out}");
}

#[test]
fn cli_coverage_counts_beats_choices_and_endings() {
    let o = talkdown(&["test", "tests/fixtures/plans/broken/diverges.plan.ron"]);
    let out = stdout(&o);
    // The diverged run visited arrival, talk, talk_more; the others add disclose and the endings.
    assert!(
        out.contains(
            "coverage of every_feature (3 cases):\n\
             \x20 beats    4 of 5 (80 %); not visited: deflect\n\
             \x20 choices  5 of 11 (45 %)\n\
             \x20   not chosen by any case:\n\
             \x20     arrival: command\n\
             \x20     talk: ask_directly, cheer_up\n\
             \x20     deflect: stay, leave\n\
             \x20     disclose: hold\n\
             \x20 timers   0 of 1 run out\n\
             \x20 endings  2 of 4 reached; never reached: hold, left_alone\n"
        ),
        "{out}"
    );
}

#[test]
fn cli_a_passing_plan_exits_zero_with_full_coverage() {
    let o = talkdown(&["test", "tests/fixtures/plans/every_feature.plan.ron"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("  pass  the best route\n"), "{out}");
    assert!(out.contains("  choices  11 of 11 (100 %)\n"), "{out}");
    assert!(out.contains("  endings  4 of 4 reached\n"), "{out}");
    assert!(out.ends_with("ran 6 cases in 1 plan: 6 passed, 0 failed\n"), "{out}");
}

#[test]
fn cli_a_scenario_path_or_a_folder_finds_the_plan_beside_it() {
    for arg in ["tests/fixtures/plans/every_feature.ron", "tests/fixtures/plans/", "tests/fixtures/plans"] {
        let o = talkdown(&["test", arg]);
        assert_eq!(o.status.code(), Some(0), "{arg}: {}{}", stdout(&o), stderr(&o));
        assert!(stdout(&o).contains("ran 6 cases in 1 plan"), "{arg}: {}", stdout(&o));
    }
}

#[test]
fn cli_a_broken_plan_is_unusable_input_exit_two() {
    let o = talkdown(&["test", "tests/fixtures/plans/broken/unknown_choice.plan.ron"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("E302: unknown choice `ask_nwo`"), "{err}");
    assert!(err.contains("did you mean `ask_now`?"), "{err}");
    assert!(stdout(&o).contains("1 plan could not be used"), "{}", stdout(&o));
}

#[test]
fn cli_a_missing_path_is_exit_two_and_a_scenario_without_a_plan_is_a_warning() {
    let o = talkdown(&["test", "no/such/thing.plan.ron"]);
    assert_eq!(o.status.code(), Some(2));
    let d = tempfile::tempdir().unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/minimal.ron"),
        d.path().join("minimal.ron"),
    )
    .unwrap();
    let o = talkdown(&["test", d.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("minimal.ron has no test plan (expected "), "{}", stderr(&o));
    assert!(stdout(&o).ends_with("ran 0 cases in 0 plans: 0 passed, 0 failed; 1 scenario without a plan\n"));
}

/// CI runs the library's plans: every bundled scenario has one, and every case passes.
#[test]
fn every_bundled_scenario_has_a_plan_and_every_case_passes() {
    let o = talkdown(&["test", "scenarios/"]);
    let (out, err) = (stdout(&o), stderr(&o));
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert!(!err.contains("has no test plan"), "{err}");
    assert!(!out.contains("FAIL"), "{out}");
    let scenarios =
        talkdown::scenario::load::scenario_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"))
            .unwrap()
            .into_iter()
            .filter(|p| !talkdown::library::is_template(p))
            .count();
    assert!(out.contains(&format!(" in {scenarios} plans: ")), "{out}");
    // Every plan reaches every ending of its scenario.
    assert!(!out.contains("never reached"), "{out}");
}
