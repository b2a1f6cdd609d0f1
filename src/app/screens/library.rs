//! Library: every scenario at a glance in a compact list (title, level,
//! minutes, review status, this trainee's last result), a details pane for
//! the selected one with a plain Start button, and a filter by text, tag and
//! level. Keys: ↑ ↓ choose, Enter start, `/` type a filter (Esc leaves the
//! box), T next tag, D next level, Esc clears the filter, H
//! history, I the instructor's class report.
//!
//! Keys and clicks become [`LibraryAction`] messages, applied in one system.

use std::collections::HashMap;

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::{Screen, UiFocus, body, root, top_bar};
use crate::app::session::{Attempt, Attempts, Library, Records};
use crate::app::theme::{self, Prefs};
use crate::app::{AppSystems, UiSet};
use crate::debrief::Standard;
use crate::library::LibraryEntry as Entry;
use crate::scenario::model::{Difficulty, ReviewStatus};
use crate::scenario::review::ReviewState;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Filter>()
        .init_resource::<CardsShown>()
        .init_resource::<LastResults>()
        .add_systems(OnEnter(Screen::Library), |mut last: ResMut<LastResults>| last.stale = true)
        .add_systems(EguiPrimaryContextPass, ui.in_set(UiSet).run_if(in_state(Screen::Library)))
        .add_message::<LibraryAction>()
        .add_systems(
            Update,
            (
                keys.in_set(AppSystems::RecordInput),
                (apply, refresh_last_results).chain().in_set(AppSystems::Update),
            )
                .run_if(in_state(Screen::Library)),
        );
}

/// What the trainee does in the library.
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LibraryAction {
    /// Select the entry at this index (a click on its row).
    Select(usize),
    /// Move the selection to the next (`true`) or previous visible entry.
    Step { down: bool },
    /// Start the selected scenario (it must be playable): on to "Who is training?".
    Open,
    /// Put the keyboard in the filter box.
    FocusFilter,
    /// The next tag in the tag filter (after the last: any tag).
    NextTag,
    /// The next level in the level filter (after the last: all levels).
    NextDifficulty,
    /// Clear the text, tag and level filters.
    ClearFilter,
    /// Go to another screen (History, Instructor).
    Go(Screen),
}

/// What the last frame's list said about review, as (scenario id, words),
/// in the order shown: the words a trainee reads, for tests and tools.
#[derive(Resource, Debug, Clone, Default)]
pub struct CardsShown(pub Vec<(String, String)>);

/// This trainee's last finished attempt at each scenario (by scenario id),
/// from the records store when there is one, else from this sitting.
#[derive(Resource, Debug, Clone, Default)]
pub struct LastResults {
    /// Whose results these are ("" when no trainee is known yet).
    pub trainee: String,
    pub by_scenario: HashMap<String, Attempt>,
    /// Read again before the next frame (set on entering the library).
    pub stale: bool,
}

#[derive(Resource, Debug, Clone, Default)]
pub struct Filter {
    pub text: String,
    pub tag: Option<String>,
    pub difficulty: Option<Difficulty>,
    /// Put the keyboard in the text box on the next frame.
    pub focus_text: bool,
    /// The row last scrolled into view (scroll only when the selection moves,
    /// so the mouse wheel still works).
    pub scrolled_to: Option<usize>,
}

impl Filter {
    pub fn matches(&self, e: &Entry) -> bool {
        let Some(s) = &e.scenario else {
            // Broken files stay visible (with their error) unless a filter is set.
            return self.is_empty();
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

    /// No text, tag or level chosen.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty() && self.tag.is_none() && self.difficulty.is_none()
    }

    /// Indices of the entries that pass the filter.
    pub fn visible(&self, lib: &Library) -> Vec<usize> {
        (0..lib.entries.len()).filter(|&i| self.matches(&lib.entries[i])).collect()
    }
}

/// Every tag of the library's playable scenarios, sorted, once each.
fn all_tags(library: &Library) -> Vec<String> {
    let mut tags: Vec<String> = library
        .entries
        .iter()
        .filter_map(|e| e.scenario.as_ref())
        .flat_map(|s| s.file.about.tags.clone())
        .collect();
    tags.sort();
    tags.dedup();
    tags
}

/// The value after `now` in `list`, then `None` (no filter), then the first again.
fn next_in<T: Clone + PartialEq>(list: &[T], now: &Option<T>) -> Option<T> {
    match now {
        None => list.first().cloned(),
        Some(v) => list.iter().position(|x| x == v).and_then(|i| list.get(i + 1)).cloned(),
    }
}

fn keys(keys: Res<ButtonInput<KeyCode>>, focus: Res<UiFocus>, mut actions: MessageWriter<LibraryAction>) {
    if focus.text {
        return; // typing a filter: Esc leaves the box
    }
    let map = [
        (KeyCode::ArrowDown, LibraryAction::Step { down: true }),
        (KeyCode::ArrowRight, LibraryAction::Step { down: true }),
        (KeyCode::ArrowUp, LibraryAction::Step { down: false }),
        (KeyCode::ArrowLeft, LibraryAction::Step { down: false }),
        (KeyCode::Slash, LibraryAction::FocusFilter),
        (KeyCode::KeyT, LibraryAction::NextTag),
        (KeyCode::KeyD, LibraryAction::NextDifficulty),
        (KeyCode::Escape, LibraryAction::ClearFilter),
        (KeyCode::KeyH, LibraryAction::Go(Screen::History)),
        (KeyCode::KeyI, LibraryAction::Go(Screen::Instructor)),
    ];
    for (k, a) in map {
        if keys.just_pressed(k) {
            actions.write(a);
        }
    }
    if focus.enter(&keys) {
        actions.write(LibraryAction::Open);
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
            LibraryAction::NextTag => filter.tag = next_in(&all_tags(&library), &filter.tag),
            LibraryAction::NextDifficulty => {
                filter.difficulty = next_in(&Difficulty::ALL, &filter.difficulty);
            }
            LibraryAction::ClearFilter => {
                filter.text.clear();
                filter.tag = None;
                filter.difficulty = None;
            }
            LibraryAction::Go(screen) => next.set(screen),
        }
        // The selection follows the filter: never a hidden entry.
        let visible = filter.visible(&library);
        if !visible.contains(&library.selected)
            && let Some(&first) = visible.first()
        {
            library.selected = first;
        }
    }
}

/// Read this trainee's last results when the library opens (or the name changed).
fn refresh_last_results(
    mut last: ResMut<LastResults>,
    prefs: Res<Prefs>,
    attempts: Res<Attempts>,
    records: Option<Res<Records>>,
) {
    let name = prefs.trainee.trim();
    if !last.stale && last.trainee == name {
        return;
    }
    last.stale = false;
    last.trainee = name.to_string();
    last.by_scenario.clear();
    if name.is_empty() {
        return;
    }
    let stored = records.as_ref().and_then(|r| r.with("read the last results", |s| s.history(name)));
    let list: Vec<Attempt> = match stored {
        Some(rows) => rows
            .iter()
            .filter(|r| r.status == crate::records::Status::Finished)
            .map(Attempt::from_summary)
            .collect(),
        None => attempts.0.iter().filter(|a| a.trainee == name).cloned().collect(),
    };
    for a in list {
        let newer = last.by_scenario.get(&a.scenario).is_none_or(|b| b.when <= a.when);
        if newer {
            last.by_scenario.insert(a.scenario.clone(), a);
        }
    }
}

/// A last result in a few words for the list: the verdict with a mark and
/// the decisions score, e.g. "✔ Met 85 %".
pub fn result_short(a: &Attempt) -> String {
    let verdict = match a.verdict {
        Some(Standard::MeetsStandard) => "✔ Met",
        Some(Standard::NotYet) => "✖ Not yet",
        None => "Finished",
    };
    match a.process.or(a.percent) {
        Some(pct) => format!("{verdict} {pct} %"),
        None => verdict.to_string(),
    }
}

/// A last result in full for the details pane.
pub fn result_long(a: &Attempt) -> String {
    let mut s = format!(
        "{} ({}, {})",
        a.verdict.map(Standard::label).unwrap_or("Finished"),
        a.mode.label(),
        a.when.format("%Y-%m-%d %H:%M")
    );
    if let Some(pct) = a.process.or(a.percent) {
        s.push_str(&format!(": decisions {pct} %"));
    }
    if let Some(o) = &a.outcome {
        s.push_str(&format!(", ending “{o}”"));
    }
    if a.critical > 0 {
        s.push_str(&format!(", {} critical error{}", a.critical, if a.critical == 1 { "" } else { "s" }));
    }
    s.push('.');
    s
}

/// The review status in a word or two with its mark, for the list.
fn review_short(r: &ReviewState) -> &'static str {
    match r.effective() {
        ReviewStatus::ClinicallyReviewed => "✔ Clinical",
        ReviewStatus::TeamReviewed => "Team",
        ReviewStatus::Draft => "Draft",
    }
}

/// A row's cells: (text, colour), in column order.
type Cells = Vec<(String, egui::Color32)>;

/// One row of the list: the whole row answers a click (a double click
/// starts); the selected row has a thick edge and a ▶ mark, not colour alone.
/// Cells that do not fit end in "…" (the details pane has them in full).
fn list_row(
    ui: &mut egui::Ui,
    widths: &[f32],
    cells: &Cells,
    selected: bool,
    header: bool,
) -> egui::Response {
    let p = theme::current(ui);
    let font = if header {
        egui::FontId::new(theme::LIST_SIZE, egui::FontFamily::Name("bold".into()))
    } else {
        egui::FontId::proportional(theme::LIST_SIZE)
    };
    let row_h = ui.ctx().fonts_mut(|f| f.row_height(&font)) + 12.0;
    let sense = if header { egui::Sense::hover() } else { egui::Sense::click() };
    let (rect, response) = ui.allocate_exact_size(egui::vec2(ui.available_width(), row_h), sense);
    if ui.is_rect_visible(rect) {
        let painter = ui.painter_at(rect.expand(2.0));
        if selected {
            painter.rect(rect, 6.0, p.selected, egui::Stroke::new(3.0, p.accent), egui::StrokeKind::Inside);
        } else if response.hovered() && !header {
            painter.rect_filled(rect, 6.0, p.card);
        }
        let mut x = rect.left() + 8.0;
        let mark = if selected { "▶" } else { "" };
        let mark_galley = painter.layout_no_wrap(mark.into(), font.clone(), p.accent);
        painter.galley(egui::pos2(x, rect.center().y - mark_galley.size().y / 2.0), mark_galley, p.accent);
        x += MARK_WIDTH;
        for (w, (text, color)) in widths.iter().zip(cells) {
            let mut job = egui::text::LayoutJob::simple_singleline(text.clone(), font.clone(), *color);
            job.wrap = egui::text::TextWrapping::truncate_at_width((w - 12.0).max(8.0));
            let galley = painter.layout_job(job);
            painter.galley(egui::pos2(x, rect.center().y - galley.size().y / 2.0), galley, *color);
            x += w;
        }
    }
    response
}

/// Room for the ▶ mark before the first column.
const MARK_WIDTH: f32 = 24.0;

/// Column widths for `rows` in `width`: each column after the title as wide
/// as its widest cell; the title gets the rest. When the title would get too
/// little (large text), columns are dropped from the right (the details
/// pane still shows them). Returns the widths of the columns kept.
fn column_widths(ui: &egui::Ui, width: f32, rows: &[Cells]) -> Vec<f32> {
    let font = egui::FontId::new(theme::LIST_SIZE, egui::FontFamily::Name("bold".into()));
    let columns = rows.first().map(Vec::len).unwrap_or(0);
    if columns == 0 {
        return Vec::new();
    }
    let natural: Vec<f32> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|(t, _)| {
                    ui.ctx().fonts_mut(|f| {
                        f.layout_no_wrap(t.clone(), font.clone(), egui::Color32::WHITE).size().x
                    })
                })
                .fold(0.0, f32::max)
                + 16.0
        })
        .collect();
    let width = width - MARK_WIDTH - 8.0;
    let min_title = (natural.first().copied().unwrap_or(0.0)).min(width * 0.36).max(120.0);
    let mut keep = columns;
    while keep > 1 && width - natural[1..keep].iter().sum::<f32>() < min_title {
        keep -= 1;
    }
    let mut widths = vec![(width - natural[1..keep].iter().sum::<f32>()).max(40.0)];
    widths.extend_from_slice(&natural[1..keep]);
    widths
}

fn ui(
    mut contexts: EguiContexts,
    mut library: ResMut<Library>,
    mut filter: ResMut<Filter>,
    mut prefs: ResMut<Prefs>,
    last: Res<LastResults>,
    mut actions: MessageWriter<LibraryAction>,
    mut shown: ResMut<CardsShown>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    shown.0.clear();
    let mut root = root(ctx);
    top_bar(
        &mut root,
        Screen::Library.title(),
        "Up/Down choose   Enter start   / filter (Esc leaves it)   T tag   D level   Esc clear filter   H history   I instructor",
        &mut prefs,
    );
    let p = theme::palette(prefs.high_contrast);
    let tags = all_tags(&library);
    let visible = filter.visible(&library);
    if !visible.contains(&library.selected)
        && let Some(&first) = visible.first()
    {
        library.selected = first;
    }
    let narrow = ctx.viewport_rect().width() < NARROW;
    let selected = visible.contains(&library.selected).then(|| library.entries[library.selected].clone());
    egui::Panel::bottom("library_buttons")
        .frame(egui::Frame::new().fill(p.bg).inner_margin(egui::Margin::symmetric(24, 8)))
        .show(&mut root, |ui| {
            ui.horizontal_wrapped(|ui| {
                if narrow && selected.as_ref().is_some_and(|e| e.scenario.is_some()) {
                    start_button(ui, &p, "▶ Start (Enter)", 0.0, &mut actions);
                }
                if ui.button(theme::bold("History (H)")).clicked() {
                    actions.write(LibraryAction::Go(Screen::History));
                }
                let report = if narrow { "Class report (I)" } else { "Class report for instructors (I)" };
                if ui.button(theme::bold(report)).clicked() {
                    actions.write(LibraryAction::Go(Screen::Instructor));
                }
            });
        });
    // Right: the selected scenario in full, with Start at the top.
    if !narrow {
        egui::Panel::right("library_details")
            .exact_size(ctx.viewport_rect().width() * 0.36)
            .resizable(false)
            .frame(egui::Frame::new().fill(p.card).inner_margin(egui::Margin::symmetric(18, 14)))
            .show(&mut root, |ui| match &selected {
                Some(entry) => details(ui, entry, &last, &p, &mut actions),
                None => {
                    ui.label(theme::muted(ui, "Nothing selected."));
                }
            });
    }
    body(&mut root, &prefs, |ui| {
        if let Some(problem) = &library.folder_problem {
            ui.label(egui::RichText::new(problem).color(p.bad));
        }
        ui.horizontal_wrapped(|ui| {
            ui.label("Filter (/):");
            let edit = ui.add(
                egui::TextEdit::singleline(&mut filter.text)
                    .hint_text("title, tag or objective")
                    .desired_width(if narrow { 110.0 } else { 200.0 }),
            );
            if filter.focus_text {
                edit.request_focus();
                filter.focus_text = false;
            }
            let tag_label = format!("Tag (T): {}", filter.tag.clone().unwrap_or_else(|| "any".into()));
            egui::ComboBox::from_id_salt("tag").selected_text(tag_label).show_ui(ui, |ui| {
                ui.selectable_value(&mut filter.tag, None, "any tag");
                for t in &tags {
                    ui.selectable_value(&mut filter.tag, Some(t.clone()), t);
                }
            });
            let level = filter.difficulty.map(Difficulty::label).unwrap_or("all");
            egui::ComboBox::from_id_salt("level").selected_text(format!("Level (D): {level}")).show_ui(
                ui,
                |ui| {
                    ui.selectable_value(&mut filter.difficulty, None, "All levels");
                    for d in Difficulty::ALL {
                        ui.selectable_value(&mut filter.difficulty, Some(d), d.label());
                    }
                },
            );
            if !filter.is_empty() && ui.button("Clear (Esc)").clicked() {
                actions.write(LibraryAction::ClearFilter);
            }
        });
        ui.add_space(4.0);
        if visible.is_empty() {
            ui.label(theme::muted(ui, "No scenario matches this filter. Esc clears it."));
            return;
        }
        let known = !last.trainee.is_empty();
        let mut header: Cells = vec![
            (format!("Scenario ({} of {})", visible.len(), library.entries.len()), p.text),
            ("Level".into(), p.text),
            ("Time".into(), p.text),
            ("Review".into(), p.text),
        ];
        if known {
            header.push(("Last result".into(), p.text));
        }
        let mut rows: Vec<(usize, Cells)> = Vec::new();
        for &i in &visible {
            let entry = &library.entries[i];
            let cells: Cells = match &entry.scenario {
                Some(s) => {
                    shown.0.push((s.id().to_string(), card_review_text(s.review_status())));
                    let a = &s.file.about;
                    let review = s.review_status();
                    let review_color = match review.effective() {
                        ReviewStatus::ClinicallyReviewed => p.good,
                        ReviewStatus::TeamReviewed => p.muted,
                        ReviewStatus::Draft => p.warn,
                    };
                    let mut cells = vec![
                        (a.title.clone(), p.text),
                        (a.difficulty.label().to_string(), p.muted),
                        (format!("{} min", a.minutes), p.muted),
                        (review_short(review).to_string(), review_color),
                    ];
                    if known {
                        cells.push(match last.by_scenario.get(s.id()) {
                            Some(r) => (
                                result_short(r),
                                if r.verdict == Some(Standard::MeetsStandard) { p.good } else { p.bad },
                            ),
                            None => ("not played".into(), p.muted),
                        });
                    }
                    cells
                }
                None => {
                    let mut cells = vec![
                        (format!("{} (cannot be played)", entry.stem), p.bad),
                        ("—".into(), p.muted),
                        ("—".into(), p.muted),
                        ("✖ Error".into(), p.bad),
                    ];
                    if known {
                        cells.push(("—".into(), p.muted));
                    }
                    cells
                }
            };
            rows.push((i, cells));
        }
        let mut all: Vec<Cells> = vec![header.clone()];
        all.extend(rows.iter().map(|(_, c)| c.clone()));
        let widths = column_widths(ui, ui.available_width(), &all);
        if !narrow {
            let _ = list_row(ui, &widths, &header, false, true);
        }
        egui::ScrollArea::vertical().id_salt("library_list").auto_shrink([false, false]).show(ui, |ui| {
            ui.spacing_mut().item_spacing.y = 2.0;
            for (i, cells) in &rows {
                let selected = *i == library.selected;
                let response = list_row(ui, &widths, cells, selected, false);
                // A screen reader reads the whole row: title, level, minutes,
                // review status and (once a name is known) the last result.
                let row: Vec<&str> =
                    cells.iter().map(|(t, _)| t.as_str()).filter(|t| !t.is_empty() && *t != "—").collect();
                let row = row.join(", ");
                response.widget_info(|| {
                    egui::WidgetInfo::selected(egui::WidgetType::SelectableLabel, true, selected, &row)
                });
                if selected && filter.scrolled_to != Some(*i) {
                    response.scroll_to_me(None);
                    filter.scrolled_to = Some(*i);
                }
                if response.clicked() {
                    actions.write(LibraryAction::Select(*i));
                }
                if response.double_clicked() {
                    actions.write(LibraryAction::Open);
                }
                // Narrow (large text): the selected scenario's details open under its row.
                if narrow
                    && selected
                    && let Some(entry) = library.entries.get(*i)
                {
                    theme::card(ui, true, |ui| {
                        ui.set_width(ui.available_width());
                        details_body(ui, entry, &last, &p);
                    });
                }
            }
        });
    });
    Ok(())
}

/// The details pane: title, Start, then everything about the scenario.
/// Below this width (in points, so at large text sizes) the details sit
/// under the selected row and Start in the bottom bar, instead of a pane.
const NARROW: f32 = 900.0;

/// The Start button (Enter).
fn start_button(
    ui: &mut egui::Ui,
    p: &theme::Palette,
    label: &str,
    min_width: f32,
    actions: &mut MessageWriter<LibraryAction>,
) {
    let start = ui.add(
        egui::Button::new(theme::bold(label).size(theme::LABEL_SIZE))
            .fill(p.selected)
            .stroke(egui::Stroke::new(2.0, p.accent))
            .min_size(egui::vec2(ui.available_width().min(min_width), 44.0)),
    );
    if start.clicked() {
        actions.write(LibraryAction::Open);
    }
}

/// The details pane: title, Start, then everything about the scenario.
fn details(
    ui: &mut egui::Ui,
    entry: &Entry,
    last: &LastResults,
    p: &theme::Palette,
    actions: &mut MessageWriter<LibraryAction>,
) {
    let Some(s) = &entry.scenario else {
        theme::section(ui, entry.stem.clone());
        details_body(ui, entry, last, p);
        return;
    };
    let a = &s.file.about;
    theme::section(ui, a.title.clone());
    ui.label(
        egui::RichText::new(format!("{} · about {} min", a.difficulty.label(), a.minutes)).color(p.accent),
    );
    start_button(ui, p, "▶  Start  (Enter)", f32::INFINITY, actions);
    ui.add_space(4.0);
    egui::ScrollArea::vertical()
        .id_salt("library_details")
        .auto_shrink([false, false])
        .show(ui, |ui| details_body(ui, entry, last, p));
}

/// Everything about a scenario but its title: the last result, summary,
/// content, time, review, objectives and tags (or why the file cannot be played).
fn details_body(ui: &mut egui::Ui, entry: &Entry, last: &LastResults, p: &theme::Palette) {
    let Some(s) = &entry.scenario else {
        ui.label(egui::RichText::new("✖ This file cannot be played:").color(p.bad));
        if let Some(problem) = &entry.problem {
            ui.label(egui::RichText::new(&problem.headline).monospace().color(p.bad));
        }
        ui.label(theme::muted(
            ui,
            "Fix the file (talkdown validate names the line); the library reloads it.",
        ));
        return;
    };
    let a = &s.file.about;
    if let Some(problem) = &entry.problem {
        ui.label(
            egui::RichText::new(format!(
                "The file on disk has an error; this is the last good version. {}",
                problem.headline
            ))
            .color(p.bad),
        );
    }
    if !last.trainee.is_empty() {
        let text = match last.by_scenario.get(s.id()) {
            Some(r) => format!("Last result for {}: {}", last.trainee, result_long(r)),
            None => format!("{} has not finished this scenario yet.", last.trainee),
        };
        ui.label(theme::bold(text));
    }
    ui.label(&a.summary);
    if !a.content_warnings.is_empty() {
        ui.label(egui::RichText::new(format!("⚠ Content: {}", a.content_warnings.join(", "))).color(p.warn));
    }
    if let Some(t) = timed_summary(s) {
        ui.label(format!("⏱ {t}"));
    }
    ui.label(review_line(s.review_status(), p));
    if !a.objectives.is_empty() {
        ui.label(theme::bold("Objectives"));
        for o in &a.objectives {
            ui.label(format!("•  {o}"));
        }
    }
    if !a.tags.is_empty() {
        ui.label(egui::RichText::new(format!("Tags: {}", a.tags.join(", "))).color(p.muted));
    }
}

/// "2 timed moments (20–30 s as written)", or `None` when nothing is timed.
pub fn timed_summary(s: &crate::scenario::Scenario) -> Option<String> {
    let secs = s.timer_seconds();
    let (lo, hi) = (secs.iter().min()?, secs.iter().max()?);
    let n = secs.len();
    let moments = if n == 1 { "1 timed moment".to_string() } else { format!("{n} timed moments") };
    Some(if lo == hi {
        format!("{moments} ({lo} s as written)")
    } else {
        format!("{moments} ({lo}–{hi} s as written)")
    })
}

/// The card's review line: a mark, the status in words and who reviewed it,
/// so the status never rests on colour alone.
pub fn review_line(r: &ReviewState, p: &theme::Palette) -> egui::RichText {
    let (mark, color) = match r.effective() {
        ReviewStatus::ClinicallyReviewed => ("✔", p.good),
        ReviewStatus::TeamReviewed => ("•", p.muted),
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
