//! History: the trainee's own attempts, grouped by scenario, with the score
//! trend; a recorded attempt's "Debrief" button opens its debrief (judged
//! again from the record by the core, [`crate::session::recorded_debrief`]),
//! where "Rewind to here" plays on from any of its decisions. Esc or L goes
//! back to the library.
//!
//! Keys and clicks become [`HistoryAction`] messages, applied in one system,
//! as on every other screen.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::{Screen, body, root, top_bar};
use crate::app::UiSet;
use crate::app::session::{Analyses, Attempt, Attempts, Finished, Library, Records};
use crate::app::theme::{self, Prefs};
use crate::records::SessionId;

pub(super) fn plugin(app: &mut App) {
    app.add_message::<HistoryAction>()
        .init_resource::<DebriefButtons>()
        .add_systems(OnEnter(Screen::History), load_from_records)
        .add_systems(EguiPrimaryContextPass, ui.in_set(UiSet).run_if(in_state(Screen::History)))
        .add_systems(
            Update,
            (keys.in_set(crate::app::AppSystems::RecordInput), apply.in_set(crate::app::AppSystems::Update))
                .run_if(in_state(Screen::History)),
        );
}

/// What the trainee can do on the history screen.
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryAction {
    /// Back to the scenario library (Esc, L or the button).
    Library,
    /// Open a recorded session's debrief (its "Debrief" button).
    Open(SessionId),
}

/// Where each "Debrief" button was drawn last frame (for tests that click them).
#[derive(Resource, Debug, Default, Clone)]
pub struct DebriefButtons(pub Vec<(SessionId, egui::Rect)>);

/// With a records store, history is every finished session of this trainee,
/// not just this sitting's.
fn load_from_records(records: Res<Records>, prefs: Res<Prefs>, mut attempts: ResMut<Attempts>) {
    let name = if prefs.trainee.trim().is_empty() { "anonymous" } else { prefs.trainee.trim() };
    if let Some(rows) = records.with("read the history", |s| s.history(name)) {
        let mut list: Vec<Attempt> = rows
            .iter()
            .filter(|r| r.status == crate::records::Status::Finished)
            .map(Attempt::from_summary)
            .collect();
        list.sort_by_key(|a| a.when);
        attempts.0 = list;
    }
}

fn keys(keys: Res<ButtonInput<KeyCode>>, mut actions: MessageWriter<HistoryAction>) {
    if keys.just_pressed(KeyCode::Escape) || keys.just_pressed(KeyCode::KeyL) {
        actions.write(HistoryAction::Library);
    }
}

fn apply(
    mut actions: MessageReader<HistoryAction>,
    mut next: ResMut<NextState<Screen>>,
    records: Res<Records>,
    library: Res<Library>,
    mut analyses: ResMut<Analyses>,
    mut finished: ResMut<Finished>,
) {
    for action in actions.read() {
        match action {
            HistoryAction::Library => next.set(Screen::Library),
            HistoryAction::Open(id) => {
                *finished = open(*id, &records, &library, &mut analyses);
                next.set(Screen::Debrief);
            }
        }
    }
}

/// A recorded session's debrief, as the core rebuilds it from the record on
/// the scenario the library has now; when it cannot be, why (shown on the
/// debrief screen).
pub fn open(id: SessionId, records: &Records, library: &Library, analyses: &mut Analyses) -> Finished {
    let fail = |why: String| Finished { error: Some(why), ..default() };
    let Some((rec, parent)) = records.with("read a session", |s| {
        let rec = s.session(id)?;
        let parent =
            rec.summary.rewound_from.as_ref().and_then(|f| f.session).and_then(|p| s.session(p).ok());
        Ok((rec, parent))
    }) else {
        return fail(format!("session {} could not be read from the records", id.0));
    };
    let Some(entry) = library.entry_for(&rec.summary) else {
        return fail(format!(
            "session {} was played on scenario `{}`, which is not in the library or does not load",
            id.0, rec.summary.scenario
        ));
    };
    let scenario = entry.scenario.as_ref().expect("entry_for finds loaded scenarios only");
    match crate::session::recorded_debrief(&rec, scenario, parent.as_ref(), &mut analyses.0) {
        Ok((play, debrief)) => Finished {
            debrief: Some(debrief),
            play: Some(play),
            path: Some(entry.path.clone()),
            recorded_as: Some(rec.summary.uuid.clone()),
            record: Some(Box::new(rec)),
            ..default()
        },
        Err(why) => fail(format!("session {}: {why}", id.0)),
    }
}

fn ui(
    mut contexts: EguiContexts,
    attempts: Res<Attempts>,
    mut prefs: ResMut<Prefs>,
    mut actions: MessageWriter<HistoryAction>,
    mut shown: ResMut<DebriefButtons>,
) -> Result {
    shown.0.clear();
    let ctx = contexts.ctx_mut()?;
    let mut root = root(ctx);
    top_bar(&mut root, Screen::History.title(), "Esc or L library   Up/Down/PgUp/PgDn scroll", &mut prefs);
    let p = theme::palette(prefs.high_contrast);
    let who = prefs.trainee.trim().to_string();
    body(&mut root, &prefs, |ui| {
        let name = if who.is_empty() { "anonymous" } else { who.as_str() };
        theme::section(ui, format!("Attempts by {name}"));
        let mine: Vec<_> = attempts.0.iter().filter(|a| a.trainee == name).collect();
        if mine.is_empty() {
            ui.label(theme::muted(ui, "No finished attempts yet."));
        }
        let mut scenarios: Vec<&str> = mine.iter().map(|a| a.scenario.as_str()).collect();
        scenarios.sort();
        scenarios.dedup();
        egui::ScrollArea::vertical()
            .id_salt("history_1")
            .auto_shrink([false, false])
            .max_height(ui.available_height() - 60.0)
            .show(ui, |ui| {
                super::scroll_by_keys(ui, true);
                for sid in scenarios {
                    let runs: Vec<_> = mine.iter().filter(|a| a.scenario == sid).collect();
                    theme::card(ui, false, |ui| {
                        ui.set_width(ui.available_width());
                        theme::subheading(ui, runs[0].title.clone());
                        // Trend: one bar per attempt, oldest first.
                        let (rect, _) = ui.allocate_exact_size(
                            egui::vec2(ui.available_width().min(600.0), 70.0),
                            egui::Sense::hover(),
                        );
                        let painter = ui.painter_at(rect);
                        painter.rect_filled(rect, 4.0, p.bg);
                        let w = (rect.width() / runs.len().max(1) as f32).min(60.0);
                        for (i, a) in runs.iter().enumerate() {
                            let f = a.percent.unwrap_or(0) as f32 / 100.0;
                            let x = rect.left() + i as f32 * w;
                            let bar = egui::Rect::from_min_max(
                                egui::pos2(x + 4.0, rect.bottom() - rect.height() * f.max(0.03)),
                                egui::pos2(x + w - 4.0, rect.bottom()),
                            );
                            painter.rect_filled(
                                bar,
                                2.0,
                                a.grade.map(|g| theme::grade_color(&p, g)).unwrap_or(p.muted),
                            );
                        }
                        egui::Grid::new(sid).striped(true).spacing([24.0, 6.0]).show(ui, |ui| {
                            for h in [
                                "When", "Mode", "Verdict", "Process", "Score", "Outcome", "Critical", "Seed",
                                "",
                            ] {
                                ui.label(theme::bold(h));
                            }
                            ui.end_row();
                            for a in &runs {
                                ui.label(a.when.format("%Y-%m-%d %H:%M").to_string());
                                ui.label(a.mode.label());
                                ui.label(a.verdict.map(|v| v.label()).unwrap_or("—"));
                                ui.label(a.process.map(|x| format!("{x} %")).unwrap_or_else(|| "—".into()));
                                ui.label(a.percent.map(|x| format!("{x} %")).unwrap_or_else(|| "—".into()));
                                ui.label(a.outcome.clone().unwrap_or_default());
                                ui.label(a.critical.to_string());
                                ui.label(a.seed.to_string());
                                match a.session {
                                    Some(id) => {
                                        let b = ui.button(format!("Debrief (session {})", id.0));
                                        shown.0.push((id, b.rect));
                                        if b.clicked() {
                                            actions.write(HistoryAction::Open(id));
                                        }
                                    }
                                    None => {
                                        ui.label("");
                                    }
                                }
                                ui.end_row();
                            }
                        });
                    });
                    ui.add_space(6.0);
                }
            });
        if ui.button("Back to library  (Esc)").clicked() {
            actions.write(HistoryAction::Library);
        }
    });
    Ok(())
}
