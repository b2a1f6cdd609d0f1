//! Nothing answered is lost, whatever the file, the lock, the scenario or the
//! keystroke (issue 10): real damaged files, a real lock held by another
//! connection or process, real bytes on standard input, real devices.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use talkdown::analysis;
use talkdown::debrief::Debrief;
use talkdown::engine::{Mode, Playthrough, StartOptions};
use talkdown::records::export;
use talkdown::records::outbox::{FlushReport, OutboxOptions};
use talkdown::records::recorder::RecorderOptions;
use talkdown::records::{Filter, Recorder, Status, Store};
use talkdown::scenario::Scenario;

mod common;
use common::{fixture, fixture_path};

fn talkdown() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_talkdown"));
    c.env_remove("TALKDOWN_RECORDS").env("NO_COLOR", "1");
    c
}

/// Run `talkdown ARGS` with `stdin` bytes: (exit code, stdout, stderr).
fn run(args: &[&str], records: &Path, stdin: &[u8]) -> (i32, String, String) {
    let mut child = talkdown()
        .arg("--records")
        .arg(records)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The program may exit before reading its input (a refused run): a closed
    // pipe is then expected, not a failure of the test.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn play_args(trainee: &str) -> Vec<String> {
    ["play", "--no-shuffle", "--seed", "3", "--trainee", trainee]
        .iter()
        .map(|s| s.to_string())
        .chain([fixture_path().display().to_string()])
        .collect()
}

fn play_cli(records: &Path, trainee: &str, stdin: &[u8]) -> (i32, String, String) {
    let args = play_args(trainee);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&refs, records, stdin)
}

/// accepts_help in 4 decisions (authored order).
const ANSWERS: &[&str] = &["introduce", "reflect", "ask_now", "offer_counsellor"];

fn quick(busy_ms: u64) -> RecorderOptions {
    RecorderOptions {
        outbox: OutboxOptions {
            busy_timeout: Duration::from_millis(busy_ms),
            retry_min: Duration::from_millis(10),
            retry_max: Duration::from_millis(50),
            ..OutboxOptions::default()
        },
        commit_wait: Duration::from_millis(20),
    }
}

fn new_play(s: &Scenario) -> Playthrough {
    let mut o = StartOptions::new(1, Mode::Training);
    o.shuffle = false;
    Playthrough::start(s, o).unwrap()
}

fn debrief(p: &Playthrough, s: &Scenario) -> Debrief {
    let (a, mut space) = analysis::analyze(s).unwrap();
    Debrief::build(p, &a, &mut space, Some("ana")).unwrap()
}

/// Another program holds the write lock (an exclusive transaction on its
/// own connection, in its own thread) until told to let go.
struct Lock {
    release: std::sync::mpsc::Sender<()>,
    done: std::thread::JoinHandle<()>,
}

fn hold_lock(path: &Path) -> Lock {
    let path = path.to_path_buf();
    let (tx, rx) = std::sync::mpsc::channel();
    let (held_tx, held_rx) = std::sync::mpsc::channel();
    let done = std::thread::spawn(move || {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch("BEGIN EXCLUSIVE").unwrap();
        held_tx.send(()).unwrap();
        let _ = rx.recv();
        c.execute_batch("ROLLBACK").unwrap();
    });
    held_rx.recv().unwrap();
    Lock { release: tx, done }
}

impl Lock {
    fn release(self) {
        self.release.send(()).unwrap();
        self.done.join().unwrap();
    }
}

#[test]
fn a_lock_held_past_the_busy_timeout_mid_run_drops_no_answer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("records.sqlite3");
    let s = fixture();
    let mut p = new_play(&s);
    let mut rec = Recorder::open_with(Some(&path), quick(20));
    rec.start(&p, "ana", Some(&fixture_path()));
    p.choose_id(ANSWERS[0], Some(900)).unwrap();
    rec.decided(&p);
    assert_eq!(rec.pending(), 0);

    let lock = hold_lock(&path);
    for a in &ANSWERS[1..] {
        p.choose_id(a, Some(700)).unwrap();
        rec.decided(&p);
    }
    rec.finish(&p, &debrief(&p, &s));
    // Each write waited far longer than the busy timeout and is still queued.
    assert!(rec.pending() >= 3, "{}", rec.pending());
    let warning = rec.take_warning().expect("one warning about the lock");
    assert!(warning.contains("locked") && warning.contains("kept"), "{warning}");
    assert_eq!(rec.take_warning(), None, "given once");
    lock.release();

    assert_eq!(rec.flush(Duration::from_secs(60)), FlushReport::Saved);
    assert_eq!(rec.pending(), 0);
    drop(rec);
    let store = Store::open_read_only(&path).unwrap();
    let list = store.sessions(&Filter::default()).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].status, Status::Finished);
    let d = store.decisions(list[0].id).unwrap();
    assert_eq!(d.iter().map(|d| d.choice.as_str()).collect::<Vec<_>>(), ANSWERS);
}

#[test]
fn writes_still_blocked_at_exit_go_to_a_rescue_file_that_imports_without_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("records.sqlite3");
    let s = fixture();
    let mut p = new_play(&s);
    let mut rec = Recorder::open_with(Some(&path), quick(20));
    rec.start(&p, "ana", None);
    p.choose_id(ANSWERS[0], Some(900)).unwrap();
    rec.decided(&p);
    let uuid = rec.session().unwrap().to_string();

    let lock = hold_lock(&path);
    for a in &ANSWERS[1..] {
        p.choose_id(a, Some(700)).unwrap();
        rec.decided(&p);
    }
    rec.finish(&p, &debrief(&p, &s));
    let rescue = match rec.flush(Duration::from_millis(50)) {
        FlushReport::Rescued { path: r, items, .. } => {
            assert!(items >= 3, "{items}");
            r
        }
        other => panic!("expected a rescue, got {other:?}"),
    };
    assert_eq!(rec.pending(), 0, "rescued writes leave the queue");
    assert_eq!(rescue.parent(), Some(dir.path()), "beside the records file");
    assert!(rescue.file_name().unwrap().to_string_lossy().starts_with("records.rescue-"));
    drop(rec);
    lock.release();

    // The rescue file is a records file in its own right: the whole session.
    let r = Store::open_read_only(&rescue).unwrap();
    let rs = r.sessions(&Filter::default()).unwrap();
    assert_eq!(rs.len(), 1);
    assert_eq!(rs[0].uuid, uuid);
    assert_eq!(rs[0].status, Status::Finished);
    drop(r);

    // The main file kept what arrived before the lock; import adds the rest once.
    let (code, out, err) = run(&["records", "import", &rescue.display().to_string()], &path, b"");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1 of its 1 sessions") || out.contains("0 of its 1 sessions"), "{out}");
    let (code, out, _) = run(&["records", "import", &rescue.display().to_string()], &path, b"");
    assert_eq!(code, 0);
    assert!(out.contains("0 of its 1 sessions were new, 0 decisions added"), "{out}");
    let store = Store::open_read_only(&path).unwrap();
    let list = store.sessions(&Filter::default()).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].uuid, uuid);
    assert_eq!(list[0].status, Status::Finished);
    assert_eq!(list[0].total, Some(11));
    let d = store.decisions(list[0].id).unwrap();
    assert_eq!(d.iter().map(|d| d.choice.as_str()).collect::<Vec<_>>(), ANSWERS);
    assert!(d.iter().all(|d| d.best_available.is_some()));
}

#[test]
fn a_real_second_process_locking_the_file_mid_run_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("records.sqlite3");
    Store::open(&path).unwrap();
    // This test process is the other program: it holds the write lock
    // while the player answers and exits.
    let lock = hold_lock(&path);
    let (code, out, err) = play_cli(&path, "kim", b"1\n3\n1\n1\n");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Debrief"), "{out}");
    assert!(err.contains("records import"), "the warning says how to recover: {err}");
    let rescue: PathBuf = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains(".rescue-") && p.extension().is_some_and(|e| e == "sqlite3"))
        .expect("a rescue file beside the records file");
    assert!(err.contains(&rescue.display().to_string()), "{err}");
    lock.release();
    let (code, _, err) = run(&["records", "import", &rescue.display().to_string()], &path, b"");
    assert_eq!(code, 0, "{err}");
    let store = Store::open_read_only(&path).unwrap();
    let list = store.sessions(&Filter::default()).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].trainee, "kim");
    assert_eq!(list[0].status, Status::Finished);
    assert_eq!(list[0].decisions, 4);
}

/// A store with 20 sessions, its WAL folded in, then `damage` applied to the bytes.
fn damaged_store(dir: &Path, seed: u64) -> (PathBuf, Vec<u8>) {
    let path = dir.join("records.sqlite3");
    {
        let s = fixture();
        let mut store = Store::open(&path).unwrap();
        for _ in 0..20 {
            let mut p = new_play(&s);
            let id = store.start_session(&p, "ana").unwrap();
            for a in ANSWERS {
                p.choose_id(a, Some(500)).unwrap();
                store.record_decision(id, &p).unwrap();
            }
        }
        drop(store);
        rusqlite::Connection::open(&path).unwrap().execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    }
    let mut bytes = std::fs::read(&path).unwrap();
    // 4 KB of (seeded) random bytes in the middle of the file.
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mid = bytes.len() / 2 - 2048;
    for b in &mut bytes[mid..mid + 4096] {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    std::fs::write(&path, &bytes).unwrap();
    (path, bytes)
}

#[test]
fn a_damaged_records_file_is_never_written_and_the_run_is_kept_in_a_rescue_file() {
    for seed in 1..=4 {
        let dir = tempfile::tempdir().unwrap();
        let (path, bytes) = damaged_store(dir.path(), seed);
        let (code, out, err) = play_cli(&path, "lee", b"1\n3\n1\n1\n");
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("Debrief"), "{out}");
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "seed {seed}: the damaged file is untouched");
        assert!(err.contains("left untouched") && err.contains("records import"), "{err}");
        let rescue: PathBuf = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.to_string_lossy().ends_with(".sqlite3") && p.to_string_lossy().contains(".rescue-"))
            .expect("a rescue file");
        assert!(err.contains(&rescue.display().to_string()), "the message says where: {err}");
        let (code, out, err) = run(&["records", "list"], &rescue, b"");
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("lee") && out.contains("finished"), "{out}");

        // Merged into a healthy store later, without duplicates.
        let healthy = dir.path().join("new.sqlite3");
        for added in
            ["1 of its 1 sessions were new, 4 decisions", "0 of its 1 sessions were new, 0 decisions"]
        {
            let (code, out, err) = run(&["records", "import", &rescue.display().to_string()], &healthy, b"");
            assert_eq!(code, 0, "{err}");
            assert!(out.contains(added), "{out}");
        }
    }
}

#[test]
fn reading_commands_read_a_read_only_copy() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("records.sqlite3");
    assert_eq!(play_cli(&path, "ana", b"1\n3\n1\n1\n").0, 0);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    for args in [
        vec!["records", "list"],
        vec!["records", "show", "1"],
        vec!["records", "export", "--format", "json"],
        vec!["records", "check"],
        vec!["report", "--scenario", "every_feature"],
    ] {
        let (code, out, err) = run(&args, &path, b"");
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(!out.is_empty(), "{args:?}");
    }
}

#[test]
fn the_records_file_and_exports_are_private_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data").join("talkdown");
    let path = data.join("records.sqlite3");
    let csv = dir.path().join("out.csv");
    let html = dir.path().join("debrief.html");
    let script = "umask 000 && printf '1\\n3\\n1\\n1\\n' | \"$0\" --records \"$1\" play --no-shuffle --seed 3 --trainee ana --html \"$3\" \"$4\" && \"$0\" --records \"$1\" records export --format csv --output \"$2\"";
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_talkdown"))
        .arg(&path)
        .arg(&csv)
        .arg(&html)
        .arg(fixture_path())
        .env_remove("TALKDOWN_RECORDS")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&dir.path().join("data")), 0o700);
    assert_eq!(mode(&csv), 0o600);
    assert_eq!(mode(&html), 0o600);
}

#[test]
fn csv_cells_that_a_spreadsheet_would_run_are_defused() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("r.sqlite3")).unwrap();
    let s = fixture();
    let mut p = new_play(&s);
    let evil = "=HYPERLINK(\"http://x.invalid\",\"click\")";
    let id = store.start_session(&p, evil).unwrap();
    p.choose_id("grab", Some(300)).unwrap(); // a negative score: stays a number
    store.record_decision(id, &p).unwrap();
    let text = export::to_csv(&store.session_records(&Filter::default()).unwrap());
    let mut r = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers = r.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    assert_eq!(&rows[0][col("trainee")], format!("'{evil}"));
    let points: i32 = rows[0][col("points")].parse().expect("points stay a plain number");
    assert!(points < 0);
    for row in &rows {
        for cell in row.iter() {
            assert!(!cell.starts_with(['=', '+', '@', '\t', '\r']), "{cell}");
        }
    }
}

#[test]
fn control_characters_in_names_never_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.sqlite3");
    let (code, _, err) = play_cli(&path, "ana\u{1b}[2J\u{7}", b"1\n3\n1\n1\n");
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = run(&["records", "list"], &path, b"");
    assert_eq!(code, 0);
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
    assert!(out.contains("ana\\u{1b}[2J\\u{7}"), "{out}");
    let (_, out, _) = run(&["records", "show", "1"], &path, b"");
    assert!(!out.contains('\u{1b}'), "{out:?}");
}

#[test]
fn a_byte_that_is_not_utf8_on_stdin_is_asked_again_not_the_end_of_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.sqlite3");
    let (code, out, err) = play_cli(&path, "ana", b"\xff\xfe\n1\n3\n1\n1\n");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Please type a number"), "{out}");
    assert!(out.contains("Debrief"), "{out}");
}

#[test]
fn output_paths_are_checked_before_the_run_starts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.sqlite3");
    let missing = dir.path().join("no such folder").join("d.html");
    let mut args = play_args("ana");
    args.insert(1, "--html".into());
    args.insert(2, missing.display().to_string());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = run(&refs, &path, b"1\n3\n1\n1\n");
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("cannot write") && err.contains("does not exist"), "{err}");
    assert!(!out.contains("DISPATCH"), "no run was started: {out}");
    assert!(!path.exists(), "nothing was recorded");
    let (code, _, err) = run(
        &["records", "export", "--format", "csv", "--output", &missing.display().to_string()],
        &path,
        b"",
    );
    assert_eq!(code, 2);
    assert!(err.contains("cannot write"), "{err}");
}
