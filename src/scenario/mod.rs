//! Scenarios: the authored model, the rubric, loading, graph queries and validation.

pub mod model;
pub mod rubric;
