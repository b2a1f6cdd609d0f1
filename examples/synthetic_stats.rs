//! Reachable-state statistics of synthetic scenarios:
//! `cargo run --release --example synthetic_stats -- 100 1000 10000`.
fn main() {
    for arg in std::env::args().skip(1) {
        let beats: usize = arg.parse().expect("a number of beats");
        let text = talkdown::synthetic::scenario_text(talkdown::synthetic::Shape::bench(beats), 1);
        let s = talkdown::scenario::load::scenario_from_str("synthetic.ron", &text).scenario.expect("valid");
        let (a, _) = talkdown::analysis::analyze(&s).expect("analysable");
        println!(
            "{beats} beats: {} bytes, {} states, {} beats unreachable in the state space",
            text.len(),
            a.counts.states,
            a.unreachable_beats.len()
        );
    }
}
