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
//!
//! The files, by concern:
//! - `space.rs`: the states and their edges, explored once and memoised;
//! - `values.rs`: best, worst, expected best, path counts for each state;
//! - `queries.rs`: what the debrief asks of a state (best from here, the value of each act);
//! - `routes.rs`: following best or worst edges into a [`ScoreRoute`];
//! - `report.rs`: the [`Analysis`] `talkdown analyze` prints (endings, extremes, dead ends);
//! - `text.rs`: that report as text for authors.

mod queries;
mod report;
mod routes;
mod space;
mod text;
mod values;

pub use report::{Analysis, Counts, DeadEnd, EndingReport, PathCount};
pub use routes::{DimensionPoints, DimensionRoute, Extremes, ScoreRoute, Step};
pub use space::StateSpace;
pub use text::render_text;

use crate::scenario::{NodeRef, Scenario};
use crate::state::GameState;

/// Refuse to explore more states than this (the shared graph's cap).
pub use crate::state::graph::MAX_STATES;

/// Why a scenario could not be analysed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnalysisError {
    /// More states (beat × meter values × flags) are reachable than the cap
    /// given (usually [`MAX_STATES`]); nothing is analysed rather than hang.
    #[error(
        "the state space is too large to analyse (more than {0} states of beat × meters × flags); \
         check for meters with very wide ranges"
    )]
    TooLarge(usize),
}

impl From<crate::state::graph::TooLarge> for AnalysisError {
    fn from(e: crate::state::graph::TooLarge) -> Self {
        AnalysisError::TooLarge(e.0)
    }
}

/// Analyse a scenario from every possible start state.
pub fn analyze(scenario: &Scenario) -> Result<(Analysis, StateSpace), AnalysisError> {
    // Past the cap from every start (found once, when the scenario was
    // checked): exploring again from the same starts would only hit it again.
    crate::state::graph::StateGraph::of(scenario)?;
    let mut space = StateSpace::new(scenario);
    let NodeRef::Beat(start_beat) = scenario.start else {
        unreachable!("a checked scenario starts at a beat")
    };
    let starts: Vec<u32> = GameState::all_starts(scenario)
        .iter()
        .map(|s| space.ensure(start_beat, s))
        .collect::<Result<_, _>>()?;
    let analysis = report::report(&space, &starts);
    Ok((analysis, space))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::scenario::load::scenario_from_str;
    use crate::state::graph::StateGraph;

    const MINIMAL: &str = include_str!("../../tests/fixtures/minimal.ron");

    #[test]
    fn the_analyzer_reads_the_graph_the_validator_explored() {
        let s = scenario_from_str("minimal.ron", MINIMAL).scenario.expect("valid");
        // Loading ran the judgement checks, which explored the graph and kept it.
        let kept = StateGraph::of(&s).expect("small");
        let (_, space) = analyze(&s).unwrap();
        assert!(Arc::ptr_eq(&kept, &space.graph), "the analyzer explored again");
        // A clone of the scenario shares it too.
        assert!(Arc::ptr_eq(&kept, &StateGraph::of(&s.clone()).unwrap()));
    }

    #[test]
    fn a_start_outside_the_graph_is_explored_in_a_copy() {
        let s = scenario_from_str("minimal.ron", MINIMAL).scenario.expect("valid");
        let kept = StateGraph::of(&s).unwrap();
        let (_, mut space) = analyze(&s).unwrap();
        let NodeRef::Beat(start) = s.start else { unreachable!() };
        // Distress 0 at the door: no run starts there (the meter starts at 5).
        let outside = GameState { meters: vec![0; s.meters.len()], flags: 0 };
        assert!(kept.id(start, &outside).is_none());
        let best = space.best_total(start, &outside).unwrap();
        assert!(best.is_some());
        assert!(space.len() > kept.len(), "the copy grew");
        assert!(!Arc::ptr_eq(&kept, &space.graph));
        // The scenario's graph is untouched, so the next analysis starts from it as before.
        assert!(Arc::ptr_eq(&kept, &StateGraph::of(&s).unwrap()));
        assert_eq!(StateGraph::of(&s).unwrap().len(), kept.len());
    }
}
