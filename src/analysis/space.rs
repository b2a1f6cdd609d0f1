//! The analyzer's view of the state graph: the shared [`StateGraph`] (explored
//! once per scenario, see `crate::state::graph`) and, beside it, what each
//! state is worth, computed by a memoised depth-first walk.

use std::sync::Arc;

use super::{AnalysisError, MAX_STATES};
use crate::scenario::{Act, Scenario, Scored};
use crate::state::GameState;
use crate::state::graph::StateGraph;
pub(super) use crate::state::graph::Target;

pub(super) const NO_BEST: i32 = i32::MIN;
pub(super) const NO_WORST: i32 = i32::MAX;
pub(super) const NO_EDGE: u32 = u32::MAX;

/// The explored state space. More states (e.g. a dev-panel start) can be
/// added later with [`StateSpace::ensure`]; what is already known is reused.
pub struct StateSpace {
    pub(super) scenario: Scenario,
    /// Objectives: one per rubric dimension, then the total.
    pub(super) k: usize,
    /// The scenario's shared graph; copied only when a state outside it is asked for.
    pub(super) graph: Arc<StateGraph>,
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
    /// A state space over the scenario's shared graph (explored now if no one
    /// has yet). When the whole graph is past the cap, it starts empty and
    /// explores only what is asked for.
    pub fn new(scenario: &Scenario) -> Self {
        let graph = StateGraph::of(scenario).unwrap_or_else(|_| Arc::new(StateGraph::empty(MAX_STATES)));
        StateSpace {
            scenario: scenario.clone(),
            k: scenario.dimensions() + 1,
            graph,
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

    /// The scenario analysed.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// Number of states explored so far.
    pub fn len(&self) -> usize {
        self.graph.len()
    }

    /// True when no state has been explored (a scenario without a start beat).
    pub fn is_empty(&self) -> bool {
        self.graph.is_empty()
    }

    /// Room for a value of every state in the graph.
    fn grow(&mut self) {
        let n = self.graph.len();
        let k = self.k;
        self.active.resize(n, false);
        self.done.resize(n, false);
        self.best.resize(n * k, NO_BEST);
        self.worst.resize(n * k, NO_WORST);
        self.best_edge.resize(n * k, NO_EDGE);
        self.worst_edge.resize(n * k, NO_EDGE);
        self.paths.resize(n, 0);
        self.best_grade.resize(n, -1);
        self.worst_critical.resize(n, 0);
        self.expected.resize(n, f64::NAN);
    }

    /// Value everything reachable from `(beat, state)`; returns its id.
    pub fn ensure(&mut self, beat: u32, state: &GameState) -> Result<u32, AnalysisError> {
        let root = match self.graph.id(beat, state) {
            Some(id) => id,
            None => Arc::make_mut(&mut self.graph).reach(&self.scenario, beat, state.clone())?,
        };
        self.grow();
        if self.done[root as usize] {
            return Ok(root);
        }
        // Iterative DFS, so a 10,000-beat scenario cannot overflow the stack.
        self.active[root as usize] = true;
        let mut stack: Vec<(u32, u32)> = vec![(root, 0)];
        while let Some(top) = stack.last_mut() {
            let (id, next) = *top;
            let (start, end) = self.graph.ranges[id as usize];
            if start + next < end {
                top.1 += 1;
                if let Target::State(t) = self.graph.edges[(start + next) as usize].to {
                    let t = t as usize;
                    if !self.done[t] && !self.active[t] {
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

/// The scores of an offer, with the variant the graph found applies there
/// (so the variants' conditions are evaluated once per state, when explored).
pub(super) fn scored(sc: &Scenario, beat: u32, act: Act, variant: Option<u16>) -> Scored<'_> {
    match variant.and_then(|v| sc.act_judgement(beat, act)?.score_variants.get(v as usize)) {
        Some(v) => Scored { variant, scores: &v.scores, total: v.total },
        None => match sc.act(beat, act) {
            Some(def) => Scored { variant: None, scores: &def.scores, total: def.total },
            None => Scored { variant: None, scores: &[], total: 0 },
        },
    }
}
