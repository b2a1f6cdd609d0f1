//! The developer panel (F2), for scenario authors: jump to any beat, set
//! meters and flags, and see the analyzer's best and worst from here.
//!
//! "Apply" restarts the run from the chosen beat and state through the
//! engine's own `StartOptions::from`; the numbers come from the analyzer.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use crate::engine::StartOptions;
use crate::state::GameState;

use super::UiSet;
use super::session::{Analyses, Current, Library, Run};
use super::theme::{self, Prefs};
use crate::records::recorder::Recorder;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<DevPanel>()
        .add_systems(Update, toggle)
        .add_systems(EguiPrimaryContextPass, ui.after(UiSet).run_if(theme::fonts_ready));
}

#[derive(Resource, Debug, Default, Clone)]
pub struct DevPanel {
    pub open: bool,
    /// The beat and state being edited, and the run step they were taken from.
    pub beat: usize,
    pub state: Option<GameState>,
    pub synced_step: Option<(String, u32)>,
}

fn toggle(keys: Res<ButtonInput<KeyCode>>, mut panel: ResMut<DevPanel>) {
    if keys.just_pressed(KeyCode::F2) {
        panel.open = !panel.open;
    }
}

/// Restart the current run at `beat` with `state` (same seed and mode).
pub fn jump(current: &mut Current, beat: &str, state: GameState) -> Result<(), String> {
    let run = current.0.as_mut().ok_or("no run in progress")?;
    let old = &run.play().run().options;
    let options = StartOptions { from: Some((beat.to_string(), state)), ..old.clone() };
    let scenario = run.play().scenario().clone();
    // An author's jump is a playtest: the recorded session ends here and the
    // rest of this run is not recorded.
    let fresh = Run::start(&scenario, &run.path, options, run.trainee(), Recorder::off())
        .map_err(|e| e.to_string())?;
    run.session.abandon("author jumped to another beat");
    *run = fresh;
    run.notice = Some(format!("Developer panel: jumped to `{beat}`."));
    Ok(())
}

fn ui(
    mut contexts: EguiContexts,
    mut panel: ResMut<DevPanel>,
    mut current: ResMut<Current>,
    mut analyses: ResMut<Analyses>,
    library: Res<Library>,
    prefs: Res<Prefs>,
) -> Result {
    if !panel.open {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    let p = theme::palette(prefs.high_contrast);
    let mut apply = false;
    let mut open = true;
    egui::Window::new(theme::bold("Developer panel (F2)"))
        .open(&mut open)
        .default_pos(egui::pos2(40.0, 120.0))
        .default_width(520.0)
        .show(ctx, |ui| {
            let scenario = match current.0.as_ref() {
                Some(run) => run.play().scenario().clone(),
                None => {
                    if let Some(s) = library.selected_entry().and_then(|e| e.scenario.clone()) {
                        summary(ui, &mut analyses, &s, &p);
                    }
                    ui.label(theme::muted(ui, "Start a run to jump between beats and edit the state."));
                    return;
                }
            };
            summary(ui, &mut analyses, &scenario, &p);
            let run = current.0.as_ref().expect("checked");
            let here = (run.play().run().scenario.clone(), run.play().run().step);
            let at_beat = match run.play().at() {
                crate::scenario::NodeRef::Beat(b) => Some(b),
                _ => None,
            };
            if panel.synced_step.as_ref() != Some(&here) || panel.state.is_none() {
                panel.state = Some(run.play().state().clone());
                panel.beat = at_beat.unwrap_or(0) as usize;
                panel.synced_step = Some(here);
            }
            ui.separator();
            if let Some(b) = at_beat {
                ui.label(format!(
                    "Now at beat `{}`: {}",
                    scenario.beat(b).id,
                    run.play().state().describe(&scenario)
                ));
                match analyses.get(&scenario) {
                    Ok((_, space)) => {
                        let state = run.play().state().clone();
                        if let Ok(best) = space.best_total(b, &state) {
                            ui.label(format!(
                                "Best total still achievable from here: {}",
                                best.map(|v| v.to_string()).unwrap_or_else(|| "no ending reachable".into())
                            ));
                        }
                        if let (Ok(values), Some(view)) = (space.act_values(b, &state), run.play().current())
                        {
                            for c in &view.choices {
                                let v = values.iter().find(|(a, _)| *a == c.act).and_then(|x| x.1);
                                let v = v.map(|v| v.to_string()).unwrap_or_else(|| "—".into());
                                ui.label(format!("  {}. {}  → best after: {v}", c.number, c.id));
                            }
                        }
                    }
                    Err(e) => {
                        ui.label(egui::RichText::new(e).color(p.bad));
                    }
                }
            }
            ui.separator();
            ui.label(theme::bold("Jump"));
            let beat_ids: Vec<String> = scenario.file.beats.iter().map(|b| b.id.clone()).collect();
            let mut beat = panel.beat.min(beat_ids.len().saturating_sub(1));
            egui::ComboBox::from_label("beat")
                .selected_text(beat_ids.get(beat).cloned().unwrap_or_default())
                .show_ui(ui, |ui| {
                    for (i, id) in beat_ids.iter().enumerate() {
                        ui.selectable_value(&mut beat, i, id);
                    }
                });
            panel.beat = beat;
            if let Some(state) = panel.state.as_mut() {
                for (i, m) in scenario.file.meters.iter().enumerate() {
                    let r = &scenario.meters[i];
                    if let Some(v) = state.meters.get_mut(i) {
                        ui.add(egui::Slider::new(v, r.min..=r.max).text(&m.name));
                    }
                }
                for (f, def) in scenario.file.flags.iter().enumerate() {
                    let mut on = state.flag(f as u8);
                    if ui.checkbox(&mut on, &def.id).changed() {
                        if on {
                            state.flags |= 1 << f;
                        } else {
                            state.flags &= !(1 << f);
                        }
                    }
                }
            }
            apply = ui.button(theme::bold("Apply: restart from this beat and state")).clicked();
        });
    panel.open = open;
    if apply && let (Some(state), Some(run)) = (panel.state.clone(), current.0.as_ref()) {
        let id = run.play().scenario().file.beats.get(panel.beat).map(|b| b.id.clone()).unwrap_or_default();
        if let Err(e) = jump(&mut current, &id, state) {
            warn!("developer panel: {e}");
        }
        panel.synced_step = None;
    }
    Ok(())
}

fn summary(ui: &mut egui::Ui, analyses: &mut Analyses, s: &crate::scenario::Scenario, p: &theme::Palette) {
    ui.label(theme::bold(s.title()));
    match analyses.get(s) {
        Ok((a, _)) => {
            let show = |v: Option<i32>| v.map(|x| x.to_string()).unwrap_or_else(|| "—".into());
            ui.label(format!(
                "Scenario: best total {} (ending {}), worst {} (ending {}); {} states",
                show(a.best.total.score),
                a.best.total.ending.clone().unwrap_or_default(),
                show(a.worst.total.score),
                a.worst.total.ending.clone().unwrap_or_default(),
                a.counts.states
            ));
            let unreachable = a.unreachable_endings();
            if !unreachable.is_empty() {
                ui.label(
                    egui::RichText::new(format!("Unreachable endings: {}", unreachable.join(", ")))
                        .color(p.warn),
                );
            }
        }
        Err(e) => {
            ui.label(egui::RichText::new(e).color(p.bad));
        }
    }
}
