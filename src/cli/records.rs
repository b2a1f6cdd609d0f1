//! The instructor commands over the records file (`talkdown records list`,
//! `records export`, `report`, `replay`): flags and printing. The records
//! layer returns values and typed errors; exit codes are decided once, in
//! [`super::exit_code`]: a replay that does not match (or a changed scenario)
//! is "problems found" (1); a records file problem is an error (2).

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::Local;
use clap::{Args, Subcommand, ValueEnum};

use super::{Error as CliError, Outcome};
use crate::records::export::{self, XapiOptions};
use crate::records::files::{check_output_path, printable, write_private};
use crate::records::replay::{ReplayCheck, replay_session};
use crate::records::{
    Error, Filter, SessionId, SessionRecord, Standard, Status, Store, parse_date, resolve_path,
};

/// Which sessions (all when no option is given).
/// A range of start dates, shared by the listing, export and report commands.
#[derive(Debug, Clone, Default, Args)]
pub struct DateRange {
    /// Only sessions started on or after this date (YYYY-MM-DD, local time, or RFC 3339).
    #[arg(long)]
    pub since: Option<String>,
    /// Only sessions started before this date.
    #[arg(long)]
    pub until: Option<String>,
}

impl DateRange {
    fn since(&self) -> Result<Option<chrono::DateTime<chrono::Utc>>, Error> {
        self.since.as_deref().map(parse_date).transpose()
    }
    fn until(&self) -> Result<Option<chrono::DateTime<chrono::Utc>>, Error> {
        self.until.as_deref().map(parse_date).transpose()
    }
}

#[derive(Debug, Clone, Default, Args)]
pub struct FilterArgs {
    /// Only this trainee's sessions.
    #[arg(long)]
    pub trainee: Option<String>,
    /// Only sessions of this scenario id.
    #[arg(long)]
    pub scenario: Option<String>,
    /// Only sessions of this class (cohort).
    #[arg(long)]
    pub class: Option<String>,
    #[command(flatten)]
    pub dates: DateRange,
    /// Only finished or only abandoned sessions.
    #[arg(long, value_enum)]
    pub status: Option<StatusArg>,
    /// At most this many (the newest).
    #[arg(long)]
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum StatusArg {
    Finished,
    Abandoned,
}

impl FilterArgs {
    pub fn to_filter(&self) -> Result<Filter, Error> {
        Ok(Filter {
            trainee: self.trainee.clone(),
            scenario: self.scenario.clone(),
            class: self.class.clone(),
            since: self.dates.since()?,
            until: self.dates.until()?,
            status: self.status.map(|s| match s {
                StatusArg::Finished => Status::Finished,
                StatusArg::Abandoned => Status::Abandoned,
            }),
            limit: self.limit,
        })
    }
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ExportFormat {
    /// One row per decision.
    Csv,
    /// Sessions with their decisions nested.
    Json,
    /// xAPI statements for a learning record store.
    Xapi,
}

#[derive(Debug, Subcommand)]
pub enum RecordsCommand {
    /// List recorded sessions, newest first.
    List {
        #[command(flatten)]
        filter: FilterArgs,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Export sessions as CSV, JSON or xAPI statements (see docs/records.md).
    Export {
        #[arg(long, value_enum)]
        format: ExportFormat,
        #[command(flatten)]
        filter: FilterArgs,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// xAPI: the academy's web site, used as each trainee account's homePage.
        #[arg(long)]
        xapi_homepage: Option<String>,
    },
    /// One session with every decision, then its debrief (a finished session
    /// whose scenario is at hand as it was then).
    Show {
        session: i64,
        /// The scenario file or bundled id it was played on (default: the file it was played from).
        #[arg(long)]
        scenario: Option<String>,
        /// Also write the debrief as a self-contained HTML file.
        #[arg(long)]
        html: Option<PathBuf>,
    },
    /// Where the records file is, its schema version, and an integrity check.
    Check,
    /// Merge another records file (a rescue file, a copy from another
    /// station) into this one; sessions already here are not duplicated.
    Import {
        /// The records file to take sessions from (opened read-only).
        file: PathBuf,
    },
    /// Send what this station's outbox keeps for the lab server now, and say
    /// how much went and what is still waiting (see docs/lab.md).
    ///
    /// Answers for a lab server are first kept on the station (the outbox
    /// file, `TALKDOWN_OUTBOX` or `outbox.sqlite3` in the data folder) and
    /// sent in the background; this sends what is left by hand. Rescue files
    /// named here (from before the outbox) are moved into it first.
    Sync {
        /// Rescue files (`records.rescue-….sqlite3`) whose sessions to send too;
        /// each is renamed `….synced` once its sessions are in the outbox.
        files: Vec<PathBuf>,
    },
    /// Delete the sessions started before a date, with their decisions and
    /// scores (how long personal data is kept: docs/lab.md). On a lab server
    /// this needs the database owner's URL.
    Purge {
        /// Remove sessions started before this date (YYYY-MM-DD, local time, or RFC 3339).
        #[arg(long)]
        before: String,
    },
}

#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// The scenario id.
    #[arg(long)]
    pub scenario: String,
    /// Only the sessions of this class (cohort).
    #[arg(long)]
    pub class: Option<String>,
    #[command(flatten)]
    pub dates: DateRange,
    /// Also write a self-contained, printable HTML report.
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// The scenario file (or bundled id) to read the options offered from
    /// (default: the file the latest session was played from, else the
    /// bundled scenario of that id).
    #[arg(long, value_name = "FILE")]
    pub scenario_file: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ReplayArgs {
    /// The session number (`talkdown records list`).
    pub session: i64,
    /// The scenario file or bundled id to replay on (default: the file it was played from).
    #[arg(long)]
    pub scenario: Option<String>,
    /// Rewind to this decision (1-based, as `records show` numbers them) and
    /// play on from there in the terminal: the same state, seed and transcript
    /// as then; the new run is recorded as its own session, linked to this one.
    #[arg(long, value_name = "STEP")]
    pub rewind: Option<u32>,
    /// With --rewind: the class (cohort) the new run belongs to.
    #[arg(long, env = "TALKDOWN_CLASS", value_parser = super::parse_class)]
    pub class: Option<String>,
    /// With --rewind: who plays on (default: the original session's trainee).
    #[arg(long, requires = "rewind")]
    pub trainee: Option<String>,
    /// With --rewind: also write the debrief as a self-contained HTML file.
    #[arg(long, requires = "rewind")]
    pub html: Option<PathBuf>,
    /// With --rewind: also write the debrief as JSON.
    #[arg(long, requires = "rewind")]
    pub json: Option<PathBuf>,
    /// With --rewind: do not record the new run.
    #[arg(long, requires = "rewind")]
    pub no_records: bool,
}

/// Reading commands open the file read-only: a backup or a read-only copy can be read.
fn open_existing(records: Option<&Path>) -> Result<Store, Error> {
    Store::open_read_only(resolve_path(records)?)
}

fn local(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
}

/// `talkdown records ...`
pub fn run_records(
    cmd: RecordsCommand,
    records: Option<&Path>,
    resolve: &dyn Fn(&str) -> PathBuf,
) -> Result<Outcome, CliError> {
    let mut out = std::io::stdout().lock();
    match cmd {
        RecordsCommand::List { filter, json } => {
            let store = open_existing(records)?;
            let list = store.sessions(&filter.to_filter()?)?;
            if json {
                let _ = writeln!(out, "{}", serde_json::to_string_pretty(&list).unwrap_or_default());
                return Ok(Outcome::Clean);
            }
            if list.is_empty() {
                let _ = writeln!(out, "No sessions match.");
                return Ok(Outcome::Clean);
            }
            // The class column only when some session has a class (a lab's records).
            let classes = list.iter().any(|s| s.class.is_some());
            let _ = write!(
                out,
                "{:>5}  {:<16}  {:<16}  {:<20}  {:<10}  {:<9}  {:<22}  {:<7}  {:>7}  {:>13}  {:>3}  {:>3}",
                "id",
                "started",
                "trainee",
                "scenario",
                "mode",
                "status",
                "outcome",
                "verdict",
                "process",
                "score",
                "dec",
                "crit"
            );
            let _ = writeln!(out, "{}", if classes { "  class" } else { "" });
            for s in &list {
                let score = match (s.total, s.total_best) {
                    (Some(t), Some(b)) => {
                        format!("{t}/{b}{}", s.total_percent.map(|p| format!(" ({p}%)")).unwrap_or_default())
                    }
                    _ => "–".into(),
                };
                // Short words so the column stays narrow; `records show` and the
                // exports carry the verdict's full sentence.
                let verdict = match s.verdict {
                    Some(Standard::MeetsStandard) => "meets",
                    Some(Standard::NotYet) => "not yet",
                    None => "–",
                };
                let process = s.process_percent.map(|p| format!("{p}%")).unwrap_or_else(|| "–".into());
                let _ = write!(
                    out,
                    "{:>5}  {:<16}  {:<16}  {:<20}  {:<10}  {:<9}  {:<22}  {:<7}  {:>7}  {:>13}  {:>3}  {:>3}",
                    s.id,
                    local(&s.started_at),
                    printable(&s.trainee),
                    printable(&s.scenario),
                    s.mode.label(),
                    s.status.label(),
                    printable(s.outcome_name.as_deref().or(s.abandon_reason.as_deref()).unwrap_or("–")),
                    verdict,
                    process,
                    score,
                    s.decisions,
                    s.critical_errors
                );
                let class = if classes {
                    format!("  {}", printable(s.class.as_deref().unwrap_or("–")))
                } else {
                    String::new()
                };
                let _ = writeln!(out, "{class}");
            }
            Ok(Outcome::Clean)
        }
        RecordsCommand::Export { format, filter, output, xapi_homepage } => {
            if let Some(p) = &output {
                check_output_path(p).map_err(CliError::Output)?;
            }
            let store = open_existing(records)?;
            let sessions = store.session_records(&filter.to_filter()?)?;
            let text = match format {
                ExportFormat::Csv => export::to_csv(&sessions),
                ExportFormat::Json => export::to_json(&sessions),
                ExportFormat::Xapi => {
                    let mut o = XapiOptions::default();
                    if let Some(h) = xapi_homepage {
                        o.activity_base = format!("{}/xapi/scenarios/", h.trim_end_matches('/'));
                        o.homepage = h;
                    }
                    export::to_xapi(&sessions, &o)
                }
            };
            match output {
                Some(p) => {
                    write_private(&p, text.as_bytes())
                        .map_err(|source| CliError::Write { path: p.clone(), source })?;
                    eprintln!("talkdown: exported {} sessions to {}", sessions.len(), p.display());
                }
                None => {
                    let _ = out.write_all(text.as_bytes());
                    if format != ExportFormat::Csv {
                        let _ = writeln!(out);
                    }
                }
            }
            Ok(Outcome::Clean)
        }
        RecordsCommand::Show { session, scenario, html } => {
            if let Some(p) = &html {
                check_output_path(p).map_err(CliError::Output)?;
            }
            let store = open_existing(records)?;
            let r = store.session(SessionId(session))?;
            let s = &r.summary;
            let _ = writeln!(
                out,
                "Session {} — {} ({}), trainee {}",
                s.id,
                printable(&s.title),
                printable(&s.scenario),
                printable(&s.trainee)
            );
            let _ = writeln!(
                out,
                "Started {} · mode {} · seed {} · version {} ({}) · {}",
                local(&s.started_at),
                s.mode.label(),
                s.seed,
                s.version,
                crate::engine::short_hash(&s.content_hash),
                s.status.label()
            );
            if let Some(c) = &s.class {
                let _ = writeln!(out, "Class {}", printable(c));
            }
            if let Some(f) = &s.rewound_from {
                let from = f.session.map(|id| format!("session {id}")).unwrap_or_else(|| f.uuid.clone());
                let _ = writeln!(
                    out,
                    "Rewound from {from} at decision {}: the decisions before it are the original's",
                    f.step
                );
            }
            if let (Some(t), Some(b)) = (s.total, s.total_best) {
                let _ = writeln!(
                    out,
                    "Outcome: {} · score {t} of {b}",
                    printable(s.ending_title.as_deref().or(s.outcome_name.as_deref()).unwrap_or("–"))
                );
            }
            for d in &r.decisions {
                let mark = if d.critical { "✖" } else { " " };
                let ms = d.response_ms.map(|m| format!(" {:.1}s", m as f64 / 1000.0)).unwrap_or_default();
                let _ = writeln!(
                    out,
                    " {mark} {:>2}. [{}] {} ({:+}){ms}",
                    d.step,
                    printable(&d.beat),
                    printable(&d.text),
                    d.total
                );
            }
            drop(out);
            show_debrief(&store, &r, scenario.as_deref(), html.as_deref(), resolve)
        }
        RecordsCommand::Check => {
            let store = open_existing(records)?;
            store.check_integrity()?;
            let n = store.sessions(&Filter::default())?.len();
            let _ = writeln!(
                out,
                "{}: ok (schema version {}, {n} sessions)",
                store.path().display(),
                store.schema_version()?
            );
            Ok(Outcome::Clean)
        }
        RecordsCommand::Purge { before } => purge(&before, records),
        RecordsCommand::Sync { files } => sync(records, &files),
        RecordsCommand::Import { file } => {
            let mut store = Store::open(resolve_path(records)?)?;
            let r = store.import(&file)?;
            let _ = writeln!(
                out,
                "Imported {} into {}: {} of its {} sessions were new, {} decisions added.",
                file.display(),
                store.path().display(),
                r.sessions_added,
                r.sessions_in_file,
                r.decisions_added
            );
            Ok(Outcome::Clean)
        }
    }
}

/// `talkdown records sync [FILE...]`: how much went, and what is still
/// waiting and why (exit 2 through the records error when something is).
fn sync(records: Option<&Path>, files: &[PathBuf]) -> Result<Outcome, CliError> {
    use crate::records::outbox;
    let records = resolve_path(records)?;
    let file = outbox::default_file().ok_or(Error::NoDefaultLocation)?;
    let report = outbox::sync(&records, &file, files)?;
    let mut out = std::io::stdout().lock();
    let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    for (path, sessions) in &report.rescued {
        let _ = writeln!(
            out,
            "Moved {} from {} into the outbox (the file is kept as it was; delete it once nothing is waiting).",
            plural(*sessions, "session", "sessions"),
            path.display()
        );
    }
    let _ = writeln!(
        out,
        "Delivered {} of {} to {} ({}).",
        plural(report.decisions, "decision", "decisions"),
        plural(report.sessions, "session", "sessions"),
        report.server,
        plural(report.delivered, "write", "writes")
    );
    if report.waiting == 0 {
        let _ = writeln!(out, "Nothing is waiting in {}.", report.outbox.display());
    } else {
        let _ = writeln!(
            out,
            "{} ({}) still waiting in {}.",
            plural(report.waiting, "write", "writes"),
            plural(report.waiting_decisions, "decision", "decisions"),
            report.outbox.display()
        );
    }
    for (server, n) in &report.elsewhere {
        let _ = writeln!(
            out,
            "{} waiting for another lab server, {server}: run `records sync` with that server's URL.",
            plural(*n, "write", "writes")
        );
    }
    if report.unreadable > 0 {
        let _ = writeln!(
            out,
            "{} in the outbox come from a newer Talkdown and were left there: sync with that version.",
            plural(report.unreadable, "write", "writes")
        );
    }
    if files.is_empty()
        && let Some(dir) = report.outbox.parent()
    {
        let found = outbox::rescue_files_in(dir);
        if !found.is_empty() {
            let list: Vec<String> = found.iter().map(|p| p.display().to_string()).collect();
            let _ = writeln!(
                out,
                "{} from before the outbox in {}: `talkdown records sync {}` sends them to the lab server too \
                 (`records import FILE` merges one into a records file instead).",
                plural(found.len(), "rescue file", "rescue files"),
                dir.display(),
                list.join(" ")
            );
        }
    }
    match report.error {
        Some(e) if report.waiting > 0 => Err(e.into()),
        _ => Ok(Outcome::Clean),
    }
}

/// `talkdown records purge --before DATE`: the date is checked before the store is opened.
fn purge(before: &str, records: Option<&Path>) -> Result<Outcome, CliError> {
    let before = parse_date(before)?;
    let mut store = Store::open_existing(resolve_path(records)?)?;
    let n = store.purge(before)?;
    let when = before.with_timezone(&Local).format("%Y-%m-%d %H:%M");
    let what = if n == 1 { "session" } else { "sessions" };
    let _ = writeln!(
        std::io::stdout().lock(),
        "Purged {}: removed {n} {what} started before {when}, with their decisions and scores.",
        store.path().display()
    );
    Ok(Outcome::Clean)
}

/// The scenario a recorded session names: `--scenario`, else the file it was
/// played from, else the bundled scenario of its id.
fn scenario_path(rec: &SessionRecord, given: Option<&str>, resolve: &dyn Fn(&str) -> PathBuf) -> PathBuf {
    match (given, &rec.summary.scenario_path) {
        (Some(a), _) => resolve(a),
        (None, Some(p)) if Path::new(p).is_file() => PathBuf::from(p),
        (None, _) => resolve(&rec.summary.scenario),
    }
}

/// A finished session replayed on its scenario (which must be the version it
/// was played on), or why not, in words.
fn replayed(
    rec: &SessionRecord,
    given: Option<&str>,
    resolve: &dyn Fn(&str) -> PathBuf,
) -> Result<crate::engine::Playthrough, String> {
    let path = scenario_path(rec, given, resolve);
    let scenario = crate::scenario::load_scenario(&path).map_err(|e| {
        format!("its scenario could not be loaded ({}): {}", path.display(), e.headlines().join("; "))
    })?;
    match replay_session(rec, &scenario).map_err(|e| e.to_string())? {
        ReplayCheck::Matches { play, .. } => Ok(*play),
        ReplayCheck::VersionChanged { recorded_version, current_version, .. } => Err(format!(
            "{} has changed since (recorded on version {recorded_version}, the file is now {current_version})",
            path.display()
        )),
        ReplayCheck::WrongScenario { given, .. } => Err(format!("{} is scenario `{given}`", path.display())),
        ReplayCheck::Diverged(d) => Err(format!("it does not replay: {}", d.reason)),
        ReplayCheck::Mismatch { what, .. } => Err(format!("its replay differs: {what}")),
    }
}

/// After `records show`: the session's debrief, judged now as the debrief
/// judged it then (for a rewound run, with the two routes from the fork).
fn show_debrief(
    store: &Store,
    rec: &SessionRecord,
    given: Option<&str>,
    html: Option<&Path>,
    resolve: &dyn Fn(&str) -> PathBuf,
) -> Result<Outcome, CliError> {
    let mut out = std::io::stdout().lock();
    if rec.summary.status != Status::Finished {
        if html.is_some() {
            eprintln!(
                "talkdown: session {} did not finish, so it has no debrief; nothing was written",
                rec.summary.id
            );
            return Ok(Outcome::ProblemsFound);
        }
        return Ok(Outcome::Clean);
    }
    let play = match replayed(rec, given, resolve) {
        Ok(p) => p,
        Err(why) => {
            eprintln!(
                "talkdown: no debrief for session {}: {why} (pass the scenario it was played on with --scenario FILE)",
                rec.summary.id
            );
            return Ok(if html.is_some() { Outcome::ProblemsFound } else { Outcome::Clean });
        }
    };
    let trainee = Some(rec.summary.trainee.as_str());
    let mut debrief = match crate::session::Analyses::default().get(play.scenario()).and_then(|(a, space)| {
        crate::debrief::Debrief::build(&play, a, space, trainee).map_err(|e| e.to_string())
    }) {
        Ok(d) => d,
        Err(why) => crate::debrief::Debrief::step_by_step(&play, trainee, &why),
    };
    if let Some(f) = &rec.summary.rewound_from
        && let Some(parent) = f.session
        && let Ok(parent_rec) = store.session(parent)
        && let Ok(original) = replayed(&parent_rec, given, resolve)
    {
        debrief.fork =
            Some(crate::debrief::ForkComparison::new(&original, &play, f.step as usize, Some(parent.0)));
    }
    let _ = writeln!(out, "\n{}", debrief.to_text());
    if let Some(p) = html {
        write_private(p, debrief.to_html().as_bytes())
            .map_err(|source| CliError::Write { path: p.to_path_buf(), source })?;
        let _ = writeln!(out, "Debrief saved to {}", p.display());
    }
    Ok(Outcome::Clean)
}

/// The scenario a class report reads its options from: `--scenario-file`,
/// else the file the latest session was played from, else the bundled
/// scenario of the id; or why none could be loaded.
fn report_scenario(
    store: &Store,
    args: &ReportArgs,
    resolve: &dyn Fn(&str) -> PathBuf,
) -> Result<crate::scenario::Scenario, String> {
    let latest = store
        .sessions(&crate::records::Filter {
            scenario: Some(args.scenario.clone()),
            limit: Some(1),
            ..Default::default()
        })
        .ok()
        .and_then(|v| v.into_iter().next())
        .and_then(|s| s.scenario_path)
        .filter(|p| Path::new(p).is_file());
    let path = match (&args.scenario_file, latest) {
        (Some(a), _) => resolve(a),
        (None, Some(p)) => PathBuf::from(p),
        (None, None) => resolve(&args.scenario),
    };
    crate::scenario::load_scenario(&path).map_err(|e| {
        format!(
            "{} could not be loaded: {}; pass it with --scenario-file FILE",
            path.display(),
            e.headlines().join("; ")
        )
    })
}

/// `talkdown report --scenario ID`
pub fn run_report(
    args: ReportArgs,
    records: Option<&Path>,
    resolve: &dyn Fn(&str) -> PathBuf,
) -> Result<Outcome, CliError> {
    {
        if let Some(p) = &args.html {
            check_output_path(p).map_err(CliError::Output)?;
        }
        let since = args.dates.since()?;
        let store = open_existing(records)?;
        let until = args.dates.until()?;
        let scenario = report_scenario(&store, &args, resolve);
        let report = store.class_report_with(
            &args.scenario,
            since,
            until,
            args.class.as_deref(),
            scenario.as_ref().map_err(String::as_str),
        )?;
        let mut out = std::io::stdout().lock();
        if args.json {
            let _ = writeln!(out, "{}", report.to_json());
        } else {
            let _ = write!(out, "{}", report.to_text());
        }
        if let Some(p) = &args.html {
            write_private(p, report.to_html().as_bytes())
                .map_err(|source| CliError::Write { path: p.clone(), source })?;
            let _ = writeln!(out, "Report saved to {}", p.display());
        }
        Ok(Outcome::Clean)
    }
}

/// `talkdown replay SESSION`: `resolve` turns a scenario argument (file or
/// bundled id) into a path, as the other commands do.
pub fn run_replay(
    args: ReplayArgs,
    records: Option<&Path>,
    resolve: &dyn Fn(&str) -> PathBuf,
) -> Result<Outcome, CliError> {
    let store = open_existing(records)?;
    let rec = store.session(SessionId(args.session))?;
    let path = match (&args.scenario, &rec.summary.scenario_path) {
        (Some(a), _) => resolve(a),
        (None, Some(p)) if Path::new(p).is_file() => PathBuf::from(p),
        (None, _) => resolve(&rec.summary.scenario),
    };
    let scenario = crate::scenario::load_scenario(&path).map_err(|e| {
        CliError::Usage(format!("{e}\n(pass the scenario this session was played on with --scenario FILE)"))
    })?;
    if let Some(step) = args.rewind {
        return run_rewind(&args, records, rec, &scenario, &path, step);
    }
    let mut out = std::io::stdout().lock();
    let check = replay_session(&rec, &scenario)?;
    let s = &rec.summary;
    match check {
        ReplayCheck::Matches { play, decisions } => {
            let _ = writeln!(
                out,
                "Replaying session {} — {} · trainee {} · seed {} · {}\n",
                s.id,
                printable(&s.title),
                printable(&s.trainee),
                s.seed,
                s.mode.label()
            );
            let _ = write!(out, "{}", crate::text::printable_lines(&play.render_transcript()));
            let end = match s.status {
                Status::Finished => "the same ending and the same transcript".to_string(),
                Status::Abandoned => "the session was abandoned there".to_string(),
            };
            let _ = writeln!(out, "\nReplay matches the record: {decisions} decisions, {end}.");
            Ok(Outcome::Clean)
        }
        refused => Ok(report_refusal(refused, &rec, &path, "replayed")),
    }
}

/// Why a recorded session was not replayed (or rewound), on standard error;
/// "problems found".
fn report_refusal(
    check: ReplayCheck,
    rec: &crate::records::SessionRecord,
    path: &Path,
    done: &str,
) -> Outcome {
    let mut out = std::io::stdout().lock();
    let s = &rec.summary;
    let result: Result<Outcome, CliError> = match check {
        ReplayCheck::WrongScenario { recorded, given } => {
            eprintln!(
                "talkdown: session {} was played on scenario `{recorded}`, but {} is `{given}`; nothing was {done}",
                s.id,
                path.display()
            );
            Ok(Outcome::ProblemsFound)
        }
        ReplayCheck::VersionChanged {
            scenario,
            recorded_hash,
            current_hash,
            recorded_version,
            current_version,
        } => {
            eprintln!(
                "talkdown: {} has changed since session {} was played: it was recorded on `{scenario}` version {recorded_version} \
                 (content hash {recorded_hash}), the file is now version {current_version} (content hash {current_hash}). \
                 Nothing was {done}, so as not to show a different run; use `talkdown records show {}` to see what was recorded.",
                path.display(),
                s.id,
                s.id
            );
            Ok(Outcome::ProblemsFound)
        }
        ReplayCheck::Diverged(d) => {
            eprintln!(
                "talkdown: session {} cannot be {done}: at decision {} (`{}` at beat `{}`): {}",
                s.id,
                d.index + 1,
                d.choice,
                d.beat,
                d.reason
            );
            Ok(Outcome::ProblemsFound)
        }
        ReplayCheck::Mismatch { step, what, play } => {
            let _ = write!(out, "{}", crate::text::printable_lines(&play.render_transcript()));
            eprintln!(
                "talkdown: the replay of session {} does not match the record at step {step}: {what}",
                s.id
            );
            Ok(Outcome::ProblemsFound)
        }
        ReplayCheck::Matches { .. } => Ok(Outcome::Clean),
    };
    result.unwrap_or(Outcome::ProblemsFound)
}

/// `talkdown replay SESSION --rewind STEP`: play on in the terminal from
/// that decision, recorded as a new session linked to this one.
fn run_rewind(
    args: &ReplayArgs,
    records: Option<&Path>,
    rec: crate::records::SessionRecord,
    scenario: &crate::scenario::Scenario,
    path: &Path,
    step: u32,
) -> Result<Outcome, CliError> {
    use crate::records::replay::{Rewound, rewind_session};
    for p in args.html.iter().chain(args.json.iter()) {
        check_output_path(p).map_err(CliError::Output)?;
    }
    let rewind = match rewind_session(&rec, scenario, step)? {
        Rewound::Ready(r) => *r,
        Rewound::Refused(check) => return Ok(report_refusal(check, &rec, path, "rewound")),
        Rewound::NoSuchStep { step, decisions } => {
            return Err(CliError::Usage(format!(
                "session {} has {decisions} recorded decision{}: rewind to a step from 1 to {decisions}, not {step} \
                 (`talkdown records show {}` lists them)",
                rec.summary.id,
                if decisions == 1 { "" } else { "s" },
                rec.summary.id
            )));
        }
    };
    let recorder = if args.no_records {
        crate::records::Recorder::off()
    } else {
        crate::records::Recorder::open(records).with_class(args.class.clone())
    };
    let trainee = printable(args.trainee.as_deref().unwrap_or(&rec.summary.trainee)).into_owned();
    let d = &rec.decisions[step as usize - 1];
    eprintln!(
        "talkdown: rewinding session {} to decision {step} ([{}] first answered “{}”); choose again.",
        rec.summary.id,
        printable(&d.beat),
        printable(&d.text)
    );
    let session = crate::session::Session::rewound(rewind, Some(path), &trainee, recorder);
    super::play_terminal(session, args.html.as_deref(), args.json.as_deref(), None)
}
