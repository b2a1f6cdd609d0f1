//! The report `talkdown analyze` prints: counts, endings and their route
//! lengths, the best and the worst practice, unreachable beats, dead ends.

use std::collections::VecDeque;

use serde::Serialize;

use super::routes::{MAXIMA_NOTE, MINIMA_NOTE};
use super::space::{NO_BEST, NO_WORST, StateSpace, Target};
use super::{DimensionRoute, Extremes, ScoreRoute};
use crate::scenario::rubric::Grade;

/// One ending of the scenario, as the analyzer sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EndingReport {
    /// The ending's id.
    pub id: String,
    /// The ending's title.
    pub title: String,
    /// Its rubric outcome category (e.g. `voluntary_help`).
    pub outcome: String,
    /// The grade the rubric gives that outcome.
    pub grade: Grade,
    /// Whether any run can end here, conditions taken into account.
    pub reachable: bool,
    /// Fewest decisions from the start to this ending.
    pub shortest: Option<u32>,
    /// Most decisions from the start to this ending without repeating a state.
    pub longest: Option<u32>,
}

/// A state where nothing is offered and no ending was reached: a run
/// there would be stuck (a scenario bug).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadEnd {
    /// The beat's id.
    pub beat: String,
    /// The meters and set flags there, in words (e.g. `trust=2 calm=0 [weapon_seen]`).
    pub state: String,
}

/// The scenario's size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Beats in the file.
    pub beats: usize,
    /// Choices over all beats.
    pub choices: usize,
    /// Endings in the file.
    pub endings: usize,
    /// Reachable states (beat × meter values × flags).
    pub states: usize,
    /// Distinct states a run can start in (random start values give several).
    pub start_states: usize,
}

/// How many ways through the scenario there are.
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
    /// The JSON format's version (1); bumped only on an incompatible change.
    pub format_version: u32,
    /// The scenario's id.
    pub scenario: String,
    /// The scenario's title.
    pub title: String,
    /// The content hash of the file analysed (hex), to tie the report to a version.
    pub content_hash: String,
    /// Beats, choices, endings, states.
    pub counts: Counts,
    /// Ways from a start to an ending.
    pub paths: PathCount,
    /// Every ending, reachable or not, in file order.
    pub endings: Vec<EndingReport>,
    /// The best practice: the highest-scoring route, and each dimension's best.
    pub best: Extremes,
    /// The worst practice: most critical errors, then fewest points.
    pub worst: Extremes,
    /// Beats no run can reach once conditions are taken into account
    /// (the validator's reachability check ignores conditions).
    pub unreachable_beats: Vec<String>,
    /// States where nothing is offered and no ending was reached (at most 20 listed).
    pub dead_ends: Vec<DeadEnd>,
    /// How many dead ends there are in all (`dead_ends` lists at most 20).
    pub dead_end_count: usize,
    /// What rules needing no judgement reach (always the longest text, ...);
    /// `None` when the state space is past the cap. See docs/diagnostics.md (W208).
    pub naive_strategies: Option<Vec<crate::scenario::validate::guessable::StrategyShare>>,
}

impl Analysis {
    /// The ids of endings no run can reach.
    pub fn unreachable_endings(&self) -> Vec<&str> {
        self.endings.iter().filter(|e| !e.reachable).map(|e| e.id.as_str()).collect()
    }
}

pub(super) fn report(space: &StateSpace, starts: &[u32]) -> Analysis {
    let sc = &space.scenario;
    let n = space.graph.states.len();
    let n_endings = sc.endings.len();
    let Reach { shortest, dead, dead_count } = reach(space, starts);
    let longest = longest_routes(space, starts, &shortest);
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
        best: extremes(space, starts, true),
        worst: extremes(space, starts, false),
        unreachable_beats: {
            let mut seen = vec![false; sc.beats.len()];
            for &b in &space.graph.beats {
                seen[b as usize] = true;
            }
            sc.file.beats.iter().zip(seen).filter(|(_, s)| !s).map(|(b, _)| b.id.clone()).collect()
        },
        dead_ends: dead,
        dead_end_count: dead_count,
        naive_strategies: crate::scenario::validate::guessable::naive_strategies(sc).ok(),
    }
}

/// What a breadth-first walk from the starts finds.
struct Reach {
    /// Fewest decisions to each ending (`u32::MAX`: not reachable).
    shortest: Vec<u32>,
    /// The first 20 dead ends met, and how many there are.
    dead: Vec<DeadEnd>,
    dead_count: usize,
}

/// Reachable endings, shortest routes and dead ends: breadth-first from the starts.
fn reach(space: &StateSpace, starts: &[u32]) -> Reach {
    let sc = &space.scenario;
    let n = space.graph.states.len();
    let n_endings = sc.endings.len();
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
        let (a, b) = space.graph.ranges[id as usize];
        if a == b {
            dead_count += 1;
            if dead.len() < 20 {
                dead.push(DeadEnd {
                    beat: sc.beat(space.graph.beats[id as usize]).id.clone(),
                    state: space.graph.states[id as usize].describe(sc),
                });
            }
        }
        for e in a..b {
            match space.graph.edges[e as usize].to {
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

    Reach { shortest, dead, dead_count }
}

/// Most decisions to each reachable ending without repeating a state: one pass
/// per ending in finishing order (successors first).
fn longest_routes(space: &StateSpace, starts: &[u32], shortest: &[u32]) -> Vec<Option<u32>> {
    let n = space.graph.states.len();
    let mut longest = vec![None; shortest.len()];
    let mut len = vec![u32::MAX; n];
    for (x, slot) in longest.iter_mut().enumerate() {
        if shortest[x] == u32::MAX {
            continue;
        }
        len.fill(u32::MAX);
        for &id in &space.order {
            let (a, b) = space.graph.ranges[id as usize];
            let mut m = u32::MAX;
            for e in a..b {
                let v = match space.graph.edges[e as usize].to {
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

    longest
}

/// The best (or worst-practice) route in total and per dimension, from the
/// start that gives the most extreme value.
fn extremes(space: &StateSpace, starts: &[u32], best: bool) -> Extremes {
    let sc = &space.scenario;
    let k = space.k;
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
    Extremes {
        total: pick(k - 1, best),
        dimensions: sc
            .rubric
            .dimensions
            .iter()
            .enumerate()
            .map(|(o, d)| DimensionRoute { dimension: d.id.clone(), route: pick(o, best) })
            .collect(),
        dimensions_note: if best { MAXIMA_NOTE } else { MINIMA_NOTE }.to_string(),
    }
}
