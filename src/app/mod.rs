//! The Bevy desktop app: a thin shell over the core.
//!
//! Resources hold core types ([`session::Library`] of checked scenarios, the
//! running [`crate::engine::Playthrough`], the [`crate::debrief::Debrief`]);
//! systems turn keys and clicks into engine calls and draw the engine's state
//! with egui. No scoring or branching happens here.
//!
//! Reading this file tells you the whole app: [`AppPlugin`] composes one
//! plugin per concern.

pub mod backdrop;
pub mod dev_panel;
pub mod hot_reload;
pub mod idle;
pub mod screens;
pub mod script;
pub mod session;
pub mod speech;
pub mod theme;

use std::path::PathBuf;
use std::process::ExitCode;

use bevy::prelude::*;
use bevy::window::{ExitCondition, WindowResolution};
use bevy::winit::WinitSettings;
use bevy_egui::EguiPlugin;

use crate::engine::{Mode, Timing};

pub use screens::Screen;

/// Everything the app needs to know at start-up, from the command line.
#[derive(Resource, Debug, Clone, Default)]
pub struct AppConfig {
    /// The folder of scenarios offered in the library.
    pub scenarios: PathBuf,
    /// Where preferences are saved (`None`: not saved).
    pub prefs: Option<PathBuf>,
    /// A scripted run (`--scenario` with `--choices`).
    pub script: Option<script::ScriptPlan>,
    pub seed: Option<u64>,
    pub mode: Option<Mode>,
    pub trainee: Option<String>,
    /// The class (cohort) this station's runs belong to (`--class` / `TALKDOWN_CLASS`).
    pub class: Option<String>,
    /// A timing accommodation for everyone at this station (`--timing`).
    pub timing: Option<Timing>,
    /// The session records file (`None`: attempts are kept in memory only).
    pub records: Option<PathBuf>,
    /// Text size from the command line (`--text-scale`), 0.8 to 2.
    pub text_scale: Option<f32>,
}

impl AppConfig {
    /// The configuration for a window on `scenarios`, recording into `records`
    /// (`None`: the default file), with an optional scripted run.
    pub fn new(
        scenarios: PathBuf,
        records: Option<PathBuf>,
        script: Option<script::ScriptPlan>,
    ) -> AppConfig {
        AppConfig {
            // Scripted runs must not change what a person at this machine sees next time.
            prefs: if script.is_some() { None } else { theme::Prefs::default_path() },
            // A scripted run records only into a file it is given.
            records: if script.is_some() {
                records
            } else {
                crate::records::resolve_path(records.as_deref()).ok()
            },
            script,
            scenarios,
            seed: None,
            mode: None,
            trainee: None,
            class: None,
            timing: None,
            text_scale: None,
        }
    }
}

/// Systems that draw egui UI run in this set, after the theme is applied.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct UiSet;

/// The order of the app's own `Update` work, set in one place (as
/// bevy_new_2d's `AppSystems`): clocks tick, then input (keys, clicks, a
/// script, file changes) becomes action messages, then the actions are
/// applied to the core session. A key pressed in a frame is applied in that frame.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppSystems {
    /// Countdowns.
    TickTimers,
    /// Keys, clicks, scripted steps and file changes turn into actions.
    RecordInput,
    /// Actions are applied: runs start, choices reach the engine.
    Update,
}

/// Whether the run in progress is paused (Esc). Only meaningful on the play
/// screen; leaving it resumes.
#[derive(States, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Pause(pub bool);

/// Systems that stop while the run is paused (the countdown).
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PausableSystems;

/// The whole app, minus the window and renderer (so tests can run it headless).
pub struct AppPlugin {
    pub config: AppConfig,
}

impl Plugin for AppPlugin {
    fn build(&self, app: &mut App) {
        let mut prefs = theme::Prefs::load(self.config.prefs.clone());
        if let Some(m) = self.config.mode {
            prefs.mode = m;
        }
        if let Some(t) = &self.config.trainee {
            prefs.trainee = t.clone();
        }
        if let Some(t) = self.config.timing {
            prefs.timing = t;
        }
        if let Some(scale) = self.config.text_scale {
            prefs.text_scale = scale.clamp(theme::MIN_SCALE, theme::MAX_SCALE);
        }
        app.insert_resource(self.config.clone())
            .insert_resource(prefs)
            .init_resource::<ClearColor>()
            .init_state::<Pause>()
            .configure_sets(
                Update,
                (AppSystems::TickTimers, AppSystems::RecordInput, AppSystems::Update).chain(),
            )
            .configure_sets(Update, PausableSystems.run_if(in_state(Pause(false))))
            .configure_sets(bevy_egui::EguiPrimaryContextPass, UiSet.run_if(theme::fonts_ready));
        app.add_plugins((
            idle::plugin,
            theme::plugin,
            session::plugin,
            screens::plugin,
            backdrop::plugin,
            hot_reload::plugin,
            dev_panel::plugin,
            speech::plugin,
        ));
        if self.config.script.is_some() {
            app.add_plugins(script::plugin);
        }
    }
}

/// Why the window could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("cannot create the screenshots folder {path}: {source}")]
    Screenshots {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// `talkdown` with no subcommand: open the window and run until it closes.
/// Returns the app's own exit code (a scripted run's failure is 1).
pub fn run(config: AppConfig) -> Result<ExitCode, AppError> {
    if let Some(dir) = config.script.as_ref().and_then(|p| p.screenshots.as_ref()) {
        std::fs::create_dir_all(dir).map_err(|source| AppError::Screenshots { path: dir.clone(), source })?;
    }
    let scripted = config.script.is_some();
    let mut app = App::new();
    app.add_plugins(
        DefaultPlugins
            .set(WindowPlugin {
                primary_window: Some(Window {
                    title: "Talkdown — crisis intervention training".into(),
                    resolution: WindowResolution::new(1280, 720),
                    ..default()
                }),
                exit_condition: ExitCondition::OnPrimaryClosed,
                ..default()
            })
            .set(bevy::log::LogPlugin {
                // wgpu and naga are chatty about software rendering under Xvfb.
                filter: "wgpu=error,naga=warn,bevy_render=warn,bevy_winit=warn".into(),
                ..default()
            }),
    )
    .add_plugins(EguiPlugin::default())
    // Reactive: redraw on input, on egui's own requests and on running
    // countdowns only (see idle.rs). A scripted run draws continuously.
    .insert_resource(if scripted { WinitSettings::continuous() } else { WinitSettings::desktop_app() })
    .add_systems(Startup, spawn_camera)
    .add_plugins(AppPlugin { config });
    Ok(match app.run() {
        AppExit::Success => ExitCode::SUCCESS,
        AppExit::Error(code) => ExitCode::from(code.get()),
    })
}

fn spawn_camera(mut commands: Commands) {
    commands.spawn(Camera2d);
}

/// The app without a window or renderer, for headless tests: the same
/// plugins, screens and resources, driven by `app.update()`.
pub fn headless(config: AppConfig) -> App {
    use bevy::input::InputPlugin;
    use bevy::state::app::StatesPlugin;
    let mut app = App::new();
    app.add_plugins((
        MinimalPlugins,
        StatesPlugin,
        InputPlugin,
        bevy::asset::AssetPlugin::default(),
        WindowPlugin { primary_window: None, exit_condition: ExitCondition::DontExit, ..default() },
        // bevy_egui's `accesskit` feature reads the resources this plugin makes
        // (DefaultPlugins has it); with no window there is no adapter, so egui
        // builds no accessibility tree here.
        bevy::a11y::AccessibilityPlugin,
    ))
    .init_asset::<bevy::shader::Shader>()
    .init_asset::<bevy::image::Image>()
    .add_plugins(EguiPlugin::default())
    .add_plugins(AppPlugin { config });
    app.world_mut().spawn(bevy_egui::PrimaryEguiContext);
    app
}
