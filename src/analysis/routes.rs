//! Routes: following a state's best (or worst) edges to an ending, and the
//! route types `talkdown analyze` and the debrief report.

use serde::Serialize;

use super::space::{NO_BEST, NO_EDGE, NO_WORST, StateSpace, Target};
use crate::scenario::{Act, Route, rubric::Grade};

impl StateSpace {
    pub(super) fn route(&self, from: u32, o: usize, best: bool) -> ScoreRoute {
        let sc = &self.scenario;
        let mut steps = Vec::new();
        let mut id = from as usize;
        let value = if best { self.best[id * self.k + o] } else { self.worst[id * self.k + o] };
        let score = (value != NO_BEST && value != NO_WORST).then_some(value);
        let mut ending = None;
        let mut by_dimension = vec![0i32; self.k - 1];
        let mut critical_errors = 0u32;
        for _ in 0..=self.graph.states.len() {
            let e = if best { self.best_edge[id * self.k + o] } else { self.worst_edge[id * self.k + o] };
            if e == NO_EDGE {
                break;
            }
            let edge = self.graph.edges[e as usize];
            let beat = self.graph.beats[id];
            let chance = matches!(sc.act(beat, edge.act).map(|a| &a.route), Some(Route::Chance(_)));
            let scored = sc.scores_in(beat, edge.act, &self.graph.states[id]);
            for (sum, p) in by_dimension.iter_mut().zip(scored.scores) {
                *sum += p;
            }
            critical_errors += u32::from(self.critical(beat, edge.act));
            let to_id = match edge.to {
                Target::Ending(x) => sc.ending(x).id.clone(),
                Target::State(t) => sc.beat(self.graph.beats[t as usize]).id.clone(),
            };
            let meters_after = match edge.to {
                Target::State(t) => self.graph.states[t as usize].meters.clone(),
                // An ending has no state of its own: the act's effects (and a
                // chance outcome's that led there) on the state it was made in.
                Target::Ending(x) => {
                    let mut st = self.graph.states[id].clone();
                    if let Some(a) = sc.act(beat, edge.act) {
                        st.apply(&a.effects, &sc.meters);
                        if let Route::Chance(outs) = &a.route
                            && let Some(o) = outs.iter().find(|o| o.to == crate::scenario::NodeRef::Ending(x))
                        {
                            st.apply(&o.effects, &sc.meters);
                        }
                    }
                    st.meters
                }
            };
            steps.push(Step {
                beat: sc.beat(beat).id.clone(),
                choice: sc.act_id(beat, edge.act).to_string(),
                text: sc.act_text(beat, edge.act),
                luck: chance.then_some(to_id),
                beat_index: beat,
                act: edge.act,
                meters_after,
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
}

/// One step of a route: the beat, the choice made there, and for a weighted
/// random route, the outcome the route assumes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// The beat's id.
    pub beat: String,
    /// The choice's id, or `timeout`.
    pub choice: String,
    /// The choice's text.
    pub text: String,
    /// For a weighted random route: where luck took this route (a beat or ending id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub luck: Option<String>,
    /// The beat's number in the checked scenario (not in the JSON).
    #[serde(skip)]
    pub beat_index: u32,
    /// The act taken (not in the JSON).
    #[serde(skip)]
    pub act: Act,
    /// The meters after this step, in scenario order (the state it leads to;
    /// for the last, the effects on the way to the ending).
    #[serde(skip)]
    pub meters_after: Vec<i32>,
}

/// A score and a sequence of choices that achieves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScoreRoute {
    /// `None` when no ending can be reached at all.
    pub score: Option<i32>,
    /// The ending the route reaches (its id); `None` when none can be reached.
    pub ending: Option<String>,
    /// That ending's outcome category.
    pub outcome: Option<String>,
    /// The grade the rubric gives that outcome.
    pub grade: Option<Grade>,
    /// Critical errors made along this route.
    pub critical_errors: u32,
    /// Points per rubric dimension along this route (they add up to its total).
    pub by_dimension: Vec<DimensionPoints>,
    /// The decisions, in order, from the start to the ending.
    pub steps: Vec<Step>,
}

/// Points in one rubric dimension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DimensionPoints {
    /// The rubric dimension's id (e.g. `safety`).
    pub dimension: String,
    /// Points in it; negative when the route costs in that dimension.
    pub points: i32,
}

impl ScoreRoute {
    /// Points in one dimension along this route.
    pub fn points_in(&self, dimension: &str) -> Option<i32> {
        self.by_dimension.iter().find(|d| d.dimension == dimension).map(|d| d.points)
    }
}

/// One rubric dimension's own extreme route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DimensionRoute {
    /// The rubric dimension's id.
    pub dimension: String,
    /// The route reaching that dimension's best (or worst) points.
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

pub(super) const MAXIMA_NOTE: &str = "Each dimension's best is found on its own, and the routes that reach \
     them differ (a route that does most for safety is not the one that does most for listening), \
     so these maxima can add up to more than the best total; no single run reaches them all. The \
     points of the best-total route, dimension by dimension, are the figures a trainee is compared with.";
pub(super) const MINIMA_NOTE: &str = "Each dimension's worst is found on its own, on different routes, so \
     these minima can add up to less than the worst route's points.";

impl Extremes {
    /// The extreme route of the dimension with id `id`; `None` when the rubric has no such dimension.
    pub fn dimension(&self, id: &str) -> Option<&ScoreRoute> {
        self.dimensions.iter().find(|d| d.dimension == id).map(|d| &d.route)
    }
}
