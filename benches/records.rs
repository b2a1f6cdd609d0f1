//! Records benchmark: record 10,000 sessions of 15 decisions each into one
//! store (every decision its own committed transaction, as in play), then
//! build the class report for that scenario.
//!
//! `CARGO_TARGET_DIR=/work/target-records cargo bench --no-default-features --bench records`
//! Figures are in docs/performance.md ("Session records").

use std::fmt::Write;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use talkdown::analysis;
use talkdown::debrief::Debrief;
use talkdown::engine::{Mode, Playthrough, StartOptions};
use talkdown::records::{Store, StoreOptions};
use talkdown::scenario::Scenario;

const SESSIONS: usize = 10_000;
const DECISIONS: usize = 15;

/// A chain of 15 beats with three choices each (good, neutral, critical),
/// all leading on, so every session makes exactly 15 decisions.
fn chain_scenario() -> Scenario {
    let mut beats = String::new();
    for b in 0..DECISIONS {
        let next = if b + 1 == DECISIONS { "\"safe\"".to_string() } else { format!("\"b{}\"", b + 1) };
        let next_bad = if b + 1 == DECISIONS { "\"hurt\"".to_string() } else { next.clone() };
        let _ = write!(
            beats,
            r#"(id: "b{b}", lines: [(speaker: "sam", text: "Line {b}.")], choices: [
                (id: "good", text: "A good thing to say at {b}.", effects: [Raise("trust", 1)],
                 scores: {{"connection": 2, "listening": 1}}, techniques: ["open_question"],
                 commentary: "Good.", next: Go({next})),
                (id: "meh", text: "Something neutral at {b}.", scores: {{"dignity": 0}},
                 commentary: "Neutral.", next: Go({next})),
                (id: "bad", text: "A critical mistake at {b}.", effects: [Raise("distress", 1)],
                 scores: {{"safety": -2}}, techniques: ["premature_command"], critical: true,
                 commentary: "Critical.", next: Go({next_bad})),
            ]),"#
        );
    }
    let text = format!(
        r#"Scenario(
    id: "bench_chain",
    about: (title: "Benchmark chain", summary: "Fifteen decisions.", difficulty: Introductory, minutes: 5,
            audience: ["bench"], tags: ["bench"], objectives: ["Go on"], content_warnings: [],
            authors: ["bench"], clinical_reviewer: "none", version: "1.0"),
    briefing: (dispatch: "A call.", setting: "A street."),
    cast: [(id: "sam", name: "Sam", role: Subject)],
    meters: [
        (id: "distress", name: "Distress", min: 0, max: 20, start: 5, higher_is: Worse),
        (id: "trust", name: "Trust", min: 0, max: 20, start: 2),
    ],
    flags: [],
    start: "b0",
    beats: [{beats}],
    endings: [
        (id: "safe", outcome: "voluntary_help", title: "Safe", narrative: "Safe.", commentary: "Good."),
        (id: "hurt", outcome: "injury", title: "Hurt", narrative: "Hurt.", commentary: "Bad."),
    ],
    debrief: (commentary: "Bench.", teaching_points: [], resources: []),
)"#
    );
    let checked = talkdown::scenario::load::scenario_from_str("bench_chain.ron", &text);
    checked.scenario.clone().unwrap_or_else(|| panic!("bench scenario invalid:\n{}", checked.report(false)))
}

fn choice_for(session: usize, step: usize) -> usize {
    // Deterministic spread: mostly good, some neutral, a few critical.
    match (session * 31 + step * 17) % 10 {
        0..=5 => 1,
        6..=8 => 2,
        _ => 3,
    }
}

fn records(c: &mut Criterion) {
    let s = chain_scenario();
    let (a, mut space) = analysis::analyze(&s).expect("analyzable");
    let dir = tempfile::tempdir().unwrap();

    for (label, sync) in [("sync every commit (default)", true), ("synchronous=NORMAL", false)] {
        let path = dir.path().join(format!("records-{sync}.sqlite3"));
        let opts = StoreOptions { sync_every_commit: sync, ..StoreOptions::default() };
        let mut store = Store::open_with(&path, &opts).unwrap();
        let (mut t_start, mut t_decide, mut t_finish) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
        let wall = Instant::now();
        for i in 0..SESSIONS {
            let mut o = StartOptions::new(i as u64, Mode::Training);
            o.shuffle = false;
            let mut p = Playthrough::start(&s, o).unwrap();
            let t = Instant::now();
            let id = store.start_session(&p, &format!("trainee{:03}", i % 250)).unwrap();
            t_start += t.elapsed();
            for step in 0..DECISIONS {
                p.choose(choice_for(i, step), Some(1500)).unwrap();
                let t = Instant::now();
                store.record_decision(id, &p).unwrap();
                t_decide += t.elapsed();
            }
            let d = Debrief::build(&p, &a, &mut space, None).unwrap();
            let t = Instant::now();
            store.finish_session(id, &p, &d).unwrap();
            t_finish += t.elapsed();
        }
        let n = (SESSIONS * DECISIONS) as f64;
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)
            + std::fs::metadata(path.with_extension("sqlite3-wal")).map(|m| m.len()).unwrap_or(0);
        println!(
            "records [{label}]: {SESSIONS} sessions x {DECISIONS} decisions in {:.1} s wall; \
             store time: start {:.3} ms/session, decision commit {:.3} ms, finish {:.3} ms/session; file {:.1} MB",
            wall.elapsed().as_secs_f64(),
            t_start.as_secs_f64() * 1e3 / SESSIONS as f64,
            t_decide.as_secs_f64() * 1e3 / n,
            t_finish.as_secs_f64() * 1e3 / SESSIONS as f64,
            size as f64 / 1e6
        );
        if sync {
            let r = store.class_report("bench_chain", None, None).unwrap();
            assert_eq!(r.attempts as usize, SESSIONS);
            assert_eq!(r.decision_points.len(), DECISIONS);
            c.bench_function("class_report over 10,000 sessions x 15 decisions", |b| {
                b.iter(|| store.class_report("bench_chain", None, None).unwrap())
            });
            c.bench_function("record_decision (one committed decision, sync every commit)", |b| {
                let mut p = Playthrough::start(&s, StartOptions::new(1, Mode::Training)).unwrap();
                let mut id = store.start_session(&p, "bench").unwrap();
                b.iter(|| {
                    if p.is_finished() {
                        p = Playthrough::start(&s, StartOptions::new(1, Mode::Training)).unwrap();
                        id = store.start_session(&p, "bench").unwrap();
                    }
                    p.choose(1, Some(1000)).unwrap();
                    store.record_decision(id, &p).unwrap();
                })
            });
            c.bench_function("open the 10,000-session store", |b| b.iter(|| Store::open(&path).unwrap()));
        }
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(10));
    targets = records
}
criterion_main!(benches);
