//! Review status pinned to content: who reviewed a scenario, how far, and
//! whether the text they reviewed is still the text in the file.
//!
//! The `review:` block records a *review hash*: SHA-256 over the parsed
//! scenario with the review block left out, the same canonical form the
//! records' content hash is made from (see [`super::validate::content_hash`]),
//! but without the rubric: a rubric change re-versions recorded runs, it does
//! not undo a reviewer's reading of the scenario's text. Comments and layout
//! are not part of either hash; any change to a text, a number or an id is.
//!
//! [`stamp_text`] writes or updates the block by editing the file's text in place,
//! so the author's comments and formatting survive.

use std::ops::Range;

use sha2::{Digest, Sha256};

use super::model::{Review, ReviewStatus, ScenarioFile};
use super::spans::{Path, Spans};

/// How many hex digits of the review hash a `review:` block records and shows.
pub const REVIEW_HASH_DIGITS: usize = 16;

/// Feeds serialised bytes straight into a SHA-256, without an intermediate buffer.
pub(crate) struct HashWriter(pub(crate) Sha256);

impl std::io::Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Serialise the scenario's canonical form (JSON of the parsed file, review
/// block left out) into `h`. With no review block this is byte for byte what
/// the content hash always hashed, so recorded runs keep their versions.
pub(crate) fn write_canonical(h: &mut HashWriter, file: &ScenarioFile) {
    // Serialising plain data structures to JSON cannot fail.
    if file.review.is_some() {
        let mut bare = file.clone();
        bare.review = None;
        let _ = serde_json::to_writer(h, &bare);
    } else {
        let _ = serde_json::to_writer(h, file);
    }
}

/// The review hash of a scenario: the first 16 hex digits of SHA-256 over its
/// canonical form without the review block.
pub fn review_hash(file: &ScenarioFile) -> String {
    let mut h = HashWriter(Sha256::new());
    write_canonical(&mut h, file);
    let digest = h.0.finalize();
    digest.iter().take(REVIEW_HASH_DIGITS / 2).map(|b| format!("{b:02x}")).collect()
}

/// Whether `date` is a real calendar date written `YYYY-MM-DD`.
pub fn is_valid_date(date: &str) -> bool {
    date.len() == 10 && chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok()
}

/// A scenario's review as the front ends show it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReviewState {
    /// The status the `review:` block records (`Draft` without a block).
    pub status: ReviewStatus,
    /// Who reviewed it, as the block says.
    pub reviewer: Option<String>,
    /// When, as `YYYY-MM-DD`.
    pub date: Option<String>,
    /// A reviewed status whose recorded hash is missing or no longer matches
    /// the content: the review was of something else.
    pub changed_since: bool,
}

impl ReviewState {
    /// The review of `file`, checked against its current content.
    pub fn of(file: &ScenarioFile) -> ReviewState {
        let Some(r) = &file.review else { return ReviewState::default() };
        let changed_since = r.status.is_reviewed()
            && r.content.as_deref().is_none_or(|c| !c.eq_ignore_ascii_case(&review_hash(file)));
        ReviewState { status: r.status, reviewer: r.reviewer.clone(), date: r.date.clone(), changed_since }
    }

    /// The status that holds for the content as it is now: a review of an
    /// earlier version counts for nothing (`Draft`).
    pub fn effective(&self) -> ReviewStatus {
        if self.changed_since { ReviewStatus::Draft } else { self.status }
    }

    /// Whether a clinician has signed off this exact content.
    pub fn is_clinically_reviewed(&self) -> bool {
        self.effective() == ReviewStatus::ClinicallyReviewed
    }

    /// One short phrase for a library card or list: "Team reviewed",
    /// "Clinically reviewed", "Draft", or "Team reviewed, changed since".
    pub fn label(&self) -> String {
        if self.changed_since {
            format!("{}, changed since", self.status.label())
        } else {
            self.status.label().to_string()
        }
    }

    /// A sentence with who and when: "Team reviewed by Talkdown content team on 2026-12-01."
    pub fn describe(&self) -> String {
        let mut s = self.status.label().to_string();
        if self.status.is_reviewed() {
            if let Some(r) = &self.reviewer {
                s.push_str(&format!(" by {r}"));
            }
            if let Some(d) = &self.date {
                s.push_str(&format!(" on {d}"));
            }
        }
        s.push('.');
        if self.changed_since {
            s.push_str(" The scenario has changed since that review, so the review no longer applies.");
        }
        s
    }

    /// What to ask before a scenario that no clinician has signed off is run
    /// for assessment; `None` when no question is needed.
    pub fn assessment_warning(&self) -> Option<String> {
        (!self.is_clinically_reviewed()).then(|| {
            format!(
                "This scenario is not clinically reviewed ({}). Its scores are meant for practice; \
                 a graded assessment should use clinically reviewed scenarios.",
                self.describe().trim_end_matches('.')
            )
        })
    }
}

/// Why a file could not be stamped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StampError {
    /// The file has no `about: (...)` block to put the review after.
    #[error("cannot find `about: (...)` in the file to put the review block after")]
    NoAbout,
    /// Stamping would have changed the scenario itself: nothing was written.
    #[error(
        "the stamped text no longer parses as the same scenario (this is a bug; the file was not changed)"
    )]
    Mangled,
}

/// The review block a stamp writes.
pub fn review_for(file: &ScenarioFile, status: ReviewStatus, reviewer: Option<&str>, date: &str) -> Review {
    Review {
        status,
        reviewer: reviewer.map(str::to_string),
        date: Some(date.to_string()),
        content: Some(review_hash(file)),
    }
}

/// `text` with its `review:` block set to `review`. An existing block keeps its
/// layout and comments: each of its fields' values is replaced in place and a
/// missing field is added after the last one. Without a block, one is added
/// after `about: (...)`. Nothing else in the text changes.
pub fn stamp_text(text: &str, review: &Review) -> Result<String, StampError> {
    let spans = Spans::parse(text);
    let block = Path::root().field("review");
    let fields: [(&'static str, Option<String>); 4] = [
        ("status", Some(review.status.ron_name().to_string())),
        ("reviewer", review.reviewer.as_deref().map(quote)),
        ("date", review.date.as_deref().map(quote)),
        ("content", review.content.as_deref().map(quote)),
    ];
    let mut out = text.to_string();
    if let Some(block_span) = spans.find(&block) {
        let mut edits: Vec<(Range<usize>, String)> = Vec::new();
        let mut missing = Vec::new();
        let mut last_end = None::<usize>;
        for (name, value) in &fields {
            match spans.find(&block.field(name)) {
                Some(span) => {
                    last_end = last_end.max(Some(span.end));
                    // A field the new review leaves empty (a Draft's reviewer) stays as written.
                    if let Some(v) = value {
                        edits.push((span, v.clone()));
                    }
                }
                None => {
                    if let Some(v) = value {
                        missing.push(format!("{name}: {v}"));
                    }
                }
            }
        }
        if !missing.is_empty() {
            // `status` is required, so the block has at least one field.
            let end = last_end.unwrap_or(block_span.start + 1);
            if text[block_span.clone()].contains('\n') {
                let indent = indent_of(text, end);
                let items: String = missing.iter().map(|m| format!("\n{indent}{m},")).collect();
                edits.extend(line_insert(text, end, items));
            } else {
                let (pos, had_comma) = after_comma(text, end);
                let items = missing.join(", ");
                edits.push((pos..pos, if had_comma { format!(" {items},") } else { format!(", {items}") }));
            }
        }
        edits.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
        for (r, v) in edits {
            out.replace_range(r, &v);
        }
    } else {
        let about = spans.find(&Path::root().field("about")).ok_or(StampError::NoAbout)?;
        let items: Vec<String> =
            fields.iter().filter_map(|(n, v)| v.as_ref().map(|v| format!("{n}: {v}"))).collect();
        // On its own lines unless `about` shares its line with what follows.
        let (after, _) = after_comma(text, about.end);
        let rest_of_line = text[after..].split('\n').next().unwrap_or("").trim_start();
        let own_lines =
            text[about.clone()].contains('\n') || rest_of_line.is_empty() || rest_of_line.starts_with("//");
        let mut edits = if own_lines {
            let indent = indent_of(text, about.start);
            let inner: String = items.iter().map(|i| format!("\n{indent}    {i},")).collect();
            line_insert(text, about.end, format!("\n{indent}review: ({inner}\n{indent}),"))
        } else {
            let (pos, had_comma) = after_comma(text, about.end);
            let block = format!("review: ({})", items.join(", "));
            vec![(pos..pos, if had_comma { format!(" {block},") } else { format!(", {block}") })]
        };
        edits.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
        for (r, v) in edits {
            out.replace_range(r, &v);
        }
    }
    Ok(out)
}

/// A RON string literal.
fn quote(s: &str) -> String {
    ron::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
}

/// The position just after a comma following `end` (only spaces between), and
/// whether there was one; else `end` itself.
fn after_comma(text: &str, end: usize) -> (usize, bool) {
    let rest = &text[end..];
    let skipped = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    if rest[skipped..].starts_with(',') { (end + skipped + 1, true) } else { (end, false) }
}

/// The edits that add `lines` (each starting with a newline) after the value
/// ending at `end` in a multi-line layout: a comma after the value if it has
/// none, and the lines at the end of its line, after any `// comment` there.
fn line_insert(text: &str, end: usize, lines: String) -> Vec<(Range<usize>, String)> {
    let (pos, had_comma) = after_comma(text, end);
    let rest = &text[pos..];
    let line_end = pos + rest.find('\n').unwrap_or(rest.len());
    let tail = text[pos..line_end].trim_start();
    let at = if tail.is_empty() || tail.starts_with("//") { line_end } else { pos };
    match (had_comma, at == end) {
        (true, _) => vec![(at..at, lines)],
        (false, true) => vec![(end..end, format!(",{lines}"))],
        (false, false) => vec![(at..at, lines), (end..end, ",".to_string())],
    }
}

/// The leading whitespace of the line that holds byte `pos`.
fn indent_of(text: &str, pos: usize) -> String {
    let line_start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
    text[line_start..].chars().take_while(|c| *c == ' ' || *c == '\t').collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_must_be_real_and_zero_padded() {
        assert!(is_valid_date("2026-12-01"));
        assert!(is_valid_date("2024-02-29"));
        assert!(!is_valid_date("2026-02-29"));
        assert!(!is_valid_date("2026-13-01"));
        assert!(!is_valid_date("2026-1-1"));
        assert!(!is_valid_date("01/12/2026"));
        assert!(!is_valid_date(""));
    }

    #[test]
    fn inline_block_gets_missing_fields_inline() {
        let review = Review {
            status: ReviewStatus::TeamReviewed,
            reviewer: Some("A \"quoted\" team".into()),
            date: Some("2026-12-01".into()),
            content: Some("0123456789abcdef".into()),
        };
        let text = "(id: \"x\", about: (title: \"t\"), review: (status: Draft), start: \"a\")";
        let out = stamp_text(text, &review).unwrap();
        assert_eq!(
            out,
            "(id: \"x\", about: (title: \"t\"), review: (status: TeamReviewed, reviewer: \"A \\\"quoted\\\" team\", date: \"2026-12-01\", content: \"0123456789abcdef\"), start: \"a\")"
        );
    }

    #[test]
    fn a_new_block_goes_after_about_at_its_indent() {
        let review = Review {
            status: ReviewStatus::Draft,
            reviewer: None,
            date: Some("2026-12-01".into()),
            content: Some("0123456789abcdef".into()),
        };
        let text =
            "(\n    id: \"x\",\n    about: (\n        title: \"t\",\n    ), // about\n    start: \"a\",\n)";
        let out = stamp_text(text, &review).unwrap();
        assert_eq!(
            out,
            "(\n    id: \"x\",\n    about: (\n        title: \"t\",\n    ), // about\n    review: (\n        status: Draft,\n        date: \"2026-12-01\",\n        content: \"0123456789abcdef\",\n    ),\n    start: \"a\",\n)"
        );
    }
}
