//! The scenario library: a folder of scenario files with the rubric that
//! applies to them. One type serves `talkdown validate`, the app's library
//! screen and hot reload (and the lab), so the folder walk, the rubric-per-folder
//! rule and "templates (`_*.ron`) are for authors" are written once.

use std::path::{Path, PathBuf};

use crate::diagnostics::Diagnostic;
use crate::scenario::load::{self, Checked, LoadError};
use crate::scenario::{Rubric, Scenario};

/// The bundled library, embedded in the binary at build time (`build.rs`).
pub mod embedded {
    include!(concat!(env!("OUT_DIR"), "/bundled_library.rs"));
}

/// Where the bundled scenarios live. The first folder holding a `rubric.ron`
/// of: the folder given (`--scenarios`, `$TALKDOWN_SCENARIOS`); `./scenarios`
/// (a source checkout); `scenarios/` beside the executable; `../share/talkdown/scenarios`
/// beside it (an installed package, `/usr/bin` → `/usr/share`); the XDG data
/// folders (`$XDG_DATA_HOME`, then `$XDG_DATA_DIRS`, default `/usr/local/share:/usr/share`).
/// Failing all of those, the copy embedded in the binary, unpacked once per
/// version into the user's data folder, so one binary copied to a station just works.
pub fn bundled_dir(explicit: Option<&Path>) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_path_buf();
    }
    let exe_dir = std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_path_buf));
    let mut candidates = vec![PathBuf::from("scenarios")];
    if let Some(d) = &exe_dir {
        candidates.push(d.join("scenarios"));
        candidates.push(d.join("../share/talkdown/scenarios"));
    }
    candidates.extend(xdg_data_dirs().into_iter().map(|d| d.join("talkdown/scenarios")));
    if let Some(found) = candidates.into_iter().find(|p| p.join(load::RUBRIC_FILE).is_file()) {
        return found;
    }
    unpack_embedded().unwrap_or_else(|_| PathBuf::from("scenarios"))
}

/// `$XDG_DATA_HOME` (default `~/.local/share`), then `$XDG_DATA_DIRS`
/// (default `/usr/local/share:/usr/share`), as the XDG base directory spec says.
fn xdg_data_dirs() -> Vec<PathBuf> {
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    let mut dirs = Vec::new();
    match var("XDG_DATA_HOME") {
        Some(h) => dirs.push(PathBuf::from(h)),
        None => dirs.extend(var("HOME").map(|h| PathBuf::from(h).join(".local/share"))),
    }
    let system = var("XDG_DATA_DIRS").unwrap_or_else(|| "/usr/local/share:/usr/share".into());
    dirs.extend(std::env::split_paths(&system));
    dirs
}

/// Write the embedded library into `<data folder>/talkdown/bundled-<version>-<hash>/`
/// (once: a folder that already holds this exact content is reused).
fn unpack_embedded() -> std::io::Result<PathBuf> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for (name, text) in embedded::FILES {
        h.update(name.as_bytes());
        h.update(text.as_bytes());
    }
    let hash: String = h.finalize().iter().take(6).map(|b| format!("{b:02x}")).collect();
    let base = xdg_data_dirs().into_iter().next().unwrap_or_else(std::env::temp_dir);
    let dir = base.join("talkdown").join(format!("bundled-{}-{hash}", env!("CARGO_PKG_VERSION")));
    let complete = embedded::FILES
        .iter()
        .all(|(name, text)| std::fs::read_to_string(dir.join(name)).is_ok_and(|t| t == *text));
    if !complete {
        std::fs::create_dir_all(&dir)?;
        for (name, text) in embedded::FILES {
            // Write beside, then rename: a second station process never reads half a file.
            let tmp = dir.join(format!(".{name}.{}", std::process::id()));
            std::fs::write(&tmp, text)?;
            std::fs::rename(&tmp, dir.join(name))?;
        }
    }
    Ok(dir)
}

/// A path to a scenario file, or the id of a scenario in the library folder.
pub fn resolve_scenario(arg: &str, dir: Option<&Path>) -> PathBuf {
    let p = PathBuf::from(arg);
    if p.exists() || arg.ends_with(".ron") || arg.contains('/') {
        return p;
    }
    bundled_dir(dir).join(format!("{arg}.ron"))
}

/// Files starting with `_` are templates for authors: `validate` checks them,
/// trainees never see them.
pub fn is_template(path: &Path) -> bool {
    stem(path).starts_with('_')
}

fn stem(path: &Path) -> String {
    path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

/// The scenario files `validate` checks for the paths it was given, each with
/// the rubric that applies to it (the `rubric` given, else the folder's), or
/// the error that stopped a folder or rubric from being read.
pub fn files_to_check(
    paths: &[PathBuf],
    rubric: Option<&Rubric>,
) -> Vec<Result<(PathBuf, Rubric), LoadError>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let folder_rubric = match rubric {
                Some(r) => Ok(r.clone()),
                None => load::rubric_for_dir(p),
            };
            match folder_rubric.and_then(|r| load::scenario_files(p).map(|fs| (r, fs))) {
                Ok((r, files)) => out.extend(files.into_iter().map(|f| Ok((f, r.clone())))),
                Err(e) => out.push(Err(e)),
            }
        } else {
            let dir = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
            match rubric {
                Some(r) => out.push(Ok((p.clone(), r.clone()))),
                None => out.push(load::rubric_for_dir(dir).map(|r| (p.clone(), r))),
            }
        }
    }
    out
}

/// Why a file cannot be played (now, or since its last edit).
#[derive(Debug, Clone)]
pub struct Problem {
    /// The first error, one line, e.g. `bridge.ron:12:5: error[E010]: unknown beat`.
    pub headline: String,
    /// The file's text and every error in it, for a structured or coloured view.
    pub checked: Option<Box<Checked>>,
    /// A problem that stopped the file from being read at all.
    pub load_error: Option<String>,
}

impl Problem {
    fn from_load_error(e: &LoadError) -> Problem {
        match e {
            // Keep the diagnostics, so the app can list them and a terminal colour them.
            LoadError::BadScenario { checked, .. } => {
                Problem { headline: e.to_string(), checked: Some(checked.clone()), load_error: None }
            }
            _ => Problem { headline: e.to_string(), checked: None, load_error: Some(e.to_string()) },
        }
    }

    /// The errors, each with its location.
    pub fn errors(&self) -> Vec<&Diagnostic> {
        self.checked
            .as_ref()
            .map(|c| c.diagnostics.iter().filter(|d| d.is_error()).collect())
            .unwrap_or_default()
    }

    /// Every error rendered with the offending text underlined.
    pub fn report(&self, color: bool) -> String {
        match (&self.checked, &self.load_error) {
            (Some(c), _) => c.error_report(color),
            (None, Some(e)) => e.clone(),
            (None, None) => self.headline.clone(),
        }
    }
}

impl PartialEq for Problem {
    fn eq(&self, other: &Problem) -> bool {
        self.report(false) == other.report(false)
    }
}

/// One scenario file in the library folder.
#[derive(Debug, Clone)]
pub struct LibraryEntry {
    /// The file.
    pub path: PathBuf,
    /// The file name without `.ron`: the id a scripted run names.
    pub stem: String,
    /// The last version that validated (kept when a later edit breaks it).
    pub scenario: Option<Scenario>,
    /// The file's current problem, if its latest version does not validate.
    pub problem: Option<Problem>,
}

impl LibraryEntry {
    /// The scenario's id (the file name while it has never validated).
    pub fn id(&self) -> &str {
        self.scenario.as_ref().map(|s| s.id()).unwrap_or(&self.stem)
    }
    /// The scenario's title (the file name while it has never validated).
    pub fn title(&self) -> &str {
        self.scenario.as_ref().map(|s| s.title()).unwrap_or(&self.stem)
    }
}

/// What happened when a file was checked again.
#[derive(Debug, Clone, PartialEq)]
pub enum Reloaded {
    /// The new version validated and replaced the old one.
    Updated,
    /// The new version has errors; the last good one (if any) is kept.
    Broken(Problem),
    /// A new file appeared.
    Added,
    /// The file is gone (or is a template); its entry was removed.
    Removed,
}

/// The playable scenarios of one folder (templates left out), each checked
/// against the folder's rubric.
#[derive(Debug, Clone, Default)]
pub struct ScenarioLibrary {
    /// The folder.
    pub dir: PathBuf,
    /// The folder's rubric, or the bundled one when it has none (or a broken one).
    pub rubric: Option<Rubric>,
    /// A problem with the folder or its rubric (the scenarios then use the bundled rubric).
    pub folder_problem: Option<String>,
    /// Every scenario file, sorted by path.
    pub entries: Vec<LibraryEntry>,
}

impl ScenarioLibrary {
    /// The entry a recorded session was played on: the scenario with its
    /// id that loads, the file it was recorded from first.
    pub fn entry_for(&self, summary: &crate::records::SessionSummary) -> Option<&LibraryEntry> {
        let same_file = |e: &&LibraryEntry| {
            summary.scenario_path.as_deref().is_some_and(|p| Path::new(p) == e.path.as_path())
        };
        let mut of_id =
            self.entries.iter().filter(|e| e.scenario.as_ref().is_some_and(|s| s.id() == summary.scenario));
        of_id.clone().find(same_file).or_else(|| of_id.next())
    }

    /// Read and check every scenario in `dir`.
    pub fn load(dir: &Path) -> ScenarioLibrary {
        let mut lib = ScenarioLibrary { dir: dir.to_path_buf(), ..Default::default() };
        lib.rubric = Some(match load::rubric_for_dir(dir) {
            Ok(r) => r,
            Err(e) => {
                lib.folder_problem = Some(format!("{e}\nUsing the bundled rubric instead."));
                load::bundled_rubric()
            }
        });
        match load::scenario_files(dir) {
            Ok(files) => {
                for path in files.into_iter().filter(|p| !is_template(p)) {
                    let (scenario, problem) = match lib.check(&path) {
                        Ok(s) => (Some(s), None),
                        Err(p) => (None, Some(p)),
                    };
                    lib.entries.push(LibraryEntry { stem: stem(&path), path, scenario, problem });
                }
            }
            Err(e) => lib.folder_problem = Some(e.to_string()),
        }
        lib
    }

    fn check(&self, path: &Path) -> Result<Scenario, Problem> {
        let rubric = self.rubric.clone().unwrap_or_else(load::bundled_rubric);
        let checked = load::check_file(path, &rubric).map_err(|e| Problem::from_load_error(&e))?;
        if let Some(s) = &checked.scenario {
            return Ok(s.clone());
        }
        let headline = checked
            .diagnostics
            .iter()
            .find(|d| d.is_error())
            .map(|d| d.headline(&checked.source))
            .unwrap_or_else(|| "the scenario does not validate".into());
        Err(Problem { headline, checked: Some(Box::new(checked)), load_error: None })
    }

    /// Check one file again after it changed on disk.
    pub fn reload(&mut self, path: &Path) -> Reloaded {
        let existing = self.entries.iter().position(|e| e.path == path);
        // Test plans sit beside scenarios but are not scenarios.
        if !path.is_file() || is_template(path) || crate::scenario::load::is_test_plan(path) {
            if let Some(i) = existing {
                self.entries.remove(i);
            }
            return Reloaded::Removed;
        }
        let result = self.check(path);
        match (existing, result) {
            (Some(i), Ok(s)) => {
                self.entries[i].scenario = Some(s);
                self.entries[i].problem = None;
                Reloaded::Updated
            }
            (Some(i), Err(p)) => {
                self.entries[i].problem = Some(p.clone());
                Reloaded::Broken(p)
            }
            (None, r) => {
                let (scenario, problem) = match r {
                    Ok(s) => (Some(s), None),
                    Err(p) => (None, Some(p)),
                };
                self.entries.push(LibraryEntry {
                    path: path.to_path_buf(),
                    stem: stem(path),
                    scenario,
                    problem,
                });
                self.entries.sort_by(|a, b| a.path.cmp(&b.path));
                Reloaded::Added
            }
        }
    }

    /// Find a scenario by its id or its file name.
    pub fn find(&self, id: &str) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| e.id() == id)
            .or_else(|| self.entries.iter().position(|e| e.stem == id))
    }
}

/// The library standard (docs/authoring.md, "Plan on paper first"): what a
/// scenario in the bundled library, or a training unit's own, should have.
/// Checked by `talkdown validate --library`; reported as warnings W240–W245.
pub mod standard {
    use crate::analysis;
    use crate::diagnostics::Diagnostic;
    use crate::scenario::load::Checked;
    use crate::scenario::model::Next;
    use crate::scenario::spans::{Path as SpanPath, Spans};

    /// Decisions on the best route, at least.
    pub const MIN_DECISIONS: usize = 8;
    /// Options at each decision on the best route, at least.
    pub const MIN_OPTIONS: usize = 3;
    /// Endings of different kinds (outcome categories), at least.
    pub const MIN_ENDING_KINDS: usize = 3;

    /// The warnings for a checked scenario that falls short of the standard
    /// (none for a file with errors or a template).
    pub fn check(checked: &Checked) -> Vec<Diagnostic> {
        let Some(s) = &checked.scenario else { return Vec::new() };
        let f = &s.file;
        let spans = Spans::parse(&checked.source.text);
        let at = |p: &SpanPath| spans.find_or_parent(p);
        let mut out = Vec::new();

        match analysis::analyze(s) {
            Ok((a, _)) => {
                let steps: Vec<_> = a.best.total.steps.iter().filter(|st| st.choice != "timeout").collect();
                if steps.len() < MIN_DECISIONS {
                    out.push(
                        Diagnostic::warning(
                            "W240",
                            format!(
                                "the best route has {} {}; a library scenario needs at least {MIN_DECISIONS}",
                                steps.len(),
                                if steps.len() == 1 { "decision" } else { "decisions" }
                            ),
                        )
                        .at(at(&SpanPath::root().field("start")), "the best route starts here")
                        .help(format!(
                            "add decision points on the way to the best ending (`talkdown analyze {}` lists the best route)",
                            s.id()
                        )),
                    );
                }
                let mut seen = std::collections::HashSet::new();
                for st in &steps {
                    let b = st.beat_index as usize;
                    if !seen.insert(b) {
                        continue;
                    }
                    let options = f.beats[b].choices.len();
                    if options < MIN_OPTIONS {
                        out.push(
                            Diagnostic::warning(
                                "W241",
                                format!(
                                    "beat `{}` on the best route offers {options} {}; a library scenario offers at least {MIN_OPTIONS} at each decision",
                                    st.beat,
                                    if options == 1 { "option" } else { "options" }
                                ),
                            )
                            .at(
                                at(&SpanPath::root().field("beats").index(b).field("choices")),
                                "the options at this decision",
                            )
                            .help("add the options a tired, well-meaning officer would really pick here"),
                        );
                    }
                }
            }
            Err(e) => out.push(
                Diagnostic::warning("W240", format!("the best route cannot be worked out: {e}"))
                    .at(at(&SpanPath::root().field("meters")), "the meters' ranges multiply here")
                    .help("narrow the meters' ranges or use fewer flags, so the standard can be checked"),
            ),
        }

        let mut kinds: Vec<&str> = f.endings.iter().map(|e| e.outcome.as_str()).collect();
        kinds.sort_unstable();
        kinds.dedup();
        if kinds.len() < MIN_ENDING_KINDS {
            out.push(
                Diagnostic::warning(
                    "W242",
                    format!(
                        "the endings are of {} {} ({}); a library scenario has at least {MIN_ENDING_KINDS} endings of different kinds",
                        kinds.len(),
                        if kinds.len() == 1 { "kind" } else { "kinds" },
                        kinds.join(", ")
                    ),
                )
                .at(at(&SpanPath::root().field("endings")), "the endings")
                .help("add an ending of another kind (voluntary help, an emergency evaluation, force...)"),
            );
        }

        let nexts = || {
            f.beats
                .iter()
                .flat_map(|b| b.choices.iter().map(|c| &c.next).chain(b.timer.iter().map(|t| &t.next)))
        };
        if !nexts().any(|n| matches!(n, Next::Route { .. })) {
            out.push(
                Diagnostic::warning(
                    "W243",
                    "no choice leads on by the state of the call (a `Route`); a library scenario has at least one",
                )
                .at(at(&SpanPath::root().field("beats")), "no `next: Route(...)` in these beats")
                .help("let what happened earlier change what happens next, e.g. `next: Route(rules: [(when: AtLeast(\"trust\", 5), to: \"...\")], otherwise: \"...\")` (guide, section 9)"),
            );
        }
        if !nexts().any(|n| matches!(n, Next::Chance(_))) {
            out.push(
                Diagnostic::warning(
                    "W244",
                    "luck never changes the outcome (no `Chance`); a library scenario has at least one",
                )
                .at(at(&SpanPath::root().field("beats")), "no `next: Chance(...)` in these beats")
                .help("good technique does not always work: give one choice `next: Chance([...])` with weighted outcomes (guide, section 9)"),
            );
        }
        if !f.beats.iter().any(|b| b.timer.is_some()) {
            out.push(
                Diagnostic::warning(
                    "W245",
                    "no beat has a timer; a library scenario has at least one moment where hesitating matters",
                )
                .at(at(&SpanPath::root().field("beats")), "no `timer:` in these beats")
                .help("give a beat `timer: (seconds: 20, next: ...)` (guide, section 9)"),
            );
        }
        out
    }
}
