//! The app's state, as core types: the scenario library, the run in
//! progress, the finished run's debrief and the attempts so far.
//!
//! Systems here turn [`PlayAction`]s (from keys, clicks or a script) into
//! engine calls. Everything the trainee is scored on comes from the engine
//! and the debrief; this module only keeps time and moves between screens.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use bevy::prelude::*;
use bevy_egui::input::EguiWantsInput;

use crate::analysis::{self, Analysis, StateSpace};
use crate::debrief::Debrief;
use crate::engine::{EngineError, Mode, Playthrough, StartOptions};
use crate::records::{SessionId, Store};
use crate::scenario::load;
use crate::scenario::rubric::Grade;
use crate::scenario::{Rubric, Scenario};

use super::theme::Prefs;
use super::{AppConfig, Screen};

pub(super) fn plugin(app: &mut App) {
    app.add_message::<PlayAction>()
        .add_message::<StartRun>()
        .init_resource::<Current>()
        .init_resource::<Finished>()
        .init_resource::<Attempts>()
        .init_resource::<Analyses>()
        .add_systems(Startup, (load_library, open_records))
        .add_systems(
            Update,
            (start_runs, tick_countdown.run_if(in_state(Screen::Play)), apply_play_actions)
                .chain()
                .in_set(PlaySet),
        );
}

/// The systems that start runs, keep time and call the engine. Input systems
/// run before this set, so a key pressed in a frame is applied in that frame.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlaySet;

// ---------------------------------------------------------------------------
// The library

/// Why a file cannot be played (now, or since its last edit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The first error, one line, e.g. `bridge.ron:12:5: error[E010]: unknown beat`.
    pub headline: String,
    /// Every error, fully rendered with the offending text underlined.
    pub report: String,
}

/// One scenario file in the library folder.
#[derive(Debug, Clone)]
pub struct Entry {
    pub path: PathBuf,
    /// The file name without `.ron`: the id a scripted run names.
    pub stem: String,
    /// The last version that validated (kept when a later edit breaks it).
    pub scenario: Option<Scenario>,
    /// The file's current problem, if its latest version does not validate.
    pub problem: Option<Problem>,
}

impl Entry {
    pub fn id(&self) -> &str {
        self.scenario.as_ref().map(|s| s.id()).unwrap_or(&self.stem)
    }
    pub fn title(&self) -> &str {
        self.scenario.as_ref().map(|s| s.title()).unwrap_or(&self.stem)
    }
}

#[derive(Resource, Debug, Clone, Default)]
pub struct Library {
    pub dir: PathBuf,
    pub rubric: Option<Rubric>,
    /// A problem with the folder or its rubric (the scenarios then use the bundled rubric).
    pub folder_problem: Option<String>,
    pub entries: Vec<Entry>,
    /// The entry the trainee has picked (index into `entries`).
    pub selected: usize,
}

/// What happened when a file was checked again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reloaded {
    /// The new version validated and replaced the old one.
    Updated,
    /// The new version has errors; the last good one (if any) is kept.
    Broken(Problem),
    /// A new file appeared.
    Added,
    /// The file is gone; its entry was removed.
    Removed,
}

impl Library {
    pub fn load(dir: &Path) -> Library {
        let mut lib = Library { dir: dir.to_path_buf(), ..default() };
        lib.rubric = Some(match load::rubric_for_dir(dir) {
            Ok(r) => r,
            Err(e) => {
                lib.folder_problem = Some(format!("{e}\nUsing the bundled rubric instead."));
                load::bundled_rubric()
            }
        });
        match load::scenario_files(dir) {
            Ok(files) => {
                for path in files {
                    let stem = stem(&path);
                    // Files starting with `_` are templates for authors (`talkdown
                    // validate` still checks them); trainees never see them.
                    if stem.starts_with('_') {
                        continue;
                    }
                    let (scenario, problem) = match lib.check(&path) {
                        Ok(s) => (Some(s), None),
                        Err(p) => (None, Some(p)),
                    };
                    lib.entries.push(Entry { path, stem, scenario, problem });
                }
            }
            Err(e) => lib.folder_problem = Some(e.to_string()),
        }
        lib
    }

    fn check(&self, path: &Path) -> Result<Scenario, Problem> {
        let rubric = self.rubric.clone().unwrap_or_else(load::bundled_rubric);
        match load::check_file(path, &rubric) {
            Err(e) => Err(Problem { headline: e.to_string(), report: e.to_string() }),
            Ok(checked) => match &checked.scenario {
                Some(s) => Ok(s.clone()),
                None => {
                    let errors: Vec<_> = checked.diagnostics.iter().filter(|d| d.is_error()).collect();
                    let headline = errors
                        .first()
                        .map(|d| d.headline(&checked.source))
                        .unwrap_or_else(|| "the scenario does not validate".into());
                    let report = errors
                        .iter()
                        .map(|d| d.render(&checked.source, false))
                        .collect::<Vec<_>>()
                        .join("\n");
                    Err(Problem { headline, report })
                }
            },
        }
    }

    /// Check one file again after it changed on disk.
    pub fn reload(&mut self, path: &Path) -> Reloaded {
        let existing = self.entries.iter().position(|e| e.path == path);
        if !path.is_file() || stem(path).starts_with('_') {
            if let Some(i) = existing {
                self.entries.remove(i);
                self.selected = self.selected.min(self.entries.len().saturating_sub(1));
            }
            return Reloaded::Removed;
        }
        let result = self.check(path);
        match (existing, result) {
            (Some(i), Ok(s)) => {
                self.entries[i].scenario = Some(s);
                self.entries[i].problem = None;
                Reloaded::Updated
            }
            (Some(i), Err(p)) => {
                self.entries[i].problem = Some(p.clone());
                Reloaded::Broken(p)
            }
            (None, r) => {
                let (scenario, problem) = match r {
                    Ok(s) => (Some(s), None),
                    Err(p) => (None, Some(p)),
                };
                self.entries.push(Entry { path: path.to_path_buf(), stem: stem(path), scenario, problem });
                self.entries.sort_by(|a, b| a.path.cmp(&b.path));
                Reloaded::Added
            }
        }
    }

    /// Find a scenario by its id or its file name.
    pub fn find(&self, id: &str) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| e.id() == id)
            .or_else(|| self.entries.iter().position(|e| e.stem == id))
    }

    pub fn selected_entry(&self) -> Option<&Entry> {
        self.entries.get(self.selected)
    }
}

fn stem(path: &Path) -> String {
    path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

fn load_library(mut commands: Commands, config: Res<AppConfig>) {
    commands.insert_resource(Library::load(&config.scenarios));
}

/// The session records store (SQLite), when one is configured: every
/// decision is written as it happens. Without one, attempts stay in memory.
#[derive(Resource, Default)]
pub struct Records {
    pub store: Option<Mutex<Store>>,
    /// Why the store could not be opened (shown in the history screen).
    pub problem: Option<String>,
}

impl Records {
    /// Run `f` on the store, logging (not failing on) errors: a full disk
    /// must not stop a training session.
    pub fn with<T>(&self, what: &str, f: impl FnOnce(&mut Store) -> crate::records::Result<T>) -> Option<T> {
        let mut store = self.store.as_ref()?.lock().ok()?;
        match f(&mut store) {
            Ok(v) => Some(v),
            Err(e) => {
                error!("records: could not {what}: {e}");
                None
            }
        }
    }
}

fn open_records(mut commands: Commands, config: Res<AppConfig>) {
    let mut records = Records::default();
    if let Some(path) = &config.records {
        match Store::open(path) {
            Ok(s) => records.store = Some(Mutex::new(s)),
            Err(e) => {
                warn!("records: {e}; attempts are kept in memory only");
                records.problem = Some(e.to_string());
            }
        }
    }
    commands.insert_resource(records);
}

// ---------------------------------------------------------------------------
// The run in progress

/// What the trainee (or a script) does during play.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
pub enum PlayAction {
    /// The `n`th offered choice, numbered from 1 as shown.
    Choose(usize),
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

/// A run being played.
#[derive(Debug, Clone)]
pub struct Run {
    pub path: PathBuf,
    pub play: Playthrough,
    pub trainee: String,
    /// Seconds spent on the current beat (not counting pauses).
    pub beat_elapsed: f32,
    /// Seconds left on a timed beat.
    pub remaining: Option<f32>,
    pub paused: bool,
    /// Training mode: the short reaction to the last choice.
    pub feedback: Option<String>,
    /// Which choice arrows + Enter would pick (0-based).
    pub highlighted: usize,
    /// A message for the player, e.g. where a hot reload's replay diverged.
    pub notice: Option<String>,
    /// This run's session in the records store.
    pub session: Option<SessionId>,
}

impl Run {
    pub fn start(
        scenario: &Scenario,
        path: &Path,
        options: StartOptions,
        trainee: &str,
    ) -> Result<Run, EngineError> {
        let play = Playthrough::start(scenario, options)?;
        let mut run = Run {
            path: path.to_path_buf(),
            play,
            trainee: trainee.to_string(),
            beat_elapsed: 0.0,
            remaining: None,
            paused: false,
            feedback: None,
            highlighted: 0,
            notice: None,
            session: None,
        };
        run.entered_beat();
        Ok(run)
    }

    /// Reset the clock and highlight for a new beat.
    pub fn entered_beat(&mut self) {
        self.beat_elapsed = 0.0;
        self.highlighted = 0;
        self.remaining = self.play.current().and_then(|b| b.timer).map(|s| s as f32);
    }

    pub fn timer_seconds(&self) -> Option<u32> {
        self.play.current().and_then(|b| b.timer)
    }

    pub fn training(&self) -> bool {
        self.play.mode() == Mode::Training
    }
}

#[derive(Resource, Debug, Clone, Default)]
pub struct Current(pub Option<Run>);

impl Current {
    /// A countdown bar is moving (so the screen must keep redrawing).
    pub fn countdown_running(&self) -> bool {
        self.0.as_ref().is_some_and(|r| !r.paused && r.remaining.is_some() && !r.play.is_finished())
    }
}

/// The debrief of the run that just ended.
#[derive(Resource, Debug, Clone, Default)]
pub struct Finished {
    pub debrief: Option<Debrief>,
    pub play: Option<Playthrough>,
    pub path: Option<PathBuf>,
    /// Why there is no debrief (the analyzer could not score the scenario).
    pub error: Option<String>,
    /// Where Export HTML last wrote, or why it failed.
    pub export_message: Option<String>,
}

/// One finished attempt, as the History screen lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub trainee: String,
    pub scenario: String,
    pub title: String,
    pub when: chrono::DateTime<chrono::Local>,
    pub mode: Mode,
    pub seed: u64,
    pub percent: Option<u32>,
    pub outcome: Option<String>,
    pub grade: Option<Grade>,
    pub critical: usize,
}

/// Finished attempts: this session's (in memory), replaced by the records
/// store's history for the trainee when the History screen opens.
#[derive(Resource, Debug, Clone, Default)]
pub struct Attempts(pub Vec<Attempt>);

impl Attempt {
    pub fn from_summary(s: &crate::records::SessionSummary) -> Attempt {
        Attempt {
            trainee: s.trainee.clone(),
            scenario: s.scenario.clone(),
            title: s.title.clone(),
            when: s.started_at.with_timezone(&chrono::Local),
            mode: s.mode,
            seed: s.seed,
            percent: s.total_percent,
            outcome: s.outcome_name.clone(),
            grade: s.grade.as_deref().map(|g| match g {
                "good" => Grade::Good,
                "acceptable" => Grade::Acceptable,
                _ => Grade::Bad,
            }),
            critical: s.critical_errors as usize,
        }
    }
}

/// The analyzer's results per scenario version (content hash): the debrief
/// and the developer panel need them, and they are costly to compute twice.
#[derive(Resource, Default)]
pub struct Analyses(pub HashMap<String, Result<(Analysis, StateSpace), String>>);

impl Analyses {
    pub fn get(&mut self, scenario: &Scenario) -> Result<&mut (Analysis, StateSpace), String> {
        self.0
            .entry(scenario.content_hash.clone())
            .or_insert_with(|| analysis::analyze(scenario).map_err(|e| e.to_string()))
            .as_mut()
            .map_err(|e| e.clone())
    }
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
    let seed = start.seed.or(config.seed).unwrap_or_else(crate::cli::random_seed);
    let options = StartOptions::new(seed, prefs.mode);
    let trainee = if prefs.trainee.trim().is_empty() { "anonymous" } else { prefs.trainee.trim() };
    match Run::start(scenario, &entry.path, options, trainee) {
        Ok(mut run) => {
            run.session = records
                .with("start a session", |s| s.start_session_from(&run.play, &run.trainee, Some(&run.path)));
            current.0 = Some(run);
            next.set(Screen::Play);
        }
        Err(e) => error!("cannot start {}: {e}", entry.id()),
    }
}

fn tick_countdown(time: Res<Time>, mut current: ResMut<Current>, mut actions: MessageWriter<PlayAction>) {
    let Some(run) = current.0.as_mut() else { return };
    if run.paused || run.play.is_finished() {
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

#[allow(clippy::too_many_arguments)]
fn apply_play_actions(
    mut actions: MessageReader<PlayAction>,
    mut current: ResMut<Current>,
    mut finished: ResMut<Finished>,
    mut attempts: ResMut<Attempts>,
    mut analyses: ResMut<Analyses>,
    records: Res<Records>,
    mut next: ResMut<NextState<Screen>>,
    state: Res<State<Screen>>,
) {
    for action in actions.read() {
        if *state.get() != Screen::Play {
            continue;
        }
        let Some(run) = current.0.as_mut() else { continue };
        let ms = Some((run.beat_elapsed * 1000.0) as u64);
        let result = match action {
            PlayAction::Pause => {
                run.paused = true;
                continue;
            }
            PlayAction::Resume => {
                run.paused = false;
                continue;
            }
            PlayAction::Restart => {
                let options = run.play.run().options.clone();
                let scenario = run.play.scenario().clone();
                if let Ok(mut fresh) = Run::start(&scenario, &run.path.clone(), options, &run.trainee.clone())
                {
                    if let Some(id) = run.session {
                        records.with("close the session", |s| s.abandon_session(id, "restarted"));
                    }
                    fresh.session = records.with("start a session", |s| {
                        s.start_session_from(&fresh.play, &fresh.trainee, Some(&fresh.path))
                    });
                    *run = fresh;
                }
                continue;
            }
            PlayAction::Quit => {
                if let Some(id) = run.session {
                    records.with("close the session", |s| s.abandon_session(id, "quit"));
                }
                current.0 = None;
                next.set(Screen::Library);
                return;
            }
            _ if run.paused => continue,
            PlayAction::Choose(n) => run.play.choose(*n, ms).map(|d| (d.beat_index, d.act)),
            PlayAction::TimeOut => run.play.time_out(ms).map(|d| (d.beat_index, d.act)),
        };
        match result {
            Ok((beat, act)) => {
                if let Some(id) = run.session {
                    records.with("record the decision", |s| s.record_decision(id, &run.play));
                }
                run.notice = None;
                run.feedback = if run.training() {
                    run.play.scenario().act_feedback(beat, act).map(str::to_string)
                } else {
                    None
                };
                run.entered_beat();
                if run.play.is_finished() {
                    let run = current.0.take().expect("checked above");
                    *finished = finish(run, &mut analyses, &mut attempts, &records);
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

/// Judge a finished run and remember the attempt.
pub fn finish(run: Run, analyses: &mut Analyses, attempts: &mut Attempts, records: &Records) -> Finished {
    let scenario = run.play.scenario().clone();
    let built = analyses.get(&scenario).and_then(|(a, space)| {
        Debrief::build(&run.play, a, space, Some(&run.trainee)).map_err(|e| e.to_string())
    });
    match built {
        Ok(debrief) => {
            if let Some(id) = run.session {
                records.with("finish the session", |s| s.finish_session(id, &run.play, &debrief));
            }
            attempts.0.push(Attempt {
                trainee: run.trainee.clone(),
                scenario: scenario.id().to_string(),
                title: scenario.title().to_string(),
                when: chrono::Local::now(),
                mode: run.play.mode(),
                seed: run.play.seed(),
                percent: debrief.total.percent,
                outcome: debrief.ending.as_ref().map(|e| e.outcome_name.clone()),
                grade: debrief.ending.as_ref().map(|e| e.grade),
                critical: debrief.critical_errors.len(),
            });
            Finished { debrief: Some(debrief), play: Some(run.play), path: Some(run.path), ..default() }
        }
        Err(e) => Finished { error: Some(e), play: Some(run.play), path: Some(run.path), ..default() },
    }
}

/// Run condition: no text field has the keyboard, so keys are commands.
pub fn keys_free(wants: Option<Res<EguiWantsInput>>) -> bool {
    wants.is_none_or(|w| !w.wants_keyboard_input())
}
