//! Briefing: dispatch, setting, the trainee's role, objectives (training mode)
//! and the content warning to acknowledge. Space acknowledges, Enter begins.
//!
//! Keys and clicks become [`BriefingAction`] messages, applied in one system.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::{Screen, body, enter_pressed, root, top_bar};
use crate::app::session::{Library, StartRun};
use crate::app::theme::{self, Prefs};
use crate::app::{AppSystems, UiSet};
use crate::engine::Mode;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Acknowledged>()
        .add_systems(OnEnter(Screen::Briefing), |mut ack: ResMut<Acknowledged>| ack.0 = false)
        .add_systems(EguiPrimaryContextPass, ui.in_set(UiSet).run_if(in_state(Screen::Briefing)))
        .add_message::<BriefingAction>()
        .add_systems(
            Update,
            (keys.in_set(AppSystems::RecordInput), apply.in_set(AppSystems::Update))
                .run_if(in_state(Screen::Briefing)),
        );
}

/// What the trainee does on the briefing screen.
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub enum BriefingAction {
    /// Tick or untick "I understand" under the content warning.
    ToggleAcknowledged,
    /// Start the run (only once the warning is acknowledged).
    Begin,
    /// Back to "Who is training?".
    Back,
}

/// The trainee has acknowledged the content warning.
#[derive(Resource, Debug, Default)]
pub struct Acknowledged(pub bool);

fn needs_ack(library: &Library) -> bool {
    library
        .selected_entry()
        .and_then(|e| e.scenario.as_ref())
        .is_some_and(|s| !s.file.about.content_warnings.is_empty())
}

fn keys(keys: Res<ButtonInput<KeyCode>>, mut actions: MessageWriter<BriefingAction>) {
    if keys.just_pressed(KeyCode::Space) {
        actions.write(BriefingAction::ToggleAcknowledged);
    }
    if enter_pressed(&keys) {
        actions.write(BriefingAction::Begin);
    }
    if keys.just_pressed(KeyCode::Escape) {
        actions.write(BriefingAction::Back);
    }
}

fn apply(
    mut actions: MessageReader<BriefingAction>,
    library: Res<Library>,
    mut ack: ResMut<Acknowledged>,
    mut start: MessageWriter<StartRun>,
    mut next: ResMut<NextState<Screen>>,
) {
    for action in actions.read() {
        match action {
            BriefingAction::ToggleAcknowledged => ack.0 = !ack.0,
            BriefingAction::Begin if ack.0 || !needs_ack(&library) => {
                start.write(StartRun::default());
            }
            BriefingAction::Begin => {}
            BriefingAction::Back => next.set(Screen::Trainee),
        }
    }
}

fn ui(
    mut contexts: EguiContexts,
    library: Res<Library>,
    mut prefs: ResMut<Prefs>,
    ack: Res<Acknowledged>,
    mut actions: MessageWriter<BriefingAction>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let mut root = root(ctx);
    top_bar(
        &mut root,
        Screen::Briefing.title(),
        "Space acknowledge warning   Enter begin   Esc back",
        &mut prefs,
    );
    let Some(s) = library.selected_entry().and_then(|e| e.scenario.clone()) else {
        body(&mut root, &prefs, |ui| ui.label("No scenario selected."));
        return Ok(());
    };
    let p = theme::palette(prefs.high_contrast);
    let training = prefs.mode == Mode::Training;
    let warn = !s.file.about.content_warnings.is_empty();
    body(&mut root, &prefs, |ui| {
        ui.horizontal_wrapped(|ui| {
            theme::banner(ui, s.title());
            let mode = if training { "Training mode" } else { "Assessment mode" };
            ui.label(egui::RichText::new(mode).color(p.accent));
        });
        egui::ScrollArea::vertical().id_salt("briefing_1").auto_shrink([false, true]).max_height(ui.available_height() - 70.0).show(ui, |ui| {
            let b = &s.file.briefing;
            ui.columns(2, |cols| {
                theme::card(&mut cols[0], false, |ui| {
                    ui.set_width(ui.available_width());
                    ui.with_layout(egui::Layout::top_down(egui::Align::Min), |ui| {
                    ui.label(theme::bold("📻 Dispatch").color(p.accent));
                    ui.label(&b.dispatch);
                    ui.add_space(8.0);
                    ui.label(theme::bold("Setting").color(p.accent));
                    ui.label(&b.setting);
                    if let Some(role) = &b.role {
                        ui.add_space(8.0);
                        ui.label(theme::bold("You are").color(p.accent));
                        ui.label(role);
                    }
                    let timed = s.timed_moments();
                    if timed > 0 {
                        let timing = prefs.timing.for_mode(prefs.mode);
                        ui.add_space(8.0);
                        ui.label(theme::bold("⏱ Timed moments").color(p.accent));
                        let moments = if timed == 1 { "One moment has".to_string() } else { format!("{timed} moments have") };
                        ui.label(format!("{moments} a countdown; time allowed: {}.", timing.describe()));
                    }
                    });
                });
                let ui = &mut cols[1];
                ui.with_layout(egui::Layout::top_down(egui::Align::Min), |ui| {
                if training && !s.file.about.objectives.is_empty() {
                    theme::card(ui, false, |ui| {
                        ui.set_width(ui.available_width());
                        ui.label(theme::bold("Objectives").color(p.accent));
                        for o in &s.file.about.objectives {
                            ui.label(format!("•  {o}"));
                        }
                    });
                }
                if warn {
                    theme::card(ui, false, |ui| {
                        ui.set_width(ui.available_width());
                        ui.label(theme::bold("⚠ Content warning").color(p.warn));
                        ui.label(format!("This scenario includes: {}.", s.file.about.content_warnings.join(", ")));
                        ui.label(theme::muted(
                            ui,
                            "You can pause at any time (Esc). If this is difficult for you, talk to your instructor.",
                        ));
                        let mut understood = ack.0;
                        if ui.checkbox(&mut understood, "I understand  (Space)").changed() {
                            actions.write(BriefingAction::ToggleAcknowledged);
                        }
                    });
                }
                });
            });
        });
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            let ready = ack.0 || !warn;
            let begin = ui.add_enabled(
                ready,
                egui::Button::new(theme::bold("Begin  (Enter)").size(theme::SUBHEADING_SIZE)),
            );
            if begin.clicked() {
                actions.write(BriefingAction::Begin);
            }
            if ui.button("Back  (Esc)").clicked() {
                actions.write(BriefingAction::Back);
            }
            if !ready {
                ui.label(egui::RichText::new("Acknowledge the content warning to begin.").color(p.warn));
            }
        });
    });
    Ok(())
}
