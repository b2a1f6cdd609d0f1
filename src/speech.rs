//! Hearing the scene (issue 15, point 2): the transcript's lines spoken through
//! the system's speech service, a different voice for each cast member and
//! the narrator.
//!
//! Plain Rust, no Bevy: the app and the terminal player only call it. Two
//! engines are driven through their command-line clients, found on `PATH`:
//! espeak-ng (Debian package `espeak-ng`) first, then speech-dispatcher's
//! `spd-say`. The text goes to espeak-ng on standard input and to `spd-say`
//! after `--`, never through a shell, so a line of dialogue cannot become an
//! option or a command.
//!
//! [`Speaker`] keeps a queue and speaks one utterance at a time on its own
//! thread; [`Speaker::stop`] empties the queue and silences the line being
//! spoken (pause, leaving the scene).

use std::collections::VecDeque;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::engine::{Entry, SpokenLine};
use crate::scenario::model::{CastMember, Role};

/// Why nothing could be spoken.
#[derive(Debug, thiserror::Error)]
pub enum SpeechError {
    /// Neither `espeak-ng` nor `spd-say` is on `PATH` (or the one found has since gone).
    #[error(
        "no speech engine is installed: the scene is not spoken (install espeak-ng, \
         e.g. `apt-get install espeak-ng`, or speech-dispatcher's spd-say)"
    )]
    NoEngine,
    /// The engine could not be started at all (permissions, a broken install).
    #[error("cannot run the speech engine {program}: {source}")]
    Run {
        /// The engine's executable.
        program: PathBuf,
        /// Why the OS refused to run it.
        #[source]
        source: std::io::Error,
    },
    /// The engine ran and exited unsuccessfully.
    #[error("the speech engine {program} failed ({status}): {stderr}")]
    Failed {
        /// The engine's executable.
        program: PathBuf,
        /// How it exited, as the OS reports it (e.g. `exit status: 1`).
        status: String,
        /// What it wrote to its standard error, trimmed.
        stderr: String,
    },
    /// Writing speech to a WAV file was asked of an engine that cannot.
    #[error("{program} cannot write speech to a file (only espeak-ng can)")]
    NoFileOutput {
        /// The engine that was asked (spd-say).
        program: PathBuf,
    },
}

/// Which command-line client speaks, and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Engine {
    /// `espeak-ng`: voice variants, pitch and rate; can write a WAV file.
    EspeakNg(PathBuf),
    /// speech-dispatcher's `spd-say`: its own voice types, pitch and rate.
    SpdSay(PathBuf),
}

impl Engine {
    /// The first engine found on `PATH`: espeak-ng, then spd-say.
    pub fn detect() -> Result<Engine, SpeechError> {
        let path = std::env::var_os("PATH").unwrap_or_default();
        Engine::detect_in(std::env::split_paths(&path))
    }

    /// The first engine found in `dirs` (in order; espeak-ng preferred in each search).
    pub fn detect_in(dirs: impl IntoIterator<Item = PathBuf>) -> Result<Engine, SpeechError> {
        let dirs: Vec<PathBuf> = dirs.into_iter().collect();
        let find = |name: &str| dirs.iter().map(|d| d.join(name)).find(|p| is_executable(p));
        if let Some(p) = find("espeak-ng") {
            return Ok(Engine::EspeakNg(p));
        }
        if let Some(p) = find("spd-say") {
            return Ok(Engine::SpdSay(p));
        }
        Err(SpeechError::NoEngine)
    }

    /// The engine's executable, as found on `PATH`.
    pub fn program(&self) -> &Path {
        match self {
            Engine::EspeakNg(p) | Engine::SpdSay(p) => p,
        }
    }

    /// The command that speaks `u` aloud (its text goes in as [`Engine::input`]).
    pub fn command(&self, u: &Utterance) -> Command {
        let mut c = Command::new(self.program());
        match self {
            Engine::EspeakNg(_) => {
                c.args(espeak_voice_args(&u.voice)).arg("--stdin");
            }
            Engine::SpdSay(_) => {
                let v = &u.voice;
                // -w: wait until spoken, so the queue plays one line after another.
                c.arg("-w")
                    .args(["-t", v.spd_type])
                    .args(["-p", &(i32::from(v.pitch) * 2 - 100).to_string()])
                    .args(["-r", &((i32::from(v.rate) - 175) / 2).clamp(-100, 100).to_string()])
                    .arg("--")
                    .arg(&u.text);
            }
        }
        c
    }

    /// What the command reads on standard input (espeak-ng reads the text there).
    pub fn input<'a>(&self, u: &'a Utterance) -> Option<&'a str> {
        match self {
            Engine::EspeakNg(_) => Some(&u.text),
            Engine::SpdSay(_) => None,
        }
    }

    /// Speak `u` into a WAV file at `out` (espeak-ng only), waiting until done.
    pub fn render_to_wav(&self, u: &Utterance, out: &Path) -> Result<(), SpeechError> {
        let Engine::EspeakNg(program) = self else {
            return Err(SpeechError::NoFileOutput { program: self.program().to_path_buf() });
        };
        let mut c = Command::new(program);
        c.args(espeak_voice_args(&u.voice)).arg("-w").arg(out).arg("--stdin");
        let child = spawn(c, program, Some(&u.text))?;
        let output = child
            .wait_with_output()
            .map_err(|source| SpeechError::Run { program: program.clone(), source })?;
        if !output.status.success() {
            return Err(SpeechError::Failed {
                program: program.clone(),
                status: output.status.to_string(),
                stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
            });
        }
        Ok(())
    }
}

fn espeak_voice_args(v: &Voice) -> Vec<String> {
    vec![
        "-v".into(),
        format!("en-us+{}", v.variant),
        "-p".into(),
        v.pitch.to_string(),
        "-s".into(),
        v.rate.to_string(),
    ]
}

fn is_executable(p: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        p.is_file()
    }
}

fn spawn(mut c: Command, program: &Path, input: Option<&str>) -> Result<Child, SpeechError> {
    c.stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = c.spawn().map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => SpeechError::NoEngine,
        _ => SpeechError::Run { program: program.to_path_buf(), source },
    })?;
    if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
        // Dropping stdin afterwards ends the input, so the engine speaks and exits.
        stdin
            .write_all(text.as_bytes())
            .map_err(|source| SpeechError::Run { program: program.to_path_buf(), source })?;
    }
    Ok(child)
}

/// How one speaker sounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Voice {
    /// espeak-ng's voice variant (`m3`, `f2`, ...).
    pub variant: &'static str,
    /// speech-dispatcher's voice type (`male1`, `female2`, ...).
    pub spd_type: &'static str,
    /// 0–99, 50 is the engine's normal pitch.
    pub pitch: u8,
    /// Words per minute (espeak-ng's default is 175).
    pub rate: u16,
}

/// The narrator: the engine's plain voice, a little slower.
pub const NARRATOR: Voice = Voice { variant: "m1", spd_type: "male1", pitch: 45, rate: 160 };

/// The trainee's own words, when spoken back.
pub const TRAINEE: Voice = Voice { variant: "m2", spd_type: "male2", pitch: 50, rate: 175 };

/// Cast members' voices, in cast order: each differs from the narrator and
/// from its neighbours in variant and pitch. A cast larger than this reuses
/// them from the start.
pub const CAST_VOICES: [Voice; 6] = [
    Voice { variant: "f3", spd_type: "female1", pitch: 60, rate: 170 },
    Voice { variant: "m3", spd_type: "male3", pitch: 35, rate: 175 },
    Voice { variant: "f2", spd_type: "female2", pitch: 70, rate: 180 },
    Voice { variant: "m7", spd_type: "male2", pitch: 25, rate: 165 },
    Voice { variant: "f4", spd_type: "female3", pitch: 55, rate: 175 },
    Voice { variant: "m4", spd_type: "male1", pitch: 65, rate: 180 },
];

/// Who sounds how in one scenario: the cast in the file's order, each with
/// its own voice; narration in the narrator's.
#[derive(Debug, Clone, Default)]
pub struct VoiceBook {
    names: Vec<String>,
}

impl VoiceBook {
    /// The voices for a scenario's `cast` (in the file's order; the narrator
    /// keeps the narrator's voice and takes no cast voice).
    pub fn new(cast: &[CastMember]) -> VoiceBook {
        VoiceBook {
            names: cast.iter().filter(|c| c.role != Role::Narrator).map(|c| c.name.clone()).collect(),
        }
    }

    /// The voice for a line said by `speaker` (its shown name; `None` is narration).
    pub fn voice(&self, speaker: Option<&str>) -> Voice {
        let Some(name) = speaker else { return NARRATOR };
        let i = match self.names.iter().position(|n| n == name) {
            Some(i) => i,
            // Not in the cast list (e.g. a renamed speaker): a stable pick by name.
            None => name.bytes().fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(b.into())),
        };
        CAST_VOICES[i % CAST_VOICES.len()]
    }

    /// What to say for a line: the text alone (the voice tells who speaks).
    pub fn line(&self, l: &SpokenLine) -> Utterance {
        let voice = if l.role == Role::Narrator { NARRATOR } else { self.voice(l.speaker.as_deref()) };
        Utterance::new(&l.text, voice)
    }

    /// Everything `entries` shows, as utterances in order: beats' and
    /// reactions' lines in their speakers' voices, the trainee's words, a
    /// moment that passed, and the ending (title and narrative) by the narrator.
    pub fn transcript(&self, entries: &[Entry]) -> Vec<Utterance> {
        let mut out = Vec::new();
        for e in entries {
            match e {
                Entry::Beat { lines, .. } | Entry::Reaction { lines } => {
                    out.extend(lines.iter().map(|l| self.line(l)));
                }
                Entry::Said { text, .. } => out.push(Utterance::new(text, TRAINEE)),
                Entry::TimedOut { .. } => {
                    out.push(Utterance::new("You hesitated and the moment passed.", NARRATOR))
                }
                Entry::Ending { title, narrative, .. } => {
                    out.push(Utterance::new(title, NARRATOR));
                    out.push(Utterance::new(narrative, NARRATOR));
                }
            }
        }
        out.retain(|u| !u.text.is_empty());
        out
    }

    /// The choices offered, read out with their numbers by the narrator.
    pub fn choices<'a>(&self, choices: impl IntoIterator<Item = (usize, &'a str)>) -> Vec<Utterance> {
        choices.into_iter().map(|(n, text)| Utterance::new(&format!("{n}. {text}"), NARRATOR)).collect()
    }
}

/// One piece of speech.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Utterance {
    /// What to say: no control characters, trimmed.
    pub text: String,
    /// Who says it: engine voice, pitch and rate.
    pub voice: Voice,
}

impl Utterance {
    /// Control characters (from a file or a typed name) become spaces: an
    /// engine never sees a terminal escape or an embedded newline as input.
    pub fn new(text: &str, voice: Voice) -> Utterance {
        let text: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
        Utterance { text: text.trim().to_string(), voice }
    }
}

#[derive(Debug, Default)]
struct Queue {
    items: VecDeque<Utterance>,
    closed: bool,
}

#[derive(Debug, Default)]
struct Shared {
    queue: Mutex<Queue>,
    wake: Condvar,
    /// Bumped by `stop`: an utterance started under an older value is silenced.
    generation: AtomicU64,
    /// The line being spoken right now.
    busy: AtomicBool,
}

/// Speaks queued utterances one after another on a thread of its own.
#[derive(Debug)]
pub struct Speaker {
    engine: Engine,
    shared: Arc<Shared>,
    worker: Option<JoinHandle<()>>,
}

impl Speaker {
    /// A speaker on the engine found on `PATH`; [`SpeechError::NoEngine`] when none is.
    pub fn detect() -> Result<Speaker, SpeechError> {
        Engine::detect().map(Speaker::new)
    }

    /// A speaker on `engine`, with its worker thread started. If the OS will
    /// not start a thread, nothing is ever spoken (the scene still plays in text).
    pub fn new(engine: Engine) -> Speaker {
        let shared = Arc::new(Shared::default());
        let worker = {
            let (engine, shared) = (engine.clone(), shared.clone());
            std::thread::Builder::new()
                .name("talkdown-speech".into())
                .spawn(move || work(&engine, &shared))
                .ok()
        };
        Speaker { engine, shared, worker }
    }

    /// The engine this speaker runs (for "speaking with espeak-ng" in a status line).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Queue `items` after what is already queued.
    pub fn say(&self, items: impl IntoIterator<Item = Utterance>) {
        let mut q = self.shared.queue.lock().unwrap_or_else(|e| e.into_inner());
        q.items.extend(items);
        self.shared.wake.notify_all();
    }

    /// Empty the queue and silence the line being spoken.
    pub fn stop(&self) {
        let mut q = self.shared.queue.lock().unwrap_or_else(|e| e.into_inner());
        q.items.clear();
        self.shared.generation.fetch_add(1, Ordering::SeqCst);
        drop(q);
        if let Engine::SpdSay(p) = &self.engine {
            // speech-dispatcher keeps speaking after its client is killed: cancel there too.
            let _ = Command::new(p).arg("-C").stdout(Stdio::null()).stderr(Stdio::null()).status();
        }
    }

    /// Nothing queued and nothing being spoken.
    pub fn is_idle(&self) -> bool {
        let q = self.shared.queue.lock().unwrap_or_else(|e| e.into_inner());
        q.items.is_empty() && !self.shared.busy.load(Ordering::SeqCst)
    }

    /// How many utterances wait (not counting the one being spoken).
    pub fn queued(&self) -> usize {
        self.shared.queue.lock().unwrap_or_else(|e| e.into_inner()).items.len()
    }
}

impl Drop for Speaker {
    fn drop(&mut self) {
        self.stop();
        self.shared.queue.lock().unwrap_or_else(|e| e.into_inner()).closed = true;
        self.shared.wake.notify_all();
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

fn work(engine: &Engine, shared: &Shared) {
    loop {
        let (u, generation) = {
            let mut q = shared.queue.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                if q.closed {
                    return;
                }
                if let Some(u) = q.items.pop_front() {
                    shared.busy.store(true, Ordering::SeqCst);
                    break (u, shared.generation.load(Ordering::SeqCst));
                }
                q = shared.wake.wait(q).unwrap_or_else(|e| e.into_inner());
            }
        };
        // The front end found the engine before making a speaker; if it went
        // away since (spawn fails), the line is skipped rather than the run stopped.
        if let Ok(mut child) = spawn(engine.command(&u), engine.program(), engine.input(&u)) {
            loop {
                if shared.generation.load(Ordering::SeqCst) != generation {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                match child.try_wait() {
                    Ok(Some(_)) | Err(_) => break,
                    Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        }
        shared.busy.store(false, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cast(names: &[(&str, Role)]) -> Vec<CastMember> {
        names
            .iter()
            .map(|(n, r)| CastMember {
                id: n.to_lowercase(),
                name: n.to_string(),
                role: *r,
                description: None,
            })
            .collect()
    }

    #[test]
    fn every_cast_member_and_the_narrator_sound_different() {
        let book = VoiceBook::new(&cast(&[
            ("Dana", Role::Subject),
            ("Officer Ruiz", Role::Partner),
            ("Maria", Role::Family),
        ]));
        let voices = [
            book.voice(None),
            book.voice(Some("Dana")),
            book.voice(Some("Officer Ruiz")),
            book.voice(Some("Maria")),
        ];
        for (i, a) in voices.iter().enumerate() {
            for b in &voices[i + 1..] {
                assert_ne!(a, b);
            }
        }
        // The same speaker keeps the same voice.
        assert_eq!(book.voice(Some("Dana")), book.voice(Some("Dana")));
        assert_eq!(book.voice(None), NARRATOR);
    }

    #[test]
    fn the_text_reaches_espeak_on_stdin_not_as_an_option() {
        let e = Engine::EspeakNg("/usr/bin/espeak-ng".into());
        let u = Utterance::new("--help\u{1b}[2J me", NARRATOR);
        let c = e.command(&u);
        let args: Vec<_> = c.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
        assert_eq!(args, ["-v", "en-us+m1", "-p", "45", "-s", "160", "--stdin"]);
        assert_eq!(e.input(&u), Some("--help [2J me"));
        let s = Engine::SpdSay("/usr/bin/spd-say".into());
        let args: Vec<_> = s.command(&u).get_args().map(|a| a.to_string_lossy().into_owned()).collect();
        assert_eq!(args[args.len() - 2..], ["--".to_string(), "--help [2J me".to_string()]);
    }

    #[test]
    fn no_engine_in_an_empty_path_is_the_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = Engine::detect_in([dir.path().to_path_buf()]).unwrap_err();
        assert!(matches!(err, SpeechError::NoEngine));
        assert!(err.to_string().contains("no speech engine is installed"), "{err}");
        assert!(err.to_string().contains("espeak-ng"), "{err}");
    }
}
