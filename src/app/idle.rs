//! Keeping the app idle when nobody touches it.
//!
//! Why a bare bevy_egui 0.42 window with `WinitSettings::desktop_app()` spins
//! at ~150 % CPU: bevy_egui's `write_egui_input_system` pushes an
//! `egui::Event::ModifiersChanged` into the context's input on *every* frame,
//! changed or not. egui's `InputState::wants_repaint_after` treats any input
//! event as a reason to repaint at once, so each pass requests the next one;
//! bevy_egui's `process_output_system` turns that request into a
//! `RequestRedraw`, and the reactive winit loop never sleeps.
//!
//! The fix is [`drop_repeated_modifiers`]: after bevy_egui has written the
//! frame's input and before the egui pass begins, drop `ModifiersChanged`
//! events that repeat the modifiers already reported. Real changes (a Shift
//! press) still get through, and every other event is untouched.
//!
//! Countdowns still animate: while a timed beat is running and not paused,
//! [`countdown_cadence`] switches winit to a 30 Hz reactive wait, and back to
//! the resting settings when the countdown ends.

use std::time::Duration;

use bevy::platform::collections::HashMap;
use bevy::prelude::*;
use bevy::winit::{UpdateMode, WinitSettings};
use bevy_egui::{EguiInput, EguiPreUpdateSet, egui};

use super::session::Current;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        PreUpdate,
        drop_repeated_modifiers.after(EguiPreUpdateSet::ProcessInput).before(EguiPreUpdateSet::BeginPass),
    )
    .add_systems(Last, countdown_cadence);
}

/// Frames per second while a countdown bar is moving.
pub const COUNTDOWN_FPS: u64 = 30;

pub fn drop_repeated_modifiers(
    mut inputs: Query<(Entity, &mut EguiInput)>,
    mut last: Local<HashMap<Entity, egui::Modifiers>>,
) {
    for (entity, mut input) in &mut inputs {
        let has_any = input.events.iter().any(|e| matches!(e, egui::Event::ModifiersChanged(_)));
        if !has_any {
            continue;
        }
        let mut current = last.get(&entity).copied();
        input.events.retain(|e| match e {
            egui::Event::ModifiersChanged(m) => {
                let keep = current != Some(*m);
                current = Some(*m);
                keep
            }
            _ => true,
        });
        if let Some(m) = current {
            last.insert(entity, m);
        }
    }
}

fn countdown_cadence(
    current: Res<Current>,
    settings: Option<ResMut<WinitSettings>>,
    mut resting: Local<Option<WinitSettings>>,
) {
    let Some(mut settings) = settings else { return };
    if matches!(settings.focused_mode, UpdateMode::Continuous) && resting.is_none() {
        return; // scripted runs draw every frame anyway
    }
    let ticking = current.countdown_running();
    match (ticking, resting.is_some()) {
        (true, false) => {
            *resting = Some(settings.clone());
            let tick = UpdateMode::reactive(Duration::from_millis(1000 / COUNTDOWN_FPS));
            settings.focused_mode = tick;
            settings.unfocused_mode = tick;
        }
        (false, true) => {
            if let Some(r) = resting.take() {
                *settings = r;
            }
        }
        _ => {}
    }
}
