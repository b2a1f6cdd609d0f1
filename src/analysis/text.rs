//! The analysis as text, for authors at the terminal.

use super::{Analysis, ScoreRoute};
use crate::scenario::Scenario;

/// Every choice (and timer) marked critical: beat id, choice id, and the
/// start of its text, in the order of the file.
fn critical_choices(scenario: &Scenario) -> Vec<(String, String, String)> {
    use crate::scenario::Act;
    let mut out = Vec::new();
    for (b, beat) in scenario.beats.iter().enumerate() {
        let acts = beat
            .choices
            .iter()
            .enumerate()
            .map(|(c, def)| (Act::Choice(c as _), def))
            .chain(beat.timer.iter().map(|(_, def)| (Act::Timeout, def)));
        for (act, def) in acts {
            if def.critical {
                let b = b as u32;
                let text = scenario.act_text(b, act);
                let short: String = text.chars().take(60).collect();
                let short = if short.len() < text.len() { format!("{}…", short.trim_end()) } else { short };
                out.push((scenario.beat(b).id.clone(), scenario.act_id(b, act).to_string(), short));
            }
        }
    }
    out
}

/// The analysis as text for authors.
pub fn render_text(a: &Analysis, scenario: &Scenario) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    let _ = writeln!(o, "{} ({})", a.title, a.scenario);
    let _ = writeln!(
        o,
        "  {} beats, {} choices, {} endings; {} states explored from {} start state(s)",
        a.counts.beats, a.counts.choices, a.counts.endings, a.counts.states, a.counts.start_states
    );
    let paths = if a.paths.saturated {
        "more than 18446744073709551615".to_string()
    } else {
        a.paths.count.to_string()
    };
    let _ = writeln!(o, "  {paths} distinct decision paths");
    // The figures above are the analyzer's; say in plain words what they mean.
    let _ = writeln!(
        o,
        "  In plain words: every route through the scenario was followed. A \"state\" is one moment \
         of play: a beat together with the meter values and flags at that point; the same beat \
         reached with more trust is a different state. \"Start states\" are the different meter \
         values a run can begin with (a range such as `start: (6, 7)` gives more than one).\n"
    );
    let _ = writeln!(
        o,
        "Endings (grade as the rubric names it: Good, Acceptable, or Bad, always reviewed step by step):"
    );
    for e in &a.endings {
        let reach = match (e.shortest, e.longest) {
            (Some(s), Some(l)) => format!("reachable in {s}–{l} decisions"),
            (Some(s), None) => format!("reachable in {s}+ decisions"),
            _ => "NOT REACHABLE".to_string(),
        };
        let _ = writeln!(o, "  {:<28} {:<22} {:<10} {}", e.id, e.outcome, e.grade.word(), reach);
    }
    let critical = critical_choices(scenario);
    if critical.is_empty() {
        let _ = writeln!(
            o,
            "\nCritical choices: none marked. Mark with `critical: true` a choice a field-training \
             officer would stop the scenario for (it decides the verdict)."
        );
    } else {
        let _ = writeln!(
            o,
            "\nCritical choices ({}; any one of them means \"not yet at standard\", whatever the points):",
            critical.len()
        );
        for (beat, choice, text) in &critical {
            let _ = writeln!(o, "  {beat:<24} {choice:<24} {text}");
        }
    }
    let route = |o: &mut String, label: &str, r: &ScoreRoute| match r.score {
        Some(s) => {
            let _ = writeln!(o, "  {label}: {s:+}, ending `{}`", r.ending.as_deref().unwrap_or("?"));
        }
        None => {
            let _ = writeln!(o, "  {label}: no ending reachable");
        }
    };
    let dim_name =
        |id: &str| scenario.rubric.dimension(id).map(|x| x.name.clone()).unwrap_or_else(|| id.to_string());
    for (name, ex) in [("Best achievable", &a.best), ("Worst practice", &a.worst)] {
        let _ = writeln!(o, "\n{name}:");
        route(&mut o, "total", &ex.total);
        if !std::ptr::eq(ex, &a.best) {
            let _ = writeln!(
                o,
                "  (the route with the most critical errors ({}), then the fewest points)",
                ex.total.critical_errors
            );
        }
        for (i, s) in ex.total.steps.iter().enumerate() {
            let luck = s.luck.as_ref().map(|l| format!("   (if luck leads to `{l}`)")).unwrap_or_default();
            let _ = writeln!(o, "    {:>2}. {:<24} {}{luck}", i + 1, s.beat, s.choice);
        }
        if !ex.total.by_dimension.is_empty() {
            let _ = writeln!(o, "  Along this route, by dimension (these add up to its total):");
            for d in &ex.total.by_dimension {
                let _ = writeln!(o, "    {:<30} {:+}", dim_name(&d.dimension), d.points);
            }
        }
        let which = if std::ptr::eq(ex, &a.best) { "maxima" } else { "minima" };
        let _ = writeln!(o, "  Per-dimension {which}, each on its own route:");
        for d in &ex.dimensions {
            let _ = writeln!(
                o,
                "    {:<30} {}",
                dim_name(&d.dimension),
                d.route.score.map(|s| format!("{s:+}")).unwrap_or_else(|| "–".into())
            );
        }
        let _ = writeln!(o, "  Note: {}", ex.dimensions_note);
    }
    if let Some(shares) = &a.naive_strategies {
        let _ = writeln!(o, "\nNaive strategies (share of the best total, luck in their favour):");
        for x in shares {
            let pct = x.percent.map(|p| format!("{p} %")).unwrap_or_else(|| "–".into());
            let total = x.with_luck.map(|t| format!("{t:+}")).unwrap_or_else(|| "no ending".into());
            let flag = if x.guessable() { "   more than half: W208" } else { "" };
            let _ = writeln!(o, "  {:<40} {total:>6} {pct:>6}{flag}", x.strategy.describe());
        }
    }
    if !a.unreachable_beats.is_empty() {
        let _ = writeln!(
            o,
            "\nBeats no run can reach ({}), because the conditions leading there never hold:",
            a.unreachable_beats.len()
        );
        let shown: Vec<&str> = a.unreachable_beats.iter().take(20).map(String::as_str).collect();
        let _ = writeln!(o, "  {}", shown.join(", "));
    }
    if a.dead_end_count > 0 {
        let _ = writeln!(o, "\nDead ends ({}): nothing is offered in these states", a.dead_end_count);
        for d in &a.dead_ends {
            let _ = writeln!(o, "  beat `{}` with {}", d.beat, d.state);
        }
    }
    o
}
