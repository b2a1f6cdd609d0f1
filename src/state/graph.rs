//! The reachable state graph of a scenario: every state (beat × meter values
//! × flags) a run can be in, from every start state, with what is offered in
//! each (score variants applied) and where each act can lead.
//!
//! It is explored **once per scenario** and shared: the validator's judgement
//! checks (no-win moments, choices never offered, guessable choices), the
//! state-space warning W230 and the analyzer all read the same graph, which
//! the [`Scenario`] keeps once it has been explored ([`StateGraph::of`]). The
//! analyzer adds states to its own copy only for a start no run begins at
//! (a dev-panel start), copying the shared graph then and not before.
//!
//! States are numbered in the order a depth-first walk from the starts meets
//! them (each state's successors numbered when it is first entered), the
//! order the analyzer's memoised search visits them in; [`StateGraph::bfs_order`]
//! gives the breadth-first order, in which the first state met at a beat is
//! one of the earliest a run meets there.

use std::collections::VecDeque;
use std::sync::{Arc, OnceLock};

use rustc_hash::FxHashMap;

use super::{GameState, follow};
use crate::scenario::{Act, NodeRef, Route, Scenario};

/// Refuse to explore more states than this; a scenario this large almost
/// certainly has a meter with a huge range by mistake.
pub const MAX_STATES: usize = 4_000_000;

/// More states are reachable than [`MAX_STATES`] (or the cap given): the
/// graph is not explored, rather than hang.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the state space is too large for the judgement checks (more than {0} states of beat × meters × flags); \
     check for meters with very wide ranges"
)]
pub struct TooLarge(pub usize);

/// Where an outcome of an act leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The run ends there, at the ending with this number in the checked scenario.
    Ending(u32),
    /// The run goes on in the state with this id in the [`StateGraph`].
    State(u32),
}

/// One outcome of one act: a fixed route has one, a chance route one per outcome.
#[derive(Debug, Clone, Copy)]
pub struct Edge {
    /// The act (a choice, or letting the timer run out) this outcome follows.
    pub act: Act,
    /// Where it leads.
    pub to: Target,
}

/// One act offered in one state.
#[derive(Debug, Clone, Copy)]
pub struct Offer {
    /// The act: a choice by its number in the beat, or the timer.
    pub act: Act,
    /// The score variant that applies in this state, if any.
    pub variant: Option<u16>,
    /// The total it scores here (the variant's, else the plain scores).
    pub total: i32,
    /// `edges[edges.0..edges.1]`: its outcomes.
    pub edges: (u32, u32),
}

/// The cache a [`Scenario`] carries: its graph, explored on first use.
pub type Cache = OnceLock<Result<Arc<StateGraph>, TooLarge>>;

/// Every state explored so far, and what is offered in it.
#[derive(Clone, Default)]
pub struct StateGraph {
    index: FxHashMap<(u32, GameState), u32>,
    /// `beats[s]`: the beat state `s` is at (its number in the checked scenario).
    pub beats: Vec<u32>,
    /// `states[s]`: the meters and flags of state `s`.
    pub states: Vec<GameState>,
    /// `offers[offer_ranges[s].0..offer_ranges[s].1]`, in authored order (the timer last).
    pub offer_ranges: Vec<(u32, u32)>,
    /// Every state's offers, back to back (see `offer_ranges`).
    pub offers: Vec<Offer>,
    /// `edges[ranges[s].0..ranges[s].1]`: a state's edges, grouped by act in offer order.
    pub ranges: Vec<(u32, u32)>,
    /// Every offer's outcomes, back to back (see `ranges` and [`Offer::edges`]).
    pub edges: Vec<Edge>,
    materialised: Vec<bool>,
    /// The start states, in the order [`GameState::all_starts`] gives them, each once.
    pub starts: Vec<u32>,
    cap: usize,
}

impl std::fmt::Debug for StateGraph {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateGraph")
            .field("states", &self.states.len())
            .field("edges", &self.edges.len())
            .finish()
    }
}

impl StateGraph {
    /// An empty graph that will refuse to grow past `cap` states.
    pub fn empty(cap: usize) -> Self {
        StateGraph { cap, ..Default::default() }
    }

    /// The scenario's graph from every start state: explored the first time
    /// anyone asks (usually the validator), then shared by every clone of the
    /// scenario. Cheap to call again.
    pub fn of(s: &Scenario) -> Result<Arc<StateGraph>, TooLarge> {
        s.state_graph_cache().get_or_init(|| Self::explore_capped(s, MAX_STATES).map(Arc::new)).clone()
    }

    /// Explore from every start state, refusing more than `cap` states.
    pub fn explore_capped(s: &Scenario, cap: usize) -> Result<StateGraph, TooLarge> {
        let mut g = Self::empty(cap);
        let NodeRef::Beat(start) = s.start else { return Ok(g) };
        for st in GameState::all_starts(s) {
            let id = g.reach(s, start, st)?;
            if !g.starts.contains(&id) {
                g.starts.push(id);
            }
        }
        Ok(g)
    }

    /// Number of states.
    pub fn len(&self) -> usize {
        self.states.len()
    }

    /// True before anything has been explored (a scenario without a start beat).
    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }

    /// The id of a state, if it has been explored.
    pub fn id(&self, beat: u32, state: &GameState) -> Option<u32> {
        // The key owns its state; one clone per look-up of a state not yet known
        // is cheaper than a second map keyed by reference.
        self.index.get(&(beat, state.clone())).copied()
    }

    /// What state `state` offers, in authored order with the timer last.
    pub fn offers_of(&self, state: u32) -> &[Offer] {
        let (a, b) = self.offer_ranges[state as usize];
        &self.offers[a as usize..b as usize]
    }

    /// Where `offer` can lead: one edge for a fixed route, one per outcome of a chance route.
    pub fn edges_of(&self, offer: &Offer) -> &[Edge] {
        &self.edges[offer.edges.0 as usize..offer.edges.1 as usize]
    }

    /// Ids in breadth-first order from the starts (edges in order).
    pub fn bfs_order(&self) -> Vec<u32> {
        let mut seen = vec![false; self.len()];
        let mut order = Vec::with_capacity(self.len());
        let mut queue: VecDeque<u32> = VecDeque::new();
        for &s in &self.starts {
            if !seen[s as usize] {
                seen[s as usize] = true;
                queue.push_back(s);
            }
        }
        while let Some(id) = queue.pop_front() {
            order.push(id);
            let (a, b) = self.ranges[id as usize];
            for e in &self.edges[a as usize..b as usize] {
                if let Target::State(t) = e.to
                    && !seen[t as usize]
                {
                    seen[t as usize] = true;
                    queue.push_back(t);
                }
            }
        }
        order
    }

    fn intern(&mut self, beat: u32, state: GameState) -> Result<u32, TooLarge> {
        let key = (beat, state);
        if let Some(&id) = self.index.get(&key) {
            return Ok(id);
        }
        if self.states.len() >= self.cap {
            return Err(TooLarge(self.cap));
        }
        let id = self.states.len() as u32;
        self.beats.push(beat);
        self.states.push(key.1.clone());
        self.index.insert(key, id);
        self.offer_ranges.push((0, 0));
        self.ranges.push((0, 0));
        self.materialised.push(false);
        Ok(id)
    }

    /// Compute a state's offers and edges (interning its successors).
    fn materialise(&mut self, s: &Scenario, id: u32) -> Result<(), TooLarge> {
        if self.materialised[id as usize] {
            return Ok(());
        }
        let beat = self.beats[id as usize];
        let state = self.states[id as usize].clone();
        let (first_offer, first_edge) = (self.offers.len() as u32, self.edges.len() as u32);
        for (act, def) in s.acts(beat) {
            if !state.holds_opt(def.when.as_ref()) {
                continue;
            }
            let scored = s.scores_in(beat, act, &state);
            let mut after = state.clone();
            after.apply(&def.effects, &s.meters);
            let e0 = self.edges.len() as u32;
            let push = |this: &mut Self, to: NodeRef, st: GameState| -> Result<(), TooLarge> {
                let to = match to {
                    NodeRef::Ending(e) => Target::Ending(e),
                    NodeRef::Beat(b) => Target::State(this.intern(b, st)?),
                };
                this.edges.push(Edge { act, to });
                Ok(())
            };
            match &def.route {
                Route::Chance(outs) => {
                    for o in outs {
                        let mut st = after.clone();
                        st.apply(&o.effects, &s.meters);
                        push(self, o.to, st)?;
                    }
                }
                route => {
                    let (to, _) = follow(s, route, &mut after, |_| 0);
                    push(self, to, after)?;
                }
            }
            self.offers.push(Offer {
                act,
                variant: scored.variant,
                total: scored.total,
                edges: (e0, self.edges.len() as u32),
            });
        }
        self.offer_ranges[id as usize] = (first_offer, self.offers.len() as u32);
        self.ranges[id as usize] = (first_edge, self.edges.len() as u32);
        self.materialised[id as usize] = true;
        Ok(())
    }

    /// Explore everything reachable from `(beat, state)`; returns its id.
    /// Depth first, each state's successors numbered when it is entered.
    pub fn reach(&mut self, s: &Scenario, beat: u32, state: GameState) -> Result<u32, TooLarge> {
        let root = self.intern(beat, state)?;
        if self.materialised[root as usize] {
            // Everything reachable from a materialised state is materialised
            // (each `reach` completes its walk), unless a walk was cut short by
            // the cap, and then the graph is not used.
            return Ok(root);
        }
        // Iterative, so a 10,000-beat scenario cannot overflow the stack.
        self.materialise(s, root)?;
        let mut stack: Vec<(u32, u32)> = vec![(root, 0)];
        while let Some(top) = stack.last_mut() {
            let (id, next) = *top;
            let (start, end) = self.ranges[id as usize];
            if start + next < end {
                top.1 += 1;
                if let Target::State(t) = self.edges[(start + next) as usize].to
                    && !self.materialised[t as usize]
                {
                    self.materialise(s, t)?;
                    stack.push((t, 0));
                }
            } else {
                stack.pop();
            }
        }
        Ok(root)
    }
}
