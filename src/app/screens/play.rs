//! Play: the transcript with speaker names coloured by role, numbered choices
//! (mouse, keys 1–9, or ↑ ↓ + Enter), a countdown bar on timed beats, the
//! subject's meters in training mode, and Esc to pause. At a read-the-subject
//! moment the read question is answered first (the same keys), and after a
//! decision at a moment with a reflection prompt a one-line box asks for the
//! trainee's reasons (Enter keeps them, Esc or an empty line skips; every mode).
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
        .init_resource::<ReflectionDraft>()
        .add_systems(EguiPrimaryContextPass, ui.in_set(UiSet).run_if(in_state(Screen::Play)))
        .add_systems(Update, keys.run_if(in_state(Screen::Play)).in_set(AppSystems::RecordInput));
}

/// Where the choice buttons were drawn last frame (screen points), for tests
/// that click them.
#[derive(Resource, Debug, Default, Clone)]
pub struct ChoiceButtons(pub Vec<egui::Rect>);

/// What the trainee has typed in the reflection box so far.
#[derive(Resource, Debug, Default, Clone)]
pub struct ReflectionDraft(pub String);

/// How many answers the moment's read question has, while it is unanswered.
fn read_pending(run: &crate::app::session::Run) -> Option<usize> {
    run.play().current()?.read.filter(|r| r.answered.is_none()).map(|r| r.options.len())
}

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
    // The reflection box has the keys (its Enter is its own); Esc skips it.
    if run.reflecting.is_some() {
        if keys.just_pressed(KeyCode::Escape) {
            actions.write(PlayAction::Reflect(String::new()));
        }
        return;
    }
    if keys.just_pressed(KeyCode::Escape) {
        actions.write(PlayAction::Pause);
        return;
    }
    // The read question first: the same keys answer it.
    if let Some(n) = read_pending(run) {
        if let Some(d) = digit_pressed(&keys) {
            actions.write(PlayAction::Read(d));
        }
        if keys.just_pressed(KeyCode::ArrowDown) {
            run.highlighted = (run.highlighted + 1).min(n.saturating_sub(1));
        }
        if keys.just_pressed(KeyCode::ArrowUp) {
            run.highlighted = run.highlighted.saturating_sub(1);
        }
        if focus.enter(&keys) {
            actions.write(PlayAction::Read(run.highlighted + 1));
        }
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

#[expect(clippy::too_many_arguments, reason = "a Bevy system: one parameter per resource it touches")]
fn ui(
    mut contexts: EguiContexts,
    current: Res<Current>,
    pause: Res<State<Pause>>,
    mut prefs: ResMut<Prefs>,
    mood: Res<Mood>,
    mut buttons: ResMut<ChoiceButtons>,
    mut draft: ResMut<ReflectionDraft>,
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
    // While the reasons for the last decision are asked, it is still "its" moment.
    let step = run.play().decisions().len() + usize::from(run.reflecting.is_none());
    let view = run.play().current();
    top_bar(
        &mut root,
        &format!("{} — decision {step}", s.title()),
        if pause.get().0 {
            "Paused: 1 or Esc resume   2 restart   3 back to the library"
        } else if run.reflecting.is_some() {
            "Type your reasons, Enter to keep them   Esc or an empty line skips"
        } else if read_pending(run).is_some() {
            "1–9 or Up/Down + Enter answer how you read the person   Esc pause"
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
            if let (Some(total), Some(left), None) = (run.timer_seconds(), run.remaining, &run.reflecting) {
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
            // The core's quiet records status (the lab server is away), while it lasts.
            if let Some(status) = run.session.records_status()
                && run.notice.as_deref().is_none_or(|n| !n.contains(status))
            {
                ui.label(theme::muted(ui, status));
            }
            if let Some(prompt) = &run.reflecting {
                // After choosing: the trainee's reasons, one line, skippable.
                ui.label(theme::bold(prompt.as_str()).size(theme::LABEL_SIZE).color(p.accent));
                let id = egui::Id::new("reflection_box");
                let r = ui.add(
                    egui::TextEdit::singleline(&mut draft.0)
                        .id(id)
                        .hint_text("One line, in your own words (optional)")
                        .font(egui::FontId::proportional(theme::LABEL_SIZE))
                        .desired_width(f32::INFINITY),
                );
                // The box has the keyboard as soon as it opens.
                if !r.has_focus() && !r.lost_focus() && !ui.ctx().memory(|m| m.focused().is_some()) {
                    r.request_focus();
                }
                let submitted = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                let mut skip = false;
                ui.horizontal(|ui| {
                    if ui.button(theme::bold("Keep (Enter)")).clicked() {
                        actions.write(PlayAction::Reflect(std::mem::take(&mut draft.0)));
                    }
                    skip = ui.button(theme::bold("Skip (Esc)")).clicked();
                });
                if submitted && !pause.get().0 {
                    actions.write(PlayAction::Reflect(std::mem::take(&mut draft.0)));
                } else if skip {
                    draft.0.clear();
                    actions.write(PlayAction::Reflect(String::new()));
                }
            } else if let Some(v) = &view {
                let read = v.read.as_ref();
                match read {
                    Some(r) if r.answered.is_none() => {
                        // Before choosing: how the trainee reads the person.
                        ui.label(
                            theme::bold(format!("Read the person: {}", r.question))
                                .size(theme::LABEL_SIZE)
                                .color(p.accent),
                        );
                        for (i, o) in r.options.iter().enumerate() {
                            let b = theme::big_button(ui, &format!("{}", i + 1), o, run.highlighted == i);
                            rects.push(b.rect);
                            if b.clicked() && !pause.get().0 {
                                actions.write(PlayAction::Read(i + 1));
                            }
                        }
                        ui.label(theme::muted(ui, "Then you choose what to do."));
                    }
                    _ => {
                        if let Some(said) = read.and_then(|r| r.answered.and_then(|a| r.options.get(a - 1))) {
                            ui.label(theme::muted(ui, format!("Your read: {said}")));
                        }
                        choices(ui, v, run, &pause, &mut rects, &mut actions);
                    }
                }
            }
        });
    // A fresh draft for the next reflection.
    if run.reflecting.is_none() && !draft.0.is_empty() {
        draft.0.clear();
    }
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
                        // For screen readers: a log whose new lines are announced
                        // as they arrive (an AccessKit live region, polite).
                        ui.ctx().accesskit_node_builder(ui.unique_id(), |node| {
                            node.set_role(egui::accesskit::Role::Log);
                            node.set_label("Transcript");
                            node.set_live(egui::accesskit::Live::Polite);
                        });
                        // The ending waits until the reasons are given (they are about the
                        // choice, not its outcome).
                        let entries = run.play().transcript();
                        let shown = match (&run.reflecting, entries.last()) {
                            (Some(_), Some(Entry::Ending { .. })) => &entries[..entries.len() - 1],
                            _ => entries,
                        };
                        transcript(ui, shown, &p);
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

/// The moment's choices (and "let the moment pass" on an untimed run).
fn choices(
    ui: &mut egui::Ui,
    v: &crate::engine::BeatView,
    run: &crate::app::session::Run,
    pause: &State<Pause>,
    rects: &mut Vec<egui::Rect>,
    actions: &mut MessageWriter<PlayAction>,
) {
    for c in &v.choices {
        let r = theme::big_button(ui, &format!("{}", c.number), &c.text, run.highlighted + 1 == c.number);
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
                            let who = ui.label(
                                theme::bold(format!("{name}:")).color(fade(theme::role_color(p, l.role))),
                            );
                            let what = ui.label(egui::RichText::new(&l.text).color(fade(p.text)));
                            one_line_for_screen_readers(ui, &who, &what, format!("{name}: {}", l.text));
                        }
                        None => {
                            ui.label(egui::RichText::new(&l.text).italics().color(fade(p.muted)));
                        }
                    });
                }
            }
            Entry::Said { text, .. } => {
                ui.horizontal_wrapped(|ui| {
                    let who = ui.label(theme::bold("You:").color(fade(p.accent)));
                    let what = ui.label(egui::RichText::new(text).color(fade(p.text)));
                    one_line_for_screen_readers(ui, &who, &what, format!("You: {text}"));
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

/// A transcript line is drawn as two labels (the speaker in their colour, then
/// the words); a screen reader gets it as one line, "Name: words": the
/// speaker's label carries the whole line and the words' own node is hidden.
fn one_line_for_screen_readers(ui: &egui::Ui, who: &egui::Response, what: &egui::Response, line: String) {
    ui.ctx().accesskit_node_builder(who.id, |node| node.set_value(line));
    ui.ctx().accesskit_node_builder(what.id, |node| node.set_hidden());
}
