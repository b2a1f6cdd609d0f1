//! Talkdown: a scenario-based training simulator for crisis intervention.
//!
//! The core (this library without the `app` feature) is plain Rust: data flows
//! one way, RON → [`scenario`] (model, validation) → [`analysis`] and
//! [`engine`] → [`debrief`], and every front end (the terminal player, the
//! CLI, the Bevy app) drives the same code.

#![warn(missing_docs)]

pub mod analysis;
#[allow(missing_docs)] // documented next (issue 8)
pub mod cli;
pub mod debrief;
pub mod diagnostics;
pub mod engine;
pub mod export;
pub mod html;
pub mod library;
#[allow(missing_docs)] // documented next (issue 8)
pub mod records;
pub mod scenario;
pub mod session;
pub mod speech;
pub mod spelling;
pub mod state;
pub mod testplan;

#[cfg(feature = "app")]
#[allow(missing_docs)] // documented next (issue 8)
pub mod app;
pub mod synthetic;
pub mod text;
