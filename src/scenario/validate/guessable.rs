//! Guessable choices: what a trainee reaches by a rule that needs no
//! judgement at all (always the longest text, the shortest, the first
//! listed, the last listed), as a share of the best total.
//!
//! How luck counts, the same as for the best total: a chance route is taken
//! in the trainee's favour (`with_luck`, compared with the best, which also
//! assumes it); `against_luck` is the same strategy with every roll and the
//! random start against it. Only choices count for a strategy; the timer is
//! taken only where no choice is offered (a trainee using a rule still answers).
//!
//! W208 warns when a strategy reaches more than half of the best total; when
//! that strategy is "longest" (or "shortest"), W209 points at each decision
//! point where a best choice is also *clearly* the longest (shortest): at least
//! [`CLEARLY`] times the length of the next longest offered choice (the next
//! shortest at least that many times its length), counted in characters.

use serde::Serialize;

use super::states::{StateGraph, TooLarge, offer_value, solve};
use crate::diagnostics::Diagnostic;
use crate::scenario::spans::{Path, Spans};
use crate::scenario::{Act, Scenario};

/// How much longer (or shorter) a best choice must be than the next for the
/// length to give it away.
pub const CLEARLY: f64 = 1.3;

/// A rule a trainee could play by without judgement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NaiveStrategy {
    /// Always the choice with the longest text.
    Longest,
    /// Always the choice with the shortest text.
    Shortest,
    /// Always the choice listed first (in authored order).
    First,
    /// Always the choice listed last.
    Last,
}

impl NaiveStrategy {
    /// Every strategy, in the order reports list them.
    pub const ALL: [NaiveStrategy; 4] = [Self::Longest, Self::Shortest, Self::First, Self::Last];

    /// "always choosing the longest text", for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Longest => "always choosing the longest text",
            Self::Shortest => "always choosing the shortest text",
            Self::First => "always choosing the one listed first",
            Self::Last => "always choosing the one listed last",
        }
    }
}

/// What one naive strategy reaches, beside the best total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StrategyShare {
    /// The rule played by.
    pub strategy: NaiveStrategy,
    /// Its total with luck in its favour (as the best total assumes); `None`
    /// when the strategy never reaches an ending.
    pub with_luck: Option<i64>,
    /// Its total with every roll (and the random start) against it.
    pub against_luck: Option<i64>,
    /// The best total achievable (luck in the trainee's favour).
    pub best: Option<i64>,
    /// `with_luck` as a whole percentage of `best` (rounded down), when the best is above zero.
    pub percent: Option<i64>,
}

impl StrategyShare {
    /// More than half of a positive best total.
    pub fn guessable(&self) -> bool {
        matches!((self.with_luck, self.best), (Some(w), Some(b)) if b > 0 && 2 * w > b)
    }
}

/// The naive strategies' totals over a scenario's real state space (score
/// variants applied). For `talkdown analyze` and tools.
pub fn naive_strategies(s: &Scenario) -> Result<Vec<StrategyShare>, TooLarge> {
    let ex = StateGraph::of(s)?;
    Ok(shares(s, &ex).0)
}

/// Text lengths per beat and choice, in characters.
fn lengths(s: &Scenario) -> Vec<Vec<usize>> {
    s.file.beats.iter().map(|b| b.choices.iter().map(|c| c.text.trim().chars().count()).collect()).collect()
}

/// The offer (index into `ex.offers`) a strategy takes in a state.
fn pick(ex: &StateGraph, lens: &[Vec<usize>], id: u32, strategy: NaiveStrategy) -> Option<u32> {
    let (a, b) = ex.offer_ranges[id as usize];
    let beat = ex.beats[id as usize] as usize;
    let choices = (a..b).filter(|&k| matches!(ex.offers[k as usize].act, Act::Choice(_)));
    let len = |k: &u32| match ex.offers[*k as usize].act {
        Act::Choice(c) => lens[beat][c as usize],
        Act::Timeout => 0,
    };
    let chosen = match strategy {
        // Ties go to the one listed first.
        NaiveStrategy::Longest => choices.rev().max_by_key(len),
        NaiveStrategy::Shortest => choices.min_by_key(len),
        NaiveStrategy::First => choices.clone().next(),
        NaiveStrategy::Last => choices.clone().next_back(),
    };
    // Only the timer is offered: the run goes on by waiting.
    chosen.or_else(|| (a < b).then_some(a))
}

/// Every strategy's share, and the best values of every state.
fn shares(s: &Scenario, ex: &StateGraph) -> (Vec<StrategyShare>, Vec<Option<super::states::Value>>) {
    let best = solve(ex, &ex.starts, |id| ex.offer_ranges[id as usize]);
    let best_total = ex.starts.iter().filter_map(|&r| best[r as usize].map(|v| v.hi)).max();
    let lens = lengths(s);
    let out = NaiveStrategy::ALL
        .iter()
        .map(|&strategy| {
            let v = solve(ex, &ex.starts, |id| match pick(ex, &lens, id, strategy) {
                Some(k) => (k, k + 1),
                None => (0, 0),
            });
            let at_starts = || ex.starts.iter().filter_map(|&r| v[r as usize]);
            let with_luck = at_starts().map(|v| v.hi).max();
            let against_luck = at_starts().map(|v| v.lo).min();
            let percent = match (with_luck, best_total) {
                (Some(w), Some(b)) if b > 0 => Some((w * 100).div_euclid(b)),
                _ => None,
            };
            StrategyShare { strategy, with_luck, against_luck, best: best_total, percent }
        })
        .collect();
    (out, best)
}

pub(super) fn check(s: &Scenario, ex: &StateGraph, spans: &Spans, diags: &mut Vec<Diagnostic>) {
    let (shares, best) = shares(s, ex);
    let mut above: Vec<&StrategyShare> = shares.iter().filter(|x| x.guessable()).collect();
    if above.is_empty() {
        return;
    }
    above.sort_by_key(|x| std::cmp::Reverse(x.percent));
    let figures: Vec<String> = above
        .iter()
        .map(|x| {
            format!(
                "{} reaches {} % ({:+} of {:+})",
                x.strategy.describe(),
                x.percent.unwrap_or(0),
                x.with_luck.unwrap_or(0),
                x.best.unwrap_or(0)
            )
        })
        .collect();
    let lens = lengths(s);
    let mut points = 0;
    for x in &above {
        if matches!(x.strategy, NaiveStrategy::Longest | NaiveStrategy::Shortest) {
            points += give_aways(s, ex, &best, &lens, x.strategy, spans, diags);
        }
    }
    let by_length =
        above.iter().any(|x| matches!(x.strategy, NaiveStrategy::Longest | NaiveStrategy::Shortest));
    let by_order = above.iter().any(|x| matches!(x.strategy, NaiveStrategy::First | NaiveStrategy::Last));
    let mut help = Vec::new();
    if by_length {
        help.push(if points > 0 {
            format!(
                "at the {points} decision point(s) marked W209 the best choice gives itself away by its length: \
                 say it in fewer words, split bundled moves into separate choices, or give weaker choices an \
                 equally full text"
            )
        } else {
            "vary which choice is longest: the best choice is the longest (or shortest) offered too often".into()
        });
    }
    if by_order {
        help.push(
            "vary where the best choice is listed (play shuffles the order, but `--no-shuffle` and reviewers \
             see the authored one)"
                .into(),
        );
    }
    diags.push(
        Diagnostic::warning(
            "W208",
            format!("choices can be guessed without judgement: {}", figures.join("; ")),
        )
        .at(spans.find_or_parent(&Path::root().field("start")), "from this start, over every reachable state")
        .help(help.join("; ")),
    );
}

/// W209 at each choice that is, in some reachable state, a best choice and
/// clearly the longest (shortest) one offered. Returns how many were reported.
fn give_aways(
    s: &Scenario,
    ex: &StateGraph,
    best: &[Option<super::states::Value>],
    lens: &[Vec<usize>],
    strategy: NaiveStrategy,
    spans: &Spans,
    diags: &mut Vec<Diagnostic>,
) -> usize {
    let longest = strategy == NaiveStrategy::Longest;
    let mut seen: Vec<Vec<bool>> = s.beats.iter().map(|b| vec![false; b.choices.len()]).collect();
    let mut count = 0;
    for id in ex.bfs_order() {
        let beat = ex.beats[id as usize] as usize;
        let offers = ex.offers_of(id);
        let choices: Vec<(u16, usize, Option<i64>)> = offers
            .iter()
            .filter_map(|o| match o.act {
                Act::Choice(c) => Some((c, lens[beat][c as usize], offer_value(ex, best, o))),
                Act::Timeout => None,
            })
            .collect();
        if choices.len() < 2 {
            continue;
        }
        let top = offers.iter().filter_map(|o| offer_value(ex, best, o)).max();
        let Some(&(c, len, value)) = (if longest {
            choices.iter().rev().max_by_key(|x| x.1)
        } else {
            choices.iter().min_by_key(|x| x.1)
        }) else {
            continue;
        };
        if seen[beat][c as usize] || value.is_none() || value != top {
            continue;
        }
        // Not a give-away if every choice does as well.
        if choices.iter().all(|x| x.2 == value) {
            continue;
        }
        let next = choices.iter().filter(|x| x.0 != c).map(|x| x.1);
        let next = if longest { next.max() } else { next.min() }.unwrap_or(0);
        let clear =
            if longest { len as f64 >= CLEARLY * next as f64 } else { next as f64 >= CLEARLY * len as f64 };
        if !clear {
            continue;
        }
        seen[beat][c as usize] = true;
        count += 1;
        let b = s.beat(beat as u32);
        let ch = &b.choices[c as usize];
        let (word, other) = if longest { ("longest", "next longest") } else { ("shortest", "next shortest") };
        let p = Path::root().field("beats").index(beat).field("choices").index(c as usize);
        diags.push(
            Diagnostic::warning(
                "W209",
                format!(
                    "at beat `{}` the best choice `{}` is also clearly the {word} ({len} characters; the {other} \
                     has {next})",
                    b.id, ch.id
                ),
            )
            .at(spans.find_or_parent(&p.field("text")), format!("best here, and clearly the {word}"))
            .help(format!(
                "a trainee who always picks the {word} option gets this right without judgement: say it in \
                 about as many words as the others, or split the moves it bundles into separate choices"
            )),
        );
    }
    count
}
