//! Hot reload for authors: when a scenario file in the library folder changes
//! on disk, check it again; if it validates, it replaces the old version in
//! the library and, if it is being played, the run is replayed on the new
//! version (same seed, same choices) so the author lands where they were, with
//! a note if the replay diverged. A broken edit shows its diagnostics in an
//! overlay and the last good version stays loaded. When the scenario has a
//! test plan beside it (`NAME.plan.ron`), or the plan itself is saved, the
//! plan runs again and its result shows in a corner window.
//!
//! Watching is a thread that compares modification times every
//! [`POLL`] and, only when something changed, sends the paths and wakes the
//! event loop: an idle app stays idle.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use bevy::prelude::*;
use bevy::winit::{EventLoopProxy, EventLoopProxyWrapper, WinitUserEvent};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use crate::engine;
use crate::scenario::load::{RUBRIC_FILE, is_test_plan};
use crate::testplan;

use super::AppSystems;
use super::session::{Analyses, Current, Library};
use super::theme::{self, Prefs};
use super::{AppConfig, UiSet};
use crate::library::{Problem, Reloaded};

pub const POLL: Duration = Duration::from_millis(400);

pub(super) fn plugin(app: &mut App) {
    app.add_message::<FileChanged>()
        .init_resource::<Overlay>()
        .init_resource::<PlanCheck>()
        .add_systems(PostStartup, start_watcher)
        .add_systems(Update, (forward_changes, apply_changes).chain().in_set(AppSystems::RecordInput))
        .add_systems(
            EguiPrimaryContextPass,
            (overlay_ui, plan_ui).chain().after(UiSet).run_if(theme::fonts_ready),
        );
}

/// The test plan last rerun after an edit, and what it found.
#[derive(Resource, Debug, Default, Clone)]
pub struct PlanCheck {
    /// `None` until a scenario with a plan (or a plan) is saved.
    pub last: Option<PlanOutcome>,
    pub hidden: bool,
}

/// One rerun of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanOutcome {
    pub plan: PathBuf,
    pub passed: usize,
    pub total: usize,
    /// One line per failing case (what failed), or the plan's own errors.
    pub problems: Vec<String>,
}

impl PlanOutcome {
    pub fn all_pass(&self) -> bool {
        self.problems.is_empty() && self.passed == self.total
    }
}

/// Run the plan for `path` (a scenario: the plan beside it; a plan: itself),
/// if there is one. The core runs it exactly as `talkdown test` does.
fn rerun_plan(path: &Path, analyses: &mut Analyses) -> Option<PlanOutcome> {
    let plan = if is_test_plan(path) { path.to_path_buf() } else { testplan::plan_beside(path) };
    if !plan.is_file() {
        return None;
    }
    Some(match testplan::load_plan(&plan) {
        Ok(loaded) => {
            let report = testplan::run_plan(&loaded, &mut analyses.0);
            let problems = report
                .cases
                .iter()
                .filter(|c| !c.passed())
                .map(|c| {
                    let why: Vec<String> = c.failures.iter().map(testplan::Failure::describe).collect();
                    format!("FAIL {} (line {}): {}", c.name, c.line, why.join("; "))
                })
                .collect();
            PlanOutcome {
                plan,
                passed: report.cases.len() - report.failed(),
                total: report.cases.len(),
                problems,
            }
        }
        Err(e) => PlanOutcome { plan, passed: 0, total: 0, problems: e.headlines() },
    })
}

/// A file in the scenario folder was created, changed or removed.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
pub struct FileChanged(pub PathBuf);

/// Scenario files whose latest edit is broken, with their diagnostics.
#[derive(Resource, Debug, Default, Clone)]
pub struct Overlay {
    pub problems: Vec<(PathBuf, Problem)>,
    pub hidden: bool,
}

#[derive(Resource)]
struct Watcher {
    rx: Mutex<Receiver<PathBuf>>,
    stop: Arc<AtomicBool>,
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

type Stamp = (Option<SystemTime>, u64);

fn snapshot(dir: &Path) -> Vec<(PathBuf, Stamp)> {
    let Ok(rd) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut v: Vec<(PathBuf, Stamp)> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .filter_map(|p| {
            let m = std::fs::metadata(&p).ok()?;
            Some((p, (m.modified().ok(), m.len())))
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

fn watch(
    dir: PathBuf,
    tx: Sender<PathBuf>,
    stop: Arc<AtomicBool>,
    wake: Option<EventLoopProxy<WinitUserEvent>>,
) {
    let mut before = snapshot(&dir);
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(POLL);
        let now = snapshot(&dir);
        if now == before {
            continue;
        }
        let mut changed: Vec<PathBuf> =
            now.iter().filter(|x| !before.contains(x)).map(|x| x.0.clone()).collect();
        changed.extend(before.iter().filter(|(p, _)| !now.iter().any(|(q, _)| q == p)).map(|x| x.0.clone()));
        before = now;
        for p in changed {
            if tx.send(p).is_err() {
                return;
            }
        }
        if let Some(w) = &wake {
            let _ = w.send_event(WinitUserEvent::WakeUp);
        }
    }
}

fn start_watcher(mut commands: Commands, config: Res<AppConfig>, proxy: Option<Res<EventLoopProxyWrapper>>) {
    let (tx, rx) = channel();
    let stop = Arc::new(AtomicBool::new(false));
    let dir = config.scenarios.clone();
    let wake = proxy.map(|p| (**p).clone());
    let s = stop.clone();
    let spawned =
        std::thread::Builder::new().name("scenario-watcher".into()).spawn(move || watch(dir, tx, s, wake));
    if let Err(e) = spawned {
        warn!("hot reload is off: cannot start the watcher thread: {e}");
        return;
    }
    commands.insert_resource(Watcher { rx: Mutex::new(rx), stop });
}

fn forward_changes(watcher: Option<Res<Watcher>>, mut out: MessageWriter<FileChanged>) {
    let Some(w) = watcher else { return };
    let Ok(rx) = w.rx.lock() else { return };
    while let Ok(p) = rx.try_recv() {
        out.write(FileChanged(p));
    }
}

fn apply_changes(
    mut changes: MessageReader<FileChanged>,
    mut library: ResMut<Library>,
    mut current: ResMut<Current>,
    mut overlay: ResMut<Overlay>,
    mut analyses: ResMut<Analyses>,
    mut plans: ResMut<PlanCheck>,
) {
    let mut rerun = |path: &Path, plans: &mut PlanCheck| {
        if let Some(outcome) = rerun_plan(path, &mut analyses) {
            info!("{}: {} of {} cases pass", outcome.plan.display(), outcome.passed, outcome.total);
            plans.last = Some(outcome);
            plans.hidden = false;
        }
    };
    let mut paths: Vec<PathBuf> = changes.read().map(|c| c.0.clone()).collect();
    paths.sort();
    paths.dedup();
    if paths.is_empty() {
        return;
    }
    if paths.iter().any(|p| p.file_name().is_some_and(|n| n == RUBRIC_FILE)) {
        // A new rubric can change every scenario: check them all again.
        let selected = library.selected_entry().map(|e| e.path.clone());
        let fresh = Library::load(&library.dir);
        let old = std::mem::replace(&mut *library, fresh);
        // Keep last good versions of files that are broken now.
        for e in &mut library.entries {
            if e.scenario.is_none()
                && let Some(o) = old.entries.iter().find(|o| o.path == e.path)
            {
                e.scenario = o.scenario.clone();
            }
        }
        library.selected =
            selected.and_then(|p| library.entries.iter().position(|e| e.path == p)).unwrap_or(0);
        paths = library.entries.iter().map(|e| e.path.clone()).collect();
        overlay.problems.clear();
        for e in &library.entries {
            if let Some(p) = &e.problem {
                overlay.problems.push((e.path.clone(), p.clone()));
            }
        }
        for p in &paths {
            replay_if_playing(&library, &mut current, p);
        }
        return;
    }
    for path in paths {
        if is_test_plan(&path) {
            // A plan is not a scenario: run it again instead of loading it.
            rerun(&path, &mut plans);
            continue;
        }
        let outcome = library.reload(&path);
        overlay.problems.retain(|(p, _)| *p != path);
        match outcome {
            Reloaded::Broken(problem) => {
                info!("{}: edit has errors; keeping the last good version", path.display());
                overlay.problems.push((path.clone(), problem));
                overlay.hidden = false;
            }
            Reloaded::Updated => {
                info!("{}: reloaded", path.display());
                replay_if_playing(&library, &mut current, &path);
                rerun(&path, &mut plans);
            }
            Reloaded::Added | Reloaded::Removed => {}
        }
    }
}

/// Replay the current run's choices on the new version of its scenario.
fn replay_if_playing(library: &Library, current: &mut Current, path: &Path) {
    let Some(run) = current.0.as_mut() else { return };
    if run.path != path {
        return;
    }
    let Some(scenario) = library.entries.iter().find(|e| e.path == path).and_then(|e| e.scenario.clone())
    else {
        return;
    };
    if scenario.content_hash == run.play().scenario().content_hash {
        return;
    }
    let recorded: Vec<(String, String)> =
        run.play().decisions().iter().map(|d| (d.beat.clone(), d.choice.clone())).collect();
    let options = run.play().run().options.clone();
    let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    match engine::replay(&scenario, options, &recorded) {
        Ok((play, divergence)) => {
            let feedback = run.feedback.take();
            run.session.replace_play(play);
            run.entered_beat();
            run.feedback = feedback;
            run.notice = Some(match divergence {
                None => {
                    format!("Reloaded {file}: replayed your {} choices on the new version.", recorded.len())
                }
                Some(d) => format!(
                    "Reloaded {file}: the replay stopped at decision {} (beat `{}`, choice `{}`): {}",
                    d.index + 1,
                    d.beat,
                    d.choice,
                    d.reason
                ),
            });
        }
        Err(e) => run.notice = Some(format!("Reloaded {file}, but the run could not be replayed: {e}")),
    }
}

fn overlay_ui(mut contexts: EguiContexts, mut overlay: ResMut<Overlay>, prefs: Res<Prefs>) -> Result {
    if overlay.problems.is_empty() || overlay.hidden {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    let p = theme::palette(prefs.high_contrast);
    let mut hide = false;
    egui::Window::new(theme::bold("Scenario error — the last good version is still loaded").color(p.bad))
        .anchor(egui::Align2::CENTER_TOP, egui::vec2(0.0, 90.0))
        .default_width(1000.0)
        .collapsible(false)
        .resizable(true)
        .show(ctx, |ui| {
            egui::ScrollArea::vertical().id_salt("hot_reload_1").max_height(420.0).show(ui, |ui| {
                for (path, problem) in &overlay.problems {
                    ui.label(theme::bold(path.display().to_string()));
                    ui.label(egui::RichText::new(problem.report(false)).monospace().size(theme::CODE_SIZE));
                }
            });
            ui.label(theme::muted(ui, "Fix the file and save it: this closes by itself."));
            hide = ui.button("Hide").clicked();
        });
    if hide {
        overlay.hidden = true;
    }
    Ok(())
}

/// The plan's result after an edit: a line that says pass or how many failed,
/// and the failing cases in words, until the author hides it.
fn plan_ui(mut contexts: EguiContexts, mut plans: ResMut<PlanCheck>, prefs: Res<Prefs>) -> Result {
    let Some(outcome) = plans.last.clone() else { return Ok(()) };
    if plans.hidden {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    let p = theme::palette(prefs.high_contrast);
    let file = outcome.plan.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    let (title, color) = if outcome.all_pass() {
        (format!("✔ Test plan {file}: all {} cases pass", outcome.total), p.good)
    } else if outcome.total == 0 {
        (format!("⚠ Test plan {file} has errors"), p.bad)
    } else {
        (
            format!("⚠ Test plan {file}: {} of {} cases fail", outcome.total - outcome.passed, outcome.total),
            p.bad,
        )
    };
    let mut hide = false;
    egui::Window::new(theme::bold(title).color(color))
        .id(egui::Id::new("test_plan_result"))
        .anchor(egui::Align2::RIGHT_BOTTOM, egui::vec2(-16.0, -16.0))
        .default_width(560.0)
        .collapsible(true)
        .resizable(true)
        .show(ctx, |ui| {
            egui::ScrollArea::vertical().id_salt("test_plan_1").max_height(260.0).show(ui, |ui| {
                for line in &outcome.problems {
                    ui.label(egui::RichText::new(line).monospace().size(theme::CODE_SIZE));
                }
            });
            ui.label(theme::muted(
                ui,
                "Reruns each time the scenario or its plan is saved (talkdown test does the same).",
            ));
            hide = ui.button("Hide").clicked();
        });
    if hide {
        plans.hidden = true;
    }
    Ok(())
}
