//! `talkdown review`: record a review in scenario files, pinned to their content.

use std::path::{Path, PathBuf};

use clap::ValueEnum;

use super::{Error, Outcome, color_stderr};
use crate::library::{files_to_check, is_template};
use crate::scenario::load;
use crate::scenario::model::ReviewStatus;
use crate::scenario::review::{ReviewState, is_valid_date, review_for, review_hash, stamp_text};

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum StatusArg {
    /// Not reviewed (yet, or again after a change).
    Draft,
    /// Reviewed by the authoring team, not by a clinician.
    TeamReviewed,
    /// Signed off by a named clinician.
    ClinicallyReviewed,
}

impl From<StatusArg> for ReviewStatus {
    fn from(s: StatusArg) -> ReviewStatus {
        match s {
            StatusArg::Draft => ReviewStatus::Draft,
            StatusArg::TeamReviewed => ReviewStatus::TeamReviewed,
            StatusArg::ClinicallyReviewed => ReviewStatus::ClinicallyReviewed,
        }
    }
}

/// Stamp every file (a folder means its scenarios, templates left out).
pub fn run(
    status: StatusArg,
    reviewer: Option<String>,
    date: Option<String>,
    paths: &[PathBuf],
) -> Result<Outcome, Error> {
    let status = ReviewStatus::from(status);
    let reviewer = reviewer.map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
    if status.is_reviewed() && reviewer.is_none() {
        return Err(Error::Usage(format!(
            "a {} review needs `--reviewer NAME` (who reviewed it; a clinician's name and credentials for clinically-reviewed)",
            status.label().to_lowercase()
        )));
    }
    let date = match date {
        Some(d) if is_valid_date(&d) => d,
        Some(d) => {
            return Err(Error::Usage(format!(
                "`--date {d}` is not a date written YYYY-MM-DD, e.g. 2026-12-01"
            )));
        }
        None => chrono::Utc::now().date_naive().format("%Y-%m-%d").to_string(),
    };
    let mut targets = Vec::new();
    for p in paths {
        let from_folder = p.is_dir();
        for t in files_to_check(std::slice::from_ref(p), None) {
            match t {
                Ok((file, _)) if from_folder && is_template(&file) => {}
                other => targets.push(other),
            }
        }
    }
    let (mut stamped, mut refused, mut unreadable) = (0, 0, 0);
    for target in targets {
        let result = target.and_then(|(file, rubric)| {
            let checked = load::check_file(&file, &rubric)?;
            Ok((file, rubric, checked))
        });
        let (file, rubric, checked) = match result {
            Ok(x) => x,
            Err(e) => {
                eprintln!("talkdown: {}", e.render(color_stderr()));
                unreadable += 1;
                continue;
            }
        };
        let name = checked.source.name.clone();
        let Some(parsed) = checked.file.as_ref().filter(|_| checked.errors() == 0) else {
            eprintln!(
                "talkdown: {name}: not stamped: the scenario has errors; a review is of a scenario that works.\n{}",
                checked.error_report(color_stderr())
            );
            refused += 1;
            continue;
        };
        let review = review_for(parsed, status, reviewer.as_deref(), &date);
        let text = match stamp_text(&checked.source.text, &review) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("talkdown: {name}: not stamped: {e}");
                refused += 1;
                continue;
            }
        };
        // The stamped text must parse to the same scenario with exactly this review.
        let again =
            load::check_source(crate::diagnostics::SourceFile::new(name.clone(), text.clone()), &rubric);
        let same = again
            .file
            .as_ref()
            .is_some_and(|f| f.review.as_ref() == Some(&review) && review_hash(f) == review_hash(parsed));
        if !same {
            eprintln!("talkdown: {name}: not stamped: {}", crate::scenario::review::StampError::Mangled);
            refused += 1;
            continue;
        }
        write_keeping_bom(&file, &text).map_err(|source| Error::Write { path: file.clone(), source })?;
        let state = ReviewState::of(again.file.as_ref().unwrap_or(parsed));
        println!(
            "{name}: {} (content {})",
            state.describe().trim_end_matches('.'),
            review.content.as_deref().unwrap_or_default()
        );
        stamped += 1;
    }
    if refused + unreadable > 0 {
        eprintln!("talkdown: stamped {stamped}, not stamped {}", refused + unreadable);
    }
    Ok(if unreadable > 0 {
        Outcome::ErrorsReported
    } else if refused > 0 {
        Outcome::ProblemsFound
    } else {
        Outcome::Clean
    })
}

/// Write beside, then rename, so an interrupted stamp never leaves half a
/// file; a UTF-8 byte-order mark the file had is kept.
fn write_keeping_bom(path: &Path, text: &str) -> std::io::Result<()> {
    let had_bom = std::fs::read(path).map(|b| b.starts_with(b"\xEF\xBB\xBF")).unwrap_or(false);
    let mut bytes = Vec::with_capacity(text.len() + 3);
    if had_bom {
        bytes.extend_from_slice(b"\xEF\xBB\xBF");
    }
    bytes.extend_from_slice(text.as_bytes());
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.review.{}", std::process::id()));
    std::fs::write(&tmp, &bytes)?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
