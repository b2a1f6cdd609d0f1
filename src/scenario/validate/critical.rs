//! Critical marks agree with the rubric: a choice that commits a technique the
//! academy's policy calls critical is marked `critical: true` (W211), and a
//! choice marked critical commits some harmful technique (W212). The verdict
//! ("not yet at standard") rests on these marks, so they must not depend on
//! which author wrote the beat.

use crate::diagnostics::Diagnostic;
use crate::scenario::Scenario;
use crate::scenario::rubric::TechniqueKind;
use crate::scenario::spans::{Path, Spans};

pub(super) fn critical_marks(s: &Scenario, spans: &Spans, diags: &mut Vec<Diagnostic>) {
    let policy = &s.rubric.policy;
    let critical_by_policy = |t: &str| policy.critical_techniques.iter().any(|c| c == t);
    let harmful = |t: &str| s.rubric.technique(t).is_some_and(|t| t.kind == TechniqueKind::Harmful);
    let listed = || {
        let mut l: Vec<&str> = policy.critical_techniques.iter().map(String::as_str).collect();
        l.sort_unstable();
        l.join(", ")
    };
    for (bi, b) in s.file.beats.iter().enumerate() {
        let bp = Path::root().field("beats").index(bi);
        for (ci, c) in b.choices.iter().enumerate() {
            let cp = bp.field("choices").index(ci);
            if !c.critical {
                if let Some((ti, t)) = c.techniques.iter().enumerate().find(|(_, t)| critical_by_policy(t)) {
                    diags.push(
                        Diagnostic::warning(
                            "W211",
                            format!(
                                "choice `{}` at beat `{}` commits `{t}`, which the rubric's policy makes critical, \
                                 but is not marked critical",
                                c.id, b.id
                            ),
                        )
                        .at(spans.find_or_parent(&cp.field("techniques").index(ti)), "critical by the rubric's policy")
                        .also(spans.find(&cp.field("id")), "not marked `critical: true`")
                        .help(format!(
                            "add `critical: true` to `{}` (the policy makes `{t}` a critical error in every \
                             scenario), or remove the tag if the choice does not commit it",
                            c.id
                        )),
                    );
                }
            } else if !c.techniques.iter().any(|t| harmful(t)) {
                let hint = if policy.critical_techniques.is_empty() {
                    String::new()
                } else {
                    format!(" (the policy's critical ones: {})", listed())
                };
                diags.push(
                    Diagnostic::warning(
                        "W212",
                        format!(
                            "choice `{}` at beat `{}` is marked critical but commits no harmful technique",
                            c.id, b.id
                        ),
                    )
                    .at(spans.find_or_parent(&cp.field("critical")), "marked critical")
                    .also(spans.find(&cp.field("id")), "no harmful technique among its tags")
                    .help(format!(
                        "tag `{}` with the harmful technique it commits{hint}, so the debrief can name the error; \
                         or remove `critical: true` if it is not a safety-critical error",
                        c.id
                    )),
                );
            }
        }
        if let Some(t) = &b.timer
            && let Some((ti, tech)) = t.techniques.iter().enumerate().find(|(_, x)| critical_by_policy(x))
        {
            let tp = bp.field("timer");
            diags.push(
                Diagnostic::warning(
                    "W211",
                    format!(
                        "the timer on beat `{}` is tagged `{tech}`, which the rubric's policy makes critical, \
                         but a timer cannot be marked critical",
                        b.id
                    ),
                )
                .at(spans.find_or_parent(&tp.field("techniques").index(ti)), "critical by the rubric's policy")
                .help(format!(
                    "letting time pass cannot commit `{tech}`: remove the tag from the timer, or offer the \
                     critical act as a choice marked `critical: true`"
                )),
            );
        }
    }
}
