//! Beat-level graph queries. They ignore conditions (every choice might be
//! offered), so they answer "could this ever happen?" cheaply; the analyzer
//! answers the exact question over the real state space.

use super::checked::{NodeRef, Route, Scenario};

/// Every node an act's route can lead to.
pub fn route_targets(route: &Route) -> Vec<NodeRef> {
    match route {
        Route::Go(t) => vec![*t],
        Route::Rules(rules, otherwise) => rules.iter().map(|(_, t)| *t).chain([*otherwise]).collect(),
        Route::Chance(outs) => outs.iter().map(|o| o.to).collect(),
    }
}

/// Every node reachable in one step from a beat.
pub fn successors(scenario: &Scenario, beat: u32) -> Vec<NodeRef> {
    scenario.acts(beat).flat_map(|(_, a)| route_targets(&a.route)).collect()
}

/// Which beats and endings can be reached from the start.
pub fn reachable(scenario: &Scenario) -> (Vec<bool>, Vec<bool>) {
    let mut beats = vec![false; scenario.beats.len()];
    let mut endings = vec![false; scenario.endings.len()];
    let mut stack = vec![scenario.start];
    while let Some(n) = stack.pop() {
        match n {
            NodeRef::Ending(e) => endings[e as usize] = true,
            NodeRef::Beat(b) => {
                if !std::mem::replace(&mut beats[b as usize], true) {
                    stack.extend(successors(scenario, b));
                }
            }
        }
    }
    (beats, endings)
}

/// For each beat, whether some ending can be reached from it.
pub fn can_reach_ending(scenario: &Scenario) -> Vec<bool> {
    let n = scenario.beats.len();
    let mut preds: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut good = vec![false; n];
    let mut stack = Vec::new();
    for b in 0..n as u32 {
        for s in successors(scenario, b) {
            match s {
                NodeRef::Beat(t) => preds[t as usize].push(b),
                NodeRef::Ending(_) => {
                    if !good[b as usize] {
                        good[b as usize] = true;
                        stack.push(b);
                    }
                }
            }
        }
    }
    while let Some(b) = stack.pop() {
        for &p in &preds[b as usize] {
            if !good[p as usize] {
                good[p as usize] = true;
                stack.push(p);
            }
        }
    }
    good
}
