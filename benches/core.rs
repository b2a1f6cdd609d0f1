//! Core speed: load, validate (with the judgement checks), analyze and play synthetic scenarios of 100,
//! 1,000 and 10,000 beats (3 meters, 5 flags, conditions, random routes),
//! with the bare RON parse of the same text as the floor.
//!
//! The state graph is explored once per scenario (by the validator) and kept
//! by the `Scenario`: `state_graph` is that exploration alone; `analyze` and
//! `naive_strategies` on an already validated scenario read the kept graph,
//! so they measure only their own passes over it.
//!
//! `cargo bench --no-default-features --bench core`; results in docs/performance.md.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

use talkdown::analysis::analyze;
use talkdown::diagnostics::SourceFile;
use talkdown::engine::{Mode, Playthrough, StartOptions};
use talkdown::scenario::ScenarioFile;
use talkdown::scenario::load::{bundled_rubric, check_source};
use talkdown::scenario::validate::guessable::naive_strategies;
use talkdown::state::graph::{MAX_STATES, StateGraph};
use talkdown::synthetic::{Shape, scenario_text};

fn bare_parse(text: &str) -> ScenarioFile {
    ron::Options::default()
        .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
        .from_str(text)
        .expect("synthetic text parses")
}

fn sizes(c: &mut Criterion) {
    let rubric = bundled_rubric();
    for beats in [100usize, 1_000, 10_000] {
        let text = scenario_text(Shape::bench(beats), 1);
        let mut g = c.benchmark_group(format!("{beats}_beats"));
        if beats >= 10_000 {
            g.sample_size(10);
        }
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function("ron_parse_floor", |b| b.iter(|| black_box(bare_parse(black_box(&text)))));
        g.bench_function("load_and_validate", |b| {
            b.iter(|| {
                let checked = check_source(SourceFile::new("synthetic.ron", text.clone()), &rubric);
                assert!(checked.scenario.is_some());
                black_box(checked)
            })
        });
        let scenario =
            check_source(SourceFile::new("synthetic.ron", text.clone()), &rubric).scenario.expect("valid");
        g.bench_function("state_graph", |b| {
            b.iter(|| black_box(StateGraph::explore_capped(black_box(&scenario), MAX_STATES).unwrap()))
        });
        g.bench_function("analyze", |b| b.iter(|| black_box(analyze(black_box(&scenario)).unwrap())));
        // The guessability figures alone (over the kept graph); validate and
        // analyze each compute them, so they are inside the two figures above too.
        g.bench_function("naive_strategies", |b| {
            b.iter(|| black_box(naive_strategies(black_box(&scenario)).unwrap()))
        });
        g.bench_function("validate_and_analyze", |b| {
            b.iter(|| {
                let s =
                    check_source(SourceFile::new("synthetic.ron", text.clone()), &rubric).scenario.unwrap();
                black_box(analyze(&s).unwrap())
            })
        });
        g.finish();
    }
}

/// 1,000 decisions on the 10,000-beat scenario, restarting at each ending.
fn playthrough(c: &mut Criterion) {
    let text = scenario_text(Shape::bench(10_000), 1);
    let s = check_source(SourceFile::new("synthetic.ron", text), &bundled_rubric()).scenario.unwrap();
    let mut g = c.benchmark_group("playthrough");
    g.throughput(Throughput::Elements(1000));
    g.bench_with_input(BenchmarkId::new("decisions", 1000), &s, |b, s| {
        b.iter(|| {
            let mut seed = 1;
            let mut p = Playthrough::start(s, StartOptions::new(seed, Mode::Training)).unwrap();
            for i in 0..1000 {
                if p.is_finished() {
                    seed += 1;
                    p = Playthrough::start(s, StartOptions::new(seed, Mode::Training)).unwrap();
                }
                let n = p.current().unwrap().choices.len();
                p.choose(i % n + 1, None).unwrap();
            }
            black_box(p)
        })
    });
    g.finish();
}

criterion_group!(benches, sizes, playthrough);
criterion_main!(benches);
