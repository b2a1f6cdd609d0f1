//! Scripted runs, for tests, demos and documentation:
//!
//! `talkdown --scenario ID --choices 1,2,t,... --screenshots DIR [--seed N] [--mode M]`
//!
//! opens the real window, selects the scenario in the library, goes through
//! the briefing, plays the choices as a trainee would (numbers as shown; `t`
//! lets the beat's timer run out through the normal countdown), saves a PNG of
//! each screen — library, briefing, every beat, debrief (then with its first
//! decision selected, the state timeline in view), and with `--records`
//! the instructor's class report — and exits 0 after the last screenshot. A choice that is not offered is an error (exit 1).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, save_to_disk};

use super::AppConfig;
use super::AppSystems;
use super::screens::Screen;
use super::screens::briefing::Acknowledged;
use super::screens::debrief::DebriefAction;
use super::screens::library::Filter;
use super::session::{Current, Library, PlayAction, StartRun};
use super::theme::Prefs;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptStep {
    Choose(usize),
    TimeOut,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptPlan {
    pub scenario: String,
    pub steps: Vec<ScriptStep>,
    pub screenshots: Option<PathBuf>,
}

impl ScriptPlan {
    /// A plan from the command line's scripted-run options; `None` when none is given.
    pub fn new(
        scenario: Option<&str>,
        choices: Option<&[String]>,
        screenshots: Option<&std::path::Path>,
    ) -> Result<Option<ScriptPlan>, String> {
        if scenario.is_none() && choices.is_none() && screenshots.is_none() {
            return Ok(None);
        }
        let scenario = scenario
            .ok_or("a scripted run needs --scenario ID (with --choices and --screenshots)")?
            .to_string();
        let steps = choices.into_iter().flatten().map(|c| parse_step(c)).collect::<Result<Vec<_>, _>>()?;
        Ok(Some(ScriptPlan { scenario, steps, screenshots: screenshots.map(|p| p.to_path_buf()) }))
    }
}

pub fn parse_step(token: &str) -> Result<ScriptStep, String> {
    let t = token.trim();
    if t.eq_ignore_ascii_case("t") {
        return Ok(ScriptStep::TimeOut);
    }
    match t.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(ScriptStep::Choose(n)),
        _ => {
            Err(format!("--choices: `{t}` is not a choice number (1, 2, ...) or `t` (let the timer run out)"))
        }
    }
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Script>().add_systems(Update, drive.in_set(AppSystems::RecordInput));
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Stage {
    #[default]
    Boot,
    ShotLibrary,
    ShotBriefing,
    Begin,
    Beat(usize),
    Act(usize),
    ShotDebrief,
    /// The debrief again, the first decision selected: its timeline in view.
    ShotTimeline,
    ShotInstructor,
    Exit,
}

#[derive(Resource, Default)]
struct Script {
    stage: Stage,
    /// Frames to wait before the next step, so egui has laid the screen out.
    wait: u32,
    shots: usize,
    pending: Arc<AtomicUsize>,
}

/// Frames between a screen change and its screenshot.
const SETTLE: u32 = 4;

impl Script {
    fn shot(&mut self, commands: &mut Commands, dir: &Option<PathBuf>, name: &str) {
        let Some(dir) = dir else { return };
        self.shots += 1;
        let path = dir.join(format!("{:02}-{name}.png", self.shots));
        let pending = self.pending.clone();
        pending.fetch_add(1, Ordering::SeqCst);
        println!("screenshot {}", path.display());
        commands.spawn(Screenshot::primary_window()).observe(save_to_disk(path)).observe(
            move |_: On<bevy::render::view::screenshot::ScreenshotCaptured>| {
                pending.fetch_sub(1, Ordering::SeqCst);
            },
        );
    }
}

fn fail(exit: &mut MessageWriter<AppExit>, code: u8, message: String) {
    eprintln!("talkdown: {message}");
    exit.write(AppExit::from_code(code));
}

#[expect(
    clippy::too_many_arguments,
    reason = "a Bevy system takes one parameter per resource and message it uses"
)]
fn drive(
    mut commands: Commands,
    mut script: ResMut<Script>,
    config: Res<AppConfig>,
    mut library: ResMut<Library>,
    mut filter: ResMut<Filter>,
    mut prefs: ResMut<Prefs>,
    mut ack: ResMut<Acknowledged>,
    mut current: ResMut<Current>,
    state: Res<State<Screen>>,
    mut next: ResMut<NextState<Screen>>,
    mut start: MessageWriter<StartRun>,
    mut actions: MessageWriter<PlayAction>,
    mut debrief: MessageWriter<DebriefAction>,
    mut exit: MessageWriter<AppExit>,
) {
    let Some(plan) = config.script.clone() else { return };
    if script.pending.load(Ordering::SeqCst) > 0 {
        return; // a screenshot is still being written
    }
    if script.wait > 0 {
        script.wait -= 1;
        return;
    }
    let dir = plan.screenshots.clone();
    match script.stage {
        Stage::Boot => {
            let Some(i) = library.find(&plan.scenario) else {
                let ids: Vec<&str> = library.entries.iter().map(|e| e.id()).collect();
                return fail(
                    &mut exit,
                    2,
                    format!(
                        "no scenario `{}` in {} (there are: {})",
                        plan.scenario,
                        library.dir.display(),
                        ids.join(", ")
                    ),
                );
            };
            if library.entries[i].scenario.is_none() {
                let report = library.entries[i].problem.as_ref().map(|p| p.report(false)).unwrap_or_default();
                return fail(
                    &mut exit,
                    1,
                    format!("scenario `{}` cannot be played:\n{report}", plan.scenario),
                );
            }
            *filter = Filter::default();
            library.selected = i;
            if prefs.trainee.trim().is_empty() {
                prefs.trainee = "scripted run".into();
            }
            if *state.get() != Screen::Library {
                next.set(Screen::Library);
            }
            script.stage = Stage::ShotLibrary;
            script.wait = SETTLE * 3; // the window needs a few frames to appear
        }
        Stage::ShotLibrary => {
            script.shot(&mut commands, &dir, "library");
            next.set(Screen::Briefing);
            ack.0 = true;
            script.stage = Stage::ShotBriefing;
            script.wait = SETTLE;
        }
        Stage::ShotBriefing => {
            ack.0 = true;
            script.shot(&mut commands, &dir, "briefing");
            script.stage = Stage::Begin;
        }
        Stage::Begin => {
            start.write(StartRun { seed: config.seed });
            script.stage = Stage::Beat(0);
            script.wait = SETTLE;
        }
        Stage::Beat(k) => {
            if *state.get() == Screen::Debrief {
                script.stage = Stage::ShotDebrief;
                return;
            }
            let Some(run) = current.0.as_ref() else {
                return fail(&mut exit, 1, "the run did not start".into());
            };
            let beat = match &run.reflecting {
                Some(_) => "reflection".to_string(),
                None => run.play().current().map(|b| b.beat).unwrap_or_default(),
            };
            script.shot(&mut commands, &dir, &format!("beat-{:02}-{beat}", k + 1));
            script.stage = Stage::Act(k);
        }
        Stage::Act(k) => {
            // The run ended once its last reflection was given.
            if *state.get() == Screen::Debrief {
                script.stage = Stage::ShotDebrief;
                return;
            }
            let Some(run) = current.0.as_mut() else { return };
            // A reflection prompt after the last choice: skipped (an empty line).
            if run.reflecting.is_some() {
                actions.write(PlayAction::Reflect(String::new()));
                script.wait = SETTLE;
                return;
            }
            let Some(view) = run.play().current() else { return };
            let Some(step) = plan.steps.get(k) else {
                return fail(
                    &mut exit,
                    1,
                    format!(
                        "--choices ran out after {k} choices: the run is at beat `{}`, which offers 1 to {}",
                        view.beat,
                        view.choices.len()
                    ),
                );
            };
            match *step {
                ScriptStep::Choose(n) if n > view.choices.len() => {
                    let offered = match view.choices.len() {
                        0 => "no choices (only its timer)".to_string(),
                        1 => "only choice 1".to_string(),
                        m => format!("choices 1 to {m}"),
                    };
                    return fail(
                        &mut exit,
                        1,
                        format!(
                            "--choices: choice {n} (decision {}) is not offered at beat `{}`, which has {offered}",
                            k + 1,
                            view.beat
                        ),
                    );
                }
                ScriptStep::Choose(n) => {
                    actions.write(PlayAction::Choose(n));
                }
                ScriptStep::TimeOut if view.timer.is_none() => {
                    return fail(
                        &mut exit,
                        1,
                        format!("--choices: `t` (decision {}) but beat `{}` has no timer", k + 1, view.beat),
                    );
                }
                ScriptStep::TimeOut => {
                    // Let the countdown reach zero through the normal path.
                    run.remaining = Some(0.0);
                }
            }
            script.stage = Stage::Beat(k + 1);
            script.wait = SETTLE;
        }
        Stage::ShotDebrief => {
            script.shot(&mut commands, &dir, "debrief");
            // Select the first decision, as Right does: the chart scrolls into view.
            debrief.write(DebriefAction::Step(1));
            script.stage = Stage::ShotTimeline;
            script.wait = SETTLE;
        }
        Stage::ShotTimeline => {
            script.shot(&mut commands, &dir, "timeline-in-the-debrief");
            script.stage = Stage::Exit;
            // With a records file, the run just played is in the class report.
            if config.records.is_some() {
                next.set(Screen::Instructor);
                script.stage = Stage::ShotInstructor;
                script.wait = SETTLE;
            }
        }
        Stage::ShotInstructor => {
            script.shot(&mut commands, &dir, "instructor");
            script.stage = Stage::Exit;
        }
        Stage::Exit => {
            let used = plan.steps.len();
            let made = script.shots;
            println!("scripted run finished: {made} screenshots, {used} choices given");
            exit.write(AppExit::Success);
        }
    }
}
