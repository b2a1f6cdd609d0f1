//! Seeded synthetic scenarios for benchmarks and property tests.
//!
//! Not for training: the text is filler. The shape is what matters: beats in
//! chapters of five, three meters and five flags, conditions on choices and
//! lines, state-chosen and weighted random routes, timers, and a checkpoint
//! at each chapter's end that resets the state, so the reachable state space
//! grows linearly with the number of beats (as in real scenarios, where
//! scenes end and the next one starts from a known situation).

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::scenario::model::*;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// How many beats, in chapters of [`Shape::chapter`].
    pub beats: usize,
    /// How many meters (`m0`, `m1`, ...), each `0..=meter_max`.
    pub meters: usize,
    /// How many flags (`f0`, `f1`, ...); at most 64, as in any scenario.
    pub flags: usize,
    /// How many endings (`e0`, `e1`, ...) routes may lead to.
    pub endings: usize,
    /// Largest meter value (meters run 0..=meter_max).
    pub meter_max: i32,
    /// Beats per chapter; the last beat of a chapter resets meters and flags.
    pub chapter: usize,
    /// Allow edges back to earlier beats of the same chapter (loops).
    pub loops: bool,
}

impl Shape {
    /// The benchmark shape: 3 meters, 5 flags.
    pub fn bench(beats: usize) -> Shape {
        Shape { beats, meters: 3, flags: 5, endings: 6, meter_max: 4, chapter: 5, loops: false }
    }
}

const DIMS: [&str; 7] =
    ["safety", "connection", "listening", "deescalation", "assessment", "dignity", "linkage"];
const OUTCOMES: [&str; 4] = ["voluntary_help", "stabilised", "arrest", "injury"];

fn beat_id(i: usize) -> String {
    format!("b{i}")
}

/// Generate a scenario file of the given shape from a seed.
pub fn scenario(shape: Shape, seed: u64) -> ScenarioFile {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = shape.beats.max(1);
    let chapter = shape.chapter.max(2);
    let meter = |rng: &mut ChaCha8Rng| format!("m{}", rng.random_range(0..shape.meters.max(1)));
    let flag = |rng: &mut ChaCha8Rng| format!("f{}", rng.random_range(0..shape.flags.max(1)));
    let cond = |rng: &mut ChaCha8Rng| -> Option<Condition> {
        match rng.random_range(0..6) {
            0 if shape.flags > 0 => Some(Condition::Flag(flag(rng))),
            1 if shape.flags > 0 => Some(Condition::NotFlag(flag(rng))),
            2 if shape.meters > 0 => {
                Some(Condition::AtLeast(meter(rng), rng.random_range(0..=shape.meter_max)))
            }
            3 if shape.meters > 0 && shape.flags > 0 => Some(Condition::Any(vec![
                Condition::AtMost(meter(rng), rng.random_range(0..=shape.meter_max)),
                Condition::Flag(flag(rng)),
            ])),
            _ => None,
        }
    };
    let mut beats = Vec::with_capacity(n);
    for i in 0..n {
        let last_of_chapter = i % chapter == chapter - 1;
        // Forward targets within reach; the last beat of each chapter leads on.
        // `forward_only`: never loop back (used for the always-offered first choice,
        // so every beat has a way on to an ending).
        let target = |rng: &mut ChaCha8Rng, forward_only: bool| -> String {
            let chapter_end = ((i / chapter) + 1) * chapter - 1;
            if i + 1 >= n || (last_of_chapter && rng.random_bool(0.3)) {
                return format!("e{}", rng.random_range(0..shape.endings.max(1)));
            }
            if shape.loops && !forward_only && rng.random_bool(0.15) && i % chapter > 0 {
                return beat_id(i - rng.random_range(1..=i % chapter));
            }
            let hi = if last_of_chapter { (i + 1 + chapter).min(n - 1) } else { chapter_end.min(n - 1) };
            beat_id(rng.random_range(i + 1..=hi.max(i + 1)))
        };
        let n_choices = rng.random_range(2..=3);
        let mut choices = Vec::new();
        for c in 0..n_choices {
            let mut effects = Vec::new();
            if last_of_chapter {
                // Checkpoint: the scene ends; the next starts from a known state.
                for m in 0..shape.meters {
                    effects.push(Effect::SetMeter(format!("m{m}"), rng.random_range(0..=shape.meter_max)));
                }
                for f in 0..shape.flags {
                    effects.push(Effect::ClearFlag(format!("f{f}")));
                }
            } else {
                if shape.meters > 0 {
                    let d = rng.random_range(1..=2);
                    effects.push(if rng.random_bool(0.5) {
                        Effect::Raise(meter(&mut rng), d)
                    } else {
                        Effect::Lower(meter(&mut rng), d)
                    });
                }
                if shape.flags > 0 && rng.random_bool(0.3) {
                    effects.push(Effect::SetFlag(flag(&mut rng)));
                }
            }
            let mut scores = BTreeMap::new();
            for _ in 0..rng.random_range(1..=2) {
                scores.insert(DIMS[rng.random_range(0..DIMS.len())].to_string(), rng.random_range(-3..=3));
            }
            let next = match rng.random_range(0..5) {
                // The first (always offered) choice at a checkpoint leads to the
                // next chapter, so every chapter is reachable in play.
                _ if last_of_chapter && c == 0 && i + 1 < n => Next::Go(beat_id(i + 1)),
                0 => Next::Chance(vec![
                    Outcome {
                        weight: rng.random_range(1..=5),
                        to: target(&mut rng, c == 0),
                        effects: Vec::new(),
                    },
                    Outcome {
                        weight: rng.random_range(1..=5),
                        to: target(&mut rng, c == 0),
                        effects: Vec::new(),
                    },
                ]),
                1 if shape.meters > 0 => Next::Route {
                    rules: vec![RouteRule {
                        when: Condition::AtLeast(meter(&mut rng), rng.random_range(0..=shape.meter_max)),
                        to: target(&mut rng, c == 0),
                    }],
                    otherwise: target(&mut rng, c == 0),
                },
                _ => Next::Go(target(&mut rng, c == 0)),
            };
            choices.push(Choice {
                id: format!("c{c}"),
                text: format!("Choice {c} at beat {i}"),
                // The first choice is always offered, so no state is a dead end.
                when: if c == 0 { None } else { cond(&mut rng) },
                effects,
                scores,
                score_variants: Vec::new(),
                techniques: Vec::new(),
                critical: false,
                reaction: Vec::new(),
                feedback: None,
                commentary: "Synthetic commentary.".into(),
                next,
            });
        }
        let timer = rng.random_bool(0.1).then(|| Timer {
            seconds: 15,
            next: Next::Go(target(&mut rng, true)),
            effects: Vec::new(),
            scores: BTreeMap::from([("deescalation".to_string(), -1)]),
            score_variants: Vec::new(),
            techniques: Vec::new(),
            reaction: Vec::new(),
            feedback: None,
            commentary: "Hesitation.".into(),
        });
        let lines = vec![
            Line {
                speaker: "narrator".into(),
                text: format!("Beat {i}."),
                variants: vec![format!("Scene {i}.")],
                when: None,
            },
            Line {
                speaker: "subject".into(),
                text: "Say something.".into(),
                variants: Vec::new(),
                when: cond(&mut rng),
            },
        ];
        beats.push(Beat {
            id: beat_id(i),
            lines,
            choices,
            timer,
            no_win: None,
            label: None,
            reflect: None,
            read: None,
        });
    }
    connect(&mut beats, shape.endings.max(1));
    ScenarioFile {
        id: format!("synthetic_{n}"),
        review: None,
        about: About {
            title: format!("Synthetic ({n} beats)"),
            summary: "Generated for benchmarks.".into(),
            difficulty: Difficulty::Advanced,
            minutes: 1,
            audience: Vec::new(),
            tags: Vec::new(),
            objectives: Vec::new(),
            content_warnings: Vec::new(),
            authors: Vec::new(),
            clinical_reviewer: None,
            version: "1".into(),
        },
        briefing: Briefing { dispatch: "Synthetic.".into(), setting: "Synthetic.".into(), role: None },
        cast: vec![CastMember {
            id: "subject".into(),
            name: "Subject".into(),
            role: Role::Subject,
            description: None,
        }],
        meters: (0..shape.meters)
            .map(|m| MeterDef {
                id: format!("m{m}"),
                name: format!("Meter {m}"),
                min: 0,
                max: shape.meter_max,
                start: if m == 0 {
                    StartValue::Between(0, 1.min(shape.meter_max))
                } else {
                    StartValue::Fixed(0)
                },
                description: None,
                higher_is: Direction::Better,
            })
            .collect(),
        flags: (0..shape.flags).map(|f| FlagDef { id: format!("f{f}"), description: None }).collect(),
        start: beat_id(0),
        beats,
        endings: (0..shape.endings.max(1))
            .map(|e| Ending {
                id: format!("e{e}"),
                outcome: OUTCOMES[e % OUTCOMES.len()].into(),
                title: format!("Ending {e}"),
                narrative: "The end.".into(),
                commentary: "Synthetic.".into(),
            })
            .collect(),
        debrief: DebriefNotes {
            commentary: "Synthetic.".into(),
            teaching_points: Vec::new(),
            resources: Vec::new(),
        },
    }
}

/// The same scenario as RON text, as an author's file would be.
pub fn scenario_text(shape: Shape, seed: u64) -> String {
    let file = scenario(shape, seed);
    ron::ser::to_string_pretty(&file, ron::ser::PrettyConfig::default().struct_names(true))
        .unwrap_or_else(|e| format!("// could not serialise: {e}"))
}

/// Make every beat and ending reachable: a beat no earlier beat leads to gets
/// an always-offered way in from the beat before it,
/// and endings nobody reaches get a choice at the last beat.
fn connect(beats: &mut [Beat], endings: usize) {
    let mut referenced = std::collections::HashSet::new();
    for i in 1..beats.len() {
        for t in beats[i - 1].choices.iter().flat_map(|c| c.next.targets()) {
            referenced.insert(t.to_string());
        }
        if let Some(t) = &beats[i - 1].timer {
            referenced.extend(t.next.targets().into_iter().map(str::to_string));
        }
        let id = beats[i].id.clone();
        if !referenced.contains(&id) {
            let mut way_in = beats[i - 1].choices[0].clone();
            way_in.id = format!("c{}", beats[i - 1].choices.len());
            way_in.when = None;
            way_in.next = Next::Go(id.clone());
            beats[i - 1].choices.push(way_in);
            referenced.insert(id);
        }
    }
    let all: std::collections::HashSet<String> = beats
        .iter()
        .flat_map(|b| b.choices.iter().map(|c| &c.next).chain(b.timer.iter().map(|t| &t.next)))
        .flat_map(|n| n.targets())
        .map(str::to_string)
        .collect();
    let last = beats.len() - 1;
    for e in 0..endings {
        let id = format!("e{e}");
        if !all.contains(&id) {
            let c = beats[last].choices.len();
            let mut choice = beats[last].choices[0].clone();
            choice.id = format!("c{c}");
            choice.when = None;
            choice.next = Next::Go(id);
            beats[last].choices.push(choice);
        }
    }
}
