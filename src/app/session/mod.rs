//! The app's state, as core types: the scenario library, the run in
//! progress, the finished run's debrief and the attempts so far.
//!
//! Systems here turn [`PlayAction`]s (from keys, clicks or a script) into
//! engine calls. Everything the trainee is scored on comes from the engine
//! and the debrief; this module only keeps time and moves between screens.

use bevy::prelude::*;
use bevy_egui::input::EguiWantsInput;

use crate::engine::{EngineError, StartOptions};

mod library;
mod records;
mod run;

pub use library::Library;
pub use records::{Attempt, Attempts, Records};
pub use run::{Analyses, Current, Finished, Run};

use super::theme::Prefs;
use super::{AppConfig, AppSystems, PausableSystems, Pause, Screen};

pub(super) fn plugin(app: &mut App) {
    app.add_message::<PlayAction>()
        .add_message::<StartRun>()
        .init_resource::<Current>()
        .init_resource::<Finished>()
        .init_resource::<Attempts>()
        .init_resource::<Analyses>()
        .add_systems(Startup, (library::load_library, records::open_records))
        .add_systems(
            Update,
            tick_countdown
                .run_if(in_state(Screen::Play))
                .in_set(AppSystems::TickTimers)
                .in_set(PausableSystems),
        )
        .add_systems(Update, (start_runs, apply_play_actions).chain().in_set(AppSystems::Update))
        .add_systems(OnExit(Screen::Play), resume);
}

/// Leaving the play screen ends any pause.
fn resume(mut pause: ResMut<NextState<Pause>>) {
    NextState::set_if_neq(&mut pause, Pause(false));
}

// ---------------------------------------------------------------------------
// The run in progress

/// What the trainee (or a script) does during play.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
pub enum PlayAction {
    /// The `n`th offered choice, numbered from 1 as shown.
    Choose(usize),
    /// The `n`th answer (from 1) to the moment's read-the-subject question, before choosing.
    Read(usize),
    /// The reflection on the decision just made; blank skips it.
    Reflect(String),
    /// The response time ran out.
    TimeOut,
    Pause,
    Resume,
    /// Start again with the same seed.
    Restart,
    /// Abandon the run and go back to the library.
    Quit,
}

/// Start playing the selected scenario.
#[derive(Message, Debug, Clone, PartialEq, Eq, Default)]
pub struct StartRun {
    /// `None`: the seed from the command line, else a new random one.
    pub seed: Option<u64>,
}

fn start_runs(
    mut starts: MessageReader<StartRun>,
    library: Res<Library>,
    prefs: Res<Prefs>,
    config: Res<AppConfig>,
    mut current: ResMut<Current>,
    records: Res<Records>,
    mut next: ResMut<NextState<Screen>>,
) {
    let Some(start) = starts.read().last().cloned() else { return };
    let Some(entry) = library.selected_entry() else { return };
    let Some(scenario) = &entry.scenario else { return };
    let seed = start.seed.or(config.seed).unwrap_or_else(crate::session::random_seed);
    let options = StartOptions::new(seed, prefs.mode).with_timing(prefs.timing.for_mode(prefs.mode));
    let trainee = if prefs.trainee.trim().is_empty() { "anonymous" } else { prefs.trainee.trim() };
    match Run::start(scenario, &entry.path, options, trainee, records.recorder()) {
        Ok(run) => {
            current.0 = Some(run);
            next.set(Screen::Play);
        }
        Err(e) => error!("cannot start {}: {e}", entry.id()),
    }
}

fn tick_countdown(time: Res<Time>, mut current: ResMut<Current>, mut actions: MessageWriter<PlayAction>) {
    let Some(run) = current.0.as_mut() else { return };
    if run.play().is_finished() || run.reflecting.is_some() {
        return;
    }
    // A long gap (the window slept, a slow frame) never eats a countdown at once.
    let dt = time.delta_secs().min(0.25);
    run.beat_elapsed += dt;
    if let Some(left) = run.remaining.as_mut() {
        *left -= dt;
        if *left <= 0.0 {
            run.remaining = None;
            actions.write(PlayAction::TimeOut);
        }
    }
}

#[expect(clippy::too_many_arguments, reason = "a Bevy system: one parameter per resource it touches")]
fn apply_play_actions(
    mut actions: MessageReader<PlayAction>,
    mut current: ResMut<Current>,
    mut finished: ResMut<Finished>,
    mut attempts: ResMut<Attempts>,
    mut analyses: ResMut<Analyses>,
    mut next: ResMut<NextState<Screen>>,
    state: Res<State<Screen>>,
    pause: Res<State<Pause>>,
    mut next_pause: ResMut<NextState<Pause>>,
) {
    // The pause state changes between frames; actions later in this frame
    // already see the new value.
    let mut paused = pause.get().0;
    for action in actions.read() {
        if *state.get() != Screen::Play {
            continue;
        }
        let Some(run) = current.0.as_mut() else { continue };
        let ms = Some((run.beat_elapsed * 1000.0) as u64);
        let result = match action {
            PlayAction::Pause | PlayAction::Resume => {
                paused = *action == PlayAction::Pause;
                NextState::set_if_neq(&mut next_pause, Pause(paused));
                continue;
            }
            PlayAction::Restart => {
                if run.session.restart().is_ok() {
                    paused = false;
                    NextState::set_if_neq(&mut next_pause, Pause(false));
                    run.feedback = None;
                    run.notice = None;
                    run.entered_beat();
                    run.take_warning();
                }
                continue;
            }
            PlayAction::Quit => {
                run.session.abandon("quit");
                current.0 = None;
                next.set(Screen::Library);
                return;
            }
            _ if paused => continue,
            PlayAction::Reflect(text) => {
                if run.reflecting.take().is_none() {
                    continue;
                }
                if let Err(e) = run.session.reflect(text) {
                    run.notice = Some(e.to_string());
                }
                run.take_warning();
                // The next moment's clock starts now.
                run.entered_beat();
                if run.play().is_finished() {
                    let run = current.0.take().expect("checked above");
                    *finished = finish(run, &mut analyses, &mut attempts);
                    next.set(Screen::Debrief);
                    return;
                }
                continue;
            }
            // The reflection box is open: the next moment waits for it.
            _ if run.reflecting.is_some() => continue,
            PlayAction::Read(n) => {
                match run.session.read(*n) {
                    Ok(_) => {
                        run.notice = None;
                        run.highlighted = 0;
                    }
                    Err(EngineError::NoSuchAnswer { offered, .. }) => {
                        run.notice = Some(format!("Answer 1 to {offered}."));
                    }
                    Err(e) => run.notice = Some(e.to_string()),
                }
                continue;
            }
            PlayAction::Choose(n) => run.session.choose(*n, ms).map(|d| (d.beat_index, d.act)),
            PlayAction::TimeOut => run.session.time_out(ms).map(|d| (d.beat_index, d.act)),
        };
        match result {
            Ok((beat, act)) => {
                run.notice = None;
                run.take_warning();
                run.feedback = if run.training() {
                    let s = run.play().scenario();
                    let read = run.play().decisions().last().and_then(|d| d.reading.as_ref());
                    let lines: Vec<String> = s
                        .act_feedback(beat, act)
                        .map(str::to_string)
                        .into_iter()
                        .chain(read.map(crate::debrief::reading_note))
                        .collect();
                    (!lines.is_empty()).then(|| lines.join("\n"))
                } else {
                    None
                };
                run.entered_beat();
                // A reflection prompt (every mode): asked before anything else happens.
                if let Some(prompt) = run.play().reflection_due() {
                    run.reflecting = Some(prompt.to_string());
                    continue;
                }
                if run.play().is_finished() {
                    let run = current.0.take().expect("checked above");
                    *finished = finish(run, &mut analyses, &mut attempts);
                    next.set(Screen::Debrief);
                    return;
                }
            }
            Err(EngineError::NotOffered { offered, .. }) => {
                run.notice = Some(format!("Choose 1 to {offered}."));
            }
            Err(e) => run.notice = Some(e.to_string()),
        }
    }
}

/// Judge a finished run (through the core session) and remember the attempt.
pub fn finish(mut run: Run, analyses: &mut Analyses, attempts: &mut Attempts) -> Finished {
    let recorded_as = run.session.recorded_as().map(str::to_string);
    let debrief = run.session.finish(analyses);
    let play = run.play().clone();
    attempts.0.push(Attempt {
        trainee: run.trainee().to_string(),
        scenario: play.scenario().id().to_string(),
        title: play.scenario().title().to_string(),
        when: chrono::Local::now(),
        mode: play.mode(),
        seed: play.seed(),
        percent: debrief.total.percent,
        process: debrief.process.shown_percent,
        verdict: Some(debrief.standard.standard),
        outcome: debrief.ending.as_ref().map(|e| e.outcome_name.clone()),
        grade: debrief.ending.as_ref().map(|e| e.grade),
        critical: debrief.critical_errors.len(),
        session: None,
    });
    Finished { debrief: Some(debrief), play: Some(play), path: Some(run.path), recorded_as, ..default() }
}

/// Run condition: no text field has the keyboard, so keys are commands.
pub fn keys_free(wants: Option<Res<EguiWantsInput>>) -> bool {
    wants.is_none_or(|w| !w.wants_keyboard_input())
}
