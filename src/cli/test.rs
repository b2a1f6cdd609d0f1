//! `talkdown test [PATH...]`: run scenario test plans and report per case,
//! then the coverage of each scenario. Exit codes as `validate`'s: 0 every
//! case passed, 1 a case failed, 2 a plan or scenario could not be used.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Error, Outcome, color_stderr, plural};
use crate::library::{bundled_dir, is_template, resolve_scenario};
use crate::scenario::Scenario;
use crate::scenario::load::{self, is_test_plan};
use crate::session::Analyses;
use crate::testplan::{Coverage, Failure, Visits, load_plan, plan_beside, plan_files, run_plan};

/// What the paths given stand for: plans to run, and scenarios with no plan.
#[derive(Default)]
struct Targets {
    plans: Vec<PathBuf>,
    without_plan: Vec<PathBuf>,
    unreadable: Vec<String>,
}

impl Targets {
    fn add_plan(&mut self, p: PathBuf) {
        if !self.plans.contains(&p) {
            self.plans.push(p);
        }
    }
    fn add_scenario(&mut self, scenario: &Path) {
        let plan = plan_beside(scenario);
        if plan.is_file() {
            self.add_plan(plan);
        } else if !self.without_plan.iter().any(|p| p == scenario) {
            self.without_plan.push(scenario.to_path_buf());
        }
    }
}

fn targets(paths: &[PathBuf], scenarios: Option<&Path>) -> Targets {
    let mut t = Targets::default();
    for p in paths {
        if p.is_dir() {
            match plan_files(p) {
                Ok(plans) => plans.into_iter().for_each(|x| t.add_plan(x)),
                Err(e) => t.unreadable.push(e.to_string()),
            }
            // Scenarios in the folder without a plan beside them (templates are for authors).
            if let Ok(files) = load::scenario_files(p) {
                for f in files.iter().filter(|f| !is_template(f)) {
                    if !plan_beside(f).is_file() {
                        t.without_plan.push(f.clone());
                    }
                }
            }
        } else if is_test_plan(p) {
            if p.is_file() {
                t.add_plan(p.clone());
            } else {
                t.unreadable.push(format!("{}: no such plan file", p.display()));
            }
        } else {
            let arg = p.to_string_lossy();
            let scenario = if p.exists() { p.clone() } else { resolve_scenario(&arg, scenarios) };
            if scenario.is_file() {
                t.add_scenario(&scenario);
            } else {
                t.unreadable.push(format!(
                    "{}: no such plan, scenario or folder (nor a bundled scenario `{arg}`)",
                    p.display()
                ));
            }
        }
    }
    t
}

/// Run `talkdown test`.
pub fn run_test(paths: Vec<PathBuf>, scenarios: Option<&Path>) -> Result<Outcome, Error> {
    let paths = if paths.is_empty() { vec![bundled_dir(scenarios)] } else { paths };
    let t = targets(&paths, scenarios);
    let mut out = std::io::stdout().lock();
    let mut unusable = t.unreadable.len();
    for e in &t.unreadable {
        eprintln!("talkdown: {e}");
    }
    let mut analyses = Analyses::default();
    // Coverage per scenario, over every plan for it (in the order first met).
    let mut coverage: BTreeMap<String, (usize, Scenario, Visits, usize)> = BTreeMap::new();
    let (mut cases, mut failed, mut plans) = (0, 0, 0);
    for path in &t.plans {
        let plan = match load_plan(path) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("talkdown: {}", e.render(color_stderr()));
                unusable += 1;
                continue;
            }
        };
        plans += 1;
        let report = run_plan(&plan, &mut analyses);
        let _ = writeln!(out, "{} ({})", plan.path.display(), plan.scenario.id());
        for c in &report.cases {
            cases += 1;
            if c.passed() {
                let _ = writeln!(out, "  pass  {}", c.name);
            } else {
                failed += 1;
                let _ = writeln!(
                    out,
                    "  FAIL  {}  ({}:{}, seed {})",
                    c.name,
                    plan.path.display(),
                    c.line,
                    c.seed
                );
                for f in &c.failures {
                    for (i, line) in f.describe().lines().enumerate() {
                        let indent = if i == 0 { "        - " } else { "          " };
                        let _ = writeln!(out, "{indent}{line}");
                    }
                    if let Failure::Diverged { .. } | Failure::EndedEarly { .. } | Failure::NoEnding { .. } =
                        f
                    {
                        let _ = writeln!(
                            out,
                            "          (`talkdown play {} --seed {}` shows this beat as the trainee sees it)",
                            plan.scenario_path.display(),
                            c.seed
                        );
                    }
                }
            }
        }
        let order = coverage.len();
        let entry = coverage
            .entry(plan.scenario.id().to_string())
            .or_insert_with(|| (order, plan.scenario.clone(), Visits::default(), 0));
        entry.2.merge(&report.visits);
        entry.3 += report.cases.len();
    }
    let mut by_order: Vec<_> = coverage.into_values().collect();
    by_order.sort_by_key(|(order, ..)| *order);
    for (_, scenario, visits, n) in &by_order {
        let _ = writeln!(out);
        write_coverage(&mut out, &Coverage::of(scenario, visits), *n);
    }
    for s in &t.without_plan {
        eprintln!(
            "talkdown: warning: {} has no test plan (expected {})",
            s.display(),
            plan_beside(s).display()
        );
    }
    let _ = writeln!(
        out,
        "\nran {} {} in {} {}: {} passed, {} failed{}",
        cases,
        plural(cases, "case"),
        plans,
        plural(plans, "plan"),
        cases - failed,
        failed,
        match (unusable, t.without_plan.len()) {
            (0, 0) => String::new(),
            (u, w) => {
                let mut parts = Vec::new();
                if u > 0 {
                    parts.push(format!("{u} {} could not be used", plural(u, "plan")));
                }
                if w > 0 {
                    parts.push(format!("{w} {} without a plan", plural(w, "scenario")));
                }
                format!("; {}", parts.join(", "))
            }
        }
    );
    Ok(if unusable > 0 {
        Outcome::ErrorsReported
    } else if failed > 0 {
        Outcome::ProblemsFound
    } else {
        Outcome::Clean
    })
}

fn write_coverage(out: &mut impl Write, c: &Coverage, cases: usize) {
    use crate::testplan::run::share;
    let _ = writeln!(out, "coverage of {} ({} {}):", c.scenario, cases, plural(cases, "case"));
    let _ = writeln!(
        out,
        "  beats    {} of {} ({} %){}",
        c.beats_visited,
        c.beats_total,
        share(c.beats_visited, c.beats_total),
        if c.unvisited_beats.is_empty() {
            String::new()
        } else {
            format!("; not visited: {}", c.unvisited_beats.join(", "))
        }
    );
    let _ = writeln!(
        out,
        "  choices  {} of {} ({} %)",
        c.choices_visited,
        c.choices_total,
        share(c.choices_visited, c.choices_total)
    );
    if !c.unvisited_choices.is_empty() {
        // Grouped by beat: choice ids are unique within a beat, not across beats.
        let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
        for (beat, choice) in &c.unvisited_choices {
            match groups.last_mut() {
                Some((b, list)) if b == beat => list.push(choice),
                _ => groups.push((beat, vec![choice])),
            }
        }
        let _ = writeln!(out, "    not chosen by any case:");
        for (beat, list) in groups {
            let _ = writeln!(out, "      {beat}: {}", list.join(", "));
        }
    }
    if c.timers_total > 0 {
        let _ = writeln!(out, "  timers   {} of {} run out", c.timers_run_out, c.timers_total);
    }
    let total = c.endings_reached.len() + c.endings_missed.len();
    let _ = writeln!(
        out,
        "  endings  {} of {} reached{}",
        c.endings_reached.len(),
        total,
        if c.endings_missed.is_empty() {
            String::new()
        } else {
            format!("; never reached: {}", c.endings_missed.join(", "))
        }
    );
}
