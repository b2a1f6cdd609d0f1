//! Hearing the scene in the window (issue 15, point 2): when the trainee
//! turns speech on (F4 or the Speech button; remembered in the preferences),
//! each new transcript line is spoken in its speaker's voice, then the
//! choices with their numbers. Pausing, leaving the scene or turning speech
//! off silences it. With no speech engine installed the run shows one notice
//! and carries on silently.
//!
//! The speaking itself (engine, voices, queue, stop) is [`crate::speech`], in
//! the core; this plugin only decides when.

use bevy::prelude::*;

use super::session::{Current, Finished};
use super::theme::Prefs;
use super::{AppSystems, Pause, Screen};
use crate::speech::{Speaker, SpeechError, VoiceBook};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Speech>()
        .add_systems(Update, speak_new_lines.after(AppSystems::Update).run_if(in_state(Screen::Play)))
        .add_systems(OnEnter(Pause(true)), silence)
        .add_systems(OnEnter(Screen::Play), |mut speech: ResMut<Speech>| speech.read = None)
        .add_systems(OnExit(Screen::Play), leave_scene)
        .add_systems(OnTransition { exited: Screen::Play, entered: Screen::Debrief }, read_the_ending);
}

/// The speaker (made the first time speech is wanted) and how far the run on
/// screen has been read.
#[derive(Resource, Default)]
pub struct Speech {
    /// `None` until speech is first wanted; then the engine found, or why none was.
    speaker: Option<Result<Speaker, SpeechError>>,
    /// Transcript entries of the run on screen already given to the speaker
    /// (`None`: not reading this run yet).
    read: Option<usize>,
    /// The "no speech engine" notice was shown (once per app run).
    told: bool,
}

impl Speech {
    /// A speech resource on a given speaker (tests use a stand-in engine).
    pub fn with_speaker(speaker: Speaker) -> Speech {
        Speech { speaker: Some(Ok(speaker)), ..Default::default() }
    }

    pub fn speaker(&self) -> Option<&Speaker> {
        self.speaker.as_ref().and_then(|s| s.as_ref().ok())
    }

    fn stop(&mut self) {
        if let Some(s) = self.speaker() {
            s.stop();
        }
    }
}

fn speak_new_lines(
    prefs: Res<Prefs>,
    pause: Res<State<Pause>>,
    mut speech: ResMut<Speech>,
    mut current: ResMut<Current>,
) {
    if !prefs.speech {
        if speech.read.take().is_some() {
            speech.stop();
        }
        return;
    }
    if pause.get().0 {
        return;
    }
    let Some(run) = current.0.as_mut() else { return };
    if speech.speaker.is_none() {
        speech.speaker = Some(Speaker::detect());
    }
    if let Some(Err(e)) = &speech.speaker {
        if !speech.told {
            warn!("speech: {e}");
            let message = format!("Speech: {e}.");
            run.notice = Some(match run.notice.take() {
                Some(n) => format!("{n}\n{message}"),
                None => message,
            });
            speech.told = true;
        }
        return;
    }
    let entries = run.play().transcript();
    // Turned on mid-run, or back from a pause: read from the current beat.
    let from_beat =
        || entries.iter().rposition(|e| matches!(e, crate::engine::Entry::Beat { .. })).unwrap_or(0);
    let read = match speech.read {
        // A restart began the transcript again.
        Some(n) if n > entries.len() => {
            speech.stop();
            0
        }
        Some(n) => n,
        None => from_beat(),
    };
    if read == entries.len() && speech.read.is_some() {
        return;
    }
    let voices = VoiceBook::new(&run.play().scenario().file.cast);
    let mut say = voices.transcript(&entries[read..]);
    if let Some(v) = run.play().current() {
        say.extend(voices.choices(v.choices.iter().map(|c| (c.number, c.text.as_str()))));
    }
    let total = entries.len();
    if let Some(s) = speech.speaker() {
        s.say(say);
    }
    speech.read = Some(total);
}

/// Paused: silent at once; on resume the current moment is read again.
fn silence(mut speech: ResMut<Speech>) {
    speech.stop();
    speech.read = None;
}

/// Leaving the scene silences what was still being read (a choice was made,
/// or the trainee quit).
fn leave_scene(speech: ResMut<Speech>) {
    if let Some(s) = speech.speaker() {
        s.stop();
    }
}

/// The run ended: its last reaction and the ending are still heard on the debrief.
fn read_the_ending(prefs: Res<Prefs>, finished: Res<Finished>, mut speech: ResMut<Speech>) {
    let from = speech.read.take();
    let (true, Some(play)) = (prefs.speech, finished.play.as_ref()) else { return };
    let Some(s) = speech.speaker() else { return };
    let entries = play.transcript();
    let from = from.filter(|&n| n <= entries.len()).unwrap_or(entries.len());
    s.say(VoiceBook::new(&play.scenario().file.cast).transcript(&entries[from..]));
}
