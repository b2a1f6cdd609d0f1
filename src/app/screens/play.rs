//! Play: the transcript with speaker names coloured by role, numbered choices
//! (mouse, keys 1–9, or ↑ ↓ + Enter), a countdown bar on timed beats, the
//! subject's meters in training mode, and Esc to pause.
//!
//! Input becomes [`PlayAction`] messages; `session` applies them to the engine.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::{Screen, UiFocus, digit_pressed, root, top_bar};
use crate::app::backdrop::{self, Mood};
use crate::app::session::{Current, PlayAction};
use crate::app::theme::{self, Prefs};
use crate::app::{AppSystems, Pause, UiSet};
use crate::engine::Entry;
use crate::scenario::model::Direction;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<ChoiceButtons>()
        .add_systems(EguiPrimaryContextPass, ui.in_set(UiSet).run_if(in_state(Screen::Play)))
        .add_systems(Update, keys.run_if(in_state(Screen::Play)).in_set(AppSystems::RecordInput));
}

/// Where the choice buttons were drawn last frame (screen points), for tests
/// that click them.
#[derive(Resource, Debug, Default, Clone)]
pub struct ChoiceButtons(pub Vec<egui::Rect>);

fn keys(
    keys: Res<ButtonInput<KeyCode>>,
    pause: Res<State<Pause>>,
    focus: Res<UiFocus>,
    mut current: ResMut<Current>,
    mut actions: MessageWriter<PlayAction>,
) {
    let Some(run) = current.0.as_mut() else { return };
    if pause.get().0 {
        if keys.just_pressed(KeyCode::Escape) || digit_pressed(&keys) == Some(1) {
            actions.write(PlayAction::Resume);
        } else if digit_pressed(&keys) == Some(2) {
            actions.write(PlayAction::Restart);
        } else if digit_pressed(&keys) == Some(3) {
            actions.write(PlayAction::Quit);
        }
        return;
    }
    if keys.just_pressed(KeyCode::Escape) {
        actions.write(PlayAction::Pause);
        return;
    }
    let n = run.play().current().map(|b| b.choices.len()).unwrap_or(0);
    if let Some(d) = digit_pressed(&keys) {
        actions.write(PlayAction::Choose(d));
    }
    if n > 0 {
        if keys.just_pressed(KeyCode::ArrowDown) {
            run.highlighted = (run.highlighted + 1).min(n - 1);
        }
        if keys.just_pressed(KeyCode::ArrowUp) {
            run.highlighted = run.highlighted.saturating_sub(1);
        }
        if focus.enter(&keys) {
            actions.write(PlayAction::Choose(run.highlighted + 1));
        }
    } else if focus.enter(&keys) && run.play().current().is_some_and(|b| b.timer.is_none() && b.can_wait) {
        // An untimed run at a moment with nothing to say: Enter lets it pass.
        actions.write(PlayAction::TimeOut);
    }
}

fn meter_color(p: &theme::Palette, fraction: f32, dir: Direction) -> egui::Color32 {
    let goodness = if dir == Direction::Better { fraction } else { 1.0 - fraction };
    if goodness >= 0.6 {
        p.good
    } else if goodness >= 0.3 {
        p.warn
    } else {
        p.bad
    }
}

fn ui(
    mut contexts: EguiContexts,
    current: Res<Current>,
    pause: Res<State<Pause>>,
    mut prefs: ResMut<Prefs>,
    mood: Res<Mood>,
    mut buttons: ResMut<ChoiceButtons>,
    mut actions: MessageWriter<PlayAction>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let mut root = root(ctx);
    let Some(run) = current.0.as_ref() else {
        top_bar(&mut root, Screen::Play.title(), "", &mut prefs);
        return Ok(());
    };
    let p = theme::palette(prefs.high_contrast);
    let s = run.play().scenario();
    let step = run.play().decisions().len() + 1;
    let view = run.play().current();
    top_bar(
        &mut root,
        &format!("{} — decision {step}", s.title()),
        if pause.get().0 {
            "Paused: 1 or Esc resume   2 restart   3 back to the library"
        } else if view.as_ref().is_some_and(|v| v.choices.is_empty() && v.timer.is_none() && v.can_wait) {
            "Enter let the moment pass   Esc pause"
        } else {
            "1–9 or Up/Down + Enter choose   Esc pause"
        },
        &mut prefs,
    );

    // Right: the subject's state and the last reaction (training mode only).
    if run.training() {
        egui::Panel::right("meters")
            .exact_size(300.0)
            .resizable(false)
            .frame(egui::Frame::new().fill(p.panel).inner_margin(egui::Margin::same(16)))
            .show(&mut root, |ui| {
                theme::subheading(ui, "Subject");
                for (i, m) in s.file.meters.iter().enumerate() {
                    let v = run.play().state().meters[i];
                    let f = s.meter_fraction(i, v);
                    theme::bar(ui, f, meter_color(&p, f, m.higher_is), format!("{} {v}/{}", m.name, m.max));
                }
                if let Some(fb) = &run.feedback {
                    ui.add_space(12.0);
                    theme::card(ui, false, |ui| {
                        ui.set_width(ui.available_width());
                        ui.label(theme::bold("Hint").color(p.accent));
                        ui.label(fb);
                    });
                }
            });
    }

    // Bottom: countdown and choices.
    let mut rects = Vec::new();
    egui::Panel::bottom("choices")
        .frame(egui::Frame::new().fill(p.panel).inner_margin(egui::Margin::symmetric(24, 12)))
        .show(&mut root, |ui| {
            if let (Some(total), Some(left)) = (run.timer_seconds(), run.remaining) {
                let f = (left / total as f32).clamp(0.0, 1.0);
                let color = if f > 0.5 {
                    p.accent
                } else if f > 0.2 {
                    p.warn
                } else {
                    p.bad
                };
                theme::bar(ui, f, color, format!("{:.0} s to respond", left.ceil()));
            }
            if let Some(notice) = &run.notice {
                ui.label(egui::RichText::new(notice).color(p.warn));
            }
            if let Some(v) = &view {
                for c in &v.choices {
                    let r = theme::big_button(
                        ui,
                        &format!("{}", c.number),
                        &c.text,
                        run.highlighted + 1 == c.number,
                    );
                    rects.push(r.rect);
                    if r.clicked() && !pause.get().0 {
                        actions.write(PlayAction::Choose(c.number));
                    }
                }
                if v.choices.is_empty() && v.timer.is_some() {
                    ui.label(theme::muted(ui, "Wait…"));
                } else if v.choices.is_empty() && v.can_wait {
                    // An untimed run: the trainee lets the moment pass when ready.
                    let r = theme::big_button(ui, "Enter", "Let the moment pass", true);
                    rects.push(r.rect);
                    if r.clicked() && !pause.get().0 {
                        actions.write(PlayAction::TimeOut);
                    }
                }
            }
        });
    buttons.0 = rects;

    // Centre: the backdrop above the transcript.
    egui::CentralPanel::default().frame(egui::Frame::new().fill(p.bg)).show(&mut root, |ui| {
        let full = ui.max_rect();
        let scene_h = (full.height() * 0.28).clamp(90.0, 200.0);
        let scene = egui::Rect::from_min_size(full.min, egui::vec2(full.width(), scene_h));
        backdrop::paint(&ui.painter_at(scene), scene, mood.shown);
        let text_rect = egui::Rect::from_min_max(egui::pos2(full.left(), scene.bottom()), full.max);
        let mut inner = ui.new_child(egui::UiBuilder::new().max_rect(text_rect));
        egui::Frame::new().fill(p.panel).inner_margin(egui::Margin::symmetric(24, 12)).show(
            &mut inner,
            |ui| {
                ui.set_min_size(ui.available_size());
                egui::ScrollArea::vertical()
                    .id_salt("play_1")
                    .stick_to_bottom(true)
                    .auto_shrink([false, false])
                    .show(ui, |ui| {
                        transcript(ui, run.play().transcript(), &p);
                    });
            },
        );
    });

    if pause.get().0 {
        egui::Window::new(theme::bold("Paused").size(theme::SCREEN_TITLE_SIZE))
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
            .show(ctx, |ui| {
                ui.set_min_width(420.0);
                if theme::big_button(ui, "1", "Resume  (Esc)", true).clicked() {
                    actions.write(PlayAction::Resume);
                }
                if theme::big_button(ui, "2", "Restart this scenario", false).clicked() {
                    actions.write(PlayAction::Restart);
                }
                if theme::big_button(ui, "3", "Back to the library", false).clicked() {
                    actions.write(PlayAction::Quit);
                }
            });
    }
    Ok(())
}

fn transcript(ui: &mut egui::Ui, entries: &[Entry], p: &theme::Palette) {
    // What the trainee just said, what happened in answer and the new beat
    // are fresh; everything before them is faded.
    let fresh_from = entries
        .iter()
        .rposition(|e| matches!(e, Entry::Said { .. } | Entry::TimedOut { .. }))
        .or_else(|| entries.iter().rposition(|e| matches!(e, Entry::Beat { .. })))
        .unwrap_or(0);
    for (i, e) in entries.iter().enumerate() {
        let old = i < fresh_from;
        let fade = |c: egui::Color32| if old { c.gamma_multiply(0.75) } else { c };
        match e {
            Entry::Beat { lines, .. } | Entry::Reaction { lines } => {
                for l in lines {
                    ui.horizontal_wrapped(|ui| match &l.speaker {
                        Some(name) => {
                            ui.label(
                                theme::bold(format!("{name}:")).color(fade(theme::role_color(p, l.role))),
                            );
                            ui.label(egui::RichText::new(&l.text).color(fade(p.text)));
                        }
                        None => {
                            ui.label(egui::RichText::new(&l.text).italics().color(fade(p.muted)));
                        }
                    });
                }
            }
            Entry::Said { text, .. } => {
                ui.horizontal_wrapped(|ui| {
                    ui.label(theme::bold("You:").color(fade(p.accent)));
                    ui.label(egui::RichText::new(text).color(fade(p.text)));
                });
                ui.add_space(6.0);
            }
            Entry::TimedOut { .. } => {
                ui.label(
                    egui::RichText::new("(You hesitated and the moment passed.)")
                        .italics()
                        .color(fade(p.warn)),
                );
                ui.add_space(6.0);
            }
            Entry::Ending { title, narrative, .. } => {
                theme::section(ui, title.clone());
                ui.label(narrative);
            }
        }
    }
}
