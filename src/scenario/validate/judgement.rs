//! Checks of how a scenario judges the trainee, over its real state space:
//! no-win moments (W210), choices never offered (W213), the same text offered
//! twice at once (W214), state-aware scoring written as two copies of a
//! choice (W215), and choices whose result an assessed trainee never sees
//! (W216). The guessability checks live in [`super::guessable`].

use std::collections::BTreeMap;

use super::guessable;
use super::states::StateGraph;
use crate::diagnostics::Diagnostic;
use crate::scenario::model::{Condition, Effect, Next};
use crate::scenario::spans::{Path, Spans};
use crate::scenario::{Act, Scenario};

/// Run every check that needs the state space. When the space is too large
/// for the analyzer's cap, one warning says the checks were skipped.
pub(super) fn state_checks(s: &Scenario, spans: &Spans, diags: &mut Vec<Diagnostic>) {
    unseen_consequences(s, spans, diags);
    // The scenario's shared graph: explored here, read again by W230 and the analyzer.
    let ex = match StateGraph::of(s) {
        Ok(ex) => ex,
        Err(e) => {
            diags.push(too_large(e, spans));
            return;
        }
    };
    no_win(s, &ex, spans, diags);
    offered_together(s, &ex, spans, diags);
    guessable::check(s, &ex, spans, diags);
    super::reading::read_checks(s, &ex, spans, diags);
}

pub(super) fn too_large(e: super::states::TooLarge, spans: &Spans) -> Diagnostic {
    Diagnostic::warning("W217", format!("the judgement checks were skipped: {e}"))
        .at(spans.find_or_parent(&Path::root().field("start")), "too many states reachable from here")
        .help(
            "no-win moments, guessable choices and choices never offered were not checked; \
             narrow the meters' ranges (0–10 is plenty) so the state space stays small",
        )
}

fn choice_path(beat: u32, choice: usize) -> Path {
    Path::root().field("beats").index(beat as usize).field("choices").index(choice)
}

fn beat_id_path(beat: u32) -> Path {
    Path::root().field("beats").index(beat as usize).field("id")
}

/// A reachable state where every offered act (the timer too: waiting is a
/// way out) scores below zero, with the variant that applies there.
fn no_win(s: &Scenario, ex: &StateGraph, spans: &Spans, diags: &mut Vec<Diagnostic>) {
    let mut reported = vec![false; s.beats.len()];
    // Breadth-first order: the first state found is one of the earliest a run meets.
    for id in ex.bfs_order() {
        let beat = ex.beats[id as usize];
        let offers = ex.offers_of(id);
        if reported[beat as usize] || offers.is_empty() || offers.iter().any(|o| o.total >= 0) {
            continue;
        }
        reported[beat as usize] = true;
        let b = s.beat(beat);
        if b.no_win.is_some() {
            continue;
        }
        let best = offers.iter().map(|o| o.total).max().unwrap_or(0);
        let state = ex.states[id as usize].describe(s);
        let when = if state.is_empty() { String::new() } else { format!(" when {state}") };
        diags.push(
            Diagnostic::warning(
                "W210",
                format!("every choice offered at beat `{}` scores below zero{when} (the best: {best})", b.id),
            )
            .at(spans.find_or_parent(&beat_id_path(beat)), "a no-win moment")
            .help(format!(
                "give the trainee a way to recover here: a choice that scores 0 or more in this state (a score \
                 variant can score a move lower only while trust is low); or, if the moment is meant to be \
                 unwinnable, say why with `no_win: \"...\"` on beat `{}`",
                b.id
            )),
        );
    }
}

/// Normalised text for comparing choices: case and spacing do not count.
fn norm(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Choices never offered at a beat the runs do reach; pairs of choices with
/// the same text, offered together (W214) or as two copies (W215).
fn offered_together(s: &Scenario, ex: &StateGraph, spans: &Spans, diags: &mut Vec<Diagnostic>) {
    let mut reached = vec![0u32; s.beats.len()];
    let mut example: Vec<Option<u32>> = vec![None; s.beats.len()];
    let mut offered: Vec<Vec<bool>> = s.beats.iter().map(|b| vec![false; b.choices.len()]).collect();
    // Pairs of same-text choices per beat, and whether they were ever offered at once.
    let mut pairs: BTreeMap<(u32, usize, usize), bool> = BTreeMap::new();
    for (bi, b) in s.file.beats.iter().enumerate() {
        let texts: Vec<String> = b.choices.iter().map(|c| norm(&c.text)).collect();
        for i in 0..texts.len() {
            for j in i + 1..texts.len() {
                if texts[i] == texts[j] && !texts[i].is_empty() {
                    pairs.insert((bi as u32, i, j), false);
                }
            }
        }
    }
    let mut scratch: Vec<bool> = Vec::new();
    // Breadth-first, so the example state given is one of the earliest a run meets.
    for id in ex.bfs_order() {
        let beat = ex.beats[id as usize];
        reached[beat as usize] += 1;
        example[beat as usize].get_or_insert(id);
        scratch.clear();
        scratch.resize(offered[beat as usize].len(), false);
        for o in ex.offers_of(id) {
            if let Act::Choice(c) = o.act {
                offered[beat as usize][c as usize] = true;
                scratch[c as usize] = true;
            }
        }
        for ((_, i, j), together) in pairs.range_mut((beat, 0, 0)..=(beat, usize::MAX, usize::MAX)) {
            if scratch[*i] && scratch[*j] {
                *together = true;
            }
        }
    }
    for (bi, b) in s.file.beats.iter().enumerate() {
        if reached[bi] == 0 {
            // The analyzer reports beats no run reaches; every choice there would repeat it.
            continue;
        }
        for (ci, c) in b.choices.iter().enumerate() {
            if offered[bi][ci] {
                continue;
            }
            let state = example[bi].map(|id| ex.states[id as usize].describe(s)).unwrap_or_default();
            let eg = if state.is_empty() { String::new() } else { format!(", e.g. {state}") };
            let p = choice_path(bi as u32, ci);
            diags.push(
                Diagnostic::warning(
                    "W213",
                    format!("choice `{}` at beat `{}` can never be offered", c.id, b.id),
                )
                .at(spans.find_or_parent(&p.field("id")), "never offered")
                .also(spans.find(&p.field("when")), "this never holds when a run is at this beat")
                .help(format!(
                    "runs reach `{}` in {} state(s){eg}, and its `when` holds in none of them: fix the \
                     condition (`talkdown analyze` lists the routes there), or remove the choice",
                    b.id, reached[bi]
                )),
            );
        }
    }
    for (&(bi, i, j), &together) in &pairs {
        let b = s.beat(bi);
        let (a, c) = (&b.choices[i], &b.choices[j]);
        let (pa, pc) = (choice_path(bi, i), choice_path(bi, j));
        if together {
            diags.push(
                Diagnostic::warning(
                    "W214",
                    format!(
                        "choices `{}` and `{}` of beat `{}` are offered at once with the same text",
                        a.id, c.id, b.id
                    ),
                )
                .at(
                    spans.find_or_parent(&pc.field("text")),
                    "the same text as another choice offered with it",
                )
                .also(spans.find(&pa.field("text")), "this one")
                .help(
                    "the trainee sees the same option twice and cannot tell them apart: reword one, or give \
                     them conditions that never hold at once",
                ),
            );
        } else if offered[bi as usize][i] && offered[bi as usize][j] && !same_scores(a, c) {
            diags.push(
                Diagnostic::warning(
                    "W215",
                    format!(
                        "choices `{}` and `{}` of beat `{}` are two copies of one choice, scored by state",
                        a.id, c.id, b.id
                    ),
                )
                .at(spans.find_or_parent(&pc.field("id")), "a copy of an earlier choice with other scores")
                .also(spans.find(&pa.field("id")), "the choice to keep")
                .help(two_copies_help(a, c)),
            );
        }
    }
}

fn same_scores(a: &crate::scenario::model::Choice, b: &crate::scenario::model::Choice) -> bool {
    let nonzero = |m: &BTreeMap<String, i32>| {
        m.iter().filter(|(_, v)| **v != 0).map(|(k, v)| (k.clone(), *v)).collect::<Vec<_>>()
    };
    nonzero(&a.scores) == nonzero(&b.scores) && a.score_variants == b.score_variants
}

fn ron<T: serde::Serialize>(v: &T) -> String {
    ron::ser::to_string(v).unwrap_or_default()
}

/// Exactly how to turn two copies into one choice with a score variant.
fn two_copies_help(keep: &crate::scenario::model::Choice, drop: &crate::scenario::model::Choice) -> String {
    let when = drop.when.as_ref().map(ron).unwrap_or_else(|| "...".into());
    let keep_when = match &keep.when {
        Some(c) => format!(
            "; then give `{}` the `when` under which either copy was offered (drop it if one of the two always is: \
             now `{}`)",
            keep.id,
            ron::<Condition>(c)
        ),
        None => String::new(),
    };
    let differs =
        keep.effects != drop.effects || keep.next != drop.next || keep.techniques != drop.techniques;
    let mut help = format!(
        "keep `{}` and remove `{}`; add to `{}` `score_variants: [(when: {when}, scores: {}, reason: \"...\")]` \
         with the reason the debrief gives (e.g. \"trust was still low\"){keep_when}",
        keep.id,
        drop.id,
        keep.id,
        ron(&drop.scores),
    );
    if differs {
        help.push_str(&format!(
            ". `{}` also differs in its effects, techniques or `next`: a variant changes only the scores, so move \
             a different `next` into a `Route` and keep the rest only if it is the same move",
            drop.id
        ));
    }
    help
}

/// A choice whose result an assessed trainee never sees: no `reaction`, it
/// goes (`Go`) to a beat another choice of the same beat also leads to, and
/// no line of that beat has a `when` testing a meter or flag it changes. The
/// trainee then sees exactly what they would have seen after the other choice.
fn unseen_consequences(s: &Scenario, spans: &Spans, diags: &mut Vec<Diagnostic>) {
    // `Scenario::beat_index` searches; a 10,000-beat scenario needs a map.
    let beat_of: std::collections::HashMap<&str, u32> =
        s.file.beats.iter().enumerate().map(|(i, b)| (b.id.as_str(), i as u32)).collect();
    for (bi, b) in s.file.beats.iter().enumerate() {
        for (ci, c) in b.choices.iter().enumerate() {
            if !c.reaction.is_empty() {
                continue;
            }
            let Next::Go(to) = &c.next else { continue };
            let Some(&t) = beat_of.get(to.as_str()) else { continue };
            let shared = b
                .choices
                .iter()
                .enumerate()
                .any(|(oi, o)| oi != ci && o.next.targets().contains(&to.as_str()));
            if !shared {
                continue;
            }
            let changed: Vec<&str> = c
                .effects
                .iter()
                .map(|e| match e {
                    Effect::Raise(m, _) | Effect::Lower(m, _) | Effect::SetMeter(m, _) => m.as_str(),
                    Effect::SetFlag(f) | Effect::ClearFlag(f) => f.as_str(),
                })
                .collect();
            let shows = s.beat(t).lines.iter().filter_map(|l| l.when.as_ref()).any(|w| {
                let mut hit = false;
                w.walk(&mut |c| {
                    let id = match c {
                        Condition::Flag(f) | Condition::NotFlag(f) => Some(f),
                        Condition::AtLeast(m, _)
                        | Condition::AtMost(m, _)
                        | Condition::Below(m, _)
                        | Condition::Above(m, _)
                        | Condition::Equals(m, _) => Some(m),
                        _ => None,
                    };
                    hit |= id.is_some_and(|id| changed.contains(&id.as_str()));
                });
                hit
            });
            if shows {
                continue;
            }
            let p = choice_path(bi as u32, ci);
            diags.push(
                Diagnostic::warning(
                    "W216",
                    format!("in assessment mode the trainee never sees what choice `{}` at beat `{}` did", c.id, b.id),
                )
                .at(spans.find_or_parent(&p.field("id")), "no reaction, and the next beat looks the same after another choice")
                .also(spans.find(&p.field("next").index(0)), "another choice of this beat leads here too")
                .help(format!(
                    "add `reaction: [(speaker: \"...\", text: \"...\")]` to `{}`: what the person says or does in \
                     answer (training-mode `feedback` is hidden in assessment); or let a line of `{to}` depend on \
                     what the choice changes (`when: ...`)",
                    c.id
                )),
            );
        }
    }
}
