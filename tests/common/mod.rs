//! Helpers shared by several test binaries (each `tests/*.rs` is its own
//! crate, so a binary that uses only some of them would warn about the rest).
#![allow(dead_code, reason = "each test binary uses a part of this module")]

pub mod pg;

use std::path::{Path, PathBuf};

/// The scenario most records tests play: every feature of the format.
pub fn fixture_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/every_feature.ron")
}

/// [`fixture_path`], loaded.
pub fn fixture() -> talkdown::scenario::Scenario {
    talkdown::scenario::load::load_scenario(&fixture_path()).expect("fixture loads")
}

/// Play `choices` (ids) of [`fixture`] with authored order and seed 1,
/// recording as we go; finish (with a debrief) when an ending is reached.
pub fn play(
    store: &mut talkdown::records::Store,
    s: &talkdown::scenario::Scenario,
    trainee: &str,
    choices: &[&str],
) -> talkdown::records::SessionId {
    use talkdown::engine::{Mode, Playthrough, StartOptions};
    let mut opts = StartOptions::new(1, Mode::Training);
    opts.shuffle = false;
    let mut p = Playthrough::start(s, opts).unwrap();
    let id = store.start_session_from(&p, trainee, Some(&fixture_path())).unwrap();
    for (i, c) in choices.iter().enumerate() {
        p.choose_id(c, Some(1000 + i as u64 * 250)).unwrap();
        store.record_decision(id, &p).unwrap();
    }
    if p.is_finished() {
        let (a, mut space) = talkdown::analysis::analyze(s).unwrap();
        let d = talkdown::debrief::Debrief::build(&p, &a, &mut space, Some(trainee)).unwrap();
        store.finish_session(id, &p, &d).unwrap();
    }
    id
}

/// Six routes through [`fixture`] whose class-report figures are worked out
/// by hand in tests/records_store.rs and tests/class_report.rs.
pub mod routes {
    /// Ends accepts_help, 11 points.
    pub const A: &[&str] = &["introduce", "reflect", "ask_now", "offer_counsellor"];
    /// Ends struggle, -3 points, a critical error.
    pub const B: &[&str] = &["grab"];
    /// Ends left_alone, -10 points, a critical error.
    pub const C: &[&str] = &["command", "cheer_up", "leave"];
    /// Ends hold, 1 point.
    pub const D: &[&str] = &["introduce", "cheer_up", "stay", "hold"];
    /// Abandoned after one decision.
    pub const E: &[&str] = &["introduce"];
    /// Abandoned after one decision.
    pub const F: &[&str] = &["command"];
}

/// Eight meters of 0–1000 a trainee can raise one step at a time: far more
/// states than the analyzer explores (warning W230), yet a playable scenario.
pub fn too_large_to_analyse() -> String {
    let names = ["a", "b", "c", "d", "e", "f", "g", "h"];
    let meters: Vec<String> = names
        .iter()
        .map(|m| format!("(id: \"{m}\", name: \"Meter {m}\", min: 0, max: 1000, start: 0)"))
        .collect();
    let raises: Vec<String> = names
        .iter()
        .map(|m| {
            format!(
                "(id: \"raise_{m}\", text: \"Wait and watch ({m}).\", effects: [Raise(\"{m}\", 1)], \
                 scores: {{\"deescalation\": -1}}, commentary: \"Waiting without speaking leaves her alone with it.\", next: Go(\"door\"))"
            )
        })
        .collect();
    format!(
        r#"Scenario(
    id: "wide",
    about: (title: "Eight meters", summary: "Too many states to analyse.", difficulty: Introductory, minutes: 1, version: "1"),
    briefing: (dispatch: "A welfare check.", setting: "A doorstep."),
    cast: [(id: "pat", name: "Pat", role: Subject)],
    meters: [{meters}],
    start: "door",
    beats: [
        (id: "door", lines: [(speaker: "pat", text: "Who is it?")], choices: [
            {raises},
            (id: "introduce", text: "Police, I'm Sam. Your daughter asked us to check on you.", scores: {{"connection": 2}},
             commentary: "Introduce yourself and say why you are there.", next: Go("inside")),
        ]),
        (id: "inside", lines: [(speaker: "pat", text: "I'm fine.")], choices: [
            (id: "ask", text: "Can I check you're alright?", scores: {{"assessment": 2}}, commentary: "Ask consent first.", next: Go("ok")),
            (id: "leave", text: "Okay then, I'll leave you to it.", scores: {{"linkage": -1}},
             commentary: "Leaving without checking can miss self-neglect.", next: Go("left")),
        ]),
    ],
    endings: [
        (id: "ok", outcome: "resolved", title: "All well", narrative: "Pat is fine.", commentary: "Checked with consent."),
        (id: "left", outcome: "disengaged", title: "You left", narrative: "You leave.", commentary: "No follow-up."),
    ],
    debrief: (commentary: "Explain why you are there."),
)"#,
        meters = meters.join(",\n        "),
        raises = raises.join(",\n            "),
    )
}
