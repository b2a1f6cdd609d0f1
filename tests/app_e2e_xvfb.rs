//! End to end: the real binary, a real window under Xvfb (Mesa's llvmpipe
//! through Vulkan), a scripted run that saves a PNG per screen.
//!
//! Needs the Debian packages `xvfb xauth mesa-vulkan-drivers` (`.ci/setup`
//! installs them). Without `xvfb-run` this test FAILS and says so.
#![cfg(feature = "app")]

use std::path::Path;
use std::process::Command;

fn xvfb_run() -> &'static str {
    let found =
        Command::new("sh").args(["-c", "command -v xvfb-run"]).output().is_ok_and(|o| o.status.success());
    assert!(
        found,
        "xvfb-run is not installed: run `.ci/setup` (it installs xvfb xauth mesa-vulkan-drivers) and try again"
    );
    "xvfb-run"
}

fn run_script(shots: &Path, choices: &str) -> std::process::Output {
    let runtime = tempfile::tempdir().unwrap();
    Command::new(xvfb_run())
        .args(["-a", "-s", "-screen 0 1280x800x24"])
        .arg(env!("CARGO_BIN_EXE_talkdown"))
        .args(["--scenarios", "tests/fixtures", "--scenario", "every_feature", "--seed", "7"])
        .args(["--choices", choices])
        .arg("--screenshots")
        .arg(shots)
        .env("XDG_RUNTIME_DIR", runtime.path())
        .env_remove("TALKDOWN_SCENARIOS")
        .output()
        .expect("run xvfb-run")
}

/// A PNG that exists, is 1280 wide and shows more than one colour.
fn assert_not_blank(path: &Path) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{} is not a PNG", path.display());
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!((width, height), (1280, 720), "{}", path.display());
    let img = image_pixels(&bytes);
    let first = &img[..4];
    let differing = img.chunks(4).filter(|px| px != &first).count();
    assert!(differing > img.len() / 4 / 20, "{} looks blank ({differing} pixels differ)", path.display());
}

/// Decode with the `png` crate Bevy already depends on, through bevy's image API.
fn image_pixels(bytes: &[u8]) -> Vec<u8> {
    use bevy::image::{CompressedImageFormats, Image, ImageSampler, ImageType};
    let img = Image::from_buffer(
        bytes,
        ImageType::Extension("png"),
        CompressedImageFormats::NONE,
        true,
        ImageSampler::Default,
        bevy::asset::RenderAssetUsages::default(),
    )
    .expect("decode PNG");
    img.data.expect("pixels")
}

#[test]
fn scripted_run_saves_a_screenshot_of_every_screen() {
    let dir = tempfile::tempdir().unwrap();
    // Seed 7: arrival lets its timer run out (t), then the choices by number.
    let out = run_script(dir.path(), "t,1,1");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}", out.status.code());
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.first().map(String::as_str), Some("01-library.png"), "{names:?}");
    assert_eq!(names.get(1).map(String::as_str), Some("02-briefing.png"), "{names:?}");
    assert!(names.iter().any(|n| n.contains("beat-01-arrival")), "{names:?}");
    assert!(names.last().unwrap().ends_with("-debrief.png"), "{names:?}");
    assert!(names.len() >= 5, "{names:?}");
    // The debrief once more, its first decision selected: the state timeline in view.
    let n = names.len();
    assert!(names[n - 2].ends_with("-debrief.png"), "{names:?}");
    assert!(names[n - 1].ends_with("-timeline-in-the-debrief.png"), "{names:?}");
    for n in &names {
        assert_not_blank(&dir.path().join(n));
    }
}

#[test]
fn a_choice_that_is_not_offered_exits_1_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_script(dir.path(), "9");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr:\n{stderr}");
    assert!(stderr.contains("choice 9 (decision 1) is not offered at beat `arrival`"), "{stderr}");
}
