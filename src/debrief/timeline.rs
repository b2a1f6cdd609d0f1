//! The state timeline: each meter over the run, a marker at every decision
//! (its shape says a critical error or a chance roll), the good end of each
//! meter marked. The HTML debrief draws it as inline SVG ([`svg`]); the app
//! draws the same data with egui's painter.

use serde::Serialize;

use super::{Debrief, DecisionReview};
use crate::engine::Playthrough;
use crate::html::{Marker, MeterPanel, escape};
use crate::scenario::model::Direction;

/// One meter over the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeterTrack {
    /// The meter's id.
    pub id: String,
    /// Its name as the scenario gives it.
    pub name: String,
    /// The meter's lowest value.
    pub min: i32,
    /// The meter's highest value.
    pub max: i32,
    /// True when the high end is the good one for the person.
    pub higher_is_better: bool,
    /// The value at the start, then after each decision.
    pub values: Vec<i32>,
}

impl MeterTrack {
    /// The good end of the range.
    pub fn good_end(&self) -> i32 {
        if self.higher_is_better { self.max } else { self.min }
    }
}

/// The meters of a run, from its start (its first decision's state before).
pub fn tracks(play: &Playthrough) -> Vec<MeterTrack> {
    let s = play.scenario();
    let start = play.decisions().first().map(|d| &d.state_before).unwrap_or(play.state());
    s.file
        .meters
        .iter()
        .enumerate()
        .map(|(i, m)| MeterTrack {
            id: m.id.clone(),
            name: m.name.clone(),
            min: m.min,
            max: m.max,
            higher_is_better: m.higher_is == Direction::Better,
            values: std::iter::once(start.meters.get(i).copied().unwrap_or(m.min))
                .chain(play.decisions().iter().map(|d| d.state_after.meters.get(i).copied().unwrap_or(m.min)))
                .collect(),
        })
        .collect()
}

/// How a decision is marked: a critical error first, then a chance roll.
pub fn marker(d: &DecisionReview) -> Marker {
    if d.critical {
        Marker::Critical
    } else if d.chance.is_some() {
        Marker::Chance
    } else if d.best_available {
        Marker::Best
    } else {
        Marker::Other
    }
}

/// What selecting a marker tells: the choice, what happened, the clinician's
/// commentary and the better alternative.
pub fn marker_text(d: &DecisionReview) -> String {
    let mut parts = vec![format!("Decision {}: {} ({:+})", d.step, d.text, d.total)];
    if d.critical {
        parts.push("A critical error.".into());
    }
    if d.chance.is_some() {
        parts.push("A chance roll decided what happened next.".into());
    }
    let reaction: Vec<String> = d
        .reaction
        .iter()
        .map(|l| match &l.speaker {
            Some(n) => format!("{n}: “{}”", l.text),
            None => l.text.clone(),
        })
        .collect();
    if !reaction.is_empty() {
        parts.push(format!("What happened: {}", reaction.join(" ")));
    }
    if !d.commentary.is_empty() {
        parts.push(format!("Clinician: {}", d.commentary));
    }
    match &d.better {
        Some(b) => parts.push(format!("Better here: {} ({:+}). {}", b.text, b.score, b.commentary)),
        None if d.best_available => parts.push("The best available here.".into()),
        None => {}
    }
    if let Some(l) = &d.luck {
        parts.push(l.clone());
    }
    parts.join("\n")
}

const W: f64 = 640.0;
const PANEL: f64 = 110.0;
const LEFT: f64 = 120.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 14.0;
const GAP: f64 = 26.0;

/// The timeline as inline SVG (one panel per meter, sharing the decisions'
/// x axis), with a legend; empty when the run has no meters.
pub fn svg(d: &Debrief) -> String {
    if d.meters.is_empty() {
        return String::new();
    }
    let n = d.decisions.len().max(1) as f64;
    let x = |i: usize| LEFT + (W - LEFT - RIGHT) * i as f64 / n;
    let height = TOP + d.meters.len() as f64 * (PANEL + GAP) + 40.0;
    let mut o = format!(
        "<figure class=\"chart\"><svg class=\"timeline\" viewBox=\"0 0 {W} {height:.0}\" width=\"100%\" role=\"img\" \
         aria-labelledby=\"timeline-title\" font-family=\"Verdana,sans-serif\" font-size=\"11\">\
         <title id=\"timeline-title\">How the person was doing over the run: each meter after each decision</title>\n"
    );
    for (k, m) in d.meters.iter().enumerate() {
        let top = TOP + k as f64 * (PANEL + GAP);
        let panel = MeterPanel {
            name: &m.name,
            min: m.min,
            max: m.max,
            higher_is_better: m.higher_is_better,
            left: LEFT,
            top,
            width: W - LEFT - RIGHT,
            height: PANEL,
        };
        let y = |v: i32| panel.y(f64::from(v));
        o.push_str("<g class=\"meter\">");
        o.push_str(&panel.frame());
        let points: Vec<String> =
            m.values.iter().enumerate().map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v))).collect();
        o.push_str(&format!(
            "<polyline points=\"{}\" fill=\"none\" stroke=\"#1565c0\" stroke-width=\"2\"/>\n",
            points.join(" ")
        ));
        o.push_str(&format!(
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"#1565c0\"><title>{}: {} at the start</title></circle>\n",
            x(0),
            y(m.values[0]),
            escape(&m.name),
            m.values[0]
        ));
        for (i, dec) in d.decisions.iter().enumerate() {
            let v = m.values.get(i + 1).copied().unwrap_or(m.values[0]);
            let mk = marker(dec);
            o.push_str(&format!(
                "<g class=\"marker {}\" data-step=\"{}\" tabindex=\"0\"><title>{}\n{}: {v}</title>{}</g>\n",
                match mk {
                    Marker::Best => "best",
                    Marker::Other => "other",
                    Marker::Critical => "critical",
                    Marker::Chance => "chance",
                },
                dec.step,
                escape(&marker_text(dec)),
                escape(&m.name),
                mk.svg(x(i + 1), y(v), 5.5, "#1565c0")
            ));
        }
        o.push_str("</g>\n");
    }
    // The decisions' numbers along the bottom, and the legend.
    let base = TOP + d.meters.len() as f64 * (PANEL + GAP) - GAP + 14.0;
    o.push_str(&format!("<text x=\"{:.1}\" y=\"{base:.1}\" text-anchor=\"middle\">start</text>", x(0)));
    for dec in &d.decisions {
        o.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{base:.1}\" text-anchor=\"middle\">{}</text>",
            x(dec.step),
            dec.step
        ));
    }
    let mut lx = LEFT;
    let ly = base + 22.0;
    for mk in Marker::ALL {
        o.push_str(&format!(
            "{}<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            mk.svg(lx, ly - 4.0, 5.0, "#1565c0"),
            lx + 10.0,
            ly,
            mk.label()
        ));
        lx += 30.0 + mk.label().len() as f64 * 6.2;
    }
    o.push_str("\n</svg><figcaption>The person's state after each decision (numbered along the bottom); \
        the green edge is each meter's good end. Point at a marker for the choice, what happened, the \
        clinician's commentary and the better alternative; the same is listed under Decisions below.</figcaption></figure>\n");
    o
}
