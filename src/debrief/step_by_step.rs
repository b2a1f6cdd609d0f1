//! The debrief when exact analysis is out of reach (a state space past the
//! analyzer's cap, warning W230): every decision is still judged, step by
//! step, with what can be computed without the state space. An option's value
//! is its own points at that moment (the score variant that applies in the
//! state the trainee was in); the best available is the best of those over
//! everything that could be done there. Consequences further ahead and luck's
//! part are not judged, and the debrief says so (`Judgement::StepByStep`).
//! See docs/scoring.md, "When a scenario is too large to analyse".

use super::{
    Alternative, Debrief, DecisionReview, DimensionScore, Judgement, LuckShare, STEP_BY_STEP_NOTE,
    TechniqueRef, ending_summary, percent, process_score, review, standard_verdict, technique, tenth,
    verdict_sentence,
};
use crate::engine::{Decision, Playthrough};
use crate::scenario::{Act, Scenario};

/// One decision judged on its own: the chosen act's points against the best
/// points anything offered there would have given.
struct Step {
    review: DecisionReview,
    /// The best points available here (over every offered choice and the timer).
    best: i32,
    /// The act that gives them (the trainee's own when it does), for the
    /// dimension figures and the techniques to try.
    reference: Act,
}

/// Everything the trainee could have done at this decision: the choices
/// offered, letting the timer run out (if the beat has one), and what was done.
fn candidates(s: &Scenario, d: &Decision) -> Vec<Act> {
    let mut acts = d.offered.clone();
    if s.act(d.beat_index, Act::Timeout).is_some() {
        acts.push(Act::Timeout);
    }
    if !acts.contains(&d.act) {
        acts.push(d.act);
    }
    acts
}

fn judge(s: &Scenario, i: usize, d: &Decision) -> Step {
    let here = |a: Act| s.scores_in(d.beat_index, a, &d.state_before).total;
    let chosen: i32 = d.scores.iter().sum();
    let acts = candidates(s, d);
    let best = acts.iter().map(|&a| here(a)).chain([chosen]).max().unwrap_or(chosen);
    let reference = if chosen >= best {
        d.act
    } else {
        // The first act that gives the best points, in authored order.
        let mut sorted = acts.clone();
        sorted.sort();
        sorted.into_iter().find(|&a| here(a) == best).unwrap_or(d.act)
    };
    // The best choice to name: offered, never a critical error, never the timer.
    let named = d
        .offered
        .iter()
        .copied()
        .filter(|&a| !s.act(d.beat_index, a).is_some_and(|x| x.critical))
        .max_by(|&a, &b| here(a).cmp(&here(b)).then(b.cmp(&a)));
    let lost = best.saturating_sub(chosen).max(0);
    let better = match named {
        Some(a) if lost > 0 && a != d.act && here(a) > chosen => Some(Alternative {
            choice: s.act_id(d.beat_index, a).to_string(),
            text: s.act_text(d.beat_index, a),
            commentary: s.act_commentary(d.beat_index, a).to_string(),
            score: here(a),
        }),
        _ => None,
    };
    Step {
        review: DecisionReview {
            best_available: lost == 0,
            better,
            luck: None,
            lost: f64::from(lost),
            ..review(s, i, d)
        },
        best,
        reference,
    }
}

impl Debrief {
    /// Judge a run step by step, for a scenario too large to analyse exactly
    /// (`why`: the analyzer's reason, kept in the note). Never fails.
    pub fn step_by_step(play: &Playthrough, trainee: Option<&str>, why: &str) -> Debrief {
        let s = play.scenario();
        let steps: Vec<Step> = play.decisions().iter().enumerate().map(|(i, d)| judge(s, i, d)).collect();

        let totals = play.totals();
        let dims = s.rubric.dimensions.len();
        // The best points in each dimension: the reference act's at each step.
        let mut best_dims = vec![0i32; dims];
        for (st, d) in steps.iter().zip(play.decisions()) {
            let scored = s.scores_in(d.beat_index, st.reference, &d.state_before);
            for (b, v) in best_dims.iter_mut().zip(scored.scores) {
                *b = b.saturating_add(*v);
            }
        }
        let dimensions: Vec<DimensionScore> = s
            .rubric
            .dimensions
            .iter()
            .enumerate()
            .map(|(i, d)| DimensionScore {
                id: d.id.clone(),
                name: d.name.clone(),
                score: totals.get(i).copied().unwrap_or(0),
                best: best_dims[i],
                percent: percent(totals.get(i).copied().unwrap_or(0), best_dims[i]),
            })
            .collect();
        let sum: i32 = totals.iter().sum();
        let best_total: i32 = steps.iter().fold(0i32, |a, st| a.saturating_add(st.best));
        let total = DimensionScore {
            id: "total".into(),
            name: "Total".into(),
            score: sum,
            best: best_total,
            percent: percent(sum, best_total),
        };

        let mut used: Vec<u16> = Vec::new();
        for d in play.decisions() {
            for &t in s.act(d.beat_index, d.act).map(|a| a.techniques.as_slice()).unwrap_or(&[]) {
                if !used.contains(&t) {
                    used.push(t);
                }
            }
        }
        let mut missed: Vec<TechniqueRef> = Vec::new();
        for (st, d) in steps.iter().zip(play.decisions()) {
            for &t in s.act(d.beat_index, st.reference).map(|a| a.techniques.as_slice()).unwrap_or(&[]) {
                let tr = technique(s, t);
                if tr.helpful && !used.contains(&t) && !missed.iter().any(|m| m.id == tr.id) {
                    missed.push(tr);
                }
            }
        }

        let process_best: f64 = steps.iter().map(|st| f64::from(st.best)).sum();
        let lost_total: f64 = steps.iter().map(|st| st.review.lost).sum();
        let decisions: Vec<DecisionReview> =
            steps.into_iter().map(|st| DecisionReview { lost: tenth(st.review.lost), ..st.review }).collect();
        let criticals: Vec<DecisionReview> = decisions.iter().filter(|d| d.critical).cloned().collect();
        let best_choices = decisions.iter().filter(|d| d.best_available).count();
        let ending = ending_summary(play);
        let grade = ending.as_ref().map(|e| e.grade);
        let verdict = verdict_sentence(&decisions, best_choices, grade, false, false);
        let process = process_score(&s.rubric.policy, process_best, lost_total, !criticals.is_empty());
        let standard = standard_verdict(
            &s.rubric.policy,
            &criticals.iter().map(|c| c.step).collect::<Vec<_>>(),
            process.shown_percent,
            grade.is_some(),
        );
        let why = why.trim().trim_end_matches('.');
        Debrief {
            scenario: s.id().to_string(),
            title: s.title().to_string(),
            content_hash: s.content_hash.clone(),
            judgement: Judgement::StepByStep,
            judgement_note: Some(if why.is_empty() {
                STEP_BY_STEP_NOTE.to_string()
            } else {
                format!("{STEP_BY_STEP_NOTE} (The analyzer: {why}.)")
            }),
            trainee: trainee.map(str::to_string),
            mode: play.mode(),
            seed: play.seed(),
            timing: play.timing(),
            ending,
            total,
            process,
            luck: LuckShare { points: 0.0, summary: String::new() },
            standard,
            dimensions,
            critical_errors: criticals,
            techniques_used: used.iter().map(|&t| technique(s, t)).collect(),
            techniques_missed: missed,
            decisions,
            best_choices,
            verdict,
            commentary: s.file.debrief.commentary.clone(),
            teaching_points: s.file.debrief.teaching_points.clone(),
            resources: s.file.debrief.resources.clone(),
            meters: super::timeline::tracks(play),
            fork: None,
            reading: super::ReadingSummary::of(play),
        }
    }
}
