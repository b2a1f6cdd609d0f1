//! The floor for this stack, for benches/app_perf.sh: a bare Bevy +
//! bevy_egui window with one label, built with Talkdown's exact features.
//!
//! `BARE_FIX=1` adds Talkdown's fix for egui's repaint loop
//! (`talkdown::app::idle::drop_repeated_modifiers`); `BARE_COUNTDOWN=1`
//! animates a bar at 30 Hz like a Talkdown countdown. Prints
//! `first-frame <unix seconds>` and frame-time figures every 5 s.

#[cfg(feature = "app")]
fn main() {
    use std::time::Duration;

    use bevy::prelude::*;
    use bevy::winit::{UpdateMode, WinitSettings};
    use bevy_egui::{EguiContexts, EguiPlugin, EguiPreUpdateSet, EguiPrimaryContextPass, egui};

    let fix = std::env::var_os("BARE_FIX").is_some();
    let countdown = std::env::var_os("BARE_COUNTDOWN").is_some();
    let mut app = App::new();
    app.add_plugins(DefaultPlugins.set(WindowPlugin {
        primary_window: Some(Window { resolution: (1280, 720).into(), ..default() }),
        ..default()
    }))
    .add_plugins(EguiPlugin::default())
    .insert_resource(if countdown {
        let tick = UpdateMode::reactive(Duration::from_millis(33));
        WinitSettings { focused_mode: tick, unfocused_mode: tick }
    } else {
        WinitSettings::desktop_app()
    })
    .add_systems(Startup, |mut c: Commands| {
        c.spawn(Camera2d);
    })
    .add_systems(EguiPrimaryContextPass, move |mut contexts: EguiContexts, time: Res<Time>| -> Result {
        let ctx = contexts.ctx_mut()?;
        egui::Window::new("bare").show(ctx, |ui| {
            ui.label("A bare bevy_egui window");
            if countdown {
                let f = 1.0 - (time.elapsed_secs() % 20.0) / 20.0;
                ui.add(egui::ProgressBar::new(f));
            }
        });
        Ok(())
    })
    .add_systems(Last, talkdown::app::idle::frame_probe);
    if fix {
        app.add_systems(
            PreUpdate,
            talkdown::app::idle::drop_repeated_modifiers
                .after(EguiPreUpdateSet::ProcessInput)
                .before(EguiPreUpdateSet::BeginPass),
        );
    }
    app.run();
}

#[cfg(not(feature = "app"))]
fn main() {}
