//! The class report as plain text for the terminal.

use super::{ClassReport, f1};
use crate::records::Grade;
use crate::records::store::fmt_time;

impl ClassReport {
    /// Plain text for the terminal.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut o = String::new();
        let _ = writeln!(o, "═══ Class report: {} ({}) ═══", self.title, self.scenario);
        if let Some(c) = &self.class {
            let _ = writeln!(o, "Class {}", crate::text::printable(c));
        }
        match (&self.since, &self.until) {
            (Some(s), Some(u)) => {
                let _ = writeln!(o, "Sessions from {} to before {}", fmt_time(s), fmt_time(u));
            }
            (Some(s), None) => {
                let _ = writeln!(o, "Sessions since {}", fmt_time(s));
            }
            (None, Some(u)) => {
                let _ = writeln!(o, "Sessions before {}", fmt_time(u));
            }
            (None, None) => {}
        }
        let _ = writeln!(
            o,
            "Attempts: {}   Finished: {}   Abandoned: {}   Trainees: {}   Completion rate: {}",
            self.attempts,
            self.finished,
            self.abandoned,
            self.trainees,
            self.completion_rate.map(|c| format!("{}%", f1(c))).unwrap_or_else(|| "–".into())
        );
        if self.versions.len() > 1 {
            let _ = writeln!(
                o,
                "Note: {} versions of the scenario were played; decision points are grouped by beat and choice id.",
                self.versions.len()
            );
        }
        if self.attempts == 0 {
            let _ = writeln!(o, "\nNo sessions recorded for this scenario yet.");
            return o;
        }
        if self.meets_standard + self.not_yet > 0 {
            let _ = writeln!(
                o,
                "Verdict: {} met the standard, {} not yet at standard",
                self.meets_standard, self.not_yet
            );
        }
        if let Some(line) = self.timing_line() {
            let _ = writeln!(o, "{line}");
        }
        if let Some(line) = self.rewinds_line() {
            let _ = writeln!(o, "{line}");
        }
        if let Some(r) = &self.reading {
            let _ = writeln!(
                o,
                "Reading the subject: {} (the class's reads against the hidden state; not part of any score)",
                r.describe()
            );
        }
        self.trainees_text(&mut o);
        if let Some(t) = &self.total {
            let _ = writeln!(o, "\nScores (finished sessions, n = {}):", t.n);
            let _ = writeln!(
                o,
                "  {:<32} {:>6} {:>6} {:>5} {:>5} {:>5}",
                "dimension", "mean", "median", "min", "max", "best"
            );
            for d in self.dimensions.iter().chain(std::iter::once(t)) {
                let _ = writeln!(
                    o,
                    "  {:<32} {:>6} {:>6} {:>5} {:>5} {:>5}",
                    d.name,
                    f1(d.mean),
                    f1(d.median),
                    d.min,
                    d.max,
                    d.best
                );
            }
        }
        if !self.outcomes.is_empty() {
            let _ = writeln!(o, "\nOutcomes (finished sessions):");
            for c in &self.outcomes {
                let _ = writeln!(
                    o,
                    "  {:<32} {:>4}  {:>5}%  ({})",
                    c.name,
                    c.count,
                    f1(c.percent),
                    c.grade.map(Grade::label).unwrap_or("")
                );
            }
        }
        if !self.critical_errors.is_empty() {
            let _ = writeln!(o, "\nMost common critical errors:");
            for c in &self.critical_errors {
                let _ = writeln!(
                    o,
                    "  ✖ [{}] {} — {}, in {}% of attempts",
                    c.beat,
                    c.text,
                    if c.count == 1 { "once".to_string() } else { format!("{} times", c.count) },
                    f1(c.percent_of_attempts)
                );
            }
        }
        let _ = writeln!(o, "\nHow the class chose (every option offered, best first; ✖ a critical error):");
        if let Some(note) = &self.scenario_note {
            let _ = writeln!(o, "Note: {note}");
        }
        for p in &self.decision_points {
            let _ = writeln!(o, "\n  {} — {} decisions", p.label, p.decisions);
            for c in &p.options {
                let mark = if c.critical { "✖" } else { " " };
                let _ = writeln!(o, "    {mark} “{}” — {}, {}", c.text, c.judgement, c.points_words());
                let mut said = c.chosen_line(p.decisions);
                if let Some(m) = c.meters_line() {
                    said = format!("{said}; {m}");
                }
                let _ = writeln!(o, "        {said}");
            }
            if let Some(r) = &p.reading {
                let _ = writeln!(o, "    Reading the subject (“{}”): {}", r.question, r.describe());
            }
            if !p.reasons.is_empty() {
                let _ = writeln!(o, "    Their reasons:");
                for r in &p.reasons {
                    let _ = writeln!(o, "      • {} — chose “{}”: “{}”", r.trainee, r.text, r.reflection);
                }
            }
        }
        // Names and titles come from trainees and authors: no control characters to the terminal.
        crate::text::printable_lines(&o).into_owned()
    }

    /// Who played: one entry per trainee, those who struggled marked ⚑.
    fn trainees_text(&self, o: &mut String) {
        use std::fmt::Write;
        let Some(line) = self.struggled_line() else { return };
        let _ = writeln!(o, "\nTrainees (first attempts; rewinds apart): {line}");
        let _ = writeln!(
            o,
            "  ⚑ struggled: a critical error, the best attempt not yet at standard, a run abandoned, or none finished"
        );
        for t in &self.by_trainee {
            let flag = if t.flagged() { "⚑" } else { " " };
            let _ = writeln!(o, "  {flag} {} — {}", t.trainee, t.counts_line());
            for (what, run) in t.result_lines() {
                let _ = writeln!(o, "      {what}: {run}");
            }
            if let Some(why) = t.struggled_line() {
                let _ = writeln!(o, "      struggled: {why}");
            }
        }
    }
}

/// "1 attempt", "2 attempts", "0 critical errors".
pub(super) fn plural(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
