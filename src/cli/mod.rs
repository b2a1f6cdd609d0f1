//! The `talkdown` command line: a thin layer of flags and output over the
//! library. Exit codes (stable, documented in the README):
//! 0 success; 1 problems found (validation errors, an unfinished run);
//! 2 usage or I/O errors.

pub mod play;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::analysis;
use crate::debrief::Debrief;
use crate::engine::{Mode, Playthrough, StartOptions};
use crate::scenario::load::{self, LoadError};
use crate::scenario::{Rubric, Scenario};

#[derive(Debug, Parser)]
#[command(
    name = "talkdown",
    version,
    about = "Scenario-based training for crisis intervention and de-escalation",
    long_about = "Scenario-based training for crisis intervention and de-escalation.\n\n\
        With no command, opens the desktop app on the bundled scenarios.",
    after_help = "Exit codes: 0 success, 1 problems found (validation errors, unfinished run), 2 usage or I/O error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub app: AppArgs,
}

/// Options for the desktop app (no subcommand).
#[derive(Debug, Clone, Args, Default)]
pub struct AppArgs {
    /// Folder of scenarios to offer (default: the bundled `scenarios/`).
    #[arg(long, env = "TALKDOWN_SCENARIOS", global = true)]
    pub scenarios: Option<PathBuf>,
    /// Scripted run: the id of the scenario to play.
    #[arg(long)]
    pub scenario: Option<String>,
    /// Scripted run: choice numbers as shown, comma-separated; `t` lets a timer run out.
    #[arg(long, value_delimiter = ',')]
    pub choices: Option<Vec<String>>,
    /// Scripted run: save a PNG of every screen into this folder.
    #[arg(long)]
    pub screenshots: Option<PathBuf>,
    /// Seed for the run (default: random, shown in the debrief).
    #[arg(long)]
    pub seed: Option<u64>,
    /// training (meters and feedback) or assessment (nothing until the debrief).
    #[arg(long, value_enum)]
    pub mode: Option<ModeArg>,
    /// Trainee name or ID.
    #[arg(long)]
    pub trainee: Option<String>,
    /// The session records file (default: records.sqlite3 in the user's data directory).
    #[arg(long, env = "TALKDOWN_RECORDS", global = true)]
    pub records: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ModeArg {
    Training,
    Assessment,
}

impl From<ModeArg> for Mode {
    fn from(m: ModeArg) -> Mode {
        match m {
            ModeArg::Training => Mode::Training,
            ModeArg::Assessment => Mode::Assessment,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum GraphFormat {
    Dot,
    Mermaid,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check scenario files and report every problem at file:line:col.
    Validate {
        /// Files or folders (default: the bundled scenarios).
        paths: Vec<PathBuf>,
        /// Treat warnings as errors (exit 1 when any).
        #[arg(long)]
        deny_warnings: bool,
        /// Use this rubric instead of the `rubric.ron` beside each scenario.
        #[arg(long)]
        rubric: Option<PathBuf>,
        /// Print only the one-line form of each diagnostic.
        #[arg(long)]
        short: bool,
    },
    /// Reachable endings, best and worst achievable scores and the routes to them.
    Analyze {
        /// A scenario file or a bundled scenario id.
        scenario: String,
        /// Machine-readable output (see docs/analysis-json.md).
        #[arg(long)]
        json: bool,
    },
    /// The branch graph as Graphviz DOT or Mermaid.
    Graph {
        scenario: String,
        #[arg(long, value_enum, default_value = "dot")]
        format: GraphFormat,
    },
    /// Play a scenario in the terminal (choice numbers on standard input).
    Play {
        /// A scenario file or a bundled scenario id.
        scenario: String,
        #[arg(long)]
        seed: Option<u64>,
        #[arg(long, value_enum, default_value = "training")]
        mode: ModeArg,
        #[arg(long)]
        trainee: Option<String>,
        /// Show choices in the authored order instead of a seeded shuffle.
        #[arg(long)]
        no_shuffle: bool,
        /// Also write the debrief as a self-contained HTML file.
        #[arg(long)]
        html: Option<PathBuf>,
        /// Also write the debrief as JSON.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Do not record this run in the session records.
        #[arg(long)]
        no_records: bool,
    },
    /// Recorded sessions: list, show, export (CSV, JSON, xAPI), check.
    Records {
        #[command(subcommand)]
        command: crate::records::commands::RecordsCommand,
    },
    /// The class report for one scenario from the session records.
    Report(crate::records::commands::ReportArgs),
    /// Replay a recorded session and check it gives the same run.
    Replay(crate::records::commands::ReplayArgs),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => run_app(cli.app),
        Some(cmd) => match run(cmd, cli.app.scenarios.as_deref(), cli.app.records.as_deref()) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("talkdown: {e}");
                ExitCode::from(2)
            }
        },
    }
}

#[cfg(feature = "app")]
fn run_app(args: AppArgs) -> ExitCode {
    crate::app::run(args)
}

#[cfg(not(feature = "app"))]
fn run_app(_args: AppArgs) -> ExitCode {
    eprintln!(
        "talkdown: this build has no desktop app (built without the `app` feature).\n\
         Try `talkdown play <scenario>` for the terminal player, or `talkdown --help`."
    );
    ExitCode::from(2)
}

/// Where the bundled scenarios live: `$TALKDOWN_SCENARIOS`, `./scenarios`,
/// beside the executable, or the source tree this binary was built from.
pub fn bundled_dir(explicit: Option<&Path>) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_path_buf();
    }
    let candidates = [
        Some(PathBuf::from("scenarios")),
        std::env::current_exe().ok().and_then(|e| e.parent().map(|p| p.join("scenarios"))),
        Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|p| p.join(load::RUBRIC_FILE).is_file())
        .unwrap_or_else(|| PathBuf::from("scenarios"))
}

/// A path to a scenario file, or the id of a bundled scenario.
pub fn resolve_scenario(arg: &str, dir: Option<&Path>) -> PathBuf {
    let p = PathBuf::from(arg);
    if p.exists() || arg.ends_with(".ron") || arg.contains('/') {
        return p;
    }
    bundled_dir(dir).join(format!("{arg}.ron"))
}

fn color_stdout() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

fn run(cmd: Command, scenarios: Option<&Path>, records: Option<&Path>) -> Result<ExitCode, LoadError> {
    match cmd {
        Command::Validate { paths, deny_warnings, rubric, short } => {
            validate(paths, deny_warnings, rubric, short, scenarios)
        }
        Command::Analyze { scenario, json } => {
            let s = load::load_scenario(&resolve_scenario(&scenario, scenarios))?;
            match analysis::analyze(&s) {
                Ok((a, _)) => {
                    if json {
                        println!("{}", serde_json::to_string_pretty(&a).unwrap_or_default());
                    } else {
                        print!("{}", analysis::render_text(&a, &s));
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("talkdown: {}: {e}", s.id());
                    Ok(ExitCode::from(1))
                }
            }
        }
        Command::Graph { scenario, format } => {
            let s = load::load_scenario(&resolve_scenario(&scenario, scenarios))?;
            print!(
                "{}",
                match format {
                    GraphFormat::Dot => crate::export::dot(&s),
                    GraphFormat::Mermaid => crate::export::mermaid(&s),
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Play { scenario, seed, mode, trainee, no_shuffle, html, json, no_records } => {
            let path = resolve_scenario(&scenario, scenarios);
            let s = load::load_scenario(&path)?;
            let seed = seed.unwrap_or_else(random_seed);
            let mut opts = StartOptions::new(seed, mode.into());
            opts.shuffle = !no_shuffle;
            let rec = (!no_records).then_some((records, path.as_path()));
            play_terminal(&s, opts, trainee.as_deref(), html.as_deref(), json.as_deref(), rec)
        }
        Command::Records { command } => Ok(crate::records::commands::run_records(command, records)),
        Command::Report(args) => Ok(crate::records::commands::run_report(args, records)),
        Command::Replay(args) => {
            Ok(crate::records::commands::run_replay(args, records, &|a| resolve_scenario(a, scenarios)))
        }
    }
}

/// The trainee name when none is given: the login name, or `anonymous`.
pub fn default_trainee() -> String {
    ["USER", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|n| !n.trim().is_empty()))
        .unwrap_or_else(|| "anonymous".to_string())
}

pub fn random_seed() -> u64 {
    use rand::Rng;
    rand::rng().random_range(1..1_000_000)
}

fn play_terminal(
    s: &Scenario,
    opts: StartOptions,
    trainee: Option<&str>,
    html: Option<&Path>,
    json: Option<&Path>,
    records: Option<(Option<&Path>, &Path)>,
) -> Result<ExitCode, LoadError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| LoadError::Io { path, source }
    };
    let cannot_write = |path: &Path| {
        let path = path.to_path_buf();
        move |source| LoadError::Write { path, source }
    };
    // Found now, not after the trainee has played the whole run.
    for p in html.iter().chain(json.iter()) {
        crate::records::files::check_output_path(p).map_err(LoadError::Output)?;
    }
    let mut play = match Playthrough::start(s, opts) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("talkdown: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut out = std::io::stdout().lock();
    let mut recorder = match records {
        Some((file, scenario_file)) => {
            let name = trainee.map(str::to_string).unwrap_or_else(default_trainee);
            let mut r = crate::records::Recorder::open(file);
            r.start(&play, &name, Some(scenario_file));
            r
        }
        None => crate::records::Recorder::off(),
    };
    if let Some(w) = recorder.take_warning() {
        eprintln!("talkdown: warning: {w}");
    }
    // Before exiting: the last answers reach the file, or a rescue file (said where).
    let flush = |recorder: &mut crate::records::Recorder| {
        let report = recorder.flush(crate::records::recorder::EXIT_WAIT);
        if let Some(w) = recorder.take_warning() {
            eprintln!("talkdown: warning: {w}");
        }
        if let Some(m) = recorder.describe(&report) {
            eprintln!("talkdown: warning: {m}");
        }
    };
    let finish =
        play::run(&mut play, &mut input, &mut out, &mut recorder).map_err(io(Path::new("<terminal>")))?;
    if finish != play::Finish::Ended {
        recorder.abandon(match finish {
            play::Finish::Quit => "quit",
            play::Finish::InputEnded => "input ended",
            _ => "scenario stuck",
        });
        flush(&mut recorder);
        return Ok(ExitCode::from(1));
    }
    let trainee = trainee.map(|t| crate::records::files::printable(t).into_owned());
    let trainee = trainee.as_deref();
    let (analysis, mut space) = match analysis::analyze(s) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("talkdown: cannot score this run: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    let debrief = match Debrief::build(&play, &analysis, &mut space, trainee) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("talkdown: cannot score this run: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    recorder.finish(&play, &debrief);
    flush(&mut recorder);
    use std::io::Write;
    let _ = writeln!(out, "{}", debrief.to_text());
    if let Some(p) = html {
        crate::records::files::write_private(p, debrief.to_html().as_bytes()).map_err(cannot_write(p))?;
        let _ = writeln!(out, "Debrief saved to {}", p.display());
    }
    if let Some(p) = json {
        crate::records::files::write_private(p, debrief.to_json().as_bytes()).map_err(cannot_write(p))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn validate(
    paths: Vec<PathBuf>,
    deny_warnings: bool,
    rubric_path: Option<PathBuf>,
    short: bool,
    scenarios: Option<&Path>,
) -> Result<ExitCode, LoadError> {
    let paths = if paths.is_empty() { vec![bundled_dir(scenarios)] } else { paths };
    let color = color_stdout();
    // A broken rubric counts as a checked file with problems (its errors in
    // the totals), once however many scenarios depend on it.
    let mut broken_rubrics: Vec<(PathBuf, usize)> = Vec::new();
    let mut rubric_failed = |e: LoadError| match &e {
        LoadError::BadRubric { path, short: lines, .. } => {
            if short {
                eprintln!("talkdown: {}: the rubric has errors:\n{}", path.display(), lines.join("\n"));
            } else {
                eprintln!("talkdown: {e}");
            }
            if !broken_rubrics.iter().any(|(p, _)| p == path) {
                broken_rubrics.push((path.clone(), lines.len()));
            }
        }
        _ => eprintln!("talkdown: {e}"),
    };
    let fixed_rubric = match &rubric_path {
        Some(p) => match load::load_rubric(p) {
            Ok(r) => Some(r),
            Err(e) => {
                rubric_failed(e);
                return Ok(ExitCode::from(2));
            }
        },
        None => None,
    };
    let mut files: Vec<(PathBuf, Option<Rubric>)> = Vec::new();
    let mut io_errors = 0;
    for p in &paths {
        if p.is_dir() {
            let rubric = match &fixed_rubric {
                Some(r) => r.clone(),
                None => match load::rubric_for_dir(p) {
                    Ok(r) => r,
                    Err(e) => {
                        rubric_failed(e);
                        io_errors += 1;
                        continue;
                    }
                },
            };
            match load::scenario_files(p) {
                Ok(fs) => files.extend(fs.into_iter().map(|f| (f, Some(rubric.clone())))),
                Err(e) => {
                    eprintln!("talkdown: {e}");
                    io_errors += 1;
                }
            }
        } else {
            files.push((p.clone(), fixed_rubric.clone()));
        }
    }
    let (mut clean, mut with_errors, mut total_e, mut total_w) = (0, 0, 0, 0);
    let mut checked_files = 0;
    for (file, rubric) in &files {
        let rubric = match rubric {
            Some(r) => r.clone(),
            None => {
                let dir = file.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
                match load::rubric_for_dir(dir) {
                    Ok(r) => r,
                    Err(e) => {
                        rubric_failed(e);
                        io_errors += 1;
                        continue;
                    }
                }
            }
        };
        let checked = match load::check_file(file, &rubric) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("talkdown: {e}");
                io_errors += 1;
                continue;
            }
        };
        checked_files += 1;
        for d in &checked.diagnostics {
            if short {
                println!("{}", d.headline(&checked.source));
            } else {
                println!("{}", d.render(&checked.source, color));
            }
        }
        let (e, w) = (checked.errors(), checked.warnings());
        total_e += e;
        total_w += w;
        if e > 0 || (deny_warnings && w > 0) {
            with_errors += 1;
        } else {
            clean += 1;
        }
        let status = match (e, w) {
            (0, 0) => "ok".to_string(),
            _ => format!("{} {}, {} {}", e, plural(e, "error"), w, plural(w, "warning")),
        };
        println!("{}: {status}", checked.source.name);
    }
    for (_, errors) in &broken_rubrics {
        checked_files += 1;
        with_errors += 1;
        total_e += errors;
    }
    println!(
        "checked {} {}: {} clean, {} with problems ({} {}, {} {})",
        checked_files,
        plural(checked_files, "file"),
        clean,
        with_errors,
        total_e,
        plural(total_e, "error"),
        total_w,
        plural(total_w, "warning"),
    );
    Ok(if io_errors > 0 {
        ExitCode::from(2)
    } else if with_errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { word.to_string() } else { format!("{word}s") }
}
