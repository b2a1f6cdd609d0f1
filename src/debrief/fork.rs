//! A rewound run's two routes from the fork: the original's decisions from
//! the step chosen again, and this run's, side by side (choices, meters,
//! points, outcome), for the debrief's text and HTML.

use serde::Serialize;

use super::html_escape;
use crate::engine::Playthrough;

/// One decision on a route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteStep {
    /// 1-based.
    pub step: usize,
    /// What the trainee said.
    pub text: String,
    /// The decision's points over all dimensions.
    pub points: i32,
    /// The choice is marked critical.
    pub critical: bool,
    /// A weighted random route decided what happened next.
    pub chance: bool,
    /// `(meter name, value)` after the decision, in scenario order.
    pub meters: Vec<(String, i32)>,
}

/// One route from the fork to where it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Route {
    /// The decisions from the fork on, in order.
    pub steps: Vec<RouteStep>,
    /// Points of the whole run (the shared decisions before the fork included).
    pub points: i32,
    /// "Title (outcome)", or `None` when the run did not reach an ending.
    pub outcome: Option<String>,
}

impl Route {
    /// The decisions of `play` from `step` (1-based) on.
    pub fn from_play(play: &Playthrough, step: usize) -> Route {
        let s = play.scenario();
        let steps = play
            .decisions()
            .iter()
            .enumerate()
            .skip(step.saturating_sub(1))
            .map(|(i, d)| RouteStep {
                step: i + 1,
                text: d.text.clone(),
                points: d.scores.iter().fold(0i32, |a, v| a.saturating_add(*v)),
                critical: d.critical,
                chance: d.chance.is_some(),
                meters: s
                    .file
                    .meters
                    .iter()
                    .zip(&d.state_after.meters)
                    .map(|(m, v)| (m.name.clone(), *v))
                    .collect(),
            })
            .collect();
        let outcome = play.ending().map(|e| {
            let end = s.ending(e);
            format!("{} ({})", end.title, s.outcome_of(e).name)
        });
        Route { steps, points: play.totals().iter().fold(0i32, |a, v| a.saturating_add(*v)), outcome }
    }
}

/// A rewound run beside the run it was rewound from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForkComparison {
    /// The decision (1-based) chosen again.
    pub step: usize,
    /// The original session's number in the records, when known.
    pub session: Option<i64>,
    /// The recorded run's route from the fork.
    pub original: Route,
    /// The rewound run's route from the fork.
    pub this_run: Route,
}

fn meters_line(m: &[(String, i32)]) -> String {
    m.iter().map(|(n, v)| format!("{n} {v}")).collect::<Vec<_>>().join(", ")
}

fn step_line(s: &RouteStep) -> String {
    let mark = match (s.critical, s.chance) {
        (true, _) => "✖ ",
        (false, true) => "⚄ ",
        _ => "",
    };
    let roll = if s.chance { " (a chance roll)" } else { "" };
    format!("{mark}{} ({:+}){roll} · {}", s.text, s.points, meters_line(&s.meters))
}

impl ForkComparison {
    /// Compare `original` and `this_run`, which share their decisions before
    /// `step` (1-based); `session` is the original's record number, if any.
    pub fn new(original: &Playthrough, this_run: &Playthrough, step: usize, session: Option<i64>) -> Self {
        ForkComparison {
            step,
            session,
            original: Route::from_play(original, step),
            this_run: Route::from_play(this_run, step),
        }
    }

    fn origin(&self) -> String {
        match self.session {
            Some(id) => format!("session {id}"),
            None => "the original run".into(),
        }
    }

    /// The two routes, decision by decision, for the terminal.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut o = String::new();
        let _ = writeln!(
            o,
            "\nTWO ROUTES FROM DECISION {} (rewound from {}; the decisions before it were the same)",
            self.step,
            self.origin()
        );
        let n = self.original.steps.len().max(self.this_run.steps.len());
        for i in 0..n {
            let _ = writeln!(o, "  Decision {}", self.step + i);
            for (who, route) in [("this run", &self.this_run), ("original", &self.original)] {
                let line = route.steps.get(i).map(step_line).unwrap_or_else(|| "(ended before this)".into());
                let _ = writeln!(o, "    {who:<9} {line}");
            }
        }
        let end = |r: &Route| {
            format!("{}, {} points", r.outcome.clone().unwrap_or_else(|| "no ending".into()), r.points)
        };
        let _ = writeln!(o, "  Outcome");
        let _ = writeln!(o, "    {:<9} {}", "this run", end(&self.this_run));
        let _ = writeln!(o, "    {:<9} {}", "original", end(&self.original));
        o
    }

    /// The two routes as a two-column table.
    pub fn to_html(&self) -> String {
        let e = html_escape;
        let mut o = format!(
            "<section class=\"fork\"><h2>Two routes from decision {} <small>rewound from {}; the decisions before it were the same</small></h2>\n\
             <table class=\"routes\"><thead><tr><th>Decision</th><th>This run</th><th>The original</th></tr></thead><tbody>",
            self.step,
            e(&self.origin())
        );
        let cell = |s: Option<&RouteStep>| match s {
            None => "<td class=\"none\">(ended before this)</td>".to_string(),
            Some(s) => format!(
                "<td class=\"{}\">{}{} <span class=\"delta\">{:+}</span>{}<br><small>{}</small></td>",
                if s.critical { "critical" } else { "" },
                if s.critical { "<b>✖ critical error:</b> " } else { "" },
                e(&s.text),
                s.points,
                if s.chance { " <i>(a chance roll)</i>" } else { "" },
                e(&meters_line(&s.meters))
            ),
        };
        let n = self.original.steps.len().max(self.this_run.steps.len());
        for i in 0..n {
            o.push_str(&format!(
                "<tr><th>{}</th>{}{}</tr>",
                self.step + i,
                cell(self.this_run.steps.get(i)),
                cell(self.original.steps.get(i))
            ));
        }
        let end = |r: &Route| {
            format!(
                "<td><b>{}</b><br>{} points</td>",
                e(r.outcome.as_deref().unwrap_or("no ending")),
                r.points
            )
        };
        o.push_str(&format!(
            "<tr class=\"end\"><th>Outcome</th>{}{}</tr></tbody></table></section>\n",
            end(&self.this_run),
            end(&self.original)
        ));
        o
    }
}
