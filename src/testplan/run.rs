//! Running a plan: each case's route is played through the real engine with
//! the case's seed and mode (chance routes and random start values follow
//! the seed, as in `talkdown play --seed`), the finished run is judged by the
//! same debrief a trainee gets, and every expectation is compared with it.
//! A route that cannot be followed stops there and says where and why.

use std::collections::BTreeSet;

use super::load::{Case, Expect, RouteStep, TestPlan};
use crate::debrief::{Debrief, Standard};
use crate::engine::{Playthrough, StartOptions};
use crate::scenario::{Act, NodeRef, Scenario};
use crate::session::Analyses;

/// Why a case failed. [`Failure::describe`] says it in one or two lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The route asked for a choice that was not offered at that step.
    Diverged {
        /// 1-based step of the route.
        step: usize,
        /// The id of the beat the run was at.
        beat: String,
        /// The choice id the route asked for (or `!timeout`).
        wanted: String,
        /// Why it was not offered (condition, another beat's choice, no timer).
        why: String,
        /// What was offered, in authored order (`!timeout` when the beat has a timer).
        offered: Vec<String>,
    },
    /// The run reached an ending before the route was over.
    EndedEarly {
        /// 1-based step of the route that was not played.
        step: usize,
        /// The id of the ending reached.
        ending: String,
        /// The route's steps left over, as written.
        rest: Vec<String>,
    },
    /// The route ran out before an ending.
    NoEnding {
        /// How many steps the route had.
        steps: usize,
        /// The id of the beat the run stopped at.
        beat: String,
        /// What that beat offered, in authored order.
        offered: Vec<String>,
    },
    /// An expectation did not hold.
    Expected {
        /// Which expectation (`ending`, `points`, ...), as the plan names it.
        what: &'static str,
        /// What the plan expected, in words.
        expected: String,
        /// What the run gave.
        actual: String,
    },
    /// The run could not be started or judged.
    Engine(String),
}

impl Failure {
    /// The failure in one or two lines, for `talkdown test`'s report.
    pub fn describe(&self) -> String {
        match self {
            Failure::Diverged { step, beat, wanted, why, offered } => format!(
                "the route diverged at step {step} (beat `{beat}`): `{wanted}` is not offered here: {why}\n\
                 offered at this step: {}",
                offered.join(", ")
            ),
            Failure::EndedEarly { step, ending, rest } => format!(
                "the run reached the ending `{ending}` after step {}, but the route goes on: {}",
                step - 1,
                rest.join(", ")
            ),
            Failure::NoEnding { steps, beat, offered } => format!(
                "the route ends after step {steps} at beat `{beat}`, before any ending\n\
                 offered at this beat: {}",
                offered.join(", ")
            ),
            Failure::Expected { what, expected, actual } => {
                format!("{what}: expected {expected}, got {actual}")
            }
            Failure::Engine(e) => e.clone(),
        }
    }
}

/// What one case did.
#[derive(Debug, Clone)]
pub struct CaseReport {
    /// The case's name.
    pub name: String,
    /// 1-based line of the case in the plan file.
    pub line: usize,
    /// The seed it ran with.
    pub seed: u64,
    /// Everything that went wrong (empty when it passed).
    pub failures: Vec<Failure>,
    /// The debrief of the finished run (`None` when the route did not reach an ending).
    pub debrief: Option<Debrief>,
}

impl CaseReport {
    /// True when nothing went wrong.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Where the runs of one scenario went: beats, acts and endings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Visits {
    /// Beats reached (their numbers in the checked scenario).
    pub beats: BTreeSet<u32>,
    /// Acts taken: `(beat number, act)`.
    pub acts: BTreeSet<(u32, Act)>,
    /// Endings reached (their numbers in the checked scenario).
    pub endings: BTreeSet<u32>,
}

impl Visits {
    /// Add what `other` visited (the runs of several plans of one scenario).
    pub fn merge(&mut self, other: &Visits) {
        self.beats.extend(other.beats.iter().copied());
        self.acts.extend(other.acts.iter().copied());
        self.endings.extend(other.endings.iter().copied());
    }

    fn record(&mut self, play: &Playthrough) {
        for d in play.decisions() {
            self.beats.insert(d.beat_index);
            self.acts.insert((d.beat_index, d.act));
        }
        match play.at() {
            NodeRef::Beat(b) => {
                self.beats.insert(b);
            }
            NodeRef::Ending(e) => {
                self.endings.insert(e);
            }
        }
    }
}

/// A plan's results.
#[derive(Debug, Clone)]
pub struct PlanReport {
    /// Each case's result, in plan order.
    pub cases: Vec<CaseReport>,
    /// Where the plan's runs went, for coverage.
    pub visits: Visits,
}

impl PlanReport {
    /// How many cases failed.
    pub fn failed(&self) -> usize {
        self.cases.iter().filter(|c| !c.passed()).count()
    }
}

/// Run every case of a plan. `analyses` keeps the analyzer's results per
/// scenario version, so a plan (or several for one scenario) analyses once.
pub fn run_plan(plan: &TestPlan, analyses: &mut Analyses) -> PlanReport {
    let mut visits = Visits::default();
    let cases = plan.cases.iter().map(|c| run_case(&plan.scenario, c, analyses, &mut visits)).collect();
    PlanReport { cases, visits }
}

/// Offered ids at the current beat, in authored order, and `!timeout` if it has a timer.
fn offered_ids(s: &Scenario, play: &Playthrough, beat: u32) -> Vec<String> {
    let mut acts: Vec<Act> = play.run().offered.clone();
    acts.sort();
    let mut ids: Vec<String> = acts.iter().map(|&a| s.act_id(beat, a).to_string()).collect();
    if s.beats[beat as usize].timer.is_some() {
        ids.push(super::load::TIMEOUT_STEP.to_string());
    }
    if ids.is_empty() {
        ids.push("nothing (a dead end)".into());
    }
    ids
}

/// Why `id` is not offered at `beat` now.
fn why_not(s: &Scenario, play: &Playthrough, beat: u32, step: &RouteStep) -> String {
    let RouteStep::Choice(id) = step else {
        return "this beat has no timer".into();
    };
    if s.act_by_id(beat, id).is_some() {
        return format!(
            "it is a choice of this beat, but its `when` does not hold now ({})",
            play.state().describe(s)
        );
    }
    let elsewhere: Vec<String> = s
        .file
        .beats
        .iter()
        .filter(|b| b.choices.iter().any(|c| &c.id == id))
        .map(|b| format!("`{}`", b.id))
        .collect();
    if elsewhere.is_empty() {
        "no beat has this choice".into()
    } else {
        format!("it is a choice at beat {}", elsewhere.join(", "))
    }
}

fn run_case(s: &Scenario, case: &Case, analyses: &mut Analyses, visits: &mut Visits) -> CaseReport {
    let mut report = CaseReport {
        name: case.name.clone(),
        line: case.line,
        seed: case.seed,
        failures: Vec::new(),
        debrief: None,
    };
    let mut play = match Playthrough::start(s, StartOptions::new(case.seed, case.mode)) {
        Ok(p) => p,
        Err(e) => {
            report.failures.push(Failure::Engine(format!("the run cannot start: {e}")));
            return report;
        }
    };
    let followed = follow_route(s, &mut play, &case.route);
    visits.record(&play);
    if let Err(f) = followed {
        report.failures.push(f);
        return report;
    }
    let debrief = match analyses.get(s) {
        Ok((analysis, space)) => {
            Debrief::build(&play, analysis, space, None).map(|d| (d, analysis.best.total.steps.clone()))
        }
        Err(e) => {
            report.failures.push(Failure::Engine(format!("cannot judge the run: {e}")));
            return report;
        }
    };
    match debrief {
        Ok((d, best_steps)) => {
            report.failures = check(s, &play, &d, &best_steps, &case.expect);
            report.debrief = Some(d);
        }
        Err(e) => report.failures.push(Failure::Engine(format!("cannot judge the run: {e}"))),
    }
    report
}

/// Play the route; stop at the first step that cannot be taken.
fn follow_route(s: &Scenario, play: &mut Playthrough, route: &[RouteStep]) -> Result<(), Failure> {
    for (j, step) in route.iter().enumerate() {
        let beat = match play.at() {
            NodeRef::Ending(e) => {
                return Err(Failure::EndedEarly {
                    step: j + 1,
                    ending: s.ending(e).id.clone(),
                    rest: route[j..].iter().map(|r| r.as_written().to_string()).collect(),
                });
            }
            NodeRef::Beat(b) => b,
        };
        let taken = match step {
            RouteStep::Timeout if s.beats[beat as usize].timer.is_some() => play.time_out(None).is_ok(),
            RouteStep::Timeout => false,
            RouteStep::Choice(id) => play.choose_id(id, None).is_ok(),
        };
        if !taken {
            return Err(Failure::Diverged {
                step: j + 1,
                beat: s.beat(beat).id.clone(),
                wanted: step.as_written().to_string(),
                why: why_not(s, play, beat, step),
                offered: offered_ids(s, play, beat),
            });
        }
    }
    match play.at() {
        NodeRef::Ending(_) => Ok(()),
        NodeRef::Beat(b) => Err(Failure::NoEnding {
            steps: route.len(),
            beat: s.beat(b).id.clone(),
            offered: offered_ids(s, play, b),
        }),
    }
}

fn verdict_name(v: Standard) -> &'static str {
    match v {
        Standard::MeetsStandard => "MeetsStandard",
        Standard::NotYet => "NotYet",
    }
}

fn range<T: std::fmt::Display + PartialEq>(r: &std::ops::RangeInclusive<T>) -> String {
    if r.start() == r.end() { format!("{}", r.start()) } else { format!("{} to {}", r.start(), r.end()) }
}

fn check(
    s: &Scenario,
    play: &Playthrough,
    d: &Debrief,
    best_steps: &[crate::analysis::Step],
    e: &Expect,
) -> Vec<Failure> {
    let mut out = Vec::new();
    let mut fail =
        |what, expected: String, actual: String| out.push(Failure::Expected { what, expected, actual });
    let ending = play.ending();
    if let Some(want) = e.ending
        && ending != Some(want)
    {
        let got = ending.map(|x| format!("`{}`", s.ending(x).id)).unwrap_or_else(|| "no ending".into());
        fail("ending", format!("`{}`", s.ending(want).id), got);
    }
    if let Some(want) = &e.outcome {
        let got = ending.map(|x| s.outcome_of(x).id.clone());
        if got.as_deref() != Some(want.as_str()) {
            fail(
                "outcome",
                format!("`{want}`"),
                got.map(|g| format!("`{g}`")).unwrap_or_else(|| "none".into()),
            );
        }
    }
    if let Some(want) = e.verdict
        && d.standard.standard != want
    {
        let why = d.standard.reasons.iter().map(|r| r.sentence()).collect::<Vec<_>>().join("; ");
        let got = if why.is_empty() {
            verdict_name(d.standard.standard).to_string()
        } else {
            format!("{} ({why})", verdict_name(d.standard.standard))
        };
        fail("verdict", verdict_name(want).to_string(), got);
    }
    if let Some(want) = e.best_route {
        let taken: Vec<(&str, &str)> =
            play.decisions().iter().map(|x| (x.beat.as_str(), x.choice.as_str())).collect();
        let best: Vec<(&str, &str)> =
            best_steps.iter().map(|x| (x.beat.as_str(), x.choice.as_str())).collect();
        let on_best = taken == best;
        if on_best != want {
            let actual = if on_best {
                "the run took it".to_string()
            } else {
                match taken.iter().zip(&best).position(|(a, b)| a != b) {
                    Some(i) => format!(
                        "the run left it at step {} (beat `{}`): `{}` where the best route takes `{}`",
                        i + 1,
                        taken[i].0,
                        taken[i].1,
                        best[i].1
                    ),
                    None => format!("the run took {} steps, the best route {}", taken.len(), best.len()),
                }
            };
            let expected = if want { "the analyzer's best route" } else { "a route other than the best" };
            fail("best_route", expected.to_string(), actual);
        }
    }
    if let Some(want) = &e.process_percent {
        let got = d.process.shown_percent;
        if !got.is_some_and(|g| want.contains(&g)) {
            let actual = match (got, d.process.capped, d.process.percent) {
                (Some(g), true, Some(raw)) => format!("{g} % (capped from {raw} % by a critical error)"),
                (Some(g), _, _) => format!("{g} %"),
                (None, _, _) => "no percent (nothing positive is achievable)".into(),
            };
            fail("process_percent", format!("{} %", range(want)), actual);
        }
    }
    if let Some(want) = &e.points
        && !want.contains(&d.total.score)
    {
        fail("points", range(want), format!("{} (best {})", d.total.score, d.total.best));
    }
    for &f in &e.flags_set {
        if !play.state().flag(f) {
            fail("flags_set", format!("`{}` set", s.flag_id(f as usize)), "clear".into());
        }
    }
    for &f in &e.flags_clear {
        if play.state().flag(f) {
            fail("flags_clear", format!("`{}` clear", s.flag_id(f as usize)), "set".into());
        }
    }
    for want in &e.reactions {
        let seen = play.decisions().iter().flat_map(|x| &x.reaction).any(|l| l.text.contains(want.as_str()));
        if !seen {
            let lines: usize = play.decisions().iter().map(|x| x.reaction.len()).sum();
            fail(
                "reactions",
                format!("a reaction containing \"{want}\""),
                format!("no such line among the {lines} reaction lines seen on the way"),
            );
        }
    }
    out
}

/// How much of a scenario the plans' runs visited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    /// The scenario's id.
    pub scenario: String,
    /// Beats reached by some run.
    pub beats_visited: usize,
    /// Beats in the scenario.
    pub beats_total: usize,
    /// Ids of the beats no run reached, in authored order.
    pub unvisited_beats: Vec<String>,
    /// Choices made by some run.
    pub choices_visited: usize,
    /// Choices in the scenario.
    pub choices_total: usize,
    /// `(beat id, choice id)`, in authored order.
    pub unvisited_choices: Vec<(String, String)>,
    /// Timers some run let run out.
    pub timers_run_out: usize,
    /// Beats with a timer.
    pub timers_total: usize,
    /// Ids of the endings some run reached, in authored order.
    pub endings_reached: Vec<String>,
    /// Ids of the endings no run reached, in authored order.
    pub endings_missed: Vec<String>,
}

/// A share as a whole percent, rounded down (so 99.6 % never reads as 100 %).
pub fn share(part: usize, whole: usize) -> u32 {
    (part * 100).checked_div(whole).map_or(100, |x| x as u32)
}

impl Coverage {
    /// What the visits `v` cover of scenario `s`.
    pub fn of(s: &Scenario, v: &Visits) -> Coverage {
        let mut c = Coverage {
            scenario: s.id().to_string(),
            beats_visited: 0,
            beats_total: s.file.beats.len(),
            unvisited_beats: Vec::new(),
            choices_visited: 0,
            choices_total: 0,
            unvisited_choices: Vec::new(),
            timers_run_out: 0,
            timers_total: 0,
            endings_reached: Vec::new(),
            endings_missed: Vec::new(),
        };
        for (b, beat) in s.file.beats.iter().enumerate() {
            let b = b as u32;
            if v.beats.contains(&b) {
                c.beats_visited += 1;
            } else {
                c.unvisited_beats.push(beat.id.clone());
            }
            for (i, choice) in beat.choices.iter().enumerate() {
                c.choices_total += 1;
                if v.acts.contains(&(b, Act::Choice(i as u16))) {
                    c.choices_visited += 1;
                } else {
                    c.unvisited_choices.push((beat.id.clone(), choice.id.clone()));
                }
            }
            if beat.timer.is_some() {
                c.timers_total += 1;
                if v.acts.contains(&(b, Act::Timeout)) {
                    c.timers_run_out += 1;
                }
            }
        }
        for (e, ending) in s.file.endings.iter().enumerate() {
            if v.endings.contains(&(e as u32)) {
                c.endings_reached.push(ending.id.clone());
            } else {
                c.endings_missed.push(ending.id.clone());
            }
        }
        c
    }
}
