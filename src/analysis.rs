//! The analyzer: an exact search of a scenario's real state space
//! (beat × meter values × flags).
//!
//! Each state is visited once (memoised), so the work grows with the number of
//! reachable states, never with the number of paths. For every state we know,
//! per rubric dimension and in total, the best and worst score still
//! achievable and the act that achieves it. Weighted random routes are
//! explored in every outcome: the best takes luck in the trainee's favour and
//! the worst against it, because the rubric judges decisions, not dice. A state
//! met again while it is still being explored (a loop) adds nothing: a beat
//! revisited with the same state is the same state.
//!
//! Scores are those that apply in each state (a choice's first score variant
//! whose condition holds, else its plain scores). The worst route is the worst
//! *practice*: the most critical errors first, then the fewest points. Beside
//! the best and worst, each state knows its *expected best*: the best total a
//! trainee can expect from there when each weighted random route counts by its
//! weights (the value the debrief judges decisions against).

use std::collections::VecDeque;

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::scenario::{Act, NodeRef, Route, Scenario, Scored, rubric::Grade};
use crate::state::GameState;

/// Refuse to explore more states than this; a scenario this large almost
/// certainly has a meter with a huge range by mistake.
pub const MAX_STATES: usize = 4_000_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnalysisError {
    #[error(
        "the state space is too large to analyse (more than {0} states of beat × meters × flags); \
         check for meters with very wide ranges"
    )]
    TooLarge(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Ending(u32),
    State(u32),
}

#[derive(Debug, Clone, Copy)]
struct Edge {
    act: Act,
    to: Target,
}

const NO_BEST: i32 = i32::MIN;
const NO_WORST: i32 = i32::MAX;
const NO_EDGE: u32 = u32::MAX;

/// The explored state space. More states (e.g. a dev-panel start) can be
/// added later with [`StateSpace::ensure`]; what is already known is reused.
pub struct StateSpace {
    scenario: Scenario,
    /// Objectives: one per rubric dimension, then the total.
    k: usize,
    index: FxHashMap<(u32, GameState), u32>,
    beats: Vec<u32>,
    states: Vec<GameState>,
    /// `edges[range.0..range.1]` are a state's edges, grouped by act.
    ranges: Vec<(u32, u32)>,
    edges: Vec<Edge>,
    materialised: Vec<bool>,
    active: Vec<bool>,
    done: Vec<bool>,
    /// Finishing order: every successor of a state, except along a loop, finishes before it.
    order: Vec<u32>,
    best: Vec<i32>,
    worst: Vec<i32>,
    best_edge: Vec<u32>,
    worst_edge: Vec<u32>,
    paths: Vec<u64>,
    /// The best ending grade reachable (2 good, 1 acceptable, 0 bad, -1 none).
    best_grade: Vec<i8>,
    /// Critical errors along the worst-practice route from each state.
    worst_critical: Vec<u32>,
    /// The expected best total from each state (NaN: no ending reachable).
    expected: Vec<f64>,
}

fn grade_rank(g: Grade) -> i8 {
    match g {
        Grade::Good => 2,
        Grade::Acceptable => 1,
        Grade::Bad => 0,
    }
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
                    let (to, _) = crate::engine::follow(&sc, route, &mut s, |_| 0);
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

    /// Value of an edge's target for objective `o`: 0 at an ending; `None`
    /// for a state that cannot reach an ending or is on the current loop.
    fn target_best(&self, to: Target, o: usize) -> Option<i32> {
        match to {
            Target::Ending(_) => Some(0),
            Target::State(t) if self.done[t as usize] => {
                let v = self.best[t as usize * self.k + o];
                (v != NO_BEST).then_some(v)
            }
            Target::State(_) => None,
        }
    }

    fn target_worst(&self, to: Target, o: usize) -> Option<i32> {
        match to {
            Target::Ending(_) => Some(0),
            Target::State(t) if self.done[t as usize] => {
                let v = self.worst[t as usize * self.k + o];
                (v != NO_WORST).then_some(v)
            }
            Target::State(_) => None,
        }
    }

    /// An act's points for objective `o` when made in state `id` (the score
    /// variant that applies there, else the plain scores).
    fn score(&self, id: usize, act: Act, o: usize) -> i32 {
        let scored = self.scenario.scores_in(self.beats[id], act, &self.states[id]);
        scored.scores.get(o).copied().unwrap_or(scored.total)
    }

    fn critical(&self, beat: u32, act: Act) -> bool {
        self.scenario.act(beat, act).is_some_and(|a| a.critical)
    }

    /// Weights of an act's edges, in edge order (1 for a fixed route).
    fn weight(&self, beat: u32, act: Act, nth: usize) -> f64 {
        match self.scenario.act(beat, act).map(|a| &a.route) {
            Some(Route::Chance(outs)) => outs.get(nth).map(|o| f64::from(o.weight)).unwrap_or(0.0),
            _ => 1.0,
        }
    }

    fn target_expected(&self, to: Target) -> Option<f64> {
        match to {
            Target::Ending(_) => Some(0.0),
            Target::State(t) if self.done[t as usize] => {
                let v = self.expected[t as usize];
                (!v.is_nan()).then_some(v)
            }
            Target::State(_) => None,
        }
    }

    /// The worst practice after an edge: (critical errors, points), 0 at an ending.
    fn target_worst_practice(&self, to: Target) -> Option<(u32, i32)> {
        match to {
            Target::Ending(_) => Some((0, 0)),
            Target::State(t) if self.done[t as usize] => {
                let v = self.worst[t as usize * self.k + self.k - 1];
                (v != NO_WORST).then(|| (self.worst_critical[t as usize], v))
            }
            Target::State(_) => None,
        }
    }

    /// The expected value of one act's edges `[from, to)`: the weighted mean of
    /// the expected best after each outcome (outcomes on a loop are left out).
    fn group_expected(&self, beat: u32, act: Act, from: u32, to: u32) -> Option<f64> {
        let (mut sum, mut weights) = (0.0, 0.0);
        for (nth, e) in (from..to).enumerate() {
            if let Some(v) = self.target_expected(self.edges[e as usize].to) {
                let w = self.weight(beat, act, nth);
                sum += w * v;
                weights += w;
            }
        }
        (weights > 0.0).then(|| sum / weights)
    }

    fn finish(&mut self, id: u32) {
        let i = id as usize;
        let beat = self.beats[i];
        let (start, end) = self.ranges[i];
        // Each act's edges (its chance outcomes) are contiguous; score each act
        // once here, with the variant that applies in this state.
        let sc = self.scenario.clone();
        let mut groups: Vec<(u32, u32, Act, Scored<'_>)> = Vec::new();
        let mut e = start;
        while e < end {
            let act = self.edges[e as usize].act;
            let mut group_end = e;
            while group_end < end && self.edges[group_end as usize].act == act {
                group_end += 1;
            }
            groups.push((e, group_end, act, sc.scores_in(beat, act, &self.states[i])));
            e = group_end;
        }
        // The worst practice (total): most critical errors, then fewest points.
        {
            let mut worst: Option<((u32, i32), u32)> = None;
            let mut expected: Option<f64> = None;
            for &(e, group_end, act, scored) in &groups {
                let mut lo: Option<((u32, i32), u32)> = None;
                for g in e..group_end {
                    if let Some(v) = self.target_worst_practice(self.edges[g as usize].to)
                        && lo.is_none_or(|(l, _)| worse(v, l))
                    {
                        lo = Some((v, g));
                    }
                }
                let s = scored.total;
                if let Some(((c, p), edge)) = lo {
                    let v = (c + u32::from(self.critical(beat, act)), p.saturating_add(s));
                    if worst.is_none_or(|(w, _)| worse(v, w)) {
                        worst = Some((v, edge));
                    }
                }
                if let Some(x) = self.group_expected(beat, act, e, group_end) {
                    let v = f64::from(s) + x;
                    if expected.is_none_or(|b| v > b) {
                        expected = Some(v);
                    }
                }
            }
            if let Some(((c, p), edge)) = worst {
                self.worst_critical[i] = c;
                self.worst[i * self.k + self.k - 1] = p;
                self.worst_edge[i * self.k + self.k - 1] = edge;
            }
            self.expected[i] = expected.unwrap_or(f64::NAN);
        }
        for o in 0..self.k {
            let mut best: Option<(i32, u32)> = None;
            let mut worst: Option<(i32, u32)> = None;
            for &(e, group_end, _, scored) in &groups {
                let mut hi: Option<(i32, u32)> = None;
                let mut lo: Option<(i32, u32)> = None;
                for g in e..group_end {
                    let to = self.edges[g as usize].to;
                    if let Some(v) = self.target_best(to, o)
                        && hi.is_none_or(|(h, _)| v > h)
                    {
                        hi = Some((v, g));
                    }
                    if let Some(v) = self.target_worst(to, o)
                        && lo.is_none_or(|(l, _)| v < l)
                    {
                        lo = Some((v, g));
                    }
                }
                let s = scored.scores.get(o).copied().unwrap_or(scored.total);
                if let Some((v, edge)) = hi
                    && best.is_none_or(|(b, _)| s.saturating_add(v) > b)
                {
                    best = Some((s.saturating_add(v), edge));
                }
                if let Some((v, edge)) = lo
                    && worst.is_none_or(|(w, _)| s.saturating_add(v) < w)
                {
                    worst = Some((s.saturating_add(v), edge));
                }
            }
            if let Some((v, edge)) = best {
                self.best[i * self.k + o] = v;
                self.best_edge[i * self.k + o] = edge;
            }
            // The total's worst is the worst practice, set above.
            if o == self.k - 1 {
                continue;
            }
            if let Some((v, edge)) = worst {
                self.worst[i * self.k + o] = v;
                self.worst_edge[i * self.k + o] = edge;
            }
        }
        let mut grade = -1;
        for e in start..end {
            let g = match self.edges[e as usize].to {
                Target::Ending(x) => grade_rank(self.scenario.endings[x as usize].grade),
                Target::State(t) if self.done[t as usize] => self.best_grade[t as usize],
                Target::State(_) => -1,
            };
            grade = grade.max(g);
        }
        self.best_grade[i] = grade;
        let mut paths: u64 = 0;
        for e in start..end {
            let n = match self.edges[e as usize].to {
                Target::Ending(_) => 1,
                Target::State(t) if self.done[t as usize] => self.paths[t as usize],
                Target::State(_) => 0,
            };
            paths = paths.saturating_add(n);
        }
        self.paths[i] = paths;
        self.done[i] = true;
        self.order.push(id);
    }

    /// The best total score still achievable from a state, if an ending can be reached.
    pub fn best_total(&mut self, beat: u32, state: &GameState) -> Result<Option<i32>, AnalysisError> {
        let id = self.ensure(beat, state)?;
        let v = self.best[id as usize * self.k + self.k - 1];
        Ok((v != NO_BEST).then_some(v))
    }

    /// For each act offered in a state: its total score now plus the best still
    /// achievable after it (luck in the trainee's favour). `None`: no ending follows.
    pub fn act_values(
        &mut self,
        beat: u32,
        state: &GameState,
    ) -> Result<Vec<(Act, Option<i32>)>, AnalysisError> {
        let id = self.ensure(beat, state)? as usize;
        let o = self.k - 1;
        let (start, end) = self.ranges[id];
        let mut out: Vec<(Act, Option<i32>)> = Vec::new();
        for e in start..end {
            let edge = self.edges[e as usize];
            let v = self.target_best(edge.to, o).map(|v| v.saturating_add(self.score(id, edge.act, o)));
            match out.last_mut() {
                Some((a, cur)) if *a == edge.act => {
                    if v > *cur {
                        *cur = v;
                    }
                }
                _ => out.push((edge.act, v)),
            }
        }
        Ok(out)
    }

    /// The best total a trainee can expect from a state when every weighted
    /// random route counts by its weights; `None` if no ending can be reached.
    pub fn expected_best(&mut self, beat: u32, state: &GameState) -> Result<Option<f64>, AnalysisError> {
        let id = self.ensure(beat, state)? as usize;
        let v = self.expected[id];
        Ok((!v.is_nan()).then_some(v))
    }

    /// For each act offered in a state: its total score now (the variant that
    /// applies there) plus the expected best after it, weighting a chance
    /// route's outcomes by their weights. `None`: no ending follows.
    pub fn act_expected_values(
        &mut self,
        beat: u32,
        state: &GameState,
    ) -> Result<Vec<(Act, Option<f64>)>, AnalysisError> {
        let id = self.ensure(beat, state)? as usize;
        let (start, end) = self.ranges[id];
        let mut out = Vec::new();
        let mut e = start;
        while e < end {
            let act = self.edges[e as usize].act;
            let mut group_end = e;
            while group_end < end && self.edges[group_end as usize].act == act {
                group_end += 1;
            }
            let s = f64::from(self.score(id, act, self.k - 1));
            out.push((act, self.group_expected(beat, act, e, group_end).map(|x| s + x)));
            e = group_end;
        }
        Ok(out)
    }

    /// For a chance route taken from a state: the best ending grade still
    /// reachable after each outcome, to tell luck from judgement.
    pub fn outcome_grades(
        &mut self,
        beat: u32,
        state: &GameState,
        act: Act,
    ) -> Result<Vec<Option<Grade>>, AnalysisError> {
        let id = self.ensure(beat, state)? as usize;
        let (start, end) = self.ranges[id];
        let rank = |r: i8| match r {
            2 => Some(Grade::Good),
            1 => Some(Grade::Acceptable),
            0 => Some(Grade::Bad),
            _ => None,
        };
        Ok((start..end)
            .map(|e| self.edges[e as usize])
            .filter(|e| e.act == act)
            .map(|e| match e.to {
                Target::Ending(x) => Some(self.scenario.endings[x as usize].grade),
                Target::State(t) => rank(self.best_grade[t as usize]),
            })
            .collect())
    }

    fn route(&self, from: u32, o: usize, best: bool) -> ScoreRoute {
        let sc = &self.scenario;
        let mut steps = Vec::new();
        let mut id = from as usize;
        let value = if best { self.best[id * self.k + o] } else { self.worst[id * self.k + o] };
        let score = (value != NO_BEST && value != NO_WORST).then_some(value);
        let mut ending = None;
        let mut by_dimension = vec![0i32; self.k - 1];
        let mut critical_errors = 0u32;
        for _ in 0..=self.states.len() {
            let e = if best { self.best_edge[id * self.k + o] } else { self.worst_edge[id * self.k + o] };
            if e == NO_EDGE {
                break;
            }
            let edge = self.edges[e as usize];
            let beat = self.beats[id];
            let chance = matches!(sc.act(beat, edge.act).map(|a| &a.route), Some(Route::Chance(_)));
            let scored = sc.scores_in(beat, edge.act, &self.states[id]);
            for (sum, p) in by_dimension.iter_mut().zip(scored.scores) {
                *sum += p;
            }
            critical_errors += u32::from(self.critical(beat, edge.act));
            let to_id = match edge.to {
                Target::Ending(x) => sc.ending(x).id.clone(),
                Target::State(t) => sc.beat(self.beats[t as usize]).id.clone(),
            };
            steps.push(Step {
                beat: sc.beat(beat).id.clone(),
                choice: sc.act_id(beat, edge.act).to_string(),
                text: sc.act_text(beat, edge.act),
                luck: chance.then_some(to_id),
                beat_index: beat,
                act: edge.act,
            });
            match edge.to {
                Target::Ending(x) => {
                    ending = Some(x);
                    break;
                }
                Target::State(t) => id = t as usize,
            }
        }
        ScoreRoute {
            score,
            ending: ending.map(|e| sc.ending(e).id.clone()),
            outcome: ending.map(|e| sc.ending(e).outcome.clone()),
            grade: ending.map(|e| sc.endings[e as usize].grade),
            critical_errors,
            by_dimension: sc
                .rubric
                .dimensions
                .iter()
                .zip(by_dimension)
                .map(|(d, points)| DimensionPoints { dimension: d.id.clone(), points })
                .collect(),
            steps,
        }
    }

    /// The best-total route from a state (luck in the trainee's favour).
    pub fn best_route_from(&mut self, beat: u32, state: &GameState) -> Result<ScoreRoute, AnalysisError> {
        let id = self.ensure(beat, state)?;
        Ok(self.route(id, self.k - 1, true))
    }
}

/// `a` is worse practice than `b`: more critical errors, or as many and fewer points.
fn worse(a: (u32, i32), b: (u32, i32)) -> bool {
    a.0 > b.0 || (a.0 == b.0 && a.1 < b.1)
}

/// One step of a route: the beat, the choice made there, and for a weighted
/// random route, the outcome the route assumes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub beat: String,
    pub choice: String,
    pub text: String,
    /// For a weighted random route: where luck took this route (a beat or ending id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub luck: Option<String>,
    #[serde(skip)]
    pub beat_index: u32,
    #[serde(skip)]
    pub act: Act,
}

/// A score and a sequence of choices that achieves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScoreRoute {
    /// `None` when no ending can be reached at all.
    pub score: Option<i32>,
    pub ending: Option<String>,
    pub outcome: Option<String>,
    pub grade: Option<Grade>,
    /// Critical errors made along this route.
    pub critical_errors: u32,
    /// Points per rubric dimension along this route (they add up to its total).
    pub by_dimension: Vec<DimensionPoints>,
    pub steps: Vec<Step>,
}

/// Points in one rubric dimension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DimensionPoints {
    pub dimension: String,
    pub points: i32,
}

impl ScoreRoute {
    /// Points in one dimension along this route.
    pub fn points_in(&self, dimension: &str) -> Option<i32> {
        self.by_dimension.iter().find(|d| d.dimension == dimension).map(|d| d.points)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DimensionRoute {
    pub dimension: String,
    #[serde(flatten)]
    pub route: ScoreRoute,
}

/// Best (or worst) routes: in total and per rubric dimension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Extremes {
    /// The best-total route, or for the worst the worst practice: most
    /// critical errors first, then fewest points. Its `by_dimension` are the
    /// dimension figures a trainee is compared with.
    pub total: ScoreRoute,
    /// Each dimension's own extreme, found separately (per-dimension maxima or
    /// minima): see `dimensions_note`.
    pub dimensions: Vec<DimensionRoute>,
    /// Why the per-dimension extremes can add up to more (or less) than the total.
    pub dimensions_note: String,
}

const MAXIMA_NOTE: &str = "Each dimension's best is found on its own, and the routes that reach \
     them differ (a route that does most for safety is not the one that does most for listening), \
     so these maxima can add up to more than the best total; no single run reaches them all. The \
     points of the best-total route, dimension by dimension, are the figures a trainee is compared with.";
const MINIMA_NOTE: &str = "Each dimension's worst is found on its own, on different routes, so \
     these minima can add up to less than the worst route's points.";

impl Extremes {
    pub fn dimension(&self, id: &str) -> Option<&ScoreRoute> {
        self.dimensions.iter().find(|d| d.dimension == id).map(|d| &d.route)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EndingReport {
    pub id: String,
    pub title: String,
    pub outcome: String,
    pub grade: Grade,
    pub reachable: bool,
    /// Fewest decisions from the start to this ending.
    pub shortest: Option<u32>,
    /// Most decisions from the start to this ending without repeating a state.
    pub longest: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadEnd {
    pub beat: String,
    pub state: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub beats: usize,
    pub choices: usize,
    pub endings: usize,
    pub states: usize,
    pub start_states: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathCount {
    /// Distinct ways from a start to an ending (each chance outcome counts).
    pub count: u64,
    /// True when the count reached u64::MAX and stopped.
    pub saturated: bool,
}

/// Everything `talkdown analyze` reports. Its JSON form is documented in
/// `docs/analysis-json.md` and kept stable (`format_version`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Analysis {
    pub format_version: u32,
    pub scenario: String,
    pub title: String,
    pub content_hash: String,
    pub counts: Counts,
    pub paths: PathCount,
    pub endings: Vec<EndingReport>,
    pub best: Extremes,
    pub worst: Extremes,
    /// Beats no run can reach once conditions are taken into account
    /// (the validator's reachability check ignores conditions).
    pub unreachable_beats: Vec<String>,
    /// States where nothing is offered and no ending was reached (at most 20 listed).
    pub dead_ends: Vec<DeadEnd>,
    pub dead_end_count: usize,
    /// What rules needing no judgement reach (always the longest text, ...);
    /// `None` when the state space is past the cap. See docs/diagnostics.md (W208).
    pub naive_strategies: Option<Vec<crate::scenario::validate::guessable::StrategyShare>>,
}

impl Analysis {
    pub fn unreachable_endings(&self) -> Vec<&str> {
        self.endings.iter().filter(|e| !e.reachable).map(|e| e.id.as_str()).collect()
    }
}

/// Analyse a scenario from every possible start state.
pub fn analyze(scenario: &Scenario) -> Result<(Analysis, StateSpace), AnalysisError> {
    let mut space = StateSpace::new(scenario);
    let NodeRef::Beat(start_beat) = scenario.start else {
        unreachable!("a checked scenario starts at a beat")
    };
    let starts: Vec<u32> = GameState::all_starts(scenario)
        .iter()
        .map(|s| space.ensure(start_beat, s))
        .collect::<Result<_, _>>()?;
    let analysis = report(&space, &starts);
    Ok((analysis, space))
}

fn report(space: &StateSpace, starts: &[u32]) -> Analysis {
    let sc = &space.scenario;
    let k = space.k;
    let n = space.states.len();
    let n_endings = sc.endings.len();

    // Reachable endings and shortest routes: breadth-first from the starts.
    let mut dist = vec![u32::MAX; n];
    let mut queue = VecDeque::new();
    for &s in starts {
        if dist[s as usize] == u32::MAX {
            dist[s as usize] = 0;
            queue.push_back(s);
        }
    }
    let mut shortest = vec![u32::MAX; n_endings];
    let mut dead = Vec::new();
    let mut dead_count = 0;
    while let Some(id) = queue.pop_front() {
        let (a, b) = space.ranges[id as usize];
        if a == b {
            dead_count += 1;
            if dead.len() < 20 {
                dead.push(DeadEnd {
                    beat: sc.beat(space.beats[id as usize]).id.clone(),
                    state: space.states[id as usize].describe(sc),
                });
            }
        }
        for e in a..b {
            match space.edges[e as usize].to {
                Target::Ending(x) => {
                    let d = dist[id as usize] + 1;
                    shortest[x as usize] = shortest[x as usize].min(d);
                }
                Target::State(t) => {
                    if dist[t as usize] == u32::MAX {
                        dist[t as usize] = dist[id as usize] + 1;
                        queue.push_back(t);
                    }
                }
            }
        }
    }

    // Longest routes: one pass per ending in finishing order (successors first).
    let mut longest = vec![None; n_endings];
    let mut len = vec![u32::MAX; n];
    for (x, slot) in longest.iter_mut().enumerate() {
        if shortest[x] == u32::MAX {
            continue;
        }
        len.fill(u32::MAX);
        for &id in &space.order {
            let (a, b) = space.ranges[id as usize];
            let mut m = u32::MAX;
            for e in a..b {
                let v = match space.edges[e as usize].to {
                    Target::Ending(y) if y as usize == x => 1,
                    Target::Ending(_) => u32::MAX,
                    Target::State(t) => match len[t as usize] {
                        u32::MAX => u32::MAX,
                        l => l + 1,
                    },
                };
                if v != u32::MAX && (m == u32::MAX || v > m) {
                    m = v;
                }
            }
            len[id as usize] = m;
        }
        *slot = starts.iter().map(|&s| len[s as usize]).filter(|&l| l != u32::MAX).max();
    }

    let pick = |o: usize, best: bool| -> ScoreRoute {
        let total = o == k - 1;
        let chosen = starts
            .iter()
            .copied()
            .filter(|&s| {
                let v = if best { space.best[s as usize * k + o] } else { space.worst[s as usize * k + o] };
                v != NO_BEST && v != NO_WORST
            })
            .max_by_key(|&s| {
                let i = s as usize;
                let v = if best { space.best[i * k + o] } else { space.worst[i * k + o].saturating_neg() };
                // The worst total is the worst practice: critical errors first.
                let crit = if !best && total { space.worst_critical[i] } else { 0 };
                (crit, v, std::cmp::Reverse(s))
            });
        match chosen {
            Some(s) => space.route(s, o, best),
            None => ScoreRoute {
                score: None,
                ending: None,
                outcome: None,
                grade: None,
                critical_errors: 0,
                by_dimension: Vec::new(),
                steps: Vec::new(),
            },
        }
    };
    let extremes = |best: bool| Extremes {
        total: pick(k - 1, best),
        dimensions: sc
            .rubric
            .dimensions
            .iter()
            .enumerate()
            .map(|(o, d)| DimensionRoute { dimension: d.id.clone(), route: pick(o, best) })
            .collect(),
        dimensions_note: if best { MAXIMA_NOTE } else { MINIMA_NOTE }.to_string(),
    };
    let count = starts.iter().fold(0u64, |acc, &s| acc.saturating_add(space.paths[s as usize]));

    Analysis {
        format_version: 1,
        scenario: sc.id().to_string(),
        title: sc.title().to_string(),
        content_hash: sc.content_hash.clone(),
        counts: Counts {
            beats: sc.beats.len(),
            choices: sc.beats.iter().map(|b| b.choices.len()).sum(),
            endings: n_endings,
            states: n,
            start_states: starts.len(),
        },
        paths: PathCount { count, saturated: count == u64::MAX },
        endings: sc
            .file
            .endings
            .iter()
            .enumerate()
            .map(|(x, e)| EndingReport {
                id: e.id.clone(),
                title: e.title.clone(),
                outcome: e.outcome.clone(),
                grade: sc.endings[x].grade,
                reachable: shortest[x] != u32::MAX,
                shortest: (shortest[x] != u32::MAX).then_some(shortest[x]),
                longest: longest[x],
            })
            .collect(),
        best: extremes(true),
        worst: extremes(false),
        unreachable_beats: {
            let mut seen = vec![false; sc.beats.len()];
            for &b in &space.beats {
                seen[b as usize] = true;
            }
            sc.file.beats.iter().zip(seen).filter(|(_, s)| !s).map(|(b, _)| b.id.clone()).collect()
        },
        dead_ends: dead,
        dead_end_count: dead_count,
        naive_strategies: crate::scenario::validate::guessable::naive_strategies(sc).ok(),
    }
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
    let _ = writeln!(o, "  {paths} distinct decision paths\n");
    let _ = writeln!(o, "Endings:");
    for e in &a.endings {
        let reach = match (e.shortest, e.longest) {
            (Some(s), Some(l)) => format!("reachable in {s}–{l} decisions"),
            (Some(s), None) => format!("reachable in {s}+ decisions"),
            _ => "NOT REACHABLE".to_string(),
        };
        let _ = writeln!(o, "  {:<28} {:<22} {:<10} {}", e.id, e.outcome, e.grade.label(), reach);
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
