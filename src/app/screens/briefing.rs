//! Briefing: dispatch, setting, the trainee's role, objectives (training mode)
//! and the content warning to acknowledge. Space acknowledges, Enter begins.
//!
//! Keys and clicks become [`BriefingAction`] messages, applied in one system.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::{Screen, UiFocus, body, root, top_bar};
use crate::app::session::{Library, StartRun};
use crate::app::theme::{self, Prefs};
use crate::app::{AppSystems, UiSet};
use crate::engine::{Mode, Timing};

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

fn keys(keys: Res<ButtonInput<KeyCode>>, focus: Res<UiFocus>, mut actions: MessageWriter<BriefingAction>) {
    if focus.space(&keys) {
        actions.write(BriefingAction::ToggleAcknowledged);
    }
    if focus.enter(&keys) {
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

/// What the briefing says about time: whether any moment is timed, how long
/// the trainee will have (after any accommodation) and what happens when it
/// runs out.
pub fn timing_sentence(authored: &[u32], timing: Timing) -> String {
    let n = authored.len();
    if n == 0 {
        return "No moment is timed: take the time you need.".into();
    }
    let moments = if n == 1 { "One moment is timed".to_string() } else { format!("{n} moments are timed") };
    let allowed: Vec<u32> = authored.iter().filter_map(|s| timing.seconds(*s)).collect();
    let (Some(lo), Some(hi)) = (allowed.iter().min(), allowed.iter().max()) else {
        return format!(
            "{moments} for others; you have no countdown (untimed, recorded with the run). At a moment with \
             nothing to say, Enter lets it pass."
        );
    };
    let have = match (n, lo == hi) {
        (1, _) => format!("you will have {lo} seconds to respond"),
        (_, true) => format!("you will have {lo} seconds to respond at each"),
        (_, false) => format!("you will have {lo} to {hi} seconds to respond"),
    };
    let why = if timing.is_accommodation() {
        format!(" ({}, an accommodation recorded with the run)", timing.describe())
    } else {
        String::new()
    };
    format!(
        "{moments}: {have}{why}. A bar counts down; if it runs out, the moment passes without your answer."
    )
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
    let Some(s) = library.selected_entry().and_then(|e| e.scenario.clone()) else {
        top_bar(&mut root, Screen::Briefing.title(), "Esc back", &mut prefs);
        body(&mut root, &prefs, |ui| ui.label("No scenario selected."));
        return Ok(());
    };
    let warn = !s.file.about.content_warnings.is_empty();
    top_bar(
        &mut root,
        Screen::Briefing.title(),
        if warn {
            "Space I understand the warning   Enter begin   Esc back   Up/Down/PgUp/PgDn scroll"
        } else {
            "Enter begin   Esc back   Up/Down/PgUp/PgDn scroll"
        },
        &mut prefs,
    );
    let p = theme::palette(prefs.high_contrast);
    let training = prefs.mode == Mode::Training;
    // Bottom, always in view whatever the text size: the content warning,
    // its acknowledgement and Begin.
    egui::Panel::bottom("briefing_begin")
        .frame(egui::Frame::new().fill(p.bg).inner_margin(egui::Margin::symmetric(24, 10)))
        .show(&mut root, |ui| {
            if warn {
                ui.label(
                    theme::bold(format!(
                        "⚠ Content warning: this scenario includes {}.",
                        s.file.about.content_warnings.join(", ")
                    ))
                    .color(p.warn),
                );
            }
            ui.horizontal_wrapped(|ui| {
                if warn {
                    let mut understood = ack.0;
                    if ui.checkbox(&mut understood, theme::bold("I understand  (Space)")).changed() {
                        actions.write(BriefingAction::ToggleAcknowledged);
                    }
                }
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
    body(&mut root, &prefs, |ui| {
        ui.horizontal_wrapped(|ui| {
            theme::banner(ui, s.title());
            let mode = if training { "Training mode" } else { "Assessment mode" };
            ui.label(egui::RichText::new(mode).color(p.accent));
        });
        if warn {
            ui.label(theme::muted(
                ui,
                "During play, Esc pauses at any time. If this is difficult for you, talk to your instructor.",
            ));
        }
        let timing = prefs.timing.for_mode(prefs.mode);
        let timed = timing_sentence(&s.timer_seconds(), timing);
        egui::ScrollArea::vertical().id_salt("briefing_1").auto_shrink([false, false]).show(ui, |ui| {
            super::scroll_by_keys(ui, true);
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
                    });
                });
                let ui = &mut cols[1];
                ui.with_layout(egui::Layout::top_down(egui::Align::Min), |ui| {
                    theme::card(ui, false, |ui| {
                        ui.set_width(ui.available_width());
                        ui.label(theme::bold("⏱ Time").color(p.accent));
                        ui.label(&timed);
                    });
                    if training && !s.file.about.objectives.is_empty() {
                        theme::card(ui, false, |ui| {
                            ui.set_width(ui.available_width());
                            ui.label(theme::bold("Objectives").color(p.accent));
                            for o in &s.file.about.objectives {
                                ui.label(format!("•  {o}"));
                            }
                        });
                    }
                });
            });
        });
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_briefing_says_whether_moments_are_timed_and_for_how_long() {
        assert_eq!(timing_sentence(&[], Timing::Standard), "No moment is timed: take the time you need.");
        let one = timing_sentence(&[20], Timing::Standard);
        assert!(one.starts_with("One moment is timed: you will have 20 seconds to respond."), "{one}");
        let two = timing_sentence(&[20, 15], Timing::Extended150);
        assert!(
            two.starts_with(
                "2 moments are timed: you will have 23 to 30 seconds to respond (extended time ×1.5"
            ),
            "{two}"
        );
        let same = timing_sentence(&[10, 10], Timing::Extended200);
        assert!(same.contains("20 seconds to respond at each"), "{same}");
        let untimed = timing_sentence(&[20], Timing::Untimed);
        assert!(untimed.contains("no countdown (untimed"), "{untimed}");
    }
}
