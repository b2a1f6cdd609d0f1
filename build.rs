//! Embeds the bundled scenario library (every file in `scenarios/`) in the
//! binary, so one `talkdown` copied to a lab station finds its scenarios and
//! rubric with nothing else installed (see `src/library.rs`).

use std::fmt::Write;
use std::path::Path;

fn main() {
    // Read at run time, not `env!` at the script's compile time: a build
    // script compiled for one checkout can be reused for another (git
    // worktrees sharing a target folder) and must embed that checkout's files.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest).join("scenarios");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("the scenarios/ folder is part of the source tree")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            // The scenarios, the rubric, the test plans and the word list for `--spelling`.
            (p.extension().is_some_and(|e| e == "ron") || p.file_name().is_some_and(|n| n == "words.txt"))
                && p.is_file()
        })
        .collect();
    files.sort();
    let mut out = String::from(
        "/// Every file of the bundled library: (file name, text).\npub const FILES: &[(&str, &str)] = &[\n",
    );
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f.file_name().and_then(|n| n.to_str()).expect("scenario file names are UTF-8");
        writeln!(out, "    ({name:?}, include_str!({:?})),", f.display().to_string())
            .expect("writing to a String");
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("bundled_library.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}
