//! Exports for instructors and learning record stores: CSV (one row per
//! decision), JSON (sessions with their decisions nested) and xAPI
//! statements. Shapes and columns are documented in `docs/records.md`.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::store::fmt_time;
use super::{SessionRecord, Standard, Status, edge};

/// Format 16 bytes as a UUID string.
pub fn format_uuid(b: &[u8; 16]) -> String {
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// A stable UUID (version 8, name-based on SHA-256) for a statement, so
/// exporting twice gives the same statement ids and a learning record store
/// can drop the duplicates.
pub fn stable_uuid(name: &str) -> String {
    let d = Sha256::digest(name.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    format_uuid(&b)
}

/// A text cell that a spreadsheet would run as a formula (starting with
/// `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, as
/// OWASP recommends against CSV injection. Numbers are written as numbers
/// and never pass through here, so `-3` stays a number.
pub fn guard_formula(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_string() }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

/// The fixed CSV columns, before one `score_<dimension>` column per rubric
/// dimension seen in the export and the trailing columns.
pub const CSV_COLUMNS: &[&str] = &[
    "session_id",
    "session_uuid",
    "trainee",
    "scenario",
    "title",
    "version",
    "content_hash",
    "seed",
    "mode",
    "started_at",
    "status",
    "outcome",
    "ending",
    "session_total",
    "step",
    "beat",
    "choice",
    "text",
    "timed_out",
    "response_ms",
    "points",
    "critical",
    "best_available",
];

/// Columns after the score columns (their positions move with the number of
/// score columns, so read them by name). The session's grade, verdict,
/// process percent and timing stay last; the decision's reasoning (its label,
/// the reading of the subject, the reflection) comes just before them.
pub const CSV_TRAILING: &[&str] = &[
    "meters_after",
    "flags_after",
    "recorded_at",
    "label",
    "read_question",
    "read_answer",
    "read_right",
    "reflection",
    "class",
    "grade",
    "verdict",
    "process_percent",
    "timing",
    "rewound_from",
    "fork_step",
];

/// One row per decision. Sessions without decisions have no rows.
pub fn to_csv(sessions: &[SessionRecord]) -> String {
    let mut dims: Vec<String> = Vec::new();
    for s in sessions {
        for d in &s.decisions {
            for (id, _) in &d.scores {
                if !dims.contains(id) {
                    dims.push(id.clone());
                }
            }
        }
    }
    let mut out = String::new();
    let header: Vec<String> = CSV_COLUMNS
        .iter()
        .map(|c| c.to_string())
        .chain(dims.iter().map(|d| format!("score_{d}")))
        .chain(CSV_TRAILING.iter().map(|c| c.to_string()))
        .collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    let opt = |v: Option<String>| v.unwrap_or_default();
    let b = |v: bool| if v { "true" } else { "false" }.to_string();
    for s in sessions {
        let m = &s.summary;
        for d in &s.decisions {
            let t = |s: &str| guard_formula(s);
            let mut row: Vec<String> = vec![
                m.id.to_string(),
                t(&m.uuid),
                t(&m.trainee),
                t(&m.scenario),
                t(&m.title),
                t(&m.version),
                t(&m.content_hash),
                m.seed.to_string(),
                m.mode.label().to_string(),
                fmt_time(&m.started_at),
                m.status.label().to_string(),
                t(&opt(m.outcome.clone())),
                t(&opt(m.ending.clone())),
                opt(m.total.map(|t| t.to_string())),
                d.step.to_string(),
                t(&d.beat),
                t(&d.choice),
                t(&d.text),
                b(d.timed_out),
                opt(d.response_ms.map(|v| v.to_string())),
                d.total.to_string(),
                b(d.critical),
                opt(d.best_available.map(b)),
            ];
            for dim in &dims {
                row.push(
                    d.scores.iter().find(|(id, _)| id == dim).map(|(_, v)| v.to_string()).unwrap_or_default(),
                );
            }
            row.push(t(&d.meters.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(";")));
            row.push(t(&d.flags.join(";")));
            row.push(fmt_time(&d.recorded_at));
            row.push(t(d.label.as_deref().unwrap_or_default()));
            row.push(t(d.reading.as_ref().map(|r| r.question.as_str()).unwrap_or_default()));
            row.push(t(d.reading.as_ref().map(|r| r.said.as_str()).unwrap_or_default()));
            row.push(d.reading.as_ref().map(|r| b(r.right)).unwrap_or_default());
            row.push(t(d.reflection.as_deref().unwrap_or_default()));
            row.push(t(m.class.as_deref().unwrap_or_default()));
            row.push(m.grade.map(edge::grade_label).unwrap_or_default().to_string());
            row.push(m.verdict.map(edge::verdict_id).unwrap_or_default().to_string());
            row.push(opt(m.process_percent.map(|p| p.to_string())));
            row.push(m.timing.label().to_string());
            row.push(opt(m.rewound_from.as_ref().map(|f| t(&f.uuid))));
            row.push(opt(m.rewound_from.as_ref().map(|f| f.step.to_string())));
            out.push_str(&row.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
            out.push_str("\r\n");
        }
    }
    out
}

/// `{"format": "talkdown-records", "format_version": 1, "sessions": [...]}`.
pub fn to_json(sessions: &[SessionRecord]) -> String {
    let v = json!({
        "format": "talkdown-records",
        "format_version": 1,
        "exported_at": fmt_time(&chrono::Utc::now()),
        "sessions": sessions,
    });
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

/// Settings for xAPI statements.
#[derive(Debug, Clone)]
pub struct XapiOptions {
    /// The academy's site: the `homePage` of each trainee's account.
    pub homepage: String,
    /// Prefix of activity ids (an IRI); scenario ids and beat ids are appended.
    pub activity_base: String,
}

impl Default for XapiOptions {
    fn default() -> Self {
        XapiOptions {
            homepage: "https://talkdown.invalid".into(),
            activity_base: "https://talkdown.invalid/xapi/scenarios/".into(),
        }
    }
}

const EXT: &str = "https://talkdown.invalid/xapi/extensions/";

/// ISO 8601 duration with millisecond precision, e.g. `PT4.25S`.
pub fn iso_duration(ms: u64) -> String {
    let (h, rest) = (ms / 3_600_000, ms % 3_600_000);
    let (m, rest) = (rest / 60_000, rest % 60_000);
    let secs = rest as f64 / 1000.0;
    let mut out = String::from("PT");
    if h > 0 {
        out.push_str(&format!("{h}H"));
    }
    if m > 0 {
        out.push_str(&format!("{m}M"));
    }
    let s = format!("{secs:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    out.push_str(&format!("{s}S"));
    out
}

fn url_part(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A JSON array of xAPI 1.0.3 statements: one `answered` per decision and
/// one `completed` (finished) or `abandoned` (unfinished) per session.
pub fn to_xapi(sessions: &[SessionRecord], o: &XapiOptions) -> String {
    let mut statements: Vec<Value> = Vec::new();
    for s in sessions {
        let m = &s.summary;
        let actor = json!({
            "objectType": "Agent",
            "name": m.trainee,
            "account": { "homePage": o.homepage, "name": m.trainee },
        });
        let scenario_iri = format!("{}{}", o.activity_base, url_part(&m.scenario));
        let scenario_activity = json!({
            "objectType": "Activity",
            "id": scenario_iri,
            "definition": {
                "name": { "en-US": m.title },
                "type": "http://adlnet.gov/expapi/activities/simulation",
            },
        });
        let context = |extra: Value| {
            let mut c = json!({
                "registration": m.uuid,
                "platform": "Talkdown",
                "extensions": {
                    format!("{EXT}content-hash"): m.content_hash,
                    format!("{EXT}scenario-version"): m.version,
                    format!("{EXT}seed"): m.seed,
                    format!("{EXT}mode"): m.mode.label(),
                    format!("{EXT}timing"): m.timing.label(),
                    format!("{EXT}session-id"): m.id.0,
                },
            });
            if let (Some(f), Some(Value::Object(x))) = (&m.rewound_from, c.get_mut("extensions")) {
                x.insert(format!("{EXT}rewound-from"), json!(f.uuid));
                x.insert(format!("{EXT}fork-step"), json!(f.step));
            }
            if let (Value::Object(c), Value::Object(x)) = (&mut c, extra) {
                c.extend(x);
            }
            c
        };
        for d in &s.decisions {
            let mut ext = serde_json::Map::new();
            ext.insert(format!("{EXT}critical"), json!(d.critical));
            ext.insert(
                format!("{EXT}scores"),
                Value::Object(d.scores.iter().map(|(k, v)| (k.clone(), json!(v))).collect()),
            );
            if let Some(b) = d.best_available {
                ext.insert(format!("{EXT}best-available"), json!(b));
            }
            if let Some(r) = &d.reading {
                ext.insert(
                    format!("{EXT}reading"),
                    json!({ "question": r.question, "answer": r.said, "right": r.right, "truth": r.truth }),
                );
            }
            if let Some(text) = &d.reflection {
                ext.insert(format!("{EXT}reflection"), json!(text));
            }
            let mut result = json!({
                "response": d.choice,
                "score": { "raw": d.total },
                "extensions": ext,
            });
            if let Some(ms) = d.response_ms {
                result["duration"] = json!(iso_duration(ms));
            }
            statements.push(json!({
                "id": stable_uuid(&format!("{}/{}", m.uuid, d.step)),
                "actor": actor,
                "verb": { "id": "http://adlnet.gov/expapi/verbs/answered", "display": { "en-US": "answered" } },
                "object": {
                    "objectType": "Activity",
                    "id": format!("{scenario_iri}/beats/{}", url_part(&d.beat)),
                    "definition": {
                        "name": { "en-US": d.label.as_deref().unwrap_or(&d.beat) },
                        "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                        "interactionType": "choice",
                    },
                },
                "result": result,
                "context": context(json!({
                    "contextActivities": { "parent": [scenario_activity] },
                })),
                "timestamp": fmt_time(&d.recorded_at),
            }));
        }
        let (verb, display) = match m.status {
            Status::Finished => ("http://adlnet.gov/expapi/verbs/completed", "completed"),
            Status::Abandoned => ("https://w3id.org/xapi/adl/verbs/abandoned", "abandoned"),
        };
        let end = m.finished_at.unwrap_or(m.last_activity);
        let ms = (end - m.started_at).num_milliseconds().max(0) as u64;
        let mut result = json!({ "completion": m.status == Status::Finished, "duration": iso_duration(ms) });
        if let (Some(t), Some(b)) = (m.total, m.total_best) {
            let mut score = json!({ "raw": t, "max": b });
            if b > 0 {
                score["scaled"] = json!((f64::from(t) / f64::from(b)).clamp(-1.0, 1.0));
            }
            result["score"] = score;
            let mut ext = serde_json::Map::new();
            if let Some(oc) = &m.outcome {
                ext.insert(format!("{EXT}outcome"), json!(oc));
            }
            if let Some(en) = &m.ending {
                ext.insert(format!("{EXT}ending"), json!(en));
            }
            ext.insert(
                format!("{EXT}dimensions"),
                Value::Object(
                    m.scores
                        .iter()
                        .map(|d| (d.id.clone(), json!({ "score": d.score, "best": d.best })))
                        .collect(),
                ),
            );
            ext.insert(format!("{EXT}critical-errors"), json!(m.critical_errors));
            if let Some(g) = m.grade {
                ext.insert(format!("{EXT}grade"), json!(edge::grade_label(g)));
            }
            if let Some(v) = m.verdict {
                ext.insert(format!("{EXT}verdict"), json!(edge::verdict_id(v)));
            }
            if let Some(p) = m.process_percent {
                ext.insert(format!("{EXT}process-percent"), json!(p));
            }
            result["extensions"] = Value::Object(ext);
        }
        // xAPI's own pass/fail: the verdict by the rubric's policy, never the
        // points or the outcome (sessions recorded before verdicts: left out).
        if let Some(v) = m.verdict {
            result["success"] = json!(v == Standard::MeetsStandard);
        }
        statements.push(json!({
            "id": stable_uuid(&format!("{}/session", m.uuid)),
            "actor": actor,
            "verb": { "id": verb, "display": { "en-US": display } },
            "object": scenario_activity,
            "result": result,
            "context": context(json!({})),
            "timestamp": fmt_time(&end),
        }));
    }
    serde_json::to_string_pretty(&Value::Array(statements)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_iso_8601() {
        assert_eq!(iso_duration(4250), "PT4.25S");
        assert_eq!(iso_duration(0), "PT0S");
        assert_eq!(iso_duration(61_000), "PT1M1S");
        assert_eq!(iso_duration(3_723_500), "PT1H2M3.5S");
    }

    #[test]
    fn stable_uuids_are_stable_and_well_formed() {
        let a = stable_uuid("x/1");
        assert_eq!(a, stable_uuid("x/1"));
        assert_ne!(a, stable_uuid("x/2"));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "8");
    }

    #[test]
    fn formula_starts_are_defused_and_other_text_is_kept() {
        for bad in ["=1+1", "+1", "-cmd", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(guard_formula(bad), format!("'{bad}"));
        }
        assert_eq!(guard_formula("Ana"), "Ana");
        assert_eq!(guard_formula("a=b"), "a=b");
    }

    #[test]
    fn csv_fields_with_commas_and_quotes_are_quoted() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, \"b\""), "\"a, \"\"b\"\"\"");
    }
}
