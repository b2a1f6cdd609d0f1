//! The terminal player: the whole scenario in a terminal, on the same engine
//! as the app. Reads one choice number per line, so it works with piped input
//! and in tests; its output has no clock times, so it is deterministic for a
//! given seed and input.

use std::io::{BufRead, Write};
use std::time::Instant;

use crate::engine::{Entry, Mode, Playthrough, SpokenLine, Timing};
use crate::scenario::Scenario;
use crate::scenario::model::Direction;
use crate::session::Session;
use crate::speech::{Speaker, VoiceBook};

/// How a terminal session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    /// An ending was reached.
    Ended,
    /// The trainee typed `q`.
    Quit,
    /// Standard input ended before an ending.
    InputEnded,
    /// The scenario offers nothing at the current beat (a scenario bug).
    Stuck,
}

/// The records policy's one warning goes to standard error, so it never mixes
/// with the transcript on standard output.
fn warn_once(session: &mut Session) {
    if let Some(w) = session.take_warning() {
        eprintln!("talkdown: warning: {w}");
    }
}

fn meter_bar(value: i32, min: i32, max: i32) -> String {
    let width = 10;
    // i64: a meter may span the whole i32 range without overflowing here.
    let span = (i64::from(max) - i64::from(min)).max(1) as f64;
    let filled = (((i64::from(value) - i64::from(min)) as f64 / span) * width as f64).round() as usize;
    format!("{}{}", "█".repeat(filled.min(width)), "░".repeat(width - filled.min(width)))
}

/// Before an assessment on a scenario no clinician has signed off: say so and
/// ask. Only `y` or `yes` (any case) goes on; anything else, or no answer
/// (input ended), does not.
pub fn confirm_assessment(
    s: &Scenario,
    input: &mut impl BufRead,
    out: &mut impl Write,
) -> std::io::Result<bool> {
    let warning = s.review_status().assessment_warning().unwrap_or_default();
    writeln!(out, "{warning}")?;
    write!(out, "Run it as an assessment anyway? [y/N] ")?;
    out.flush()?;
    let mut answer = String::new();
    input.read_line(&mut answer)?;
    writeln!(out)?;
    Ok(matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}

pub fn print_briefing(s: &Scenario, mode: Mode, timing: Timing, out: &mut impl Write) -> std::io::Result<()> {
    let f = &s.file;
    writeln!(out, "═══ {} ═══", f.about.title)?;
    if !f.about.content_warnings.is_empty() {
        writeln!(out, "Content warning: {}", f.about.content_warnings.join(", "))?;
    }
    writeln!(out, "\nDISPATCH: {}", f.briefing.dispatch)?;
    writeln!(out, "SETTING: {}", f.briefing.setting)?;
    if let Some(role) = &f.briefing.role {
        writeln!(out, "YOU ARE: {role}")?;
    }
    let timed = s.timed_moments();
    if timed > 0 {
        let allowed = if timing.is_accommodation() {
            format!("; time allowed: {} (an accommodation, recorded with the run)", timing.describe())
        } else {
            String::new()
        };
        let moments = if timed == 1 { "1 moment has".to_string() } else { format!("{timed} moments have") };
        writeln!(out, "TIMED: {moments} a countdown{allowed}")?;
    }
    if mode == Mode::Training && !f.about.objectives.is_empty() {
        writeln!(out, "\nObjectives:")?;
        for o in &f.about.objectives {
            writeln!(out, "  • {o}")?;
        }
    }
    writeln!(out)?;
    Ok(())
}

fn print_lines(lines: &[SpokenLine], out: &mut impl Write) -> std::io::Result<()> {
    for l in lines {
        match &l.speaker {
            Some(name) => writeln!(out, "{name}: “{}”", l.text)?,
            None => writeln!(out, "{}", l.text)?,
        }
    }
    Ok(())
}

fn print_entry(e: &Entry, out: &mut impl Write) -> std::io::Result<()> {
    match e {
        Entry::Beat { lines, .. } | Entry::Reaction { lines } => print_lines(lines, out),
        Entry::Ending { title, narrative, .. } => writeln!(out, "\n═══ {title} ═══\n{narrative}\n"),
        // Choice text is written by the author with its own quotes where it is speech.
        Entry::Said { text, .. } => writeln!(out, "You: {text}"),
        Entry::TimedOut { .. } => writeln!(out, "(You let the moment pass.)"),
    }
}

pub fn print_meters(play: &Playthrough, out: &mut impl Write) -> std::io::Result<()> {
    let s = play.scenario();
    for (i, m) in s.file.meters.iter().enumerate() {
        let v = play.state().meters[i];
        let hint = match m.higher_is {
            Direction::Better => "",
            Direction::Worse => " (lower is better)",
        };
        writeln!(out, "  {:<12} {} {v}/{}{hint}", m.name, meter_bar(v, m.min, m.max), m.max)?;
    }
    Ok(())
}

/// One line of input, `None` at its end. Bytes, not `read_line`: a byte that
/// is not UTF-8 is a wrong answer to ask again about, not the end of the run.
fn read_line(input: &mut impl BufRead) -> std::io::Result<Option<String>> {
    let mut bytes = Vec::new();
    if input.read_until(b'\n', &mut bytes)? == 0 {
        return Ok(None);
    }
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

/// Training feedback on a reading: right, or what the hidden state was.
pub fn reading_feedback(r: &crate::engine::Reading) -> String {
    if r.right {
        format!("Your read ({}) was right.", r.said)
    } else if r.truth.is_empty() {
        format!("Your read: {}. None of the answers fitted the person just then.", r.said)
    } else {
        format!("Your read: {}. The person was at: {}.", r.said, r.truth.join(" / "))
    }
}

/// Play until an ending, `q`, or the end of input. Every decision goes
/// through the [`Session`], which records it.
pub fn run(session: &mut Session, input: &mut impl BufRead, out: &mut impl Write) -> std::io::Result<Finish> {
    run_spoken(session, input, out, None)
}

/// [`run`], with the scene also spoken by `speaker` (`talkdown play --speak`):
/// each new line in its speaker's voice, then the choices with their numbers.
/// An answer silences what is still being read.
pub fn run_spoken(
    session: &mut Session,
    input: &mut impl BufRead,
    out: &mut impl Write,
    speaker: Option<&Speaker>,
) -> std::io::Result<Finish> {
    let voices = VoiceBook::new(&session.play().scenario().file.cast);
    let finish = play_loop(session, input, out, speaker, &voices);
    if let Some(sp) = speaker {
        // The ending is heard before the debrief is printed.
        if matches!(finish, Ok(Finish::Ended)) {
            while !sp.is_idle() {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
        }
        sp.stop();
    }
    finish
}

fn play_loop(
    session: &mut Session,
    input: &mut impl BufRead,
    out: &mut impl Write,
    speaker: Option<&Speaker>,
    voices: &VoiceBook,
) -> std::io::Result<Finish> {
    let mode = session.play().mode();
    print_briefing(session.play().scenario(), mode, session.play().timing(), out)?;
    warn_once(session);
    let mut shown = 0;
    loop {
        let play = session.play();
        // Print what happened since last time (lines of the new beat, the ending).
        for e in &play.transcript()[shown..] {
            print_entry(e, out)?;
        }
        if let Some(sp) = speaker {
            sp.say(voices.transcript(&play.transcript()[shown..]));
            if let Some(v) = play.current() {
                sp.say(voices.choices(v.choices.iter().map(|c| (c.number, c.text.as_str()))));
            }
        }
        shown = play.transcript().len();
        if play.is_finished() {
            return Ok(Finish::Ended);
        }
        if play.is_stuck() {
            writeln!(
                out,
                "\nScenario error: nothing is offered here (beat `{}`, {}). Run `talkdown analyze` on the file.",
                play.current().map(|b| b.beat).unwrap_or_default(),
                play.state().describe(play.scenario())
            )?;
            return Ok(Finish::Stuck);
        }
        let Some(view) = play.current() else { return Ok(Finish::Ended) };
        if mode == Mode::Training {
            print_meters(play, out)?;
        }
        writeln!(out)?;
        // The read-the-subject question comes before the choices.
        if let Some(read) = view.read.as_ref().filter(|r| r.answered.is_none()) {
            writeln!(out, "READ THE PERSON: {}", read.question)?;
            for (i, o) in read.options.iter().enumerate() {
                writeln!(out, "  {}. {o}", i + 1)?;
            }
            loop {
                write!(out, "your read> ")?;
                out.flush()?;
                let Some(line) = read_line(input)? else {
                    writeln!(out, "\nInput ended before the scenario finished; the run is left unfinished.")?;
                    return Ok(Finish::InputEnded);
                };
                match line.trim() {
                    "" => continue,
                    "q" | "quit" => {
                        writeln!(out, "Stopped. The run is left unfinished.")?;
                        return Ok(Finish::Quit);
                    }
                    n => {
                        match n.parse::<usize>().map_err(|_| ()).and_then(|n| session.read(n).map_err(|_| ()))
                        {
                            Ok(_) => break,
                            Err(()) => writeln!(
                                out,
                                "Please type a number from 1 to {}, or q to stop.",
                                read.options.len()
                            )?,
                        }
                    }
                }
            }
            writeln!(out)?;
        }
        for c in &view.choices {
            writeln!(out, "  {}. {}", c.number, c.text)?;
        }
        if let Some(secs) = view.timer {
            writeln!(out, "  (You have {secs} seconds. Type t to let the time run out.)")?;
        } else if view.can_wait {
            writeln!(out, "  (Untimed: take your time. Type t to let the moment pass.)")?;
        }
        let asked = Instant::now();
        let decided = loop {
            write!(out, "> ")?;
            out.flush()?;
            let Some(line) = read_line(input)? else {
                writeln!(out, "\nInput ended before the scenario finished; the run is left unfinished.")?;
                return Ok(Finish::InputEnded);
            };
            let answer = line.trim();
            if let Some(sp) = speaker.filter(|_| !answer.is_empty()) {
                sp.stop();
            }
            let ms = Some(asked.elapsed().as_millis() as u64);
            let result = match answer {
                "" => continue,
                "q" | "quit" => {
                    writeln!(out, "Stopped. The run is left unfinished.")?;
                    return Ok(Finish::Quit);
                }
                "t" | "T" if view.can_wait => session.time_out(ms).map(|_| ()),
                "t" | "T" => {
                    writeln!(out, "This moment is not timed; choose 1 to {}.", view.choices.len())?;
                    continue;
                }
                n => match n.parse::<usize>() {
                    Ok(n) => session.choose(n, ms).map(|_| ()),
                    Err(_) => {
                        writeln!(
                            out,
                            "Please type a number from 1 to {}{}, or q to stop.",
                            view.choices.len(),
                            if view.can_wait { ", t to let the time run out" } else { "" }
                        )?;
                        continue;
                    }
                },
            };
            match result {
                Ok(()) => break true,
                Err(e) => writeln!(out, "{e}.")?,
            }
        };
        if decided {
            let play = session.play();
            // What was said and what happened in answer (every mode), then the hint.
            let told = play.transcript()[shown..]
                .iter()
                .take_while(|e| {
                    matches!(e, Entry::Said { .. } | Entry::TimedOut { .. } | Entry::Reaction { .. })
                })
                .count();
            for e in &play.transcript()[shown..shown + told] {
                print_entry(e, out)?;
            }
            shown += told;
            let last = play.decisions().last().expect("a decision was just made");
            if mode == Mode::Training {
                let s = play.scenario();
                if let Some(fb) = s.act_feedback(last.beat_index, last.act) {
                    writeln!(out, "  ↳ {fb}")?;
                }
                if let Some(r) = &last.reading {
                    writeln!(out, "  ↳ {}", reading_feedback(r))?;
                }
            }
            // A reflection prompt: one line, in every mode; Enter skips it.
            if let Some(prompt) = play.reflection_due().map(str::to_string) {
                writeln!(out, "\n{prompt} (one line; Enter to skip)")?;
                write!(out, "your reasons> ")?;
                out.flush()?;
                // Input that ends here skips it; the next prompt notices the end.
                if let Some(line) = read_line(input)?
                    && let Err(e) = session.reflect(&line)
                {
                    writeln!(out, "{e}.")?;
                }
            }
            writeln!(out)?;
            warn_once(session);
        }
    }
}
