//! Text from a file or a person on its way to a terminal or a page: trainee
//! names, scenario titles and lines, records. Control characters (C0, DEL,
//! C1: escape sequences, carriage returns, bells) and bidirectional overrides
//! are shown as `\u{..}` escapes, so no text can move the cursor, recolour or
//! clear a terminal, forge a line, or reorder what is shown. Every front end
//! passes such text through [`printable`] (one field) or [`printable_lines`]
//! (a block whose own line breaks are kept), or writes through [`PrintableWriter`].

use std::borrow::Cow;
use std::io::Write;

fn unsafe_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// One field: every control character escaped, line breaks and tabs included.
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A block of text: its line breaks (`\n`) and tabs kept, every other control
/// character escaped (a `\r` too, so no line can be overwritten).
pub fn printable_lines(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c != '\n' && c != '\t' && unsafe_char(c)) {
        return Cow::Borrowed(s);
    }
    let parts: Vec<String> = s
        .split('\n')
        .map(|l| l.split('\t').map(|p| printable(p).into_owned()).collect::<Vec<_>>().join("\t"))
        .collect();
    Cow::Owned(parts.join("\n"))
}

/// A writer that passes everything written through [`printable_lines`]: the
/// terminal player writes the scenario's text through it. Text is held until a
/// line ends or the writer is flushed (the prompt), so a character is never split.
pub struct PrintableWriter<W: Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: Write> PrintableWriter<W> {
    /// A writer passing escaped text on to `inner`.
    pub fn new(inner: W) -> Self {
        PrintableWriter { inner, pending: Vec::new() }
    }

    fn emit(&mut self, upto: usize) -> std::io::Result<()> {
        let chunk: Vec<u8> = self.pending.drain(..upto).collect();
        let text = String::from_utf8_lossy(&chunk);
        self.inner.write_all(printable_lines(&text).as_bytes())
    }
}

impl<W: Write> Write for PrintableWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if let Some(i) = self.pending.iter().rposition(|&b| b == b'\n') {
            self.emit(i + 1)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let n = self.pending.len();
        self.emit(n)?;
        self.inner.flush()
    }
}

impl<W: Write> Drop for PrintableWriter<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_plain_text_is_kept() {
        assert_eq!(printable("Ana Lee"), "Ana Lee");
        assert_eq!(printable("ana\u{1b}[2J"), "ana\\u{1b}[2J");
        assert_eq!(printable("a\nb\u{7f}\u{202e}"), "a\\u{a}b\\u{7f}\\u{202e}");
        assert_eq!(printable_lines("a\n\tb\r\u{9b}c\u{2066}"), "a\n\tb\\u{d}\\u{9b}c\\u{2066}");
        assert!(matches!(printable_lines("plain\nlines\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn the_writer_escapes_across_writes_and_keeps_the_prompt() {
        let mut buf = Vec::new();
        {
            let mut w = PrintableWriter::new(&mut buf);
            let title = "x\u{1b}[31m";
            write!(w, "Title: {title}").unwrap();
            writeln!(w, " ok").unwrap();
            // A multibyte character split between two writes is kept whole.
            w.write_all(&"é\u{202e}".as_bytes()[..1]).unwrap();
            w.write_all(&"é\u{202e}".as_bytes()[1..]).unwrap();
            write!(w, "\n> ").unwrap();
            w.flush().unwrap();
        }
        assert_eq!(String::from_utf8(buf).unwrap(), "Title: x\\u{1b}[31m ok\né\\u{202e}\n> ");
    }
}
