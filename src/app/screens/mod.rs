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
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::UiSet;
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
    app.init_state::<Screen>()
        .init_resource::<UiFocus>()
        .add_systems(Update, toggle_contrast)
        .add_systems(EguiPrimaryContextPass, track_focus.after(UiSet))
        .add_plugins((
            library::plugin,
            trainee::plugin,
            briefing::plugin,
            play::plugin,
            debrief::plugin,
            history::plugin,
            instructor::plugin,
        ));
}

/// Where egui's keyboard focus was at the end of the last frame: in a text
/// field (keys type there), on a control reached with Tab (Enter and Space
/// press that control), or nowhere (every key is the screen's shortcut).
/// Screens read it so that one key press is never two actions.
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct UiFocus {
    pub text: bool,
    pub control: bool,
}

impl UiFocus {
    /// Enter is the screen's own: not in a text field, not on a focused control.
    pub fn enter(&self, keys: &ButtonInput<KeyCode>) -> bool {
        !self.control && !self.text && enter_pressed(keys)
    }

    /// Space is the screen's own (a focused checkbox or button takes it otherwise).
    pub fn space(&self, keys: &ButtonInput<KeyCode>) -> bool {
        !self.control && !self.text && keys.just_pressed(KeyCode::Space)
    }
}

/// After a screen change the last screen's focused widget lingers in egui for
/// a frame or two: for these frames nothing counts as focused.
const SETTLE_FRAMES: u8 = 2;

fn track_focus(
    mut contexts: EguiContexts,
    mut focus: ResMut<UiFocus>,
    screen: Res<State<Screen>>,
    mut last: Local<Option<Screen>>,
    mut settle: Local<u8>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    if *last != Some(*screen.get()) {
        *last = Some(*screen.get());
        *settle = SETTLE_FRAMES;
    }
    let now = if *settle > 0 {
        *settle -= 1;
        UiFocus::default()
    } else {
        let text = ctx.text_edit_focused();
        UiFocus { text, control: !text && ctx.memory(|m| m.focused().is_some()) }
    };
    if *focus != now {
        *focus = now;
    }
    Ok(())
}

fn toggle_contrast(keys: Res<ButtonInput<KeyCode>>, mut prefs: ResMut<Prefs>) {
    if keys.just_pressed(KeyCode::F3) {
        prefs.high_contrast = !prefs.high_contrast;
        prefs.save();
    }
    if keys.just_pressed(KeyCode::F4) {
        prefs.speech = !prefs.speech;
        prefs.save();
    }
}

/// A `Ui` covering the whole window, for panels to attach to (egui 0.36).
pub fn root(ctx: &egui::Context) -> egui::Ui {
    // The window, as a screen reader names it.
    ctx.accesskit_node_builder(egui::accesskit_root_id(), |node| node.set_label("Talkdown"));
    egui::Ui::new(
        ctx.clone(),
        egui::Id::new("talkdown_root"),
        egui::UiBuilder::new().layer_id(egui::LayerId::background()).max_rect(ctx.viewport_rect()),
    )
}

/// The keys every screen answers (text size, contrast, speech), shown after its own.
pub const DISPLAY_KEYS: &str = "F3 contrast   F4 speech   Ctrl +/− text size";

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

/// Scroll the scroll area `ui` is in by keys (egui does not on its own):
/// Page Up / Page Down a page, and with `arrows` Up / Down a few lines. Only
/// while no widget has the keyboard, so arrows never fight a focused control.
pub fn scroll_by_keys(ui: &mut egui::Ui, arrows: bool) {
    if ui.ctx().memory(|m| m.focused().is_some()) {
        return;
    }
    let page = ui.clip_rect().height() * 0.8;
    let delta = ui.input(|i| {
        let mut d = 0.0;
        if i.key_pressed(egui::Key::PageDown) {
            d -= page;
        }
        if i.key_pressed(egui::Key::PageUp) {
            d += page;
        }
        if arrows && i.key_pressed(egui::Key::ArrowDown) {
            d -= 60.0;
        }
        if arrows && i.key_pressed(egui::Key::ArrowUp) {
            d += 60.0;
        }
        d
    });
    if delta != 0.0 {
        ui.scroll_with_delta(egui::vec2(0.0, delta));
    }
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
