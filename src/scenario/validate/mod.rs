//! Checking a parsed scenario against its rubric, and compiling it into the
//! indexed [`Scenario`] when there are no errors.
//!
//! Every check reports all it finds in one pass, each at the exact text it is
//! about. The codes are stable and listed in `docs/diagnostics.md`.

use std::collections::HashMap;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::checked::*;
use super::graph;
use super::model::{self, Condition, Effect, Next, ScenarioFile, StartValue};
use super::review::{HashWriter, ReviewState, write_canonical};
use super::rubric::Rubric;
use super::spans::{Path, Spans};
use crate::diagnostics::{Diagnostic, did_you_mean};

mod critical;
mod fields;
pub mod guessable;
mod judgement;
mod reading;
mod review;
pub mod states;

/// The most flags a scenario may declare (they are kept as bits of a `u64`).
pub const MAX_FLAGS: usize = 64;

/// The largest score (either sign) one choice may give in one dimension. Keeps
/// totals far from overflow however long a route is.
pub const MAX_SCORE: i32 = 100;

/// Check `file` and, if it has no errors, compile it.
pub fn check(file: &ScenarioFile, rubric: &Rubric, spans: &Spans) -> (Vec<Diagnostic>, Option<Scenario>) {
    let mut c = Checker::new(file, rubric, spans);
    let compiled = c.run();
    let mut diags = c.diags;
    limit_checks(file, spans, &mut diags);
    review::review_checks(file, spans, &mut diags);
    let scenario = compiled.and_then(|inner| {
        let scenario = Scenario(Arc::new(inner));
        graph_checks(&scenario, spans, &mut diags);
        usage_checks(&scenario, spans, &mut diags);
        critical::critical_marks(&scenario, spans, &mut diags);
        // The judgement checks explore the real states, which only makes
        // sense on a graph without errors.
        if !diags.iter().any(|d| d.is_error()) {
            judgement::state_checks(&scenario, spans, &mut diags);
        }
        (!diags.iter().any(|d| d.is_error())).then_some(scenario)
    });
    (diags, scenario)
}

/// The stable identity of a scenario version: SHA-256 over the parsed
/// scenario and rubric (not the file bytes, so comments and layout don't count).
/// The `review:` block is left out: stamping a review changes no version.
/// The review hash ([`super::review::review_hash`]) is the same canonical form
/// without the rubric.
pub fn content_hash(file: &ScenarioFile, rubric: &Rubric) -> String {
    let mut h = HashWriter(Sha256::new());
    write_canonical(&mut h, file);
    h.0.update([0u8]);
    // Serialising plain data structures to JSON cannot fail.
    let _ = serde_json::to_writer(&mut h, rubric);
    h.0.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

struct Checker<'a> {
    file: &'a ScenarioFile,
    rubric: &'a Rubric,
    spans: &'a Spans,
    diags: Vec<Diagnostic>,
    meters: HashMap<&'a str, usize>,
    flags: HashMap<&'a str, usize>,
    cast: HashMap<&'a str, usize>,
    nodes: HashMap<&'a str, NodeRef>,
    dims: HashMap<&'a str, usize>,
    techniques: HashMap<&'a str, usize>,
    outcomes: HashMap<&'a str, usize>,
    errors: usize,
}

fn index_of<'a>(ids: impl Iterator<Item = &'a str>) -> HashMap<&'a str, usize> {
    let mut m = HashMap::new();
    for (i, id) in ids.enumerate() {
        m.entry(id).or_insert(i);
    }
    m
}

impl<'a> Checker<'a> {
    fn new(file: &'a ScenarioFile, rubric: &'a Rubric, spans: &'a Spans) -> Self {
        let mut nodes = HashMap::new();
        for (i, b) in file.beats.iter().enumerate() {
            nodes.entry(b.id.as_str()).or_insert(NodeRef::Beat(i as u32));
        }
        for (i, e) in file.endings.iter().enumerate() {
            nodes.entry(e.id.as_str()).or_insert(NodeRef::Ending(i as u32));
        }
        Checker {
            file,
            rubric,
            spans,
            diags: Vec::new(),
            meters: index_of(file.meters.iter().map(|m| m.id.as_str())),
            flags: index_of(file.flags.iter().map(|m| m.id.as_str())),
            cast: index_of(file.cast.iter().map(|m| m.id.as_str())),
            nodes,
            dims: index_of(rubric.dimensions.iter().map(|m| m.id.as_str())),
            techniques: index_of(rubric.techniques.iter().map(|m| m.id.as_str())),
            outcomes: index_of(rubric.outcomes.iter().map(|m| m.id.as_str())),
            errors: 0,
        }
    }

    fn span(&self, path: &Path) -> Option<std::ops::Range<usize>> {
        self.spans.find_or_parent(path)
    }

    fn push(&mut self, d: Diagnostic) {
        if d.is_error() {
            self.errors += 1;
        }
        self.diags.push(d);
    }

    fn error(&mut self, code: &'static str, path: &Path, message: String, label: &str, help: Option<String>) {
        let mut d = Diagnostic::error(code, message).at(self.span(path), label);
        if let Some(h) = help {
            d = d.help(h);
        }
        self.push(d);
    }

    fn warn(&mut self, code: &'static str, path: &Path, message: String, label: &str, help: String) {
        let d = Diagnostic::warning(code, message).at(self.span(path), label).help(help);
        self.push(d);
    }

    /// Report an id that names nothing, with the nearest known id as a suggestion.
    fn unknown<'k>(
        &mut self,
        code: &'static str,
        what: &str,
        id: &str,
        known: impl Iterator<Item = &'k str> + Clone,
        path: &Path,
        declared_in: &str,
    ) {
        let help = match did_you_mean(id, known.clone()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => {
                let mut all: Vec<&str> = known.collect();
                all.sort_unstable();
                if all.is_empty() {
                    format!("no {what} is declared; add it to {declared_in}")
                } else if all.len() <= 12 {
                    format!("the known {what} ids are: {}", all.join(", "))
                } else {
                    format!("declare it in {declared_in}, or check the spelling")
                }
            }
        };
        let label = format!("no {what} has this id");
        self.error(code, path, format!("unknown {what} `{id}`"), &label, Some(help));
    }

    /// A line's speaker: `Some(Some(cast index))`, `Some(None)` for the
    /// narrator, or `None` after reporting an unknown speaker (E107) at `line`.
    pub(super) fn speaker(&mut self, speaker: &str, line: &Path) -> Option<Option<u16>> {
        if let Some(&c) = self.cast.get(speaker) {
            return Some(Some(c as u16));
        }
        if speaker == "narrator" {
            return Some(None);
        }
        let known: Vec<&str> = self.file.cast.iter().map(|c| c.id.as_str()).chain(["narrator"]).collect();
        self.unknown("E107", "speaker", speaker, known.into_iter(), &line.field("speaker"), "`cast`");
        None
    }

    fn nonempty(&mut self, text: &str, path: &Path, what: &str) {
        if text.trim().is_empty() {
            self.error("E115", path, format!("{what} is empty"), "write the text here", None);
        }
    }

    fn duplicates<'k>(&mut self, ids: impl Iterator<Item = (&'k str, Path)>, what: &str) {
        let mut seen: HashMap<&str, Path> = HashMap::new();
        for (id, path) in ids {
            if let Some(first) = seen.get(id) {
                let first_span = self.span(first);
                let d = Diagnostic::error("E101", format!("duplicate {what} id `{id}`"))
                    .at(self.span(&path), "defined again here")
                    .also(first_span, "first defined here")
                    .help(format!("give each {what} its own id"));
                self.push(d);
            } else {
                seen.insert(id, path);
            }
        }
    }

    /// Two decision points with one label read as one in the class report (W273).
    fn duplicate_labels(&mut self) {
        let mut seen: HashMap<String, (usize, &str)> = HashMap::new();
        for (i, b) in self.file.beats.iter().enumerate() {
            let Some(label) = b.label.as_deref().map(str::trim).filter(|l| !l.is_empty()) else { continue };
            let key = label.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
            let path = Path::root().field("beats").index(i).field("label");
            match seen.get(&key) {
                Some(&(first, first_id)) => {
                    let first_span = self.span(&Path::root().field("beats").index(first).field("label"));
                    let d = Diagnostic::warning(
                        "W273",
                        format!("beats `{first_id}` and `{}` have the same label \"{label}\"", b.id),
                    )
                    .at(self.span(&path), "used again here")
                    .also(first_span, "first used here")
                    .help("the class report names decision points by their labels: give each its own, e.g. \"Asking about the gun (again)\"");
                    self.push(d);
                }
                None => {
                    seen.insert(key, (i, b.id.as_str()));
                }
            }
        }
    }

    fn run(&mut self) -> Option<Inner> {
        let f = self.file;
        let root = Path::root();
        self.nonempty(&f.id, &root.field("id"), "the scenario id");
        let about = root.field("about");
        self.nonempty(&f.about.title, &about.field("title"), "the title");
        self.nonempty(&f.about.summary, &about.field("summary"), "the summary");
        self.nonempty(&f.about.version, &about.field("version"), "the version");
        let briefing = root.field("briefing");
        self.nonempty(&f.briefing.dispatch, &briefing.field("dispatch"), "the dispatch information");
        self.nonempty(&f.briefing.setting, &briefing.field("setting"), "the setting");
        self.nonempty(
            &f.debrief.commentary,
            &root.field("debrief").field("commentary"),
            "the debrief commentary",
        );

        self.duplicates(
            f.cast.iter().enumerate().map(|(i, c)| (c.id.as_str(), root.field("cast").index(i).field("id"))),
            "cast",
        );
        self.duplicates(
            f.meters
                .iter()
                .enumerate()
                .map(|(i, c)| (c.id.as_str(), root.field("meters").index(i).field("id"))),
            "meter",
        );
        self.duplicates(
            f.flags
                .iter()
                .enumerate()
                .map(|(i, c)| (c.id.as_str(), root.field("flags").index(i).field("id"))),
            "flag",
        );
        let node_ids = f
            .beats
            .iter()
            .enumerate()
            .map(|(i, b)| (b.id.as_str(), root.field("beats").index(i).field("id")))
            .chain(
                f.endings
                    .iter()
                    .enumerate()
                    .map(|(i, e)| (e.id.as_str(), root.field("endings").index(i).field("id"))),
            );
        self.duplicates(node_ids, "beat or ending");
        self.duplicate_labels();

        let meters = self.meters_def();
        if f.flags.len() > MAX_FLAGS {
            self.error(
                "E117",
                &root.field("flags").index(MAX_FLAGS),
                format!("too many flags: {} (at most {MAX_FLAGS})", f.flags.len()),
                "this is flag 65",
                Some("combine flags that always change together, or use a meter".into()),
            );
        }
        for (i, c) in f.cast.iter().enumerate() {
            self.nonempty(&c.name, &root.field("cast").index(i).field("name"), "the cast member's name");
        }

        let start = match self.nodes.get(f.start.as_str()) {
            Some(NodeRef::Beat(b)) => Some(NodeRef::Beat(*b)),
            Some(NodeRef::Ending(_)) => {
                self.error(
                    "E109",
                    &root.field("start"),
                    format!("the start `{}` is an ending, not a beat", f.start),
                    "the scenario would end before it begins",
                    Some("set `start` to the id of the first beat".into()),
                );
                None
            }
            None => {
                if f.beats.is_empty() {
                    self.error(
                        "E109",
                        &root.field("beats"),
                        "the scenario has no beats".into(),
                        "add at least one beat here",
                        None,
                    );
                } else {
                    let ids = f.beats.iter().map(|b| b.id.as_str());
                    self.unknown(
                        "E109",
                        "start beat",
                        &f.start.clone(),
                        ids,
                        &root.field("start"),
                        "`beats`",
                    );
                }
                None
            }
        };

        let mut beats = Vec::with_capacity(f.beats.len());
        for (bi, beat) in f.beats.iter().enumerate() {
            beats.push(self.beat(beat, &root.field("beats").index(bi)));
        }
        let mut endings = Vec::with_capacity(f.endings.len());
        for (ei, ending) in f.endings.iter().enumerate() {
            let p = root.field("endings").index(ei);
            self.nonempty(&ending.title, &p.field("title"), "the ending's title");
            self.nonempty(&ending.narrative, &p.field("narrative"), "the ending's narrative");
            if ending.commentary.trim().is_empty() {
                self.warn(
                    "W204",
                    &p.field("id"),
                    format!("ending `{}` has no clinician commentary", ending.id),
                    "the debrief will have nothing to say about this ending",
                    "add `commentary: \"...\"` explaining how this outcome came about".into(),
                );
            }
            let outcome = match self.outcomes.get(ending.outcome.as_str()) {
                Some(&o) => Some(o),
                None => {
                    let known = self.rubric.outcomes.iter().map(|o| o.id.as_str());
                    self.unknown(
                        "E108",
                        "outcome category",
                        &ending.outcome,
                        known,
                        &p.field("outcome"),
                        "the rubric",
                    );
                    None
                }
            };
            endings
                .push(outcome.map(|o| EndingDef { outcome: o as u16, grade: self.rubric.outcomes[o].grade }));
        }
        if f.endings.is_empty() {
            self.error(
                "E118",
                &root.field("endings"),
                "the scenario has no endings".into(),
                "add at least one ending",
                None,
            );
        }

        if self.errors > 0 {
            return None;
        }
        Some(Inner {
            file: f.clone(),
            rubric: self.rubric.clone(),
            content_hash: content_hash(f, self.rubric),
            review: ReviewState::of(f),
            meters: meters?,
            start: start?,
            beats: beats.into_iter().collect::<Option<Vec<_>>>()?,
            endings: endings.into_iter().collect::<Option<Vec<_>>>()?,
        })
    }

    fn meters_def(&mut self) -> Option<Vec<MeterRange>> {
        let mut out = Vec::new();
        for (i, m) in self.file.meters.iter().enumerate() {
            let p = Path::root().field("meters").index(i);
            self.nonempty(&m.name, &p.field("name"), "the meter's name");
            if m.min >= m.max {
                self.error(
                    "E116",
                    &p.field("max"),
                    format!("meter `{}` has max {} not above min {}", m.id, m.max, m.min),
                    "must be larger than `min`",
                    None,
                );
                continue;
            }
            let (lo, hi) = match m.start {
                StartValue::Fixed(v) => (v, v),
                StartValue::Between(a, b) => (a, b),
            };
            if lo > hi {
                self.error(
                    "E116",
                    &p.field("start"),
                    format!("meter `{}` has a start range ({lo}, {hi}) that runs backwards", m.id),
                    "the first number must be the smaller",
                    Some(format!("write `start: ({hi}, {lo})`")),
                );
            } else if lo < m.min || hi > m.max {
                self.error(
                    "E116",
                    &p.field("start"),
                    format!("meter `{}` starts outside its range {}–{}", m.id, m.min, m.max),
                    "outside the meter's range",
                    Some(format!("pick a start between {} and {}", m.min, m.max)),
                );
            }
            out.push(MeterRange { min: m.min, max: m.max, start_lo: lo, start_hi: hi });
        }
        (out.len() == self.file.meters.len()).then_some(out)
    }

    fn beat(&mut self, beat: &model::Beat, p: &Path) -> Option<BeatDef> {
        self.nonempty(&beat.id, &p.field("id"), "the beat id");
        let mut lines = Vec::new();
        for (li, line) in beat.lines.iter().enumerate() {
            let lp = p.field("lines").index(li);
            let speaker = self.speaker(&line.speaker, &lp);
            self.nonempty(&line.text, &lp.field("text"), "the line's text");
            for (vi, v) in line.variants.iter().enumerate() {
                self.nonempty(v, &lp.field("variants").index(vi), "a variant");
            }
            let when = line.when.as_ref().map(|c| self.cond(c, &lp.field("when")));
            lines.push(speaker.and_then(|s| Some(LineDef { speaker: s, when: resolved(when)? })));
        }

        self.duplicates(
            beat.choices
                .iter()
                .enumerate()
                .map(|(ci, c)| (c.id.as_str(), p.field("choices").index(ci).field("id"))),
            "choice",
        );
        let mut choices = Vec::new();
        for (ci, ch) in beat.choices.iter().enumerate() {
            let cp = p.field("choices").index(ci);
            if ch.id == "timeout" {
                self.error(
                    "E101",
                    &cp.field("id"),
                    "`timeout` is reserved for the beat's timer".into(),
                    "choose another id",
                    None,
                );
            }
            self.nonempty(&ch.text, &cp.field("text"), "the choice's text");
            if ch.commentary.trim().is_empty() {
                self.warn(
                    "W202",
                    &cp.field("id"),
                    format!("choice `{}` has no clinician commentary", ch.id),
                    "the debrief will show nothing for this decision",
                    "add `commentary: \"...\"`: what this choice does and why it helps or harms".into(),
                );
            }
            let when = ch.when.as_ref().map(|c| self.cond(c, &cp.field("when")));
            let act = self.act(&ch.effects, &ch.scores, &ch.techniques, ch.critical, &ch.next, &cp, &ch.id);
            self.score_variants(&ch.score_variants, &ch.scores, &cp.field("score_variants"), &ch.id);
            self.reaction(&ch.reaction, &cp.field("reaction"));
            choices.push(act.and_then(|mut a| {
                a.when = resolved(when)?;
                Some(a)
            }));
        }
        let timer = match &beat.timer {
            None => Some(None),
            Some(t) => {
                let tp = p.field("timer");
                if t.seconds == 0 {
                    self.error(
                        "E113",
                        &tp.field("seconds"),
                        "a timer of 0 seconds gives no time to answer".into(),
                        "must be at least 1",
                        None,
                    );
                }
                if t.commentary.trim().is_empty() {
                    self.warn(
                        "W202",
                        &tp,
                        format!("the timer on beat `{}` has no clinician commentary", beat.id),
                        "the debrief will say nothing about hesitating here",
                        "add `commentary: \"...\"` inside `timer`".into(),
                    );
                }
                self.score_variants(&t.score_variants, &t.scores, &tp.field("score_variants"), "timeout");
                self.reaction(&t.reaction, &tp.field("reaction"));
                self.act(&t.effects, &t.scores, &t.techniques, false, &t.next, &tp, "timeout")
                    .map(|a| Some((t.seconds, a)))
            }
        };
        self.no_win_reason(beat.no_win.as_deref(), &p.field("no_win"));
        if beat.choices.is_empty() && beat.timer.is_none() {
            self.error(
                "E112",
                &p.field("id"),
                format!("beat `{}` has no choices", beat.id),
                "the trainee would be stuck here",
                Some("add choices, or make it an ending in `endings` if the scenario stops here".into()),
            );
        }
        for (field, text, what) in [
            ("label", beat.label.as_deref(), "the beat's label"),
            ("reflect", beat.reflect.as_deref(), "the reflection prompt"),
        ] {
            if text.is_some_and(|t| t.trim().is_empty()) {
                self.error(
                    "E121",
                    &p.field(field),
                    format!("{what} on beat `{}` is empty", beat.id),
                    "write the text here",
                    Some(format!("write it, or leave `{field}` out")),
                );
            }
        }
        let read = match &beat.read {
            None => Some(Vec::new()),
            Some(r) => self.read(r, &p.field("read"), &beat.id),
        };
        Some(BeatDef {
            lines: lines.into_iter().collect::<Option<_>>()?,
            choices: choices.into_iter().collect::<Option<_>>()?,
            timer: timer?,
            read: read?,
        })
    }

    /// A read-the-subject question: texts (E121), its form (E120), and each
    /// option compiled to the condition that makes it right.
    fn read(&mut self, read: &model::Read, p: &Path, beat: &str) -> Option<Vec<Cond>> {
        if read.question.trim().is_empty() {
            self.error(
                "E121",
                &p.field("question"),
                format!("the read question on beat `{beat}` is empty"),
                "write the question here",
                Some("e.g. \"How do you read her risk of suicide right now?\"".into()),
            );
        }
        if read.options.len() < 2 || read.options.len() > 9 {
            self.error(
                "E120",
                &p.field("options"),
                format!(
                    "the read question on beat `{beat}` has {} option{}: give 2 to 9",
                    read.options.len(),
                    if read.options.len() == 1 { "" } else { "s" }
                ),
                "the trainee answers with the number keys 1 to 9",
                Some("e.g. three options: low, moderate, high".into()),
            );
        }
        let meter = read.meter.as_ref().map(|m| self.meter(m, &p.field("meter")));
        let mut out = Vec::new();
        for (i, o) in read.options.iter().enumerate() {
            let op = p.field("options").index(i);
            if o.answer.trim().is_empty() {
                self.error(
                    "E121",
                    &op.field("answer"),
                    format!("an answer of the read question on beat `{beat}` is empty"),
                    "write the answer here",
                    None,
                );
            }
            let cond = match (&o.when, o.range) {
                (Some(c), None) => self.cond(c, &op.field("when")),
                (None, Some((lo, hi))) => {
                    if lo > hi {
                        self.error(
                            "E120",
                            &op.field("range"),
                            format!("the range ({lo}, {hi}) runs backwards"),
                            "highest first",
                            Some(format!("write the lowest value first: ({hi}, {lo})")),
                        );
                        None
                    } else {
                        match meter {
                            Some(Some(m)) => {
                                self.meter_value(m, lo, &op.field("range").index(0), false);
                                self.meter_value(m, hi, &op.field("range").index(1), false);
                                Some(Cond::All(vec![
                                    Cond::Meter(m, Cmp::AtLeast, lo),
                                    Cond::Meter(m, Cmp::AtMost, hi),
                                ]))
                            }
                            // Unknown meter: already reported.
                            Some(None) => None,
                            None => {
                                self.error(
                                    "E120",
                                    &op.field("range"),
                                    format!(
                                        "the answer `{}` gives a range, but the read question names no meter",
                                        o.answer
                                    ),
                                    "a range of which meter?",
                                    Some("add `meter: \"trust\"` (the meter the ranges are of) beside `question`".into()),
                                );
                                None
                            }
                        }
                    }
                }
                (None, None) => {
                    self.error(
                        "E120",
                        &op.field("answer"),
                        format!("the answer `{}` does not say when it is right", o.answer),
                        "no `when` or `range`",
                        Some("add `when: AtLeast(\"distress\", 7)` (a condition), or `range: (7, 10)` with the read's `meter`".into()),
                    );
                    None
                }
                (Some(_), Some(_)) => {
                    self.error(
                        "E120",
                        &op.field("range"),
                        format!("the answer `{}` gives both `when` and `range`", o.answer),
                        "one or the other",
                        Some("keep one: a `range` of the read's meter, or a `when` condition".into()),
                    );
                    None
                }
            };
            out.push(cond);
        }
        out.into_iter().collect()
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "the fields a choice and a timer share, compiled into one act; the two callers hold different types"
    )]
    fn act(
        &mut self,
        effects: &[Effect],
        scores: &std::collections::BTreeMap<String, i32>,
        techniques: &[String],
        critical: bool,
        next: &Next,
        p: &Path,
        id: &str,
    ) -> Option<ActDef> {
        let fx = self.effects(effects, &p.field("effects"));
        if scores.is_empty() {
            self.warn(
                "W203",
                &p.field("id"),
                format!("`{id}` is not scored"),
                "no rubric dimension is named for this",
                "add `scores: {\"connection\": 1}` (any rubric dimension, -3 to 3), even if 0".into(),
            );
        }
        let score_vec = self.score_map(scores, &p.field("scores"));
        let mut ok = score_vec.is_some();
        let mut tech = Vec::new();
        for (ti, t) in techniques.iter().enumerate() {
            match self.techniques.get(t.as_str()) {
                Some(&i) => tech.push(i as u16),
                None => {
                    let known = self.rubric.techniques.iter().map(|d| d.id.as_str());
                    self.unknown(
                        "E106",
                        "technique",
                        t,
                        known,
                        &p.field("techniques").index(ti),
                        "the rubric",
                    );
                    ok = false;
                }
            }
        }
        let route = self.next(next, &p.field("next"));
        let score_vec = score_vec?;
        let total = score_vec.iter().sum();
        (ok).then_some(())?;
        Some(ActDef {
            when: None,
            effects: fx?,
            scores: score_vec,
            total,
            techniques: tech,
            critical,
            route: route?,
        })
    }

    fn target(&mut self, id: &str, p: &Path) -> Option<NodeRef> {
        match self.nodes.get(id) {
            Some(&n) => Some(n),
            None => {
                let known: Vec<&str> = self.nodes.keys().copied().collect();
                self.unknown("E102", "beat or ending", id, known.into_iter(), p, "`beats` or `endings`");
                None
            }
        }
    }

    fn next(&mut self, next: &Next, p: &Path) -> Option<Route> {
        match next {
            Next::Go(t) => self.target(t, &p.index(0)).map(Route::Go),
            Next::Route { rules, otherwise } => {
                let mut out = Vec::new();
                for (ri, r) in rules.iter().enumerate() {
                    let rp = p.field("rules").index(ri);
                    let c = self.cond(&r.when, &rp.field("when"));
                    let t = self.target(&r.to, &rp.field("to"));
                    out.push(c.zip(t));
                }
                let o = self.target(otherwise, &p.field("otherwise"));
                Some(Route::Rules(out.into_iter().collect::<Option<_>>()?, o?))
            }
            Next::Chance(outcomes) => {
                if outcomes.is_empty() {
                    self.error(
                        "E114",
                        p,
                        "a `Chance` with no outcomes".into(),
                        "nothing to pick from",
                        Some("list at least two outcomes, e.g. `[(weight: 7, to: \"a\"), (weight: 3, to: \"b\")]`".into()),
                    );
                }
                let mut out = Vec::new();
                for (oi, o) in outcomes.iter().enumerate() {
                    let op = p.index(0).index(oi);
                    if o.weight == 0 {
                        self.error(
                            "E114",
                            &op.field("weight"),
                            "an outcome's weight must be positive".into(),
                            "this outcome could never happen",
                            Some("use a weight of 1 or more, or remove the outcome".into()),
                        );
                    }
                    let t = self.target(&o.to, &op.field("to"));
                    let fx = self.effects(&o.effects, &op.field("effects"));
                    out.push(t.zip(fx).map(|(to, effects)| ChanceOutcome { weight: o.weight, to, effects }));
                }
                let total: u64 = outcomes.iter().map(|o| o.weight as u64).sum();
                if total > u32::MAX as u64 {
                    self.error(
                        "E114",
                        p,
                        "the weights add up to more than 4294967295".into(),
                        "weights this large",
                        Some("use small weights such as 7 and 3; only their ratio matters".into()),
                    );
                    return None;
                }
                Some(Route::Chance(out.into_iter().collect::<Option<_>>()?))
            }
        }
    }

    fn meter(&mut self, id: &str, p: &Path) -> Option<u16> {
        match self.meters.get(id) {
            Some(&m) => Some(m as u16),
            None => {
                let known: Vec<&str> = self.file.meters.iter().map(|m| m.id.as_str()).collect();
                let flag_hint = self.flags.contains_key(id);
                self.unknown("E103", "meter", id, known.into_iter(), p, "`meters`");
                if flag_hint && let Some(d) = self.diags.last_mut() {
                    d.help = Some(format!(
                        "`{id}` is a flag, not a meter: use Flag(\"{id}\") / SetFlag(\"{id}\")"
                    ));
                }
                None
            }
        }
    }

    fn flag(&mut self, id: &str, p: &Path) -> Option<u8> {
        match self.flags.get(id) {
            Some(&f) if f < MAX_FLAGS => Some(f as u8),
            Some(_) => None,
            None => {
                let known: Vec<&str> = self.file.flags.iter().map(|m| m.id.as_str()).collect();
                let meter_hint = self.meters.contains_key(id);
                self.unknown("E104", "flag", id, known.into_iter(), p, "`flags`");
                if meter_hint && let Some(d) = self.diags.last_mut() {
                    d.help = Some(format!(
                        "`{id}` is a meter, not a flag: compare it with AtLeast(\"{id}\", 5) and similar"
                    ));
                }
                None
            }
        }
    }

    /// Warn when a number can never be a value of the meter.
    /// `setting` says whether an effect sets it (else a condition compares with it).
    fn meter_value(&mut self, m: u16, v: i32, p: &Path, setting: bool) {
        let def = &self.file.meters[m as usize];
        if v < def.min || v > def.max {
            let what = if setting {
                format!("effect sets meter `{}` to {v}", def.id)
            } else {
                format!("condition compares meter `{}` with {v}", def.id)
            };
            self.warn(
                "W201",
                p,
                format!("this {what}, outside its range {}–{}", def.min, def.max),
                "out of range",
                format!("use a value between {} and {}", def.min, def.max),
            );
        }
    }

    fn cond(&mut self, c: &Condition, p: &Path) -> Option<Cond> {
        Some(match c {
            Condition::Flag(f) => Cond::Flag(self.flag(f, &p.index(0))?),
            Condition::NotFlag(f) => Cond::NotFlag(self.flag(f, &p.index(0))?),
            Condition::AtLeast(m, v)
            | Condition::AtMost(m, v)
            | Condition::Below(m, v)
            | Condition::Above(m, v)
            | Condition::Equals(m, v) => {
                let cmp = match c {
                    Condition::AtLeast(..) => Cmp::AtLeast,
                    Condition::AtMost(..) => Cmp::AtMost,
                    Condition::Below(..) => Cmp::Below,
                    Condition::Above(..) => Cmp::Above,
                    _ => Cmp::Equals,
                };
                let mi = self.meter(m, &p.index(0))?;
                self.meter_value(mi, *v, &p.index(1), false);
                Cond::Meter(mi, cmp, *v)
            }
            Condition::All(cs) | Condition::Any(cs) => {
                let inner: Vec<Option<Cond>> =
                    cs.iter().enumerate().map(|(i, c)| self.cond(c, &p.index(0).index(i))).collect();
                let inner: Vec<Cond> = inner.into_iter().collect::<Option<_>>()?;
                if matches!(c, Condition::All(_)) { Cond::All(inner) } else { Cond::Any(inner) }
            }
            Condition::Not(inner) => Cond::Not(Box::new(self.cond(inner, &p.index(0))?)),
        })
    }

    fn effects(&mut self, effects: &[Effect], p: &Path) -> Option<Vec<Fx>> {
        let mut out = Vec::new();
        for (i, e) in effects.iter().enumerate() {
            let ep = p.index(i);
            out.push(match e {
                Effect::Raise(m, d) => self.meter(m, &ep.index(0)).map(|m| Fx::Add(m, *d)),
                Effect::Lower(m, d) => self.meter(m, &ep.index(0)).map(|m| Fx::Add(m, d.saturating_neg())),
                Effect::SetMeter(m, v) => self.meter(m, &ep.index(0)).map(|mi| {
                    self.meter_value(mi, *v, &ep.index(1), true);
                    Fx::SetMeter(mi, *v)
                }),
                Effect::SetFlag(f) => self.flag(f, &ep.index(0)).map(Fx::SetFlag),
                Effect::ClearFlag(f) => self.flag(f, &ep.index(0)).map(Fx::ClearFlag),
            });
        }
        out.into_iter().collect()
    }
}

/// Reachability checks that need the compiled graph.
fn graph_checks(s: &Scenario, spans: &Spans, diags: &mut Vec<Diagnostic>) {
    let (beats, endings) = graph::reachable(s);
    let to_end = graph::can_reach_ending(s);
    let root = Path::root();
    for (i, reached) in beats.iter().enumerate() {
        let p = root.field("beats").index(i).field("id");
        let id = &s.file.beats[i].id;
        if !reached {
            diags.push(
                Diagnostic::error("E110", format!("beat `{id}` can never be reached"))
                    .at(spans.find_or_parent(&p), "no path from the start leads here")
                    .help(format!("lead a choice here with `next: Go(\"{id}\")`, or remove the beat")),
            );
        } else if !to_end[i] {
            diags.push(
                Diagnostic::error("E111", format!("no ending can be reached from beat `{id}`"))
                    .at(spans.find_or_parent(&p), "every way on from here loops or stops before an ending")
                    .help("give one of its choices (or of the beats it leads to) a route to an ending"),
            );
        }
    }
    for (i, reached) in endings.iter().enumerate() {
        if !reached {
            let id = &s.file.endings[i].id;
            let p = root.field("endings").index(i).field("id");
            diags.push(
                Diagnostic::error("E110", format!("ending `{id}` can never be reached"))
                    .at(spans.find_or_parent(&p), "no choice leads here")
                    .help(format!("lead a choice here with `next: Go(\"{id}\")`, or remove the ending")),
            );
        }
    }
}

/// `None` (nothing to resolve) → `Some(None)`; a failed resolution → `None`.
fn resolved<T>(o: Option<Option<T>>) -> Option<Option<T>> {
    match o {
        None => Some(None),
        Some(inner) => inner.map(Some),
    }
}

/// Meters and flags that are declared but do nothing are usually leftovers
/// from an edit; a flag that is tested but never set makes its test constant.
fn usage_checks(s: &Scenario, spans: &Spans, diags: &mut Vec<Diagnostic>) {
    let mut meter_used = vec![false; s.meters.len()];
    let mut flag_tested = vec![false; s.file.flags.len()];
    let mut flag_set = vec![false; s.file.flags.len()];
    fn visit(c: &Cond, meters: &mut [bool], flags: &mut [bool]) {
        match c {
            Cond::Flag(f) | Cond::NotFlag(f) => flags[*f as usize] = true,
            Cond::Meter(m, _, _) => meters[*m as usize] = true,
            Cond::All(cs) | Cond::Any(cs) => cs.iter().for_each(|c| visit(c, meters, flags)),
            Cond::Not(c) => visit(c, meters, flags),
        }
    }
    fn effects(fx: &[Fx], meters: &mut [bool], set: &mut [bool]) {
        for f in fx {
            match *f {
                Fx::Add(m, _) | Fx::SetMeter(m, _) => meters[m as usize] = true,
                Fx::SetFlag(f) => set[f as usize] = true,
                // Clearing a flag never makes it true, so it counts as neither.
                Fx::ClearFlag(_) => {}
            }
        }
    }
    for (bi, b) in s.beats.iter().enumerate() {
        for l in &b.lines {
            if let Some(c) = &l.when {
                visit(c, &mut meter_used, &mut flag_tested);
            }
        }
        // A read question's answers test the hidden state too.
        for c in &b.read {
            visit(c, &mut meter_used, &mut flag_tested);
        }
        for (act, a) in s.acts(bi as u32) {
            if let Some(c) = &a.when {
                visit(c, &mut meter_used, &mut flag_tested);
            }
            // A reaction line shown only in some states, or a score variant,
            // tests the meter or flag as surely as a choice's `when` does.
            if let Some(j) = s.act_judgement(bi as u32, act) {
                for c in j.reaction.iter().filter_map(|l| l.when.as_ref()) {
                    visit(c, &mut meter_used, &mut flag_tested);
                }
                for v in &j.score_variants {
                    visit(&v.when, &mut meter_used, &mut flag_tested);
                }
            }
            effects(&a.effects, &mut meter_used, &mut flag_set);
            match &a.route {
                Route::Rules(rules, _) => {
                    rules.iter().for_each(|(c, _)| visit(c, &mut meter_used, &mut flag_tested))
                }
                Route::Chance(outs) => {
                    outs.iter().for_each(|o| effects(&o.effects, &mut meter_used, &mut flag_set))
                }
                Route::Go(_) => {}
            }
        }
    }
    let root = Path::root();
    for (i, used) in meter_used.iter().enumerate() {
        if !used {
            let id = &s.file.meters[i].id;
            diags.push(
                Diagnostic::warning("W205", format!("meter `{id}` is never changed or tested"))
                    .at(spans.find_or_parent(&root.field("meters").index(i).field("id")), "declared here")
                    .help(format!("move it with Raise(\"{id}\", 1) / Lower(...) in a choice, or remove it")),
            );
        }
    }
    for i in 0..flag_set.len() {
        let id = &s.file.flags[i].id;
        let at = spans.find_or_parent(&root.field("flags").index(i).field("id"));
        if !flag_set[i] && !flag_tested[i] {
            diags.push(
                Diagnostic::warning("W205", format!("flag `{id}` is never set or tested"))
                    .at(at, "declared here")
                    .help(format!(
                        "set it with SetFlag(\"{id}\") and test it with Flag(\"{id}\"), or remove it"
                    )),
            );
        } else if !flag_set[i] {
            diags.push(
                Diagnostic::warning("W206", format!("flag `{id}` is tested but never set"))
                    .at(at, "declared here")
                    .help(format!("every test of it has a fixed answer; add SetFlag(\"{id}\") to the choice that makes it true")),
            );
        }
    }
}

/// The most meters a scenario may declare.
pub const MAX_METERS: usize = 32;

/// Meter bounds, starts and `SetMeter` values lie within ±this. Far beyond
/// any real scale, and far from the ends of `i32`, so no arithmetic on
/// meter values (ranges, bars, sums) can overflow.
pub const MAX_METER_VALUE: i32 = 1_000_000;

/// Documented limits (E130) and the form of choice ids (E131), checked on
/// the file as written so they are reported even when other errors stop
/// compilation. See docs/diagnostics.md.
fn limit_checks(file: &ScenarioFile, spans: &Spans, diags: &mut Vec<Diagnostic>) {
    let root = Path::root();
    if file.meters.len() > MAX_METERS {
        diags.push(
            Diagnostic::error(
                "E130",
                format!("{} meters; a scenario may have at most {MAX_METERS}", file.meters.len()),
            )
            .at(
                spans.find_or_parent(&root.field("meters").index(MAX_METERS).field("id")),
                "one too many from here",
            )
            .help("combine meters, or use flags for yes/no facts"),
        );
    }
    let out_of_bounds = |v: i32| !(-MAX_METER_VALUE..=MAX_METER_VALUE).contains(&v);
    for (i, m) in file.meters.iter().enumerate() {
        let p = root.field("meters").index(i);
        let starts = match m.start {
            StartValue::Fixed(v) => vec![v],
            StartValue::Between(a, b) => vec![a, b],
        };
        for (field, bad) in [
            ("min", out_of_bounds(m.min)),
            ("max", out_of_bounds(m.max)),
            ("start", starts.iter().any(|v| out_of_bounds(*v))),
        ] {
            if bad {
                diags.push(
                    Diagnostic::error(
                        "E130",
                        format!("meter `{}` has a {field} beyond ±{MAX_METER_VALUE}", m.id),
                    )
                    .at(
                        spans.find_or_parent(&p.field(field)),
                        format!("meter values lie within −{MAX_METER_VALUE}…{MAX_METER_VALUE}"),
                    )
                    .help("meters are small scales such as 0–10; use a smaller range"),
                );
            }
        }
    }
    for (bi, beat) in file.beats.iter().enumerate() {
        for (ci, ch) in beat.choices.iter().enumerate() {
            let well_formed = !ch.id.is_empty()
                && ch.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !well_formed {
                let p = root.field("beats").index(bi).field("choices").index(ci).field("id");
                let suggestion: String = ch
                    .id
                    .trim()
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
                    .collect();
                let help = if suggestion.is_empty() {
                    "write an id such as `ask_name`: lowercase letters, digits and underscores".to_string()
                } else {
                    format!("ids are lowercase letters, digits and underscores: write `{suggestion}`")
                };
                let message = if ch.id.is_empty() {
                    "a choice has an empty id".to_string()
                } else {
                    format!("choice id `{}` is not lowercase letters, digits and underscores", ch.id)
                };
                diags.push(
                    Diagnostic::error("E131", message).at(spans.find_or_parent(&p), "this id").help(help),
                );
            }
        }
    }
}
