//! `talkdown validate --spelling`: the text a trainee reads, checked against
//! an offline Hunspell dictionary (Debian's `hunspell-en-us`) through the
//! pure-Rust `spellbook` crate. A word is known when the dictionary knows it,
//! when it is (part of) a cast member's name, or when the folder's word list
//! (`words.txt` beside the scenarios) lists it. Each unknown word is a
//! warning (W260) at file:line:col with the dictionary's suggestions.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path as FsPath, PathBuf};

use crate::diagnostics::Diagnostic;
use crate::scenario::load::Checked;
use crate::scenario::model::{Line, ScenarioFile};
use crate::scenario::spans::{Path, Spans};

/// The per-folder word list's file name.
pub const WORDS_FILE: &str = "words.txt";

/// Set to a `.dic` file (its `.aff` beside it) to use another dictionary.
pub const DICTIONARY_ENV: &str = "TALKDOWN_DICTIONARY";

/// Where the English dictionary is looked for, in order (Debian and most
/// Linux distributions install Hunspell dictionaries in the first two).
const SEARCH: &[&str] = &["/usr/share/hunspell/en_US.dic", "/usr/share/myspell/en_US.dic"];

/// Suggestions shown for one unknown word, at most.
const MAX_SUGGESTIONS: usize = 3;

/// Why the dictionary could not be used: a message for the author.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DictionaryError(pub String);

/// An English dictionary, loaded once for a whole `validate` run.
pub struct Dictionary {
    dict: spellbook::Dictionary,
    /// Where it was read from (for messages).
    pub path: PathBuf,
    suggestions: std::cell::RefCell<HashMap<String, Vec<String>>>,
}

impl std::fmt::Debug for Dictionary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dictionary").field("path", &self.path).finish_non_exhaustive()
    }
}

impl Dictionary {
    /// The dictionary named by `$TALKDOWN_DICTIONARY`, else the first of the
    /// system's English Hunspell dictionaries found.
    pub fn find() -> Result<Dictionary, DictionaryError> {
        match std::env::var_os(DICTIONARY_ENV).filter(|v| !v.is_empty()) {
            Some(p) => Dictionary::open(FsPath::new(&p)),
            None => match SEARCH.iter().map(FsPath::new).find(|p| p.is_file()) {
                Some(p) => Dictionary::open(p),
                None => Err(DictionaryError(format!(
                    "--spelling needs an English Hunspell dictionary, and none is installed (looked for {}). \
                     On Debian or Ubuntu: `sudo apt-get install hunspell-en-us`; or set {DICTIONARY_ENV} to an `en_US.dic` file",
                    SEARCH.join(" and ")
                ))),
            },
        }
    }

    /// The dictionary in `dic` and the `.aff` file beside it.
    pub fn open(dic: &FsPath) -> Result<Dictionary, DictionaryError> {
        let aff = dic.with_extension("aff");
        let read = |p: &FsPath| {
            std::fs::read(p).map(|b| String::from_utf8_lossy(&b).into_owned()).map_err(|e| {
                DictionaryError(format!(
                    "--spelling: cannot read the dictionary file {}: {e} (a Hunspell dictionary is a `.dic` file with its `.aff` beside it; \
                     on Debian or Ubuntu: `sudo apt-get install hunspell-en-us`)",
                    p.display()
                ))
            })
        };
        let (aff_text, dic_text) = (read(&aff)?, read(dic)?);
        let dict = spellbook::Dictionary::new(&aff_text, &dic_text).map_err(|e| {
            DictionaryError(format!(
                "--spelling: {} is not a Hunspell dictionary Talkdown can read: {e}",
                dic.display()
            ))
        })?;
        Ok(Dictionary { dict, path: dic.to_path_buf(), suggestions: Default::default() })
    }

    /// Whether the dictionary knows the word as written (or, for a word
    /// written in capitals at the start of a sentence, in lowercase).
    pub fn knows(&self, word: &str) -> bool {
        self.dict.check(word)
    }

    /// Up to three suggestions, worked out once per word.
    pub fn suggest(&self, word: &str) -> Vec<String> {
        if let Some(s) = self.suggestions.borrow().get(word) {
            return s.clone();
        }
        let mut out = Vec::new();
        self.dict.suggest(word, &mut out);
        out.truncate(MAX_SUGGESTIONS);
        self.suggestions.borrow_mut().insert(word.to_string(), out.clone());
        out
    }
}

/// The words an author has said are right: the folder's `words.txt` (one
/// word a line; `#` starts a comment), matched without regard to case.
#[derive(Debug, Clone, Default)]
pub struct WordList {
    words: HashSet<String>,
}

impl WordList {
    /// The word list beside the scenarios in `dir` (empty when there is none).
    pub fn for_dir(dir: &FsPath) -> std::io::Result<WordList> {
        match std::fs::read_to_string(dir.join(WORDS_FILE)) {
            Ok(text) => Ok(WordList::parse(&text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(WordList::default()),
            Err(e) => Err(e),
        }
    }

    /// A word list from the text of a `words.txt`: one word a line, `#` starts
    /// a comment, blank lines skipped; case and curly apostrophes ignored.
    pub fn parse(text: &str) -> WordList {
        let words = text
            .lines()
            .map(|l| l.split('#').next().unwrap_or("").trim())
            .filter(|w| !w.is_empty())
            .map(normalise)
            .collect();
        WordList { words }
    }

    /// True when `word` is in the list, ignoring case (and `’` versus `'`).
    pub fn contains(&self, word: &str) -> bool {
        self.words.contains(&normalise(word))
    }

    fn add(&mut self, word: &str) {
        self.words.insert(normalise(word));
    }
}

fn normalise(word: &str) -> String {
    word.replace('\u{2019}', "'").to_lowercase()
}

/// Every text of a scenario that a trainee reads, with where it is.
fn trainee_texts(f: &ScenarioFile) -> Vec<Path> {
    let mut out = Vec::new();
    let root = Path::root();
    let about = root.field("about");
    out.push(about.field("title"));
    out.push(about.field("summary"));
    for i in 0..f.about.objectives.len() {
        out.push(about.field("objectives").index(i));
    }
    let briefing = root.field("briefing");
    out.push(briefing.field("dispatch"));
    out.push(briefing.field("setting"));
    if f.briefing.role.is_some() {
        out.push(briefing.field("role"));
    }
    let lines = |out: &mut Vec<Path>, at: Path, lines: &[Line]| {
        for (i, l) in lines.iter().enumerate() {
            out.push(at.index(i).field("text"));
            for v in 0..l.variants.len() {
                out.push(at.index(i).field("variants").index(v));
            }
        }
    };
    for (b, beat) in f.beats.iter().enumerate() {
        let bp = root.field("beats").index(b);
        lines(&mut out, bp.field("lines"), &beat.lines);
        for (c, choice) in beat.choices.iter().enumerate() {
            let cp = bp.field("choices").index(c);
            out.push(cp.field("text"));
            lines(&mut out, cp.field("reaction"), &choice.reaction);
            if choice.feedback.is_some() {
                out.push(cp.field("feedback"));
            }
            out.push(cp.field("commentary"));
            for v in 0..choice.score_variants.len() {
                out.push(cp.field("score_variants").index(v).field("reason"));
            }
        }
        if let Some(t) = &beat.timer {
            let tp = bp.field("timer");
            lines(&mut out, tp.field("reaction"), &t.reaction);
            if t.feedback.is_some() {
                out.push(tp.field("feedback"));
            }
            out.push(tp.field("commentary"));
            for v in 0..t.score_variants.len() {
                out.push(tp.field("score_variants").index(v).field("reason"));
            }
        }
    }
    for e in 0..f.endings.len() {
        let ep = root.field("endings").index(e);
        out.push(ep.field("title"));
        out.push(ep.field("narrative"));
        out.push(ep.field("commentary"));
    }
    let debrief = root.field("debrief");
    out.push(debrief.field("commentary"));
    for i in 0..f.debrief.teaching_points.len() {
        out.push(debrief.field("teaching_points").index(i));
    }
    out
}

/// The words of a quoted text in the file (`span` covers the literal, quotes
/// included), each with its byte range in the file. A word is letters with
/// apostrophes inside (`don't`, `Walter’s`); hyphens and slashes split words;
/// a token with a digit in it (`988`, `10pm`) is not a word; an escape
/// (`\n`, `\"`) is a break between words.
pub fn words_in<'t>(text: &'t str, span: Range<usize>) -> Vec<(Range<usize>, &'t str)> {
    let Some(lit) = text.get(span.clone()) else { return Vec::new() };
    let (Some(open), Some(close)) = (lit.find('"'), lit.rfind('"')) else { return Vec::new() };
    if close <= open {
        return Vec::new();
    }
    let base = span.start + open + 1;
    let inner = &lit[open + 1..close];
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut escaped = false;
    let is_apostrophe = |c: char| c == '\'' || c == '\u{2019}';
    let chars: Vec<(usize, char)> = inner.char_indices().collect();
    let flush = |from: usize, to: usize, out: &mut Vec<(Range<usize>, &'t str)>| {
        let mut w = &inner[from..to];
        // No apostrophes at the ends ('quoted' words, plural possessives).
        w = w.trim_matches(is_apostrophe);
        let lead = inner[from..to].len() - inner[from..to].trim_start_matches(is_apostrophe).len();
        if !w.is_empty() && !w.chars().any(|c| c.is_ascii_digit()) {
            let s = base + from + lead;
            out.push((s..s + w.len(), w));
        }
    };
    for (k, &(i, c)) in chars.iter().enumerate() {
        if escaped {
            escaped = false;
            continue;
        }
        if c == '\\' {
            escaped = true;
            if let Some(s) = start.take() {
                flush(s, i, &mut out);
            }
            continue;
        }
        let inside_apostrophe =
            is_apostrophe(c) && start.is_some() && chars.get(k + 1).is_some_and(|(_, n)| n.is_alphabetic());
        if c.is_alphanumeric() || inside_apostrophe {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            flush(s, i, &mut out);
        }
    }
    if let Some(s) = start {
        flush(s, inner.len(), &mut out);
    }
    out
}

/// Whether `word` is known: by the dictionary (as written, or lowercase, or
/// with a possessive `'s` taken off), a cast name or the word list.
fn known(word: &str, dict: &Dictionary, words: &WordList) -> bool {
    let plain = word.replace('\u{2019}', "'");
    let stem = plain.strip_suffix("'s").unwrap_or(&plain);
    let candidates = [plain.as_str(), stem];
    candidates.iter().any(|w| {
        words.contains(w) || dict.knows(w) || {
            // "NEVER" in capitals, "Okay" at the start of a sentence.
            let lower = w.to_lowercase();
            lower != *w && dict.knows(&lower)
        }
    })
}

/// Whether the hyphenated word around `at` (`cul-de-sac`, `Mm-hm`) is one the
/// dictionary (or the word list) knows whole, so its parts need not be words
/// of their own.
fn known_compound(text: &str, at: Range<usize>, dict: &Dictionary, words: &WordList) -> bool {
    let part = |c: char| c.is_alphabetic() || c == '-' || c == '\'';
    let before = &text[..at.start];
    let start = before.trim_end_matches(part).len();
    let after = &text[at.end..];
    let end = at.end + (after.len() - after.trim_start_matches(part).len());
    let whole = text[start..end].trim_matches(|c| c == '-' || c == '\'');
    whole.contains('-') && (words.contains(whole) || dict.knows(whole) || dict.knows(&whole.to_lowercase()))
}

/// W260 for each unknown word in the text a trainee reads. `words` is the
/// folder's word list; the scenario's cast names are added to it.
pub fn check(checked: &Checked, dict: &Dictionary, words: &WordList) -> Vec<Diagnostic> {
    let Some(f) = &checked.file else { return Vec::new() };
    let mut words = words.clone();
    for c in &f.cast {
        for part in c.name.split(|ch: char| !(ch.is_alphanumeric() || ch == '\'' || ch == '\u{2019}')) {
            if !part.is_empty() {
                words.add(part);
            }
        }
    }
    let text = &checked.source.text;
    let spans = Spans::parse(text);
    let mut out = Vec::new();
    for path in trainee_texts(f) {
        let Some(span) = spans.find(&path) else { continue };
        for (at, word) in words_in(text, span) {
            if known(word, dict, &words) || known_compound(text, at.clone(), dict, &words) {
                continue;
            }
            let suggestions = dict.suggest(word);
            let help = if suggestions.is_empty() {
                format!(
                    "if `{word}` is right, add it to `{WORDS_FILE}` beside the scenario (one word a line)"
                )
            } else {
                format!(
                    "did you mean {}? If `{word}` is right, add it to `{WORDS_FILE}` beside the scenario (one word a line)",
                    suggestions.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
                )
            };
            out.push(
                Diagnostic::warning("W260", format!("`{word}` is not in the dictionary"))
                    .at(Some(at), "unknown word")
                    .help(help),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        let text = format!("x: \"{s}\"");
        words_in(&text, 3..text.len()).into_iter().map(|(_, w)| w.to_string()).collect()
    }

    #[test]
    fn words_keep_inner_apostrophes_and_skip_numbers_and_escapes() {
        assert_eq!(
            words("I don't know, Walter\u{2019}s 988 call"),
            ["I", "don't", "know", "Walter\u{2019}s", "call"]
        );
        assert_eq!(words("she said \\\"no\\\" twice\\nthen"), ["she", "said", "no", "twice", "then"]);
        assert_eq!(words("'quoted' mobile-crisis 10pm"), ["quoted", "mobile", "crisis"]);
    }

    #[test]
    fn word_positions_are_file_offsets() {
        let text = "t: \"an eror\"";
        let w = words_in(text, 3..text.len());
        assert_eq!(&text[w[1].0.clone()], "eror");
    }

    #[test]
    fn the_word_list_ignores_comments_and_case() {
        let l = WordList::parse("# jargon\nCIT\n  naloxone  # the drug\n");
        assert!(l.contains("cit") && l.contains("Naloxone") && !l.contains("jargon"));
    }
}
