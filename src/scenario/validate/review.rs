//! Checks of the `review:` block (W250–W253): a review is only worth
//! something for the content it was made of, with a name and a date on it.

use crate::diagnostics::Diagnostic;
use crate::scenario::model::{ReviewStatus, ScenarioFile};
use crate::scenario::review::{is_valid_date, review_hash};
use crate::scenario::spans::{Path, Spans};

/// The `--status` spelling of `talkdown review` for a status.
fn cli_status(s: ReviewStatus) -> &'static str {
    match s {
        ReviewStatus::Draft => "draft",
        ReviewStatus::TeamReviewed => "team-reviewed",
        ReviewStatus::ClinicallyReviewed => "clinically-reviewed",
    }
}

pub(super) fn review_checks(file: &ScenarioFile, spans: &Spans, diags: &mut Vec<Diagnostic>) {
    let block = Path::root().field("review");
    if file.about.clinical_reviewer.is_some() {
        diags.push(
            Diagnostic::warning("W253", "`clinical_reviewer` is replaced by the `review:` block")
                .at(
                    spans.find_or_parent(&Path::root().field("about").field("clinical_reviewer")),
                    "no longer counts as a review",
                )
                .help(
                    "remove this line; once the clinician has reviewed this version, record it with \
                     `talkdown review --status clinically-reviewed --reviewer \"NAME, CREDENTIALS\" FILE`",
                ),
        );
    }
    let Some(review) = &file.review else { return };
    let reviewed = review.status.is_reviewed();
    let stamp = format!(
        "talkdown review --status {} --reviewer \"{}\" {}.ron",
        cli_status(review.status),
        review.reviewer.as_deref().filter(|r| !r.trim().is_empty()).unwrap_or("NAME"),
        file.id
    );

    if let Some(date) = &review.date {
        if !is_valid_date(date) {
            diags.push(
                Diagnostic::warning(
                    "W251",
                    format!("the review date `{date}` is not a date written YYYY-MM-DD"),
                )
                .at(spans.find_or_parent(&block.field("date")), "expected e.g. \"2026-12-01\"")
                .help("write the day of the review as year-month-day, e.g. \"2026-12-01\""),
            );
        }
    } else if reviewed {
        diags.push(
            Diagnostic::warning("W251", format!("the review ({}) has no date", review.status.label()))
                .at(spans.find_or_parent(&block), "add `date: \"YYYY-MM-DD\"`")
                .help(format!("add the day of the review, or stamp it again: `{stamp}`")),
        );
    }

    if reviewed && review.reviewer.as_deref().is_none_or(|r| r.trim().is_empty()) {
        diags.push(
            Diagnostic::warning("W252", format!("`{}` names no reviewer", review.status.ron_name()))
                .at(
                    spans
                        .find_or_parent(&block.field("reviewer"))
                        .or(spans.find_or_parent(&block.field("status"))),
                    "who reviewed it?",
                )
                .help(
                    "a review is someone's word: add `reviewer: \"NAME\"` (a clinician with credentials for \
                     ClinicallyReviewed), or set `status: Draft`",
                ),
        );
    }

    if reviewed {
        let current = review_hash(file);
        match review.content.as_deref() {
            Some(recorded) if recorded.eq_ignore_ascii_case(&current) => {}
            Some(recorded) => diags.push(
                Diagnostic::warning(
                    "W250",
                    format!(
                        "the scenario changed since its review (reviewed content {recorded}, now {current})"
                    ),
                )
                .at(spans.find_or_parent(&block.field("content")), "the content reviewed")
                .help(format!(
                    "the review was of an earlier version and no longer applies. Have the changes reviewed, \
                     then record the new review: `{stamp}`"
                )),
            ),
            None => diags.push(
                Diagnostic::warning(
                    "W250",
                    format!("the review records no content hash, so nothing says what was reviewed (now {current})"),
                )
                .at(spans.find_or_parent(&block), "add `content: \"...\"`")
                .help(format!("record the review with `{stamp}`, which writes the hash")),
            ),
        }
    }
}
