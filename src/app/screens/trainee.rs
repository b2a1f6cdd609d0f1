//! Trainee: name or ID and mode (training or assessment), remembered between
//! runs. Keys: type the name, ↑ ↓ (or T / A) for the mode, Enter to go on, Esc back.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::{Screen, body, enter_pressed, root, top_bar};
use crate::app::UiSet;
use crate::app::session::{Library, keys_free};
use crate::app::theme::{self, Prefs};
use crate::engine::Mode;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, ui.in_set(UiSet).run_if(in_state(Screen::Trainee)))
        .add_systems(Update, keys.run_if(in_state(Screen::Trainee)));
}

fn keys(
    keys: Res<ButtonInput<KeyCode>>,
    wants: Option<Res<bevy_egui::input::EguiWantsInput>>,
    mut prefs: ResMut<Prefs>,
    mut next: ResMut<NextState<Screen>>,
) {
    // Enter and Esc work even while typing the name.
    if enter_pressed(&keys) {
        prefs.save();
        next.set(Screen::Briefing);
        return;
    }
    if keys.just_pressed(KeyCode::Escape) {
        next.set(Screen::Library);
        return;
    }
    if !keys_free(wants) {
        return;
    }
    let before = prefs.mode;
    if keys.just_pressed(KeyCode::ArrowUp) || keys.just_pressed(KeyCode::KeyT) {
        prefs.mode = Mode::Training;
    }
    if keys.just_pressed(KeyCode::ArrowDown) || keys.just_pressed(KeyCode::KeyA) {
        prefs.mode = Mode::Assessment;
    }
    if prefs.mode != before {
        prefs.save();
    }
}

fn ui(
    mut contexts: EguiContexts,
    library: Res<Library>,
    mut prefs: ResMut<Prefs>,
    mut next: ResMut<NextState<Screen>>,
    mut focused_once: Local<bool>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let mut root = root(ctx);
    top_bar(
        &mut root,
        Screen::Trainee.title(),
        "Type your name   Up/Down mode   Enter continue   Esc back",
        &mut prefs,
    );
    let title = library.selected_entry().map(|e| e.title().to_string()).unwrap_or_default();
    let mut go = false;
    let mut back = false;
    let mut prefs_now = prefs.clone();
    body(&mut root, &prefs, |ui| {
        ui.label(theme::muted(ui, format!("Scenario: {title}")));
        ui.add_space(8.0);
        ui.label(theme::bold("Your name or trainee ID").size(24.0));
        let edit = ui.add(
            egui::TextEdit::singleline(&mut prefs_now.trainee)
                .hint_text("e.g. Cadet Rivera or 24-117")
                .font(egui::FontId::proportional(26.0))
                .desired_width(520.0),
        );
        if !*focused_once {
            edit.request_focus();
            *focused_once = true;
        }
        ui.add_space(16.0);
        ui.label(theme::bold("Mode").size(24.0));
        let training = prefs_now.mode == Mode::Training;
        if theme::big_button(
            ui,
            if training { "✔" } else { "   " },
            "Training — the subject's state is shown, with a short reaction after each choice",
            training,
        )
        .clicked()
        {
            prefs_now.mode = Mode::Training;
        }
        if theme::big_button(
            ui,
            if training { "   " } else { "✔" },
            "Assessment — no hints or meters until the debrief",
            !training,
        )
        .clicked()
        {
            prefs_now.mode = Mode::Assessment;
        }
        ui.add_space(16.0);
        ui.horizontal(|ui| {
            go = ui.button(theme::bold("Continue to briefing  (Enter)")).clicked();
            back = ui.button("Back to library  (Esc)").clicked();
        });
    });
    if prefs_now != *prefs {
        let mode_changed = prefs_now.mode != prefs.mode;
        *prefs = prefs_now;
        if mode_changed {
            prefs.save();
        }
    }
    if go {
        prefs.save();
        next.set(Screen::Briefing);
    }
    if back {
        next.set(Screen::Library);
    }
    Ok(())
}
