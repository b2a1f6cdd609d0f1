//! Why a file is not valid RON, in words an author knows.
//!
//! The RON parser stops at the first thing it cannot read and names what it
//! expected there (`expected comma`, `expected string`), which is often some
//! way past the real mistake: a text that lost its closing quote runs on to
//! the next quote in the file, and a bracket left open is only noticed where
//! the file ends. So when parsing fails, the source is scanned once more,
//! the way an author reads it (strings, comments, brackets), for the
//! mistakes authors make: curly quotes from a word processor, a quote inside
//! a text, a text with no closing quote, a bracket never closed. The earliest
//! one at or before the parser's stop is the likely cause.

use std::ops::Range;

use crate::diagnostics::{Diagnostic, SourceFile};

/// A likely cause of a parse error, found by scanning the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// A curly quote (“ ” ‘ ’ and the like) outside any text, where a straight
    /// `"` belongs.
    CurlyQuote {
        /// Byte range of the quote.
        at: Range<usize>,
        /// The quote character found.
        quote: char,
    },
    /// A text that closes early because of a `"` inside it: `at` is that quote.
    QuoteInside {
        /// Byte range of the `"` that closed the text early.
        at: Range<usize>,
        /// Byte offset where the text began.
        text_start: usize,
    },
    /// A text with no closing quote: it began at `start` and ran on over the
    /// end of its line (`line_end`) into what follows.
    RunOn {
        /// Byte offset of the opening quote.
        start: usize,
        /// Byte offset of the end of that line.
        line_end: usize,
    },
    /// A bracket opened at `open` and not closed where `at` closes another kind
    /// of bracket (or where the file ends, `at` empty at the end).
    Unclosed {
        /// Byte range of the opening bracket.
        open: Range<usize>,
        /// The opening bracket: `(`, `[` or `{`.
        bracket: char,
        /// Where another bracket closed instead (empty at the end of the file).
        at: Range<usize>,
        /// True when the file ended with it still open.
        at_end: bool,
    },
}

impl Finding {
    /// The position the finding is about, for choosing the earliest.
    fn key(&self) -> usize {
        match self {
            Finding::CurlyQuote { at, .. } | Finding::QuoteInside { at, .. } => at.start,
            Finding::RunOn { start, .. } => *start,
            Finding::Unclosed { open, at_end: false, .. } => open.start,
            Finding::Unclosed { at, at_end: true, .. } => at.start,
        }
    }
}

const CURLY: [char; 8] =
    ['\u{201c}', '\u{201d}', '\u{2018}', '\u{2019}', '\u{201e}', '\u{00ab}', '\u{00bb}', '\u{201f}'];

/// Whether `rest` starts like a field: `name:` (an identifier, then a colon).
fn starts_like_field(rest: &str) -> bool {
    let rest = rest.trim_start_matches([' ', '\t']);
    let ident: usize =
        rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').map(char::len_utf8).sum();
    ident > 0 && rest[ident..].trim_start_matches([' ', '\t']).starts_with(':')
}

/// Every likely cause in the text, in the order met.
pub fn scan(text: &str) -> Vec<Finding> {
    let mut found = Vec::new();
    let bytes = text.as_bytes();
    let mut stack: Vec<(char, usize)> = Vec::new();
    let mut brackets_ok = true;
    let mut i = 0;
    while i < text.len() {
        let c = text[i..].chars().next().unwrap_or(' ');
        let w = c.len_utf8();
        match c {
            '/' if bytes.get(i + 1) == Some(&b'/') => {
                i = text[i..].find('\n').map(|n| i + n).unwrap_or(text.len());
                continue;
            }
            '/' if bytes.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map(|n| i + 2 + n + 2).unwrap_or(text.len());
                continue;
            }
            '"' => {
                let start = i;
                let mut j = i + 1;
                let mut end = None;
                while j < text.len() {
                    match bytes[j] {
                        b'\\' => j += 2,
                        b'"' => {
                            end = Some(j);
                            break;
                        }
                        _ => j += 1,
                    }
                }
                let end = end.unwrap_or(text.len());
                let body = &text[(start + 1).min(text.len())..end.min(text.len())];
                if let Some(nl) = body.find('\n')
                    && (starts_like_field(&body[nl + 1..]) || end >= text.len())
                {
                    found.push(Finding::RunOn { start, line_end: start + 1 + nl });
                }
                if end < text.len() {
                    // What follows the closing quote on its line.
                    let after = &text[end + 1..];
                    let line = &after[..after.find('\n').unwrap_or(after.len())];
                    let next = line.trim_start_matches([' ', '\t']);
                    let first = next.chars().next();
                    if let Some(f) = first
                        && !matches!(f, ',' | ')' | ']' | '}' | ':')
                        && !next.starts_with("//")
                        && !starts_like_field(next)
                        && next.contains('"')
                    {
                        found.push(Finding::QuoteInside { at: end..end + 1, text_start: start });
                    }
                }
                i = end + 1;
                continue;
            }
            c if CURLY.contains(&c) => found.push(Finding::CurlyQuote { at: i..i + w, quote: c }),
            '(' | '[' | '{' if brackets_ok => stack.push((c, i)),
            ')' | ']' | '}' if brackets_ok => {
                let want = match c {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                match stack.pop() {
                    Some((open, _)) if open == want => {}
                    Some((open, at)) => {
                        found.push(Finding::Unclosed {
                            open: at..at + 1,
                            bracket: open,
                            at: i..i + 1,
                            at_end: false,
                        });
                        brackets_ok = false;
                    }
                    None => brackets_ok = false,
                }
            }
            _ => {}
        }
        i += w;
    }
    if brackets_ok && let Some((open, at)) = stack.pop() {
        let end = text.trim_end().len();
        found.push(Finding::Unclosed { open: at..at + 1, bracket: open, at: end..end, at_end: true });
    }
    found
}

/// The likely cause of a parse error that stopped at byte `stop`: the earliest
/// finding at or before it (a bracket left open at the end only when nothing
/// else explains the error).
pub fn likely_cause(text: &str, stop: usize) -> Option<Finding> {
    let found = scan(text);
    let early = found
        .iter()
        .filter(|f| match f {
            Finding::Unclosed { at_end: true, .. } => false,
            Finding::Unclosed { at, .. } => f.key() <= stop && stop <= at.end,
            _ => f.key() <= stop,
        })
        .min_by_key(|f| f.key())
        .cloned();
    early.or_else(|| found.into_iter().find(|f| matches!(f, Finding::Unclosed { at_end: true, .. })))
}

/// A bracket's name in words.
pub fn bracket_name(c: char) -> &'static str {
    match c {
        '(' => "parenthesis `(`",
        '[' => "square bracket `[`",
        _ => "curly bracket `{`",
    }
}

/// The closing partner of an opening bracket.
pub fn closer(c: char) -> char {
    match c {
        '(' => ')',
        '[' => ']',
        _ => '}',
    }
}

/// The diagnostic for a parse error that stopped at `stop` (a byte offset),
/// when the source shows a likely cause an author would recognise.
pub fn explain(source: &SourceFile, stop: usize) -> Option<Diagnostic> {
    let text = &source.text;
    let at_line = |b: usize| source.line_col(b).0;
    Some(match likely_cause(text, stop)? {
        Finding::CurlyQuote { at, quote } => {
            Diagnostic::error("E001", format!("a curly quote `{quote}` where a straight quote `\"` belongs"))
                .at(Some(at), "curly quote")
                .help(
                    "word processors turn straight quotes into curly ones, which look alike but are different characters: write every text between straight double quotes, \"like this\", and edit the file in a plain-text editor (Notepad, TextEdit in plain-text mode, VS Code)",
                )
        }
        Finding::QuoteInside { at, text_start } => Diagnostic::error(
            "E001",
            "a quote mark inside a text ends the text too early",
        )
        .at(Some(at), "this quote ends the text")
        .also(Some(text_start..text_start + 1), "the text begins here")
        .help("inside a text, write a quote mark as `\\\"` (for example `\"she said \\\"no\\\"\"`), or use single quotes: `'no'`"),
        Finding::RunOn { start, line_end } => Diagnostic::error(
            "E001",
            format!("this text has no closing quote, so it runs on past the end of line {}", at_line(start)),
        )
        .at(Some(start..line_end), "the text begins here and is never closed")
        .help(format!("add the closing `\"` at the end of the text on line {}", at_line(start))),
        Finding::Unclosed { open, bracket, at, at_end } => {
            let (line, col) = source.line_col(open.start);
            let d = Diagnostic::error(
                "E001",
                format!("the {} opened on line {line} is never closed", bracket_name(bracket)),
            )
            .at(Some(open), format!("opened here, never closed with `{}`", closer(bracket)));
            if at_end {
                d.also(Some(at.start..at.start), "the file ends here").help(format!(
                    "add the missing `{}` where what began at line {line}, column {col} ends (often the very end of the file)",
                    closer(bracket)
                ))
            } else {
                let closing = text[at.clone()].to_string();
                d.also(Some(at), format!("this `{closing}` closes something opened earlier instead"))
                    .help(format!(
                        "add the missing `{}` where what began at line {line}, column {col} ends, before this `{closing}`",
                        closer(bracket)
                    ))
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curly_quotes_outside_text_are_found_but_not_inside_it() {
        assert!(scan("text: \"I\u{2019}m fine\",").is_empty());
        let f = scan("text: \u{201c}Hi\u{201d},");
        assert!(matches!(f[0], Finding::CurlyQuote { at: Range { start: 6, .. }, quote: '\u{201c}' }));
    }

    #[test]
    fn a_quote_inside_text_is_told_from_a_missing_comma() {
        assert!(matches!(scan("(text: \"she said \"no\"\")")[0], Finding::QuoteInside { .. }));
        assert!(scan("(text: \"hi\" next: Go(\"x\"))").is_empty());
    }

    #[test]
    fn a_text_that_runs_on_is_found_where_it_began() {
        let text = "(a: \"one,\n  b: \"two\")";
        assert_eq!(scan(text)[0], Finding::RunOn { start: 4, line_end: 9 });
        // A text over two lines that does not swallow a field is fine.
        assert!(scan("(a: \"one\ntwo\")").is_empty());
    }

    #[test]
    fn brackets_left_open_are_found_where_they_were_opened() {
        let f = scan("(a: [1, 2, b: 3)");
        assert_eq!(f, [Finding::Unclosed { open: 4..5, bracket: '[', at: 15..16, at_end: false }]);
        let f = scan("(a: 1\n");
        assert_eq!(f, [Finding::Unclosed { open: 0..1, bracket: '(', at: 5..5, at_end: true }]);
        assert!(scan("// (\n(a: \"(\") /* [ */").is_empty());
    }
}
