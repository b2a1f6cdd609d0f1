//! Talkdown: a scenario-based training simulator for crisis intervention.
pub mod scenario;
