//! The branch graph as Graphviz DOT or Mermaid, for documents and reviews.
//!
//! Beats are boxes, endings are coloured by their outcome's grade, choices are
//! labelled edges; state-chosen routes say "if", weighted ones give their
//! share, and timeouts are dotted.

use crate::scenario::model::{Next, ScenarioFile};
use crate::scenario::{Scenario, rubric::Grade};

fn short(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().count() > n {
        out.push('…');
    }
    out
}

fn esc_dot(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn esc_mermaid(s: &str) -> String {
    s.replace('"', "#quot;").replace('|', "#124;")
}

/// Every edge: (from beat, to node, label, style).
fn edges(file: &ScenarioFile) -> Vec<(String, String, String, &'static str)> {
    let mut out = Vec::new();
    for beat in &file.beats {
        let mut add = |label: String, next: &Next, base: &'static str| match next {
            Next::Go(t) => out.push((beat.id.clone(), t.clone(), label, base)),
            Next::Route { rules, otherwise } => {
                for (i, r) in rules.iter().enumerate() {
                    out.push((beat.id.clone(), r.to.clone(), format!("{label} [if rule {}]", i + 1), base));
                }
                out.push((beat.id.clone(), otherwise.clone(), format!("{label} [otherwise]"), base));
            }
            Next::Chance(outs) => {
                let total: u64 = outs.iter().map(|o| o.weight as u64).sum::<u64>().max(1);
                for o in outs {
                    let pct = o.weight as u64 * 100 / total;
                    out.push((beat.id.clone(), o.to.clone(), format!("{label} [{pct}%]"), "dashed"));
                }
            }
        };
        for c in &beat.choices {
            add(format!("{}: {}", c.id, short(&c.text, 40)), &c.next, "solid");
        }
        if let Some(t) = &beat.timer {
            add(format!("timeout {}s", t.seconds), &t.next, "dotted");
        }
    }
    out
}

fn grade_colour(g: Grade) -> &'static str {
    match g {
        Grade::Good => "#2e7d32",
        Grade::Acceptable => "#f9a825",
        Grade::Bad => "#c62828",
    }
}

/// Graphviz DOT: `talkdown graph FILE --format dot | dot -Tsvg > graph.svg`.
pub fn dot(s: &Scenario) -> String {
    let f = &s.file;
    let mut o = format!(
        "digraph \"{}\" {{\n  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n",
        esc_dot(&f.id)
    );
    o.push_str(&format!("  \"{}\" [penwidth=3];\n", esc_dot(&f.start)));
    for b in &f.beats {
        let timer = b.timer.as_ref().map(|t| format!("\\n⏱ {}s", t.seconds)).unwrap_or_default();
        o.push_str(&format!("  \"{}\" [label=\"{}{}\"];\n", esc_dot(&b.id), esc_dot(&b.id), timer));
    }
    for (i, e) in f.endings.iter().enumerate() {
        let g = s.endings[i].grade;
        o.push_str(&format!(
            "  \"{}\" [shape=doubleoctagon, style=filled, fillcolor=\"{}\", fontcolor=white, label=\"{}\\n({})\"];\n",
            esc_dot(&e.id),
            grade_colour(g),
            esc_dot(&e.title),
            esc_dot(&e.outcome)
        ));
    }
    for (from, to, label, style) in edges(f) {
        o.push_str(&format!(
            "  \"{}\" -> \"{}\" [label=\"{}\", style={}];\n",
            esc_dot(&from),
            esc_dot(&to),
            esc_dot(&label),
            style
        ));
    }
    o.push_str("}\n");
    o
}

/// Mermaid flowchart, for Markdown documents that render it.
pub fn mermaid(s: &Scenario) -> String {
    let f = &s.file;
    // Mermaid ids must be simple: number the nodes.
    let ids: std::collections::HashMap<&str, String> = f
        .beats
        .iter()
        .map(|b| b.id.as_str())
        .chain(f.endings.iter().map(|e| e.id.as_str()))
        .enumerate()
        .map(|(i, id)| (id, format!("n{i}")))
        .collect();
    let mut o = String::from("flowchart LR\n");
    for b in &f.beats {
        o.push_str(&format!("  {}[\"{}\"]\n", ids[b.id.as_str()], esc_mermaid(&b.id)));
    }
    for e in &f.endings {
        o.push_str(&format!(
            "  {}([\"{} ({})\"])\n",
            ids[e.id.as_str()],
            esc_mermaid(&e.title),
            esc_mermaid(&e.outcome)
        ));
    }
    for (from, to, label, style) in edges(f) {
        let arrow = if style == "solid" { "-->" } else { "-.->" };
        if let (Some(a), Some(b)) = (ids.get(from.as_str()), ids.get(to.as_str())) {
            o.push_str(&format!("  {a} {arrow}|\"{}\"| {b}\n", esc_mermaid(&label)));
        }
    }
    for (i, e) in f.endings.iter().enumerate() {
        let g = s.endings[i].grade;
        o.push_str(&format!("  style {} fill:{},color:#fff\n", ids[e.id.as_str()], grade_colour(g)));
    }
    o
}
