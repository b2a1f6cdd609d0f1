//! Print a synthetic scenario as RON: `cargo run --example synthetic -- 100 7`.
fn main() {
    let mut args = std::env::args().skip(1);
    let beats = args.next().and_then(|a| a.parse().ok()).unwrap_or(100);
    let seed = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    print!("{}", talkdown::synthetic::scenario_text(talkdown::synthetic::Shape::bench(beats), seed));
}
