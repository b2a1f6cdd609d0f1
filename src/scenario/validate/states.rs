//! The real state space (beat × meter values × flags, from every start) as
//! the judgement checks see it: which acts are offered in each state, what
//! each scores there (score variants applied), and where each can lead.
//!
//! It is explored the way the analyzer explores it (every start state, every
//! chance outcome, conditions and routes as the engine evaluates them, the
//! same state cap), but kept apart from it: the checks need the scores that
//! apply in each state, and they must not depend on how the analyzer
//! computes its routes.

use std::collections::{HashMap, VecDeque};

use rustc_hash::FxHashMap;

use crate::analysis::MAX_STATES;
use crate::scenario::model::Condition;
use crate::scenario::{Act, Cmp, Cond, NodeRef, Route, Scenario};
use crate::state::GameState;
use crate::state::follow;

/// More states than the analyzer would explore: the checks that need the
/// state space are skipped (and the validator says so) rather than hang.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the state space is too large for the judgement checks (more than {0} states of beat × meters × flags); \
     check for meters with very wide ranges"
)]
pub struct TooLarge(pub usize);

/// One score variant, resolved to indices.
#[derive(Debug, Clone)]
struct Variant {
    when: Cond,
    total: i32,
}

/// The score variants of every act of a checked scenario, so the scores
/// that apply in a state can be computed without the engine.
#[derive(Debug, Clone, Default)]
pub struct ScoreRules {
    /// `[beat][act]`: choices in authored order, then the timer.
    variants: Vec<Vec<Vec<Variant>>>,
}

impl ScoreRules {
    pub fn new(s: &Scenario) -> Self {
        let meters: HashMap<&str, u16> =
            s.file.meters.iter().enumerate().map(|(i, m)| (m.id.as_str(), i as u16)).collect();
        let flags: HashMap<&str, u8> =
            s.file.flags.iter().enumerate().map(|(i, f)| (f.id.as_str(), i as u8)).collect();
        let dims: HashMap<&str, ()> = s.rubric.dimensions.iter().map(|d| (d.id.as_str(), ())).collect();
        let compile = |vs: &[crate::scenario::model::ScoreVariant]| -> Vec<Variant> {
            vs.iter()
                .filter_map(|v| {
                    let total =
                        v.scores.iter().filter(|(d, _)| dims.contains_key(d.as_str())).map(|(_, n)| *n).sum();
                    Some(Variant { when: resolve(&v.when, &meters, &flags)?, total })
                })
                .collect()
        };
        let variants = s
            .file
            .beats
            .iter()
            .map(|b| {
                let mut acts: Vec<Vec<Variant>> =
                    b.choices.iter().map(|c| compile(&c.score_variants)).collect();
                if let Some(t) = &b.timer {
                    acts.push(compile(&t.score_variants));
                }
                acts
            })
            .collect();
        ScoreRules { variants }
    }

    fn act_index(s: &Scenario, beat: u32, act: Act) -> usize {
        match act {
            Act::Choice(c) => c as usize,
            Act::Timeout => s.beats[beat as usize].choices.len(),
        }
    }

    /// The total (over dimensions) an act scores when chosen in `state`: the
    /// first variant whose condition holds, else its plain scores.
    pub fn total(&self, s: &Scenario, beat: u32, act: Act, state: &GameState) -> i32 {
        let plain = s.act(beat, act).map(|a| a.total).unwrap_or(0);
        self.variants
            .get(beat as usize)
            .and_then(|b| b.get(Self::act_index(s, beat, act)))
            .and_then(|vs| vs.iter().find(|v| state.holds(&v.when)))
            .map_or(plain, |v| v.total)
    }

    /// Which variant applies in `state` (its index), if any.
    pub fn applied(&self, s: &Scenario, beat: u32, act: Act, state: &GameState) -> Option<usize> {
        self.variants
            .get(beat as usize)
            .and_then(|b| b.get(Self::act_index(s, beat, act)))
            .and_then(|vs| vs.iter().position(|v| state.holds(&v.when)))
    }
}

/// A condition from the file, resolved against a checked scenario's ids
/// (`None` only if an id is unknown, which validation has already reported).
pub fn resolve(c: &Condition, meters: &HashMap<&str, u16>, flags: &HashMap<&str, u8>) -> Option<Cond> {
    let meter = |m: &String, cmp: Cmp, v: i32| Some(Cond::Meter(*meters.get(m.as_str())?, cmp, v));
    match c {
        Condition::Flag(f) => Some(Cond::Flag(*flags.get(f.as_str())?)),
        Condition::NotFlag(f) => Some(Cond::NotFlag(*flags.get(f.as_str())?)),
        Condition::AtLeast(m, v) => meter(m, Cmp::AtLeast, *v),
        Condition::AtMost(m, v) => meter(m, Cmp::AtMost, *v),
        Condition::Below(m, v) => meter(m, Cmp::Below, *v),
        Condition::Above(m, v) => meter(m, Cmp::Above, *v),
        Condition::Equals(m, v) => meter(m, Cmp::Equals, *v),
        Condition::All(cs) => {
            Some(Cond::All(cs.iter().map(|c| resolve(c, meters, flags)).collect::<Option<_>>()?))
        }
        Condition::Any(cs) => {
            Some(Cond::Any(cs.iter().map(|c| resolve(c, meters, flags)).collect::<Option<_>>()?))
        }
        Condition::Not(c) => Some(Cond::Not(Box::new(resolve(c, meters, flags)?))),
    }
}

/// Where an outcome of an act leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Ending(u32),
    State(u32),
}

/// One act offered in one state.
#[derive(Debug, Clone, Copy)]
pub struct Offer {
    pub act: Act,
    /// The total it scores here, with the variant that applies.
    pub total: i32,
    /// `targets[to.0..to.1]`: one per chance outcome, else one.
    pub to: (u32, u32),
}

/// Every reachable state and what is offered in it.
pub struct Explored {
    pub beats: Vec<u32>,
    pub states: Vec<GameState>,
    /// `offers[offer_ranges[s].0..offer_ranges[s].1]`, in authored order (the timer last).
    pub offer_ranges: Vec<(u32, u32)>,
    pub offers: Vec<Offer>,
    pub targets: Vec<Target>,
    pub starts: Vec<u32>,
}

impl Explored {
    pub fn offers_of(&self, state: u32) -> &[Offer] {
        let (a, b) = self.offer_ranges[state as usize];
        &self.offers[a as usize..b as usize]
    }

    pub fn targets_of(&self, offer: &Offer) -> &[Target] {
        &self.targets[offer.to.0 as usize..offer.to.1 as usize]
    }

    pub fn len(&self) -> usize {
        self.states.len()
    }

    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }
}

/// Explore from every start state, breadth first.
pub fn explore(s: &Scenario, rules: &ScoreRules) -> Result<Explored, TooLarge> {
    explore_capped(s, rules, MAX_STATES)
}

pub(crate) fn explore_capped(s: &Scenario, rules: &ScoreRules, cap: usize) -> Result<Explored, TooLarge> {
    let mut ex = Explored {
        beats: Vec::new(),
        states: Vec::new(),
        offer_ranges: Vec::new(),
        offers: Vec::new(),
        targets: Vec::new(),
        starts: Vec::new(),
    };
    let mut index: FxHashMap<(u32, GameState), u32> = FxHashMap::default();
    let mut queue = VecDeque::new();
    let mut intern =
        |ex: &mut Explored, queue: &mut VecDeque<u32>, beat: u32, st: GameState| -> Result<u32, TooLarge> {
            if let Some(&id) = index.get(&(beat, st.clone())) {
                return Ok(id);
            }
            if ex.states.len() >= cap {
                return Err(TooLarge(cap));
            }
            let id = ex.states.len() as u32;
            index.insert((beat, st.clone()), id);
            ex.beats.push(beat);
            ex.states.push(st);
            ex.offer_ranges.push((0, 0));
            queue.push_back(id);
            Ok(id)
        };
    let NodeRef::Beat(start) = s.start else { return Ok(ex) };
    for st in GameState::all_starts(s) {
        let id = intern(&mut ex, &mut queue, start, st)?;
        if !ex.starts.contains(&id) {
            ex.starts.push(id);
        }
    }
    while let Some(id) = queue.pop_front() {
        let beat = ex.beats[id as usize];
        let state = ex.states[id as usize].clone();
        let first = ex.offers.len() as u32;
        for (act, def) in s.acts(beat) {
            if !state.holds_opt(def.when.as_ref()) {
                continue;
            }
            let total = rules.total(s, beat, act, &state);
            let mut after = state.clone();
            after.apply(&def.effects, &s.meters);
            let t0 = ex.targets.len() as u32;
            let mut lead = |ex: &mut Explored,
                            queue: &mut VecDeque<u32>,
                            to: NodeRef,
                            st: GameState|
             -> Result<(), TooLarge> {
                let t = match to {
                    NodeRef::Ending(e) => Target::Ending(e),
                    NodeRef::Beat(b) => Target::State(intern(ex, queue, b, st)?),
                };
                ex.targets.push(t);
                Ok(())
            };
            match &def.route {
                Route::Chance(outs) => {
                    for o in outs {
                        let mut st = after.clone();
                        st.apply(&o.effects, &s.meters);
                        lead(&mut ex, &mut queue, o.to, st)?;
                    }
                }
                route => {
                    let mut st = after;
                    let (to, _) = follow(s, route, &mut st, |_| 0);
                    lead(&mut ex, &mut queue, to, st)?;
                }
            }
            ex.offers.push(Offer { act, total, to: (t0, ex.targets.len() as u32) });
        }
        ex.offer_ranges[id as usize] = (first, ex.offers.len() as u32);
    }
    Ok(ex)
}

/// The totals still achievable from a state to an ending: with luck in the
/// trainee's favour (`hi`, the analyzer's "best") and against (`lo`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Value {
    pub hi: i64,
    pub lo: i64,
}

/// Solve the state space for a way of choosing: `select(state)` gives the
/// offers (indices into `offers`) the chooser would consider there; the
/// value of a state is the best of them. All offers: the best play; one
/// offer: what a fixed strategy reaches. A state met again while it is being
/// solved (a loop) adds nothing, as in the analyzer; `None` where no ending
/// can be reached.
pub fn solve(ex: &Explored, roots: &[u32], select: impl Fn(u32) -> (u32, u32)) -> Vec<Option<Value>> {
    const NEW: u8 = 0;
    const ACTIVE: u8 = 1;
    const DONE: u8 = 2;
    let n = ex.len();
    let mut mark = vec![NEW; n];
    let mut value: Vec<Option<Value>> = vec![None; n];
    let span = |id: u32| -> (u32, u32) {
        let (a, b) = select(id);
        if a >= b { (0, 0) } else { (ex.offers[a as usize].to.0, ex.offers[b as usize - 1].to.1) }
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
                if let Target::State(t) = ex.targets[cursor as usize]
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
                for t in ex.targets_of(offer) {
                    let v = match *t {
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
pub fn offer_value(ex: &Explored, values: &[Option<Value>], offer: &Offer) -> Option<i64> {
    ex.targets_of(offer)
        .iter()
        .filter_map(|t| match *t {
            Target::Ending(_) => Some(0),
            Target::State(s) => values[s as usize].map(|v| v.hi),
        })
        .max()
        .map(|v| v + i64::from(offer.total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load::scenario_from_str;

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
        let rules = ScoreRules::new(&s);
        assert_eq!(explore_capped(&s, &rules, 1000).err(), Some(TooLarge(1000)));
        let ex = explore_capped(&s, &rules, 200_000).expect("100,001 states fit");
        assert_eq!(ex.len(), 100_001);
    }

    #[test]
    fn the_variant_whose_condition_holds_sets_the_score() {
        let s = scenario_from_str("wide.ron", WIDE).scenario.expect("valid");
        let rules = ScoreRules::new(&s);
        let at = |count| GameState { meters: vec![count], flags: 0 };
        assert_eq!(rules.total(&s, 0, Act::Choice(0), &at(1)), 0);
        assert_eq!(rules.total(&s, 0, Act::Choice(0), &at(2)), 1);
        assert_eq!(rules.applied(&s, 0, Act::Choice(0), &at(5)), Some(0));
        assert_eq!(rules.total(&s, 0, Act::Choice(1), &at(5)), 0);
    }

    #[test]
    fn solving_follows_the_scores_that_apply_in_each_state() {
        let text = WIDE.replace("max: 100000", "max: 5");
        let s = scenario_from_str("small.ron", &text).scenario.expect("valid");
        let ex = explore(&s, &ScoreRules::new(&s)).unwrap();
        let best = solve(&ex, &ex.starts, |id| ex.offer_ranges[id as usize]);
        // 0 → 1 → 2 score 0; 2 → 3, 3 → 4, 4 → 5 and 5 → 5 (clamped; a loop adds nothing) score 1 each.
        assert_eq!(best[ex.starts[0] as usize].map(|v| v.hi), Some(3));
    }
}
