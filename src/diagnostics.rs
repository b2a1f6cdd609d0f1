//! Diagnostics an author can act on: a code, a one-line message, a label on the
//! exact text, optional secondary labels, and a concrete `help:` line.
//!
//! Rendering goes through miette so the output looks like rustc's; the plain
//! [`Diagnostic::headline`] form (`file:line:col: error[E102]: ...`) is stable
//! and is what tests and tools match on.

use std::fmt;
use std::ops::Range;

use serde::Serialize;

/// A file's text with its display name, for locating spans.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name shown in headlines: the path as the user gave it.
    pub name: String,
    /// The whole text; spans are byte ranges into it.
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// A file named `name` holding `text`; lines are indexed once, here.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile { name: name.into(), text, line_starts }
    }

    /// 1-based line and column (columns count characters, like ron and editors).
    pub fn line_col(&self, byte: usize) -> (usize, usize) {
        let byte = byte.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= byte).max(1);
        let start = self.line_starts[line - 1];
        let col = self.text.get(start..byte).map(|s| s.chars().count()).unwrap_or(0) + 1;
        (line, col)
    }

    /// Byte offset of a 1-based line and character column; clamps to the text.
    pub fn offset(&self, line: usize, col: usize) -> usize {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let rest = &self.text[start..];
        let line_end = rest.find('\n').unwrap_or(rest.len());
        rest[..line_end]
            .char_indices()
            .nth(col.saturating_sub(1))
            .map(|(i, _)| start + i)
            .unwrap_or(start + line_end)
    }
}

/// How bad a [`Diagnostic`] is. Errors stop a scenario from being played;
/// warnings do not (`validate --deny-warnings` fails on them too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The scenario cannot be played until this is fixed.
    Error,
    /// The scenario plays, but an author should look (the bundled library has none).
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// A marked piece of source text and what it says there (rustc's `^^^ label`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    /// Byte range into the [`SourceFile`]'s text.
    pub span: Range<usize>,
    /// The words shown under the marked text, e.g. "first defined here".
    pub message: String,
}

/// One problem in one file, as an author sees it: code, message, where, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// The stable code (`E102`, `W230`, ...), listed in docs/diagnostics.md;
    /// tests and tools match on it, so a code is never reused for another problem.
    pub code: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// The one-line message, lower case, no full stop (`unknown beat or ending `insde``).
    pub message: String,
    /// The text the problem is about; `None` when it is about the file as a whole.
    pub primary: Option<Label>,
    /// Further marked places, e.g. the first of two duplicate ids.
    pub secondary: Vec<Label>,
    /// The `help:` line: a concrete fix ("did you mean `inside`?").
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error with code `code` (`E...`) and a one-line message; add the place
    /// with [`Diagnostic::at`] and the fix with [`Diagnostic::help`].
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            help: None,
        }
    }

    /// A warning with code `code` (`W...`) and a one-line message.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Self::error(code, message) }
    }

    /// Mark `span` as the text the problem is about, labelled `label`; a `None`
    /// span (a place the parser did not record) leaves the diagnostic about the whole file.
    pub fn at(mut self, span: Option<Range<usize>>, label: impl Into<String>) -> Self {
        self.primary = span.map(|span| Label { span, message: label.into() });
        self
    }

    /// Add a secondary label (e.g. "first defined here"); a `None` span adds nothing.
    pub fn also(mut self, span: Option<Range<usize>>, label: impl Into<String>) -> Self {
        if let Some(span) = span {
            self.secondary.push(Label { span, message: label.into() });
        }
        self
    }

    /// Set the `help:` line.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// True for [`Severity::Error`]: the scenario cannot be played.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:col: error[E102]: message` — stable, one line.
    pub fn headline(&self, source: &SourceFile) -> String {
        match &self.primary {
            Some(label) => {
                let (line, col) = source.line_col(label.span.start);
                format!(
                    "{}:{}:{}: {}[{}]: {}",
                    source.name, line, col, self.severity, self.code, self.message
                )
            }
            None => format!("{}: {}[{}]: {}", source.name, self.severity, self.code, self.message),
        }
    }

    /// The full report: headline, the source line with the offending text
    /// underlined, secondary labels and the help line.
    pub fn render(&self, source: &SourceFile, color: bool) -> String {
        use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic};
        // The code goes in the message line (`× E102: unknown beat ...`) rather
        // than on a line of its own, so each diagnostic reads as one block.
        let mut report = MietteDiagnostic::new(format!("{}: {}", self.code, self.message)).with_severity(
            match self.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
            },
        );
        let clamp = |r: &Range<usize>| {
            let start = r.start.min(source.text.len());
            let end = r.end.clamp(start, source.text.len());
            (start, end - start)
        };
        let mut labels = Vec::new();
        if let Some(p) = &self.primary {
            labels.push(LabeledSpan::new_primary_with_span(Some(p.message.clone()), clamp(&p.span)));
        }
        for s in &self.secondary {
            labels.push(LabeledSpan::new_with_span(Some(s.message.clone()), clamp(&s.span)));
        }
        report = report.with_labels(labels);
        if let Some(help) = &self.help {
            report = report.with_help(help.clone());
        }
        let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
        let handler = GraphicalReportHandler::new_themed(theme).with_width(100).with_context_lines(1);
        let named = miette::NamedSource::new(source.name.clone(), source.text.clone());
        let report = miette::Report::new(report).with_source_code(named);
        let mut out = String::new();
        if self.primary.is_none() {
            out.push_str(&format!("{}:\n", source.name));
        }
        if handler.render_report(&mut out, report.as_ref()).is_err() {
            out = self.headline(source);
        }
        out
    }
}

/// The closest candidate to `wrong`, if any is close enough to be a likely typo.
pub fn did_you_mean<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wrong_l = wrong.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&wrong_l, &c.to_lowercase()), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let src = SourceFile::new("x.ron", "ab\n\u{e9}\u{e9}x\n");
        assert_eq!(src.line_col(0), (1, 1));
        assert_eq!(src.line_col(3), (2, 1));
        // 'x' is after two two-byte characters.
        assert_eq!(src.line_col(7), (2, 3));
        assert_eq!(src.offset(2, 3), 7);
    }

    #[test]
    fn suggestions_pick_the_nearest_id_only_when_close() {
        assert_eq!(did_you_mean("aproach", ["approach", "arrival"]), Some("approach"));
        assert_eq!(did_you_mean("zzz", ["approach", "arrival"]), None);
    }

    #[test]
    fn headline_names_file_line_and_column() {
        let src = SourceFile::new("s.ron", "a\n  bad\n");
        let d = Diagnostic::error("E102", "unknown beat `bad`").at(Some(4..7), "here");
        assert_eq!(d.headline(&src), "s.ron:2:3: error[E102]: unknown beat `bad`");
        let text = d.render(&src, false);
        assert!(text.contains("unknown beat `bad`"), "{text}");
        assert!(text.contains("s.ron:2:3"), "{text}");
    }
}
