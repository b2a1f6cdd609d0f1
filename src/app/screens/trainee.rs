//! Trainee: name or ID, mode (training or assessment) and the time allowed
//! at timed moments (an accommodation). Keys: type the name (the field has
//! the keyboard on every visit), ↑ ↓ for the mode and Page Up / Page Down for
//! the time allowed (they work while typing: a one-line name has no use for
//! them), Enter to go on, Esc back. No letter is a shortcut here, so typing
//! always reaches the name.
//!
//! An assessment on a scenario no clinician has signed off
//! ([`Scenario::needs_assessment_confirmation`](crate::scenario::Scenario::needs_assessment_confirmation))
//! asks first: the question appears on this screen, Enter (or its button)
//! starts anyway, Esc (or its button) takes the question back.
//!
//! Input becomes [`TraineeAction`] messages, applied in one system.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::{Screen, UiFocus, body, enter_pressed, root, top_bar};
use crate::app::session::Library;
use crate::app::theme::{self, Prefs};
use crate::app::{AppConfig, AppSystems, UiSet};
use crate::engine::{Mode, Timing};

/// The timings offered in a mode (untimed only in training).
fn offered_timings(mode: Mode) -> Vec<Timing> {
    Timing::ALL.into_iter().filter(|t| t.allowed_in(mode)).collect()
}

/// How a timing reads on its button.
fn timing_label(t: Timing) -> &'static str {
    match t {
        Timing::Standard => "Standard",
        Timing::Extended150 => "Extended ×1.5",
        Timing::Extended200 => "Extended ×2",
        Timing::Untimed => "Untimed (training)",
    }
}

pub(super) fn plugin(app: &mut App) {
    app.add_message::<TraineeAction>()
        .add_systems(OnEnter(Screen::Trainee), open_form)
        .add_systems(OnTransition { exited: Screen::Library, entered: Screen::Trainee }, new_trainee)
        .add_systems(OnExit(Screen::Trainee), close_form)
        .add_systems(EguiPrimaryContextPass, ui.in_set(UiSet).run_if(in_state(Screen::Trainee)))
        .add_systems(
            Update,
            (keys.in_set(AppSystems::RecordInput), apply.in_set(AppSystems::Update))
                .run_if(in_state(Screen::Trainee)),
        );
}

/// What the trainee does on this screen.
#[derive(Message, Debug, Clone, PartialEq, Eq)]
pub enum TraineeAction {
    /// Pick training or assessment.
    SetMode(Mode),
    /// Pick the time allowed at timed moments.
    SetTiming(Timing),
    /// The next (+1) or previous (−1) timing in the list.
    StepTiming(i8),
    /// Go on to the briefing (refused without a name).
    Continue,
    /// Back to the library.
    Back,
}

/// The screen's own state, made when it opens and dropped when it closes.
#[derive(Resource, Debug, Default)]
pub struct TraineeForm {
    /// Give the name field the keyboard on the next frame.
    pub focus_name: bool,
    /// Why Continue was refused.
    pub problem: Option<String>,
    /// The question asked before an assessment on a scenario that is not
    /// clinically reviewed; Continue again starts it, Back takes it back.
    pub confirm_assessment: Option<String>,
}

fn open_form(mut commands: Commands) {
    commands.insert_resource(TraineeForm { focus_name: true, ..Default::default() });
}

fn close_form(mut commands: Commands) {
    commands.remove_resource::<TraineeForm>();
}

/// Coming from the library is a new trainee at the station: the last name is
/// offered only where the station allows it (or it was given on the command line).
fn new_trainee(mut prefs: ResMut<Prefs>, config: Res<AppConfig>) {
    if !prefs.remember_trainee && config.trainee.is_none() {
        prefs.trainee.clear();
    }
}

fn keys(keys: Res<ButtonInput<KeyCode>>, focus: Res<UiFocus>, mut actions: MessageWriter<TraineeAction>) {
    // Enter in the name field is Continue; on a control reached with Tab it presses that control.
    if enter_pressed(&keys) && !focus.control {
        actions.write(TraineeAction::Continue);
    } else if keys.just_pressed(KeyCode::Escape) {
        actions.write(TraineeAction::Back);
    } else if keys.just_pressed(KeyCode::ArrowUp) {
        actions.write(TraineeAction::SetMode(Mode::Training));
    } else if keys.just_pressed(KeyCode::ArrowDown) {
        actions.write(TraineeAction::SetMode(Mode::Assessment));
    } else if keys.just_pressed(KeyCode::PageDown) {
        actions.write(TraineeAction::StepTiming(1));
    } else if keys.just_pressed(KeyCode::PageUp) {
        actions.write(TraineeAction::StepTiming(-1));
    }
}

fn apply(
    mut actions: MessageReader<TraineeAction>,
    mut prefs: ResMut<Prefs>,
    mut form: Option<ResMut<TraineeForm>>,
    library: Res<Library>,
    mut next: ResMut<NextState<Screen>>,
) {
    for action in actions.read() {
        match action {
            TraineeAction::SetMode(m) => {
                if let Some(f) = form.as_mut() {
                    f.confirm_assessment = None;
                }
                if prefs.mode != *m {
                    prefs.mode = *m;
                    prefs.save();
                }
            }
            TraineeAction::SetTiming(t) => {
                if prefs.timing != *t {
                    prefs.timing = *t;
                    prefs.save();
                }
            }
            TraineeAction::StepTiming(by) => {
                let offered = offered_timings(prefs.mode);
                let now = offered.iter().position(|t| *t == prefs.timing.for_mode(prefs.mode)).unwrap_or(0);
                let next = (now as i32 + i32::from(*by)).clamp(0, offered.len() as i32 - 1) as usize;
                if prefs.timing != offered[next] {
                    prefs.timing = offered[next];
                    prefs.save();
                }
            }
            TraineeAction::Continue => {
                let name = prefs.trainee.trim().to_string();
                if name.is_empty() {
                    if let Some(f) = form.as_mut() {
                        f.problem = Some(
                            "Type your name or trainee ID first: every run is recorded under it.".into(),
                        );
                        f.focus_name = true;
                    }
                    continue;
                }
                prefs.trainee = name;
                prefs.save();
                let scenario = library.selected_entry().and_then(|e| e.scenario.as_ref());
                if let Some(f) = form.as_mut()
                    && f.confirm_assessment.is_none()
                    && let Some(question) = scenario
                        .filter(|s| s.needs_confirmation(prefs.mode))
                        .and_then(|s| s.review_status().assessment_warning())
                {
                    f.confirm_assessment = Some(question);
                    continue;
                }
                next.set(Screen::Briefing);
            }
            TraineeAction::Back => match form.as_mut().filter(|f| f.confirm_assessment.is_some()) {
                Some(f) => f.confirm_assessment = None,
                None => next.set(Screen::Library),
            },
        }
    }
}

fn ui(
    mut contexts: EguiContexts,
    library: Res<Library>,
    mut prefs: ResMut<Prefs>,
    form: Option<ResMut<TraineeForm>>,
    mut actions: MessageWriter<TraineeAction>,
) -> Result {
    let Some(mut form) = form else { return Ok(()) };
    let ctx = contexts.ctx_mut()?;
    let mut root = root(ctx);
    top_bar(
        &mut root,
        Screen::Trainee.title(),
        "Type your name   Up/Down mode   PgUp/PgDn time allowed   Enter continue   Esc back",
        &mut prefs,
    );
    let title = library.selected_entry().map(|e| e.title().to_string()).unwrap_or_default();
    let p = theme::palette(prefs.high_contrast);
    let mut name = prefs.trainee.clone();
    let mode = prefs.mode;
    body(&mut root, &prefs, |ui| {
        ui.label(theme::muted(ui, format!("Scenario: {title}")));
        ui.add_space(8.0);
        let name_label = theme::subheading(ui, "Your name or trainee ID");
        let edit = ui.add(
            egui::TextEdit::singleline(&mut name)
                .hint_text("e.g. Cadet Rivera or 24-117")
                .font(egui::FontId::proportional(theme::INPUT_SIZE))
                .desired_width(520.0)
                // Up and Down stay in the field (they pick the mode) instead of
                // moving egui's focus away from the name.
                .event_filter(egui::EventFilter {
                    horizontal_arrows: true,
                    vertical_arrows: true,
                    tab: false,
                    ..Default::default()
                }),
        );
        let edit = edit.labelled_by(name_label.id);
        if form.focus_name {
            edit.request_focus();
            form.focus_name = false;
        }
        if let Some(problem) = &form.problem {
            ui.label(egui::RichText::new(format!("⚠ {problem}")).color(p.bad));
        }
        if let Some(question) = form.confirm_assessment.clone() {
            ui.add_space(12.0);
            theme::card(ui, true, |ui| {
                theme::subheading(ui, "⚠ Not clinically reviewed: start the assessment anyway?");
                ui.label(question);
                ui.horizontal_wrapped(|ui| {
                    if ui.button(theme::bold("Start the assessment anyway  (Enter)")).clicked() {
                        actions.write(TraineeAction::Continue);
                    }
                    if ui.button("Not now  (Esc)").clicked() {
                        actions.write(TraineeAction::Back);
                    }
                });
            });
        }
        ui.add_space(16.0);
        theme::subheading(ui, "Mode");
        let training = mode == Mode::Training;
        let options = [
            (Mode::Training, "Training — the subject's state is shown, with a hint after each choice"),
            (Mode::Assessment, "Assessment — no hints or meters until the debrief"),
        ];
        for (m, label) in options {
            let on = (m == Mode::Training) == training;
            let b = theme::big_button(ui, if on { "✔" } else { "   " }, label, on);
            // A screen reader hears a radio button, checked or not, not "✔".
            b.widget_info(|| egui::WidgetInfo::selected(egui::WidgetType::RadioButton, true, on, label));
            if b.clicked() {
                actions.write(TraineeAction::SetMode(m));
            }
        }
        ui.add_space(16.0);
        theme::subheading(ui, "Time at timed moments");
        ui.label(theme::muted(
            ui,
            "An accommodation is recorded with the run and shown in the debrief and the class report.",
        ));
        let timing = prefs.timing.for_mode(mode);
        ui.horizontal_wrapped(|ui| {
            for t in offered_timings(mode) {
                let on = t == timing;
                let label = format!("{} {}", if on { "✔" } else { "  " }, timing_label(t));
                if ui.selectable_label(on, theme::bold(label)).clicked() {
                    actions.write(TraineeAction::SetTiming(t));
                }
            }
        });
        if prefs.timing != timing {
            ui.label(theme::muted(ui, "Untimed is for training; an assessment keeps a clock (here ×2)."));
        }
        ui.add_space(16.0);
        ui.horizontal(|ui| {
            if ui.button(theme::bold("Continue to briefing  (Enter)")).clicked() {
                actions.write(TraineeAction::Continue);
            }
            if ui.button("Back to library  (Esc)").clicked() {
                actions.write(TraineeAction::Back);
            }
        });
    });
    if name != prefs.trainee {
        prefs.trainee = name;
        form.problem = None;
    }
    Ok(())
}
