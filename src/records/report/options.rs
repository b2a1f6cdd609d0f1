//! "How the class chose", with the scenario at hand: every option offered at
//! each decision point (those nobody picked at 0 %), best first, and how the
//! person's meters moved after each, on average, in words; and the class's
//! mean meters per decision point beside the best route's (the HTML chart).
//!
//! Without the scenario the report lists the options the class chose only,
//! and says why (`ClassReport::scenario_note`).

use std::collections::HashMap;

use serde::Serialize;

use super::{ChoiceJudgement, ClassReport, judgement, pct};
use crate::records::SessionRecord;
use crate::scenario::Scenario;
use crate::scenario::model::{Direction, StartValue};

/// One option at a decision point, as the class met it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptionStats {
    pub choice: String,
    pub text: String,
    /// Times chosen here (0: offered, nobody chose it).
    pub chosen: u32,
    /// Share of the decisions made here, 0–100.
    pub percent: f64,
    /// Points the rubric gives it (as recorded when chosen, else the
    /// scenario's plain scores).
    pub points: i32,
    pub critical: bool,
    /// How the report reads it (the same rule as for the chosen options).
    pub judgement: ChoiceJudgement,
    /// How each meter moved after it, on average, over the decisions whose
    /// state before is known (meters that did not move are left out).
    pub meter_changes: Vec<MeterChange>,
}

impl OptionStats {
    /// "4 of 7 chose this (57.1%)" or "nobody chose this (0%)".
    pub fn chosen_line(&self, decisions: u32) -> String {
        if self.chosen == 0 {
            "nobody chose this (0%)".into()
        } else {
            format!("{} of {decisions} chose this ({}%)", self.chosen, super::f1(self.percent))
        }
    }

    /// "on average the person's distress fell by 1.5 and trust rose by 1.0",
    /// or nothing when no meter moved (or nobody chose it).
    pub fn meters_line(&self) -> Option<String> {
        let parts: Vec<String> = self.meter_changes.iter().map(MeterChange::describe).collect();
        match parts.len() {
            0 => None,
            1 => Some(format!("on average the person's {}", parts[0])),
            n => Some(format!("on average the person's {} and {}", parts[..n - 1].join(", "), parts[n - 1])),
        }
    }

    /// "+3 points", "−1 point", "no points".
    pub fn points_words(&self) -> String {
        match self.points {
            0 => "no points".into(),
            1 => "+1 point".into(),
            -1 => "−1 point".into(),
            p if p > 0 => format!("+{p} points"),
            p => format!("−{} points", p.unsigned_abs()),
        }
    }
}

/// A meter's mean change after one option.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeterChange {
    pub meter: String,
    /// The meter's name as the scenario gives it (its id without the scenario).
    pub name: String,
    /// Mean of (after − before) over `n` decisions.
    pub mean: f64,
    pub n: u32,
    /// True when a rise is good for the person (`None` without the scenario).
    pub higher_is_better: Option<bool>,
}

impl MeterChange {
    /// "distress fell by 1.5", "trust rose by 0.5".
    pub fn describe(&self) -> String {
        let name = lower_first(&self.name);
        let how = if self.mean > 0.0 { "rose" } else { "fell" };
        format!("{name} {how} by {:.1}", self.mean.abs())
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        // Keep an acronym ("PTSD") as it is.
        Some(f) if !c.clone().next().is_some_and(char::is_uppercase) => f.to_lowercase().chain(c).collect(),
        _ => s.to_string(),
    }
}

/// A meter the class chart draws.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeterScale {
    pub id: String,
    pub name: String,
    pub min: i32,
    pub max: i32,
    pub higher_is_better: bool,
}

/// What the first attempts' decisions measure: per (beat, choice, meter) the
/// sum and count of changes, per (beat, meter) the sum and count of values after.
#[derive(Default)]
pub(super) struct Measured {
    changes: HashMap<(String, String, String), (i64, u32)>,
    after: HashMap<(String, String), (i64, u32)>,
    offered: HashMap<String, Vec<String>>,
}

impl Measured {
    /// Over first attempts only. A decision's state before is the previous
    /// decision's after; the first's is the author's start, else the
    /// scenario's start for the meters that start at a fixed value.
    pub(super) fn of(records: &[SessionRecord], scenario: Option<&Scenario>) -> Measured {
        // The meters that start at a fixed value (one drawn from a range is not recorded).
        let fixed_start: Option<Vec<(String, i32)>> = scenario.map(|s| {
            s.file
                .meters
                .iter()
                .filter_map(|m| match m.start {
                    StartValue::Fixed(v) => Some((m.id.clone(), v)),
                    StartValue::Between(..) => None,
                })
                .collect()
        });
        let mut m = Measured::default();
        for r in records.iter().filter(|r| r.summary.rewound_from.is_none()) {
            let mut before: Option<Vec<(String, i32)>> = match (&r.start_from, scenario) {
                (Some((_, st)), Some(s)) => {
                    Some(s.file.meters.iter().map(|d| d.id.clone()).zip(st.meters.iter().copied()).collect())
                }
                (Some(_), None) => None,
                (None, _) => fixed_start.clone(),
            };
            for d in &r.decisions {
                for (meter, v) in &d.meters {
                    let a = m.after.entry((d.beat.clone(), meter.clone())).or_default();
                    a.0 += i64::from(*v);
                    a.1 += 1;
                    if let Some(b) = before.as_ref().and_then(|b| b.iter().find(|(id, _)| id == meter)) {
                        let c =
                            m.changes.entry((d.beat.clone(), d.choice.clone(), meter.clone())).or_default();
                        c.0 += i64::from(*v) - i64::from(b.1);
                        c.1 += 1;
                    }
                }
                let offered = m.offered.entry(d.beat.clone()).or_default();
                for id in d.offered.iter().chain(std::iter::once(&d.choice)) {
                    if !offered.contains(id) {
                        offered.push(id.clone());
                    }
                }
                before = Some(d.meters.clone());
            }
        }
        m
    }

    fn changes(&self, beat: &str, choice: &str, scales: &[MeterScale], ids: &[String]) -> Vec<MeterChange> {
        ids.iter()
            .filter_map(|meter| {
                let (sum, n) = *self.changes.get(&(beat.to_string(), choice.to_string(), meter.clone()))?;
                let mean = sum as f64 / f64::from(n);
                // Moves too small to print as 0.1 are left out.
                (n > 0 && mean.abs() >= 0.05).then(|| {
                    let scale = scales.iter().find(|s| &s.id == meter);
                    MeterChange {
                        meter: meter.clone(),
                        name: scale.map(|s| s.name.clone()).unwrap_or_else(|| meter.clone()),
                        mean,
                        n,
                        higher_is_better: scale.map(|s| s.higher_is_better),
                    }
                })
            })
            .collect()
    }

    /// The class's mean of each meter after the decision at `beat`.
    pub(super) fn mean_after(&self, beat: &str, meter: &str) -> Option<f64> {
        let (sum, n) = *self.after.get(&(beat.to_string(), meter.to_string()))?;
        (n > 0).then(|| sum as f64 / f64::from(n))
    }

    /// Every meter id seen, in the order first met.
    fn meter_ids(records: &[SessionRecord]) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for d in records.iter().flat_map(|r| &r.decisions) {
            for (id, _) in &d.meters {
                if !ids.contains(id) {
                    ids.push(id.clone());
                }
            }
        }
        ids
    }
}

/// The scenario's meters, for the words and the chart.
pub(super) fn scales(s: &Scenario) -> Vec<MeterScale> {
    s.file
        .meters
        .iter()
        .map(|m| MeterScale {
            id: m.id.clone(),
            name: m.name.clone(),
            min: m.min,
            max: m.max,
            higher_is_better: m.higher_is == Direction::Better,
        })
        .collect()
}

/// Best first: a critical error last whatever it scores; then the best
/// available, helpful, neutral, harmful; then more points; then as authored.
fn rank(o: &OptionStats) -> (bool, u8, i32) {
    let j = match o.judgement {
        ChoiceJudgement::BestAvailable => 0,
        ChoiceJudgement::Helpful => 1,
        ChoiceJudgement::Neutral => 2,
        ChoiceJudgement::Harmful => 3,
        ChoiceJudgement::CriticalError => 4,
    };
    (o.critical, j, -o.points)
}

/// Fill each decision point's `options` (and the report's `meters`): every
/// option offered there with the scenario, the chosen ones without it.
pub(super) fn fill(report: &mut ClassReport, records: &[SessionRecord], scenario: Option<&Scenario>) {
    let measured = Measured::of(records, scenario);
    let scales = scenario.map(scales).unwrap_or_default();
    let ids: Vec<String> = if scales.is_empty() {
        Measured::meter_ids(records)
    } else {
        scales.iter().map(|s| s.id.clone()).collect()
    };
    for p in &mut report.decision_points {
        let offered = measured.offered.get(&p.beat).cloned().unwrap_or_default();
        let beat = scenario.and_then(|s| s.beat_index(&p.beat).map(|b| (s, b)));
        let mut options: Vec<OptionStats> = Vec::new();
        // Authored order first (the sort is stable), then anything recorded the scenario lacks.
        let mut order: Vec<String> = match beat {
            Some((s, b)) => s.acts(b).map(|(a, _)| s.act_id(b, a).to_string()).collect(),
            None => Vec::new(),
        };
        for c in p.choices.iter().map(|c| &c.choice).chain(offered.iter()) {
            if !order.contains(c) {
                order.push(c.clone());
            }
        }
        for id in order {
            let chosen = p.choices.iter().find(|c| c.choice == id);
            let was_offered = offered.contains(&id) || chosen.is_some();
            let def = beat.and_then(|(s, b)| s.act_by_id(b, &id).map(|a| (s, b, a)));
            let o = match (chosen, def) {
                (Some(c), _) => OptionStats {
                    choice: id.clone(),
                    text: c.text.clone(),
                    chosen: c.count,
                    percent: c.percent,
                    points: c.points,
                    critical: c.critical,
                    judgement: c.judgement,
                    meter_changes: Vec::new(),
                },
                // Offered to someone here, and nobody chose it.
                (None, Some((s, b, a))) if was_offered => {
                    let def = s.act(b, a);
                    let points = def.map(|d| d.total).unwrap_or(0);
                    let critical = def.is_some_and(|d| d.critical);
                    OptionStats {
                        choice: id.clone(),
                        text: s.act_text(b, a),
                        chosen: 0,
                        percent: 0.0,
                        points,
                        critical,
                        judgement: judgement(points, critical, None),
                        meter_changes: Vec::new(),
                    }
                }
                _ => continue,
            };
            options.push(OptionStats { meter_changes: measured.changes(&p.beat, &id, &scales, &ids), ..o });
        }
        options.sort_by_key(rank);
        for o in &mut options {
            o.percent = pct(o.chosen, p.decisions);
        }
        p.options = options;
        p.meters_after = ids
            .iter()
            .filter_map(|m| measured.mean_after(&p.beat, m).map(|mean| MeterMean { meter: m.clone(), mean }))
            .collect();
    }
    report.meters = scales;
}

/// The class's mean of one meter after the decisions at a decision point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeterMean {
    pub meter: String,
    pub mean: f64,
}

/// Why the report lists the chosen options only, or what to bear in mind.
pub(super) fn scenario_note(
    report: &ClassReport,
    scenario: Option<&Scenario>,
    why: Option<&str>,
) -> Option<String> {
    match scenario {
        None => Some(format!(
            "The scenario was not available{}, so options nobody chose are not listed and the meters are named by id.",
            why.map(|w| format!(" ({w})")).unwrap_or_default()
        )),
        Some(s)
            if !report.versions.is_empty()
                && !report.versions.iter().any(|v| v.content_hash == s.content_hash) =>
        {
            Some(format!(
                "The scenario at hand (version {}) is not a version the class played; the options offered are read from it.",
                s.file.about.version
            ))
        }
        Some(_) => None,
    }
}
