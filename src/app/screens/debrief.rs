//! Debrief: the outcome banner, critical errors (first, whatever the score),
//! the state timeline (each meter over the run, a marker per decision: see
//! [`timeline`]), the total as a share of the best achievable, a bar per
//! rubric dimension, how the trainee read the subject, the decisions with the
//! clinician's commentary beside the trainee's own reasons and the better
//! alternative, a rewound run's two routes, teaching points and resources.
//! Left/Right select a decision, W rewinds to it (play resumes there, recorded as a
//! new run linked to this one; a past run opened from History is rewound
//! through its record, as `talkdown replay SESSION --rewind STEP` does), R replays (same seed), N replays with a new
//! seed, E exports HTML, H shows history, L or Esc goes back to the library,
//! X hands the station to the next trainee (name, attempts and debrief cleared).
//!
//! Everything shown comes from [`crate::debrief::Debrief`]; the rewind is the
//! core's ([`crate::records::replay::rewind_play`] or [`crate::records::replay::rewind_session`],
//! then [`crate::session::Session::rewound`]).

pub mod timeline;

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::{Screen, body, root, top_bar};
use crate::app::session::{Attempts, Current, Finished, Library, Records, Run, StartRun};
use crate::app::theme::{self, Prefs};
use crate::app::{AppSystems, UiSet};
use crate::debrief::{Debrief, ForkComparison};
use crate::records::replay::{Rewound, rewind_play, rewind_session};
use timeline::{Drawn, Reveal, Selected};

pub(super) fn plugin(app: &mut App) {
    app.add_message::<DebriefAction>()
        .init_resource::<Drawn>()
        .init_resource::<Reveal>()
        .add_systems(OnEnter(Screen::Debrief), |mut c: Commands| c.insert_resource(Selected::default()))
        .add_systems(OnExit(Screen::Debrief), |mut c: Commands| c.remove_resource::<Selected>())
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
    /// A shared station: the next cadet sits down. The name, this session's
    /// attempts and the debrief are cleared; back to the library.
    NextTrainee,
    /// Select the previous (`-1`) or next (`+1`) decision on the timeline.
    Step(i8),
    /// Select a decision (1-based) on the timeline.
    Select(usize),
    /// Play on from this decision (1-based), as it stood then.
    Rewind(usize),
    /// Rewind to the selected decision.
    RewindSelected,
}

fn keys(keys: Res<ButtonInput<KeyCode>>, mut out: MessageWriter<DebriefAction>) {
    let map = [
        (KeyCode::KeyR, DebriefAction::ReplaySameSeed),
        (KeyCode::KeyN, DebriefAction::ReplayNewSeed),
        (KeyCode::KeyE, DebriefAction::ExportHtml),
        (KeyCode::KeyH, DebriefAction::History),
        (KeyCode::KeyL, DebriefAction::Library),
        (KeyCode::Escape, DebriefAction::Library),
        (KeyCode::KeyX, DebriefAction::NextTrainee),
        (KeyCode::ArrowLeft, DebriefAction::Step(-1)),
        (KeyCode::ArrowRight, DebriefAction::Step(1)),
        (KeyCode::KeyW, DebriefAction::RewindSelected),
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

#[expect(clippy::too_many_arguments, reason = "a Bevy system: one parameter per resource it touches")]
fn act(
    mut actions: MessageReader<DebriefAction>,
    mut finished: ResMut<Finished>,
    mut library: ResMut<Library>,
    mut selected: Option<ResMut<Selected>>,
    mut reveal: ResMut<Reveal>,
    records: Res<Records>,
    mut current: ResMut<Current>,
    mut start: MessageWriter<StartRun>,
    mut next: ResMut<NextState<Screen>>,
    mut station: (ResMut<Prefs>, ResMut<Attempts>),
) {
    let decisions = finished.debrief.as_ref().map(|d| d.decisions.len()).unwrap_or(0);
    for a in actions.read() {
        match a {
            DebriefAction::Step(by) => {
                let Some(sel) = selected.as_mut() else { continue };
                if decisions == 0 {
                    continue;
                }
                let now = match sel.0 {
                    None if *by > 0 => 1,
                    None => decisions,
                    Some(s) => (s as i64 + i64::from(*by)).clamp(1, decisions as i64) as usize,
                };
                sel.0 = Some(now);
                reveal.0 = true;
            }
            DebriefAction::Select(step) => {
                if let Some(sel) = selected.as_mut() {
                    sel.0 = (1..=decisions).contains(step).then_some(*step);
                }
            }
            DebriefAction::RewindSelected | DebriefAction::Rewind(_) => {
                let step = match a {
                    DebriefAction::Rewind(s) => *s,
                    _ => match selected.as_ref().and_then(|s| s.0) {
                        Some(s) => s,
                        None => {
                            finished.rewind_refused = Some(
                                "Select a decision first (Left/Right, or click its marker), then W.".into(),
                            );
                            continue;
                        }
                    },
                };
                match rewind(&finished, &library, &records, step) {
                    Ok(run) => {
                        current.0 = Some(run);
                        finished.rewind_refused = None;
                        next.set(Screen::Play);
                    }
                    Err(why) => finished.rewind_refused = Some(why),
                }
            }
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
            DebriefAction::NextTrainee => {
                let (prefs, attempts) = &mut station;
                prefs.trainee.clear();
                prefs.save();
                attempts.0.clear();
                *finished = Finished::default();
                next.set(Screen::Library);
            }
        }
    }
}

/// The run just debriefed, taken back to decision `step` through the core,
/// on the scenario as the library has it now; why not, in a sentence.
fn rewind(finished: &Finished, library: &Library, records: &Records, step: usize) -> Result<Run, String> {
    let (Some(play), Some(path)) = (&finished.play, &finished.path) else {
        return Err(
            "Only a run that replays (just played, or opened from History) can be rewound here.".into()
        );
    };
    let refused = |why: String| format!("Cannot rewind to decision {step}: {why}.");
    let Some(scenario) = library.entries.iter().find(|e| &e.path == path).and_then(|e| e.scenario.as_ref())
    else {
        return Err(refused(format!("{} is no longer in the library or does not load", path.display())));
    };
    // A past run opened from History goes through its record (as `talkdown
    // replay SESSION --rewind STEP`); the run just played, through memory.
    let rewound = match &finished.record {
        Some(rec) => rewind_session(rec, scenario, step as u32),
        None => rewind_play(play, scenario, step as u32, finished.recorded_as.as_deref()),
    };
    let rewind = match rewound {
        Ok(Rewound::Ready(r)) => *r,
        Ok(Rewound::Refused(check)) => {
            return Err(refused(check.refusal().unwrap_or_else(|| "the run cannot be replayed".into())));
        }
        Ok(Rewound::NoSuchStep { decisions, .. }) => {
            return Err(refused(format!("the run has {decisions} decisions")));
        }
        Err(e) => return Err(refused(e.to_string())),
    };
    let trainee =
        finished.debrief.as_ref().and_then(|d| d.trainee.clone()).unwrap_or_else(|| "anonymous".into());
    let session = crate::session::Session::rewound(rewind, Some(path), &trainee, records.recorder());
    let mut run = Run::of(session, path);
    run.notice = Some(format!("Rewound to decision {step}: choose again."));
    Ok(run)
}

fn ui(
    mut contexts: EguiContexts,
    finished: Res<Finished>,
    selected: Option<Res<Selected>>,
    mut drawn: ResMut<Drawn>,
    mut reveal: ResMut<Reveal>,
    mut prefs: ResMut<Prefs>,
    mut out: MessageWriter<DebriefAction>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let mut root = root(ctx);
    top_bar(
        &mut root,
        Screen::Debrief.title(),
        "Left/Right a decision   W rewind   R replay   N new seed   E export   H history   L library   X next trainee   Up/Down/PgUp/PgDn scroll",
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
                    ("Next trainee (X)", DebriefAction::NextTrainee),
                ] {
                    if ui.button(theme::bold(label)).clicked() {
                        out.write(a);
                    }
                }
                if let Some(m) = &finished.export_message {
                    ui.label(egui::RichText::new(m).color(p.muted));
                }
                if let Some(m) = &finished.rewind_refused {
                    ui.label(egui::RichText::new(format!("⚠ {m}")).color(p.warn));
                }
            });
        });
    body(&mut root, &prefs, |ui| {
        let Some(d) = &finished.debrief else {
            let why = finished.error.clone().unwrap_or_else(|| "No run has finished yet.".into());
            ui.label(egui::RichText::new(format!("No debrief: {why}")).color(p.bad));
            return;
        };
        if let Some(rec) = &finished.record {
            let s = &rec.summary;
            ui.label(theme::muted(
                ui,
                format!(
                    "Session {} by {}, played {} (from History)",
                    s.id.0,
                    s.trainee,
                    s.started_at.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M")
                ),
            ));
        }
        let view = View {
            selected: selected.as_ref().and_then(|s| s.0),
            can_rewind: finished.play.is_some(),
            reveal: std::mem::take(&mut reveal.0),
        };
        let mut acts = Vec::new();
        let mut now = Drawn::default();
        egui::ScrollArea::vertical().id_salt("debrief_1").auto_shrink([false, false]).show(ui, |ui| {
            super::scroll_by_keys(ui, true);
            show(ui, d, &p, view, &mut now, &mut acts)
        });
        *drawn = now;
        out.write_batch(acts);
    });
    Ok(())
}

/// What the debrief's interactive parts need.
#[derive(Clone, Copy)]
struct View {
    /// The decision selected on the timeline.
    selected: Option<usize>,
    /// The run just played is at hand (a rewind can start from it).
    can_rewind: bool,
    /// Scroll the timeline into view (the selection moved by keys).
    reveal: bool,
}

fn show(
    ui: &mut egui::Ui,
    d: &Debrief,
    p: &theme::Palette,
    view: View,
    drawn: &mut Drawn,
    out: &mut Vec<DebriefAction>,
) {
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
    // The state timeline: how the person was doing, decision by decision.
    if !d.meters.is_empty() {
        let top = ui.cursor().min;
        theme::section(ui, "How the person was doing");
        ui.label(theme::muted(
            ui,
            "Each meter after each decision (numbered along the bottom); the green edge is its good end. \
             Click a marker, or use Left/Right, to see that decision.",
        ));
        ui.add_space(4.0);
        if let Some(step) = timeline::chart(ui, d, p, view.selected, drawn) {
            out.push(DebriefAction::Select(step));
        }
        match view.selected.and_then(|s| d.decisions.get(s.wrapping_sub(1))) {
            Some(r) => timeline::details(ui, r, p, view.can_rewind, drawn, out),
            None => {
                ui.label(theme::muted(ui, "No decision selected."));
            }
        }
        if view.reveal {
            let shown = egui::Rect::from_min_max(top, egui::pos2(ui.max_rect().right(), ui.cursor().min.y));
            ui.scroll_to_rect(shown, Some(egui::Align::Min));
        }
        ui.add_space(8.0);
    }
    // A rewound run: the two routes from the fork, side by side.
    if let Some(f) = &d.fork {
        fork(ui, f, p);
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
            // How the trainee read the person: its own line, never part of the score.
            if let Some(r) = &d.reading {
                ui.label(egui::RichText::new(r.line()).color(p.accent));
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
        theme::card(ui, view.selected == Some(r.step), |ui| {
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
            if let Some(read) = &r.reading {
                ui.label(theme::muted(ui, crate::debrief::reading_note(read)));
            }
            // The clinician's commentary beside the trainee's own reasons.
            match &r.reflect_prompt {
                Some(prompt) => {
                    ui.columns(2, |cols| {
                        cols[0].label(theme::bold("Clinician"));
                        cols[0].label(&r.commentary);
                        cols[1].label(theme::bold("Your reasons"));
                        cols[1].label(theme::muted(&cols[1], prompt.clone()));
                        match &r.reflection {
                            Some(t) => cols[1].label(egui::RichText::new(format!("“{t}”")).color(p.accent)),
                            None => cols[1].label(theme::muted(&cols[1], "(skipped)")),
                        };
                    });
                }
                None if !r.commentary.is_empty() => {
                    ui.label(&r.commentary);
                }
                None => {}
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
            ui.horizontal_wrapped(|ui| {
                if view.selected != Some(r.step) && ui.button("Show on the timeline").clicked() {
                    out.push(DebriefAction::Select(r.step));
                }
                if view.can_rewind {
                    let b = ui.button(format!("Rewind to here (decision {})", r.step));
                    drawn.rewind_buttons.push((r.step, b.rect));
                    if b.clicked() {
                        out.push(DebriefAction::Rewind(r.step));
                    }
                }
            });
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

/// A rewound run's two routes from the fork, a row per decision.
fn fork(ui: &mut egui::Ui, f: &ForkComparison, p: &theme::Palette) {
    theme::section(ui, format!("Two routes from decision {}", f.step));
    let origin = f.session.map(|id| format!("session {id}")).unwrap_or_else(|| "the original run".into());
    ui.label(theme::muted(ui, format!("Rewound from {origin}; the decisions before it were the same.")));
    let cell = |ui: &mut egui::Ui, s: Option<&crate::debrief::fork::RouteStep>| match s {
        None => {
            ui.label(theme::muted(ui, "(ended before this)"));
        }
        Some(s) => {
            let mark = if s.critical { "✖ critical error: " } else { "" };
            let color = if s.critical { p.bad } else { p.text };
            ui.label(egui::RichText::new(format!("{mark}{} ({:+})", s.text, s.points)).color(color));
            if s.chance {
                ui.label(theme::muted(ui, "(a chance roll decided what happened next)"));
            }
            let meters: Vec<String> = s.meters.iter().map(|(n, v)| format!("{n} {v}")).collect();
            ui.label(theme::muted(ui, meters.join(", ")));
        }
    };
    theme::card(ui, false, |ui| {
        ui.set_width(ui.available_width());
        ui.columns(2, |cols| {
            cols[0].label(theme::bold("This run"));
            cols[1].label(theme::bold("The original"));
        });
        let n = f.original.steps.len().max(f.this_run.steps.len());
        for i in 0..n {
            ui.separator();
            ui.label(theme::bold(format!("Decision {}", f.step + i)));
            ui.columns(2, |cols| {
                cell(&mut cols[0], f.this_run.steps.get(i));
                cell(&mut cols[1], f.original.steps.get(i));
            });
        }
        ui.separator();
        ui.columns(2, |cols| {
            for (ui, r) in cols.iter_mut().zip([&f.this_run, &f.original]) {
                ui.label(theme::bold(r.outcome.clone().unwrap_or_else(|| "no ending".into())));
                ui.label(format!("{} points", r.points));
            }
        });
    });
}
