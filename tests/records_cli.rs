//! The real `talkdown` binary recording into a store: killed mid-run, two
//! stations writing into one file at once, and the instructor commands.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use talkdown::records::{Filter, Status, Store};

mod common;
use common::too_large_to_analyse;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/every_feature.ron")
}

fn talkdown(records: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_talkdown"));
    c.arg("--records").arg(records).env_remove("TALKDOWN_RECORDS").env("NO_COLOR", "1");
    c
}

/// A running terminal player we answer one prompt at a time.
struct Player {
    child: Child,
    stdin: ChildStdin,
    stdout: ChildStdout,
    seen: String,
}

impl Player {
    fn start(records: &Path, trainee: &str, seed: u64) -> Player {
        let mut child = talkdown(records)
            .args(["play", "--no-shuffle", "--trainee", trainee, "--seed", &seed.to_string()])
            .arg(fixture())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("talkdown starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut p = Player { child, stdin, stdout, seen: String::new() };
        p.wait_for_prompt();
        p
    }

    /// Read until the player asks for a choice (`> ` with nothing after it).
    /// The prompt comes after the previous decision has been recorded.
    fn wait_for_prompt(&mut self) {
        let mut buf = [0u8; 4096];
        loop {
            if self.seen.ends_with("> ") {
                return;
            }
            let n = self.stdout.read(&mut buf).expect("read from the player");
            assert!(n > 0, "the player ended before asking; output so far:\n{}", self.seen);
            self.seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    }

    fn answer(&mut self, line: &str) {
        self.seen.clear();
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
        self.wait_for_prompt();
    }

    fn kill(mut self) {
        self.child.kill().unwrap(); // SIGKILL on Unix
        self.child.wait().unwrap();
    }
}

#[test]
fn a_player_killed_with_sigkill_loses_no_answered_decision() {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("records.sqlite3");
    let mut p = Player::start(&records, "kim", 5);
    // arrival: 1 introduce; talk: 3 reflect; talk_more: 1 ask_now; now at disclose.
    for a in ["1", "3", "1"] {
        p.answer(a);
    }
    assert!(p.seen.contains("Would you walk in with me"), "{}", p.seen);
    p.kill();

    let store = Store::open(&records).expect("the store opens cleanly after the kill");
    store.check_integrity().unwrap();
    let list = store.sessions(&Filter::default()).unwrap();
    assert_eq!(list.len(), 1);
    let s = &list[0];
    assert_eq!(s.trainee, "kim");
    assert_eq!(s.seed, 5);
    assert_eq!(s.status, Status::Abandoned);
    let d = store.decisions(s.id).unwrap();
    let choices: Vec<&str> = d.iter().map(|d| d.choice.as_str()).collect();
    assert_eq!(choices, ["introduce", "reflect", "ask_now"]);
    assert!(d.iter().all(|d| d.response_ms.is_some()));
}

#[test]
fn two_stations_recording_into_one_file_at_once_both_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("records.sqlite3");
    // Both open the (new) file before either has answered anything.
    let mut a = Player::start(&records, "station-a", 1);
    let mut b = Player::start(&records, "station-b", 2);
    // Answers interleaved, so their commits overlap in time.
    let path_a = ["1", "3", "1", "1"]; // introduce, reflect, ask_now, offer_counsellor
    let path_b = ["2", "2", "1", "2"]; // command, cheer_up, stay, hold
    for i in 0..3 {
        a.answer(path_a[i]);
        b.answer(path_b[i]);
    }
    for (mut p, last) in [(a, path_a[3]), (b, path_b[3])] {
        writeln!(p.stdin, "{last}").unwrap();
        drop(p.stdin);
        let mut rest = String::new();
        p.stdout.read_to_string(&mut rest).unwrap();
        let status = p.child.wait().unwrap();
        assert!(status.success(), "{rest}");
        assert!(rest.contains("Debrief"), "{rest}");
    }
    let store = Store::open(&records).unwrap();
    let list = store.sessions(&Filter::default()).unwrap();
    assert_eq!(list.len(), 2);
    for s in &list {
        assert_eq!(s.status, Status::Finished, "{}", s.trainee);
        assert_eq!(s.decisions, 4, "{}", s.trainee);
    }
    assert_eq!(store.history("station-a").unwrap()[0].ending.as_deref(), Some("accepts_help"));
    assert_eq!(store.history("station-b").unwrap()[0].ending.as_deref(), Some("hold"));
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn play_through(records: &Path, trainee: &str, input: &str) -> (i32, String, String) {
    play_with(records, trainee, &[], input)
}

/// As [`play_through`], with more arguments for `play`.
fn play_with(records: &Path, trainee: &str, args: &[&str], input: &str) -> (i32, String, String) {
    let mut child = talkdown(records)
        .args(["play", "--no-shuffle", "--seed", "3", "--trainee", trainee])
        .args(args)
        .arg(fixture())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The program may exit before reading its input (a refused run): a closed
    // pipe is then expected, not a failure of the test.
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn recording_does_not_change_what_the_player_prints() {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("records.sqlite3");
    let (code, recorded, _) = play_through(&records, "lee", "1\n3\n1\n1\n");
    assert_eq!(code, 0);
    let mut c = Command::new(env!("CARGO_BIN_EXE_talkdown"));
    c.args(["play", "--no-records", "--no-shuffle", "--seed", "3", "--trainee", "lee"]).arg(fixture());
    let mut child = c.stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    // The program may exit before reading its input (a refused run): a closed
    // pipe is then expected, not a failure of the test.
    let _ = child.stdin.take().unwrap().write_all(b"1\n3\n1\n1\n");
    let plain = String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap();
    assert_eq!(recorded, plain);
}

#[test]
fn a_store_that_cannot_be_opened_warns_and_the_player_still_runs() {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("records.sqlite3");
    std::fs::write(&records, b"this is not a database, but someone's notes").unwrap();
    let (code, out, err) = play_through(&records, "lee", "1\n3\n1\n1\n");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Debrief"), "{out}");
    // Issue 10: the run is not dropped but kept in a rescue file beside it.
    assert!(err.contains("left untouched") && err.contains("records.sqlite3"), "{err}");
    assert!(err.contains("is recorded in") && err.contains("records.rescue-"), "{err}");
    assert_eq!(std::fs::read(&records).unwrap(), b"this is not a database, but someone's notes");
}

#[test]
fn instructor_commands_list_report_export_and_replay() {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("records.sqlite3");
    assert_eq!(play_through(&records, "ana", "1\n3\n1\n1\n").0, 0);
    assert_eq!(play_through(&records, "ben", "3\n").0, 0);
    assert_eq!(play_through(&records, "cy", "2\nq\n").0, 1);

    let (code, out, _) = run(talkdown(&records).args(["records", "list"]));
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 4, "{out}");
    assert!(out.contains("abandoned") && out.contains("quit"), "{out}");
    // Issue 9: the verdict and the process score sit beside the points.
    assert!(out.lines().next().unwrap().contains("verdict  process"), "{out}");
    for who in ["ana", "ben"] {
        let line = out.lines().find(|l| l.contains(who)).unwrap();
        assert!(line.contains("meets") || line.contains("not yet"), "{line}");
        assert!(line.contains('%'), "{line}");
    }
    let (_, out, _) = run(talkdown(&records).args(["records", "list", "--trainee", "ben"]));
    assert_eq!(out.lines().count(), 2, "{out}");

    let html = dir.path().join("report.html");
    let (code, out, _) = run(talkdown(&records)
        .args(["report", "--scenario", "every_feature", "--since", "2000-01-01", "--html"])
        .arg(&html));
    assert_eq!(code, 0);
    assert!(out.contains("Attempts: 3   Finished: 2   Abandoned: 1"), "{out}");
    assert!(std::fs::read_to_string(&html).unwrap().contains("<svg"));

    let (code, out, _) = run(talkdown(&records).args(["records", "export", "--format", "csv"]));
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 1 + 4 + 1 + 1, "{out}");
    let (_, out, _) =
        run(talkdown(&records).args(["records", "export", "--format", "json", "--trainee", "ana"]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["sessions"].as_array().unwrap().len(), 1);
    let (_, out, _) = run(talkdown(&records).args(["records", "export", "--format", "xapi"]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 6 + 3);

    let (code, out, err) = run(talkdown(&records).args(["replay", "1"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Replay matches the record: 4 decisions"), "{out}");

    // The scenario file changes after the session: replay refuses clearly.
    let changed = dir.path().join("every_feature.ron");
    let text = std::fs::read_to_string(fixture()).unwrap().replace("Sam walks in with you.", "Sam goes in.");
    std::fs::write(&changed, text).unwrap();
    let (code, out, err) = run(talkdown(&records).args(["replay", "1", "--scenario"]).arg(&changed));
    assert_eq!(code, 1);
    assert!(err.contains("has changed since session 1") && err.contains("Nothing was replayed"), "{err}");
    assert!(out.is_empty(), "{out}");

    let (code, _, err) = run(talkdown(&records).args(["replay", "99"]));
    assert_eq!(code, 2);
    assert!(err.contains("no session 99"), "{err}");

    let (code, _, err) = run(talkdown(&dir.path().join("none.sqlite3")).args(["records", "list"]));
    assert_eq!(code, 2);
    assert!(err.contains("no records at"), "{err}");
}

#[test]
fn a_scenario_too_large_to_analyse_still_ends_with_a_debrief_and_a_finished_record() {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("records.sqlite3");
    let scenario = dir.path().join("wide.ron");
    std::fs::write(&scenario, too_large_to_analyse()).unwrap();
    let (html, json) = (dir.path().join("debrief.html"), dir.path().join("debrief.json"));
    let (code, out, err) = run(talkdown(&records).arg("validate").arg(&scenario));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("W230"), "the author was warned: {out}");

    // raise_b (−1; introducing, +2, was better), introduce (+2, the best), leave (−1; ask, +2, was better).
    let mut child = talkdown(&records)
        .args(["play", "--no-shuffle", "--seed", "3", "--trainee", "kim"])
        .arg(&scenario)
        .arg("--html")
        .arg(&html)
        .arg("--json")
        .arg(&json)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"2\n9\n2\n").unwrap();
    let o = child.wait_with_output().unwrap();
    let (out, err) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert_eq!(o.status.code(), Some(0), "{out}\n{err}");
    assert!(!err.contains("cannot score"), "{err}");
    assert!(out.contains("Debrief: Eight meters"), "{out}");
    assert!(out.contains("Judged step by step"), "the debrief says how it judged: {out}");
    assert!(out.contains("Decisions (1 of 3 the best available)"), "{out}");
    assert!(
        out.contains("Better here: Police, I'm Sam. Your daughter asked us to check on you. (+2)"),
        "{out}"
    );
    assert!(out.contains("Better here: Can I check you're alright? (+2)"), "{out}");
    assert!(out.contains("Process: 0 %, 0.0 of 6.0 points judged step by step"), "{out}");

    let j: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(j["judgement"], "step_by_step");
    assert!(j["judgement_note"].as_str().unwrap().contains("too large to analyse exactly"));
    assert_eq!(j["decisions"][0]["better"]["choice"], "introduce");
    assert!(std::fs::read_to_string(&html).unwrap().contains("<p class=\"judgement\">Judged step by step"));

    let store = Store::open(&records).unwrap();
    let list = store.sessions(&Filter::default()).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].status, Status::Finished, "finished, not abandoned");
    assert_eq!(list[0].decisions, 3);
    assert_eq!(store.history("kim").unwrap()[0].ending.as_deref(), Some("left"));
}

/// Issue 15: a timing accommodation is on the record, not a secret.
#[test]
fn a_timing_accommodation_is_shown_recorded_replayed_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("records.sqlite3");
    let play = |trainee: &str, timing: &str, mode: &str, input: &str| {
        play_with(&records, trainee, &["--timing", timing, "--mode", mode], input)
    };
    // The fixture's first moment is authored with 20 seconds.
    let (code, out, err) = play("ana", "x1.5", "training", "1\n3\n1\n1\n");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("TIMED: 1 moment has a countdown; time allowed: extended time ×1.5"), "{out}");
    assert!(out.contains("(You have 30 seconds."), "{out}");
    assert!(out.contains("Timing: extended time ×1.5 (an accommodation"), "{out}");

    // Untimed: no countdown, and `t` still lets the moment pass.
    let (code, out, err) = play("ben", "untimed", "training", "t\nq\n");
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("(Untimed: take your time. Type t to let the moment pass.)"), "{out}");
    assert!(!out.contains("seconds."), "{out}");

    // An assessment keeps a clock: refused before anything is recorded.
    let (code, _, err) = play("cy", "untimed", "assessment", "1\n");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("untimed play is for training"), "{err}");
    let (code, _, err) = play("cy", "slow", "training", "1\n");
    assert_eq!(code, 2);
    assert!(err.contains("standard, x1.5, x2 or untimed"), "{err}");

    let (_, standard, _) = play("dee", "standard", "training", "1\n3\n1\n1\n");
    assert!(!standard.contains("Timing:") && standard.contains("(You have 20 seconds."), "{standard}");

    let store = Store::open(&records).unwrap();
    let sessions = store.sessions(&Filter::default()).unwrap();
    let timing = |who: &str| sessions.iter().find(|s| s.trainee == who).map(|s| s.timing.label());
    assert_eq!(timing("ana"), Some("x1.5"));
    assert_eq!(timing("ben"), Some("untimed"));
    assert_eq!(timing("cy"), None, "a refused run leaves no record");
    assert_eq!(timing("dee"), Some("standard"));
    drop(store);

    let (code, out, err) = run(talkdown(&records).args(["replay", "1"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Replay matches the record"), "{out}");

    let (code, out, _) = run(talkdown(&records).args(["report", "--scenario", "every_feature"]));
    assert_eq!(code, 0);
    assert!(
        out.contains("Timing accommodations: 2 of 3 sessions (extended time ×1.5: 1, untimed: 1)"),
        "{out}"
    );
    let (_, out, _) =
        run(talkdown(&records).args(["records", "export", "--format", "json", "--trainee", "ana"]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["sessions"][0]["timing"], "x1.5", "{out}");
}

/// `talkdown replay SESSION --rewind STEP` with `input` on standard input.
fn rewind(records: &Path, args: &[&str], input: &str) -> (i32, String, String) {
    let mut child = talkdown(records)
        .arg("replay")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn replay_rewind_plays_on_from_a_decision_and_records_a_linked_run() {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("records.sqlite3");
    let (code, original, _) = play_through(&records, "ana", "1\n3\n1\n1\n");
    assert_eq!(code, 0);

    let html = dir.path().join("rewound.html");
    let (code, out, err) =
        rewind(&records, &["1", "--rewind", "2", "--html", html.to_str().unwrap()], "2\n1\n1\n1\n1\n1\n");
    assert_eq!(code, 0, "{err}\n{out}");
    assert!(err.contains("rewinding session 1 to decision 2"), "{err}");
    // The transcript up to the fork is the original's, word for word: the
    // briefing and the first moment, then the first answer and its reaction.
    let first_moment = &original[..original.find("  Distress").unwrap()];
    assert!(out.starts_with(first_moment), "{out}\n---\n{original}");
    let answered = "You: I'm Alex. I'm not here to arrest anyone. Can I sit over here?\nSam: “...Fine. Sit, if you want.”\n";
    assert!(original.contains(answered) && out.contains(answered), "{out}");
    assert!(out.contains("TWO ROUTES FROM DECISION 2 (rewound from session 1"), "{out}");
    assert!(std::fs::read_to_string(&html).unwrap().contains("Two routes from decision 2"));

    let store = Store::open_read_only(&records).unwrap();
    let list = store.sessions(&Filter::default()).unwrap();
    assert_eq!(list.len(), 2);
    let new = list.iter().find(|s| s.rewound_from.is_some()).unwrap();
    assert_eq!(new.trainee, "ana");
    assert_eq!(new.status, Status::Finished);
    assert_eq!(new.rewound_from.as_ref().unwrap().step, 2);
    drop(store);
    let (_, out, _) = run(talkdown(&records).args(["report", "--scenario", "every_feature"]));
    assert!(out.contains("Attempts: 1") && out.contains("Rewinds: 1 run by 1 trainee"), "{out}");

    // `records show` renders a past run's debrief, the rewound one with its two routes.
    let shown = dir.path().join("shown.html");
    let (code, out, err) = run(talkdown(&records).args(["records", "show", "2", "--html"]).arg(&shown));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Rewound from session 1 at decision 2"), "{out}");
    assert!(out.contains("═══ Debrief: Every feature ═══"), "{out}");
    assert!(out.contains("TWO ROUTES FROM DECISION 2 (rewound from session 1"), "{out}");
    let page = std::fs::read_to_string(&shown).unwrap();
    assert!(page.contains("<svg class=\"timeline\"") && page.contains("Two routes from decision 2"));
    let (code, out, _) = run(talkdown(&records).args(["records", "show", "1"]));
    assert_eq!(code, 0);
    assert!(out.contains("═══ Debrief: Every feature ═══") && !out.contains("TWO ROUTES"), "{out}");

    let (code, _, err) = rewind(&records, &["1", "--rewind", "9"], "");
    assert_eq!(code, 2);
    assert!(err.contains("rewind to a step from 1 to 4, not 9"), "{err}");

    let changed = dir.path().join("every_feature.ron");
    let text = std::fs::read_to_string(fixture()).unwrap().replace("Sam walks in with you.", "Sam goes in.");
    std::fs::write(&changed, text).unwrap();
    let (code, out, err) =
        rewind(&records, &["1", "--rewind", "2", "--scenario", changed.to_str().unwrap()], "1\n");
    assert_eq!(code, 1);
    assert!(err.contains("has changed since session 1") && err.contains("Nothing was rewound"), "{err}");
    assert!(out.is_empty(), "{out}");
}
