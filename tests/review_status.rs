//! Review status pinned to content: what the core says about a scenario's
//! review, before and after an edit, and what it asks before an assessment.

use std::path::Path;

use talkdown::diagnostics::SourceFile;
use talkdown::engine::Mode;
use talkdown::scenario::load::{bundled_rubric, check_source};
use talkdown::scenario::model::ReviewStatus;
use talkdown::scenario::review::{review_for, review_hash, stamp_text};
use talkdown::scenario::{Checked, Scenario};

fn minimal() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/minimal.ron")).unwrap()
}

fn check(text: &str) -> Checked {
    check_source(SourceFile::new("minimal.ron", text), &bundled_rubric())
}

fn scenario(text: &str) -> Scenario {
    let c = check(text);
    let report = c.report(false);
    c.scenario.unwrap_or_else(|| panic!("{report}"))
}

fn stamped(text: &str, status: ReviewStatus) -> String {
    let file = check(text).file.unwrap();
    stamp_text(text, &review_for(&file, status, Some("Dr. Jane Lee, LCSW"), "2026-12-01")).unwrap()
}

#[test]
fn without_a_block_a_scenario_is_a_draft_and_an_assessment_asks() {
    let s = scenario(&minimal());
    assert_eq!(s.review_status().status, ReviewStatus::Draft);
    assert_eq!(s.review_status().effective(), ReviewStatus::Draft);
    assert!(s.needs_assessment_confirmation());
    assert!(s.needs_confirmation(Mode::Assessment));
    assert!(!s.needs_confirmation(Mode::Training));
    assert!(s.review_status().assessment_warning().unwrap().contains("not clinically reviewed (Draft)"));
}

#[test]
fn a_clinical_review_holds_until_the_content_changes() {
    let text = stamped(&minimal(), ReviewStatus::ClinicallyReviewed);
    let s = scenario(&text);
    let r = s.review_status();
    assert_eq!(r.effective(), ReviewStatus::ClinicallyReviewed);
    assert_eq!(r.label(), "Clinically reviewed");
    assert!(!s.needs_assessment_confirmation());
    assert_eq!(r.assessment_warning(), None);
    assert!(check(&text).diagnostics.is_empty(), "{}", check(&text).report(false));

    // Comments and layout are not content.
    let reformatted =
        format!("// reviewed copy\n{}", text.replace("start: \"door\",", "start:   \"door\" ,"));
    assert!(!scenario(&reformatted).needs_assessment_confirmation());

    // A changed word is: the review no longer applies.
    let edited = text.replace("Who is it?", "Who's there?");
    let s = scenario(&edited);
    let r = s.review_status();
    assert!(r.changed_since);
    assert_eq!(r.status, ReviewStatus::ClinicallyReviewed);
    assert_eq!(r.effective(), ReviewStatus::Draft);
    assert_eq!(r.label(), "Clinically reviewed, changed since");
    assert!(s.needs_assessment_confirmation());
    let codes: Vec<&str> = check(&edited).diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["W250"]);
    // So is a changed number.
    let renumbered = text.replace("max: 10, start: 5", "max: 10, start: 6");
    assert!(scenario(&renumbered).review_status().changed_since);
}

#[test]
fn a_team_review_still_asks_before_an_assessment() {
    let s = scenario(&stamped(&minimal(), ReviewStatus::TeamReviewed));
    assert!(!s.review_status().changed_since);
    assert!(s.needs_assessment_confirmation());
    let w = s.review_status().assessment_warning().unwrap();
    assert!(w.contains("Team reviewed by Dr. Jane Lee, LCSW on 2026-12-01"), "{w}");
}

#[test]
fn the_review_hash_ignores_the_review_block_and_the_content_hash_too() {
    let text = minimal();
    let plain = scenario(&text);
    let reviewed = scenario(&stamped(&text, ReviewStatus::TeamReviewed));
    assert_eq!(review_hash(&plain.file), review_hash(&reviewed.file));
    assert_eq!(review_hash(&plain.file).len(), 16);
    // Stamping a review does not make recorded runs a different version.
    assert_eq!(plain.content_hash, reviewed.content_hash);
}

#[test]
fn every_bundled_scenario_is_honestly_team_reviewed_for_its_current_content() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let lib = talkdown::library::ScenarioLibrary::load(&dir);
    let scenarios: Vec<&Scenario> = lib.entries.iter().filter_map(|e| e.scenario.as_ref()).collect();
    assert!(scenarios.len() >= 10);
    for s in scenarios {
        let r = s.review_status();
        assert_eq!(r.status, ReviewStatus::TeamReviewed, "{}", s.id());
        assert!(!r.changed_since, "{}: changed since its review", s.id());
        assert_eq!(r.reviewer.as_deref(), Some("Talkdown content team"), "{}", s.id());
        assert!(s.needs_assessment_confirmation(), "{}: not clinically reviewed", s.id());
    }
}
