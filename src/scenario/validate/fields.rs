//! Checks of the fields that say how a choice is judged and what the trainee
//! sees after it: `score_variants`, `reaction` and a beat's `no_win` reason.
//!
//! They reuse the codes of the same mistakes elsewhere (an unknown meter is
//! E103 in a variant's condition as in any other), so an author meets one
//! code per kind of mistake; W207 is the one thing only variants can get wrong.

use std::collections::BTreeMap;

use super::{Checker, MAX_SCORE};
use crate::scenario::model::{Line, ScoreVariant};
use crate::scenario::spans::Path;

impl Checker<'_> {
    /// A score map resolved to rubric order: unknown dimensions (E105) and
    /// out-of-range numbers (E119) are reported; `None` if there were any.
    pub(super) fn score_map(&mut self, scores: &BTreeMap<String, i32>, p: &Path) -> Option<Vec<i32>> {
        let mut out = vec![0; self.rubric.dimensions.len()];
        let mut ok = true;
        for (dim, v) in scores {
            match self.dims.get(dim.as_str()) {
                Some(_) if !(-MAX_SCORE..=MAX_SCORE).contains(v) => {
                    self.error(
                        "E119",
                        &p.key(dim),
                        format!("the score {v} for `{dim}` is outside -{MAX_SCORE}..{MAX_SCORE}"),
                        "too large",
                        Some("scores are small numbers, typically -3 to 3".into()),
                    );
                    ok = false;
                }
                Some(&d) => out[d] = *v,
                None => {
                    let known = self.rubric.dimensions.iter().map(|d| d.id.as_str());
                    self.unknown("E105", "rubric dimension", dim, known, &p.key(dim), "the rubric");
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    /// Each variant: its condition's ids (E103/E104), its scores (E105/E119),
    /// a reason the debrief can give (E115), and that it changes something (W207).
    pub(super) fn score_variants(
        &mut self,
        variants: &[ScoreVariant],
        plain: &BTreeMap<String, i32>,
        p: &Path,
        owner: &str,
    ) {
        for (vi, v) in variants.iter().enumerate() {
            let vp = p.index(vi);
            self.cond(&v.when, &vp.field("when"));
            let resolved = self.score_map(&v.scores, &vp.field("scores"));
            self.nonempty(&v.reason, &vp.field("reason"), "the score variant's reason");
            if resolved.is_some() && same_scores(&v.scores, plain) {
                self.warn(
                    "W207",
                    &vp.field("scores"),
                    format!(
                        "score variant {} of `{owner}` gives the same scores as its plain `scores`",
                        vi + 1
                    ),
                    "the same as `scores`",
                    "give the variant the scores that apply when its `when` holds, or remove it: \
                     as written it changes nothing but the debrief's reason"
                        .into(),
                );
            }
        }
    }

    /// A reaction is lines like a beat's: a known speaker (E107), text (E115),
    /// and conditions on known meters and flags.
    pub(super) fn reaction(&mut self, lines: &[Line], p: &Path) {
        for (li, line) in lines.iter().enumerate() {
            let lp = p.index(li);
            self.speaker(&line.speaker, &lp);
            self.nonempty(&line.text, &lp.field("text"), "the reaction's text");
            for (vi, v) in line.variants.iter().enumerate() {
                self.nonempty(v, &lp.field("variants").index(vi), "a variant");
            }
            if let Some(c) = &line.when {
                self.cond(c, &lp.field("when"));
            }
        }
    }

    /// `no_win: ""` would mark a beat deliberate without saying why.
    pub(super) fn no_win_reason(&mut self, reason: Option<&str>, p: &Path) {
        if let Some(r) = reason {
            self.nonempty(r, p, "the no-win reason");
        }
    }
}

/// Two score maps that give the same points (a dimension left out scores 0).
fn same_scores(a: &BTreeMap<String, i32>, b: &BTreeMap<String, i32>) -> bool {
    let nonzero = |m: &BTreeMap<String, i32>| {
        m.iter().filter(|(_, v)| **v != 0).map(|(k, v)| (k.clone(), *v)).collect::<Vec<_>>()
    };
    nonzero(a) == nonzero(b)
}
