//! The class's meters as inline SVG for the HTML class report: one panel per
//! meter, the class's mean after each decision point (in the order of "How
//! the class chose") beside the best route's value where the best route
//! passes that point. Shapes and line styles, not only colour, tell the two
//! apart, so the chart reads in black and white.

use super::ClassReport;
use crate::html::{MeterPanel, escape};

const W: f64 = 640.0;
const PANEL: f64 = 100.0;
const LEFT: f64 = 120.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 14.0;
const GAP: f64 = 26.0;
const CLASS: &str = "#1565c0";
const BEST: &str = "#333";

impl ClassReport {
    /// The chart, or nothing when the report has no meters (no scenario at
    /// hand, or a scenario without meters) or no decision point.
    pub fn meters_svg(&self) -> String {
        let points = &self.decision_points;
        if self.meters.is_empty() || points.is_empty() {
            return String::new();
        }
        let n = points.len() as f64;
        let x = |i: usize| LEFT + (W - LEFT - RIGHT) * (i as f64 + 0.5) / n;
        let height = TOP + self.meters.len() as f64 * (PANEL + GAP) + 40.0;
        let mut o = format!(
            "<figure class=\"chart\"><svg class=\"class-meters\" viewBox=\"0 0 {W} {height:.0}\" width=\"100%\" role=\"img\" \
             aria-labelledby=\"class-meters-title\" font-family=\"Verdana,sans-serif\" font-size=\"11\">\
             <title id=\"class-meters-title\">The class's mean meters after each decision point, beside the best route's</title>\n"
        );
        for (k, m) in self.meters.iter().enumerate() {
            let panel = MeterPanel {
                name: &m.name,
                min: m.min,
                max: m.max,
                higher_is_better: m.higher_is_better,
                left: LEFT,
                top: TOP + k as f64 * (PANEL + GAP),
                width: W - LEFT - RIGHT,
                height: PANEL,
            };
            o.push_str("<g class=\"meter\">");
            o.push_str(&panel.frame());
            // (point, value) for the class's mean and for the best route.
            let class: Vec<(usize, f64)> = points
                .iter()
                .enumerate()
                .filter_map(|(i, p)| p.meters_after.iter().find(|v| v.meter == m.id).map(|v| (i, v.mean)))
                .collect();
            let best: Vec<(usize, f64)> = points
                .iter()
                .enumerate()
                .filter_map(|(i, p)| {
                    let step = self.best_route.iter().find(|s| s.beat == p.beat)?;
                    step.meters.iter().find(|v| v.meter == m.id).map(|v| (i, v.mean))
                })
                .collect();
            let line = |vals: &[(usize, f64)]| {
                vals.iter()
                    .map(|(i, v)| format!("{:.1},{:.1}", x(*i), panel.y(*v)))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            o.push_str(&format!(
                "<polyline class=\"best-route\" points=\"{}\" fill=\"none\" stroke=\"{BEST}\" stroke-width=\"1.5\" stroke-dasharray=\"5 4\"/>\n",
                line(&best)
            ));
            for (i, v) in &best {
                o.push_str(&format!(
                    "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"8\" height=\"8\" fill=\"#fff\" stroke=\"{BEST}\" stroke-width=\"2\">\
                     <title>{}\nThe best route: {} {v:.0}</title></rect>\n",
                    x(*i) - 4.0,
                    panel.y(*v) - 4.0,
                    escape(&points[*i].label),
                    escape(&m.name)
                ));
            }
            o.push_str(&format!(
                "<polyline class=\"class-mean\" points=\"{}\" fill=\"none\" stroke=\"{CLASS}\" stroke-width=\"2\"/>\n",
                line(&class)
            ));
            for (i, v) in &class {
                o.push_str(&format!(
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4.5\" fill=\"{CLASS}\" stroke=\"#000\">\
                     <title>{}\nThe class: {} {v:.1} on average ({} decisions)</title></circle>\n",
                    x(*i),
                    panel.y(*v),
                    escape(&points[*i].label),
                    escape(&m.name),
                    points[*i].decisions
                ));
            }
            o.push_str("</g>\n");
        }
        let base = TOP + self.meters.len() as f64 * (PANEL + GAP) - GAP + 14.0;
        for i in 0..points.len() {
            o.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{base:.1}\" text-anchor=\"middle\">{}</text>",
                x(i),
                i + 1
            ));
        }
        let ly = base + 22.0;
        o.push_str(&format!(
            "<circle cx=\"{LEFT}\" cy=\"{:.1}\" r=\"4.5\" fill=\"{CLASS}\" stroke=\"#000\"/>\
             <text x=\"{:.1}\" y=\"{ly:.1}\">the class, on average</text>\
             <line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{BEST}\" stroke-width=\"1.5\" stroke-dasharray=\"5 4\"/>\
             <rect x=\"{:.1}\" y=\"{:.1}\" width=\"8\" height=\"8\" fill=\"#fff\" stroke=\"{BEST}\" stroke-width=\"2\"/>\
             <text x=\"{:.1}\" y=\"{ly:.1}\">the best route</text>",
            ly - 4.0,
            LEFT + 10.0,
            LEFT + 170.0,
            ly - 4.0,
            LEFT + 200.0,
            ly - 4.0,
            LEFT + 181.0,
            ly - 8.0,
            LEFT + 208.0,
        ));
        o.push_str(
            "\n</svg><figcaption>The person's state after each decision point, numbered in the order of \
             \"How the class chose\" below: the class's mean (filled circles) beside the best route's (squares, \
             dashed; the best route does not pass every point). The green edge is each meter's good end. Point at \
             a marker for the moment and the figure.</figcaption></figure>\n",
        );
        o
    }
}
