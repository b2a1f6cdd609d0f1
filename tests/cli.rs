//! The `talkdown` binary as an author or a tester uses it: given these files
//! and this input, it prints this and exits with this code.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn talkdown(args: &[&str], stdin: &str) -> Output {
    // Keep session records out of the user's data directory.
    let records = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_talkdown"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("TALKDOWN_RECORDS", records.path().join("records.sqlite3"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("talkdown runs");
    // The program may exit before reading its input (a refused run): a closed
    // pipe is then expected, not a failure of the test.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn fixture(name: &str) -> String {
    format!("tests/fixtures/{name}")
}

/// A temp folder holding the given files.
fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(d.path().join(name), text).unwrap();
    }
    d
}

fn minimal() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/minimal.ron")).unwrap()
}

/// The minimal scenario with another id, for a file named `{id}.ron`
/// (a scenario file is named after its id: E140).
fn minimal_as(id: &str) -> String {
    minimal().replacen("id: \"minimal\"", &format!("id: \"{id}\""), 1)
}

#[test]
fn validate_a_clean_file_exits_zero() {
    let o = talkdown(&["validate", &fixture("minimal.ron")], "");
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("tests/fixtures/minimal.ron: ok"));
    assert!(stdout(&o).ends_with("checked 1 file: 1 clean, 0 with problems (0 errors, 0 warnings)\n"));
}

#[test]
fn validate_reports_errors_with_the_source_line_and_exits_one() {
    let o = talkdown(&["validate", &fixture("broken/typo_in_next_beat.ron")], "");
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("E102: unknown beat or ending `insde`"), "{out}");
    assert!(out.contains("next: Go(\"insde\"),"), "{out}");
    assert!(out.contains("help: did you mean `inside`?"), "{out}");
    assert!(out.contains("typo_in_next_beat.ron: 1 error, 0 warnings"), "{out}");
}

#[test]
fn one_broken_file_never_stops_the_others_from_being_checked() {
    let d = dir_with(&[
        ("a_good.ron", &minimal_as("a_good")),
        ("b_broken.ron", &minimal_as("b_broken").replace("title: \"Minimal\"", "titel: \"Minimal\"")),
        ("c_warn.ron", &minimal_as("c_warn").replace("commentary: \"Ask consent first.\", ", "")),
    ]);
    let o = talkdown(&["validate", d.path().to_str().unwrap()], "");
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("a_good.ron: ok"), "{out}");
    assert!(out.contains("b_broken.ron: 1 error, 0 warnings"), "{out}");
    assert!(out.contains("c_warn.ron: 0 errors, 1 warning"), "{out}");
    assert!(out.ends_with("checked 3 files: 2 clean, 1 with problems (1 error, 1 warning)\n"), "{out}");
}

#[test]
fn deny_warnings_turns_warnings_into_failure() {
    let d =
        dir_with(&[("warn.ron", &minimal_as("warn").replace("commentary: \"Ask consent first.\", ", ""))]);
    let p = d.path().join("warn.ron");
    assert_eq!(talkdown(&["validate", p.to_str().unwrap()], "").status.code(), Some(0));
    assert_eq!(talkdown(&["validate", "--deny-warnings", p.to_str().unwrap()], "").status.code(), Some(1));
}

#[test]
fn missing_files_and_empty_folders_are_usage_errors_with_a_message() {
    let o = talkdown(&["validate", "no/such/file.ron"], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no/such/file.ron: cannot read"), "{}", stderr(&o));
    let d = tempfile::tempdir().unwrap();
    let o = talkdown(&["validate", d.path().to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no scenario files (*.ron) in this folder"), "{}", stderr(&o));
}

#[test]
fn hostile_files_get_clear_messages_not_panics() {
    let big = "x".repeat(9 * 1024 * 1024);
    let deep = format!(
        "Scenario(beats: [(id: \"a\", choices: [(id: \"c\", text: \"t\", next: Go(\"a\"), when: {}Flag(\"f\"){})])])",
        "Not(".repeat(5000),
        ")".repeat(5000)
    );
    let d = dir_with(&[("big.ron", &big), ("deep.ron", &deep), ("empty.ron", "")]);
    std::fs::write(d.path().join("latin1.ron"), b"Scenario(id: \"caf\xe9\")").unwrap();
    let o = talkdown(&["validate", "--short", d.path().to_str().unwrap()], "");
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{}", stderr(&o));
    assert!(out.contains("big.ron: error[E004]: file is 9.4 MB; scenario files are at most 8 MB"), "{out}");
    assert!(
        out.contains("deep.ron:1:") && out.contains("error[E001]: the file is nested too deeply"),
        "{out}"
    );
    assert!(out.contains("latin1.ron:1:18: error[E003]: the file is not UTF-8 text"), "{out}");
    assert!(out.contains("empty.ron:1:1: error[E001]"), "{out}");
    assert!(!stderr(&o).contains("panicked"));
}

#[test]
fn a_broken_rubric_beside_scenarios_is_reported() {
    let d = dir_with(&[
        ("rubric.ron", "Rubric(dimensions: [], techniques: [], outcomes: [])"),
        ("a.ron", &minimal_as("a")),
    ]);
    let o = talkdown(&["validate", d.path().to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("the rubric has errors"), "{}", stderr(&o));
    assert!(stderr(&o).contains("the rubric has no dimensions"), "{}", stderr(&o));
}

#[test]
fn the_rubric_policy_must_name_harmful_techniques_that_exist() {
    let bundled =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/rubric.ron")).unwrap();
    let rubric = bundled.replace(
        r#"critical_techniques: ["dare", "deception", "prone_restraint"]"#,
        r#"critical_techniques: ["dares", "introduction"]"#,
    );
    assert_ne!(rubric, bundled, "the bundled rubric's policy line changed; update this test");
    let d = dir_with(&[("rubric.ron", &rubric), ("a.ron", &minimal_as("a"))]);
    let o = talkdown(&["validate", d.path().to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("unknown technique `dares` in the policy's critical techniques"), "{err}");
    assert!(err.contains("did you mean `dare`?"), "{err}");
    assert!(err.contains("`introduction` is a helpful technique"), "{err}");
}

#[test]
fn analyze_prints_reachable_endings_and_best_route() {
    let o = talkdown(&["analyze", &fixture("every_feature.ron")], "");
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.contains("5 beats, 11 choices, 4 endings"), "{out}");
    assert!(out.contains("total: +11, ending `accepts_help`"), "{out}");
    assert!(out.contains("total: -10, ending `left_alone`"), "{out}");
    assert!(!out.contains("NOT REACHABLE"), "{out}");
}

/// Issue 11.5: the analysis speaks to an author, not only to the analyzer.
#[test]
fn analyze_explains_its_figures_and_lists_the_critical_choices() {
    let o = talkdown(&["analyze", &fixture("every_feature.ron")], "");
    let out = stdout(&o);
    assert!(out.contains("In plain words: every route through the scenario was followed."), "{out}");
    assert!(out.contains("Critical choices (2; any one of them means \"not yet at standard\""), "{out}");
    let line = out.lines().find(|l| l.contains(" grab ")).unwrap_or_else(|| panic!("{out}"));
    assert!(line.trim_start().starts_with("arrival"), "{line}");
    assert!(out.lines().any(|l| l.contains(" leave ") && l.trim_start().starts_with("deflect")), "{out}");
    // Grades in the rubric's own words: an author wrote `Bad`, not `reviewed`.
    let left = out.lines().find(|l| l.trim_start().starts_with("left_alone")).unwrap();
    assert!(left.contains(" Bad ") && !left.contains("reviewed"), "{left}");
}

#[test]
fn analyze_json_is_machine_readable() {
    let o = talkdown(&["analyze", "--json", &fixture("every_feature.ron")], "");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["format_version"], 1);
    assert_eq!(v["best"]["total"]["score"], 11);
    assert_eq!(v["best"]["total"]["steps"].as_array().unwrap().len(), 4);
    assert_eq!(v["best"]["total"]["steps"][0]["choice"], "introduce");
    assert_eq!(v["endings"][0]["reachable"], true);
    assert_eq!(v["counts"]["start_states"], 2);
}

#[test]
fn analyze_refuses_a_broken_scenario_with_its_diagnostics() {
    let o = talkdown(&["analyze", &fixture("broken/typo_in_next_beat.ron")], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown beat or ending `insde`"), "{}", stderr(&o));
}

#[test]
fn graph_exports_dot_and_mermaid() {
    let dot = stdout(&talkdown(&["graph", &fixture("every_feature.ron"), "--format", "dot"], ""));
    assert!(dot.starts_with("digraph \"every_feature\" {"));
    assert!(dot.contains("\"talk\" -> \"disclose\" [label=\"ask_directly: Are you thinking about killing yourself? [75%]\", style=dashed];"), "{dot}");
    assert!(dot.contains("\"accepts_help\" [shape=doubleoctagon"), "{dot}");
    let mm = stdout(&talkdown(&["graph", &fixture("every_feature.ron"), "--format", "mermaid"], ""));
    assert!(mm.starts_with("flowchart LR\n"));
    assert!(mm.contains("timeout 20s"), "{mm}");
    // Issue 11.4: conditions in words, critical and conditional choices
    // marked, the start marked, grades in words, in every format.
    for text in [&dot, &mm] {
        assert!(text.contains("[if trust ≥ 4]"), "{text}");
        assert!(text.contains("(only if introduced)"), "{text}");
        assert!(text.contains("⚠ critical grab"), "{text}");
        assert!(text.contains("▶ start: arrival"), "{text}");
        assert!(text.contains(", Bad)"), "{text}");
    }
    assert!(!dot.contains("if rule"), "{dot}");
}

#[test]
fn graph_draws_svg_and_an_html_page_with_no_graphviz() {
    let o = talkdown(&["graph", &fixture("every_feature.ron"), "--format", "svg"], "");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let svg = stdout(&o);
    assert!(svg.starts_with("<?xml") && svg.trim_end().ends_with("</svg>"), "{svg}");
    for text in [
        "▶ start: arrival",
        "⚠ critical grab",
        "[if trust ≥ 4]",
        "A warm hand-off (voluntary_help, Good)",
        "Left alone (death, Bad)",
        "arrival · timed 20s",
    ] {
        assert!(svg.contains(text), "{text} missing from the SVG");
    }
    // Every beat and ending is drawn as a box.
    assert!(svg.matches("<rect").count() >= 5 + 4, "{svg}");
    let o = talkdown(&["graph", &fixture("every_feature.ron"), "--format", "html"], "");
    assert_eq!(o.status.code(), Some(0));
    let html = stdout(&o);
    assert!(
        html.starts_with("<!DOCTYPE html>") && html.contains("<svg") && !html.contains("<?xml"),
        "{html}"
    );
    assert!(html.contains("▶ marks the start"), "{html}");
    // Nothing is fetched: no scripts, no external links.
    assert!(!html.contains("<script") && !html.contains("https://"), "{html}");
}

#[test]
fn play_with_piped_input_reaches_an_ending_and_shows_the_debrief() {
    let o = talkdown(&["play", &fixture("every_feature.ron"), "--seed", "4", "--no-shuffle"], "1\n3\n1\n1\n");
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("DISPATCH: Clinic staff report"), "{out}");
    assert!(out.contains("You: I'm Alex. I'm not here to arrest anyone. Can I sit over here?"), "{out}");
    assert!(out.contains("  ↳ He lets you stay."), "training mode shows feedback: {out}");
    assert!(out.contains("Distress"), "training mode shows meters: {out}");
    assert!(out.contains("═══ A warm hand-off ═══"), "{out}");
    assert!(out.contains("Score: 11 of 11 best achievable (100%)"), "{out}");
}

#[test]
fn assessment_mode_shows_no_meters_or_feedback() {
    let o = talkdown(
        &[
            "play",
            &fixture("every_feature.ron"),
            "--seed",
            "4",
            "--no-shuffle",
            "--mode",
            "assessment",
            "--yes",
        ],
        "1\n3\n1\n1\n",
    );
    let out = stdout(&o);
    assert!(!out.contains("Distress"), "{out}");
    assert!(!out.contains("↳"), "{out}");
    assert!(out.contains("Score: 11 of 11"), "{out}");
}

#[test]
fn play_output_is_deterministic_for_a_seed_and_input() {
    let args = ["play", "tests/fixtures/every_feature.ron", "--seed", "77"];
    let a = stdout(&talkdown(&args, "2\n1\n1\n1\n1\n"));
    let b = stdout(&talkdown(&args, "2\n1\n1\n1\n1\n"));
    assert_eq!(a, b);
}

#[test]
fn bad_input_at_the_prompt_gets_a_message_and_another_chance() {
    let o = talkdown(&["play", &fixture("every_feature.ron"), "--seed", "4", "--no-shuffle"], "x\n9\n\n3\n");
    let out = stdout(&o);
    assert!(
        out.contains("Please type a number from 1 to 3, t to let the time run out, or q to stop."),
        "{out}"
    );
    assert!(out.contains("choice 9 is not offered here (choose 1 to 3)."), "{out}");
    assert!(out.contains("═══ A struggle ═══"), "{out}");
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn t_lets_the_timer_run_out_only_on_timed_beats() {
    let o = talkdown(&["play", &fixture("every_feature.ron"), "--seed", "4", "--no-shuffle"], "t\nt\n");
    let out = stdout(&o);
    assert!(out.contains("(You let the moment pass.)"), "{out}");
    assert!(out.contains("This moment is not timed; choose 1 to"), "{out}");
}

#[test]
fn end_of_input_leaves_the_run_unfinished_with_exit_one() {
    let o = talkdown(&["play", &fixture("every_feature.ron"), "--seed", "4"], "1\n");
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("Input ended before the scenario finished"), "{}", stdout(&o));
    assert!(!stderr(&o).contains("panicked"));
}

#[test]
fn play_writes_html_and_json_debriefs() {
    let d = tempfile::tempdir().unwrap();
    let html: PathBuf = d.path().join("debrief.html");
    let json: PathBuf = d.path().join("debrief.json");
    let o = talkdown(
        &[
            "play",
            &fixture("every_feature.ron"),
            "--seed",
            "4",
            "--no-shuffle",
            "--trainee",
            "Cadet Rivera",
            "--html",
            html.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ],
        "3\n",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("Trainee: Cadet Rivera"));
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["critical_errors"][0]["choice"], "grab");
}

#[test]
fn play_accepts_a_bundled_scenario_id() {
    let d = dir_with(&[("minimal.ron", &minimal())]);
    let o = talkdown(
        &["--scenarios", d.path().to_str().unwrap(), "play", "minimal", "--seed", "1", "--no-shuffle"],
        "1\n1\n",
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("═══ All well ═══"));
}

// ---- Issue 10: limits, bounded reads, BOM, id form, rubric --short ----

#[test]
fn a_meter_range_that_would_overflow_is_refused_with_a_located_error() {
    let text = minimal_as("huge").replace(
        "min: 0, max: 10, start: 5",
        "min: -1073741824, max: 1073741824, start: (-1073741824, 1073741824)",
    );
    let d = dir_with(&[("huge.ron", &text)]);
    let o = talkdown(&["validate", "--short", d.path().join("huge.ron").to_str().unwrap()], "");
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    for field in ["min", "max", "start"] {
        assert!(
            out.contains(&format!("error[E130]: meter `distress` has a {field} beyond ±1000000")),
            "{out}"
        );
    }
    assert!(out.contains("huge.ron:8:"), "located on the meter's line: {out}");
    // And it can no longer be played into an abort.
    let o = talkdown(&["analyze", d.path().join("huge.ron").to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("E130"), "{}", stderr(&o));
}

#[test]
fn a_state_space_beyond_the_analyzer_gets_a_warning() {
    let text = r#"Scenario(
    id: "huge",
    about: (title: "Huge", summary: "Too many states.", difficulty: Introductory, minutes: 1, version: "1"),
    briefing: (dispatch: "A welfare check.", setting: "A doorstep."),
    cast: [(id: "pat", name: "Pat", role: Subject)],
    meters: [
        (id: "a", name: "A", min: 0, max: 3000, start: 0),
        (id: "b", name: "B", min: 0, max: 3000, start: 0),
    ],
    start: "door",
    beats: [
        (id: "door", lines: [(speaker: "pat", text: "Who is it?")], choices: [
            (id: "up_a", text: "Up A.", effects: [Raise("a", 1)], scores: {"connection": 1}, commentary: "c", next: Go("door")),
            (id: "up_b", text: "Up B.", effects: [Raise("b", 1)], scores: {"connection": 1}, commentary: "c", next: Go("door")),
            (id: "go", text: "Go.", scores: {"connection": 1}, commentary: "c", next: Go("ok")),
        ]),
    ],
    endings: [(id: "ok", outcome: "resolved", title: "Done", narrative: "Done.", commentary: "Done.")],
    debrief: (commentary: "x"),
)"#;
    let d = dir_with(&[("huge.ron", text)]);
    let o = talkdown(&["validate", "--short", d.path().join("huge.ron").to_str().unwrap()], "");
    let out = stdout(&o);
    assert!(out.contains("warning[W230]: the scenario has too many states to analyse"), "{out}");
    assert!(out.contains("huge.ron:6:"), "located at the meters: {out}");
    assert!(!out.contains("W217"), "one warning for one cause, not W217 beside W230: {out}");
    let o = talkdown(&["validate", d.path().join("huge.ron").to_str().unwrap()], "");
    assert!(stdout(&o).contains("were skipped too"), "the help says the checks were skipped: {}", stdout(&o));
}

#[test]
fn reads_stop_at_the_limit_whatever_the_file_is() {
    let o = talkdown(&["validate", "--short", "/dev/zero"], "");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).contains("error[E004]: file is more than 8 MB"), "{}", stdout(&o));

    let d = tempfile::tempdir().unwrap();
    let fifo = d.path().join("endless.ron");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let writer_path = fifo.clone();
    let writer = std::thread::spawn(move || {
        let mut f = std::fs::OpenOptions::new().write(true).open(writer_path).unwrap();
        let block = vec![b' '; 64 * 1024];
        // Endless, until the reader stops reading and closes its end.
        while f.write_all(&block).is_ok() {}
    });
    let o = talkdown(&["validate", "--short", fifo.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).contains("error[E004]: file is more than 8 MB"), "{}", stdout(&o));
    writer.join().unwrap();
}

#[test]
fn a_utf8_byte_order_mark_is_accepted() {
    let d = dir_with(&[("bom.ron", &format!("\u{feff}{}", minimal_as("bom")))]);
    let o = talkdown(&["validate", d.path().join("bom.ron").to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("bom.ron: ok"), "{}", stdout(&o));
}

#[test]
fn choice_ids_must_be_lowercase_letters_digits_and_underscores() {
    let text = minimal_as("ids").replace("id: \"knock\"", "id: \"Knock Again\"");
    let d = dir_with(&[("ids.ron", &text)]);
    let o = talkdown(&["validate", "--short", d.path().join("ids.ron").to_str().unwrap()], "");
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("ids.ron:16:"), "located at the id: {out}");
    assert!(
        out.contains("error[E131]: choice id `Knock Again` is not lowercase letters, digits and underscores"),
        "{out}"
    );
    let o = talkdown(&["validate", d.path().join("ids.ron").to_str().unwrap()], "");
    assert!(stdout(&o).contains("knock_again"), "the help suggests one: {}", stdout(&o));
}

#[test]
fn a_broken_rubric_honours_short_and_the_summary_adds_up() {
    let d = dir_with(&[
        ("rubric.ron", "Rubric(dimensions: [], techniques: [], outcomes: [])"),
        ("a.ron", &minimal_as("a")),
    ]);
    let o = talkdown(&["validate", "--short", d.path().to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("rubric.ron:1:") && err.contains("error[E118]: the rubric has no dimensions"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 2, "a header and one line per problem: {err}");
    assert!(
        stdout(&o).ends_with("checked 1 file: 0 clean, 1 with problems (1 error, 0 warnings)\n"),
        "{}",
        stdout(&o)
    );
}

// ---- Issue 11: the guide's own rules are checked ----

#[test]
fn a_file_must_be_named_after_its_id() {
    let d = dir_with(&[("park.ron", &minimal_as("park_bench")), ("_draft.ron", &minimal_as("anything"))]);
    let o = talkdown(&["validate", d.path().to_str().unwrap()], "");
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("E140: the file `park.ron` is not named after its id `park_bench`"), "{out}");
    let help: String = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        help.contains("rename the file to `park_bench.ron`, or change the id to `\"park\"`"),
        "the help shows both names: {out}"
    );
    assert!(out.contains("_draft.ron: ok"), "templates are exempt: {out}");
    // Located at the id, and the misnamed file cannot be played.
    let o = talkdown(&["validate", "--short", d.path().join("park.ron").to_str().unwrap()], "");
    assert!(stdout(&o).contains("park.ron:4:9: error[E140]"), "{}", stdout(&o));
    // No input: play stops before reading any (a write could meet a closed pipe).
    let o = talkdown(&["play", d.path().join("park.ron").to_str().unwrap(), "--no-records"], "");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("E140"), "{}", stderr(&o));
}

#[test]
fn two_files_in_one_folder_with_the_same_id_are_both_marked() {
    let d = dir_with(&[("minimal.ron", &minimal()), ("copy.ron", &minimal()), ("_draft.ron", &minimal())]);
    let o = talkdown(&["validate", "--short", d.path().to_str().unwrap()], "");
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    let e141: Vec<&str> = out.lines().filter(|l| l.contains("error[E141]")).collect();
    assert_eq!(e141.len(), 2, "each of the two files is marked, the draft is not: {out}");
    assert!(
        e141.iter().any(|l| l.contains("copy.ron:4:9:") && l.contains("this one and `minimal.ron`")),
        "{out}"
    );
    assert!(
        e141.iter().any(|l| l.contains("minimal.ron:4:9:") && l.contains("this one and `copy.ron`")),
        "{out}"
    );
    assert!(!out.contains("_draft.ron:4:9: error"), "{out}");
    // The full form says where the other one's id is.
    let o = talkdown(&["validate", d.path().to_str().unwrap()], "");
    assert!(stdout(&o).contains("copy.ron:4:9"), "{}", stdout(&o));
}

#[test]
fn the_library_switch_checks_the_standard_the_guide_states() {
    let o = talkdown(&["validate", "--short", "--library", &fixture("minimal.ron")], "");
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "warnings only: {out}");
    for line in [
        "warning[W240]: the best route has 2 decisions; a library scenario needs at least 8",
        "warning[W241]: beat `door` on the best route offers 2 options",
        "warning[W242]: the endings are of 2 kinds (disengaged, resolved)",
        "warning[W243]: no choice leads on by the state of the call",
        "warning[W244]: luck never changes the outcome",
        "warning[W245]: no beat has a timer",
    ] {
        assert!(out.contains(line), "{line}\n{out}");
    }
    // Without the switch, none of it.
    let o = talkdown(&["validate", "--short", &fixture("minimal.ron")], "");
    assert!(!stdout(&o).contains("W24"), "{}", stdout(&o));
    let o = talkdown(&["validate", "--library", "--deny-warnings", &fixture("minimal.ron")], "");
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn the_bundled_library_meets_the_library_standard() {
    let o = talkdown(&["validate", "--short", "--library", "--deny-warnings", "scenarios/"], "");
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(!stdout(&o).contains("warning["), "{}", stdout(&o));
}

// ---- Review status: `talkdown review` stamps, `validate` notices an edit,
// an assessment on a scenario that is not clinically reviewed asks first.

/// `talkdown` with the session records in `db`.
fn talkdown_recording(args: &[&str], stdin: &str, db: &Path) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_talkdown"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("TALKDOWN_RECORDS", db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("talkdown runs");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn sessions_of(db: &Path, trainee: &str) -> usize {
    if !db.exists() {
        return 0;
    }
    talkdown::records::Store::open(db).unwrap().history(trainee).unwrap().len()
}

#[test]
fn assessment_on_a_scenario_not_clinically_reviewed_asks_and_n_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("records.sqlite3");
    let args = [
        "play",
        "tests/fixtures/every_feature.ron",
        "--seed",
        "4",
        "--no-shuffle",
        "--mode",
        "assessment",
        "--trainee",
        "Cadet Q",
    ];
    let o = talkdown_recording(&args, "n\n1\n3\n1\n1\n", &db);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("This scenario is not clinically reviewed (Draft)"), "{out}");
    assert!(out.contains("Run it as an assessment anyway? [y/N]"), "{out}");
    assert!(!out.contains("DISPATCH"), "declined: the scenario must not start: {out}");
    assert!(stderr(&o).contains("not started (nothing recorded)"), "{}", stderr(&o));
    assert_eq!(sessions_of(&db, "Cadet Q"), 0);
    // Input that ends before an answer is a no, too.
    let o = talkdown_recording(&args, "", &db);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(sessions_of(&db, "Cadet Q"), 0);

    let o = talkdown_recording(&args, "y\n1\n3\n1\n1\n", &db);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("Score: 11 of 11"), "{}", stdout(&o));
    assert_eq!(sessions_of(&db, "Cadet Q"), 1);
}

#[test]
fn training_mode_never_asks() {
    let o = talkdown(&["play", &fixture("every_feature.ron"), "--seed", "4", "--no-shuffle"], "1\n3\n1\n1\n");
    assert_eq!(o.status.code(), Some(0));
    assert!(!stdout(&o).contains("[y/N]"));
}

/// A temp folder with `minimal.ron` (named after its id) in it.
fn minimal_copy() -> (tempfile::TempDir, PathBuf) {
    let d = dir_with(&[("minimal.ron", &minimal())]);
    let p = d.path().join("minimal.ron");
    (d, p)
}

#[test]
fn review_stamps_in_place_keeping_comments_and_validate_notices_a_later_edit() {
    let (_d, path) = minimal_copy();
    let p = path.to_str().unwrap();
    let before = std::fs::read_to_string(&path).unwrap();
    let o = talkdown(
        &[
            "review",
            "--status",
            "team-reviewed",
            "--reviewer",
            "Talkdown content team",
            "--date",
            "2026-12-01",
            p,
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("Team reviewed by Talkdown content team on 2026-12-01 (content "),
        "{}",
        stdout(&o)
    );
    let after = std::fs::read_to_string(&path).unwrap();
    // Only the block was added: every line of the original is still there, in order.
    let added: Vec<&str> = after.lines().filter(|l| !before.lines().any(|b| b == *l)).collect();
    assert_eq!(added.len(), 6, "{after}");
    assert!(added[0].trim() == "review: (" && added[1].trim() == "status: TeamReviewed,", "{added:?}");
    assert!(after.starts_with("// The smallest valid scenario"), "comments kept");
    let o = talkdown(&["validate", "--deny-warnings", p], "");
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("review status: 1 team reviewed"), "{}", stdout(&o));

    // Reformatting and comments do not count; a changed word does.
    std::fs::write(&path, format!("// a new comment\n{}", after.replace("    briefing:", "  briefing:")))
        .unwrap();
    assert_eq!(talkdown(&["validate", "--deny-warnings", p], "").status.code(), Some(0));
    std::fs::write(&path, after.replace("Who is it?", "Who's there?")).unwrap();
    let o = talkdown(&["validate", "--deny-warnings", "--short", p], "");
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("warning[W250]: the scenario changed since its review (reviewed content"), "{out}");
    assert!(out.contains("1 changed since review (W250), counted as draft"), "{out}");

    // Stamped again, it is clean; the block is updated in place, not added twice.
    let o =
        talkdown(&["review", "--status", "clinically-reviewed", "--reviewer", "Dr. Jane Lee, LCSW", p], "");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let again = std::fs::read_to_string(&path).unwrap();
    assert_eq!(again.matches("review: (").count(), 1, "{again}");
    assert!(
        again.contains("status: ClinicallyReviewed,") && again.contains("reviewer: \"Dr. Jane Lee, LCSW\",")
    );
    assert_eq!(talkdown(&["validate", "--deny-warnings", p], "").status.code(), Some(0));
}

#[test]
fn review_refuses_a_scenario_with_errors_and_bad_arguments() {
    let broken = std::fs::read_to_string(fixture("broken/typo_in_next_beat.ron")).unwrap();
    let d = dir_with(&[("minimal.ron", &broken)]);
    let p = d.path().join("minimal.ron");
    let o = talkdown(&["review", "--status", "team-reviewed", "--reviewer", "Team", p.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not stamped: the scenario has errors"), "{}", stderr(&o));
    assert!(stderr(&o).contains("E102"), "the errors are shown: {}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&p).unwrap(), broken, "the file is untouched");

    let (_d, path) = minimal_copy();
    let p = path.to_str().unwrap();
    let o = talkdown(&["review", "--status", "clinically-reviewed", p], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--reviewer"), "{}", stderr(&o));
    let o = talkdown(&["review", "--status", "draft", "--date", "1/12/2026", p], "");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("YYYY-MM-DD"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), minimal());
}

/// Real control bytes in a scenario (a bell and a bidi override in the title,
/// a clear-screen and a carriage return in a line, a title-setting escape in a
/// choice, a C1 control in a narrative) and in a trainee's name never reach the
/// terminal or the HTML debrief: they are shown as `\u{..}` escapes.
#[test]
fn control_characters_in_scenario_text_never_reach_the_terminal_or_the_html() {
    let text = minimal()
        .replace("title: \"Minimal\"", "title: \"Min\u{7}imal\u{202e}\"")
        .replace("text: \"Who is it?\"", "text: \"Who is it?\u{1b}[2J\r\"")
        .replace("Knock again, harder.", "Knock\u{1b}]0;pwned\u{7} again, harder.")
        .replace("narrative: \"Pat is fine.\"", "narrative: \"Pat is\u{9b}31m fine.\"");
    let d = dir_with(&[("minimal.ron", &text)]);
    let file = d.path().join("minimal.ron");
    let (html, records) = (d.path().join("d.html"), d.path().join("r.sqlite3"));
    let raw = ['\u{1b}', '\u{7}', '\r', '\u{202e}', '\u{9b}'];
    let clean = |what: &str, out: &str| {
        for c in raw {
            assert!(!out.contains(c), "{what} let {c:?} through: {out:?}");
        }
    };
    let run = |args: &[&str], stdin: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_talkdown"))
            .arg("--records")
            .arg(&records)
            .args(args)
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let f = file.to_str().unwrap();
    // knock (the escape in its text), then ask: to the ending with the C1 control.
    let o = run(
        &[
            "play",
            f,
            "--seed",
            "1",
            "--no-shuffle",
            "--trainee",
            "kim\u{1b}[31m",
            "--html",
            html.to_str().unwrap(),
        ],
        "1\n1\n",
    );
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    clean("play", &out);
    assert!(out.contains("Min\\u{7}imal\\u{202e}"), "{out}");
    assert!(out.contains("Who is it?\\u{1b}[2J\\u{d}"), "{out}");
    assert!(out.contains("Knock\\u{1b}]0;pwned\\u{7} again, harder."), "{out}");
    assert!(out.contains("Pat is\\u{9b}31m fine."), "{out}");
    assert!(out.contains("Debrief: Min\\u{7}imal"), "the debrief too: {out}");
    let page = std::fs::read_to_string(&html).unwrap();
    clean("the HTML debrief", &page);
    assert!(page.contains("Knock\\u{1b}]0;pwned\\u{7} again, harder."), "{page}");

    for args in [
        vec!["analyze", f],
        vec!["graph", f],
        vec!["graph", f, "--format", "mermaid"],
        vec!["records", "list"],
        vec!["records", "show", "1"],
        vec!["report", "--scenario", "minimal"],
        vec!["replay", "1", "--scenario", f],
    ] {
        let o = run(&args, "");
        assert!(o.status.code().is_some_and(|c| c < 2), "{args:?}: {}", stderr(&o));
        clean(&args.join(" "), &stdout(&o));
        clean(&args.join(" "), &stderr(&o));
    }
    let report = d.path().join("report.html");
    let o = run(&["report", "--scenario", "minimal", "--html", report.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    clean("the HTML report", &std::fs::read_to_string(&report).unwrap());
}

/// Issue 11.3: a folder's rubric can extend the bundled one; conflicts are reported by code.
#[test]
fn a_rubric_extension_beside_scenarios_is_used_and_its_conflicts_reported() {
    let o = talkdown(&["validate", "--deny-warnings", &fixture("rubric_extension")], "");
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("uses_extension.ron: ok"), "{}", stdout(&o));
    let broken = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/broken/rubric/adds_existing_id.ron"),
    )
    .unwrap();
    let d = dir_with(&[("rubric.ron", &broken), ("a.ron", &minimal_as("a"))]);
    let o = talkdown(&["validate", "--short", d.path().to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(
            "rubric.ron:6:18: error[E150]: `open_question` is already a technique of the bundled rubric"
        ),
        "{err}"
    );
}

// ---- Issue 11.7: spelling ----

/// The bundled library reads correctly (CI installs hunspell-en-us in .ci/setup).
#[test]
fn the_bundled_library_passes_the_spelling_check() {
    let o = talkdown(&["validate", "--spelling", "--deny-warnings", "--short", "scenarios/"], "");
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn spelling_reports_each_unknown_word_with_suggestions_and_knows_names_and_the_word_list() {
    let text = minimal_as("a")
        .replacen("Who is it?\"", "Who is it? Your dauhgter sent you? Ask Mr Okonkwo.\"", 1)
        .replace("Pat is fine.", "Pat\u{2019}s fine, naloxone at hand.")
        .replace("name: \"Pat\"", "name: \"Pat Okonkwo\"");
    let d = dir_with(&[("a.ron", &text), ("words.txt", "# our jargon\nnaloxone\n")]);
    let o = talkdown(&["validate", "--spelling", "--short", d.path().to_str().unwrap()], "");
    let out = stdout(&o);
    // A warning by default: the scenario still validates.
    assert_eq!(o.status.code(), Some(0), "{out}");
    let w: Vec<&str> = out.lines().filter(|l| l.contains("W260")).collect();
    assert_eq!(w.len(), 1, "{out}");
    assert!(w[0].ends_with("a.ron:14:61: warning[W260]: `dauhgter` is not in the dictionary"), "{out}");
    let o = talkdown(&["validate", "--spelling", d.path().to_str().unwrap()], "");
    assert!(stdout(&o).contains("did you mean `daughter`"), "{}", stdout(&o));
    // Without the flag, no spelling check.
    let o = talkdown(&["validate", "--short", d.path().to_str().unwrap()], "");
    assert!(!stdout(&o).contains("W260"), "{}", stdout(&o));
}

#[test]
fn spelling_without_a_dictionary_says_what_to_install() {
    let d = dir_with(&[("a.ron", &minimal_as("a"))]);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_talkdown"));
    let o = cmd
        .args(["validate", "--spelling", d.path().to_str().unwrap()])
        .env("TALKDOWN_DICTIONARY", d.path().join("en_US.dic"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("cannot read the dictionary file") && err.contains("hunspell-en-us"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
