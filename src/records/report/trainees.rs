//! The class report's trainees: who played, how each did, and who struggled.
//!
//! The rule for "struggled" (also in `docs/records.md`): a trainee is flagged
//! when, over their first attempts in the report's period (rewinds apart),
//! - they made at least one critical error, or
//! - their best finished attempt is not yet at standard (the rubric's
//!   verdict: the pass mark, and critical errors where the policy says so), or
//! - they abandoned a run, or
//! - they finished none.
//!
//! Sessions recorded before verdicts were kept count for neither standard.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::records::{Grade, SessionId, SessionSummary, Standard, Status};

/// One trainee's runs of the scenario in the report's period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraineeRow {
    pub trainee: String,
    /// First attempts started (a rewound run is not one).
    pub attempts: u32,
    pub finished: u32,
    pub abandoned: u32,
    /// Runs they rewound to a decision and played on, counted apart.
    pub rewinds: u32,
    /// Critical errors over their first attempts, finished or not.
    pub critical_errors: u32,
    /// Their latest first attempt, finished or not.
    pub last: Option<RunResult>,
    /// Their best finished first attempt: one that met the standard before one
    /// that did not, then the higher total, then the later.
    pub best: Option<RunResult>,
    /// Why the report flags them, most serious first (empty: not flagged).
    pub struggled: Vec<Struggle>,
}

impl TraineeRow {
    /// True when the report flags this trainee as having struggled.
    pub fn flagged(&self) -> bool {
        !self.struggled.is_empty()
    }

    /// "2 attempts, 1 finished, 1 abandoned, 1 critical error, rewound 1 run":
    /// the counts every renderer of the trainee list shows.
    pub fn counts_line(&self) -> String {
        let plural = super::text::plural;
        let mut counts =
            vec![plural(self.attempts, "attempt", "attempts"), format!("{} finished", self.finished)];
        if self.abandoned > 0 {
            counts.push(format!("{} abandoned", self.abandoned));
        }
        counts.push(plural(self.critical_errors, "critical error", "critical errors"));
        if self.rewinds > 0 {
            counts.push(format!("rewound {}", plural(self.rewinds, "run", "runs")));
        }
        counts.join(", ")
    }

    /// The best and last runs as lines: `("best and last", ..)` when they are
    /// one run, else `("best", ..)` and `("last", ..)` for those there are.
    pub fn result_lines(&self) -> Vec<(&'static str, String)> {
        match (&self.best, &self.last) {
            (Some(b), Some(l)) if b.session == l.session => vec![("best and last", b.describe())],
            (best, last) => {
                let best = best.as_ref().map(|b| ("best", b.describe()));
                let last = last.as_ref().map(|l| ("last", l.describe()));
                best.into_iter().chain(last).collect()
            }
        }
    }

    /// "2 critical errors; best attempt not yet at standard", or nothing.
    pub fn struggled_line(&self) -> Option<String> {
        self.flagged().then(|| self.struggled.iter().map(Struggle::describe).collect::<Vec<_>>().join("; "))
    }
}

/// One run as the trainee list shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunResult {
    /// Its number in the records (`talkdown records show ID` opens its debrief).
    pub session: SessionId,
    pub started_at: DateTime<Utc>,
    pub finished: bool,
    pub total: Option<i32>,
    pub total_best: Option<i32>,
    /// total / total_best, 0–100, as the debrief showed it.
    pub total_percent: Option<u32>,
    /// The outcome's name (finished runs).
    pub outcome: Option<String>,
    #[serde(serialize_with = "crate::records::edge::grade")]
    pub grade: Option<Grade>,
    /// The verdict by the rubric's policy (finished runs recorded with one).
    #[serde(serialize_with = "crate::records::edge::verdict")]
    pub verdict: Option<Standard>,
    pub critical_errors: u32,
    /// Decisions recorded.
    pub decisions: u32,
}

impl RunResult {
    fn of(s: &SessionSummary) -> RunResult {
        RunResult {
            session: s.id,
            started_at: s.started_at,
            finished: s.status == Status::Finished,
            total: s.total,
            total_best: s.total_best,
            total_percent: s.total_percent,
            outcome: s.outcome_name.clone().or_else(|| s.outcome.clone()),
            grade: s.grade,
            verdict: s.verdict,
            critical_errors: s.critical_errors,
            decisions: s.decisions,
        }
    }

    /// "11 of 11 points (100%), The person accepts help, meets the standard
    /// (session 4)" or "abandoned after 1 decision (session 5)".
    pub fn describe(&self) -> String {
        if !self.finished {
            return format!(
                "abandoned after {} {} (session {})",
                self.decisions,
                if self.decisions == 1 { "decision" } else { "decisions" },
                self.session
            );
        }
        let mut parts = Vec::new();
        if let (Some(t), Some(b)) = (self.total, self.total_best) {
            parts.push(format!(
                "{t} of {b} points{}",
                self.total_percent.map(|p| format!(" ({p}%)")).unwrap_or_default()
            ));
        }
        if let Some(o) = &self.outcome {
            parts.push(o.clone());
        }
        match self.verdict {
            Some(Standard::MeetsStandard) => parts.push("meets the standard".into()),
            Some(Standard::NotYet) => parts.push("not yet at standard".into()),
            None => {}
        }
        format!("{} (session {})", parts.join(", "), self.session)
    }

    /// For choosing the best attempt: met the standard, then total, then later.
    fn rank(&self) -> (u8, i32, DateTime<Utc>) {
        let standard = match self.verdict {
            Some(Standard::MeetsStandard) => 2,
            None => 1,
            Some(Standard::NotYet) => 0,
        };
        (standard, self.total.unwrap_or(i32::MIN), self.started_at)
    }
}

/// Why a trainee is flagged, in the order the report lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Struggle {
    /// Critical errors over their first attempts.
    CriticalErrors { count: u32 },
    /// Their best finished attempt is not yet at standard.
    BestNotAtStandard,
    /// They finished no attempt.
    NeverFinished,
    /// Runs they abandoned.
    Abandoned { count: u32 },
}

impl Struggle {
    /// The reason in words.
    pub fn describe(&self) -> String {
        match self {
            Struggle::CriticalErrors { count: 1 } => "1 critical error".into(),
            Struggle::CriticalErrors { count } => format!("{count} critical errors"),
            Struggle::BestNotAtStandard => "best attempt not yet at standard".into(),
            Struggle::NeverFinished => "finished no attempt".into(),
            Struggle::Abandoned { count: 1 } => "abandoned 1 run".into(),
            Struggle::Abandoned { count } => format!("abandoned {count} runs"),
        }
    }
}

/// Every trainee of `sessions` (the report's period, rewinds included), by
/// name (case aside).
pub(super) fn trainees(sessions: &[SessionSummary]) -> Vec<TraineeRow> {
    let mut names: Vec<&str> = sessions.iter().map(|s| s.trainee.as_str()).collect();
    names.sort_by(|a, b| a.to_lowercase().cmp(&b.to_lowercase()).then_with(|| a.cmp(b)));
    names.dedup();
    names
        .into_iter()
        .map(|name| {
            let mine = || sessions.iter().filter(move |s| s.trainee == name);
            let first: Vec<&SessionSummary> = mine().filter(|s| s.rewound_from.is_none()).collect();
            let runs: Vec<RunResult> = first.iter().map(|s| RunResult::of(s)).collect();
            let finished = runs.iter().filter(|r| r.finished).count() as u32;
            let attempts = runs.len() as u32;
            let critical_errors = runs.iter().map(|r| r.critical_errors).sum();
            let last = runs.iter().max_by_key(|r| (r.started_at, r.session)).cloned();
            let best = runs.iter().filter(|r| r.finished).max_by_key(|r| (r.rank(), r.session)).cloned();
            let mut struggled = Vec::new();
            if critical_errors > 0 {
                struggled.push(Struggle::CriticalErrors { count: critical_errors });
            }
            if best.as_ref().is_some_and(|b| b.verdict == Some(Standard::NotYet)) {
                struggled.push(Struggle::BestNotAtStandard);
            }
            if attempts > 0 && finished == 0 {
                struggled.push(Struggle::NeverFinished);
            }
            if attempts > finished {
                struggled.push(Struggle::Abandoned { count: attempts - finished });
            }
            TraineeRow {
                trainee: name.to_string(),
                attempts,
                finished,
                abandoned: attempts - finished,
                rewinds: mine().filter(|s| s.rewound_from.is_some()).count() as u32,
                critical_errors,
                last,
                best,
                struggled,
            }
        })
        .collect()
}
