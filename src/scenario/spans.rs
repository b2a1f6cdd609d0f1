//! Where things are in a RON file.
//!
//! serde gives no positions for values, so semantic errors ("unknown beat
//! `aproach`") would have nowhere to point. After a file has parsed, this
//! module reads it a second time into a light tree of byte ranges, and a
//! [`Path`] such as `beats[3].choices[1].next` finds the exact text.
//! It only needs to understand valid RON (serde has already accepted the file)
//! and it never fails loudly: an unexpected shape just yields no span.

use std::ops::Range;

/// One step of a [`Path`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// A struct field by name (`beats`, `next`).
    Field(&'static str),
    /// A list element by position (0-based).
    Index(usize),
    /// A map entry by key; resolves to the key's text.
    Key(String),
}

/// A path from the file's root value to one value in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Path(pub Vec<Seg>);

impl Path {
    /// The path to the file's root value (`Scenario(...)` itself).
    pub fn root() -> Self {
        Path(Vec::new())
    }
    /// This path, then the field `name`.
    pub fn field(&self, name: &'static str) -> Self {
        self.with(Seg::Field(name))
    }
    /// This path, then list element `i`.
    pub fn index(&self, i: usize) -> Self {
        self.with(Seg::Index(i))
    }
    /// This path, then the map entry with key `k` (resolving to the key's text).
    pub fn key(&self, k: &str) -> Self {
        self.with(Seg::Key(k.to_string()))
    }
    fn with(&self, seg: Seg) -> Self {
        let mut v = self.0.clone();
        v.push(seg);
        Path(v)
    }
}

#[derive(Debug, Clone)]
enum Kind {
    Struct(Vec<(String, Node)>),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
    Atom,
}

#[derive(Debug, Clone)]
struct Node {
    span: Range<usize>,
    name: Option<String>,
    kind: Kind,
}

/// The span tree of one file.
#[derive(Debug, Clone, Default)]
pub struct Spans {
    root: Option<Node>,
    text: String,
}

impl Spans {
    /// The span tree of `text`, which serde has already accepted as RON; a
    /// shape it does not follow simply gives no spans (never an error).
    pub fn parse(text: &str) -> Spans {
        let mut p = Parser { s: text.as_bytes(), i: 0, depth: 0 };
        p.skip_ws();
        // `#![enable(...)]` attributes before the value.
        while p.peek() == Some(b'#') {
            while let Some(c) = p.peek() {
                p.i += 1;
                if c == b']' {
                    break;
                }
            }
            p.skip_ws();
        }
        Spans { root: p.value(), text: text.to_string() }
    }

    /// The byte range of the value at `path`; for a string, the quoted text.
    pub fn find(&self, path: &Path) -> Option<Range<usize>> {
        let mut node = self.root.as_ref()?;
        for seg in &path.0 {
            node = unwrap_some(node);
            node = match (seg, &node.kind) {
                (Seg::Field(f), Kind::Struct(fields)) => &fields.iter().find(|(n, _)| n == f)?.1,
                (Seg::Index(i), Kind::Seq(items)) => items.get(*i)?,
                (Seg::Key(k), Kind::Map(entries)) => {
                    &entries.iter().find(|(key, _)| self.atom_text(key) == Some(k.as_str()))?.0
                }
                _ => return None,
            };
        }
        Some(unwrap_some(node).span.clone())
    }

    /// Like [`find`](Self::find), but falls back to the nearest enclosing value
    /// that exists, so a diagnostic always points somewhere useful.
    pub fn find_or_parent(&self, path: &Path) -> Option<Range<usize>> {
        let mut p = path.clone();
        loop {
            if let Some(s) = self.find(&p) {
                return Some(s);
            }
            p.0.pop()?;
        }
    }

    fn atom_text(&self, node: &Node) -> Option<&str> {
        let raw = self.text.get(node.span.clone())?;
        Some(raw.trim_matches('"'))
    }
}

fn unwrap_some(node: &Node) -> &Node {
    match (&node.name, &node.kind) {
        (Some(n), Kind::Seq(items)) if n == "Some" && items.len() == 1 => &items[0],
        _ => node,
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        loop {
            match self.peek() {
                Some(c) if c.is_ascii_whitespace() => self.i += 1,
                Some(b'/') if self.s.get(self.i + 1) == Some(&b'/') => {
                    while let Some(c) = self.peek() {
                        if c == b'\n' {
                            break;
                        }
                        self.i += 1;
                    }
                }
                Some(b'/') if self.s.get(self.i + 1) == Some(&b'*') => {
                    // RON block comments nest.
                    self.i += 2;
                    let mut level = 1;
                    while level > 0 && self.i < self.s.len() {
                        if self.s[self.i..].starts_with(b"/*") {
                            level += 1;
                            self.i += 2;
                        } else if self.s[self.i..].starts_with(b"*/") {
                            level -= 1;
                            self.i += 2;
                        } else {
                            self.i += 1;
                        }
                    }
                }
                _ => return,
            }
        }
    }

    fn ident(&mut self) -> Option<String> {
        let start = self.i;
        if self.s[self.i..].starts_with(b"r#") {
            self.i += 2;
        }
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 {
                self.i += 1;
            } else {
                break;
            }
        }
        (self.i > start).then(|| String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }

    fn value(&mut self) -> Option<Node> {
        if self.depth > 512 {
            return None;
        }
        self.depth += 1;
        let node = self.value_inner();
        self.depth -= 1;
        node
    }

    fn value_inner(&mut self) -> Option<Node> {
        self.skip_ws();
        let start = self.i;
        match self.peek()? {
            b'"' => {
                self.string();
                Some(atom(start, self.i))
            }
            b'r' if matches!(self.s.get(self.i + 1), Some(b'"') | Some(b'#')) && self.raw_string_ahead() => {
                self.raw_string();
                Some(atom(start, self.i))
            }
            b'b' if self.s.get(self.i + 1) == Some(&b'"') => {
                self.i += 1;
                self.string();
                Some(atom(start, self.i))
            }
            b'\'' => {
                self.i += 1;
                while let Some(c) = self.peek() {
                    self.i += 1;
                    if c == b'\\' {
                        self.i += 1;
                    } else if c == b'\'' {
                        break;
                    }
                }
                Some(atom(start, self.i))
            }
            b'[' => {
                self.i += 1;
                let items = self.items(b']')?;
                Some(Node { span: start..self.i, name: None, kind: Kind::Seq(items) })
            }
            b'{' => {
                self.i += 1;
                let mut entries = Vec::new();
                loop {
                    self.skip_ws();
                    if self.peek()? == b'}' {
                        self.i += 1;
                        break;
                    }
                    let k = self.value()?;
                    self.skip_ws();
                    if self.peek()? != b':' {
                        return None;
                    }
                    self.i += 1;
                    let v = self.value()?;
                    entries.push((k, v));
                    self.skip_ws();
                    if self.peek() == Some(b',') {
                        self.i += 1;
                    }
                }
                Some(Node { span: start..self.i, name: None, kind: Kind::Map(entries) })
            }
            b'(' => self.parens(start, None),
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let name = self.ident()?;
                let after = self.i;
                self.skip_ws();
                if self.peek() == Some(b'(') {
                    self.parens(start, Some(name))
                } else {
                    self.i = after;
                    Some(atom(start, after))
                }
            }
            _ => {
                // A number (or anything else scalar): read to a delimiter.
                while let Some(c) = self.peek() {
                    if c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'+' | b'-') {
                        self.i += 1;
                    } else {
                        break;
                    }
                }
                (self.i > start).then(|| atom(start, self.i))
            }
        }
    }

    fn raw_string_ahead(&self) -> bool {
        let mut j = self.i + 1;
        while self.s.get(j) == Some(&b'#') {
            j += 1;
        }
        self.s.get(j) == Some(&b'"')
    }

    fn string(&mut self) {
        self.i += 1;
        while let Some(c) = self.peek() {
            self.i += 1;
            if c == b'\\' {
                self.i += 1;
            } else if c == b'"' {
                break;
            }
        }
    }

    fn raw_string(&mut self) {
        self.i += 1;
        let mut hashes = 0;
        while self.peek() == Some(b'#') {
            hashes += 1;
            self.i += 1;
        }
        self.i += 1; // opening quote
        while self.i < self.s.len() {
            if self.s[self.i] == b'"'
                && self.s[self.i + 1..].iter().take(hashes).filter(|&&c| c == b'#').count() == hashes
            {
                self.i += 1 + hashes;
                return;
            }
            self.i += 1;
        }
    }

    /// `( ... )`: struct fields if it starts with `ident:`, else a tuple.
    fn parens(&mut self, start: usize, name: Option<String>) -> Option<Node> {
        self.i += 1;
        self.skip_ws();
        let save = self.i;
        let is_struct = match self.ident() {
            Some(_) => {
                self.skip_ws();
                self.peek() == Some(b':') && self.s.get(self.i + 1) != Some(&b':')
            }
            None => false,
        };
        self.i = save;
        if is_struct {
            let mut fields = Vec::new();
            loop {
                self.skip_ws();
                if self.peek()? == b')' {
                    self.i += 1;
                    break;
                }
                let field = self.ident()?;
                self.skip_ws();
                if self.peek()? != b':' {
                    return None;
                }
                self.i += 1;
                let v = self.value()?;
                fields.push((field, v));
                self.skip_ws();
                if self.peek() == Some(b',') {
                    self.i += 1;
                }
            }
            Some(Node { span: start..self.i, name, kind: Kind::Struct(fields) })
        } else {
            let items = self.items(b')')?;
            Some(Node { span: start..self.i, name, kind: Kind::Seq(items) })
        }
    }

    fn items(&mut self, close: u8) -> Option<Vec<Node>> {
        let mut items = Vec::new();
        loop {
            self.skip_ws();
            if self.peek()? == close {
                self.i += 1;
                return Some(items);
            }
            items.push(self.value()?);
            self.skip_ws();
            if self.peek() == Some(b',') {
                self.i += 1;
            }
        }
    }
}

fn atom(start: usize, end: usize) -> Node {
    Node { span: start..end, name: None, kind: Kind::Atom }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r##"#![enable(implicit_some)]
// a comment with ( and "
Scenario(
    id: "x",
    beats: [
        (id: "a", choices: [(id: "c", next: Go("b"), scores: {"safety": 2})]),
        (id: "b", when: Some(All([Flag("f"), AtLeast("m", 3)]))),
    ],
    /* nested /* block */ comment */
    raw: r#"with "quotes""#,
    n: -3,
)"##;

    fn text_at(path: &Path) -> Option<&'static str> {
        Spans::parse(TEXT).find(path).map(|r| &TEXT[r])
    }

    #[test]
    fn finds_fields_indices_and_variant_arguments() {
        let beats = Path::root().field("beats");
        assert_eq!(text_at(&beats.index(0).field("id")), Some("\"a\""));
        let choice = beats.index(0).field("choices").index(0);
        assert_eq!(text_at(&choice.field("next").index(0)), Some("\"b\""));
        assert_eq!(text_at(&choice.field("scores").key("safety")), Some("\"safety\""));
        let cond = beats.index(1).field("when").index(0).index(1).index(0);
        assert_eq!(text_at(&cond), Some("\"m\""));
        assert_eq!(text_at(&Path::root().field("n")), Some("-3"));
        assert_eq!(text_at(&Path::root().field("raw")), Some("r#\"with \"quotes\"\"#"));
    }

    #[test]
    fn missing_paths_fall_back_to_the_parent() {
        let spans = Spans::parse(TEXT);
        let p = Path::root().field("beats").index(0).field("timer");
        assert_eq!(spans.find(&p), None);
        let parent = spans.find_or_parent(&p).unwrap();
        assert!(TEXT[parent].starts_with("(id: \"a\""));
    }

    #[test]
    fn garbage_never_panics() {
        for t in ["", "(", "[1,", "\"unterminated", "A(b:", "{1:}", "r#\"x", "/* open"] {
            let s = Spans::parse(t);
            let _ = s.find(&Path::root().field("x").index(3));
        }
    }
}
