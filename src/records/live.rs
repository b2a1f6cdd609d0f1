//! The instructor's live view of a lab (`talkdown lab watch`): plain data.
//!
//! The lab server announces every new session, decision and ending with a
//! PostgreSQL NOTIFY whose payload holds ids only ([`Notice`]); the watcher
//! ([`super::pg::LiveWatch`]) reads the rows behind it as the instructor and
//! turns them into [`LiveEvent`]s, and [`LiveView::apply`] folds them into one
//! [`StationRow`] per session. Events may come twice (a snapshot and a notice
//! for the same decision): folding is idempotent. Alerts are computed from a
//! row and the time now ([`LiveView::alerts`]); a front end only renders.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

/// The channel the lab server notifies on.
pub const CHANNEL: &str = "talkdown_live";

/// A notification's payload: which row changed, by number only (a station
/// that listens learns no content from it, and cannot read the rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// A session started: `s ID`.
    Started { session: i64 },
    /// A decision was recorded: `d ID STEP`.
    Decided { session: i64, step: u32 },
    /// A session finished or stopped: `e ID`.
    Ended { session: i64 },
}

impl Notice {
    /// Read a payload; `None` for anything else (never a panic).
    pub fn parse(payload: &str) -> Option<Notice> {
        let mut parts = payload.split(' ');
        let kind = parts.next()?;
        let session: i64 = parts.next()?.parse().ok()?;
        let notice = match kind {
            "s" => Notice::Started { session },
            "e" => Notice::Ended { session },
            "d" => Notice::Decided { session, step: parts.next()?.parse().ok()? },
            _ => return None,
        };
        parts.next().is_none().then_some(notice)
    }

    pub fn session(&self) -> i64 {
        match *self {
            Notice::Started { session } | Notice::Decided { session, .. } | Notice::Ended { session } => {
                session
            }
        }
    }
}

/// What happened at a station, read from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveEvent {
    Started {
        session: i64,
        trainee: String,
        scenario: String,
        class: Option<String>,
        started_at: DateTime<Utc>,
    },
    Decided {
        session: i64,
        /// 1-based.
        step: u32,
        /// The beat or ending the decision led to: where the trainee is now.
        led_to: String,
        /// The decision's points over every rubric dimension.
        points: i32,
        critical: bool,
        at: DateTime<Utc>,
    },
    Ended {
        session: i64,
        /// `true`: reached an ending; `false`: stopped (quit, closed).
        finished: bool,
        at: DateTime<Utc>,
    },
}

/// Where a station's session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowState {
    Playing,
    Finished,
    Stopped,
}

/// One station (one session being played) in the live view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StationRow {
    pub session: i64,
    pub trainee: String,
    pub scenario: String,
    pub class: Option<String>,
    /// The beat the trainee is at (its id); `None` before the first decision.
    pub beat: Option<String>,
    pub decisions: u32,
    pub critical_errors: u32,
    /// Harmful decisions (critical, or fewer than zero points) in a row, up to the last one.
    pub harmful_in_a_row: u32,
    /// When the trainee reached the current beat (the start, or the last decision).
    pub on_beat_since: DateTime<Utc>,
    pub state: RowState,
}

/// When a row raises an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertRules {
    /// A playing station with no decision for this long.
    pub idle_after: Duration,
    /// This many harmful decisions in a row.
    pub harmful_in_a_row: u32,
}

impl Default for AlertRules {
    fn default() -> Self {
        AlertRules { idle_after: Duration::from_secs(120), harmful_in_a_row: 2 }
    }
}

/// Something the instructor should look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alert {
    /// No decision for this long (whole seconds).
    Idle { seconds: u64 },
    /// This many harmful decisions in a row.
    Harmful { in_a_row: u32 },
}

impl Alert {
    pub fn describe(&self) -> String {
        match *self {
            Alert::Idle { seconds } => format!("idle {}", clock(seconds)),
            Alert::Harmful { in_a_row } => format!("{in_a_row} harmful in a row"),
        }
    }
}

/// `m:ss` (or `h:mm:ss`).
pub fn clock(seconds: u64) -> String {
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if h > 0 { format!("{h}:{m:02}:{s:02}") } else { format!("{m}:{s:02}") }
}

/// The table of stations, folded from events.
#[derive(Debug, Clone, Default)]
pub struct LiveView {
    rows: BTreeMap<i64, StationRow>,
    pub rules: AlertRules,
}

impl LiveView {
    pub fn new(rules: AlertRules) -> LiveView {
        LiveView { rows: BTreeMap::new(), rules }
    }

    /// Fold one event in; `true` when the table changed. A decision of a
    /// session not started here, or one already counted, changes nothing.
    pub fn apply(&mut self, event: &LiveEvent) -> bool {
        match event {
            LiveEvent::Started { session, trainee, scenario, class, started_at } => {
                if self.rows.contains_key(session) {
                    return false;
                }
                self.rows.insert(
                    *session,
                    StationRow {
                        session: *session,
                        trainee: trainee.clone(),
                        scenario: scenario.clone(),
                        class: class.clone(),
                        beat: None,
                        decisions: 0,
                        critical_errors: 0,
                        harmful_in_a_row: 0,
                        on_beat_since: *started_at,
                        state: RowState::Playing,
                    },
                );
                true
            }
            LiveEvent::Decided { session, step, led_to, points, critical, at } => {
                let Some(row) = self.rows.get_mut(session) else { return false };
                if *step <= row.decisions {
                    return false;
                }
                row.decisions = *step;
                row.beat = Some(led_to.clone());
                row.on_beat_since = *at;
                if *critical {
                    row.critical_errors += 1;
                }
                if *critical || *points < 0 {
                    row.harmful_in_a_row += 1;
                } else {
                    row.harmful_in_a_row = 0;
                }
                true
            }
            LiveEvent::Ended { session, finished, at } => {
                let Some(row) = self.rows.get_mut(session) else { return false };
                let state = if *finished { RowState::Finished } else { RowState::Stopped };
                if row.state == state {
                    return false;
                }
                row.state = state;
                row.on_beat_since = *at;
                true
            }
        }
    }

    /// The stations, by session number.
    pub fn rows(&self) -> impl Iterator<Item = &StationRow> {
        self.rows.values()
    }

    pub fn row(&self, session: i64) -> Option<&StationRow> {
        self.rows.get(&session)
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// How long the row has been on its beat at `now` (zero for a clock behind).
    pub fn on_beat(&self, row: &StationRow, now: DateTime<Utc>) -> Duration {
        (now - row.on_beat_since).to_std().unwrap_or_default()
    }

    /// The row's alerts at `now` (none once it has finished or stopped, but
    /// harmful choices stay flagged).
    pub fn alerts(&self, row: &StationRow, now: DateTime<Utc>) -> Vec<Alert> {
        let mut out = Vec::new();
        let on_beat = self.on_beat(row, now);
        if row.state == RowState::Playing && on_beat >= self.rules.idle_after {
            out.push(Alert::Idle { seconds: on_beat.as_secs() });
        }
        if self.rules.harmful_in_a_row > 0 && row.harmful_in_a_row >= self.rules.harmful_in_a_row {
            out.push(Alert::Harmful { in_a_row: row.harmful_in_a_row });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    fn started(session: i64, trainee: &str) -> LiveEvent {
        LiveEvent::Started {
            session,
            trainee: trainee.into(),
            scenario: "bridge".into(),
            class: Some("CIT-1".into()),
            started_at: t(0),
        }
    }

    fn decided(session: i64, step: u32, points: i32, critical: bool, at: i64) -> LiveEvent {
        LiveEvent::Decided { session, step, led_to: format!("beat{step}"), points, critical, at: t(at) }
    }

    #[test]
    fn payloads_hold_ids_only_and_anything_else_is_refused() {
        assert_eq!(Notice::parse("s 12"), Some(Notice::Started { session: 12 }));
        assert_eq!(Notice::parse("d 12 3"), Some(Notice::Decided { session: 12, step: 3 }));
        assert_eq!(Notice::parse("e 7"), Some(Notice::Ended { session: 7 }));
        for bad in ["", "s", "d 1", "x 1", "s one", "d 1 2 3", "s 1 ", "d 1 -2"] {
            assert_eq!(Notice::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn decisions_fold_into_the_row_once_each() {
        let mut v = LiveView::default();
        assert!(!v.apply(&decided(1, 1, 2, false, 5)), "unknown session");
        assert!(v.apply(&started(1, "ana")));
        assert!(!v.apply(&started(1, "ana")), "twice");
        assert!(v.apply(&decided(1, 1, 2, false, 5)));
        assert!(!v.apply(&decided(1, 1, 2, false, 5)), "the same decision again");
        assert!(v.apply(&decided(1, 2, -1, true, 9)));
        let r = v.row(1).unwrap();
        assert_eq!((r.decisions, r.critical_errors, r.beat.as_deref()), (2, 1, Some("beat2")));
        assert_eq!(r.on_beat_since, t(9));
        assert_eq!(v.on_beat(r, t(30)), Duration::from_secs(21));
        assert!(v.apply(&LiveEvent::Ended { session: 1, finished: true, at: t(40) }));
        assert_eq!(v.row(1).unwrap().state, RowState::Finished);
        assert!(!v.apply(&LiveEvent::Ended { session: 1, finished: true, at: t(41) }));
    }

    #[test]
    fn harmful_choices_in_a_row_and_idle_stations_raise_alerts() {
        let rules = AlertRules { idle_after: Duration::from_secs(60), harmful_in_a_row: 2 };
        let mut v = LiveView::new(rules);
        v.apply(&started(1, "ana"));
        v.apply(&decided(1, 1, -2, false, 10));
        assert!(v.alerts(v.row(1).unwrap(), t(20)).is_empty(), "one harmful choice");
        v.apply(&decided(1, 2, 0, true, 20));
        assert_eq!(v.alerts(v.row(1).unwrap(), t(25)), [Alert::Harmful { in_a_row: 2 }]);
        v.apply(&decided(1, 3, 1, false, 30));
        assert!(v.alerts(v.row(1).unwrap(), t(35)).is_empty(), "a good choice ends the run");
        assert_eq!(v.alerts(v.row(1).unwrap(), t(95)), [Alert::Idle { seconds: 65 }]);
        assert_eq!(Alert::Idle { seconds: 65 }.describe(), "idle 1:05");
        v.apply(&LiveEvent::Ended { session: 1, finished: false, at: t(100) });
        assert!(v.alerts(v.row(1).unwrap(), t(1000)).is_empty(), "a stopped station is not idle");
    }

    #[test]
    fn clocks_read_as_minutes_and_hours() {
        assert_eq!(clock(0), "0:00");
        assert_eq!(clock(75), "1:15");
        assert_eq!(clock(3725), "1:02:05");
    }
}
