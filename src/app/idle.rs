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
    .add_systems(Last, (countdown_cadence, frame_probe))
    .add_systems(Update, perf_autostart.in_set(super::AppSystems::RecordInput));
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
    pause: Res<State<super::Pause>>,
    settings: Option<ResMut<WinitSettings>>,
    mut resting: Local<Option<WinitSettings>>,
) {
    let Some(mut settings) = settings else { return };
    if matches!(settings.focused_mode, UpdateMode::Continuous) && resting.is_none() {
        return; // scripted runs draw every frame anyway
    }
    let ticking = current.countdown_shown() && !pause.get().0;
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

/// For benches/app_perf.sh: with `TALKDOWN_PERF` set, print
/// `first-frame <unix seconds>` once the first full frame has been drawn and,
/// every 5 s, the frame count and the mean and 95th-percentile frame time.
pub fn frame_probe(
    time: Res<Time<Real>>,
    mut frames: Local<Vec<f32>>,
    mut count: Local<u64>,
    mut last: Local<f32>,
) {
    if std::env::var_os("TALKDOWN_PERF").is_none() {
        return;
    }
    *count += 1;
    // Frame 3: the window exists and fonts are bound (see theme::FontsReady).
    if *count == 3 {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        println!("first-frame {:.3}", now.as_secs_f64());
    }
    if *count > 3 {
        frames.push(time.delta_secs() * 1000.0);
    }
    let t = time.elapsed_secs();
    if t - *last >= 5.0 {
        *last = t;
        if !frames.is_empty() {
            let mut v = frames.clone();
            v.sort_by(|a, b| a.total_cmp(b));
            let mean = v.iter().sum::<f32>() / v.len() as f32;
            let p95 = v[(v.len() * 95 / 100).min(v.len() - 1)];
            println!("frames {} mean_ms {mean:.1} p95_ms {p95:.1}", v.len());
            frames.clear();
        }
    }
}

/// For benches/app_perf.sh: `TALKDOWN_PERF=countdown` starts the first
/// scenario in the library at once, so a countdown is running.
pub fn perf_autostart(
    ready: Res<super::theme::FontsReady>,
    mut done: Local<bool>,
    mut start: MessageWriter<super::session::StartRun>,
) {
    if *done || !ready.0 || std::env::var("TALKDOWN_PERF").as_deref() != Ok("countdown") {
        return;
    }
    *done = true;
    start.write(super::session::StartRun::default());
}
