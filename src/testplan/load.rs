//! Reading a plan file: text → [`PlanFile`] → a checked [`TestPlan`] whose
//! names (choices, endings, flags, outcomes) all exist in the scenario beside
//! it. Every problem is a located [`Diagnostic`] (codes E301–E308, listed in
//! docs/diagnostics.md), reported all at once as the validator does.

use std::collections::HashMap;
use std::ops::RangeInclusive;
use std::path::{Path as FsPath, PathBuf};

use super::model::{CaseFile, PlanFile};
use crate::debrief::Standard;
use crate::diagnostics::{Diagnostic, SourceFile, did_you_mean};
use crate::engine::Mode;
use crate::scenario::Scenario;
use crate::scenario::load::{self, LoadError, PLAN_SUFFIX};
use crate::scenario::spans::{Path, Spans};

/// The seed a case runs with when it names none.
pub const DEFAULT_SEED: u64 = 1;

/// How a plan writes "let the timer run out" in a route.
pub const TIMEOUT_STEP: &str = "!timeout";

/// One step of a route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteStep {
    /// Make the choice with this id (it must be offered at that moment).
    Choice(String),
    /// Let the beat's timer run out.
    Timeout,
}

impl RouteStep {
    /// As the plan writes it.
    pub fn as_written(&self) -> &str {
        match self {
            RouteStep::Choice(id) => id,
            RouteStep::Timeout => TIMEOUT_STEP,
        }
    }
}

/// What must hold at the end of a case, with every name resolved.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Expect {
    /// Ending index in the scenario.
    pub ending: Option<u32>,
    /// Rubric outcome category id.
    pub outcome: Option<String>,
    /// The debrief's verdict.
    pub verdict: Option<Standard>,
    /// Whether the run took the analyzer's best-total route, choice for choice.
    pub best_route: Option<bool>,
    /// The debrief's process percent (after any cap), inclusive, 0–100.
    pub process_percent: Option<RangeInclusive<u32>>,
    /// The points collected, inclusive.
    pub points: Option<RangeInclusive<i32>>,
    /// Flag indices.
    pub flags_set: Vec<u8>,
    /// Flag indices that must not be set at the end.
    pub flags_clear: Vec<u8>,
    /// Texts that must appear in a reaction line seen on the way (exact, case and all).
    pub reactions: Vec<String>,
}

/// One checked case.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// The case's name, as the plan writes it (shown in `talkdown test`'s report).
    pub name: String,
    /// 1-based line of the case in the plan file, for messages.
    pub line: usize,
    /// The steps to play, in order.
    pub route: Vec<RouteStep>,
    /// The run's seed ([`DEFAULT_SEED`] when the plan names none).
    pub seed: u64,
    /// Training or assessment.
    pub mode: Mode,
    /// What must hold at the end.
    pub expect: Expect,
}

/// A plan ready to run: its file, its scenario and its cases.
#[derive(Debug, Clone)]
pub struct TestPlan {
    /// The plan file (`NAME.plan.ron`).
    pub path: PathBuf,
    /// The scenario file beside it.
    pub scenario_path: PathBuf,
    /// The checked scenario the cases run on.
    pub scenario: Scenario,
    /// The checked cases, in file order.
    pub cases: Vec<Case>,
}

/// Why a plan cannot be run.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The plan file cannot be read, or its scenario is broken.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The plan itself has problems, each located in its text.
    #[error("{}: the test plan has errors:\n{}", path.display(), render_all(file, diagnostics, false))]
    Invalid {
        /// The plan file.
        path: PathBuf,
        /// Its text, to show the lines the diagnostics point at.
        file: SourceFile,
        /// Every problem found (E301–E308), in file order.
        diagnostics: Vec<Diagnostic>,
    },
}

impl PlanError {
    /// The message with its diagnostics rendered, in colour if asked.
    pub fn render(&self, color: bool) -> String {
        match self {
            PlanError::Load(e) => e.render(color),
            PlanError::Invalid { path, file, diagnostics } => {
                format!(
                    "{}: the test plan has errors:\n{}",
                    path.display(),
                    render_all(file, diagnostics, color)
                )
            }
        }
    }

    /// One line per problem (`file:line:col: error[E302]: ...`).
    pub fn headlines(&self) -> Vec<String> {
        match self {
            PlanError::Load(e) => e.headlines(),
            PlanError::Invalid { file, diagnostics, .. } => {
                diagnostics.iter().map(|d| d.headline(file)).collect()
            }
        }
    }
}

fn render_all(source: &SourceFile, diagnostics: &[Diagnostic], color: bool) -> String {
    diagnostics.iter().map(|d| d.render(source, color)).collect::<Vec<_>>().join("\n")
}

/// The plan that sits beside a scenario file (`NAME.ron` → `NAME.plan.ron`).
pub fn plan_beside(scenario: &FsPath) -> PathBuf {
    let stem = scenario.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    scenario.with_file_name(format!("{stem}{PLAN_SUFFIX}"))
}

/// The plan files in a folder, sorted.
pub fn plan_files(dir: &FsPath) -> Result<Vec<PathBuf>, LoadError> {
    let io = |source| LoadError::Io { path: dir.to_path_buf(), source };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| load::is_test_plan(p) && p.is_file())
        .collect();
    files.sort();
    Ok(files)
}

/// Read a plan file, load the scenario it names (the file `ID.ron` in the
/// same folder, with that folder's rubric) and check the plan against it.
pub fn load_plan(path: &FsPath) -> Result<TestPlan, PlanError> {
    let source = match load::read_source(path)? {
        Ok(s) => s,
        Err((source, d)) => {
            return Err(PlanError::Invalid { path: path.into(), file: source, diagnostics: vec![d] });
        }
    };
    let invalid =
        |source: SourceFile, diagnostics| PlanError::Invalid { path: path.into(), file: source, diagnostics };
    let file: PlanFile = match load::parse(&source) {
        Ok(f) => f,
        Err(d) => return Err(invalid(source, vec![d])),
    };
    let spans = Spans::parse(&source.text);
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(FsPath::new("."));
    let scenario_path = dir.join(format!("{}.ron", file.scenario));
    let at_scenario = spans.find_or_parent(&Path::root().field("scenario"));
    if file.scenario.trim().is_empty() || !scenario_path.is_file() {
        let stems: Vec<String> = load::scenario_files(dir)
            .unwrap_or_default()
            .iter()
            .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
            .collect();
        let help = match did_you_mean(&file.scenario, stems.iter().map(String::as_str)) {
            Some(s) => format!("did you mean `{s}`?"),
            None if stems.is_empty() => {
                "a plan sits in the same folder as its scenario; there is no scenario in this folder".into()
            }
            None => format!("the scenarios in this folder are: {}", stems.join(", ")),
        };
        let d = Diagnostic::error(
            "E301",
            format!(
                "no scenario `{}` beside this plan (looked for {})",
                file.scenario,
                scenario_path.display()
            ),
        )
        .at(at_scenario, "no scenario file has this id here")
        .help(help);
        return Err(invalid(source, vec![d]));
    }
    let scenario = load::load_scenario(&scenario_path)?;
    if scenario.id() != file.scenario {
        let d = Diagnostic::error(
            "E301",
            format!("{} is scenario `{}`, not `{}`", scenario_path.display(), scenario.id(), file.scenario),
        )
        .at(at_scenario, "the plan names this scenario")
        .help("name each scenario file after its id (`ID.ron`), and the plan's `scenario` after that id");
        return Err(invalid(source, vec![d]));
    }
    match check_plan(&file, &scenario, &spans, &source) {
        Ok(cases) => Ok(TestPlan { path: path.into(), scenario_path, scenario, cases }),
        Err(diagnostics) => Err(invalid(source, diagnostics)),
    }
}

/// Check a parsed plan's names and numbers against its scenario.
pub fn check_plan(
    file: &PlanFile,
    scenario: &Scenario,
    spans: &Spans,
    source: &SourceFile,
) -> Result<Vec<Case>, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let mut cases = Vec::new();
    if file.cases.is_empty() {
        diags.push(
            Diagnostic::error("E308", "the plan has no cases")
                .at(spans.find_or_parent(&Path::root().field("cases")), "add at least one case here")
                .help("a case is `(name: \"...\", route: [\"choice_id\", ...], expect: (ending: \"...\"))`"),
        );
    }
    let mut names: HashMap<&str, Path> = HashMap::new();
    for (i, case) in file.cases.iter().enumerate() {
        let at = Path::root().field("cases").index(i);
        let line = spans.find(&at).map(|r| source.line_col(r.start).0).unwrap_or(1);
        if case.name.trim().is_empty() {
            diags.push(
                Diagnostic::error("E307", "the case has no name")
                    .at(spans.find_or_parent(&at.field("name")), "write what this case shows")
                    .help("the name is printed with pass or FAIL: say what the route shows, in a few words"),
            );
        } else if let Some(first) = names.insert(case.name.as_str(), at.field("name")) {
            diags.push(
                Diagnostic::error("E307", format!("two cases are called \"{}\"", case.name))
                    .at(spans.find_or_parent(&at.field("name")), "named again here")
                    .also(spans.find_or_parent(&first), "first named here")
                    .help("give each case its own name, so a failure points at one case"),
            );
        }
        if let Some((route, expect)) = check_case(case, &at, scenario, spans, &mut diags) {
            cases.push(Case {
                name: case.name.clone(),
                line,
                route,
                seed: case.seed.unwrap_or(DEFAULT_SEED),
                mode: case.mode.into(),
                expect,
            });
        }
    }
    if diags.is_empty() { Ok(cases) } else { Err(diags) }
}

fn check_case(
    case: &CaseFile,
    at: &Path,
    s: &Scenario,
    spans: &Spans,
    diags: &mut Vec<Diagnostic>,
) -> Option<(Vec<RouteStep>, Expect)> {
    let before = diags.len();
    // Every choice id in the scenario (ids are unique per beat, not across beats).
    let all_choices: Vec<&str> = {
        let mut v: Vec<&str> =
            s.file.beats.iter().flat_map(|b| b.choices.iter().map(|c| c.id.as_str())).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let has_timer = s.file.beats.iter().any(|b| b.timer.is_some());
    if case.route.is_empty() {
        diags.push(
            Diagnostic::error("E308", "the case's route is empty")
                .at(spans.find_or_parent(&at.field("route")), "no choices to make")
                .help("list the choice ids in the order they are made, from the first beat to an ending"),
        );
    }
    let mut route = Vec::new();
    for (j, step) in case.route.iter().enumerate() {
        let here = spans.find_or_parent(&at.field("route").index(j));
        if step == TIMEOUT_STEP || step == "timeout" {
            if step == "timeout" {
                diags.push(
                    Diagnostic::error("E302", "`timeout` is not a choice id")
                        .at(here, "to let a timer run out, write \"!timeout\"")
                        .help("write \"!timeout\" (with the `!`) for the timer running out"),
                );
            } else if !has_timer {
                diags.push(
                    Diagnostic::error("E302", "the route lets a timer run out, but no beat has a timer")
                        .at(here, "no timer to run out")
                        .help("remove this step, or give the beat a `timer`"),
                );
            }
            route.push(RouteStep::Timeout);
            continue;
        }
        if !all_choices.contains(&step.as_str()) {
            let help = match did_you_mean(step, all_choices.iter().copied()) {
                Some(sugg) => format!("did you mean `{sugg}`?"),
                None => format!(
                    "use a choice `id` from {} (`talkdown analyze {}` lists the routes)",
                    s.id(),
                    s.id()
                ),
            };
            diags.push(
                Diagnostic::error("E302", format!("unknown choice `{step}`"))
                    .at(here, "no beat of the scenario has a choice with this id")
                    .help(help),
            );
        }
        route.push(RouteStep::Choice(step.clone()));
    }

    let e = &case.expect;
    let ex = at.field("expect");
    let mut expect = Expect {
        outcome: e.outcome.clone(),
        verdict: e.verdict.map(Into::into),
        best_route: e.best_route,
        reactions: e.reactions.clone(),
        ..Expect::default()
    };
    if let Some(end) = &e.ending {
        match s.ending_index(end) {
            Some(i) => expect.ending = Some(i),
            None => {
                let ids: Vec<&str> = s.file.endings.iter().map(|x| x.id.as_str()).collect();
                let help = match did_you_mean(end, ids.iter().copied()) {
                    Some(sugg) => format!("did you mean `{sugg}`?"),
                    None => format!("the endings are: {}", ids.join(", ")),
                };
                diags.push(
                    Diagnostic::error("E303", format!("unknown ending `{end}`"))
                        .at(
                            spans.find_or_parent(&ex.field("ending")),
                            "the scenario has no ending with this id",
                        )
                        .help(help),
                );
            }
        }
    }
    if let Some(out) = &e.outcome
        && s.rubric.outcome(out).is_none()
    {
        let ids: Vec<&str> = s.rubric.outcomes.iter().map(|o| o.id.as_str()).collect();
        let help = match did_you_mean(out, ids.iter().copied()) {
            Some(sugg) => format!("did you mean `{sugg}`?"),
            None => format!("the rubric's outcome categories are: {}", ids.join(", ")),
        };
        diags.push(
            Diagnostic::error("E305", format!("unknown outcome category `{out}`"))
                .at(spans.find_or_parent(&ex.field("outcome")), "not an outcome in the rubric")
                .help(help),
        );
    }
    let flag_ids: Vec<&str> = s.file.flags.iter().map(|f| f.id.as_str()).collect();
    for (field, list) in [("flags_set", &e.flags_set), ("flags_clear", &e.flags_clear)] {
        let out = if field == "flags_set" { &mut expect.flags_set } else { &mut expect.flags_clear };
        for (j, flag) in list.iter().enumerate() {
            let here = spans.find_or_parent(&ex.field(field).index(j));
            match flag_ids.iter().position(|f| f == flag) {
                Some(i) => out.push(i as u8),
                None => {
                    let help = match did_you_mean(flag, flag_ids.iter().copied()) {
                        Some(sugg) => format!("did you mean `{sugg}`?"),
                        None if flag_ids.is_empty() => "this scenario declares no flags".to_string(),
                        None => format!("the scenario's flags are: {}", flag_ids.join(", ")),
                    };
                    diags.push(
                        Diagnostic::error("E304", format!("unknown flag `{flag}`"))
                            .at(here, "the scenario declares no flag with this id")
                            .help(help),
                    );
                }
            }
        }
    }
    for (j, flag) in e.flags_clear.iter().enumerate() {
        if e.flags_set.contains(flag) {
            diags.push(
                Diagnostic::error("E304", format!("flag `{flag}` is expected both set and clear"))
                    .at(spans.find_or_parent(&ex.field("flags_clear").index(j)), "expected clear here")
                    .help("keep it in `flags_set` or in `flags_clear`, not both"),
            );
        }
    }
    if let Some((lo, hi)) = e.process_percent {
        if lo > hi || hi > 100 {
            let what = if lo > hi { "runs backwards" } else { "goes past 100" };
            diags.push(
                Diagnostic::error("E306", format!("the process percent range ({lo}, {hi}) {what}"))
                    .at(
                        spans.find_or_parent(&ex.field("process_percent")),
                        "lowest first, then highest, 0 to 100",
                    )
                    .help("write `(lowest, highest)`, e.g. `(80, 95)`; `(100, 100)` for exactly 100"),
            );
        } else {
            expect.process_percent = Some(lo..=hi);
        }
    }
    if let Some((lo, hi)) = e.points {
        if lo > hi {
            diags.push(
                Diagnostic::error("E306", format!("the points range ({lo}, {hi}) runs backwards"))
                    .at(spans.find_or_parent(&ex.field("points")), "lowest first, then highest")
                    .help(format!("write `({hi}, {lo})`; `(n, n)` for exactly n")),
            );
        } else {
            expect.points = Some(lo..=hi);
        }
    }
    for (j, r) in e.reactions.iter().enumerate() {
        if r.trim().is_empty() {
            diags.push(
                Diagnostic::error("E308", "an empty reaction text matches anything")
                    .at(
                        spans.find_or_parent(&ex.field("reactions").index(j)),
                        "write part of a reaction line",
                    )
                    .help("copy a few words of the reaction line the trainee must see"),
            );
        }
    }
    (diags.len() == before).then_some((route, expect))
}
