//! The real state space (beat × meter values × flags, from every start) as
//! the judgement checks read it: the scenario's shared [`StateGraph`] (which
//! acts are offered in each state, what each scores there with its score
//! variant applied, and where each can lead), explored once and read by the
//! analyzer too, and a solver for ways of choosing over it.
//!
//! The checks must not depend on how the analyzer computes its routes, so
//! they solve the graph themselves ([`solve`]); only the exploration is shared.

pub use crate::state::graph::{Offer, StateGraph, Target, TooLarge};

/// The totals still achievable from a state to an ending: with luck in the
/// trainee's favour (`hi`, the analyzer's "best") and against (`lo`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Value {
    /// Best total still achievable with luck in the trainee's favour.
    pub hi: i64,
    /// Total still achievable with every roll against the trainee.
    pub lo: i64,
}

/// Solve the state space for a way of choosing: `select(state)` gives the
/// offers (indices into `offers`) the chooser would consider there; the
/// value of a state is the best of them. All offers: the best play; one
/// offer: what a fixed strategy reaches. A state met again while it is being
/// solved (a loop) adds nothing, as in the analyzer; `None` where no ending
/// can be reached.
pub fn solve(ex: &StateGraph, roots: &[u32], select: impl Fn(u32) -> (u32, u32)) -> Vec<Option<Value>> {
    const NEW: u8 = 0;
    const ACTIVE: u8 = 1;
    const DONE: u8 = 2;
    let n = ex.len();
    let mut mark = vec![NEW; n];
    let mut value: Vec<Option<Value>> = vec![None; n];
    let span = |id: u32| -> (u32, u32) {
        let (a, b) = select(id);
        if a >= b { (0, 0) } else { (ex.offers[a as usize].edges.0, ex.offers[b as usize - 1].edges.1) }
    };
    for &root in roots {
        if mark[root as usize] != NEW {
            continue;
        }
        mark[root as usize] = ACTIVE;
        let mut stack: Vec<(u32, u32)> = vec![(root, span(root).0)];
        while let Some(top) = stack.last_mut() {
            let (id, cursor) = *top;
            let (_, end) = span(id);
            if cursor < end {
                top.1 += 1;
                if let Target::State(t) = ex.edges[cursor as usize].to
                    && mark[t as usize] == NEW
                {
                    mark[t as usize] = ACTIVE;
                    stack.push((t, span(t).0));
                }
                continue;
            }
            stack.pop();
            let (a, b) = select(id);
            let mut best: Option<Value> = None;
            for offer in &ex.offers[a as usize..b.max(a) as usize] {
                let mut hi: Option<i64> = None;
                let mut lo: Option<i64> = None;
                for e in ex.edges_of(offer) {
                    let v = match e.to {
                        Target::Ending(_) => Some(Value { hi: 0, lo: 0 }),
                        Target::State(t) if mark[t as usize] == DONE => value[t as usize],
                        Target::State(_) => None,
                    };
                    if let Some(v) = v {
                        hi = Some(hi.map_or(v.hi, |h| h.max(v.hi)));
                        lo = Some(lo.map_or(v.lo, |l| l.min(v.lo)));
                    }
                }
                if let (Some(hi), Some(lo)) = (hi, lo) {
                    let total = i64::from(offer.total);
                    let v = Value { hi: total + hi, lo: total + lo };
                    best = Some(match best {
                        None => v,
                        Some(b) => Value { hi: b.hi.max(v.hi), lo: b.lo.max(v.lo) },
                    });
                }
            }
            value[id as usize] = best;
            mark[id as usize] = DONE;
        }
    }
    value
}

/// The value of taking one offer in a state, given solved values of the
/// states after it (luck in the trainee's favour, as "best" is everywhere).
pub fn offer_value(ex: &StateGraph, values: &[Option<Value>], offer: &Offer) -> Option<i64> {
    ex.edges_of(offer)
        .iter()
        .filter_map(|e| match e.to {
            Target::Ending(_) => Some(0),
            Target::State(s) => values[s as usize].map(|v| v.hi),
        })
        .max()
        .map(|v| v + i64::from(offer.total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Act;
    use crate::scenario::load::scenario_from_str;
    use crate::state::GameState;

    /// A loop that raises a meter by one each time round: one state per value.
    const WIDE: &str = r#"#![enable(implicit_some)]
Scenario(
    id: "wide",
    about: (title: "Wide", summary: "A meter with a very wide range.", difficulty: Introductory, minutes: 1, version: "1"),
    briefing: (dispatch: "A test.", setting: "A loop."),
    meters: [(id: "count", name: "Count", min: 0, max: 100000, start: 0)],
    start: "loop",
    beats: [(
        id: "loop",
        choices: [
            (id: "again", text: "Again.", effects: [Raise("count", 1)], scores: {"safety": 0}, score_variants: [(when: AtLeast("count", 2), scores: {"safety": 1}, reason: "Later.")], commentary: "Again.", next: Go("loop")),
            (id: "stop", text: "Stop.", scores: {"safety": 0}, commentary: "Stop.", next: Go("done")),
        ],
    )],
    endings: [(id: "done", outcome: "resolved", title: "Done", narrative: "Done.", commentary: "Done.")],
    debrief: (commentary: "A test."),
)"#;

    #[test]
    fn a_state_space_past_the_cap_is_refused_not_explored() {
        let s = scenario_from_str("wide.ron", WIDE).scenario.expect("valid");
        assert_eq!(StateGraph::explore_capped(&s, 1000).err(), Some(TooLarge(1000)));
        let ex = StateGraph::explore_capped(&s, 200_000).expect("100,001 states fit");
        assert_eq!(ex.len(), 100_001);
    }

    #[test]
    fn the_variant_whose_condition_holds_sets_the_score() {
        let s = scenario_from_str("wide.ron", WIDE).scenario.expect("valid");
        let at = |count| GameState { meters: vec![count], flags: 0 };
        assert_eq!(s.scores_in(0, Act::Choice(0), &at(1)).total, 0);
        assert_eq!(s.scores_in(0, Act::Choice(0), &at(2)).total, 1);
        assert_eq!(s.scores_in(0, Act::Choice(0), &at(5)).variant, Some(0));
        assert_eq!(s.scores_in(0, Act::Choice(1), &at(5)).total, 0);
        // The graph records the variant that applied in each state it explored.
        let g = StateGraph::explore_capped(&s, 10).err();
        assert_eq!(g, Some(TooLarge(10)));
        let small = scenario_from_str("small.ron", &WIDE.replace("max: 100000", "max: 5")).scenario.unwrap();
        let g = StateGraph::of(&small).unwrap();
        let again = |count| g.offers_of(g.id(0, &at(count)).unwrap())[0];
        assert_eq!((again(1).variant, again(1).total), (None, 0));
        assert_eq!((again(2).variant, again(2).total), (Some(0), 1));
    }

    #[test]
    fn solving_follows_the_scores_that_apply_in_each_state() {
        let text = WIDE.replace("max: 100000", "max: 5");
        let s = scenario_from_str("small.ron", &text).scenario.expect("valid");
        let ex = StateGraph::of(&s).unwrap();
        let best = solve(&ex, &ex.starts, |id| ex.offer_ranges[id as usize]);
        // 0 → 1 → 2 score 0; 2 → 3, 3 → 4, 4 → 5 and 5 → 5 (clamped; a loop adds nothing) score 1 each.
        assert_eq!(best[ex.starts[0] as usize].map(|v| v.hi), Some(3));
    }
}
