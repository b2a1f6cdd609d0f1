//! The class report as a self-contained, printable HTML page.

use super::{ChoiceJudgement, ClassReport, f1};
use crate::debrief::html_escape;
use crate::records::Grade;
use crate::records::store::fmt_time;

impl ClassReport {
    /// A self-contained, print-friendly HTML page with inline SVG bars.
    pub fn to_html(&self) -> String {
        let e = |s: &str| html_escape(s);
        let mut o = String::new();
        o.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
        o.push_str(&format!("<title>Class report: {}</title>\n", e(&self.title)));
        o.push_str(REPORT_STYLE);
        o.push_str("</head><body>\n");
        o.push_str(&format!("<h1>Class report: {}</h1>\n", e(&self.title)));
        o.push_str(&format!(
            "<p class=\"meta\">Scenario <code>{}</code>{}{} · generated {}</p>\n",
            e(&self.scenario),
            self.class.as_deref().map(|c| format!(" · class {}", e(c))).unwrap_or_default(),
            self.since.map(|s| format!(" · sessions since {}", fmt_time(&s))).unwrap_or_default()
                + &self.until.map(|u| format!(" · before {}", fmt_time(&u))).unwrap_or_default(),
            fmt_time(&self.generated_at)
        ));
        o.push_str("<table class=\"facts\"><tr>");
        for (label, value) in [
            ("Attempts", self.attempts.to_string()),
            ("Finished", self.finished.to_string()),
            ("Abandoned", self.abandoned.to_string()),
            ("Trainees", self.trainees.to_string()),
            (
                "Completion rate",
                self.completion_rate.map(|c| format!("{}%", f1(c))).unwrap_or_else(|| "–".into()),
            ),
            ("Met the standard", self.meets_standard.to_string()),
            ("Not yet at standard", self.not_yet.to_string()),
        ] {
            o.push_str(&format!("<td><b>{value}</b><br>{label}</td>"));
        }
        o.push_str("</tr></table>\n");
        if let Some(line) = self.timing_line() {
            o.push_str(&format!("<p class=\"note\">{}</p>\n", html_escape(&line)));
        }
        if let Some(line) = self.rewinds_line() {
            o.push_str(&format!("<p class=\"note\">{}</p>\n", html_escape(&line)));
        }
        if let Some(r) = &self.reading {
            o.push_str(&format!(
                "<p class=\"reading\"><b>Reading the subject:</b> {} <small>the class's reads against the hidden state; not part of any score</small></p>\n",
                e(&r.describe())
            ));
        }
        if self.versions.len() > 1 {
            o.push_str(&format!(
                "<p class=\"note\">{} versions of this scenario were played; decision points are grouped by beat and choice id.</p>\n",
                self.versions.len()
            ));
        }
        self.trainees_html(&mut o);
        if let Some(t) = &self.total {
            o.push_str(&format!(
                "<h2>Scores <small>finished sessions, n = {}</small></h2>\n<table class=\"scores\">\
                 <tr><th>Dimension</th><th>Mean</th><th>Median</th><th>Min</th><th>Max</th><th>Best</th><th>Mean of best</th></tr>\n",
                t.n
            ));
            for d in self.dimensions.iter().chain(std::iter::once(t)) {
                let share = if d.best > 0 { (d.mean.max(0.0) / f64::from(d.best)).min(1.0) } else { 0.0 };
                o.push_str(&format!(
                    "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>\n",
                    e(&d.name),
                    f1(d.mean),
                    f1(d.median),
                    d.min,
                    d.max,
                    d.best,
                    bar(share * 100.0, "#1565c0")
                ));
            }
            o.push_str("</table>\n");
        }
        if !self.outcomes.is_empty() {
            o.push_str("<h2>Outcomes <small>finished sessions</small></h2>\n<table class=\"bars\">");
            for c in &self.outcomes {
                let colour = match c.grade {
                    Some(Grade::Good) => "#2e7d32",
                    Some(Grade::Acceptable) => "#f9a825",
                    Some(Grade::Bad) | None => "#c62828",
                };
                o.push_str(&format!(
                    "<tr><td>{}</td><td class=\"num\">{}</td><td>{} {}%</td></tr>\n",
                    e(&c.name),
                    c.count,
                    bar(c.percent, colour),
                    f1(c.percent)
                ));
            }
            o.push_str("</table>\n");
        }
        if !self.critical_errors.is_empty() {
            o.push_str("<h2>Most common critical errors</h2>\n<table class=\"bars critical\">");
            for c in &self.critical_errors {
                o.push_str(&format!(
                    "<tr><td>{} <small>at {}</small></td><td class=\"num\">{}×</td><td>{} {}% of attempts</td></tr>\n",
                    e(&c.text),
                    e(&c.beat),
                    c.count,
                    bar(c.percent_of_attempts, "#c62828"),
                    f1(c.percent_of_attempts)
                ));
            }
            o.push_str("</table>\n");
        }
        if !self.decision_points.is_empty() {
            o.push_str(
                "<h2>How the class chose <small>every option offered, best first; ✖ a critical error</small></h2>\n",
            );
            if let Some(note) = &self.scenario_note {
                o.push_str(&format!("<p class=\"note\">{}</p>\n", e(note)));
            }
            o.push_str(&self.meters_svg());
        }
        for p in &self.decision_points {
            o.push_str(&format!(
                "<section class=\"point\"><h3>{} <small>{} decisions</small></h3>\n<table class=\"bars\">",
                e(&p.label),
                p.decisions
            ));
            for c in &p.options {
                let colour = match c.judgement {
                    ChoiceJudgement::CriticalError => "#c62828",
                    ChoiceJudgement::BestAvailable => "#2e7d32",
                    ChoiceJudgement::Helpful => "#66bb6a",
                    ChoiceJudgement::Harmful => "#ef6c00",
                    ChoiceJudgement::Neutral => "#757575",
                };
                o.push_str(&format!(
                    "<tr{}><td>{}{}{}</td><td class=\"num\">{}</td><td>{} {}%</td><td class=\"j\">{}, {}</td></tr>\n",
                    if c.chosen == 0 { " class=\"unchosen\"" } else { "" },
                    if c.critical { "<b class=\"flag\">✖</b> " } else { "" },
                    e(&c.text),
                    c.meters_line().map(|m| format!("<br><small>{}</small>", e(&m))).unwrap_or_default(),
                    c.chosen,
                    bar(c.percent, colour),
                    f1(c.percent),
                    e(c.judgement.label()),
                    e(&c.points_words())
                ));
            }
            o.push_str("</table>\n");
            if let Some(r) = &p.reading {
                o.push_str(&format!(
                    "<p class=\"reading\">Reading the subject (“{}”): {}</p>\n",
                    e(&r.question),
                    e(&r.describe())
                ));
            }
            if !p.reasons.is_empty() {
                o.push_str("<h4>Their reasons</h4><ul class=\"reasons\">");
                for r in &p.reasons {
                    o.push_str(&format!(
                        "<li><b>{}</b> chose “{}”: “{}”</li>",
                        e(&r.trainee),
                        e(&r.text),
                        e(&r.reflection)
                    ));
                }
                o.push_str("</ul>\n");
            }
            o.push_str("</section>\n");
        }
        if self.attempts == 0 {
            o.push_str("<p>No sessions recorded for this scenario yet.</p>\n");
        }
        o.push_str("</body></html>\n");
        o
    }
}

impl ClassReport {
    /// Who played: a table of trainees, those who struggled marked ⚑ (a
    /// shape, not only a colour).
    fn trainees_html(&self, o: &mut String) {
        let Some(line) = self.struggled_line() else { return };
        let e = |s: &str| html_escape(s);
        o.push_str(&format!(
            "<h2>Trainees <small>first attempts; rewinds apart</small></h2>\n<p>{}. <small>⚑ struggled: a critical error, \
             the best attempt not yet at standard, a run abandoned, or none finished.</small></p>\n\
             <table class=\"trainees\"><tr><th></th><th>Trainee</th><th>Attempts</th><th>Finished</th><th>Abandoned</th>\
             <th>Critical errors</th><th>Best</th><th>Last</th><th>Struggled</th></tr>\n",
            e(&line)
        ));
        for t in &self.by_trainee {
            let (best, last) = match (&t.best, &t.last) {
                (Some(b), Some(l)) if b.session == l.session => (b.describe(), "the same".to_string()),
                (b, l) => (
                    b.as_ref().map(|b| b.describe()).unwrap_or_else(|| "–".into()),
                    l.as_ref().map(|l| l.describe()).unwrap_or_else(|| "–".into()),
                ),
            };
            o.push_str(&format!(
                "<tr{}><td class=\"flag\">{}</td><td>{}{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                 <td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                if t.flagged() { " class=\"struggled\"" } else { "" },
                if t.flagged() { "⚑" } else { "" },
                e(&t.trainee),
                if t.rewinds > 0 { format!(" <small>rewound {}</small>", t.rewinds) } else { String::new() },
                t.attempts,
                t.finished,
                t.abandoned,
                t.critical_errors,
                e(&best),
                e(&last),
                e(&t.struggled_line().unwrap_or_default())
            ));
        }
        o.push_str("</table>\n");
    }
}

/// A 160-pixel horizontal bar for a 0–100 share.
fn bar(percent: f64, colour: &str) -> String {
    let w = (percent.clamp(0.0, 100.0) * 1.6).round() as u32;
    format!(
        "<svg width=\"160\" height=\"12\" role=\"img\" aria-label=\"{}%\"><rect width=\"160\" height=\"12\" fill=\"#e0e0e0\"/><rect width=\"{w}\" height=\"12\" fill=\"{colour}\"/></svg>",
        f1(percent)
    )
}

const REPORT_STYLE: &str = "<style>
body{font-family:'Atkinson Hyperlegible',Verdana,sans-serif;max-width:56em;margin:2em auto;padding:0 1em;color:#111;line-height:1.4}
h1{font-size:1.7em}h2{font-size:1.25em;margin-top:1.4em}h3{font-size:1.05em;margin:.8em 0 .3em}small{font-weight:normal;color:#555}
.meta,.note{color:#555}table{border-collapse:collapse}td,th{padding:.2em .6em;text-align:left;vertical-align:middle}
.facts td{border:1px solid #ccc;text-align:center;padding:.4em 1em}.num{text-align:right;white-space:nowrap}
.scores th,.trainees th{border-bottom:1px solid #999}.trainees td{vertical-align:top}tr.struggled td{background:#fdecea}tr.unchosen td{color:#555}.flag{color:#b71c1c;font-weight:bold}.j{color:#333;white-space:nowrap}svg{vertical-align:middle}
svg rect{-webkit-print-color-adjust:exact;print-color-adjust:exact}figure.chart{margin:1em 0}figure.chart figcaption{color:#555;font-size:.9em}
@media print{body{margin:0;max-width:none}section,tr,figure{break-inside:avoid}}
</style>\n";
