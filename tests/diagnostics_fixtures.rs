//! Each broken fixture reports exactly what an author needs: the code, the
//! message and the line:col of the offending text.

use std::path::Path;

use talkdown::scenario::load::{bundled_rubric, check_file};

/// The one-line form of every diagnostic for a fixture, minus the folder prefix.
fn headlines(name: &str) -> Vec<String> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/broken").join(format!("{name}.ron"));
    let checked = check_file(&path, &bundled_rubric()).expect("fixture readable");
    let prefix = format!("{}:", path.display());
    checked.diagnostics.iter().map(|d| d.headline(&checked.source).replacen(&prefix, "", 1)).collect()
}

fn help_of(name: &str, code: &str) -> String {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/broken").join(format!("{name}.ron"));
    let checked = check_file(&path, &bundled_rubric()).unwrap();
    checked.diagnostics.iter().find(|d| d.code == code).and_then(|d| d.help.clone()).unwrap_or_default()
}

#[test]
fn minimal_fixture_is_clean() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/minimal.ron");
    let checked = check_file(&path, &bundled_rubric()).unwrap();
    assert!(checked.diagnostics.is_empty(), "{}", checked.report(false));
    assert!(checked.scenario.is_some());
}

#[test]
fn typo_in_next_beat_suggests_the_right_id() {
    assert_eq!(headlines("typo_in_next_beat"), ["22:30: error[E102]: unknown beat or ending `insde`"]);
    assert_eq!(help_of("typo_in_next_beat", "E102"), "did you mean `inside`?");
}

#[test]
fn misspelt_field_is_an_error_with_a_suggestion() {
    assert_eq!(headlines("misspelt_field"), ["5:13: error[E002]: unknown field `titel` in `About`"]);
    assert_eq!(help_of("misspelt_field", "E002"), "did you mean `title`?");
}

#[test]
fn missing_comma_points_at_the_next_field() {
    assert_eq!(headlines("missing_comma"), ["38:156: error[E001]: expected comma"]);
}

#[test]
fn duplicate_beat_id_points_at_both_definitions() {
    let h = headlines("duplicate_beat_id");
    assert_eq!(h[0], "35:17: error[E101]: duplicate beat or ending id `door`");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/broken/duplicate_beat_id.ron");
    let checked = check_file(&path, &bundled_rubric()).unwrap();
    let d = &checked.diagnostics[0];
    assert_eq!(d.secondary.len(), 1);
    assert_eq!(checked.source.line_col(d.secondary[0].span.start), (13, 17));
    assert_eq!(d.secondary[0].message, "first defined here");
}

#[test]
fn unreachable_beat_is_reported() {
    assert_eq!(headlines("unreachable_beat"), ["35:17: error[E110]: beat `inside` can never be reached"]);
}

#[test]
fn loop_without_ending_is_a_trap() {
    assert_eq!(
        headlines("loop_without_ending"),
        [
            "13:17: error[E111]: no ending can be reached from beat `door`",
            "35:17: error[E111]: no ending can be reached from beat `inside`",
            "44:14: error[E110]: ending `ok` can never be reached",
            "45:14: error[E110]: ending `left` can never be reached",
        ]
    );
}

#[test]
fn beat_without_choices_is_reported() {
    assert_eq!(headlines("beat_without_choices"), ["35:17: error[E112]: beat `inside` has no choices"]);
}

#[test]
fn zero_weight_is_reported() {
    assert_eq!(headlines("zero_weight"), ["38:180: error[E114]: an outcome's weight must be positive"]);
}

#[test]
fn zero_second_timer_is_reported() {
    assert_eq!(
        headlines("zero_second_timer"),
        ["15:30: error[E113]: a timer of 0 seconds gives no time to answer"]
    );
}

#[test]
fn empty_line_text_is_reported() {
    assert_eq!(headlines("empty_line_text"), ["36:44: error[E115]: the line's text is empty"]);
}

#[test]
fn missing_start_lists_the_beats_there_are() {
    assert_eq!(headlines("missing_start"), ["10:12: error[E109]: unknown start beat `front_door`"]);
    assert_eq!(help_of("missing_start", "E109"), "the known start beat ids are: door, inside");
}

#[test]
fn all_unknown_ids_in_a_file_are_reported_at_once() {
    assert_eq!(
        headlines("unknown_ids"),
        [
            "27:37: error[E103]: unknown meter `distres`",
            "36:31: error[E107]: unknown speaker `patt`",
            "38:77: error[E104]: unknown flag `askd`",
            "38:126: error[E106]: unknown technique `introductions`",
            "44:29: error[E108]: unknown outcome category `resolve`",
        ]
    );
    assert_eq!(help_of("unknown_ids", "E108"), "did you mean `resolved`?");
    assert_eq!(help_of("unknown_ids", "E106"), "did you mean `introduction`?");
}

#[test]
fn a_flag_used_as_a_meter_says_so() {
    assert_eq!(headlines("flag_used_as_meter"), ["19:37: error[E103]: unknown meter `asked`"]);
    assert!(help_of("flag_used_as_meter", "E103").contains("`asked` is a flag, not a meter"));
}

#[test]
fn warnings_do_not_block_the_scenario() {
    for (name, line) in [
        (
            "condition_out_of_range",
            "38:91: warning[W201]: this condition compares meter `distress` with 12, outside its range 0–10",
        ),
        ("choice_without_commentary", "38:22: warning[W202]: choice `ask` has no clinician commentary"),
        ("unscored_choice", "39:22: warning[W203]: `leave` is not scored"),
        ("unused_meter_and_flag", "8:82: warning[W205]: meter `trust` is never changed or tested"),
    ] {
        assert_eq!(headlines(name)[0], line);
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/broken/{name}.ron"));
        assert!(check_file(&path, &bundled_rubric()).unwrap().scenario.is_some(), "{name}");
    }
}

#[test]
fn rendered_report_underlines_the_offending_text() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/broken/typo_in_next_beat.ron");
    let checked = check_file(&path, &bundled_rubric()).unwrap();
    let text = checked.report(false);
    assert!(text.contains("next: Go(\"insde\"),"), "{text}");
    assert!(text.contains("───┬───"), "{text}");
    assert!(text.contains("help: did you mean `inside`?"), "{text}");
    assert!(text.contains("typo_in_next_beat.ron:22:30"), "{text}");
}

#[test]
fn a_flag_that_is_tested_but_never_set_is_flagged() {
    assert_eq!(
        headlines("unused_meter_and_flag"),
        [
            "8:82: warning[W205]: meter `trust` is never changed or tested",
            "9:33: warning[W206]: flag `consented` is tested but never set",
        ]
    );
}

#[test]
fn absurd_numbers_are_errors_not_overflows() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/minimal.ron"))
            .unwrap()
            .replace("scores: {\"connection\": 2}", "scores: {\"connection\": 2147483647}")
            .replace("min: 0, max: 10, start: 5", "min: -2147483648, max: 2147483647, start: 5");
    let checked = talkdown::scenario::load::scenario_from_str("absurd.ron", &text);
    let lines: Vec<String> = checked.diagnostics.iter().map(|d| d.headline(&checked.source)).collect();
    // A meter spanning the whole i32 range is beyond the documented bounds (E130).
    assert_eq!(
        lines,
        [
            "absurd.ron:20:30: error[E119]: the score 2147483647 for `connection` is outside -100..100",
            "absurd.ron:8:54: error[E130]: meter `distress` has a min beyond ±1000000",
            "absurd.ron:8:72: error[E130]: meter `distress` has a max beyond ±1000000",
        ]
    );
}
