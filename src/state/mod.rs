//! The subject's state during a run: meter values and flags. Conditions are
//! evaluated, effects applied and routes followed ([`follow`]) here, for the
//! engine, the analyzer and the validator alike; [`graph`] is every state a
//! run can reach, explored once per scenario and shared by the last two.

use serde::{Deserialize, Serialize};

pub mod graph;

use crate::scenario::{Cond, Fx, MeterRange, NodeRef, Route, Scenario};

/// Meter values (in scenario order) and a bit per flag.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct GameState {
    /// One value per meter, in the scenario's meter order, each kept within
    /// that meter's `min..=max` by [`GameState::apply`].
    pub meters: Vec<i32>,
    /// Bit `i` is set when flag `i` (the scenario's flag order) is set; so a
    /// scenario has at most 64 flags.
    pub flags: u64,
}

impl GameState {
    /// The state with every meter at `starts[i]` and no flag set.
    pub fn new(starts: Vec<i32>) -> Self {
        GameState { meters: starts, flags: 0 }
    }

    /// Whether flag number `f` (the scenario's flag order, 0..64) is set.
    pub fn flag(&self, f: u8) -> bool {
        self.flags & (1u64 << f) != 0
    }

    /// Whether `cond` (a checked condition, with meter and flag numbers) holds in this state.
    pub fn holds(&self, cond: &Cond) -> bool {
        match cond {
            Cond::Flag(f) => self.flag(*f),
            Cond::NotFlag(f) => !self.flag(*f),
            Cond::Meter(m, cmp, v) => cmp.holds(self.meters[*m as usize], *v),
            Cond::All(cs) => cs.iter().all(|c| self.holds(c)),
            Cond::Any(cs) => cs.iter().any(|c| self.holds(c)),
            Cond::Not(c) => !self.holds(c),
        }
    }

    /// Whether an optional condition holds: no condition always holds.
    pub fn holds_opt(&self, cond: Option<&Cond>) -> bool {
        cond.is_none_or(|c| self.holds(c))
    }

    /// Apply effects in order; meters stay within their range.
    pub fn apply(&mut self, effects: &[Fx], ranges: &[MeterRange]) {
        for fx in effects {
            match *fx {
                Fx::Add(m, d) => {
                    let r = &ranges[m as usize];
                    let v = &mut self.meters[m as usize];
                    *v = v.saturating_add(d).clamp(r.min, r.max);
                }
                Fx::SetMeter(m, to) => {
                    let r = &ranges[m as usize];
                    self.meters[m as usize] = to.clamp(r.min, r.max);
                }
                Fx::SetFlag(f) => self.flags |= 1u64 << f,
                Fx::ClearFlag(f) => self.flags &= !(1u64 << f),
            }
        }
    }

    /// Every possible start state (one per combination of random start values).
    /// Capped: a scenario with huge random ranges gets its corner cases only.
    pub fn all_starts(scenario: &Scenario) -> Vec<GameState> {
        let mut out = vec![GameState::new(Vec::new())];
        for m in &scenario.meters {
            // In i64: a range across the whole of i32 must not wrap to a small (or negative) width.
            let values: Vec<i32> = if i64::from(m.start_hi) - i64::from(m.start_lo) <= 32 {
                (m.start_lo..=m.start_hi).collect()
            } else {
                vec![m.start_lo, m.start_hi]
            };
            out = out
                .into_iter()
                .flat_map(|s| {
                    values.iter().map(move |v| {
                        let mut s = s.clone();
                        s.meters.push(*v);
                        s
                    })
                })
                .take(4096)
                .collect();
        }
        out
    }

    /// Named view for display and records: `distress=7 trust=2 [asked_about_suicide]`.
    pub fn describe(&self, scenario: &Scenario) -> String {
        let mut parts: Vec<String> =
            self.meters.iter().enumerate().map(|(i, v)| format!("{}={}", scenario.meter_id(i), v)).collect();
        let flags: Vec<&str> = (0..scenario.file.flags.len())
            .filter(|&f| self.flag(f as u8))
            .map(|f| scenario.flag_id(f))
            .collect();
        if !flags.is_empty() {
            parts.push(format!("[{}]", flags.join(", ")));
        }
        parts.join(" ")
    }

    /// Flags that are set, by id.
    pub fn flag_ids<'a>(&self, scenario: &'a Scenario) -> Vec<&'a str> {
        (0..scenario.file.flags.len()).filter(|&f| self.flag(f as u8)).map(|f| scenario.flag_id(f)).collect()
    }
}

/// Where a route leads from `state` (already changed by the act's effects):
/// the target, the chance outcome index, and the outcome's extra effects applied.
pub fn follow(
    scenario: &Scenario,
    route: &Route,
    state: &mut GameState,
    roll: impl FnOnce(&[u32]) -> usize,
) -> (NodeRef, Option<u16>) {
    match route {
        Route::Go(t) => (*t, None),
        Route::Rules(rules, otherwise) => {
            (rules.iter().find(|(c, _)| state.holds(c)).map(|(_, t)| *t).unwrap_or(*otherwise), None)
        }
        Route::Chance(outs) => {
            let weights: Vec<u32> = outs.iter().map(|o| o.weight).collect();
            let i = roll(&weights).min(outs.len().saturating_sub(1));
            let Some(o) = outs.get(i) else { return (scenario.start, None) };
            state.apply(&o.effects, &scenario.meters);
            (o.to, Some(i as u16))
        }
    }
}
