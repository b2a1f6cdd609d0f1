//! The explored state space: every state reachable from the starts, interned
//! once, with its edges (one per act offered there, one per chance outcome).

use rustc_hash::FxHashMap;

use super::{AnalysisError, MAX_STATES};
use crate::scenario::{Act, NodeRef, Route, Scenario};
use crate::state::GameState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    Ending(u32),
    State(u32),
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Edge {
    pub(super) act: Act,
    pub(super) to: Target,
}

pub(super) const NO_BEST: i32 = i32::MIN;
pub(super) const NO_WORST: i32 = i32::MAX;
pub(super) const NO_EDGE: u32 = u32::MAX;

/// The explored state space. More states (e.g. a dev-panel start) can be
/// added later with [`StateSpace::ensure`]; what is already known is reused.
pub struct StateSpace {
    pub(super) scenario: Scenario,
    /// Objectives: one per rubric dimension, then the total.
    pub(super) k: usize,
    pub(super) index: FxHashMap<(u32, GameState), u32>,
    pub(super) beats: Vec<u32>,
    pub(super) states: Vec<GameState>,
    /// `edges[range.0..range.1]` are a state's edges, grouped by act.
    pub(super) ranges: Vec<(u32, u32)>,
    pub(super) edges: Vec<Edge>,
    pub(super) materialised: Vec<bool>,
    pub(super) active: Vec<bool>,
    pub(super) done: Vec<bool>,
    /// Finishing order: every successor of a state, except along a loop, finishes before it.
    pub(super) order: Vec<u32>,
    pub(super) best: Vec<i32>,
    pub(super) worst: Vec<i32>,
    pub(super) best_edge: Vec<u32>,
    pub(super) worst_edge: Vec<u32>,
    pub(super) paths: Vec<u64>,
    /// The best ending grade reachable (2 good, 1 acceptable, 0 bad, -1 none).
    pub(super) best_grade: Vec<i8>,
    /// Critical errors along the worst-practice route from each state.
    pub(super) worst_critical: Vec<u32>,
    /// The expected best total from each state (NaN: no ending reachable).
    pub(super) expected: Vec<f64>,
}

impl StateSpace {
    pub fn new(scenario: &Scenario) -> Self {
        StateSpace {
            scenario: scenario.clone(),
            k: scenario.dimensions() + 1,
            index: FxHashMap::default(),
            beats: Vec::new(),
            states: Vec::new(),
            ranges: Vec::new(),
            edges: Vec::new(),
            materialised: Vec::new(),
            active: Vec::new(),
            done: Vec::new(),
            order: Vec::new(),
            best: Vec::new(),
            worst: Vec::new(),
            best_edge: Vec::new(),
            worst_edge: Vec::new(),
            paths: Vec::new(),
            best_grade: Vec::new(),
            worst_critical: Vec::new(),
            expected: Vec::new(),
        }
    }

    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// Number of states explored so far.
    pub fn len(&self) -> usize {
        self.states.len()
    }

    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }

    fn intern(&mut self, beat: u32, state: GameState) -> Result<u32, AnalysisError> {
        if let Some(&id) = self.index.get(&(beat, state.clone())) {
            return Ok(id);
        }
        if self.states.len() >= MAX_STATES {
            return Err(AnalysisError::TooLarge(MAX_STATES));
        }
        let id = self.states.len() as u32;
        self.index.insert((beat, state.clone()), id);
        self.beats.push(beat);
        self.states.push(state);
        self.ranges.push((0, 0));
        self.materialised.push(false);
        self.active.push(false);
        self.done.push(false);
        self.best.extend(std::iter::repeat_n(NO_BEST, self.k));
        self.worst.extend(std::iter::repeat_n(NO_WORST, self.k));
        self.best_edge.extend(std::iter::repeat_n(NO_EDGE, self.k));
        self.worst_edge.extend(std::iter::repeat_n(NO_EDGE, self.k));
        self.paths.push(0);
        self.best_grade.push(-1);
        self.worst_critical.push(0);
        self.expected.push(f64::NAN);
        Ok(id)
    }

    /// Compute a state's edges (interning its successors).
    fn materialise(&mut self, id: u32) -> Result<(), AnalysisError> {
        if self.materialised[id as usize] {
            return Ok(());
        }
        let beat = self.beats[id as usize];
        let state = self.states[id as usize].clone();
        let sc = self.scenario.clone();
        let start = self.edges.len() as u32;
        for (act, def) in sc.acts(beat) {
            if !state.holds_opt(def.when.as_ref()) {
                continue;
            }
            let mut after = state.clone();
            after.apply(&def.effects, &sc.meters);
            let push = |this: &mut Self, to: NodeRef, s: GameState| -> Result<(), AnalysisError> {
                let to = match to {
                    NodeRef::Ending(e) => Target::Ending(e),
                    NodeRef::Beat(b) => Target::State(this.intern(b, s)?),
                };
                this.edges.push(Edge { act, to });
                Ok(())
            };
            match &def.route {
                Route::Chance(outs) => {
                    for o in outs {
                        let mut s = after.clone();
                        s.apply(&o.effects, &sc.meters);
                        push(self, o.to, s)?;
                    }
                }
                route => {
                    let mut s = after;
                    let (to, _) = crate::state::follow(&sc, route, &mut s, |_| 0);
                    push(self, to, s)?;
                }
            }
        }
        self.ranges[id as usize] = (start, self.edges.len() as u32);
        self.materialised[id as usize] = true;
        Ok(())
    }

    /// Explore everything reachable from `(beat, state)`; returns its id.
    pub fn ensure(&mut self, beat: u32, state: &GameState) -> Result<u32, AnalysisError> {
        let root = self.intern(beat, state.clone())?;
        if self.done[root as usize] {
            return Ok(root);
        }
        // Iterative DFS, so a 10,000-beat scenario cannot overflow the stack.
        self.materialise(root)?;
        self.active[root as usize] = true;
        let mut stack: Vec<(u32, u32)> = vec![(root, 0)];
        while let Some(top) = stack.last_mut() {
            let (id, next) = *top;
            let (start, end) = self.ranges[id as usize];
            if start + next < end {
                top.1 += 1;
                if let Target::State(t) = self.edges[(start + next) as usize].to {
                    let t = t as usize;
                    if !self.done[t] && !self.active[t] {
                        self.materialise(t as u32)?;
                        self.active[t] = true;
                        stack.push((t as u32, 0));
                    }
                }
            } else {
                stack.pop();
                self.active[id as usize] = false;
                self.finish(id);
            }
        }
        Ok(root)
    }
}
