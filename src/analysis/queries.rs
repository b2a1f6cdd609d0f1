//! What the debrief asks of a state: the best still achievable from it, the
//! value of each act offered there, and the grades luck can lead to.

use super::space::{NO_BEST, StateSpace, Target};
use super::{AnalysisError, ScoreRoute};
use crate::scenario::{Act, rubric::Grade};
use crate::state::GameState;

impl StateSpace {
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
        let (start, end) = self.graph.ranges[id];
        let mut out: Vec<(Act, Option<i32>)> = Vec::new();
        for e in start..end {
            let edge = self.graph.edges[e as usize];
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
        let (start, end) = self.graph.ranges[id];
        let mut out = Vec::new();
        let mut e = start;
        while e < end {
            let act = self.graph.edges[e as usize].act;
            let mut group_end = e;
            while group_end < end && self.graph.edges[group_end as usize].act == act {
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
        let (start, end) = self.graph.ranges[id];
        let rank = |r: i8| match r {
            2 => Some(Grade::Good),
            1 => Some(Grade::Acceptable),
            0 => Some(Grade::Bad),
            _ => None,
        };
        Ok((start..end)
            .map(|e| self.graph.edges[e as usize])
            .filter(|e| e.act == act)
            .map(|e| match e.to {
                Target::Ending(x) => Some(self.scenario.endings[x as usize].grade),
                Target::State(t) => rank(self.best_grade[t as usize]),
            })
            .collect())
    }

    /// The best-total route from a state (luck in the trainee's favour).
    pub fn best_route_from(&mut self, beat: u32, state: &GameState) -> Result<ScoreRoute, AnalysisError> {
        let id = self.ensure(beat, state)?;
        Ok(self.route(id, self.k - 1, true))
    }
}
