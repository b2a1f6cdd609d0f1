//! The `talkdown` command line: a thin layer of flags and output over the
//! library. Exit codes (stable, documented in the README):
//! 0 success; 1 problems found (validation errors, an unfinished run);
//! 2 usage or I/O errors.

pub mod lab;
pub mod play;
pub mod records;
pub mod review;
pub mod test;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::analysis;
use crate::engine::{EngineError, Mode, StartOptions, Timing};
use crate::library::{bundled_dir, files_to_check, resolve_scenario};
use crate::records::recorder::Recorder;
use crate::scenario::load::{self, LoadError};
use crate::session::{Analyses, Session, default_trainee, random_seed};

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
    /// Time allowed at timed moments, for a trainee or a whole class:
    /// standard, x1.5, x2, or untimed (training only). Recorded with each run.
    #[arg(long)]
    pub timing: Option<Timing>,
    /// The session records: a file (default: records.sqlite3 in the user's data
    /// directory), or the lab's server as a postgresql:// URL (docs/lab.md; keep
    /// the password in ~/.pgpass, not in the URL).
    #[arg(long, env = "TALKDOWN_RECORDS", global = true)]
    pub records: Option<PathBuf>,
    /// The class (cohort) this station's runs belong to, e.g. `CIT-2026-03`;
    /// recorded with every session so reports filter by class (`report
    /// --class`). On a lab server, without it sessions take the class the
    /// instructor set for the room (`talkdown lab class`).
    #[arg(long, env = "TALKDOWN_CLASS", value_parser = parse_class)]
    pub class: Option<String>,
    /// Text size, 0.8 to 2 (the same as Ctrl +/− in the window; e.g. 2 for a
    /// low-vision trainee, or screenshots of a scripted run at the largest size).
    #[arg(long, value_parser = parse_text_scale)]
    pub text_scale: Option<f32>,
}

/// `--class`: a short name of printable characters.
pub(crate) fn parse_class(s: &str) -> Result<String, String> {
    crate::records::check_class(s)
}

/// `--text-scale`: a number from 0.8 to 2.
fn parse_text_scale(s: &str) -> Result<f32, String> {
    let v: f32 = s.trim().parse().map_err(|_| format!("`{s}` is not a number (try 1.5 or 2)"))?;
    if (0.8..=2.0).contains(&v) { Ok(v) } else { Err(format!("{v} is outside 0.8 to 2")) }
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
    /// Graphviz DOT (`| dot -Tsvg`).
    Dot,
    /// A Mermaid flowchart for Markdown.
    Mermaid,
    /// An SVG drawing, laid out by Talkdown itself (no Graphviz needed).
    Svg,
    /// A self-contained HTML page with the SVG and a legend.
    Html,
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
        /// Also check the library standard (docs/authoring.md): at least 8
        /// decisions on the best route with at least 3 options each, 3 kinds of
        /// ending, a route by state, a chance and a timer (warnings W240–W245).
        #[arg(long)]
        library: bool,
        /// Also check the spelling of the text a trainee reads against the
        /// system's English Hunspell dictionary (package hunspell-en-us),
        /// knowing the cast's names and the folder's `words.txt` (warnings W260).
        #[arg(long)]
        spelling: bool,
    },
    /// Reachable endings, best and worst achievable scores and the routes to them.
    Analyze {
        /// A scenario file or a bundled scenario id.
        scenario: String,
        /// Machine-readable output (see docs/analysis-json.md).
        #[arg(long)]
        json: bool,
    },
    /// The branch graph as Graphviz DOT, Mermaid, SVG or an HTML page (SVG and
    /// HTML are drawn by Talkdown itself: no Graphviz, no network).
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
        /// Time allowed at timed moments: standard, x1.5, x2, or untimed
        /// (training only). An accommodation, recorded with the run.
        #[arg(long, default_value = "standard")]
        timing: Timing,
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
        /// The class (cohort) this run belongs to, recorded with it (see
        /// docs/lab.md); on a lab server, without it the run takes the class
        /// the instructor set for the room.
        #[arg(long, env = "TALKDOWN_CLASS", value_parser = parse_class)]
        class: Option<String>,
        /// Start an assessment without asking, even on a scenario that is not
        /// clinically reviewed (for scripts; the question is otherwise asked first).
        #[arg(long, short = 'y')]
        yes: bool,
        /// Also speak the scene aloud (espeak-ng or speech-dispatcher's spd-say),
        /// a voice per cast member; without an engine, says so once and plays on silently.
        #[arg(long)]
        speak: bool,
    },
    /// Record a review in scenario files, pinned to their content (see docs/authoring.md, "Review status").
    ///
    /// Writes or updates each file's `review:` block in place (comments and
    /// layout are kept) with the status, reviewer, date and the hash of the
    /// content reviewed. A scenario with errors is not stamped.
    Review {
        /// draft, team-reviewed or clinically-reviewed.
        #[arg(long, value_enum)]
        status: self::review::StatusArg,
        /// Who reviewed it (required unless draft); for a clinician, name and credentials.
        #[arg(long)]
        reviewer: Option<String>,
        /// The day of the review, YYYY-MM-DD (default: today, UTC).
        #[arg(long)]
        date: Option<String>,
        /// Scenario files, or folders of them (templates in a folder are left alone).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Recorded sessions: list, show, export (CSV, JSON, xAPI), check.
    Records {
        #[command(subcommand)]
        command: self::records::RecordsCommand,
    },
    /// The class report for one scenario from the session records.
    Report(self::records::ReportArgs),
    /// Replay a recorded session and check it gives the same run.
    Replay(self::records::ReplayArgs),
    /// Set up the lab's shared PostgreSQL server (docs/lab.md).
    Lab {
        #[command(subcommand)]
        command: self::lab::LabCommand,
    },
    /// Run scenario test plans (NAME.plan.ron) and report coverage.
    Test {
        /// Plan files, scenario files (the plan beside each), folders (every
        /// plan in them) or bundled scenario ids (default: the bundled scenarios).
        paths: Vec<PathBuf>,
    },
    /// Write the man pages and shell completions (bash, zsh, fish) into DIR,
    /// generated from these very definitions (for packagers).
    #[command(hide = true)]
    GenerateDocs {
        /// The folder to write `man/` and `completions/` into.
        dir: PathBuf,
    },
}

/// Everything that can stop a command. Each kind maps to one exit code in
/// [`exit_code`], the only place that decides it (as ripgrep's `main` does).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or folder could not be read, or a scenario or rubric is broken.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The records file could not be used.
    #[error(transparent)]
    Records(#[from] crate::records::Error),
    /// The run could not start.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// A file could not be written.
    #[error("{path}: cannot write: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The terminal went away mid-run.
    #[error("the terminal: {0}")]
    Terminal(std::io::Error),
    /// The options given do not fit together.
    #[error("{0}")]
    Usage(String),
    /// An output file cannot be written where it was asked for.
    #[error("{0}")]
    Output(String),
    /// The desktop app could not start.
    #[cfg(feature = "app")]
    #[error(transparent)]
    App(#[from] crate::app::AppError),
}

/// What a command found, when it ran to the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing wrong (exit 0).
    Clean,
    /// Problems found: validation errors, an unfinished run, a replay that
    /// does not match (exit 1).
    ProblemsFound,
    /// Errors that stopped part of the work, already reported (exit 2).
    ErrorsReported,
}

/// The one route from a command's result to the process's exit code.
pub fn exit_code(result: Result<Outcome, Error>) -> ExitCode {
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::ProblemsFound) => ExitCode::from(1),
        Ok(Outcome::ErrorsReported) => ExitCode::from(2),
        Err(Error::Load(e)) => {
            // A broken scenario or rubric: its diagnostics, coloured on a terminal.
            eprintln!("talkdown: {}", e.render(color_stderr()));
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("talkdown: {e}");
            ExitCode::from(2)
        }
    }
}

/// The `talkdown` binary: parse the command line, run, exit.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    exit_code(match cli.command {
        None => run_app(cli.app),
        Some(cmd) => run(cmd, cli.app.scenarios.as_deref(), cli.app.records.as_deref()),
    })
}

#[cfg(feature = "app")]
fn run_app(args: AppArgs) -> Result<Outcome, Error> {
    use crate::app::{AppConfig, script::ScriptPlan};
    let script =
        ScriptPlan::new(args.scenario.as_deref(), args.choices.as_deref(), args.screenshots.as_deref())
            .map_err(Error::Usage)?;
    let mut config = AppConfig::new(bundled_dir(args.scenarios.as_deref()), args.records.clone(), script);
    config.seed = args.seed;
    config.mode = args.mode.map(Into::into);
    config.timing = args.timing;
    config.trainee = args.trainee.clone();
    config.class = args.class.clone();
    config.text_scale = args.text_scale;
    let code = crate::app::run(config)?;
    Ok(if code == ExitCode::SUCCESS { Outcome::Clean } else { Outcome::ProblemsFound })
}

#[cfg(not(feature = "app"))]
fn run_app(_args: AppArgs) -> Result<Outcome, Error> {
    Err(Error::Usage(
        "this build has no desktop app (built without the `app` feature).\n\
         Try `talkdown play <scenario>` for the terminal player, or `talkdown --help`."
            .into(),
    ))
}

fn color_stdout() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

fn color_stderr() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

fn run(cmd: Command, scenarios: Option<&Path>, records: Option<&Path>) -> Result<Outcome, Error> {
    match cmd {
        Command::Validate { paths, deny_warnings, rubric, short, library, spelling } => {
            validate(paths, deny_warnings, rubric, short, library, spelling, scenarios)
        }
        Command::Analyze { scenario, json } => {
            let s = load::load_scenario(&resolve_scenario(&scenario, scenarios))?;
            match analysis::analyze(&s) {
                Ok((a, _)) => {
                    if json {
                        println!("{}", serde_json::to_string_pretty(&a).unwrap_or_default());
                    } else {
                        print!("{}", crate::text::printable_lines(&analysis::render_text(&a, &s)));
                    }
                    Ok(Outcome::Clean)
                }
                Err(e) => {
                    eprintln!("talkdown: {}: {e}", s.id());
                    Ok(Outcome::ProblemsFound)
                }
            }
        }
        Command::Graph { scenario, format } => {
            let s = load::load_scenario(&resolve_scenario(&scenario, scenarios))?;
            let drawn = match format {
                GraphFormat::Dot => Ok(crate::export::dot(&s)),
                GraphFormat::Mermaid => Ok(crate::export::mermaid(&s)),
                GraphFormat::Svg => crate::export::svg(&s),
                GraphFormat::Html => crate::export::html(&s),
            };
            let graph = match drawn {
                Ok(g) => g,
                Err(e) => {
                    eprintln!("talkdown: {}: {e}", s.id());
                    return Ok(Outcome::ProblemsFound);
                }
            };
            print!("{}", crate::text::printable_lines(&graph));
            Ok(Outcome::Clean)
        }
        Command::Play {
            scenario,
            seed,
            mode,
            trainee,
            timing,
            no_shuffle,
            html,
            json,
            no_records,
            class,
            yes,
            speak,
        } => {
            let path = resolve_scenario(&scenario, scenarios);
            let s = load::load_scenario(&path)?;
            // Refused before the trainee is asked anything.
            if !timing.allowed_in(mode.into()) {
                return Err(EngineError::UntimedAssessment.into());
            }
            if s.needs_confirmation(mode.into()) && !yes {
                let stdin = std::io::stdin();
                let confirmed =
                    play::confirm_assessment(&s, &mut stdin.lock(), &mut std::io::stdout().lock())
                        .map_err(Error::Terminal)?;
                if !confirmed {
                    eprintln!(
                        "talkdown: not started (nothing recorded). Play it in training mode, or answer y \
                         (or pass --yes) to assess with it anyway."
                    );
                    return Ok(Outcome::ProblemsFound);
                }
            }
            let mut opts =
                StartOptions::new(seed.unwrap_or_else(random_seed), mode.into()).with_timing(timing);
            opts.shuffle = !no_shuffle;
            // Found now, not after the trainee has played the whole run.
            for p in html.iter().chain(json.iter()) {
                crate::records::files::check_output_path(p).map_err(Error::Output)?;
            }
            let recorder =
                if no_records { Recorder::off() } else { Recorder::open(records).with_class(class) };
            // No control characters from a typed name reach the terminal or the HTML.
            let trainee =
                crate::records::files::printable(&trainee.unwrap_or_else(default_trainee)).into_owned();
            let session = Session::start(&s, Some(&path), opts, &trainee, recorder)?;
            let speaker = if speak {
                crate::speech::Speaker::detect().map_err(|e| eprintln!("talkdown: warning: {e}")).ok()
            } else {
                None
            };
            play_terminal(session, html.as_deref(), json.as_deref(), speaker.as_ref())
        }
        Command::Review { status, reviewer, date, paths } => {
            self::review::run(status, reviewer, date, &paths)
        }
        Command::Records { command } => {
            self::records::run_records(command, records, &|a| resolve_scenario(a, scenarios))
        }
        Command::Report(args) => {
            self::records::run_report(args, records, &|a| resolve_scenario(a, scenarios))
        }
        Command::Replay(args) => {
            self::records::run_replay(args, records, &|a| resolve_scenario(a, scenarios))
        }
        Command::Lab { command } => self::lab::run(command, records, scenarios),
        Command::Test { paths } => self::test::run_test(paths, scenarios),
        Command::GenerateDocs { dir } => generate_docs(&dir),
    }
}

/// The man pages (one per command) and the shell completions.
fn generate_docs(dir: &Path) -> Result<Outcome, Error> {
    use clap::CommandFactory;
    let write_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Write { path, source }
    };
    let man = dir.join("man");
    let completions = dir.join("completions");
    for d in [&man, &completions] {
        std::fs::create_dir_all(d).map_err(write_err(d))?;
    }
    clap_mangen::generate_to(Cli::command(), &man).map_err(write_err(&man))?;
    let mut cmd = Cli::command();
    for (shell, file) in [
        (clap_complete::Shell::Bash, "talkdown.bash"),
        (clap_complete::Shell::Zsh, "_talkdown"),
        (clap_complete::Shell::Fish, "talkdown.fish"),
    ] {
        let path = completions.join(file);
        let mut f = std::fs::File::create(&path).map_err(write_err(&path))?;
        clap_complete::generate(shell, &mut cmd, "talkdown", &mut f);
    }
    println!("wrote {} and {}", man.display(), completions.display());
    Ok(Outcome::Clean)
}

/// Before exiting: the last answers reach the records file, or a rescue file
/// beside it; either way the trainee is told where.
fn flush_records(session: &mut Session) {
    for m in session.close() {
        eprintln!("talkdown: warning: {m}");
    }
}

/// Play in the terminal, then print (and save) the debrief.
pub(crate) fn play_terminal(
    mut session: Session,
    html: Option<&Path>,
    json: Option<&Path>,
    speaker: Option<&crate::speech::Speaker>,
) -> Result<Outcome, Error> {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    // The scenario's text and the trainee's name reach the terminal without control characters.
    let mut out = crate::text::PrintableWriter::new(std::io::stdout().lock());
    let finish = play::run_spoken(&mut session, &mut input, &mut out, speaker).map_err(Error::Terminal)?;
    if finish != play::Finish::Ended {
        session.abandon(match finish {
            play::Finish::Quit => "quit",
            play::Finish::InputEnded => "input ended",
            _ => "scenario stuck",
        });
        flush_records(&mut session);
        return Ok(Outcome::ProblemsFound);
    }
    let debrief = session.finish(&mut Analyses::default());
    flush_records(&mut session);
    use std::io::Write;
    let _ = writeln!(out, "{}", debrief.to_text());
    // Exports hold a trainee's answers: readable by their owner only.
    let write = |p: &Path, text: String| {
        crate::records::files::write_private(p, text.as_bytes())
            .map_err(|source| Error::Write { path: p.to_path_buf(), source })
    };
    if let Some(p) = html {
        write(p, debrief.to_html())?;
        let _ = writeln!(out, "Debrief saved to {}", p.display());
    }
    if let Some(p) = json {
        write(p, debrief.to_json())?;
    }
    Ok(Outcome::Clean)
}

fn validate(
    paths: Vec<PathBuf>,
    deny_warnings: bool,
    rubric_path: Option<PathBuf>,
    short: bool,
    library: bool,
    spelling: bool,
    scenarios: Option<&Path>,
) -> Result<Outcome, Error> {
    let paths = if paths.is_empty() { vec![bundled_dir(scenarios)] } else { paths };
    // Before anything is checked: a missing dictionary is one clear message.
    let dictionary = if spelling {
        Some(crate::spelling::Dictionary::find().map_err(|e| Error::Usage(e.to_string()))?)
    } else {
        None
    };
    let mut word_lists: std::collections::HashMap<PathBuf, crate::spelling::WordList> = Default::default();
    let color = color_stdout();
    // A broken rubric counts as a checked file with problems (its errors in
    // the totals), once however many scenarios depend on it.
    let mut broken_rubrics: Vec<(PathBuf, usize)> = Vec::new();
    let mut report_load_error = |e: LoadError| match &e {
        LoadError::BadRubric { path, .. } => {
            let lines = e.headlines();
            if short {
                eprintln!("talkdown: {}: the rubric has errors:\n{}", path.display(), lines.join("\n"));
            } else {
                eprintln!("talkdown: {}", e.render(color_stderr()));
            }
            if !broken_rubrics.iter().any(|(p, _)| p == path) {
                broken_rubrics.push((path.clone(), lines.len()));
            }
        }
        _ => eprintln!("talkdown: {}", e.render(color_stderr())),
    };
    let fixed_rubric = match rubric_path.as_deref().map(load::load_rubric).transpose() {
        Ok(r) => r,
        Err(e) => {
            report_load_error(e);
            return Ok(Outcome::ErrorsReported);
        }
    };
    let (mut io_errors, mut files, mut clean, mut with_errors, mut total_e, mut total_w) = (0, 0, 0, 0, 0, 0);
    // How many scenarios hold each review status (as it holds for their content now).
    let mut reviews = std::collections::BTreeMap::<crate::scenario::model::ReviewStatus, usize>::new();
    let mut stale_reviews = 0;
    // Every file is checked first, then the checks across files of one
    // folder (E141) and the library standard are added, then all is printed.
    let mut results: Vec<Result<(PathBuf, load::Checked), LoadError>> =
        files_to_check(&paths, fixed_rubric.as_ref())
            .into_iter()
            .map(|t| t.and_then(|(file, rubric)| load::check_file(&file, &rubric).map(|c| (file, c))))
            .collect();
    let mut folders: std::collections::BTreeMap<PathBuf, Vec<(&Path, &mut load::Checked)>> =
        Default::default();
    for (path, checked) in results.iter_mut().filter_map(|r| r.as_mut().ok()) {
        let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
        folders.entry(folder).or_default().push((path.as_path(), checked));
    }
    for files in folders.values_mut() {
        load::duplicate_ids(files);
    }
    for result in results {
        let (path, mut checked) = match result {
            Ok(c) => c,
            Err(e) => {
                report_load_error(e);
                io_errors += 1;
                continue;
            }
        };
        if library && !crate::library::is_template(&path) {
            checked.diagnostics.extend(crate::library::standard::check(&checked));
        }
        if let Some(dict) = &dictionary {
            let folder = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
            let words = word_lists.entry(folder.to_path_buf()).or_insert_with(|| {
                crate::spelling::WordList::for_dir(folder).unwrap_or_else(|e| {
                    eprintln!(
                        "talkdown: {}: cannot read: {e}; checking without it",
                        folder.join(crate::spelling::WORDS_FILE).display()
                    );
                    Default::default()
                })
            });
            checked.diagnostics.extend(crate::spelling::check(&checked, dict, words));
        }
        files += 1;
        if let Some(f) = &checked.file {
            let r = crate::scenario::review::ReviewState::of(f);
            *reviews.entry(r.effective()).or_default() += 1;
            stale_reviews += usize::from(r.changed_since);
        }
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
    if !reviews.is_empty() {
        let mut parts: Vec<String> =
            reviews.iter().rev().map(|(s, n)| format!("{n} {}", s.label().to_lowercase())).collect();
        if stale_reviews > 0 {
            parts.push(format!("{stale_reviews} changed since review (W250), counted as draft"));
        }
        println!("review status: {}", parts.join(", "));
    }
    for (_, errors) in &broken_rubrics {
        files += 1;
        with_errors += 1;
        total_e += errors;
    }
    println!(
        "checked {} {}: {} clean, {} with problems ({} {}, {} {})",
        files,
        plural(files, "file"),
        clean,
        with_errors,
        total_e,
        plural(total_e, "error"),
        total_w,
        plural(total_w, "warning"),
    );
    // What could not be read was reported above; the exit code says so.
    Ok(if io_errors > 0 {
        Outcome::ErrorsReported
    } else if with_errors > 0 {
        Outcome::ProblemsFound
    } else {
        Outcome::Clean
    })
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { word.to_string() } else { format!("{word}s") }
}
