//! Library: a card per scenario, a filter by text, tag and difficulty, and
//! keyboard navigation (arrows, Enter; `/` to type a filter; H for history,
//! I for the instructor's class report).
//!
//! Keys and clicks become [`LibraryAction`] messages, applied in one system.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::{Screen, body, enter_pressed, root, top_bar};
use crate::app::session::{Library, keys_free};
use crate::app::theme::{self, Prefs};
use crate::app::{AppSystems, UiSet};
use crate::library::LibraryEntry as Entry;
use crate::scenario::model::{Difficulty, ReviewStatus};
use crate::scenario::review::ReviewState;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Filter>()
        .init_resource::<CardsShown>()
        .add_systems(EguiPrimaryContextPass, ui.in_set(UiSet).run_if(in_state(Screen::Library)))
        .add_message::<LibraryAction>()
        .add_systems(
            Update,
            (keys.in_set(AppSystems::RecordInput), apply.in_set(AppSystems::Update))
                .run_if(in_state(Screen::Library)),
        );
}

/// What the trainee does in the library.
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LibraryAction {
    /// Select the entry at this index (a click).
    Select(usize),
    /// Move the selection to the next (`true`) or previous visible entry.
    Step { down: bool },
    /// Open the selected scenario (it must be playable).
    Open,
    /// Put the keyboard in the filter box.
    FocusFilter,
    /// Go to another screen (History, Instructor).
    Go(Screen),
}

/// What the last frame's cards said about review, as (scenario id, words),
/// in the order shown: the words a trainee reads, for tests and tools.
#[derive(Resource, Debug, Clone, Default)]
pub struct CardsShown(pub Vec<(String, String)>);

#[derive(Resource, Debug, Clone, Default)]
pub struct Filter {
    pub text: String,
    pub tag: Option<String>,
    pub difficulty: Option<Difficulty>,
    /// Put the keyboard in the text box on the next frame.
    pub focus_text: bool,
    /// The card last scrolled into view (scroll only when the selection moves,
    /// so the mouse wheel still works).
    pub scrolled_to: Option<usize>,
}

impl Filter {
    pub fn matches(&self, e: &Entry) -> bool {
        let Some(s) = &e.scenario else {
            // Broken files stay visible (with their error) unless a filter is set.
            return self.text.is_empty() && self.tag.is_none() && self.difficulty.is_none();
        };
        let a = &s.file.about;
        let text = self.text.to_lowercase();
        let text_ok = text.is_empty()
            || a.title.to_lowercase().contains(&text)
            || a.summary.to_lowercase().contains(&text)
            || a.tags.iter().any(|t| t.to_lowercase().contains(&text))
            || a.objectives.iter().any(|o| o.to_lowercase().contains(&text));
        let tag_ok = self.tag.as_ref().is_none_or(|t| a.tags.contains(t));
        let diff_ok = self.difficulty.is_none_or(|d| a.difficulty == d);
        text_ok && tag_ok && diff_ok
    }

    /// Indices of the entries that pass the filter.
    pub fn visible(&self, lib: &Library) -> Vec<usize> {
        (0..lib.entries.len()).filter(|&i| self.matches(&lib.entries[i])).collect()
    }
}

fn keys(
    keys: Res<ButtonInput<KeyCode>>,
    wants: Option<Res<bevy_egui::input::EguiWantsInput>>,
    mut actions: MessageWriter<LibraryAction>,
) {
    if !keys_free(wants) {
        return;
    }
    if keys.just_pressed(KeyCode::ArrowDown) || keys.just_pressed(KeyCode::ArrowRight) {
        actions.write(LibraryAction::Step { down: true });
    }
    if keys.just_pressed(KeyCode::ArrowUp) || keys.just_pressed(KeyCode::ArrowLeft) {
        actions.write(LibraryAction::Step { down: false });
    }
    if enter_pressed(&keys) {
        actions.write(LibraryAction::Open);
    }
    if keys.just_pressed(KeyCode::Slash) {
        actions.write(LibraryAction::FocusFilter);
    }
    if keys.just_pressed(KeyCode::KeyH) {
        actions.write(LibraryAction::Go(Screen::History));
    }
    if keys.just_pressed(KeyCode::KeyI) {
        actions.write(LibraryAction::Go(Screen::Instructor));
    }
}

fn apply(
    mut actions: MessageReader<LibraryAction>,
    mut library: ResMut<Library>,
    mut filter: ResMut<Filter>,
    mut next: ResMut<NextState<Screen>>,
) {
    for action in actions.read() {
        let visible = filter.visible(&library);
        let pos = visible.iter().position(|&i| i == library.selected);
        match *action {
            LibraryAction::Select(i) if i < library.entries.len() => library.selected = i,
            LibraryAction::Select(_) => {}
            LibraryAction::Step { down } if !visible.is_empty() => {
                let p = match (pos, down) {
                    (None, _) => 0,
                    (Some(p), true) => (p + 1).min(visible.len() - 1),
                    (Some(p), false) => p.saturating_sub(1),
                };
                library.selected = visible[p];
            }
            LibraryAction::Step { .. } => {}
            LibraryAction::Open => {
                if pos.is_some() && library.selected_entry().is_some_and(|e| e.scenario.is_some()) {
                    next.set(Screen::Trainee);
                }
            }
            LibraryAction::FocusFilter => filter.focus_text = true,
            LibraryAction::Go(screen) => next.set(screen),
        }
    }
}

fn ui(
    mut contexts: EguiContexts,
    mut library: ResMut<Library>,
    mut filter: ResMut<Filter>,
    mut prefs: ResMut<Prefs>,
    mut actions: MessageWriter<LibraryAction>,
    mut shown: ResMut<CardsShown>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    shown.0.clear();
    let mut root = root(ctx);
    top_bar(
        &mut root,
        Screen::Library.title(),
        "Up/Down choose   Enter open   / filter   H history   I instructor   F3 contrast   Ctrl +/− text size",
        &mut prefs,
    );
    let p = theme::palette(prefs.high_contrast);
    let mut tags: Vec<String> = library
        .entries
        .iter()
        .filter_map(|e| e.scenario.as_ref())
        .flat_map(|s| s.file.about.tags.clone())
        .collect();
    tags.sort();
    tags.dedup();
    egui::Panel::bottom("library_buttons")
        .frame(egui::Frame::new().fill(p.bg).inner_margin(egui::Margin::symmetric(24, 8)))
        .show(&mut root, |ui| {
            ui.horizontal_wrapped(|ui| {
                if ui.button(theme::bold("History (H)")).clicked() {
                    actions.write(LibraryAction::Go(Screen::History));
                }
                if ui.button(theme::bold("Class report for instructors (I)")).clicked() {
                    actions.write(LibraryAction::Go(Screen::Instructor));
                }
            });
        });
    body(&mut root, &prefs, |ui| {
        if let Some(problem) = &library.folder_problem {
            ui.label(egui::RichText::new(problem).color(p.bad));
        }
        ui.horizontal_wrapped(|ui| {
            ui.label("Filter:");
            let edit = ui.add(
                egui::TextEdit::singleline(&mut filter.text)
                    .hint_text("title, tag or objective")
                    .desired_width(300.0),
            );
            if filter.focus_text {
                edit.request_focus();
                filter.focus_text = false;
            }
            let tag_label = filter.tag.clone().unwrap_or_else(|| "any tag".into());
            egui::ComboBox::from_id_salt("tag").selected_text(tag_label).show_ui(ui, |ui| {
                ui.selectable_value(&mut filter.tag, None, "any tag");
                for t in &tags {
                    ui.selectable_value(&mut filter.tag, Some(t.clone()), t);
                }
            });
            ui.selectable_value(&mut filter.difficulty, None, "All levels");
            for d in Difficulty::ALL {
                ui.selectable_value(&mut filter.difficulty, Some(d), d.label());
            }
        });
        ui.add_space(6.0);
        let visible = filter.visible(&library);
        if visible.is_empty() {
            ui.label(theme::muted(ui, "No scenario matches this filter."));
        }
        if !visible.contains(&library.selected)
            && let Some(&first) = visible.first()
        {
            library.selected = first;
        }
        egui::ScrollArea::vertical().id_salt("library_1").auto_shrink([false, false]).show(ui, |ui| {
            for i in visible {
                let selected = i == library.selected;
                let entry = library.entries[i].clone();
                if let Some(s) = &entry.scenario {
                    shown.0.push((s.id().to_string(), card_review_text(s.review_status())));
                }
                let response = theme::card(ui, selected, |ui| {
                    ui.set_width(ui.available_width());
                    card_body(ui, &entry, &p)
                })
                .response
                .interact(egui::Sense::click());
                if selected && filter.scrolled_to != Some(i) {
                    response.scroll_to_me(None);
                    filter.scrolled_to = Some(i);
                }
                if response.clicked() {
                    actions.write(LibraryAction::Select(i));
                }
                if response.double_clicked() {
                    actions.write(LibraryAction::Select(i));
                    actions.write(LibraryAction::Open);
                }
                ui.add_space(4.0);
            }
        });
    });
    Ok(())
}

/// The card's review line: a mark, the status in words and who reviewed it,
/// so the status never rests on colour alone.
pub fn review_line(r: &ReviewState, p: &theme::Palette) -> egui::RichText {
    let (mark, color) = match r.effective() {
        ReviewStatus::ClinicallyReviewed => ("✔", p.good),
        ReviewStatus::TeamReviewed => ("◐", p.muted),
        ReviewStatus::Draft => ("○", p.warn),
    };
    egui::RichText::new(format!("{mark} Review: {}", card_review_text(r))).color(color)
}

/// The words of the card's review line, e.g. "Team reviewed (Talkdown content
/// team, 2026-12-01), not clinically reviewed".
pub fn card_review_text(r: &ReviewState) -> String {
    let mut s = r.label();
    let who: Vec<&str> = [r.reviewer.as_deref(), r.date.as_deref()].into_iter().flatten().collect();
    if r.status.is_reviewed() && !who.is_empty() {
        s.push_str(&format!(" ({})", who.join(", ")));
    }
    if !r.is_clinically_reviewed() {
        s.push_str(if r.effective() == ReviewStatus::Draft && !r.changed_since {
            ", not reviewed yet"
        } else {
            ", not clinically reviewed"
        });
    }
    s
}

fn card_body(ui: &mut egui::Ui, entry: &Entry, p: &theme::Palette) {
    let Some(s) = &entry.scenario else {
        theme::section(ui, entry.stem.clone());
        if let Some(problem) = &entry.problem {
            ui.label(egui::RichText::new("This file cannot be played:").color(p.bad));
            ui.label(egui::RichText::new(&problem.headline).monospace().color(p.bad));
        }
        return;
    };
    let a = &s.file.about;
    ui.horizontal_wrapped(|ui| {
        theme::section(ui, a.title.clone());
        ui.label(
            egui::RichText::new(format!("{} · about {} min", a.difficulty.label(), a.minutes))
                .color(p.accent),
        );
    });
    ui.label(&a.summary);
    if !a.tags.is_empty() {
        ui.label(egui::RichText::new(format!("Tags: {}", a.tags.join(", "))).color(p.muted));
    }
    if !a.objectives.is_empty() {
        ui.label(theme::bold("Objectives"));
        for o in &a.objectives {
            ui.label(format!("•  {o}"));
        }
    }
    if !a.content_warnings.is_empty() {
        ui.label(egui::RichText::new(format!("⚠ Content: {}", a.content_warnings.join(", "))).color(p.warn));
    }
    ui.label(review_line(s.review_status(), p));
    if let Some(problem) = &entry.problem {
        ui.label(
            egui::RichText::new(format!(
                "The file on disk has an error; this is the last good version. {}",
                problem.headline
            ))
            .color(p.bad),
        );
    }
}
