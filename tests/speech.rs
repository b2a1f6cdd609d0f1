//! Hearing the scene (issue 15, point 2): speech through the real espeak-ng
//! (installed by .ci/setup), written to a WAV file and read back; the queue
//! and stop on a stand-in engine; and a missing engine as a clear error.

use std::path::{Path, PathBuf};

use talkdown::engine::{Entry, SpokenLine};
use talkdown::scenario::model::{CastMember, Role};
use talkdown::speech::{Engine, NARRATOR, Speaker, SpeechError, Utterance, VoiceBook};

/// The 16-bit samples of a PCM WAV file (espeak-ng writes mono 16-bit).
fn samples(path: &Path) -> Vec<i16> {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[0..4], b"RIFF", "{} is not a WAV file", path.display());
    assert_eq!(&bytes[8..12], b"WAVE");
    let mut at = 12;
    let mut bits = 0;
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let len = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
        let body = &bytes[at + 8..(at + 8 + len).min(bytes.len())];
        if id == b"fmt " {
            bits = u16::from_le_bytes([body[14], body[15]]);
        }
        if id == b"data" {
            assert_eq!(bits, 16, "expected 16-bit samples");
            return body.chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]])).collect();
        }
        at += 8 + len + (len & 1);
    }
    panic!("{} has no data chunk", path.display());
}

/// The tests run one at a time: a stand-in engine written while another test
/// starts a process could be caught open for writing ("text file busy").
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

fn rms(s: &[i16]) -> f64 {
    (s.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>() / s.len().max(1) as f64).sqrt()
}

fn espeak() -> Engine {
    match Engine::detect() {
        Ok(e @ Engine::EspeakNg(_)) => e,
        other => panic!("espeak-ng is needed for this test (run .ci/setup): found {other:?}"),
    }
}

fn cast() -> Vec<CastMember> {
    ["Dana", "Officer Ruiz"]
        .iter()
        .enumerate()
        .map(|(i, n)| CastMember {
            id: format!("c{i}"),
            name: n.to_string(),
            role: if i == 0 { Role::Subject } else { Role::Partner },
            description: None,
        })
        .collect()
}

#[test]
fn a_transcript_line_is_spoken_into_a_wav_file_that_is_not_silent() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let book = VoiceBook::new(&cast());
    let entries = vec![Entry::Beat {
        beat: "start".into(),
        lines: vec![
            SpokenLine { speaker: None, role: Role::Narrator, text: "Rain on the bridge rail.".into() },
            SpokenLine {
                speaker: Some("Dana".into()),
                role: Role::Subject,
                text: "Don't come any closer.".into(),
            },
        ],
    }];
    let said = book.transcript(&entries);
    assert_eq!(said.len(), 2);
    assert_eq!(said[0].voice, NARRATOR);
    assert_ne!(said[1].voice, NARRATOR, "Dana speaks in her own voice");

    let engine = espeak();
    let mut rendered: Vec<Vec<i16>> = Vec::new();
    for (i, u) in said.iter().enumerate() {
        let wav = dir.path().join(format!("line{i}.wav"));
        engine.render_to_wav(u, &wav).unwrap();
        let s = samples(&wav);
        // At 22 050 Hz a short sentence is well over a quarter of a second.
        assert!(s.len() > 5_000, "line {i}: only {} samples", s.len());
        let loud = s.iter().map(|v| v.unsigned_abs()).max().unwrap_or(0);
        assert!(loud > 1_000, "line {i}: peak {loud} is silence");
        assert!(rms(&s) > 100.0, "line {i}: RMS {} is silence", rms(&s));
        rendered.push(s);
    }
    // The same words in the narrator's voice and in Dana's sound different.
    let same_words = Utterance::new(&said[1].text, NARRATOR);
    let wav = dir.path().join("narrator.wav");
    engine.render_to_wav(&same_words, &wav).unwrap();
    assert_ne!(samples(&wav), rendered[1]);
}

#[test]
fn a_missing_engine_is_a_clear_error_not_a_panic() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let err = Engine::detect_in([dir.path().to_path_buf(), PathBuf::from("/nonexistent")]).unwrap_err();
    assert!(matches!(err, SpeechError::NoEngine));
    assert!(err.to_string().contains("no speech engine is installed"), "{err}");

    // An engine that vanished after it was found: the same error when rendering ...
    let gone = Engine::EspeakNg(dir.path().join("espeak-ng"));
    let err = gone.render_to_wav(&Utterance::new("hello", NARRATOR), &dir.path().join("x.wav")).unwrap_err();
    assert!(matches!(err, SpeechError::NoEngine), "{err:?}");
    // ... and a speaker on it skips the lines and stays usable.
    let speaker = Speaker::new(gone);
    speaker.say([Utterance::new("one", NARRATOR), Utterance::new("two", NARRATOR)]);
    while !speaker.is_idle() {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    speaker.stop();
}

#[cfg(unix)]
#[test]
fn stop_empties_the_queue_and_silences_the_line_being_spoken() {
    let _serial = serial();
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    // A stand-in espeak-ng: notes each line it is given, then "speaks" for a long time.
    let log = dir.path().join("spoken.txt");
    let fake = dir.path().join("espeak-ng");
    std::fs::write(
        &fake,
        format!("#!/bin/sh\ncat >> '{}'\necho >> '{}'\nexec sleep 600\n", log.display(), log.display()),
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let engine = Engine::detect_in([dir.path().to_path_buf()]).unwrap();
    assert_eq!(engine, Engine::EspeakNg(fake));

    let speaker = Speaker::new(engine);
    speaker.say(["first", "second", "third"].map(|t| Utterance::new(t, NARRATOR)));
    while std::fs::read_to_string(&log).map(|t| t.lines().count()).unwrap_or(0) < 1 {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(speaker.queued(), 2);
    speaker.stop();
    // Without the stop this would wait for the stand-in's 600 s.
    while !speaker.is_idle() {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(speaker.queued(), 0);
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "first\n", "only the first line was started");
    // It speaks again after a stop.
    speaker.say([Utterance::new("fourth", NARRATOR)]);
    while std::fs::read_to_string(&log).map(|t| t.lines().count()).unwrap_or(0) < 2 {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "first\nfourth\n");
}

/// `talkdown play --speak` with `PATH` set to `path`; with `heard`, the
/// answers are typed only once that file shows the first choices were read
/// (an answer silences what is still being read, as it should for a person).
fn play_spoken(path: &std::ffi::OsStr, heard: Option<&Path>) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let records = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_talkdown"))
        .args([
            "play",
            "tests/fixtures/every_feature.ron",
            "--seed",
            "4",
            "--no-shuffle",
            "--no-records",
            "--speak",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("PATH", path)
        .env("TALKDOWN_RECORDS", records.path().join("records.sqlite3"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(log) = heard {
        while !std::fs::read_to_string(log).unwrap_or_default().contains(": 1. ") {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
    let _ = child.stdin.take().unwrap().write_all(b"1\n3\n1\n1\n");
    child.wait_with_output().unwrap()
}

#[cfg(unix)]
#[test]
fn the_terminal_player_speaks_with_speak_and_plays_on_without_an_engine() {
    use std::os::unix::fs::PermissionsExt;
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("spoken.txt");
    let fake = dir.path().join("espeak-ng");
    // A stand-in espeak-ng that notes its voice and each line it is given.
    std::fs::write(&fake, format!("#!/bin/sh\necho \"$2: $(cat)\" >> '{}'\n", log.display())).unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = std::env::join_paths([dir.path(), Path::new("/usr/bin"), Path::new("/bin")]).unwrap();
    let o = play_spoken(&path, Some(&log));
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}\n{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.contains("═══ A warm hand-off ═══"), "{out}");
    let spoken = std::fs::read_to_string(&log).unwrap();
    // The first beat in a cast voice, the choices with their numbers, the ending by the narrator.
    assert!(spoken.contains("en-us+m1: 1. "), "choices read with numbers: {spoken}");
    assert!(spoken.contains("en-us+m1: A warm hand-off"), "{spoken}");
    assert!(
        spoken.lines().any(|l| !l.starts_with("en-us+m1") && !l.starts_with("en-us+m2")),
        "a cast voice: {spoken}"
    );

    // No engine at all: one clear warning, and the run is played to its end.
    let empty = tempfile::tempdir().unwrap();
    let o = play_spoken(empty.path().as_os_str(), None);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert_eq!(err.matches("no speech engine is installed").count(), 1, "{err}");
    assert!(String::from_utf8_lossy(&o.stdout).contains("═══ A warm hand-off ═══"));
}
