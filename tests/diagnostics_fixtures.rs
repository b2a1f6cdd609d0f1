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
    assert_eq!(headlines("missing_comma"), ["38:156: error[E001]: a comma is missing just before this"]);
    assert!(help_of("missing_comma", "E001").contains("at the end of the previous one"));
}

// ---- Issue 11: reading errors in words an author knows ----

/// The one diagnostic of a fixture: headline, primary label, secondary labels
/// (as `line:col label`) and help.
fn only(name: &str) -> (String, String, Vec<String>, String) {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/broken").join(format!("{name}.ron"));
    let checked = check_file(&path, &bundled_rubric()).unwrap();
    assert_eq!(checked.diagnostics.len(), 1, "{}", checked.report(false));
    let d = &checked.diagnostics[0];
    let prefix = format!("{}:", path.display());
    let at = |l: &talkdown::diagnostics::Label| {
        let (line, col) = checked.source.line_col(l.span.start);
        format!("{line}:{col} {}", l.message)
    };
    (
        d.headline(&checked.source).replacen(&prefix, "", 1),
        d.primary.as_ref().map(at).unwrap_or_default(),
        d.secondary.iter().map(at).collect(),
        d.help.clone().unwrap_or_default(),
    )
}

#[test]
fn curly_quotes_are_named_and_straight_ones_asked_for() {
    let (head, label, _, help) = only("curly_quotes");
    assert_eq!(head, "18:27: error[E001]: a curly quote `\u{201c}` where a straight quote `\"` belongs");
    assert_eq!(label, "18:27 curly quote");
    assert!(help.contains("straight double quotes") && help.contains("plain-text editor"), "{help}");
}

#[test]
fn yes_and_no_are_told_to_be_true_or_false() {
    let (head, label, _, help) = only("yes_for_true");
    assert_eq!(head, "21:31: error[E001]: `no` is not a yes-or-no value here: write `true` or `false`");
    assert_eq!(label, "21:31 write `false` here");
    assert!(help.contains("`true` or `false`"), "{help}");
    assert!(!help.contains("just before"), "the mistake is at the marker, not before it: {help}");
}

#[test]
fn a_range_written_with_a_dash_is_shown_in_range_form() {
    let (head, label, _, help) = only("range_with_dash");
    assert_eq!(head, "8:73: error[E001]: a range is written `(4, 6)`, not `4-6`");
    assert_eq!(label, "8:73 write the range in brackets, with a comma");
    assert!(help.contains("such as `(4, 6)`"), "{help}");
    assert!(!help.contains("float"), "{help}");
}

#[test]
fn an_unclosed_bracket_is_shown_where_it_was_opened() {
    let (head, label, also, help) = only("unclosed_bracket");
    assert_eq!(head, "14:20: error[E001]: the square bracket `[` opened on line 14 is never closed");
    assert_eq!(label, "14:20 opened here, never closed with `]`");
    assert_eq!(also, ["25:9 this `)` closes something opened earlier instead"]);
    assert!(help.contains("add the missing `]`"), "{help}");
    let (head, _, also, _) = only("unclosed_at_end");
    assert_eq!(head, "3:9: error[E001]: the parenthesis `(` opened on line 3 is never closed");
    assert_eq!(also, ["39:57 the file ends here"]);
}

#[test]
fn a_quote_inside_text_is_told_to_be_written_escaped() {
    let (head, label, also, help) = only("quote_inside_text");
    assert_eq!(head, "16:181: error[E001]: a quote mark inside a text ends the text too early");
    assert_eq!(label, "16:181 this quote ends the text");
    assert_eq!(also, ["16:158 the text begins here"]);
    assert!(help.contains("`\\\"`"), "{help}");
}

#[test]
fn a_missing_closing_quote_is_found_on_the_line_that_lost_it() {
    let (head, label, _, help) = only("missing_closing_quote");
    assert_eq!(
        head,
        "18:27: error[E001]: this text has no closing quote, so it runs on past the end of line 18"
    );
    assert_eq!(label, "18:27 the text begins here and is never closed");
    assert_eq!(help, "add the closing `\"` at the end of the text on line 18");
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

// ---- How a scenario judges: score variants, reactions, no-win moments,
// critical marks, guessable choices (tests/fixtures/suspicious/ and broken/).

use talkdown::diagnostics::Diagnostic;
use talkdown::scenario::Rubric;

fn check_in(folder: &str, name: &str, rubric: &Rubric) -> talkdown::scenario::Checked {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(folder).join(format!("{name}.ron"));
    check_file(&path, rubric).expect("fixture readable")
}

fn lines_of(checked: &talkdown::scenario::Checked) -> Vec<String> {
    let name = checked.source.name.clone();
    let prefix = format!("{name}:");
    checked.diagnostics.iter().map(|d| d.headline(&checked.source).replacen(&prefix, "", 1)).collect()
}

/// The headlines of a suspicious fixture (bundled rubric); asserts it still loads.
fn suspicious(name: &str) -> Vec<String> {
    let checked = check_in("suspicious", name, &bundled_rubric());
    assert!(checked.scenario.is_some(), "{name}: warnings must not block the scenario");
    lines_of(&checked)
}

fn find<'a>(checked: &'a talkdown::scenario::Checked, code: &str) -> &'a Diagnostic {
    checked.diagnostics.iter().find(|d| d.code == code).unwrap_or_else(|| panic!("no {code}"))
}

#[test]
fn a_bad_score_variant_reports_every_problem_at_its_text() {
    assert_eq!(
        headlines("bad_score_variant"),
        [
            "21:52: error[E103]: unknown meter `trst`",
            "21:73: error[E105]: unknown rubric dimension `conection`",
            "21:89: error[E119]: the score 500 for `safety` is outside -100..100",
            "21:113: error[E115]: the score variant's reason is empty",
        ]
    );
    assert_eq!(help_of("bad_score_variant", "E103"), "did you mean `trust`?");
}

#[test]
fn a_bad_reaction_names_the_speaker_and_the_empty_text() {
    assert_eq!(
        headlines("bad_reaction"),
        ["30:42: error[E107]: unknown speaker `patt`", "30:56: error[E115]: the reaction's text is empty"]
    );
    assert_eq!(help_of("bad_reaction", "E107"), "did you mean `pat`?");
}

#[test]
fn a_no_win_mark_needs_a_reason() {
    assert_eq!(headlines("empty_no_win_reason"), ["38:21: error[E115]: the no-win reason is empty"]);
}

#[test]
fn a_variant_that_changes_nothing_is_flagged() {
    assert_eq!(
        suspicious("variant_same_as_scores"),
        ["21:73: warning[W207]: score variant 1 of `introduce` gives the same scores as its plain `scores`"]
    );
}

#[test]
fn the_longest_choice_always_winning_is_reported_at_each_give_away() {
    assert_eq!(
        suspicious("longest_choice_wins"),
        [
            "18:27: warning[W209]: at beat `door` the best choice `introduce` is also clearly the longest (56 characters; the next longest has 20)",
            "41:35: warning[W209]: at beat `inside` the best choice `ask` is also clearly the longest (77 characters; the next longest has 8)",
            "10:12: warning[W208]: choices can be guessed without judgement: always choosing the longest text reaches 100 % (+3 of +3)",
        ]
    );
    let checked = check_in("suspicious", "longest_choice_wins", &bundled_rubric());
    assert!(
        find(&checked, "W208").help.as_deref().unwrap().starts_with("at the 2 decision point(s) marked W209")
    );
}

#[test]
fn naive_strategies_report_their_share_of_the_best() {
    use talkdown::scenario::validate::guessable::{NaiveStrategy, naive_strategies};
    let s = check_in("suspicious", "longest_choice_wins", &bundled_rubric()).scenario.unwrap();
    let shares = naive_strategies(&s).unwrap();
    let by = |st: NaiveStrategy| shares.iter().find(|x| x.strategy == st).unwrap().clone();
    // Best: introduce (+2) then ask (+1). Longest takes both; shortest takes neither.
    assert_eq!((by(NaiveStrategy::Longest).with_luck, by(NaiveStrategy::Longest).best), (Some(3), Some(3)));
    assert_eq!(by(NaiveStrategy::Longest).percent, Some(100));
    assert_eq!(by(NaiveStrategy::Shortest).with_luck, Some(-2));
    // First listed: introduce (+2), then leave (-1).
    assert_eq!(by(NaiveStrategy::First).with_luck, Some(1));
    assert_eq!(by(NaiveStrategy::First).percent, Some(33));
    assert!(by(NaiveStrategy::Longest).guessable() && !by(NaiveStrategy::First).guessable());
    // The same scenario written fairly (minimal.ron) is guessable by no rule.
    let fair = check_file(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/minimal.ron"),
        &bundled_rubric(),
    )
    .unwrap()
    .scenario
    .unwrap();
    assert!(naive_strategies(&fair).unwrap().iter().all(|x| !x.guessable()));
}

#[test]
fn a_no_win_moment_is_flagged_unless_the_author_says_why() {
    assert_eq!(
        suspicious("no_win_moment"),
        [
            "37:17: warning[W210]: every choice offered at beat `inside` scores below zero when trust=0 (the best: -1)"
        ]
    );
    // With the author's reason the same moment is deliberate.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/suspicious/no_win_moment.ron");
    let text = std::fs::read_to_string(path).unwrap().replace(
        "            id: \"inside\",\n",
        "            id: \"inside\",\n            no_win: \"After a hard knock Pat will not let anyone help today.\",\n",
    );
    let checked = talkdown::scenario::load::scenario_from_str("deliberate.ron", &text);
    assert!(checked.diagnostics.is_empty(), "{}", checked.report(false));
}

#[test]
fn a_critical_technique_must_be_marked_critical() {
    // The bundled rubric sets no policy yet; an academy's would.
    assert!(suspicious("critical_not_marked").is_empty());
    let mut rubric = bundled_rubric();
    rubric.policy.critical_techniques = vec!["startling".into(), "dare".into()];
    let checked = check_in("suspicious", "critical_not_marked", &rubric);
    assert_eq!(
        lines_of(&checked),
        [
            "30:34: warning[W211]: choice `knock` at beat `door` commits `startling`, which the rubric's policy makes critical, but is not marked critical"
        ]
    );
    assert!(find(&checked, "W211").help.as_deref().unwrap().starts_with("add `critical: true` to `knock`"));
}

#[test]
fn a_critical_mark_needs_a_harmful_technique() {
    assert_eq!(
        suspicious("critical_without_harm"),
        [
            "30:31: warning[W212]: choice `knock` at beat `door` is marked critical but commits no harmful technique"
        ]
    );
}

#[test]
fn a_choice_that_can_never_be_offered_is_reported() {
    assert_eq!(
        suspicious("never_offered"),
        ["42:22: warning[W213]: choice `hug` at beat `inside` can never be offered"]
    );
    let checked = check_in("suspicious", "never_offered", &bundled_rubric());
    assert!(
        find(&checked, "W213")
            .help
            .as_deref()
            .unwrap()
            .starts_with("runs reach `inside` in 2 state(s), e.g. trust=2 [asked]"),
        "{:?}",
        find(&checked, "W213").help
    );
}

#[test]
fn the_same_text_offered_twice_at_once_is_reported() {
    assert_eq!(
        suspicious("same_text_offered_together"),
        [
            "41:35: warning[W214]: choices `leave` and `ask` of beat `inside` are offered at once with the same text"
        ]
    );
}

#[test]
fn two_copies_of_a_choice_get_exact_conversion_help() {
    assert_eq!(
        suspicious("two_copies_of_a_choice"),
        [
            "42:22: warning[W215]: choices `ask` and `ask_low_trust` of beat `inside` are two copies of one choice, scored by state"
        ]
    );
    let checked = check_in("suspicious", "two_copies_of_a_choice", &bundled_rubric());
    assert_eq!(
        find(&checked, "W215").help.as_deref().unwrap(),
        "keep `ask` and remove `ask_low_trust`; add to `ask` `score_variants: [(when: Below(\"trust\",1), \
         scores: {\"assessment\":0}, reason: \"...\")]` with the reason the debrief gives (e.g. \"trust was \
         still low\"); then give `ask` the `when` under which either copy was offered (drop it if one of the \
         two always is: now `AtLeast(\"trust\",1)`)"
    );
}

#[test]
fn a_consequence_the_assessed_trainee_never_sees_is_reported() {
    assert_eq!(
        suspicious("unseen_consequence"),
        [
            "26:25: warning[W216]: in assessment mode the trainee never sees what choice `knock` at beat `door` did"
        ]
    );
    let checked = check_in("suspicious", "unseen_consequence", &bundled_rubric());
    assert!(find(&checked, "W216").help.as_deref().unwrap().starts_with("add `reaction: [(speaker:"));
}

#[test]
fn conditions_in_reactions_and_score_variants_count_as_uses() {
    // `trust` is tested only by a score variant and `asked` only by a reaction line: both
    // are used. `warned` is tested only by a score variant and never set: that variant can
    // never apply, which W206 says (before, all three were missed or misreported as unused).
    assert_eq!(
        suspicious("used_only_in_judgement"),
        ["11:33: warning[W206]: flag `warned` is tested but never set"]
    );
}

// ---- Review status (W250–W253; tests/fixtures/suspicious/review_*.ron).

#[test]
fn a_review_of_other_content_shows_both_hashes_and_how_to_restamp() {
    let checked = check_in("suspicious", "review_changed_since", &bundled_rubric());
    let now = talkdown::scenario::review::review_hash(checked.file.as_ref().unwrap());
    assert_eq!(
        suspicious("review_changed_since"),
        [format!(
            "10:18: warning[W250]: the scenario changed since its review (reviewed content 0123456789abcdef, now {now})"
        )]
    );
    let help = find(&checked, "W250").help.clone().unwrap();
    assert!(help.contains("no longer applies"), "{help}");
    assert!(
        help.contains("`talkdown review --status team-reviewed --reviewer \"Talkdown content team\" review_changed_since.ron`"),
        "{help}"
    );
    // The review counts for nothing now.
    let s = checked.scenario.unwrap();
    assert!(s.review_status().changed_since);
    assert_eq!(s.review_status().effective(), talkdown::scenario::model::ReviewStatus::Draft);
}

#[test]
fn a_review_date_must_be_written_year_month_day() {
    assert_eq!(
        suspicious("review_bad_date"),
        ["6:35: warning[W251]: the review date `1/12/2026` is not a date written YYYY-MM-DD"]
    );
}

#[test]
fn a_reviewed_status_must_name_its_reviewer() {
    assert_eq!(
        suspicious("review_without_reviewer"),
        ["6:13: warning[W252]: `TeamReviewed` names no reviewer"]
    );
}

#[test]
fn the_old_clinical_reviewer_field_is_deprecated() {
    assert_eq!(
        suspicious("clinical_reviewer_field"),
        ["5:129: warning[W253]: `clinical_reviewer` is replaced by the `review:` block"]
    );
    let checked = check_in("suspicious", "clinical_reviewer_field", &bundled_rubric());
    assert!(
        find(&checked, "W253").help.clone().unwrap().contains("talkdown review --status clinically-reviewed")
    );
    // It is not a review.
    assert!(checked.scenario.unwrap().needs_assessment_confirmation());
}

// ---- Issue 11.3: a rubric that extends the bundled one ----

/// Every diagnostic of a broken rubric extension in tests/fixtures/broken/rubric/,
/// as `line:col: headline` (primary label), `  also line:col label` and `  help: ...`.
fn rubric_report(name: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/broken/rubric")
        .join(format!("{name}.ron"));
    let err = talkdown::scenario::load::load_rubric(&path).expect_err("the fixture is broken");
    let talkdown::scenario::load::LoadError::BadRubric { file, diagnostics, .. } = err else {
        panic!("not a rubric error: {err}")
    };
    let prefix = format!("{}:", path.display());
    let mut out = Vec::new();
    for d in &diagnostics {
        let label = d.primary.as_ref().map(|l| l.message.clone()).unwrap_or_default();
        out.push(format!("{} ({label})", d.headline(&file).replacen(&prefix, "", 1)));
        for l in &d.secondary {
            let (line, col) = file.line_col(l.span.start);
            out.push(format!("  also {line}:{col} {}", l.message));
        }
        if let Some(h) = &d.help {
            out.push(format!("  help: {h}"));
        }
    }
    out
}

#[test]
fn an_extension_adds_rewords_and_changes_the_policy_without_copying_the_rubric() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rubric_extension/rubric.ron");
    let r = talkdown::scenario::load::load_rubric(&path).unwrap_or_else(|e| panic!("{}", e.render(false)));
    let bundled = bundled_rubric();
    // Added after the bundled entries, which all stay.
    assert_eq!(r.techniques.len(), bundled.techniques.len() + 1);
    assert_eq!(r.techniques.last().unwrap().id, "language_line");
    assert_eq!(r.dimensions.len(), bundled.dimensions.len() + 1);
    assert_eq!(r.outcomes.last().unwrap().grade, talkdown::scenario::rubric::Grade::Good);
    // Reworded in place: only the words given change.
    let safety = r.dimension("safety").unwrap();
    assert_eq!(safety.name, "Safety (General Order 4.2)");
    assert_eq!(safety.description, bundled.dimension("safety").unwrap().description);
    let oq = r.technique("open_question").unwrap();
    assert_eq!(oq.name, "Open question");
    assert!(oq.description.contains("TED prompts"), "{}", oq.description);
    let force = r.outcome("force").unwrap();
    assert!(force.debrief_note.contains("use-of-force board"));
    assert_eq!(force.grade, bundled.outcome("force").unwrap().grade);
    // Policy values not named stay as bundled.
    assert_eq!(r.policy.pass_percent, 80);
    assert_eq!(r.policy.critical_techniques, bundled.policy.critical_techniques);
    assert_eq!(r.policy.critical_cap_percent, bundled.policy.critical_cap_percent);
    // A scenario beside it uses what it adds.
    let scenario = path.with_file_name("uses_extension.ron");
    let checked =
        check_file(&scenario, &talkdown::scenario::load::rubric_for_dir(path.parent().unwrap()).unwrap())
            .unwrap();
    assert!(checked.diagnostics.is_empty(), "{}", checked.report(false));
    // ... which the bundled rubric alone does not know.
    let plain = check_file(&scenario, &bundled).unwrap();
    assert!(plain.diagnostics.iter().any(|d| d.code == "E106"), "{}", plain.report(false));
}

#[test]
fn an_extension_adding_an_id_the_bundled_rubric_has_says_to_reword_it() {
    assert_eq!(
        rubric_report("adds_existing_id"),
        [
            "6:18: error[E150]: `open_question` is already a technique of the bundled rubric (this id is taken)",
            "  help: to change its words, move it under `reword: (techniques: [(id: \"open_question\", name: \"...\")])`; to add a new technique, give it an id of its own",
        ]
    );
}

#[test]
fn an_extension_rewording_an_unknown_id_suggests_the_nearest() {
    assert_eq!(
        rubric_report("rewords_unknown_id"),
        [
            "5:18: error[E151]: there is no dimension `saftey` in the bundled rubric to reword (no bundled dimension has this id)",
            "  help: did you mean `safety`?",
            "6:18: error[E151]: there is no dimension `open_question` in the bundled rubric to reword (no bundled dimension has this id)",
            "  help: `open_question` is a technique, not a dimension: move it under `reword: (techniques: [...])`",
            "9:18: error[E152]: the reword of `voluntary_help` gives no new words (nothing to change)",
            "  help: give it a new `name`, `description` or `debrief_note`, or remove it",
        ]
    );
}

#[test]
fn an_extension_policy_may_name_added_techniques_but_not_unknown_ones() {
    assert_eq!(
        rubric_report("policy_names_unknown_technique"),
        [
            "8:56: error[E106]: unknown technique `shoutin` in the policy's critical techniques (no technique has this id)",
            "  help: did you mean `shouting`?",
        ]
    );
}

// ---- Issue 14: read-the-subject questions, reflection prompts, labels ----

#[test]
fn a_bad_read_question_reports_each_problem_at_its_text() {
    assert_eq!(
        headlines("bad_read"),
        [
            "14:20: error[E121]: the beat's label on beat `door` is empty",
            "15:22: error[E121]: the reflection prompt on beat `door` is empty",
            "16:30: error[E121]: the read question on beat `door` is empty",
            "16:68: error[E120]: the range (7, 3) runs backwards",
            "16:86: error[E121]: an answer of the read question on beat `door` is empty",
            "16:104: error[E103]: unknown meter `distres`",
            "16:129: error[E120]: the answer `Low` does not say when it is right",
        ]
    );
    assert_eq!(help_of("bad_read", "E103"), "did you mean `distress`?");
    assert_eq!(help_of("bad_read", "E120"), "write the lowest value first: (3, 7)");
}

#[test]
fn a_read_answer_that_is_never_right_overlaps_or_leaves_a_gap_is_flagged_with_the_state() {
    assert_eq!(
        suspicious("read_never_right"),
        [
            "30:20: warning[W273]: beats `door` and `inside` have the same label \"the  door\"",
            "15:94: warning[W270]: the answer `Calm` to the read question at beat `door` can never be right",
            "15:162: warning[W271]: the answers `Uneasy` and `Upset` to the read question at beat `door` are both right when distress=5",
            "31:120: warning[W270]: the answer `Very distressed` to the read question at beat `inside` can never be right",
            "31:30: warning[W272]: no answer to the read question at beat `inside` is right when distress=7",
        ]
    );
}

#[test]
fn a_read_question_needs_two_to_nine_answers_and_ranges_need_the_meter() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reading.ron"))
            .unwrap()
            .replace("                meter: \"distress\",\n", "")
            .replace("(answer: \"Yes\", when: Flag(\"asked\")),", "");
    let checked = talkdown::scenario::load::scenario_from_str("reading.ron", &text);
    assert_eq!(
        lines_of(&checked),
        [
            "19:45: error[E120]: the answer `Calm` gives a range, but the read question names no meter",
            "20:47: error[E120]: the answer `Uneasy` gives a range, but the read question names no meter",
            "21:56: error[E120]: the answer `Very distressed` gives a range, but the read question names no meter",
            "42:26: error[E120]: the read question on beat `inside` has 1 option: give 2 to 9",
        ]
    );
    assert!(checked.scenario.is_none());
}
