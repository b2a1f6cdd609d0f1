//! Scenarios: the authored model, the rubric, loading, graph queries and validation.

pub mod checked;
pub mod graph;
pub mod load;
pub mod model;
pub mod review;
pub mod rubric;
pub mod spans;
pub mod syntax;
pub mod validate;

pub use checked::*;
pub use load::{Checked, LoadError, check_file, load_scenario, scenario_files};
pub use model::ScenarioFile;
pub use rubric::Rubric;
