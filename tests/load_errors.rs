//! A scenario or rubric that does not validate comes back as a typed error
//! that keeps its diagnostics (codes, places), so each front end can render
//! them its own way: coloured in a terminal, listed in the app.

use std::path::Path;

use talkdown::scenario::{LoadError, load_scenario};

#[test]
fn a_broken_scenario_keeps_its_located_diagnostics() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/broken/typo_in_next_beat.ron");
    let Err(e) = load_scenario(&path) else { panic!("a broken fixture loaded") };
    let LoadError::BadScenario { checked, .. } = &e else { panic!("not a BadScenario: {e:?}") };
    let codes: Vec<&str> = checked.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.code).collect();
    assert_eq!(codes, ["E102"], "{e}");
    // The plain rendering names the file, line and column; the coloured one
    // carries ANSI escapes and the same words.
    let plain = e.render(false);
    assert!(plain.contains("typo_in_next_beat.ron:"), "{plain}");
    assert!(!plain.contains('\u{1b}'), "{plain}");
    assert!(e.render(true).contains('\u{1b}'));
    assert_eq!(e.headlines().len(), 1);
    assert!(e.headlines()[0].contains("E102"), "{:?}", e.headlines());
}

#[test]
fn a_broken_rubric_keeps_one_headline_per_problem() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("rubric.ron"),
        "Rubric(dimensions: [], techniques: [], outcomes: [], nonsense: 1)",
    )
    .unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/minimal.ron"),
        dir.path().join("minimal.ron"),
    )
    .unwrap();
    let Err(e) = load_scenario(&dir.path().join("minimal.ron")) else {
        panic!("loaded with a broken rubric")
    };
    let LoadError::BadRubric { diagnostics, .. } = &e else { panic!("not a BadRubric: {e:?}") };
    assert!(!diagnostics.is_empty());
    assert_eq!(e.headlines().len(), diagnostics.len());
    assert!(e.to_string().contains("the rubric has errors"), "{e}");
}
