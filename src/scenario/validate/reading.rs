//! Checks of read-the-subject questions over the real state space: an answer
//! that is never right at its beat (W270), two answers right at once (W271),
//! and a moment where no answer is right (W272). Each is judged in the state
//! the trainee reads (the state on arriving at the beat), as the engine does.

use super::states::StateGraph;
use crate::diagnostics::Diagnostic;
use crate::scenario::Scenario;
use crate::scenario::spans::{Path, Spans};

fn read_path(beat: usize) -> Path {
    Path::root().field("beats").index(beat).field("read")
}

/// " when <state>" or nothing for a state with nothing to describe.
fn when(desc: String) -> String {
    if desc.is_empty() { String::new() } else { format!(" when {desc}") }
}

pub(super) fn read_checks(s: &Scenario, ex: &StateGraph, spans: &Spans, diags: &mut Vec<Diagnostic>) {
    let n = s.beats.len();
    if s.beats.iter().all(|b| b.read.is_empty()) {
        return;
    }
    // Per beat: per option, one state where it is right; one state where two
    // (which) are right at once; one state where none is.
    let mut right: Vec<Vec<Option<u32>>> = s.beats.iter().map(|b| vec![None; b.read.len()]).collect();
    let mut both: Vec<Option<(u32, usize, usize)>> = vec![None; n];
    let mut none: Vec<Option<u32>> = vec![None; n];
    let mut reached = vec![false; n];
    for id in ex.bfs_order() {
        let beat = ex.beats[id as usize] as usize;
        let options = &s.beats[beat].read;
        if options.is_empty() {
            continue;
        }
        reached[beat] = true;
        let state = &ex.states[id as usize];
        let held: Vec<usize> = (0..options.len()).filter(|&i| state.holds(&options[i])).collect();
        for &i in &held {
            right[beat][i].get_or_insert(id);
        }
        if held.len() >= 2 && both[beat].is_none() {
            both[beat] = Some((id, held[0], held[1]));
        }
        if held.is_empty() {
            none[beat].get_or_insert(id);
        }
    }
    for (bi, b) in s.file.beats.iter().enumerate() {
        let Some(read) = &b.read else { continue };
        if !reached[bi] {
            continue;
        }
        let p = read_path(bi);
        let answer = |i: usize| read.options[i].answer.as_str();
        for (i, r) in right[bi].iter().enumerate() {
            if r.is_some() {
                continue;
            }
            let op = p.field("options").index(i);
            diags.push(
                Diagnostic::warning(
                    "W270",
                    format!("the answer `{}` to the read question at beat `{}` can never be right", answer(i), b.id),
                )
                .at(spans.find_or_parent(&op.field("answer")), "never right")
                .also(
                    spans.find(&op.field("when")).or_else(|| spans.find(&op.field("range"))),
                    "this never holds when a run is at this beat",
                )
                .help(
                    "no run reaches this moment in a state where it holds, so a trainee who picks it is always \
                     wrong: fix the condition or range (`talkdown analyze` shows the states), or remove the answer",
                ),
            );
        }
        if let Some((id, i, j)) = both[bi] {
            let desc = ex.states[id as usize].describe(s);
            diags.push(
                Diagnostic::warning(
                    "W271",
                    format!(
                        "the answers `{}` and `{}` to the read question at beat `{}` are both right{}",
                        answer(i),
                        answer(j),
                        b.id,
                        when(desc)
                    ),
                )
                .at(
                    spans.find_or_parent(&p.field("options").index(j).field("answer")),
                    "overlaps another answer",
                )
                .also(spans.find(&p.field("options").index(i).field("answer")), "this one")
                .help(
                    "each moment should have one right reading: make the conditions (or ranges) not overlap, \
                     e.g. `range: (0, 3)` and `range: (4, 6)`, not `(0, 4)` and `(4, 6)`",
                ),
            );
        }
        if let Some(id) = none[bi] {
            let desc = ex.states[id as usize].describe(s);
            diags.push(
                Diagnostic::warning(
                    "W272",
                    format!("no answer to the read question at beat `{}` is right{}", b.id, when(desc)),
                )
                .at(spans.find_or_parent(&p.field("question")), "a run can reach this moment with no right answer")
                .help(
                    "the trainee would be marked wrong whatever they said: cover every state a run reaches here \
                     (the ranges should meet end to end, e.g. (0, 3), (4, 6), (7, 10))",
                ),
            );
        }
    }
}
