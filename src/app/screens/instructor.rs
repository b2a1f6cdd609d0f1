//! Instructor: the class report for one scenario, over a date range, from the
//! session records, with CSV and HTML exports. Reached from the library (I).
//!
//! The numbers are [`crate::records::Store::class_report`]'s, the same call
//! `talkdown report` prints; this file only lays them out. Up/Down pick the
//! scenario, D types a date, Enter refreshes, C exports CSV, E exports HTML,
//! Esc or L goes back to the library.

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::{Screen, UiFocus, body, root, top_bar};
use crate::app::UiSet;
use crate::app::session::{Library, Records};
use crate::app::theme::{self, Prefs};
use crate::records::{self, ChoiceJudgement, ClassReport, Filter, Grade, Store, parse_date};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Instructor>()
        .add_message::<InstructorAction>()
        .add_systems(OnEnter(Screen::Instructor), enter)
        .add_systems(EguiPrimaryContextPass, ui.in_set(UiSet).run_if(in_state(Screen::Instructor)))
        .add_systems(
            Update,
            (keys.in_set(crate::app::AppSystems::RecordInput), act.in_set(crate::app::AppSystems::Update))
                .run_if(in_state(Screen::Instructor)),
        );
}

/// What the instructor has picked and what the records said.
#[derive(Resource, Debug, Clone, Default)]
pub struct Instructor {
    /// The scenario id (from the library).
    pub scenario: Option<String>,
    /// `YYYY-MM-DD` (or RFC 3339); empty = from the first session.
    pub since: String,
    /// `YYYY-MM-DD` (or RFC 3339); empty = up to now. Limits the CSV export.
    pub until: String,
    /// The report for the current choice, from [`Store::class_report`].
    pub report: Option<ClassReport>,
    /// Why there is no report (recording disabled, a bad date, a store error).
    pub problem: Option<String>,
    /// What the last export did ("Saved …" or why not).
    pub message: Option<String>,
    /// The file the last successful export wrote.
    pub last_export: Option<PathBuf>,
    /// Put the keyboard in the "since" field on the next frame.
    pub focus_dates: bool,
}

#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstructorAction {
    /// Build the report again (after a change of scenario or dates).
    Refresh,
    PreviousScenario,
    NextScenario,
    ExportCsv,
    ExportHtml,
    /// Put the keyboard in the "since" date field (D).
    FocusDates,
    Library,
}

/// The scenarios the library can offer: (id, title), in library order.
fn scenarios(library: &Library) -> Vec<(String, String)> {
    library
        .entries
        .iter()
        .filter(|e| e.scenario.is_some())
        .map(|e| (e.id().to_string(), e.title().to_string()))
        .collect()
}

/// Start on the scenario selected in the library, and show its report.
fn enter(library: Res<Library>, mut state: ResMut<Instructor>, mut out: MessageWriter<InstructorAction>) {
    let list = scenarios(&library);
    let selected = library.selected_entry().filter(|e| e.scenario.is_some()).map(|e| e.id().to_string());
    let keep = state.scenario.clone().filter(|id| list.iter().any(|(i, _)| i == id));
    state.scenario = keep.or(selected).or_else(|| list.first().map(|(id, _)| id.clone()));
    state.message = None;
    out.write(InstructorAction::Refresh);
}

fn keys(keys: Res<ButtonInput<KeyCode>>, focus: Res<UiFocus>, mut out: MessageWriter<InstructorAction>) {
    if focus.text {
        return; // typing a date: Esc leaves the field (and refreshes)
    }
    let map = [
        (KeyCode::ArrowUp, InstructorAction::PreviousScenario),
        (KeyCode::ArrowLeft, InstructorAction::PreviousScenario),
        (KeyCode::ArrowDown, InstructorAction::NextScenario),
        (KeyCode::ArrowRight, InstructorAction::NextScenario),
        (KeyCode::KeyC, InstructorAction::ExportCsv),
        (KeyCode::KeyE, InstructorAction::ExportHtml),
        (KeyCode::KeyD, InstructorAction::FocusDates),
        (KeyCode::KeyL, InstructorAction::Library),
        (KeyCode::Escape, InstructorAction::Library),
    ];
    for (k, a) in map {
        if keys.just_pressed(k) {
            out.write(a);
        }
    }
    if focus.enter(&keys) {
        out.write(InstructorAction::Refresh);
    }
}

/// The dates as times; an error message names the field and the format.
fn dates(state: &Instructor) -> Result<Filter, String> {
    let parse = |what: &str, s: &str| {
        let s = s.trim();
        if s.is_empty() { Ok(None) } else { parse_date(s).map(Some).map_err(|e| format!("{what}: {e}")) }
    };
    Ok(Filter {
        scenario: state.scenario.clone(),
        since: parse("Since", &state.since)?,
        until: parse("Before", &state.until)?,
        ..Filter::default()
    })
}

/// The store, or a message saying why there is none.
fn store<'a>(records: &'a Records) -> Result<std::sync::MutexGuard<'a, Store>, String> {
    match &records.store {
        Some(m) => m.lock().map_err(|_| "The records store is unavailable (a panic while writing).".into()),
        None => Err(match &records.problem {
            Some(p) => format!("Recording is disabled, so there is no class report: {p}"),
            None => "Recording is disabled (no records file): start Talkdown with --records PATH or set \
                     TALKDOWN_RECORDS to see class reports."
                .into(),
        }),
    }
}

/// Exports go next to the records file (the folder instructors already back
/// up), else the documents folder the debrief exports to.
fn export_dir(store: &Store) -> PathBuf {
    match store.path().parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => super::debrief::export_dir(),
    }
}

fn write_export(dir: &Path, name: String, text: &str) -> Result<PathBuf, String> {
    let file = dir.join(name);
    std::fs::create_dir_all(dir)
        .and_then(|_| std::fs::write(&file, text))
        .map(|_| file.clone())
        .map_err(|e| format!("Could not save {}: {e}", file.display()))
}

fn file_stem(id: &str) -> String {
    id.replace(|c: char| !c.is_alphanumeric() && c != '-' && c != '_', "_")
}

fn act(
    mut actions: MessageReader<InstructorAction>,
    mut state: ResMut<Instructor>,
    library: Res<Library>,
    records: Res<Records>,
    mut next: ResMut<NextState<Screen>>,
) {
    for a in actions.read().copied().collect::<Vec<_>>() {
        match a {
            InstructorAction::Library => next.set(Screen::Library),
            InstructorAction::FocusDates => state.focus_dates = true,
            InstructorAction::PreviousScenario | InstructorAction::NextScenario => {
                let list = scenarios(&library);
                if list.is_empty() {
                    continue;
                }
                let at = list.iter().position(|(id, _)| Some(id) == state.scenario.as_ref());
                let i = match (at, a == InstructorAction::NextScenario) {
                    (None, _) => 0,
                    (Some(i), true) => (i + 1).min(list.len() - 1),
                    (Some(i), false) => i.saturating_sub(1),
                };
                state.scenario = Some(list[i].0.clone());
                refresh(&mut state, &library, &records);
            }
            InstructorAction::Refresh => refresh(&mut state, &library, &records),
            InstructorAction::ExportCsv | InstructorAction::ExportHtml => {
                let result = export(&state, &library, &records, a == InstructorAction::ExportCsv);
                state.message = Some(match &result {
                    Ok(path) => format!("Saved {}", path.display()),
                    Err(e) => e.clone(),
                });
                state.last_export = result.ok();
            }
        }
    }
}

/// The report for `id`, with the library's copy of the scenario so "How the
/// class chose" lists every option offered (the same call as `talkdown report`).
fn report(store: &Store, library: &Library, id: &str, f: &Filter) -> Result<ClassReport, String> {
    let scenario = library.find(id).and_then(|i| library.entries[i].scenario.as_ref());
    let scenario = scenario.ok_or("it is not in the library");
    store.class_report_with(id, f.since, f.until, None, scenario).map_err(|e| e.to_string())
}

/// Ask the records for the report.
fn refresh(state: &mut Instructor, library: &Library, records: &Records) {
    state.report = None;
    state.problem = None;
    let Some(id) = state.scenario.clone() else {
        state.problem = Some("The library has no playable scenario to report on.".into());
        return;
    };
    let result = dates(state).and_then(|f| {
        let store = store(records)?;
        report(&store, library, &id, &f)
    });
    match result {
        Ok(r) => state.report = Some(r),
        Err(e) => state.problem = Some(e),
    }
}

/// CSV: one row per decision of the sessions in the range. HTML: the report.
fn export(state: &Instructor, library: &Library, records: &Records, csv: bool) -> Result<PathBuf, String> {
    let id = state.scenario.clone().ok_or("Pick a scenario first.")?;
    let filter = dates(state)?;
    let store = store(records)?;
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
    let dir = export_dir(&store);
    if csv {
        let sessions = store.session_records(&filter).map_err(|e| e.to_string())?;
        let text = records::export::to_csv(&sessions);
        write_export(&dir, format!("sessions-{}-{stamp}.csv", file_stem(&id)), &text)
    } else {
        let report = report(&store, library, &id, &filter)?;
        write_export(&dir, format!("class-report-{}-{stamp}.html", file_stem(&id)), &report.to_html())
    }
}

/// One decimal place, as `talkdown report` prints.
fn f1(v: f64) -> String {
    format!("{v:.1}")
}

fn ui(
    mut contexts: EguiContexts,
    library: Res<Library>,
    mut state: ResMut<Instructor>,
    mut prefs: ResMut<Prefs>,
    mut out: MessageWriter<InstructorAction>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let mut root = root(ctx);
    top_bar(
        &mut root,
        Screen::Instructor.title(),
        "Up/Down scenario   D type dates (Tab next field, Esc applies)   Enter refresh   C export CSV   E export HTML   Esc or L library   PgUp/PgDn scroll",
        &mut prefs,
    );
    let p = theme::palette(prefs.high_contrast);
    egui::Panel::bottom("instructor_buttons")
        .frame(egui::Frame::new().fill(p.bg).inner_margin(egui::Margin::symmetric(24, 10)))
        .show(&mut root, |ui| {
            ui.horizontal_wrapped(|ui| {
                for (label, a) in [
                    ("Export CSV (C)", InstructorAction::ExportCsv),
                    ("Export HTML (E)", InstructorAction::ExportHtml),
                    ("Library (L)", InstructorAction::Library),
                ] {
                    if ui.button(theme::bold(label)).clicked() {
                        out.write(a);
                    }
                }
                if let Some(m) = &state.message {
                    let c = if state.last_export.is_some() { p.muted } else { p.bad };
                    ui.label(egui::RichText::new(m).color(c));
                }
            });
        });
    let list = scenarios(&library);
    body(&mut root, &prefs, |ui| {
        ui.horizontal_wrapped(|ui| {
            ui.label("Scenario:");
            let current = state.scenario.clone();
            let shown = list
                .iter()
                .find(|(id, _)| Some(id) == current.as_ref())
                .map(|(_, t)| t.clone())
                .unwrap_or_else(|| "—".into());
            egui::ComboBox::from_id_salt("instructor_scenario").selected_text(shown).width(320.0).show_ui(
                ui,
                |ui| {
                    for (id, title) in &list {
                        if ui.selectable_label(current.as_deref() == Some(id), title).clicked() {
                            state.scenario = Some(id.clone());
                            out.write(InstructorAction::Refresh);
                        }
                    }
                },
            );
            ui.label("Since:");
            let since = ui.add(
                egui::TextEdit::singleline(&mut state.since).hint_text("YYYY-MM-DD").desired_width(150.0),
            );
            if state.focus_dates {
                since.request_focus();
                state.focus_dates = false;
            }
            ui.label("Before:");
            let until = ui.add(
                egui::TextEdit::singleline(&mut state.until).hint_text("YYYY-MM-DD").desired_width(150.0),
            );
            // Enter (or leaving the field) applies the dates.
            if since.lost_focus() || until.lost_focus() {
                out.write(InstructorAction::Refresh);
            }
            if ui.button("Refresh (Enter)").clicked() {
                out.write(InstructorAction::Refresh);
            }
        });
        ui.add_space(6.0);
        if let Some(problem) = &state.problem {
            ui.label(egui::RichText::new(problem).color(p.bad).size(theme::LABEL_SIZE));
            return;
        }
        let Some(r) = &state.report else {
            ui.label(theme::muted(ui, "No report yet: press Enter."));
            return;
        };
        egui::ScrollArea::vertical().id_salt("instructor_1").auto_shrink([false, false]).show(ui, |ui| {
            super::scroll_by_keys(ui, false);
            show(ui, r, &p)
        });
    });
    Ok(())
}

/// Who played and who struggled (the report's rule, docs/records.md): one row
/// a trainee, flagged ⚑ with the reasons, and the sessions whose debriefs
/// History opens (`talkdown records show ID` in the terminal).
fn trainees(ui: &mut egui::Ui, r: &ClassReport, p: &theme::Palette) {
    let Some(line) = r.struggled_line() else { return };
    ui.add_space(8.0);
    theme::label_heading(ui, "Trainees (first attempts; rewinds apart)");
    ui.label(egui::RichText::new(line).color(if r.struggling().next().is_some() { p.warn } else { p.good }));
    for t in &r.by_trainee {
        theme::card(ui, false, |ui| {
            ui.set_width(ui.available_width());
            let flag = if t.flagged() { "⚑ " } else { "" };
            ui.label(theme::bold(format!("{flag}{} — {}", t.trainee, t.counts_line())));
            for (what, run) in t.result_lines() {
                ui.add(egui::Label::new(format!("{what}: {run}")).wrap());
            }
            if let Some(why) = t.struggled_line() {
                ui.add(
                    egui::Label::new(egui::RichText::new(format!("struggled: {why}")).color(p.warn)).wrap(),
                );
            }
        });
    }
}

fn show(ui: &mut egui::Ui, r: &ClassReport, p: &theme::Palette) {
    theme::section(ui, format!("{} ({})", r.title, r.scenario));
    if let Some(s) = &r.since {
        ui.label(theme::muted(
            ui,
            format!("Sessions since {}", s.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M")),
        ));
    }
    ui.label(theme::bold(format!(
        "Attempts: {}   Finished: {}   Abandoned: {}   Trainees: {}   Completion rate: {}",
        r.attempts,
        r.finished,
        r.abandoned,
        r.trainees,
        r.completion_rate.map(|c| format!("{}%", f1(c))).unwrap_or_else(|| "–".into())
    )));
    if r.versions.len() > 1 {
        ui.label(
            egui::RichText::new(format!(
                "{} versions of the scenario were played; decision points are grouped by beat and choice id.",
                r.versions.len()
            ))
            .color(p.warn),
        );
    }
    if r.attempts == 0 {
        ui.add_space(8.0);
        ui.label(theme::muted(ui, "No sessions recorded for this scenario in this range."));
        return;
    }
    trainees(ui, r, p);
    ui.add_space(8.0);
    ui.columns(2, |cols| {
        let ui = &mut cols[0];
        if let Some(t) = &r.total {
            theme::label_heading(ui, format!("Scores (finished sessions, n = {})", t.n));
            egui::Grid::new("instructor_scores").striped(true).spacing([14.0, 4.0]).show(ui, |ui| {
                for h in ["Dimension", "Mean", "Median", "Min", "Max", "Best"] {
                    ui.label(theme::bold(h));
                }
                ui.end_row();
                for d in r.dimensions.iter().chain(std::iter::once(t)) {
                    ui.label(&d.name);
                    ui.label(f1(d.mean));
                    ui.label(f1(d.median));
                    ui.label(d.min.to_string());
                    ui.label(d.max.to_string());
                    ui.label(d.best.to_string());
                    ui.end_row();
                }
            });
        } else {
            ui.label(theme::muted(ui, "No finished sessions: no scores yet."));
        }
        let ui = &mut cols[1];
        theme::label_heading(ui, "Outcomes (finished sessions)");
        for c in &r.outcomes {
            let color = match c.grade {
                Some(Grade::Good) => p.good,
                Some(Grade::Acceptable) => p.warn,
                Some(Grade::Bad) | None => p.bad,
            };
            theme::bar(
                ui,
                (c.percent / 100.0) as f32,
                color,
                format!(
                    "{}  {} ({}%)  {}",
                    c.name,
                    c.count,
                    f1(c.percent),
                    c.grade.map(Grade::label).unwrap_or("")
                ),
            );
        }
    });
    if !r.critical_errors.is_empty() {
        ui.add_space(8.0);
        ui.label(theme::bold("Most common critical errors").size(theme::LABEL_SIZE).color(p.bad));
        for c in &r.critical_errors {
            let times = if c.count == 1 { "once".to_string() } else { format!("{} times", c.count) };
            ui.label(
                egui::RichText::new(format!(
                    "✖ [{}] {} — {times}, in {}% of attempts",
                    c.beat,
                    c.text,
                    f1(c.percent_of_attempts)
                ))
                .color(p.bad),
            );
        }
    }
    ui.add_space(8.0);
    theme::label_heading(ui, "How the class chose");
    ui.label(
        egui::RichText::new("Every option offered at each moment, best first; ✖ a critical error.")
            .color(p.muted),
    );
    if let Some(note) = &r.scenario_note {
        ui.label(egui::RichText::new(format!("Note: {note}")).color(p.muted));
    }
    for d in &r.decision_points {
        theme::card(ui, false, |ui| {
            ui.set_width(ui.available_width());
            ui.label(theme::bold(format!("{}  ·  {} decisions", d.label, d.decisions)));
            // The choice's text takes the room the four figures leave, and wraps there.
            let text_width = (ui.available_width() - 380.0).max(220.0);
            egui::Grid::new(("instructor_beat", d.beat.as_str())).striped(true).spacing([18.0, 4.0]).show(
                ui,
                |ui| {
                    for c in &d.options {
                        let color = match c.judgement {
                            ChoiceJudgement::CriticalError | ChoiceJudgement::Harmful => p.bad,
                            ChoiceJudgement::BestAvailable | ChoiceJudgement::Helpful => p.good,
                            ChoiceJudgement::Neutral => p.muted,
                        };
                        ui.label(c.chosen.to_string());
                        ui.label(format!("{}%", f1(c.percent)));
                        let mark = if c.critical { "✖ " } else { "" };
                        ui.label(egui::RichText::new(format!("{mark}{}", c.judgement.label())).color(color));
                        ui.label(c.points_words());
                        let top = egui::Layout::top_down(egui::Align::Min);
                        ui.allocate_ui_with_layout(egui::vec2(text_width, 0.0), top, |ui| {
                            ui.add(egui::Label::new(c.text.as_str()).wrap());
                            if let Some(m) = c.meters_line() {
                                ui.add(egui::Label::new(egui::RichText::new(m).color(p.muted)).wrap());
                            }
                        });
                        ui.end_row();
                    }
                },
            );
        });
        ui.add_space(4.0);
    }
}
