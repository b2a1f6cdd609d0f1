//! `talkdown lab`: set up the lab's shared PostgreSQL server and run a class
//! on it (docs/lab.md). Flags and printing only; the work is in
//! [`crate::records::pg`].

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

use clap::Subcommand;

use super::{Error as CliError, Outcome};
use crate::library::{ScenarioLibrary, bundled_dir};
use crate::records::live::{AlertRules, LiveView, RowState, StationRow, clock};
use crate::records::pg::{self, LabRoles, LiveWatch, lab_init};
use crate::text::printable;

#[derive(Debug, Subcommand)]
pub enum LabCommand {
    /// Create (or upgrade) the Talkdown tables in a PostgreSQL database and the
    /// station and instructor roles, with new passwords, and print how each
    /// connects. Run it again to upgrade the schema or renew both passwords.
    Init {
        /// The database owner's (or a superuser's) URL, e.g.
        /// postgresql://talkdown_admin@db.academy.lan/talkdown?sslmode=verify-full&sslrootcert=/etc/talkdown/ca.crt
        /// Keep its password in ~/.pgpass (or PGPASSFILE), not here: a command
        /// line is visible to other users in the process list.
        #[arg(long, env = "TALKDOWN_LAB_ADMIN")]
        admin: String,
        /// The stations' role (default: DATABASE_station).
        #[arg(long)]
        station_role: Option<String>,
        /// The instructors' role (default: DATABASE_instructor).
        #[arg(long)]
        instructor_role: Option<String>,
    },
    /// Set the class (cohort) of the sessions stations start from now on
    /// (those not given their own --class), or without NAME show it. Needs the
    /// instructor's URL as --records / TALKDOWN_RECORDS; kept with who set it
    /// and when.
    Class {
        /// The class name, e.g. CIT-2026-03.
        #[arg(value_parser = super::parse_class)]
        name: Option<String>,
    },
    /// The instructor's live view: a table of the stations playing now
    /// (trainee, scenario, current beat, decisions, time on this beat,
    /// critical errors, alerts), updated as the server announces each
    /// decision (LISTEN/NOTIFY). Needs the instructor's URL as --records.
    Watch {
        /// Print the table once and exit.
        #[arg(long)]
        once: bool,
        /// Alert when a station has made no decision for this many seconds.
        #[arg(long, default_value_t = 120)]
        idle_after: u64,
        /// Alert after this many harmful decisions in a row (critical, or below zero points).
        #[arg(long, default_value_t = 2)]
        harmful_in_a_row: u32,
        /// At the start, show the sessions active within this many minutes.
        #[arg(long, default_value_t = 240)]
        recent: u64,
        /// Exit after this many changes to the table (for scripts).
        #[arg(long, hide = true)]
        updates: Option<u64>,
    },
}

/// The lab server's URL from --records / TALKDOWN_RECORDS, or a usage error.
fn server_url(records: Option<&Path>, what: &str) -> Result<String, CliError> {
    match records.and_then(|p| p.to_str()) {
        Some(u) if pg::is_url(Path::new(u)) => Ok(u.to_string()),
        _ => Err(CliError::Usage(format!(
            "{what} works on the lab server only: pass the instructor's postgresql:// URL as --records or \
             TALKDOWN_RECORDS (docs/lab.md)"
        ))),
    }
}

pub fn run(cmd: LabCommand, records: Option<&Path>, scenarios: Option<&Path>) -> Result<Outcome, CliError> {
    match cmd {
        LabCommand::Watch { once, idle_after, harmful_in_a_row, recent, updates } => {
            let url = server_url(records, "`talkdown lab watch`")?;
            let rules = AlertRules { idle_after: Duration::from_secs(idle_after), harmful_in_a_row };
            watch(&url, rules, recent, once, updates, scenarios)
        }
        LabCommand::Class { name } => {
            let url = server_url(records, "`talkdown lab class`")?;
            let mut o = std::io::stdout().lock();
            match name {
                Some(n) => {
                    pg::set_room_class(&url, &n)?;
                    let _ = writeln!(
                        o,
                        "The room's class is now {}: sessions started from now on without --class belong to it.",
                        crate::text::printable(&n)
                    );
                }
                None => match pg::room_class(&url)? {
                    Some((class, by, at)) => {
                        let _ = writeln!(
                            o,
                            "The room's class is {} (set by {} at {}).",
                            crate::text::printable(&class),
                            crate::text::printable(&by),
                            at
                        );
                    }
                    None => {
                        let _ =
                            writeln!(o, "No class has been set for the room (`talkdown lab class NAME`).");
                    }
                },
            }
            Ok(Outcome::Clean)
        }
        LabCommand::Init { admin, station_role, instructor_role } => {
            let roles = match (station_role, instructor_role) {
                (None, None) => None,
                (s, i) => {
                    let db = admin_database(&admin);
                    Some(LabRoles {
                        station: s.unwrap_or_else(|| format!("{db}_station")),
                        instructor: i.unwrap_or_else(|| format!("{db}_instructor")),
                    })
                }
            };
            let r = lab_init(&admin, roles)?;
            let mut o = std::io::stdout().lock();
            let _ = writeln!(o, "Talkdown schema version {} is ready on {}.", r.schema_version, r.server);
            for (what, role) in [("Stations", &r.station), ("Instructors", &r.instructor)] {
                let made = if role.renewed { "existed; its password is renewed" } else { "created" };
                let _ = writeln!(o, "\n{what}: role {} ({made})", role.name);
                let _ = writeln!(o, "  TALKDOWN_RECORDS={}", role.url);
                let _ = writeln!(o, "  ~/.pgpass line (chmod 0600): {}", role.pgpass_line);
            }
            let _ = writeln!(
                o,
                "\nThe passwords are shown only here: put each .pgpass line on the machines that use that role \
                 (stations, the instructor's PC), never in a URL on a command line. Purging old sessions \
                 (`talkdown records purge`) needs the owner's URL."
            );
            Ok(Outcome::Clean)
        }
    }
}

/// The database named in a URL (for the default role names), else `talkdown`.
fn admin_database(url: &str) -> String {
    let after = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let path = after.split_once('/').map(|(_, p)| p).unwrap_or("");
    let db = path.split(['?', '#']).next().unwrap_or("");
    if db.is_empty() { "talkdown".to_string() } else { db.to_string() }
}

/// `talkdown lab watch`: the table now, then again whenever the server
/// announces a change (and every second in a terminal, for the clocks).
fn watch(
    url: &str,
    rules: AlertRules,
    recent_minutes: u64,
    once: bool,
    updates: Option<u64>,
    scenarios: Option<&Path>,
) -> Result<Outcome, CliError> {
    let library = ScenarioLibrary::load(&bundled_dir(scenarios));
    let mut watch = LiveWatch::connect(url)?;
    let mut view = LiveView::new(rules);
    let since = chrono::Utc::now() - chrono::Duration::minutes(recent_minutes.min(100_000) as i64);
    for e in watch.snapshot(since)? {
        view.apply(&e);
    }
    let terminal = std::io::stdout().is_terminal() && !once;
    let draw = |view: &LiveView| {
        let mut o = std::io::stdout().lock();
        if terminal {
            let _ = write!(o, "\x1b[H\x1b[2J");
        }
        let _ = write!(o, "{}", render(view, chrono::Utc::now(), &library, &watch_server(url)));
        let _ = o.flush();
    };
    draw(&view);
    if once {
        return Ok(Outcome::Clean);
    }
    eprintln!("talkdown: listening for the stations' decisions (Ctrl-C to stop)");
    let mut changes = 0u64;
    loop {
        let events = watch.wait(Duration::from_secs(1))?;
        let mut changed = false;
        for e in &events {
            if view.apply(e) {
                changed = true;
                changes += 1;
            }
        }
        if changed || terminal {
            draw(&view);
        }
        if updates.is_some_and(|n| changes >= n) {
            return Ok(Outcome::Clean);
        }
    }
}

fn watch_server(url: &str) -> String {
    pg::mask_url(url)
}

/// The beat a row is at, in words: its label or first line when the
/// scenario is in the library, else its id.
fn beat_words(row: &StationRow, library: &ScenarioLibrary) -> String {
    let Some(beat) = &row.beat else { return "(starting)".into() };
    let scenario = library.find(&row.scenario).and_then(|i| library.entries[i].scenario.as_ref());
    match scenario {
        Some(s) => match s.beat_index(beat) {
            Some(i) => s.beat_name(i),
            None => format!("ending: {beat}"),
        },
        None => beat.clone(),
    }
}

/// Cut to `n` characters (with `…`).
fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { s.chars().take(n - 1).chain(['…']).collect() }
}

/// The live table as text.
pub fn render(
    view: &LiveView,
    now: chrono::DateTime<chrono::Utc>,
    library: &ScenarioLibrary,
    server: &str,
) -> String {
    use std::fmt::Write as _;
    let mut o = String::new();
    let playing = view.rows().filter(|r| r.state == RowState::Playing).count();
    let _ = writeln!(o, "Talkdown lab · {server} · {playing} playing · {} UTC", now.format("%H:%M:%S"));
    if view.is_empty() {
        let _ = writeln!(o, "No station is playing.");
        return o;
    }
    let _ = writeln!(
        o,
        "{:>5}  {:<16}  {:<12}  {:<18}  {:<36}  {:>3}  {:>7}  {:<7}  alerts",
        "#", "trainee", "class", "scenario", "beat", "dec", "on beat", "crit"
    );
    for r in view.rows() {
        let on_beat = match r.state {
            RowState::Playing => clock(view.on_beat(r, now).as_secs()),
            RowState::Finished => "done".into(),
            RowState::Stopped => "stopped".into(),
        };
        let crit = if r.critical_errors > 0 { format!("[!{}]", r.critical_errors) } else { String::new() };
        let alerts: Vec<String> = view.alerts(r, now).iter().map(|a| a.describe()).collect();
        let _ = writeln!(
            o,
            "{:>5}  {:<16}  {:<12}  {:<18}  {:<36}  {:>3}  {:>7}  {:<7}  {}",
            r.session,
            cut(&printable(&r.trainee), 16),
            cut(&printable(r.class.as_deref().unwrap_or("–")), 12),
            cut(&printable(&r.scenario), 18),
            cut(&printable(&beat_words(r, library)), 36),
            r.decisions,
            on_beat,
            crit,
            if alerts.is_empty() { String::new() } else { format!("⚠ {}", alerts.join(", ")) }
        );
    }
    o
}
