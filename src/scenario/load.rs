//! Reading scenario and rubric files: text → typed model → checked scenario,
//! with every problem turned into a located [`Diagnostic`].

use std::path::{Path as FsPath, PathBuf};

use ron::extensions::Extensions;
use serde::de::DeserializeOwned;

use super::checked::Scenario;
use super::model::ScenarioFile;
use super::rubric::{BUNDLED_RUBRIC, Rubric};
use super::spans::{Path, Spans};
use super::validate;
use crate::diagnostics::{Diagnostic, SourceFile, did_you_mean};

/// Larger files are refused before parsing: no real scenario comes near this,
/// and a stray 50 MB log file should get a clear message, not a long stall.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// The name of the rubric file that, when present beside scenarios, replaces
/// the bundled one (`Rubric(...)`) or extends it (`RubricExtension(...)`).
pub const RUBRIC_FILE: &str = "rubric.ron";

/// Errors that stop a file from being read at all.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file (or folder) could not be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// What was being read.
        path: PathBuf,
        /// Why the OS refused.
        #[source]
        source: std::io::Error,
    },
    /// A file could not be written (a stamped review, an export).
    #[error("{path}: cannot write: {source}")]
    Write {
        /// What was being written.
        path: PathBuf,
        /// Why the OS refused.
        #[source]
        source: std::io::Error,
    },
    /// An output file (`--html`, `--json`) that cannot be written, found before the run.
    #[error("{0}")]
    Output(String),
    /// A folder was given, but it holds no scenario file.
    #[error("{path}: no scenario files (*.ron) in this folder")]
    NoScenarios {
        /// The folder.
        path: PathBuf,
    },
    /// The rubric's problems are kept as diagnostics, not text, so each front
    /// end renders them its own way (colour in a terminal, a list in the app).
    #[error("{}: the rubric has errors:\n{}", path.display(), render_all(file, diagnostics, false))]
    BadRubric {
        /// The rubric file.
        path: PathBuf,
        /// Its text, for showing the lines the diagnostics point at.
        file: SourceFile,
        /// Every problem found in it.
        diagnostics: Vec<Diagnostic>,
    },
    /// The scenario has errors (E...); `checked` holds every diagnostic, so a
    /// front end can show them all.
    #[error("{}: the scenario has errors:\n{}", path.display(), checked.error_report(false))]
    BadScenario {
        /// The scenario file.
        path: PathBuf,
        /// The file, checked: its text and diagnostics.
        checked: Box<Checked>,
    },
}

impl LoadError {
    /// The message with its diagnostics rendered, in colour if asked.
    pub fn render(&self, color: bool) -> String {
        match self {
            LoadError::BadRubric { path, file, diagnostics } => {
                format!(
                    "{}: the rubric has errors:\n{}",
                    path.display(),
                    render_all(file, diagnostics, color)
                )
            }
            LoadError::BadScenario { path, checked } => {
                format!("{}: the scenario has errors:\n{}", path.display(), checked.error_report(color))
            }
            other => other.to_string(),
        }
    }

    /// One line per problem (`file:line:col: error[E...]: ...`), for `--short`;
    /// empty for errors that are not about a file's content.
    pub fn headlines(&self) -> Vec<String> {
        match self {
            LoadError::BadRubric { file, diagnostics, .. } => {
                diagnostics.iter().map(|d| d.headline(file)).collect()
            }
            LoadError::BadScenario { checked, .. } => checked
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(|d| d.headline(&checked.source))
                .collect(),
            _ => Vec::new(),
        }
    }
}

fn render_all(source: &SourceFile, diagnostics: &[Diagnostic], color: bool) -> String {
    diagnostics.iter().map(|d| d.render(source, color)).collect::<Vec<_>>().join("\n")
}

/// One file, checked: its text, everything found wrong with it, and the
/// compiled scenario when there were no errors.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The file's name and text, for rendering the diagnostics.
    pub source: SourceFile,
    /// The file as parsed; `None` when it is not even valid RON of the right shape.
    pub file: Option<ScenarioFile>,
    /// Every problem found, errors and warnings, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// The playable scenario; `None` when there is any error.
    pub scenario: Option<Scenario>,
}

impl Checked {
    /// How many errors (each stops the scenario from being played).
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }
    /// How many warnings.
    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }

    /// Every error (not the warnings) rendered with the offending text underlined.
    pub fn error_report(&self, color: bool) -> String {
        let errors: Vec<Diagnostic> = self.diagnostics.iter().filter(|d| d.is_error()).cloned().collect();
        render_all(&self.source, &errors, color)
    }
    /// Every diagnostic, fully rendered, one after another.
    pub fn report(&self, color: bool) -> String {
        self.diagnostics.iter().map(|d| d.render(&self.source, color)).collect::<Vec<_>>().join("\n")
    }
}

fn ron_options() -> ron::Options {
    // implicit_some lets authors write `when: Flag("x")` instead of `when: Some(Flag("x"))`.
    ron::Options::default().with_default_extension(Extensions::IMPLICIT_SOME)
}

/// Parse RON text into `T`, turning a parse error into a located diagnostic.
// A diagnostic is large, but this runs once per file, on the error path only.
#[allow(clippy::result_large_err)]
pub fn parse<T: DeserializeOwned>(source: &SourceFile) -> Result<T, Diagnostic> {
    ron_options().from_str::<T>(&source.text).map_err(|e| ron_diagnostic(source, &e))
}

fn ron_diagnostic(source: &SourceFile, e: &ron::error::SpannedError) -> Diagnostic {
    use ron::Error as E;
    let start = source.offset(e.span.start.line, e.span.start.col);
    let mut end = source.offset(e.span.end.line, e.span.end.col);
    if end <= start {
        end = source.text[start..].chars().next().map(|c| start + c.len_utf8()).unwrap_or(start);
    }
    let span = Some(start..end);
    let within = |outer: &Option<String>| outer.as_ref().map(|o| format!(" in `{o}`")).unwrap_or_default();
    match &e.code {
        E::NoSuchStructField { expected, found, outer } => {
            let help = match did_you_mean(found, expected.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("the fields here are: {}", expected.join(", ")),
            };
            Diagnostic::error("E002", format!("unknown field `{found}`{}", within(outer)))
                .at(span, "not a field here")
                .help(help)
        }
        E::MissingStructField { field, outer } => {
            Diagnostic::error("E002", format!("missing field `{field}`{}", within(outer)))
                .at(span, format!("`{field}` is required here"))
                .help(format!("add `{field}: ...` (see docs/scenario-format.md)"))
        }
        E::DuplicateStructField { field, outer } => {
            Diagnostic::error("E002", format!("field `{field}` is given twice{}", within(outer)))
                .at(span, "given again here")
                .help("keep one of them")
        }
        E::NoSuchEnumVariant { expected, found, outer } => {
            let help = match did_you_mean(found, expected.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("expected one of: {}", expected.join(", ")),
            };
            Diagnostic::error("E002", format!("unknown value `{found}`{}", within(outer)))
                .at(span, "not one of the allowed values")
                .help(help)
        }
        E::ExceededRecursionLimit => Diagnostic::error("E001", "the file is nested too deeply")
            .at(span, "more than 128 levels of brackets by here")
            .help("a scenario never needs this much nesting; check for unclosed brackets"),
        other => plain_syntax_error(source, other, start..end),
    }
}

/// A reading error in words an author knows: first what the source shows
/// (curly quotes, a quote inside a text, a text or a bracket never closed),
/// then what the parser met where it stopped.
fn plain_syntax_error(source: &SourceFile, e: &ron::Error, span: std::ops::Range<usize>) -> Diagnostic {
    use ron::Error as E;
    let text = &source.text;
    // The parser's position can be on the white space before the token it stopped at.
    let skipped = text.get(span.start..).map(|r| r.len() - r.trim_start().len()).unwrap_or(0);
    let span = if span.end <= span.start + skipped + 1 {
        span.start + skipped..(span.start + skipped + 1).min(text.len())
    } else {
        span.start + skipped..span.end
    };
    if let Some(d) = super::syntax::explain(source, span.start) {
        return d;
    }
    // The word the parser stopped at, and the rest of its line.
    let rest = &text[span.start.min(text.len())..];
    let line_rest = &rest[..rest.find('\n').unwrap_or(rest.len())];
    let word: String = line_rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    let word_span = Some(span.start..span.start + word.len().max(1));
    let line_start = text[..span.start.min(text.len())].rfind('\n').map(|i| i + 1).unwrap_or(0);
    // `start: 4-6`: a range written as in prose.
    if let Some(range) = dashed_range(text, line_start) {
        let (lo, hi, at) = range;
        return Diagnostic::error("E001", format!("a range is written `({lo}, {hi})`, not `{lo}-{hi}`"))
            .at(Some(at), "write the range in brackets, with a comma")
            .help(format!(
                "a meter's `start` is one number such as `{lo}`, or a range in brackets such as `({lo}, {hi})`: the meter starts at a random value from {lo} to {hi}"
            ));
    }
    match e {
        E::ExpectedBoolean => {
            let lower = word.to_lowercase();
            let meant = if matches!(lower.as_str(), "no" | "n" | "off" | "false") { "false" } else { "true" };
            let shown = if word.is_empty() { "this".to_string() } else { format!("`{word}`") };
            Diagnostic::error(
                "E001",
                format!("{shown} is not a yes-or-no value here: write `true` or `false`"),
            )
            .at(word_span, format!("write `{meant}` here"))
            .help(
                "yes-or-no fields such as `critical` take `true` or `false`, in lowercase and without quotes",
            )
        }
        E::ExpectedComma => Diagnostic::error("E001", "a comma is missing just before this")
            .at(Some(span), "a comma belongs before this")
            .help("put a comma between two fields or two items of a list, at the end of the previous one"),
        E::ExpectedArrayEnd | E::ExpectedStructLikeEnd | E::ExpectedMapEnd => {
            let closer = match e {
                E::ExpectedArrayEnd => "]",
                E::ExpectedMapEnd => "}",
                _ => ")",
            };
            Diagnostic::error("E001", format!("expected a comma or a closing `{closer}` just before this"))
                .at(Some(span), "reading stopped here")
                .help(format!(
                    "the mistake is just before this point: a missing comma, or a `{closer}` that closes the list or bracket"
                ))
        }
        E::Eof => Diagnostic::error("E001", "the file ends before the scenario is complete")
            .at(Some(span), "the file ends here")
            .help("something is missing at the end: usually a closing `)` or `]`"),
        E::ExpectedString | E::ExpectedStringEnd => {
            Diagnostic::error("E001", "expected a text in straight double quotes here")
                .at(word_span, "not a text in quotes")
                .help("write texts and ids between straight double quotes: `\"like this\"`")
        }
        E::ExpectedFloat | E::ExpectedInteger => Diagnostic::error("E001", "expected a number here")
            .at(word_span, "not a number")
            .help("write a number with digits only, such as `5` or `-2`, without quotes"),
        other => {
            let msg = other.to_string();
            let help = if msg.contains("untagged") {
                "a meter's `start` is a number such as `7`, or a range such as `(5, 8)`"
            } else {
                "the marked text cannot be read here: check its spelling, its quotes and its brackets"
            };
            Diagnostic::error("E001", lowercase_first(&msg)).at(Some(span), "here").help(help)
        }
    }
}

/// `start: 4-6` on the line beginning at `line_start`: the two numbers and where they are.
fn dashed_range(text: &str, line_start: usize) -> Option<(i64, i64, std::ops::Range<usize>)> {
    let line = &text[line_start..];
    let line = &line[..line.find('\n').unwrap_or(line.len())];
    let at = line.find("start:")? + "start:".len();
    let after = &line[at..];
    let value = after.trim_start();
    let begin = line_start + at + (after.len() - value.len());
    let num = |s: &str| -> usize {
        s.char_indices().take_while(|(i, c)| c.is_ascii_digit() || (*i == 0 && *c == '-')).count()
    };
    let n1 = num(value);
    let lo: i64 = value[..n1].parse().ok()?;
    let rest = value[n1..].trim_start();
    let rest = rest.strip_prefix('-').or_else(|| rest.strip_prefix('\u{2013}'))?.trim_start();
    let n2 = num(rest);
    let hi: i64 = rest[..n2].parse().ok()?;
    let end = begin + (value.len() - rest.len()) + n2;
    Some((lo, hi, begin..end))
}

fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Read a file as text for checking. Problems that still let us report
/// something (not UTF-8, too large) become diagnostics; only I/O errors fail.
#[allow(clippy::result_large_err)] // once per file; see `parse`
pub fn read_source(path: &FsPath) -> Result<Result<SourceFile, (SourceFile, Diagnostic)>, LoadError> {
    let name = path.display().to_string();
    let io = |source| LoadError::Io { path: path.to_path_buf(), source };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return Err(io(std::io::Error::other("is a folder, not a file")));
    }
    let too_large = |size: String| {
        let d = Diagnostic::error(
            "E004",
            format!("file is {size}; scenario files are at most {} MB", MAX_FILE_BYTES / (1024 * 1024)),
        )
        .help("is this the right file? A long scenario is well under 1 MB");
        Ok(Err((SourceFile::new(name.clone(), ""), d)))
    };
    if meta.len() > MAX_FILE_BYTES {
        return too_large(format!("{:.1} MB", meta.len() as f64 / 1e6));
    }
    // Never more than the limit from anything: a device (/dev/zero), a FIFO
    // or a file that grows while being read has no honest length up front.
    let mut bytes = Vec::new();
    {
        use std::io::Read;
        let file = std::fs::File::open(path).map_err(io)?;
        file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(io)?;
    }
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return too_large(format!("more than {} MB", MAX_FILE_BYTES / (1024 * 1024)));
    }
    // Notepad's "UTF-8 with BOM": the mark is not part of the text.
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Ok(SourceFile::new(name, text))),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            // The lossy text has the same bytes up to the first bad one.
            let src = SourceFile::new(name, text);
            let d = Diagnostic::error("E003", "the file is not UTF-8 text")
                .at(Some(valid..valid + 1), "this byte is not valid UTF-8")
                .help("save the file as UTF-8 (most editors: File → Save with encoding → UTF-8)");
            Ok(Err((src, d)))
        }
    }
}

/// Check scenario text against a rubric.
pub fn check_source(source: SourceFile, rubric: &Rubric) -> Checked {
    match parse::<ScenarioFile>(&source) {
        Err(d) => Checked { source, file: None, diagnostics: vec![d], scenario: None },
        Ok(file) => {
            let spans = Spans::parse(&source.text);
            // The validator checks reactions and score variants (validate/fields.rs).
            let (mut diagnostics, scenario) = validate::check(&file, rubric, &spans);
            if let Some(s) = &scenario
                && let Some(mut d) = too_large_to_analyse(s, &spans)
            {
                // One warning for one cause: the validator's "checks skipped"
                // (W217) is folded into this one.
                let before = diagnostics.len();
                diagnostics.retain(|x| x.code != "W217");
                if diagnostics.len() < before {
                    let help = d.help.take().unwrap_or_default();
                    d = d.help(format!(
                        "{help}. The judgement checks that explore states (W208–W210, W213–W215) were skipped too"
                    ));
                }
                diagnostics.push(d);
            }
            Checked { source, file: Some(file), diagnostics, scenario }
        }
    }
}

/// W230 when `talkdown analyze` (and so the debrief's judgement) cannot
/// explore the scenario's states. Cheap: the scenario's state graph, which
/// the analyzer reads too, was explored once by the validator's judgement
/// checks; this only looks at the result, and only when a generous upper
/// bound of the state count (beats × meter values × flag combinations) is
/// over the cap at all.
fn too_large_to_analyse(s: &Scenario, spans: &Spans) -> Option<Diagnostic> {
    let cap = crate::analysis::MAX_STATES as f64;
    let mut bound = s.beats.len().max(1) as f64;
    for m in &s.meters {
        bound *= (f64::from(m.max) - f64::from(m.min) + 1.0).max(1.0);
    }
    bound *= 2f64.powi(s.file.flags.len() as i32);
    if bound <= cap {
        return None;
    }
    let Err(e) = crate::state::graph::StateGraph::of(s).map_err(crate::analysis::AnalysisError::from) else {
        return None;
    };
    Some(
        Diagnostic::warning("W230", format!("the scenario has too many states to analyse: {e}"))
            .at(
                spans.find_or_parent(&Path::root().field("meters")),
                "the meters' ranges and the flags multiply here",
            )
            .help(format!(
                "`talkdown analyze` explores at most {} states (past that, debriefs judge step by step); \
                 narrow the meters' ranges or use fewer flags",
                crate::analysis::MAX_STATES
            )),
    )
}

/// Read and check a scenario file.
pub fn check_file(path: &FsPath, rubric: &Rubric) -> Result<Checked, LoadError> {
    Ok(match read_source(path)? {
        Ok(source) => {
            let mut checked = check_source(source, rubric);
            if let Some(d) = misnamed(path, &checked) {
                checked.diagnostics.insert(0, d);
                checked.scenario = None;
            }
            checked
        }
        Err((source, d)) => Checked { source, file: None, diagnostics: vec![d], scenario: None },
    })
}

/// The file name without `.ron`.
pub fn file_stem(path: &FsPath) -> String {
    path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

/// The span of a checked file's `id: "..."` value, when it was read.
pub fn id_span(checked: &Checked) -> Option<std::ops::Range<usize>> {
    Spans::parse(&checked.source.text).find_or_parent(&Path::root().field("id"))
}

/// E140: a scenario file is named after its id (`park_bench.ron` holds
/// `id: "park_bench"`), so a scripted run, `talkdown play ID` and the records
/// all find it by the same name. Templates (`_*.ron`) are exempt.
fn misnamed(path: &FsPath, checked: &Checked) -> Option<Diagnostic> {
    let file = checked.file.as_ref()?;
    let stem = file_stem(path);
    if stem.starts_with('_') || stem == file.id {
        return None;
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    Some(
        Diagnostic::error("E140", format!("the file `{name}` is not named after its id `{}`", file.id))
            .at(id_span(checked), format!("the id is `{}`", file.id))
            .help(format!(
                "a scenario file is named after its id: rename the file to `{}.ron`, or change the id to `\"{stem}\"`",
                file.id
            )),
    )
}

/// E141: two scenario files in one folder with the same id. `files` are the
/// checked files of one folder; each file sharing its id with another gets
/// an error naming the other file and where its id is. Templates (`_*.ron`)
/// are left out: a draft copy beside the scenario it copies is no conflict.
pub fn duplicate_ids(files: &mut [(&FsPath, &mut Checked)]) {
    // (id, file name, `path:line:col` of the id, span of the id)
    type Seen = (String, String, String, Option<std::ops::Range<usize>>);
    let ids: Vec<Option<Seen>> = files
        .iter()
        .map(|(p, c)| {
            let f = c.file.as_ref().filter(|_| !file_stem(p).starts_with('_'))?;
            let span = id_span(c);
            let at = match &span {
                Some(r) => {
                    let (line, col) = c.source.line_col(r.start);
                    format!("{}:{line}:{col}", p.display())
                }
                None => p.display().to_string(),
            };
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            Some((f.id.clone(), name, at, span))
        })
        .collect();
    for (i, (_, checked)) in files.iter_mut().enumerate() {
        let Some((id, _, _, span)) = &ids[i] else { continue };
        for (j, other) in ids.iter().enumerate() {
            let Some((other_id, other_name, other_at, _)) = other else { continue };
            if i == j || other_id != id {
                continue;
            }
            checked.diagnostics.insert(
                0,
                Diagnostic::error(
                    "E141",
                    format!("two files in this folder have the id `{id}`: this one and `{other_name}`"),
                )
                .at(span.clone(), format!("`{other_name}` has this id too, at {other_at}"))
                .help(format!(
                    "each scenario in a folder needs its own id: give one of them a new id and name its file after it (the other one is at {other_at})"
                )),
            );
            checked.scenario = None;
        }
    }
}

/// The name a RON file's top-level value starts with (`Rubric`,
/// `RubricExtension`), after comments, blank lines and `#![enable(...)]`.
fn leading_name(text: &str) -> &str {
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("//") {
            rest = r.find('\n').map(|i| &r[i..]).unwrap_or("");
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = r.find("*/").map(|i| &r[i + 2..]).unwrap_or("");
        } else if let Some(r) = rest.strip_prefix("#!") {
            rest = r.find(']').map(|i| &r[i + 1..]).unwrap_or("");
        } else {
            break;
        }
    }
    let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len());
    &rest[..end]
}

/// Whether rubric text extends the bundled rubric (`RubricExtension(...)`)
/// rather than replacing it (`Rubric(...)`).
pub fn is_rubric_extension(text: &str) -> bool {
    leading_name(text) == "RubricExtension"
}

/// Parse and check rubric text: a whole rubric, or an extension of the
/// bundled one (`RubricExtension(add: ..., reword: ...)`).
pub fn check_rubric(source: &SourceFile) -> Result<Rubric, Vec<Diagnostic>> {
    if is_rubric_extension(&source.text) {
        return check_rubric_extension(source, &bundled_rubric());
    }
    let rubric: Rubric = parse(source).map_err(|d| vec![d])?;
    let spans = Spans::parse(&source.text);
    let mut diags = Vec::new();
    let lists: [(&'static str, Vec<&str>); 3] = [
        ("dimensions", rubric.dimensions.iter().map(|d| d.id.as_str()).collect()),
        ("techniques", rubric.techniques.iter().map(|d| d.id.as_str()).collect()),
        ("outcomes", rubric.outcomes.iter().map(|d| d.id.as_str()).collect()),
    ];
    for (field, ids) in &lists {
        let mut seen = std::collections::HashMap::new();
        for (i, id) in ids.iter().enumerate() {
            let p = Path::root().field(field).index(i).field("id");
            if id.trim().is_empty() {
                diags.push(
                    Diagnostic::error("E115", "the id is empty")
                        .at(spans.find_or_parent(&p), "write an id here"),
                );
            }
            if let Some(first) = seen.insert(*id, p.clone()) {
                diags.push(
                    Diagnostic::error("E101", format!("duplicate rubric id `{id}`"))
                        .at(spans.find_or_parent(&p), "defined again here")
                        .also(spans.find_or_parent(&first), "first defined here"),
                );
            }
        }
    }
    policy_checks(&rubric, &spans, &mut diags);
    if rubric.dimensions.is_empty() {
        diags.push(
            Diagnostic::error("E118", "the rubric has no dimensions")
                .at(spans.find_or_parent(&Path::root().field("dimensions")), "add at least one"),
        );
    }
    if diags.is_empty() { Ok(rubric) } else { Err(diags) }
}

/// E106: the policy names harmful techniques (of `rubric`) that are critical by definition.
fn policy_checks(rubric: &Rubric, spans: &Spans, diags: &mut Vec<Diagnostic>) {
    for (i, id) in rubric.policy.critical_techniques.iter().enumerate() {
        let p = Path::root().field("policy").field("critical_techniques").index(i);
        match rubric.techniques.iter().find(|t| &t.id == id) {
            None => {
                let help = match did_you_mean(id, rubric.techniques.iter().map(|t| t.id.as_str())) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "name a technique defined under `techniques` in this rubric".into(),
                };
                diags.push(
                    Diagnostic::error(
                        "E106",
                        format!("unknown technique `{id}` in the policy's critical techniques"),
                    )
                    .at(spans.find_or_parent(&p), "no technique has this id")
                    .help(help),
                );
            }
            Some(t) if t.kind != super::rubric::TechniqueKind::Harmful => diags.push(
                Diagnostic::error(
                    "E106",
                    format!("`{id}` is a helpful technique; only harmful ones can be critical"),
                )
                .at(spans.find_or_parent(&p), "listed as critical here")
                .help("remove it from `critical_techniques`, or change its `kind` to Harmful"),
            ),
            Some(_) => {}
        }
    }
}

/// Check an extension of `base` (the bundled rubric) and apply it.
///
/// E150: an added id that `base` already has (in the same list); E151: a
/// reworded id that `base` lacks, with the nearest id (or the list it is
/// really in); E152: a reword that gives no new words. Ids added twice or
/// reworded twice are E101, empty ids E115, the policy's techniques E106.
pub fn check_rubric_extension(source: &SourceFile, base: &Rubric) -> Result<Rubric, Vec<Diagnostic>> {
    use super::rubric::RubricExtension;
    let ext: RubricExtension = parse(source).map_err(|d| vec![d])?;
    let spans = Spans::parse(&source.text);
    let mut diags = Vec::new();
    // (list, singular, the base's ids, the added ids, the reworded ids (and whether each gives words))
    type Lists<'a> = (&'static str, &'static str, Vec<&'a str>, Vec<&'a str>, Vec<(&'a str, bool)>);
    let lists: [Lists; 3] = [
        (
            "dimensions",
            "dimension",
            base.dimensions.iter().map(|d| d.id.as_str()).collect(),
            ext.add.dimensions.iter().map(|d| d.id.as_str()).collect(),
            ext.reword.dimensions.iter().map(|w| (w.id.as_str(), !w.is_empty())).collect(),
        ),
        (
            "techniques",
            "technique",
            base.techniques.iter().map(|d| d.id.as_str()).collect(),
            ext.add.techniques.iter().map(|d| d.id.as_str()).collect(),
            ext.reword.techniques.iter().map(|w| (w.id.as_str(), !w.is_empty())).collect(),
        ),
        (
            "outcomes",
            "outcome",
            base.outcomes.iter().map(|d| d.id.as_str()).collect(),
            ext.add.outcomes.iter().map(|d| d.id.as_str()).collect(),
            ext.reword.outcomes.iter().map(|w| (w.id.as_str(), !w.is_empty())).collect(),
        ),
    ];
    let article = |kind: &str| if kind.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
    for (list, kind, base_ids, added, reworded) in &lists {
        let mut seen = std::collections::HashMap::new();
        for (i, id) in added.iter().enumerate() {
            let p = Path::root().field("add").field(list).index(i).field("id");
            let at = spans.find_or_parent(&p);
            if id.trim().is_empty() {
                diags.push(Diagnostic::error("E115", "the id is empty").at(at.clone(), "write an id here"));
                continue;
            }
            if base_ids.contains(id) {
                diags.push(
                    Diagnostic::error(
                        "E150",
                        format!("`{id}` is already {} {kind} of the bundled rubric", article(kind)),
                    )
                    .at(at.clone(), "this id is taken")
                    .help(format!(
                        "to change its words, move it under `reword: ({list}: [(id: \"{id}\", name: \"...\")])`; \
                         to add a new {kind}, give it an id of its own"
                    )),
                );
            }
            if let Some(first) = seen.insert(*id, p.clone()) {
                diags.push(
                    Diagnostic::error("E101", format!("`{id}` is added twice"))
                        .at(at, "added again here")
                        .also(spans.find_or_parent(&first), "first added here"),
                );
            }
        }
        let mut seen = std::collections::HashMap::new();
        for (i, (id, has_words)) in reworded.iter().enumerate() {
            let p = Path::root().field("reword").field(list).index(i).field("id");
            let at = spans.find_or_parent(&p);
            if !base_ids.contains(id) {
                let elsewhere = lists
                    .iter()
                    .find(|(other, _, ids, _, _)| other != list && ids.contains(id))
                    .map(|(other, other_kind, ..)| (*other, *other_kind));
                let help = if added.contains(id) {
                    format!("`{id}` is added by this file: write its words in `add` instead")
                } else if let Some((other, other_kind)) = elsewhere {
                    format!(
                        "`{id}` is {} {other_kind}, not {} {kind}: move it under `reword: ({other}: [...])`",
                        article(other_kind),
                        article(kind)
                    )
                } else if let Some(s) = did_you_mean(id, base_ids.iter().copied()) {
                    format!("did you mean `{s}`?")
                } else {
                    format!(
                        "only the bundled rubric's {list} can be reworded (scenarios/rubric.ron lists them); \
                         to add a new {kind}, put it under `add: ({list}: [...])`"
                    )
                };
                diags.push(
                    Diagnostic::error(
                        "E151",
                        format!("there is no {kind} `{id}` in the bundled rubric to reword"),
                    )
                    .at(at.clone(), format!("no bundled {kind} has this id"))
                    .help(help),
                );
            } else if !has_words {
                let fields = if *list == "outcomes" {
                    "`name`, `description` or `debrief_note`"
                } else {
                    "`name` or `description`"
                };
                diags.push(
                    Diagnostic::error("E152", format!("the reword of `{id}` gives no new words"))
                        .at(at.clone(), "nothing to change")
                        .help(format!("give it a new {fields}, or remove it")),
                );
            }
            if let Some(first) = seen.insert(*id, p.clone()) {
                diags.push(
                    Diagnostic::error("E101", format!("`{id}` is reworded twice"))
                        .at(at, "reworded again here")
                        .also(spans.find_or_parent(&first), "first reworded here")
                        .help("keep one of them"),
                );
            }
        }
    }
    let rubric = ext.apply(base);
    if ext.policy.critical_techniques.is_some() {
        policy_checks(&rubric, &spans, &mut diags);
    }
    if diags.is_empty() { Ok(rubric) } else { Err(diags) }
}

/// The bundled rubric (always valid: a test checks it).
pub fn bundled_rubric() -> Rubric {
    check_rubric(&SourceFile::new("scenarios/rubric.ron", BUNDLED_RUBRIC)).unwrap_or_else(|_| Rubric {
        dimensions: Vec::new(),
        techniques: Vec::new(),
        outcomes: Vec::new(),
        policy: Default::default(),
    })
}

/// Load a rubric file, with its problems rendered into the error.
pub fn load_rubric(path: &FsPath) -> Result<Rubric, LoadError> {
    let source = match read_source(path)? {
        Ok(s) => s,
        Err((s, d)) => {
            return Err(LoadError::BadRubric { path: path.into(), file: s, diagnostics: vec![d] });
        }
    };
    check_rubric(&source).map_err(|diagnostics| LoadError::BadRubric {
        path: path.into(),
        file: source,
        diagnostics,
    })
}

/// The rubric that applies to scenarios in `dir`: its `rubric.ron` (whole, or
/// the bundled one extended), or the bundled one.
pub fn rubric_for_dir(dir: &FsPath) -> Result<Rubric, LoadError> {
    let candidate = dir.join(RUBRIC_FILE);
    if candidate.is_file() { load_rubric(&candidate) } else { Ok(bundled_rubric()) }
}

/// Test plans (`NAME.plan.ron`) sit beside the scenario they pin; they are
/// read by `talkdown test`, never as scenarios.
pub const PLAN_SUFFIX: &str = ".plan.ron";

/// Whether a path names a test plan rather than a scenario.
pub fn is_test_plan(path: &FsPath) -> bool {
    path.file_name().is_some_and(|n| n.to_string_lossy().ends_with(PLAN_SUFFIX))
}

/// The scenario files in a folder, sorted: every `*.ron` except the rubric
/// and test plans.
pub fn scenario_files(dir: &FsPath) -> Result<Vec<PathBuf>, LoadError> {
    let io = |source| LoadError::Io { path: dir.to_path_buf(), source };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|e| e == "ron")
                && p.file_name().is_some_and(|n| n != RUBRIC_FILE)
                && !is_test_plan(p)
                && p.is_file()
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(LoadError::NoScenarios { path: dir.to_path_buf() });
    }
    Ok(files)
}

/// Load one scenario for playing: the rubric beside it (or the bundled one),
/// and an error carrying the checked file's diagnostics if it does not validate.
pub fn load_scenario(path: &FsPath) -> Result<Scenario, LoadError> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(FsPath::new("."));
    let rubric = rubric_for_dir(dir)?;
    let checked = check_file(path, &rubric)?;
    match checked.scenario.clone() {
        Some(scenario) => Ok(scenario),
        None => Err(LoadError::BadScenario { path: path.into(), checked: Box::new(checked) }),
    }
}

/// Parse scenario text with the bundled rubric (tests, tools, benchmarks).
pub fn scenario_from_str(name: &str, text: &str) -> Checked {
    check_source(SourceFile::new(name, text), &bundled_rubric())
}
