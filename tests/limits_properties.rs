//! Extreme numbers never crash anything (issue 10, item 1): any meter range
//! and start the file can hold is either refused with E130 or validated,
//! analysed and played without overflow.

use proptest::prelude::*;
use talkdown::analysis;
use talkdown::engine::{Mode, Playthrough, StartOptions};
use talkdown::scenario::load::scenario_from_str;
use talkdown::state::GameState;

const MINIMAL: &str = include_str!("fixtures/minimal.ron");

fn with_meter(min: i32, max: i32, lo: i32, hi: i32, raise: i32) -> String {
    MINIMAL
        .replace("min: 0, max: 10, start: 5", &format!("min: {min}, max: {max}, start: ({lo}, {hi})"))
        .replace("Raise(\"distress\", 2)", &format!("Raise(\"distress\", {raise})"))
}

fn extreme() -> impl Strategy<Value = i32> {
    prop_oneof![
        Just(i32::MIN),
        Just(i32::MAX),
        Just(-1_000_000),
        Just(1_000_000),
        Just(-1_000_001),
        Just(1_000_001),
        -40i32..40,
        any::<i32>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_meter_numbers_are_refused_or_safe(
        min in extreme(), max in extreme(), lo in extreme(), hi in extreme(), raise in extreme()
    ) {
        let text = with_meter(min, max, lo, hi, raise);
        let checked = scenario_from_str("extreme.ron", &text);
        let beyond = [min, max, lo, hi].iter().any(|v| !(-1_000_000..=1_000_000).contains(v));
        if beyond {
            prop_assert!(checked.diagnostics.iter().any(|d| d.code == "E130"), "{:?}", checked.diagnostics);
            prop_assert!(checked.scenario.is_none());
        }
        if let Some(s) = checked.scenario {
            let starts = GameState::all_starts(&s);
            prop_assert!(!starts.is_empty() && starts.len() <= 4096);
            for st in &starts {
                prop_assert!(st.meters[0] >= min && st.meters[0] <= max);
            }
            prop_assert!(analysis::analyze(&s).is_ok());
            let mut o = StartOptions::new(7, Mode::Training);
            o.shuffle = false;
            let mut p = Playthrough::start(&s, o).unwrap();
            p.choose_id("knock", None).unwrap();
            let v = p.state().meters[0];
            prop_assert!(v >= min && v <= max);
        }
    }
}
