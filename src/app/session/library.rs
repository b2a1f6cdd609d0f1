//! The scenario library as an app resource: the core's [`ScenarioLibrary`]
//! plus the trainee's selection.

use std::path::Path;

use bevy::prelude::*;

use crate::app::AppConfig;
use crate::library::{LibraryEntry, Reloaded, ScenarioLibrary};

/// The core's [`ScenarioLibrary`] plus the entry the trainee has picked.
#[derive(Resource, Debug, Clone, Default, Deref, DerefMut)]
pub struct Library {
    #[deref]
    pub scenarios: ScenarioLibrary,
    /// The entry the trainee has picked (index into `entries`).
    pub selected: usize,
}

impl Library {
    /// Read and check every scenario in `dir`.
    pub fn load(dir: &Path) -> Library {
        Library { scenarios: ScenarioLibrary::load(dir), selected: 0 }
    }

    /// Check one file again after it changed on disk; the selection stays in range.
    pub fn reload(&mut self, path: &Path) -> Reloaded {
        let outcome = self.scenarios.reload(path);
        self.selected = self.selected.min(self.entries.len().saturating_sub(1));
        outcome
    }

    /// The entry the trainee has picked.
    pub fn selected_entry(&self) -> Option<&LibraryEntry> {
        self.entries.get(self.selected)
    }
}

pub(super) fn load_library(mut commands: Commands, config: Res<AppConfig>) {
    commands.insert_resource(Library::load(&config.scenarios));
}
