//! The branch graph as Graphviz DOT or Mermaid, for documents and reviews.
//!
//! Beats are boxes, endings are coloured by their outcome's grade (and say it
//! in words), choices are labelled edges; state-chosen routes give their
//! condition in words (`if trust ≥ 4`), a choice offered only in some states
//! says when, a critical choice is marked ⚠, weighted routes give their
//! share, timeouts are dotted, and the start is marked in every format.

use crate::scenario::model::{Condition, Next, ScenarioFile};
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

/// A condition as an author would say it: `trust ≥ 4 and asked_about_suicide`.
pub fn condition_words(c: &Condition) -> String {
    let group = |c: &Condition| match c {
        Condition::All(v) | Condition::Any(v) if v.len() > 1 => format!("({})", condition_words(c)),
        _ => condition_words(c),
    };
    match c {
        Condition::Flag(f) => f.clone(),
        Condition::NotFlag(f) => format!("not {f}"),
        Condition::AtLeast(m, v) => format!("{m} ≥ {v}"),
        Condition::AtMost(m, v) => format!("{m} ≤ {v}"),
        Condition::Below(m, v) => format!("{m} < {v}"),
        Condition::Above(m, v) => format!("{m} > {v}"),
        Condition::Equals(m, v) => format!("{m} = {v}"),
        Condition::All(v) => v.iter().map(group).collect::<Vec<_>>().join(" and "),
        Condition::Any(v) => v.iter().map(group).collect::<Vec<_>>().join(" or "),
        Condition::Not(inner) => format!("not {}", group(inner)),
    }
}

/// Every edge: (from beat, to node, label, style).
fn edges(file: &ScenarioFile, text_len: usize) -> Vec<(String, String, String, &'static str)> {
    let mut out = Vec::new();
    for beat in &file.beats {
        let mut add = |label: String, next: &Next, base: &'static str| match next {
            Next::Go(t) => out.push((beat.id.clone(), t.clone(), label, base)),
            Next::Route { rules, otherwise } => {
                for r in rules {
                    let when = condition_words(&r.when);
                    out.push((beat.id.clone(), r.to.clone(), format!("{label} [if {when}]"), base));
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
            let mark = if c.critical { "⚠ critical " } else { "" };
            let only =
                c.when.as_ref().map(|w| format!(" (only if {})", condition_words(w))).unwrap_or_default();
            let text = if text_len == 0 { String::new() } else { format!(": {}", short(&c.text, text_len)) };
            add(format!("{mark}{}{text}{only}", c.id), &c.next, if c.critical { "bold" } else { "solid" });
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
    for b in &f.beats {
        let timer = b.timer.as_ref().map(|t| format!("\\n⏱ {}s", t.seconds)).unwrap_or_default();
        let (start, pen) = if b.id == f.start { ("▶ start: ", ", penwidth=3") } else { ("", "") };
        o.push_str(&format!(
            "  \"{}\" [label=\"{start}{}{}\"{pen}];\n",
            esc_dot(&b.id),
            esc_dot(&b.id),
            timer
        ));
    }
    for (i, e) in f.endings.iter().enumerate() {
        let g = s.endings[i].grade;
        o.push_str(&format!(
            "  \"{}\" [shape=doubleoctagon, style=filled, fillcolor=\"{}\", fontcolor=white, label=\"{}\\n({}, {})\"];\n",
            esc_dot(&e.id),
            grade_colour(g),
            esc_dot(&e.title),
            esc_dot(&e.outcome),
            g.word()
        ));
    }
    for (from, to, label, style) in edges(f, 40) {
        o.push_str(&format!(
            "  \"{}\" -> \"{}\" [label=\"{}\", style={}{}];\n",
            esc_dot(&from),
            esc_dot(&to),
            esc_dot(&label),
            style,
            if style == "bold" { ", color=\"#c62828\"" } else { "" }
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
        let start = if b.id == f.start { "▶ start: " } else { "" };
        o.push_str(&format!("  {}[\"{start}{}\"]\n", ids[b.id.as_str()], esc_mermaid(&b.id)));
    }
    for (i, e) in f.endings.iter().enumerate() {
        o.push_str(&format!(
            "  {}([\"{} ({}, {})\"])\n",
            ids[e.id.as_str()],
            esc_mermaid(&e.title),
            esc_mermaid(&e.outcome),
            s.endings[i].grade.word()
        ));
    }
    for (from, to, label, style) in edges(f, 40) {
        let arrow = match style {
            "solid" => "-->",
            "bold" => "==>",
            _ => "-.->",
        };
        if let (Some(a), Some(b)) = (ids.get(from.as_str()), ids.get(to.as_str())) {
            o.push_str(&format!("  {a} {arrow}|\"{}\"| {b}\n", esc_mermaid(&label)));
        }
    }
    for (i, e) in f.endings.iter().enumerate() {
        let g = s.endings[i].grade;
        o.push_str(&format!("  style {} fill:{},color:#fff\n", ids[e.id.as_str()], grade_colour(g)));
    }
    if let Some(start) = ids.get(f.start.as_str()) {
        o.push_str(&format!("  style {start} stroke-width:4px\n"));
    }
    o
}

/// DOT for the built-in layout (`layout-rs`), which reads fewer attributes
/// than Graphviz: one-line labels, plain boxes, light fills with the grade in
/// words, and choice ids without their text so the drawing stays legible.
fn layout_dot(s: &Scenario) -> String {
    let f = &s.file;
    let mut o = format!("digraph \"{}\" {{\n  rankdir=LR;\n  node [shape=box];\n", esc_dot(&f.id));
    for b in &f.beats {
        // Words, not an emoji: a lab PC may have no emoji font for the SVG.
        let timer = b.timer.as_ref().map(|t| format!(" · timed {}s", t.seconds)).unwrap_or_default();
        let (start, look) =
            if b.id == f.start { ("▶ start: ", ", penwidth=3, fillcolor=\"lightblue\"") } else { ("", "") };
        o.push_str(&format!(
            "  \"{}\" [label=\"{start}{}{timer}\"{look}];\n",
            esc_dot(&b.id),
            esc_dot(&b.id)
        ));
    }
    for (i, e) in f.endings.iter().enumerate() {
        let g = s.endings[i].grade;
        let fill = match g {
            Grade::Good => "palegreen",
            Grade::Acceptable => "khaki",
            Grade::Bad => "lightpink",
        };
        o.push_str(&format!(
            "  \"{}\" [label=\"■ {} ({}, {})\", fillcolor=\"{fill}\"];\n",
            esc_dot(&e.id),
            esc_dot(&e.title),
            esc_dot(&e.outcome),
            g.word()
        ));
    }
    for (from, to, label, style) in edges(f, 0) {
        let look = match style {
            "bold" => ", color=\"red\", penwidth=2",
            "dashed" | "dotted" => ", style=\"dashed\"",
            _ => "",
        };
        o.push_str(&format!(
            "  \"{}\" -> \"{}\" [label=\"{}\"{look}];\n",
            esc_dot(&from),
            esc_dot(&to),
            esc_dot(&label)
        ));
    }
    o.push_str("}\n");
    o
}

/// The branch graph drawn as SVG with no Graphviz and no network
/// (`talkdown graph --format svg`). A failure of the layout library is an
/// error to report, not a crash.
pub fn svg(s: &Scenario) -> Result<String, String> {
    let text = layout_dot(s);
    let drawn = std::panic::catch_unwind(|| {
        let mut parser = layout::gv::DotParser::new(&text);
        let graph = parser.process()?;
        let mut builder = layout::gv::GraphBuilder::new();
        builder.visit_graph(&graph);
        let mut visual = builder.get();
        let mut writer = layout::backends::svg::SVGWriter::new();
        visual.do_it(false, false, false, &mut writer);
        Ok::<String, String>(writer.finalize())
    });
    match drawn {
        Ok(Ok(svg)) => Ok(svg),
        Ok(Err(e)) => Err(format!("the graph could not be laid out ({e}); use --format dot or mermaid")),
        Err(_) => Err("the graph could not be laid out; use --format dot or mermaid".into()),
    }
}

/// A self-contained HTML page with the SVG graph and a legend, to open in
/// any browser on a lab PC (`talkdown graph --format html`).
pub fn html(s: &Scenario) -> Result<String, String> {
    let graph = svg(s)?;
    // The SVG's own XML header is not wanted inside HTML.
    let graph = graph.find("<svg").map(|i| &graph[i..]).unwrap_or(&graph);
    let e = crate::debrief::html_escape;
    Ok(format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>Branches: {title}</title>\n\
         <style>body{{font-family:sans-serif;margin:1.5em;color:#111}} .graph{{overflow:auto;border:1px solid #ccc}} \
         li{{margin:.2em 0}}</style>\n</head><body>\n<h1>Branches: {title} <small>({id})</small></h1>\n\
         <ul>\n<li>▶ marks the start. Boxes are beats (<i>timed 20s</i>: a moment with a countdown); ■ boxes are endings, with their outcome \
         and grade in words (Good, Acceptable, Bad).</li>\n<li>Each arrow is a choice, labelled with its id; \
         <b>⚠ critical</b> choices are drawn in red, and a choice offered only in some states says \
         <i>(only if …)</i>.</li>\n<li>A route chosen by the state says <i>[if …]</i> or <i>[otherwise]</i>; \
         chance routes give their share <i>[NN%]</i> and are dashed, as are time-outs.</li>\n</ul>\n\
         <div class=\"graph\">{graph}</div>\n</body></html>\n",
        title = e(s.title()),
        id = e(s.id()),
    ))
}
