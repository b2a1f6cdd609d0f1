//! The guides never drift from the format: every complete scenario shown in
//! docs/authoring.md and docs/scenario-format.md (a ```ron scenario block) is
//! extracted and must validate with no errors and no warnings. Fragments
//! (plain ```ron blocks) must at least have balanced brackets and quotes.

use std::path::Path;

use talkdown::scenario::load::scenario_from_str;

const GUIDES: [&str; 2] = ["docs/authoring.md", "docs/scenario-format.md"];

struct Block {
    info: String,
    line: usize,
    text: String,
}

/// Fenced code blocks whose info string starts with `ron`.
fn ron_blocks(markdown: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut current: Option<Block> = None;
    for (i, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        match current.as_mut() {
            None => {
                if let Some(info) = trimmed.strip_prefix("```") {
                    let info = info.trim();
                    if info == "ron" || info.starts_with("ron ") {
                        current = Some(Block { info: info.to_string(), line: i + 1, text: String::new() });
                    }
                }
            }
            Some(b) => {
                if trimmed.starts_with("```") {
                    out.push(current.take().unwrap());
                } else {
                    b.text.push_str(line);
                    b.text.push('\n');
                }
            }
        }
    }
    assert!(current.is_none(), "an unclosed ```ron block");
    out
}

fn read(guide: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(guide))
        .unwrap_or_else(|e| panic!("{guide}: {e}"))
}

#[test]
fn every_complete_scenario_in_the_guides_validates_cleanly() {
    for guide in GUIDES {
        let blocks: Vec<Block> =
            ron_blocks(&read(guide)).into_iter().filter(|b| b.info == "ron scenario").collect();
        assert!(!blocks.is_empty(), "{guide} has no ```ron scenario example");
        for b in blocks {
            let name = format!("{guide}:{}", b.line);
            let checked = scenario_from_str(&name, &b.text);
            assert!(checked.diagnostics.is_empty(), "{name}:\n{}", checked.report(false));
            assert!(checked.scenario.is_some(), "{name}: did not compile");
        }
    }
}

#[test]
fn ron_blocks_are_either_scenarios_or_fragments() {
    for guide in GUIDES {
        for b in ron_blocks(&read(guide)) {
            assert!(
                b.info == "ron" || b.info == "ron scenario" || b.info == "ron plan",
                "{guide}:{}: unknown info string `{}`",
                b.line,
                b.info
            );
        }
    }
}

/// A light check that a fragment is not broken: brackets pair up and quotes
/// close, ignoring comments and the inside of texts.
fn balanced(text: &str) -> Result<(), String> {
    let mut stack = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '"' => loop {
                match chars.next() {
                    Some('\\') => {
                        chars.next();
                    }
                    Some('"') => break,
                    Some(_) => {}
                    None => return Err("a text is not closed with \"".into()),
                }
            },
            '(' | '[' | '{' => stack.push(c),
            ')' | ']' | '}' => {
                let want = match c {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                if stack.pop() != Some(want) {
                    return Err(format!("`{c}` does not close anything"));
                }
            }
            _ => {}
        }
    }
    if stack.is_empty() { Ok(()) } else { Err(format!("unclosed {stack:?}")) }
}

#[test]
fn ron_fragments_in_the_guides_are_well_formed() {
    for guide in GUIDES {
        for b in ron_blocks(&read(guide)).into_iter().filter(|b| b.info == "ron") {
            if let Err(e) = balanced(&b.text) {
                panic!("{guide}:{}: {e}\n{}", b.line, b.text);
            }
        }
    }
}

/// Test plans shown in the guides parse as plans, and their names resolve
/// against the guide's own example scenario (the last complete scenario).
#[test]
fn plan_examples_in_the_guides_parse_and_match_the_example_scenario() {
    use talkdown::diagnostics::SourceFile;
    use talkdown::scenario::spans::Spans;
    let guide = "docs/authoring.md";
    let blocks = ron_blocks(&read(guide));
    let plans: Vec<&Block> = blocks.iter().filter(|b| b.info == "ron plan").collect();
    assert!(!plans.is_empty(), "{guide} has no ```ron plan example");
    let example = blocks.iter().rev().find(|b| b.info == "ron scenario").expect("a scenario example");
    let scenario = scenario_from_str("example", &example.text).scenario.expect("the example compiles");
    for b in plans {
        let source = SourceFile::new(format!("{guide}:{}", b.line), b.text.clone());
        let file: talkdown::testplan::model::PlanFile = talkdown::scenario::load::parse(&source)
            .unwrap_or_else(|d| panic!("{}", d.render(&source, false)));
        assert_eq!(file.scenario, scenario.id(), "{guide}:{}", b.line);
        let checked = talkdown::testplan::load::check_plan(&file, &scenario, &Spans::parse(&b.text), &source);
        if let Err(ds) = checked {
            panic!("{}", ds.iter().map(|d| d.render(&source, false)).collect::<Vec<_>>().join("\n"));
        }
    }
}

// ---- Issue 11.8: what the guide says is kept true ----

/// The guide with its lines joined, so a phrase may wrap anywhere.
fn flat(guide: &str) -> String {
    read(guide).split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn the_line_the_guide_quotes_for_the_templates_id_is_where_the_id_is() {
    let guide = flat("docs/authoring.md");
    let marker = "look for `id: \"_template\",` (line ";
    let at = guide.find(marker).expect("section 2 quotes the template's id line") + marker.len();
    let quoted: usize = guide[at..].split(|c: char| !c.is_ascii_digit()).next().unwrap().parse().unwrap();
    let template = read("scenarios/_template.ron");
    let actual = template
        .lines()
        .position(|l| l.trim() == "id: \"_template\",")
        .expect("the template has its id line")
        + 1;
    assert_eq!(
        quoted, actual,
        "docs/authoring.md section 2 quotes line {quoted}; the template's id is on line {actual}"
    );
    // And it is not line 1: comments come first, as the guide says.
    assert!(template.lines().next().unwrap().starts_with("//"));
}

#[test]
fn a_route_cannot_lead_into_a_chance_as_the_guide_says() {
    let guide = flat("docs/authoring.md");
    assert!(guide.contains("a `Route` cannot lead straight into a `Chance`"), "section 9 says so");
    let minimal = read("tests/fixtures/minimal.ron");
    let routed = minimal.replacen(
        "next: Go(\"ok\")",
        "next: Route(rules: [(when: Flag(\"asked\"), to: Chance([(weight: 1, to: \"ok\")]))], otherwise: \"left\")",
        1,
    );
    assert_ne!(routed, minimal);
    let checked = scenario_from_str("routed.ron", &routed);
    assert!(checked.scenario.is_none() && checked.errors() > 0, "a Route into a Chance loaded");
    // The guide's way round: a Route to a beat whose choice has the Chance.
    let via_beat = minimal.replacen(
        "next: Go(\"ok\")",
        "next: Route(rules: [(when: Flag(\"asked\"), to: \"ok\")], otherwise: \"left\")",
        1,
    );
    assert!(scenario_from_str("via_beat.ron", &via_beat).scenario.is_some());
}

#[test]
fn the_guide_covers_what_authors_asked_for() {
    let guide = flat("docs/authoring.md");
    for phrase in [
        // the terminal player's keys (src/cli/play.rs reads `t` and `q`)
        "type `t` and Enter to let the time run out",
        "type `q` and Enter to stop the run",
        // endings
        "are shown on every route into it",
        "write two endings with the same `outcome` and different ids",
        // scoring, linked
        "[scoring.md](scoring.md) explains how points, best routes, the process score and luck are worked out",
        // the graph offline
        "--format html",
        "no internet: Talkdown draws it itself",
        "`--format svg` gives the drawing alone",
    ] {
        assert!(guide.contains(phrase), "docs/authoring.md no longer says: {phrase}");
    }
    let play = read("src/cli/play.rs");
    assert!(play.contains("\"q\" | \"quit\"") && play.contains("\"t\" | \"T\""), "the player's keys changed");
}
