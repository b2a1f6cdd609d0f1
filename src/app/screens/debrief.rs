//! Debrief: the outcome banner, critical errors (first, whatever the score),
//! the total as a share of the best achievable, a bar per rubric dimension, the timeline of decisions with
//! the clinician's commentary and the better alternative, teaching points and
//! resources. R replays (same seed), N replays with a new seed, E exports
//! HTML, H shows history, L or Esc goes back to the library.
//!
//! Everything shown comes from [`crate::debrief::Debrief`].

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::{Screen, body, root, top_bar};
use crate::app::session::{Finished, Library, StartRun};
use crate::app::theme::{self, Prefs};
use crate::app::{AppSystems, UiSet};
use crate::debrief::Debrief;

pub(super) fn plugin(app: &mut App) {
    app.add_message::<DebriefAction>()
        .add_systems(EguiPrimaryContextPass, ui.in_set(UiSet).run_if(in_state(Screen::Debrief)))
        .add_systems(
            Update,
            (keys.in_set(AppSystems::RecordInput), act.in_set(AppSystems::Update))
                .run_if(in_state(Screen::Debrief)),
        );
}

/// What the trainee does on the debrief screen (keys and buttons alike).
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DebriefAction {
    ReplaySameSeed,
    ReplayNewSeed,
    ExportHtml,
    History,
    Library,
}

fn keys(keys: Res<ButtonInput<KeyCode>>, mut out: MessageWriter<DebriefAction>) {
    let map = [
        (KeyCode::KeyR, DebriefAction::ReplaySameSeed),
        (KeyCode::KeyN, DebriefAction::ReplayNewSeed),
        (KeyCode::KeyE, DebriefAction::ExportHtml),
        (KeyCode::KeyH, DebriefAction::History),
        (KeyCode::KeyL, DebriefAction::Library),
        (KeyCode::Escape, DebriefAction::Library),
    ];
    for (k, a) in map {
        if keys.just_pressed(k) {
            out.write(a);
        }
    }
}

/// Where Export HTML writes: the user's documents folder, else the current folder.
pub fn export_dir() -> std::path::PathBuf {
    directories::UserDirs::new()
        .and_then(|u| u.document_dir().map(|d| d.join("Talkdown")))
        .unwrap_or_else(|| std::path::PathBuf::from("."))
}

fn act(
    mut actions: MessageReader<DebriefAction>,
    mut finished: ResMut<Finished>,
    mut library: ResMut<Library>,
    mut start: MessageWriter<StartRun>,
    mut next: ResMut<NextState<Screen>>,
) {
    for a in actions.read() {
        match a {
            DebriefAction::ReplaySameSeed | DebriefAction::ReplayNewSeed => {
                if let Some(path) = &finished.path
                    && let Some(i) = library.entries.iter().position(|e| &e.path == path)
                {
                    library.selected = i;
                }
                let seed = match a {
                    DebriefAction::ReplaySameSeed => finished.play.as_ref().map(|p| p.seed()),
                    _ => Some(crate::session::random_seed()),
                };
                start.write(StartRun { seed });
            }
            DebriefAction::ExportHtml => {
                let Some(d) = &finished.debrief else { continue };
                let dir = export_dir();
                let file = dir.join(format!(
                    "debrief-{}-{}-{}.html",
                    d.scenario,
                    d.trainee.as_deref().unwrap_or("anonymous").replace(|c: char| !c.is_alphanumeric(), "_"),
                    chrono::Local::now().format("%Y%m%d-%H%M%S")
                ));
                let result = std::fs::create_dir_all(&dir).and_then(|_| std::fs::write(&file, d.to_html()));
                finished.export_message = Some(match result {
                    Ok(()) => format!("Saved {}", file.display()),
                    Err(e) => format!("Could not save {}: {e}", file.display()),
                });
            }
            DebriefAction::History => next.set(Screen::History),
            DebriefAction::Library => next.set(Screen::Library),
        }
    }
}

fn ui(
    mut contexts: EguiContexts,
    finished: Res<Finished>,
    mut prefs: ResMut<Prefs>,
    mut out: MessageWriter<DebriefAction>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let mut root = root(ctx);
    top_bar(
        &mut root,
        Screen::Debrief.title(),
        "R replay   N new seed   E export HTML   H history   L library   Up/Down/PgUp/PgDn scroll",
        &mut prefs,
    );
    let p = theme::palette(prefs.high_contrast);
    egui::Panel::bottom("debrief_buttons")
        .frame(egui::Frame::new().fill(p.bg).inner_margin(egui::Margin::symmetric(24, 10)))
        .show(&mut root, |ui| {
            ui.horizontal_wrapped(|ui| {
                for (label, a) in [
                    ("Replay (R)", DebriefAction::ReplaySameSeed),
                    ("New seed (N)", DebriefAction::ReplayNewSeed),
                    ("Export HTML (E)", DebriefAction::ExportHtml),
                    ("History (H)", DebriefAction::History),
                    ("Library (L)", DebriefAction::Library),
                ] {
                    if ui.button(theme::bold(label)).clicked() {
                        out.write(a);
                    }
                }
                if let Some(m) = &finished.export_message {
                    ui.label(egui::RichText::new(m).color(p.muted));
                }
            });
        });
    body(&mut root, &prefs, |ui| {
        let Some(d) = &finished.debrief else {
            let why = finished.error.clone().unwrap_or_else(|| "No run has finished yet.".into());
            ui.label(egui::RichText::new(format!("No debrief: {why}")).color(p.bad));
            return;
        };
        egui::ScrollArea::vertical().id_salt("debrief_1").auto_shrink([false, false]).show(ui, |ui| {
            super::scroll_by_keys(ui, true);
            show(ui, d, &p)
        });
    });
    Ok(())
}

fn show(ui: &mut egui::Ui, d: &Debrief, p: &theme::Palette) {
    // Outcome banner.
    if let Some(e) = &d.ending {
        let c = theme::grade_color(p, e.grade);
        egui::Frame::new()
            .fill(c.gamma_multiply(0.25))
            .stroke(egui::Stroke::new(3.0, c))
            .corner_radius(8)
            .inner_margin(egui::Margin::same(16))
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                let banner = if e.title == e.outcome_name {
                    e.title.clone()
                } else {
                    format!("{} — {}", e.title, e.outcome_name)
                };
                ui.label(theme::bold(banner).size(theme::BANNER_SIZE).color(c));
                ui.label(&e.narrative);
                if !e.outcome_note.is_empty() {
                    ui.label(theme::muted(ui, e.outcome_note.clone()));
                }
            });
    }
    ui.add_space(8.0);
    // A scenario too large to analyse is judged step by step: said before any score.
    if let Some(note) = &d.judgement_note {
        egui::Frame::new()
            .stroke(egui::Stroke::new(2.0, p.muted))
            .corner_radius(8)
            .inner_margin(egui::Margin::same(12))
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.label(theme::bold("ⓘ Judged step by step"));
                ui.label(note.as_str());
            });
        ui.add_space(8.0);
    }
    // The verdict by the academy's policy, apart from the outcome: a run with
    // a critical error never reads as a pass. Said in words, with a mark, not
    // by colour alone.
    let meets = d.standard.standard == crate::debrief::Standard::MeetsStandard;
    let vc = if meets { p.good } else { p.bad };
    egui::Frame::new()
        .stroke(egui::Stroke::new(3.0, vc))
        .corner_radius(8)
        .inner_margin(egui::Margin::same(12))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            let mark = if meets { "✔" } else { "✖" };
            ui.label(
                theme::bold(format!("{mark} {}", d.standard.standard.label()))
                    .size(theme::SUBHEADING_SIZE)
                    .color(vc),
            );
            // The banner already says the verdict; the line under it says why.
            let label = d.standard.standard.label();
            let why = d
                .standard
                .summary
                .strip_prefix(label)
                .map(|w| w.trim_start_matches([':', '.', ' ']))
                .unwrap_or(&d.standard.summary);
            ui.label(why);
        });
    ui.add_space(8.0);
    // Critical errors come first, whatever the score (the rubric's rule; the
    // text and HTML debriefs order them the same way).
    if !d.critical_errors.is_empty() {
        egui::Frame::new()
            .stroke(egui::Stroke::new(3.0, p.bad))
            .corner_radius(8)
            .inner_margin(egui::Margin::same(12))
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.label(
                    theme::bold(format!("⚠ Critical errors: {}", d.critical_errors.len()))
                        .size(theme::SUBHEADING_SIZE)
                        .color(p.bad),
                );
                for c in &d.critical_errors {
                    ui.label(theme::bold(format!("Decision {}: {}", c.step, c.text)).color(p.bad));
                    if !c.commentary.is_empty() {
                        ui.label(&c.commentary);
                    }
                }
            });
        ui.add_space(8.0);
    }
    // Scores.
    ui.columns(2, |cols| {
        let ui = &mut cols[0];
        ui.with_layout(egui::Layout::top_down(egui::Align::Min), |ui| {
            let pct = d.process.shown_percent.map(|x| format!("{x} %")).unwrap_or_else(|| "—".into());
            theme::section(ui, format!("Decisions: {pct}"));
            ui.label(d.process_line());
            ui.label(theme::muted(
                ui,
                format!(
                    "Points collected: {} of {} on the best route · {} of {} decisions were the best available · seed {}",
                    d.total.score,
                    d.total.best,
                    d.best_choices,
                    d.decisions.len(),
                    d.seed
                ),
            ));
            if !d.luck.summary.is_empty() {
                ui.label(theme::muted(ui, d.luck.summary.clone()));
            }
            if !d.verdict.is_empty() {
                ui.label(&d.verdict);
            }
        });
        let ui = &mut cols[1];
        for dim in &d.dimensions {
            let f = dim.percent.map(|x| x as f32 / 100.0).unwrap_or(0.0);
            let color = if f >= 0.7 {
                p.good
            } else if f >= 0.4 {
                p.warn
            } else {
                p.bad
            };
            let pct = dim.percent.map(|x| format!("{x} %")).unwrap_or_else(|| "n/a".into());
            theme::bar(ui, f, color, format!("{}  {pct}  ({}/{})", dim.name, dim.score, dim.best));
        }
    });
    ui.add_space(8.0);
    theme::section(ui, "Decision by decision");
    for r in &d.decisions {
        theme::card(ui, false, |ui| {
            ui.set_width(ui.available_width());
            let delta = if r.total >= 0 { format!("+{}", r.total) } else { r.total.to_string() };
            let dc = if r.total > 0 {
                p.good
            } else if r.total < 0 {
                p.bad
            } else {
                p.muted
            };
            ui.horizontal_wrapped(|ui| {
                ui.label(theme::bold(format!("{}.", r.step)));
                let said =
                    if r.timed_out { "(time ran out)".to_string() } else { format!("“{}”", r.text) };
                ui.label(theme::bold(said));
                ui.label(egui::RichText::new(delta).color(dc).strong());
                if r.best_available {
                    ui.label(egui::RichText::new("✔ best available").color(p.good));
                }
                if r.critical {
                    ui.label(egui::RichText::new("critical").color(p.bad));
                }
                if let Some(ms) = r.response_ms {
                    ui.label(theme::muted(ui, format!("{:.1} s", ms as f64 / 1000.0)));
                }
            });
            for l in &r.reaction {
                let line = match &l.speaker {
                    Some(name) => format!("{name}: “{}”", l.text),
                    None => l.text.clone(),
                };
                ui.label(egui::RichText::new(line).italics());
            }
            if !r.commentary.is_empty() {
                ui.label(&r.commentary);
            }
            if let Some(note) = &r.variant_note {
                ui.label(theme::muted(ui, note.clone()));
            }
            if let Some(luck) = &r.luck {
                ui.label(theme::muted(ui, luck.clone()));
            }
            if let Some(b) = &r.better {
                ui.label(egui::RichText::new(format!("Better: “{}” ({:+})", b.text, b.score)).color(p.good));
                if !b.commentary.is_empty() {
                    ui.label(theme::muted(ui, format!("Why: {}", b.commentary)));
                }
            }
        });
        ui.add_space(4.0);
    }
    if let Some(e) = &d.ending
        && !e.commentary.is_empty()
    {
        theme::subheading(ui, "About this ending");
        ui.label(&e.commentary);
    }
    if !d.commentary.is_empty() {
        theme::subheading(ui, "Clinician's commentary");
        ui.label(&d.commentary);
    }
    if !d.techniques_missed.is_empty() {
        let names: Vec<&str> = d.techniques_missed.iter().map(|t| t.name.as_str()).collect();
        ui.label(
            egui::RichText::new(format!("Techniques to try next time: {}", names.join(", "))).color(p.accent),
        );
    }
    if !d.teaching_points.is_empty() {
        theme::subheading(ui, "Teaching points");
        for t in &d.teaching_points {
            ui.label(format!("•  {t}"));
        }
    }
    if !d.resources.is_empty() {
        theme::subheading(ui, "Resources");
        for r in &d.resources {
            let note = r.note.as_deref().map(|n| format!(" — {n}")).unwrap_or_default();
            ui.label(format!("•  {}: {}{note}", r.name, r.contact));
        }
    }
}
