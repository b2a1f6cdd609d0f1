//! The class report: how everyone who played one scenario did, and where
//! they went wrong. The same numbers feed `talkdown report` (text and HTML)
//! and the app's instructor screen.
//!
//! Definitions (also in `docs/records.md`):
//! - attempts: sessions started; completion rate: finished / attempts.
//! - scores (mean, median, min, max per dimension and total): finished sessions only,
//!   so an abandoned run does not count as a low score.
//! - outcome mix: finished sessions by outcome category.
//! - critical errors and decision points: every recorded decision, finished or not.
//! - first attempts only: a run rewound to one of its decisions (`replay
//!   --rewind`, "Rewind to here") is counted apart, under `rewinds`, and in
//!   none of the figures above (its decisions before the fork are the
//!   original's, which would count twice).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::store::Store;
use super::{Filter, Grade, Result};
use crate::engine::Timing;

mod chart;
mod html;
mod options;
mod text;
mod trainees;

pub use options::{MeterChange, MeterMean, MeterScale, OptionStats};
pub use trainees::{RunResult, Struggle, TraineeRow};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DimensionStats {
    pub id: String,
    pub name: String,
    /// Finished sessions counted.
    pub n: u32,
    pub mean: f64,
    pub median: f64,
    pub min: i32,
    pub max: i32,
    /// Best achievable (the highest seen across versions).
    pub best: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeCount {
    pub outcome: String,
    pub name: String,
    /// How the outcome reads (JSON: `good`, `acceptable`, `reviewed`); `None`
    /// for sessions recorded without one.
    #[serde(serialize_with = "super::edge::grade")]
    pub grade: Option<Grade>,
    pub count: u32,
    /// Share of finished sessions, 0–100.
    pub percent: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriticalError {
    pub beat: String,
    pub choice: String,
    pub text: String,
    /// Times it was chosen.
    pub count: u32,
    /// Sessions in which it was chosen.
    pub sessions: u32,
    /// Share of attempts in which it was chosen, 0–100.
    pub percent_of_attempts: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChoiceStats {
    pub choice: String,
    pub text: String,
    pub count: u32,
    /// Share of the decisions made at this beat, 0–100.
    pub percent: f64,
    /// Points the rubric gives it (total over dimensions).
    pub points: i32,
    pub critical: bool,
    pub timed_out: bool,
    /// Share of finished sessions' choices where the debrief judged it the best available, 0–100.
    pub best_available_percent: Option<f64>,
    /// How the class report reads this choice (JSON: `critical error`, `best available`, ...).
    pub judgement: ChoiceJudgement,
}

/// How the class report reads a choice, most serious first: a critical error
/// whatever it scored; the best available in at least half of the judged
/// decisions; else by its points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ChoiceJudgement {
    #[serde(rename = "critical error")]
    CriticalError,
    #[serde(rename = "best available")]
    BestAvailable,
    #[serde(rename = "helpful")]
    Helpful,
    #[serde(rename = "neutral")]
    Neutral,
    #[serde(rename = "harmful")]
    Harmful,
}

impl ChoiceJudgement {
    /// The words the report prints (and the JSON holds).
    pub fn label(self) -> &'static str {
        match self {
            ChoiceJudgement::CriticalError => "critical error",
            ChoiceJudgement::BestAvailable => "best available",
            ChoiceJudgement::Helpful => "helpful",
            ChoiceJudgement::Neutral => "neutral",
            ChoiceJudgement::Harmful => "harmful",
        }
    }
}

impl std::fmt::Display for ChoiceJudgement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `pad`, so the text report's column widths apply.
        f.pad(self.label())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionPoint {
    pub beat: String,
    /// The decision point in words a person reads: the author's label, or the
    /// moment's first line (the beat id for decisions recorded before labels were kept).
    pub label: String,
    /// How the class read the subject here, when a read question was asked.
    pub reading: Option<ReadingStats>,
    /// The class's own reasons at this decision point, in the order given.
    pub reasons: Vec<ClassReason>,
    /// Decisions made here (a beat visited twice in a session counts twice).
    pub decisions: u32,
    /// The options chosen here, most chosen first.
    pub choices: Vec<ChoiceStats>,
    /// Every option offered here, best first, those nobody chose at 0 %
    /// (the chosen ones only when the scenario is not available: see
    /// [`ClassReport::scenario_note`]).
    pub options: Vec<OptionStats>,
    /// The class's mean of each meter after deciding here.
    pub meters_after: Vec<MeterMean>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionSeen {
    pub content_hash: String,
    pub version: String,
    pub sessions: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassReport {
    pub scenario: String,
    pub title: String,
    /// The one class (cohort) reported on; `None`: every session, whatever its class.
    pub class: Option<String>,
    pub since: Option<DateTime<Utc>>,
    /// Sessions started before this time only.
    pub until: Option<DateTime<Utc>>,
    pub generated_at: DateTime<Utc>,
    pub attempts: u32,
    pub finished: u32,
    pub abandoned: u32,
    pub trainees: u32,
    /// finished / attempts, 0–100 (`None` with no attempts).
    pub completion_rate: Option<f64>,
    pub versions: Vec<VersionSeen>,
    pub total: Option<DimensionStats>,
    pub dimensions: Vec<DimensionStats>,
    pub outcomes: Vec<OutcomeCount>,
    /// The ten most common, most frequent first.
    pub critical_errors: Vec<CriticalError>,
    /// In the order trainees usually meet them.
    pub decision_points: Vec<DecisionPoint>,
    /// Finished sessions that met the standard by the rubric's policy
    /// (sessions recorded before verdicts were kept count in neither).
    pub meets_standard: u32,
    /// Finished sessions not yet at standard.
    pub not_yet: u32,
    /// Sessions played with a timing accommodation, by kind (none when every
    /// run had the standard time), so a class comparison can take them apart.
    pub timing_accommodations: Vec<TimingCount>,
    /// Runs rewound to a decision and played on, counted apart from the first
    /// attempts above (which they are not part of).
    pub rewinds: Rewinds,
    /// How well the class read the subject over every read question
    /// (`None` when none was answered). Never part of any score.
    pub reading: Option<ReadingStats>,
    /// Every trainee, by name: attempts, last and best result, critical
    /// errors, and whether they struggled (the rule is in `docs/records.md`).
    pub by_trainee: Vec<TraineeRow>,
    /// Why options nobody chose are not listed (the scenario was not
    /// available), or that the scenario at hand is not a version played.
    pub scenario_note: Option<String>,
    /// The scenario's meters (empty without the scenario).
    pub meters: Vec<MeterScale>,
    /// The best route's meters after each of its decisions, by decision
    /// point (empty without the scenario, or when it cannot be analysed).
    pub best_route: Vec<BestRouteStep>,
}

/// One decision of the best route (the analyzer's best total, luck in the
/// trainee's favour) and the meters after it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BestRouteStep {
    pub beat: String,
    pub choice: String,
    pub meters: Vec<MeterMean>,
}

/// Rewound runs in the report's period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Rewinds {
    pub sessions: u32,
    pub finished: u32,
    /// Trainees who rewound at least once.
    pub trainees: u32,
}

/// How well readings of the subject matched the hidden state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadingStats {
    /// The read question (at one decision point; empty for the whole class).
    pub question: String,
    pub right: u32,
    pub answered: u32,
    /// right / answered, 0–100.
    pub percent: f64,
}

impl ReadingStats {
    /// "3 of 4 right (75.0%)".
    pub fn describe(&self) -> String {
        format!("{} of {} right ({}%)", self.right, self.answered, f1(self.percent))
    }
}

/// One trainee's reason for a decision, in their words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassReason {
    pub trainee: String,
    /// What they chose.
    pub text: String,
    /// Why, as they wrote it.
    pub reflection: String,
}

/// How many sessions were played with one timing accommodation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimingCount {
    pub timing: Timing,
    pub sessions: u32,
}

/// Median of sorted values.
pub fn median(sorted: &[i32]) -> f64 {
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => f64::from(sorted[n / 2]),
        n => (f64::from(sorted[n / 2 - 1]) + f64::from(sorted[n / 2])) / 2.0,
    }
}

fn stats(id: &str, name: &str, mut values: Vec<i32>, best: i32) -> DimensionStats {
    values.sort_unstable();
    let n = values.len();
    let sum: i64 = values.iter().map(|&v| i64::from(v)).sum();
    DimensionStats {
        id: id.to_string(),
        name: name.to_string(),
        n: n as u32,
        mean: if n == 0 { 0.0 } else { sum as f64 / n as f64 },
        median: median(&values),
        min: values.first().copied().unwrap_or(0),
        max: values.last().copied().unwrap_or(0),
        best,
    }
}

fn pct(part: u32, whole: u32) -> f64 {
    if whole == 0 { 0.0 } else { f64::from(part) * 100.0 / f64::from(whole) }
}

fn judgement(points: i32, critical: bool, best_share: Option<f64>) -> ChoiceJudgement {
    if critical {
        ChoiceJudgement::CriticalError
    } else if best_share.is_some_and(|s| s >= 50.0) {
        ChoiceJudgement::BestAvailable
    } else if points > 0 {
        ChoiceJudgement::Helpful
    } else if points < 0 {
        ChoiceJudgement::Harmful
    } else {
        ChoiceJudgement::Neutral
    }
}

/// One value of a query's row, the same from SQLite and PostgreSQL (booleans
/// read as 0/1), so the report's SQL and arithmetic are written once.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

impl Val {
    pub(crate) fn opt_int(&self) -> Option<i64> {
        match self {
            Val::Int(v) => Some(*v),
            Val::Real(v) => Some(*v as i64),
            Val::Text(t) => t.parse().ok(),
            Val::Null => None,
        }
    }
    pub(crate) fn int(&self) -> i64 {
        self.opt_int().unwrap_or(0)
    }
    pub(crate) fn opt_text(&self) -> Option<String> {
        match self {
            Val::Text(t) => Some(t.clone()),
            Val::Int(v) => Some(v.to_string()),
            Val::Real(v) => Some(v.to_string()),
            Val::Null => None,
        }
    }
    pub(crate) fn text(&self) -> String {
        self.opt_text().unwrap_or_default()
    }
}

pub(crate) fn build(
    store: &Store,
    scenario: &str,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    class: Option<&str>,
) -> Result<ClassReport> {
    let filter = Filter {
        scenario: Some(scenario.to_string()),
        class: class.map(str::to_string),
        since,
        until,
        ..Filter::default()
    };
    let (all_w, a) = super::store::where_clause(&filter);
    let a = a.as_slice();
    // Decisions with the debrief's judgement (`best_available`) on either backend.
    let decisions = store.judged_decisions();
    let yes = |cond: &str| format!("SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)");
    let rewinds = store
        .rows(
            &format!(
                "SELECT COUNT(*), COALESCE({}, 0), COUNT(DISTINCT s.trainee)
                 FROM sessions s {} s.parent_uuid IS NOT NULL",
                yes("s.finished_at IS NOT NULL"),
                if all_w.is_empty() { "WHERE".to_string() } else { format!("{all_w} AND") }
            ),
            a,
        )?
        .first()
        .map(|r| Rewinds {
            sessions: r[0].int() as u32,
            finished: r[1].int() as u32,
            trainees: r[2].int() as u32,
        })
        .unwrap_or_default();
    // Everything else counts first attempts only.
    let w = if all_w.is_empty() {
        "WHERE s.parent_uuid IS NULL".to_string()
    } else {
        format!("{all_w} AND s.parent_uuid IS NULL")
    };

    let row = store.rows(
        &format!(
            "SELECT COUNT(*), COALESCE({}, 0), COUNT(DISTINCT s.trainee) FROM sessions s {w}",
            yes("s.finished_at IS NOT NULL")
        ),
        a,
    )?;
    let (attempts, finished, trainees) = match row.first() {
        Some(r) => (r[0].int() as u32, r[1].int() as u32, r[2].int() as u32),
        None => (0, 0, 0),
    };
    let title = store
        .rows(&format!("SELECT s.title FROM sessions s {w} ORDER BY s.started_at DESC LIMIT 1"), a)?
        .first()
        .map(|r| r[0].text())
        .unwrap_or_else(|| scenario.to_string());

    let versions = store
        .rows(
            &format!(
                "SELECT s.content_hash, MAX(s.version), COUNT(*) FROM sessions s {w}
                 GROUP BY s.content_hash ORDER BY MIN(s.started_at)"
            ),
            a,
        )?
        .into_iter()
        .map(|r| VersionSeen { content_hash: r[0].text(), version: r[1].text(), sessions: r[2].int() as u32 })
        .collect();

    // Scores of finished sessions, per dimension in rubric order.
    let fw = if w.is_empty() {
        "WHERE s.finished_at IS NOT NULL".to_string()
    } else {
        format!("{w} AND s.finished_at IS NOT NULL")
    };
    let mut dims: Vec<(String, String, Vec<i32>, i32)> = Vec::new();
    for r in store.rows(
        &format!(
            "SELECT sc.dimension, sc.name, sc.score, sc.best FROM session_scores sc
             JOIN sessions s ON s.id = sc.session_id {fw} ORDER BY sc.ord"
        ),
        a,
    )? {
        let (id, name, score, best) = (r[0].text(), r[1].text(), r[2].int() as i32, r[3].int() as i32);
        match dims.iter_mut().find(|d| d.0 == id) {
            Some(d) => {
                d.2.push(score);
                d.3 = d.3.max(best);
            }
            None => dims.push((id, name, vec![score], best)),
        }
    }
    let dimensions: Vec<DimensionStats> =
        dims.into_iter().map(|(id, name, v, best)| stats(&id, &name, v, best)).collect();
    let mut totals = Vec::new();
    let mut total_best = 0;
    for r in store.rows(&format!("SELECT s.total, s.total_best FROM sessions s {fw}"), a)? {
        totals.push(r[0].opt_int().unwrap_or(0) as i32);
        total_best = total_best.max(r[1].opt_int().unwrap_or(0) as i32);
    }
    let total = (!totals.is_empty()).then(|| stats("total", "Total", totals, total_best));
    let row = store.rows(
        &format!(
            "SELECT COALESCE({}, 0), COALESCE({}, 0) FROM sessions s {fw}",
            yes("s.verdict = 'meets_standard'"),
            yes("s.verdict = 'not_yet'")
        ),
        a,
    )?;
    let (meets_standard, not_yet) =
        row.first().map(|r| (r[0].int() as u32, r[1].int() as u32)).unwrap_or((0, 0));
    let mut timing_accommodations = Vec::new();
    for r in store.rows(
        &format!(
            "SELECT s.timing, COUNT(*) FROM sessions s {} s.timing <> 'standard' GROUP BY s.timing",
            if w.is_empty() { "WHERE".to_string() } else { format!("{w} AND") }
        ),
        a,
    )? {
        let timing: Timing = r[0].text().parse().unwrap_or_default();
        timing_accommodations.push(TimingCount { timing, sessions: r[1].int() as u32 });
    }
    timing_accommodations.sort_by_key(|t| Timing::ALL.iter().position(|x| *x == t.timing));

    let outcomes = store
        .rows(
            &format!(
                "SELECT COALESCE(s.outcome, ''), MAX(COALESCE(s.outcome_name, s.outcome, '')), MAX(COALESCE(s.grade, '')), COUNT(*)
                 FROM sessions s {fw} GROUP BY s.outcome ORDER BY COUNT(*) DESC, s.outcome"
            ),
            a,
        )?
        .into_iter()
        .map(|r| {
            let count = r[3].int() as u32;
            OutcomeCount {
                outcome: r[0].text(),
                name: r[1].text(),
                grade: super::edge::parse_grade(&r[2].text()),
                count,
                percent: pct(count, finished),
            }
        })
        .collect();

    let critical_errors = store
        .rows(
            &format!(
                "SELECT d.beat, d.choice, MAX(d.text), COUNT(*), COUNT(DISTINCT d.session_id)
                 FROM {decisions} d JOIN sessions s ON s.id = d.session_id
                 {} GROUP BY d.beat, d.choice ORDER BY COUNT(*) DESC, d.beat, d.choice LIMIT 10",
                if w.is_empty() { "WHERE d.critical".to_string() } else { format!("{w} AND d.critical") }
            ),
            a,
        )?
        .into_iter()
        .map(|r| {
            let sessions = r[4].int() as u32;
            CriticalError {
                beat: r[0].text(),
                choice: r[1].text(),
                text: r[2].text(),
                count: r[3].int() as u32,
                sessions,
                percent_of_attempts: pct(sessions, attempts),
            }
        })
        .collect();

    struct Row {
        beat: String,
        first_step: i64,
        c: ChoiceStats,
    }
    let rows: Vec<Row> = store
        .rows(
            &format!(
                "SELECT d.beat, d.choice, MAX(d.text), COUNT(*), MAX(d.total), MAX(CASE WHEN d.critical THEN 1 ELSE 0 END),
                        MAX(CASE WHEN d.timed_out THEN 1 ELSE 0 END), {}, {}, MIN(d.step)
                 FROM {decisions} d JOIN sessions s ON s.id = d.session_id {w}
                 GROUP BY d.beat, d.choice",
                yes("d.best_available"),
                yes("d.best_available IS NOT NULL")
            ),
            a,
        )?
        .into_iter()
        .map(|r| {
            let judged = r[8].opt_int().unwrap_or(0) as u32;
            let best = r[7].opt_int().unwrap_or(0) as u32;
            let best_share = (judged > 0).then(|| pct(best, judged));
            let points = r[4].int() as i32;
            let critical = r[5].int() != 0;
            Row {
                beat: r[0].text(),
                first_step: r[9].int(),
                c: ChoiceStats {
                    choice: r[1].text(),
                    text: r[2].text(),
                    count: r[3].int() as u32,
                    percent: 0.0,
                    points,
                    critical,
                    timed_out: r[6].int() != 0,
                    best_available_percent: best_share,
                    judgement: judgement(points, critical, best_share),
                },
            }
        })
        .collect();
    let mut points: Vec<(i64, DecisionPoint)> = Vec::new();
    for row in rows {
        match points.iter_mut().find(|(_, p)| p.beat == row.beat) {
            Some((first, p)) => {
                *first = (*first).min(row.first_step);
                p.decisions += row.c.count;
                p.choices.push(row.c);
            }
            None => points.push((
                row.first_step,
                DecisionPoint {
                    label: row.beat.clone(),
                    reading: None,
                    reasons: Vec::new(),
                    options: Vec::new(),
                    meters_after: Vec::new(),
                    beat: row.beat,
                    decisions: row.c.count,
                    choices: vec![row.c],
                },
            )),
        }
    }
    for (_, p) in &mut points {
        for c in &mut p.choices {
            c.percent = pct(c.count, p.decisions);
        }
        p.choices.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.choice.cmp(&b.choice)));
    }
    points.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.beat.cmp(&b.1.beat)));
    let reading = reasoning(store, &w, a, &mut points)?;
    let by_trainee = trainees::trainees(&store.sessions(&filter)?);

    Ok(ClassReport {
        scenario: scenario.to_string(),
        title,
        class: class.map(str::to_string),
        since,
        until,
        generated_at: Utc::now(),
        attempts,
        finished,
        abandoned: attempts - finished,
        trainees,
        completion_rate: (attempts > 0).then(|| pct(finished, attempts)),
        versions,
        total,
        dimensions,
        outcomes,
        critical_errors,
        decision_points: points.into_iter().map(|(_, p)| p).collect(),
        meets_standard,
        not_yet,
        timing_accommodations,
        rewinds,
        reading,
        by_trainee,
        scenario_note: None,
        meters: Vec::new(),
        best_route: Vec::new(),
    })
}

impl Store {
    /// The class report (over one class's sessions, or every class's with
    /// `None`) read against the scenario at hand (`Ok`), or, with
    /// `Err(why)`, without it: every option offered at each decision point
    /// (those nobody chose at 0 %) and the best route's meters need the
    /// scenario; without it the report lists the chosen options and says why.
    pub fn class_report_with(
        &self,
        scenario_id: &str,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        class: Option<&str>,
        scenario: std::result::Result<&crate::scenario::Scenario, &str>,
    ) -> Result<ClassReport> {
        let mut report = build(self, scenario_id, since, until, class)?;
        let filter = Filter {
            scenario: Some(scenario_id.to_string()),
            class: class.map(str::to_string),
            since,
            until,
            ..Filter::default()
        };
        let records = self.session_records(&filter)?;
        let (scenario, why) = match scenario {
            Ok(s) if s.id() == scenario_id => (Some(s), None),
            Ok(s) => (
                None,
                Some(format!(
                    "the scenario given is `{}`, not `{scenario_id}`",
                    crate::text::printable(s.id())
                )),
            ),
            Err(why) => (None, Some(why.to_string())),
        };
        options::fill(&mut report, &records, scenario);
        report.scenario_note = options::scenario_note(&report, scenario, why.as_deref());
        if let Some(s) = scenario {
            report.best_route = best_route(s);
        }
        Ok(report)
    }
}

/// The best route's decisions and the meters after each (none when the
/// scenario cannot be analysed: the chart then shows the class alone).
fn best_route(s: &crate::scenario::Scenario) -> Vec<BestRouteStep> {
    let Ok((analysis, _)) = crate::analysis::analyze(s) else { return Vec::new() };
    analysis
        .best
        .total
        .steps
        .iter()
        .map(|st| BestRouteStep {
            beat: st.beat.clone(),
            choice: st.choice.clone(),
            meters: s
                .file
                .meters
                .iter()
                .zip(&st.meters_after)
                .map(|(m, v)| MeterMean { meter: m.id.clone(), mean: f64::from(*v) })
                .collect(),
        })
        .collect()
}

/// `w` (a `WHERE` clause or nothing) with one more condition.
fn and_where(w: &str, cond: &str) -> String {
    if w.is_empty() { format!("WHERE {cond}") } else { format!("{w} AND {cond}") }
}

/// Each decision point's name in words, the class's reading of the subject
/// there and their reasons; returns the class's reading over all points.
/// A records backend without these columns yet (the lab's server) reads as
/// none: decision points keep their beat ids and no reading or reason is shown.
fn reasoning(
    store: &Store,
    w: &str,
    a: &[String],
    points: &mut [(i64, DecisionPoint)],
) -> Result<Option<ReadingStats>> {
    let Ok(rows) = store.rows(
        &format!(
            "SELECT d.beat, MAX(d.label), MAX(d.read_question),
                    COALESCE(SUM(CASE WHEN d.read_right = 1 THEN 1 ELSE 0 END), 0), COUNT(d.read_answer)
             FROM decisions d JOIN sessions s ON s.id = d.session_id {w} GROUP BY d.beat"
        ),
        a,
    ) else {
        return Ok(None);
    };
    let (mut right, mut answered) = (0, 0);
    for r in rows {
        let beat = r[0].text();
        let Some((_, p)) = points.iter_mut().find(|(_, p)| p.beat == beat) else { continue };
        if let Some(l) = r[1].opt_text().filter(|l| !l.trim().is_empty()) {
            p.label = l;
        }
        let (n_right, n) = (r[3].int() as u32, r[4].int() as u32);
        if n > 0 {
            p.reading = Some(ReadingStats {
                question: r[2].text(),
                right: n_right,
                answered: n,
                percent: pct(n_right, n),
            });
            right += n_right;
            answered += n;
        }
    }
    let rows = store.rows(
        &format!(
            "SELECT d.beat, s.trainee, d.text, d.reflection
             FROM decisions d JOIN sessions s ON s.id = d.session_id {}
             ORDER BY s.started_at, s.id, d.step",
            and_where(w, "d.reflection IS NOT NULL")
        ),
        a,
    )?;
    for r in rows {
        let beat = r[0].text();
        if let Some((_, p)) = points.iter_mut().find(|(_, p)| p.beat == beat) {
            p.reasons.push(ClassReason { trainee: r[1].text(), text: r[2].text(), reflection: r[3].text() });
        }
    }
    Ok((answered > 0).then(|| ReadingStats {
        question: String::new(),
        right,
        answered,
        percent: pct(right, answered),
    }))
}

pub(crate) fn f1(v: f64) -> String {
    format!("{v:.1}")
}

impl ClassReport {
    /// "Timing accommodations: 2 of 9 sessions (extended time ×1.5: 1, untimed: 1)", or
    /// nothing when every session had the standard time.
    pub fn timing_line(&self) -> Option<String> {
        let n: u32 = self.timing_accommodations.iter().map(|t| t.sessions).sum();
        (n > 0).then(|| {
            let kinds: Vec<String> = self
                .timing_accommodations
                .iter()
                .map(|t| format!("{}: {}", t.timing.describe(), t.sessions))
                .collect();
            format!("Timing accommodations: {n} of {} sessions ({})", self.attempts, kinds.join(", "))
        })
    }

    /// "Rewinds: 3 runs by 2 trainees went back to a decision and chose again
    /// (2 finished); counted apart, not in the figures of first attempts", or
    /// nothing when nobody rewound.
    pub fn rewinds_line(&self) -> Option<String> {
        let r = &self.rewinds;
        (r.sessions > 0).then(|| {
            format!(
                "Rewinds: {} {} by {} {} went back to a decision and chose again ({} finished); \
                 counted apart, not in the figures of first attempts",
                r.sessions,
                if r.sessions == 1 { "run" } else { "runs" },
                r.trainees,
                if r.trainees == 1 { "trainee" } else { "trainees" },
                r.finished
            )
        })
    }

    /// The trainees the report flags as having struggled.
    pub fn struggling(&self) -> impl Iterator<Item = &TraineeRow> {
        self.by_trainee.iter().filter(|t| t.flagged())
    }

    /// "2 of 5 trainees struggled: ana, cy", or "None of the 5 trainees
    /// struggled", or nothing when nobody played.
    pub fn struggled_line(&self) -> Option<String> {
        let n = self.by_trainee.len();
        let names: Vec<&str> = self.struggling().map(|t| t.trainee.as_str()).collect();
        match (n, names.len()) {
            (0, _) => None,
            (n, 0) => {
                Some(format!("None of the {n} {} struggled", if n == 1 { "trainee" } else { "trainees" }))
            }
            (n, k) => Some(format!(
                "{k} of {n} {} struggled: {}",
                if n == 1 { "trainee" } else { "trainees" },
                names.join(", ")
            )),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(&[1, 2, 3, 10]), 2.5);
        assert_eq!(median(&[1, 2, 3]), 2.0);
        assert_eq!(median(&[]), 0.0);
    }

    #[test]
    fn judgement_puts_critical_first() {
        assert_eq!(judgement(5, true, Some(100.0)).label(), "critical error");
        assert_eq!(judgement(1, false, Some(60.0)).label(), "best available");
        assert_eq!(judgement(1, false, Some(10.0)).label(), "helpful");
        assert_eq!(judgement(-1, false, None).label(), "harmful");
        assert_eq!(judgement(0, false, None).label(), "neutral");
    }
}
