//! The Bevy desktop app (placeholder until the app issue lands).
use std::process::ExitCode;

pub fn run(_args: crate::cli::AppArgs) -> ExitCode {
    eprintln!("talkdown: the desktop app is not built yet; use `talkdown play <scenario>`.");
    ExitCode::from(2)
}
