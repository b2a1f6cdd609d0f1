//! The screens, one `States` value each: library → trainee → briefing → play
//! → debrief, history, and the instructor's class report. Each file owns its
//! screen's UI and keys.

pub mod briefing;
pub mod debrief;
pub mod history;
pub mod instructor;
pub mod library;
pub mod play;
pub mod trainee;

use bevy::prelude::*;
use bevy_egui::egui;

use super::theme::{self, Prefs};

#[derive(States, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Screen {
    #[default]
    Library,
    Trainee,
    Briefing,
    Play,
    Debrief,
    History,
    Instructor,
}

impl Screen {
    pub fn title(self) -> &'static str {
        match self {
            Screen::Library => "Scenario library",
            Screen::Trainee => "Who is training?",
            Screen::Briefing => "Briefing",
            Screen::Play => "On scene",
            Screen::Debrief => "Debrief",
            Screen::History => "History",
            Screen::Instructor => "Class report",
        }
    }
}

pub(super) fn plugin(app: &mut App) {
    app.init_state::<Screen>().add_systems(Update, toggle_contrast).add_plugins((
        library::plugin,
        trainee::plugin,
        briefing::plugin,
        play::plugin,
        debrief::plugin,
        history::plugin,
        instructor::plugin,
    ));
}

fn toggle_contrast(keys: Res<ButtonInput<KeyCode>>, mut prefs: ResMut<Prefs>) {
    if keys.just_pressed(KeyCode::F3) {
        prefs.high_contrast = !prefs.high_contrast;
        prefs.save();
    }
}

/// A `Ui` covering the whole window, for panels to attach to (egui 0.36).
pub fn root(ctx: &egui::Context) -> egui::Ui {
    egui::Ui::new(
        ctx.clone(),
        egui::Id::new("talkdown_root"),
        egui::UiBuilder::new().layer_id(egui::LayerId::background()).max_rect(ctx.viewport_rect()),
    )
}

/// The keys every screen answers (text size, contrast), shown after its own.
pub const DISPLAY_KEYS: &str = "F3 contrast   Ctrl +/− text size";

/// The bar at the top of every screen: where you are, key hints, display controls.
pub fn top_bar(root: &mut egui::Ui, title: &str, hints: &str, prefs: &mut Prefs) {
    let p = theme::palette(prefs.high_contrast);
    egui::Panel::top("top_bar")
        .frame(egui::Frame::new().fill(p.bg).inner_margin(egui::Margin::symmetric(18, 10)))
        .show(root, |ui| {
            ui.horizontal(|ui| {
                // At large text sizes the name gives its room to the screen's title.
                if ui.available_width() > 900.0 {
                    ui.label(theme::bold("TALKDOWN").color(p.accent).size(theme::LABEL_SIZE));
                    ui.separator();
                }
                ui.label(egui::RichText::new(title).heading().size(theme::SCREEN_TITLE_SIZE));
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    theme::display_controls(ui, prefs);
                });
            });
            // Every screen's keys, then the display keys every screen shares.
            let all =
                if hints.is_empty() { DISPLAY_KEYS.to_string() } else { format!("{hints}   {DISPLAY_KEYS}") };
            ui.label(egui::RichText::new(all).color(p.muted).size(theme::HINT_SIZE));
        });
}

/// The main area below the top bar, with a comfortable margin.
pub fn body<R>(root: &mut egui::Ui, prefs: &Prefs, add: impl FnOnce(&mut egui::Ui) -> R) -> R {
    let p = theme::palette(prefs.high_contrast);
    egui::CentralPanel::default()
        .frame(egui::Frame::new().fill(p.panel).inner_margin(egui::Margin::symmetric(28, 16)))
        .show(root, add)
        .inner
}

/// Keys 1–9 as numbers.
pub fn digit_pressed(keys: &ButtonInput<KeyCode>) -> Option<usize> {
    const DIGITS: [(KeyCode, KeyCode); 9] = [
        (KeyCode::Digit1, KeyCode::Numpad1),
        (KeyCode::Digit2, KeyCode::Numpad2),
        (KeyCode::Digit3, KeyCode::Numpad3),
        (KeyCode::Digit4, KeyCode::Numpad4),
        (KeyCode::Digit5, KeyCode::Numpad5),
        (KeyCode::Digit6, KeyCode::Numpad6),
        (KeyCode::Digit7, KeyCode::Numpad7),
        (KeyCode::Digit8, KeyCode::Numpad8),
        (KeyCode::Digit9, KeyCode::Numpad9),
    ];
    DIGITS.iter().position(|(a, b)| keys.just_pressed(*a) || keys.just_pressed(*b)).map(|i| i + 1)
}

pub fn enter_pressed(keys: &ButtonInput<KeyCode>) -> bool {
    keys.just_pressed(KeyCode::Enter) || keys.just_pressed(KeyCode::NumpadEnter)
}
