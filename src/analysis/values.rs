//! What each state is worth: best and worst per objective, the worst
//! practice, the expected best, the best ending grade and the path count,
//! computed when a state finishes (its successors first).

use super::space::{NO_BEST, NO_WORST, StateSpace, Target, scored};
use crate::scenario::{Act, Route, Scored, rubric::Grade};

fn grade_rank(g: Grade) -> i8 {
    match g {
        Grade::Good => 2,
        Grade::Acceptable => 1,
        Grade::Bad => 0,
    }
}

impl StateSpace {
    /// Value of an edge's target for objective `o`: 0 at an ending; `None`
    /// for a state that cannot reach an ending or is on the current loop.
    pub(super) fn target_best(&self, to: Target, o: usize) -> Option<i32> {
        match to {
            Target::Ending(_) => Some(0),
            Target::State(t) if self.done[t as usize] => {
                let v = self.best[t as usize * self.k + o];
                (v != NO_BEST).then_some(v)
            }
            Target::State(_) => None,
        }
    }

    pub(super) fn target_worst(&self, to: Target, o: usize) -> Option<i32> {
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
    pub(super) fn score(&self, id: usize, act: Act, o: usize) -> i32 {
        let scored = self.scenario.scores_in(self.graph.beats[id], act, &self.graph.states[id]);
        scored.scores.get(o).copied().unwrap_or(scored.total)
    }

    pub(super) fn critical(&self, beat: u32, act: Act) -> bool {
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
    pub(super) fn group_expected(&self, beat: u32, act: Act, from: u32, to: u32) -> Option<f64> {
        let (mut sum, mut weights) = (0.0, 0.0);
        for (nth, e) in (from..to).enumerate() {
            if let Some(v) = self.target_expected(self.graph.edges[e as usize].to) {
                let w = self.weight(beat, act, nth);
                sum += w * v;
                weights += w;
            }
        }
        (weights > 0.0).then(|| sum / weights)
    }

    pub(super) fn finish(&mut self, id: u32) {
        let i = id as usize;
        let beat = self.graph.beats[i];
        // Each act's edges (its chance outcomes) are contiguous, one offer
        // each; the graph found once which score variant applies in this state.
        let sc = self.scenario.clone();
        let graph = self.graph.clone();
        let (start, end) = graph.ranges[i];
        let groups: Vec<Group<'_>> = graph
            .offers_of(id)
            .iter()
            .map(|o| (o.edges.0, o.edges.1, o.act, scored(&sc, beat, o.act, o.variant)))
            .collect();
        self.finish_worst_practice(i, beat, &groups);
        self.finish_extremes(i, &groups);
        self.finish_grade_and_paths(i, start, end);
        self.done[i] = true;
        self.order.push(id);
    }

    /// The worst practice from state `i` (most critical errors, then fewest
    /// points) and its expected best, over the acts offered there.
    fn finish_worst_practice(&mut self, i: usize, beat: u32, groups: &[Group<'_>]) {
        let mut worst: Option<((u32, i32), u32)> = None;
        let mut expected: Option<f64> = None;
        for &(e, group_end, act, scored) in groups {
            let mut lo: Option<((u32, i32), u32)> = None;
            for g in e..group_end {
                if let Some(v) = self.target_worst_practice(self.graph.edges[g as usize].to)
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

    /// Best and worst per objective (each dimension, then the total's best).
    fn finish_extremes(&mut self, i: usize, groups: &[Group<'_>]) {
        for o in 0..self.k {
            let mut best: Option<(i32, u32)> = None;
            let mut worst: Option<(i32, u32)> = None;
            for &(e, group_end, _, scored) in groups {
                let mut hi: Option<(i32, u32)> = None;
                let mut lo: Option<(i32, u32)> = None;
                for g in e..group_end {
                    let to = self.graph.edges[g as usize].to;
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
    }

    /// The best ending grade reachable from state `i`, and its path count.
    fn finish_grade_and_paths(&mut self, i: usize, start: u32, end: u32) {
        let mut grade = -1;
        for e in start..end {
            let g = match self.graph.edges[e as usize].to {
                Target::Ending(x) => grade_rank(self.scenario.endings[x as usize].grade),
                Target::State(t) if self.done[t as usize] => self.best_grade[t as usize],
                Target::State(_) => -1,
            };
            grade = grade.max(g);
        }
        self.best_grade[i] = grade;
        let mut paths: u64 = 0;
        for e in start..end {
            let n = match self.graph.edges[e as usize].to {
                Target::Ending(_) => 1,
                Target::State(t) if self.done[t as usize] => self.paths[t as usize],
                Target::State(_) => 0,
            };
            paths = paths.saturating_add(n);
        }
        self.paths[i] = paths;
    }
}

/// One act offered in a state: its edges `[from, to)`, the act, its scores there.
type Group<'a> = (u32, u32, Act, Scored<'a>);

/// `a` is worse practice than `b`: more critical errors, or as many and fewer points.
fn worse(a: (u32, i32), b: (u32, i32)) -> bool {
    a.0 > b.0 || (a.0 == b.0 && a.1 < b.1)
}
