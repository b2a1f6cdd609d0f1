//! The debrief: how a run went, judged decision by decision against the
//! rubric, with the outcome shown separately (process over outcome).
//!
//! Scores are compared with the best achievable from the analyzer; each
//! decision is compared with the best alternative offered at that moment,
//! where "best" means its score plus the best still achievable after it.

use serde::Serialize;

use crate::analysis::{Analysis, AnalysisError, StateSpace};
use crate::engine::{Mode, Playthrough};
use crate::scenario::{Act, Scenario, rubric::Grade, rubric::TechniqueKind};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EndingSummary {
    pub id: String,
    pub title: String,
    pub narrative: String,
    pub commentary: String,
    pub outcome: String,
    pub outcome_name: String,
    pub grade: Grade,
    /// How the rubric says to read this kind of outcome.
    pub outcome_note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DimensionScore {
    pub id: String,
    pub name: String,
    pub score: i32,
    /// The best achievable in this dimension in this scenario.
    pub best: i32,
    /// Score as a share of the best achievable, 0–100 (`None` when nothing positive is achievable).
    pub percent: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TechniqueRef {
    pub id: String,
    pub name: String,
    pub helpful: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alternative {
    pub choice: String,
    pub text: String,
    pub commentary: String,
    /// Its immediate score change (total).
    pub score: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecisionReview {
    /// 1-based.
    pub step: usize,
    pub beat: String,
    pub choice: String,
    pub text: String,
    pub commentary: String,
    /// Score change per dimension id (only the non-zero ones).
    pub scores: Vec<(String, i32)>,
    pub total: i32,
    pub critical: bool,
    pub timed_out: bool,
    pub response_ms: Option<u64>,
    /// True when no offered choice could have done better from here.
    pub best_available: bool,
    /// The better choice at that moment, when this was not the best.
    pub better: Option<Alternative>,
    /// Set when a weighted random route decided what happened next.
    pub luck: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Debrief {
    pub scenario: String,
    pub title: String,
    pub content_hash: String,
    pub trainee: Option<String>,
    pub mode: Mode,
    pub seed: u64,
    /// `None` when the run was not finished.
    pub ending: Option<EndingSummary>,
    pub total: DimensionScore,
    pub dimensions: Vec<DimensionScore>,
    pub critical_errors: Vec<DecisionReview>,
    pub techniques_used: Vec<TechniqueRef>,
    /// Helpful techniques the best route uses that this run never did.
    pub techniques_missed: Vec<TechniqueRef>,
    pub decisions: Vec<DecisionReview>,
    pub best_choices: usize,
    /// The process-over-outcome verdict, when luck or a bad outcome needs saying.
    pub verdict: String,
    pub commentary: String,
    pub teaching_points: Vec<String>,
    pub resources: Vec<crate::scenario::model::Resource>,
}

/// A score as a rounded share of the best achievable, 0–100; `None` when
/// nothing positive is achievable. The debrief and the records both use this.
pub fn percent(score: i32, best: i32) -> Option<u32> {
    (best > 0).then(|| ((score.max(0) as i64 * 100 + best as i64 / 2) / best as i64).min(100) as u32)
}

fn technique(s: &Scenario, idx: u16) -> TechniqueRef {
    let t = &s.rubric.techniques[idx as usize];
    TechniqueRef { id: t.id.clone(), name: t.name.clone(), helpful: t.kind == TechniqueKind::Helpful }
}

impl Debrief {
    /// Judge a run. `space` is the analyzer's state space for the same
    /// scenario (it is extended if the run visited states it had not seen).
    pub fn build(
        play: &Playthrough,
        analysis: &Analysis,
        space: &mut StateSpace,
        trainee: Option<&str>,
    ) -> Result<Debrief, AnalysisError> {
        let s = play.scenario();
        let totals = play.totals();
        let dimensions: Vec<DimensionScore> = s
            .rubric
            .dimensions
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let best = analysis.best.dimension(&d.id).and_then(|r| r.score).unwrap_or(0);
                DimensionScore {
                    id: d.id.clone(),
                    name: d.name.clone(),
                    score: totals[i],
                    best,
                    percent: percent(totals[i], best),
                }
            })
            .collect();
        let sum: i32 = totals.iter().sum();
        let best_total = analysis.best.total.score.unwrap_or(0);
        let total = DimensionScore {
            id: "total".into(),
            name: "Total".into(),
            score: sum,
            best: best_total,
            percent: percent(sum, best_total),
        };

        let mut decisions = Vec::new();
        let mut used: Vec<u16> = Vec::new();
        let mut unlucky_any = false;
        for (i, d) in play.decisions().iter().enumerate() {
            let def = s.act(d.beat_index, d.act).expect("recorded act exists");
            for t in &def.techniques {
                if !used.contains(t) {
                    used.push(*t);
                }
            }
            let values = space.act_values(d.beat_index, &d.state_before)?;
            let value_of = |a: Act| values.iter().find(|(x, _)| *x == a).and_then(|(_, v)| *v);
            let chosen = value_of(d.act);
            // The best offered choice (never "let the time run out").
            let best = d
                .offered
                .iter()
                .filter_map(|&a| value_of(a).map(|v| (a, v)))
                .max_by_key(|&(a, v)| (v, s.act(d.beat_index, a).map(|x| x.total), std::cmp::Reverse(a)));
            let best_available = match (best, chosen) {
                (Some((_, bv)), Some(cv)) => cv >= bv,
                (None, _) => true,
                (Some(_), None) => false,
            };
            let better = match best {
                Some((a, _)) if !best_available && a != d.act => Some(Alternative {
                    choice: s.act_id(d.beat_index, a).to_string(),
                    text: s.act_text(d.beat_index, a),
                    commentary: s.act_commentary(d.beat_index, a).to_string(),
                    score: s.act(d.beat_index, a).map(|x| x.total).unwrap_or(0),
                }),
                _ => None,
            };
            let luck = match d.chance {
                Some(o) => {
                    // Judge luck by the best outcome still open after the roll
                    // (Grade orders Good < Acceptable < Bad, so "better" is smaller).
                    let outs = space.outcome_grades(d.beat_index, &d.state_before, d.act)?;
                    let got = outs.get(o as usize).copied().flatten();
                    let best_open = outs.iter().flatten().min().copied();
                    let worst_open = outs.iter().flatten().max().copied();
                    if got.is_some() && got > best_open {
                        unlucky_any = true;
                        Some("Luck went against you here: the same decision often goes better.".to_string())
                    } else if got.is_some() && got < worst_open {
                        Some("Luck was on your side here: this does not always go so well.".to_string())
                    } else {
                        None
                    }
                }
                None => None,
            };
            let scores = s
                .rubric
                .dimensions
                .iter()
                .zip(&d.scores)
                .filter(|(_, v)| **v != 0)
                .map(|(dim, v)| (dim.id.clone(), *v))
                .collect();
            decisions.push(DecisionReview {
                step: i + 1,
                beat: d.beat.clone(),
                choice: d.choice.clone(),
                text: d.text.clone(),
                commentary: s.act_commentary(d.beat_index, d.act).to_string(),
                scores,
                total: d.scores.iter().sum(),
                critical: d.critical,
                timed_out: d.act == Act::Timeout,
                response_ms: d.response_ms,
                best_available,
                better,
                luck,
            });
        }

        let techniques_used: Vec<TechniqueRef> = used.iter().map(|&t| technique(s, t)).collect();
        let mut missed = Vec::new();
        for step in &analysis.best.total.steps {
            if let Some(def) = s.act(step.beat_index, step.act) {
                for &t in &def.techniques {
                    let tr = technique(s, t);
                    if tr.helpful
                        && !used.contains(&t)
                        && !missed.iter().any(|m: &TechniqueRef| m.id == tr.id)
                    {
                        missed.push(tr);
                    }
                }
            }
        }

        let ending = play.ending().map(|e| {
            let end = s.ending(e);
            let cat = s.outcome_of(e);
            EndingSummary {
                id: end.id.clone(),
                title: end.title.clone(),
                narrative: end.narrative.clone(),
                commentary: end.commentary.clone(),
                outcome: cat.id.clone(),
                outcome_name: cat.name.clone(),
                grade: cat.grade,
                outcome_note: cat.debrief_note.clone(),
            }
        });
        let best_choices = decisions.iter().filter(|d| d.best_available).count();
        let all_best = best_choices == decisions.len();
        let criticals: Vec<DecisionReview> = decisions.iter().filter(|d| d.critical).cloned().collect();
        let grade = ending.as_ref().map(|e| e.grade);
        let verdict = match (all_best, grade) {
            (_, None) => "The run was not finished; the scores cover the decisions made so far.".to_string(),
            (true, Some(Grade::Good)) => {
                "You made the best available decision at every step, and it showed in the outcome."
                    .to_string()
            }
            (true, Some(_)) => {
                "You did what was right at each step; the outcome was still bad. This happens, \
                 and it is not a failure of your decisions."
                    .to_string()
            }
            (false, Some(g)) => {
                let n = decisions.len() - best_choices;
                let mut v = format!(
                    "{n} of your {} decisions had a better option at that moment; the timeline shows which.",
                    decisions.len()
                );
                if g == Grade::Good {
                    v.push_str(" The outcome was good, but judge the decisions, not only the outcome.");
                }
                if unlucky_any {
                    v.push_str(" Luck also played a part: see the marked steps.");
                }
                v
            }
        };
        Ok(Debrief {
            scenario: s.id().to_string(),
            title: s.title().to_string(),
            content_hash: s.content_hash.clone(),
            trainee: trainee.map(str::to_string),
            mode: play.mode(),
            seed: play.seed(),
            ending,
            total,
            dimensions,
            critical_errors: criticals,
            techniques_used,
            techniques_missed: missed,
            decisions,
            best_choices,
            verdict,
            commentary: s.file.debrief.commentary.clone(),
            teaching_points: s.file.debrief.teaching_points.clone(),
            resources: s.file.debrief.resources.clone(),
        })
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// Plain text for the terminal.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut o = String::new();
        let _ = writeln!(o, "═══ Debrief: {} ═══", self.title);
        if let Some(t) = &self.trainee {
            let _ = writeln!(o, "Trainee: {t}   Mode: {}   Seed: {}", self.mode.label(), self.seed);
        }
        if let Some(e) = &self.ending {
            let _ = writeln!(o, "\nOutcome: {} — {} ({})", e.title, e.outcome_name, e.grade.label());
            let _ = writeln!(o, "{}", e.outcome_note);
            if !e.commentary.is_empty() {
                let _ = writeln!(o, "Clinician: {}", e.commentary);
            }
        }
        let _ = writeln!(o, "\n{}", self.verdict);
        if !self.critical_errors.is_empty() {
            let _ = writeln!(o, "\nCRITICAL ERRORS");
            for c in &self.critical_errors {
                let _ = writeln!(o, "  ✖ step {}: {}\n    {}", c.step, c.text, c.commentary);
            }
        }
        let pct = |d: &DimensionScore| d.percent.map(|p| format!("{p:>3}%")).unwrap_or_else(|| "  – ".into());
        let _ = writeln!(
            o,
            "\nScore: {} of {} best achievable ({})",
            self.total.score,
            self.total.best,
            pct(&self.total).trim()
        );
        for d in &self.dimensions {
            let bar = d.percent.map(|p| "█".repeat((p / 10) as usize)).unwrap_or_default();
            let _ = writeln!(o, "  {:<32} {:>3} / {:<3} {} {}", d.name, d.score, d.best, pct(d), bar);
        }
        let _ = writeln!(
            o,
            "\nDecisions ({} of {} the best available):",
            self.best_choices,
            self.decisions.len()
        );
        for d in &self.decisions {
            let mark = if d.critical {
                "✖"
            } else if d.best_available {
                "✔"
            } else {
                "△"
            };
            let _ = writeln!(o, "\n {mark} {}. [{}] {}  ({:+})", d.step, d.beat, d.text, d.total);
            if !d.commentary.is_empty() {
                let _ = writeln!(o, "    Clinician: {}", d.commentary);
            }
            if let Some(b) = &d.better {
                let _ = writeln!(o, "    Better here: {} ({:+})", b.text, b.score);
                if !b.commentary.is_empty() {
                    let _ = writeln!(o, "    Why: {}", b.commentary);
                }
            }
            if let Some(l) = &d.luck {
                let _ = writeln!(o, "    {l}");
            }
        }
        if !self.techniques_used.is_empty() {
            let names: Vec<String> = self
                .techniques_used
                .iter()
                .map(|t| if t.helpful { t.name.clone() } else { format!("{} (harmful)", t.name) })
                .collect();
            let _ = writeln!(o, "\nTechniques used: {}", names.join(", "));
        }
        if !self.techniques_missed.is_empty() {
            let names: Vec<&str> = self.techniques_missed.iter().map(|t| t.name.as_str()).collect();
            let _ = writeln!(o, "Techniques to try next time: {}", names.join(", "));
        }
        let _ = writeln!(o, "\n{}", self.commentary);
        if !self.teaching_points.is_empty() {
            let _ = writeln!(o, "\nTeaching points:");
            for t in &self.teaching_points {
                let _ = writeln!(o, "  • {t}");
            }
        }
        if !self.resources.is_empty() {
            let _ = writeln!(o, "\nResources:");
            for r in &self.resources {
                let note = r.note.as_ref().map(|n| format!(" — {n}")).unwrap_or_default();
                let _ = writeln!(o, "  • {}: {}{note}", r.name, r.contact);
            }
        }
        o
    }

    /// A self-contained, print-friendly HTML page a trainee can keep.
    pub fn to_html(&self) -> String {
        let e = html_escape;
        let mut o = String::new();
        o.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
        o.push_str(&format!("<title>Debrief: {}</title>\n", e(&self.title)));
        o.push_str(HTML_STYLE);
        o.push_str("</head><body>\n");
        o.push_str(&format!("<h1>Debrief: {}</h1>\n", e(&self.title)));
        o.push_str(&format!(
            "<p class=\"meta\">{}Mode: {} · Seed: {} · Version {}</p>\n",
            self.trainee.as_ref().map(|t| format!("Trainee: {} · ", e(t))).unwrap_or_default(),
            self.mode.label(),
            self.seed,
            e(crate::engine::short_hash(&self.content_hash))
        ));
        if let Some(end) = &self.ending {
            let class = match end.grade {
                Grade::Good => "good",
                Grade::Acceptable => "ok",
                Grade::Bad => "bad",
            };
            o.push_str(&format!(
                "<section class=\"outcome {class}\"><h2>{} <small>{}</small></h2><p>{}</p><p><em>{}</em></p>{}</section>\n",
                e(&end.title),
                e(&end.outcome_name),
                e(&end.narrative),
                e(&end.outcome_note),
                if end.commentary.is_empty() { String::new() } else { format!("<p>{}</p>", e(&end.commentary)) }
            ));
        }
        o.push_str(&format!("<p class=\"verdict\">{}</p>\n", e(&self.verdict)));
        if !self.critical_errors.is_empty() {
            o.push_str("<section class=\"critical\"><h2>Critical errors</h2><ul>");
            for c in &self.critical_errors {
                o.push_str(&format!(
                    "<li><b>Step {}:</b> {}<br>{}</li>",
                    c.step,
                    e(&c.text),
                    e(&c.commentary)
                ));
            }
            o.push_str("</ul></section>\n");
        }
        o.push_str(&format!(
            "<h2>Score: {} of {} best achievable{}</h2>\n<table class=\"dims\">",
            self.total.score,
            self.total.best,
            self.total.percent.map(|p| format!(" ({p}%)")).unwrap_or_default()
        ));
        for d in &self.dimensions {
            let p = d.percent.unwrap_or(0);
            o.push_str(&format!(
                "<tr><td>{}</td><td class=\"num\">{} / {}</td><td class=\"bar\"><svg width=\"200\" height=\"14\" role=\"img\" aria-label=\"{p}%\"><rect width=\"200\" height=\"14\" fill=\"#e0e0e0\"/><rect width=\"{}\" height=\"14\" fill=\"#1565c0\"/></svg> {}</td></tr>",
                e(&d.name),
                d.score,
                d.best,
                p * 2,
                d.percent.map(|p| format!("{p}%")).unwrap_or_else(|| "–".into())
            ));
        }
        o.push_str("</table>\n");
        o.push_str(&format!(
            "<h2>Decisions <small>{} of {} the best available</small></h2>\n<ol class=\"timeline\">",
            self.best_choices,
            self.decisions.len()
        ));
        for d in &self.decisions {
            let class = if d.critical {
                "critical"
            } else if d.best_available {
                "best"
            } else {
                "better"
            };
            o.push_str(&format!(
                "<li class=\"{class}\"><p class=\"said\">{} <span class=\"delta\">{:+}</span></p>",
                e(&d.text),
                d.total
            ));
            if !d.commentary.is_empty() {
                o.push_str(&format!("<p><b>Clinician:</b> {}</p>", e(&d.commentary)));
            }
            if let Some(b) = &d.better {
                o.push_str(&format!(
                    "<p class=\"alt\"><b>Better here:</b> {} ({:+})<br>{}</p>",
                    e(&b.text),
                    b.score,
                    e(&b.commentary)
                ));
            }
            if let Some(l) = &d.luck {
                o.push_str(&format!("<p class=\"luck\">{}</p>", e(l)));
            }
            o.push_str("</li>\n");
        }
        o.push_str("</ol>\n");
        if !self.techniques_missed.is_empty() {
            let names: Vec<String> = self.techniques_missed.iter().map(|t| e(&t.name)).collect();
            o.push_str(&format!("<p><b>Techniques to try next time:</b> {}</p>\n", names.join(", ")));
        }
        o.push_str(&format!("<h2>Clinician's commentary</h2><p>{}</p>\n", e(&self.commentary)));
        if !self.teaching_points.is_empty() {
            o.push_str("<h2>Teaching points</h2><ul>");
            for t in &self.teaching_points {
                o.push_str(&format!("<li>{}</li>", e(t)));
            }
            o.push_str("</ul>\n");
        }
        if !self.resources.is_empty() {
            o.push_str("<h2>Resources</h2><ul>");
            for r in &self.resources {
                o.push_str(&format!(
                    "<li><b>{}</b>: {}{}</li>",
                    e(&r.name),
                    e(&r.contact),
                    r.note.as_ref().map(|n| format!(" — {}", e(n))).unwrap_or_default()
                ));
            }
            o.push_str("</ul>\n");
        }
        o.push_str("</body></html>\n");
        o
    }
}

pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

const HTML_STYLE: &str = "<style>
body{font-family:'Atkinson Hyperlegible',Verdana,sans-serif;max-width:46em;margin:2em auto;padding:0 1em;color:#111;line-height:1.45}
h1{font-size:1.7em}h2{font-size:1.25em;margin-top:1.4em}small{font-weight:normal;color:#555}
.meta{color:#555}.outcome{border-left:8px solid #888;padding:.3em 1em;background:#f6f6f6}
.outcome.good{border-color:#2e7d32}.outcome.ok{border-color:#f9a825}.outcome.bad{border-color:#c62828}
.verdict{font-size:1.1em;font-weight:bold}.critical{border:2px solid #c62828;padding:0 1em}
table.dims td{padding:.2em .6em}.num{text-align:right;white-space:nowrap}
ol.timeline li{margin:.8em 0;padding-left:.4em}li.best{border-left:4px solid #2e7d32}
li.better{border-left:4px solid #f9a825}li.critical{border-left:4px solid #c62828}
.said{font-weight:bold}.alt{background:#eef5ee;padding:.3em}.luck{font-style:italic}.delta{color:#555}
@media print{body{margin:0;max-width:none}section,li{break-inside:avoid}}
</style>\n";
