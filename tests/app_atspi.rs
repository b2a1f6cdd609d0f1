//! Screen readers: the real app under Xvfb, on a private D-Bus session with
//! the AT-SPI accessibility bus, read the way Orca reads it (python3-pyatspi,
//! `tests/atspi/read_app.py`), driven by keys with xdotool.
//!
//! Needs the Debian packages `xvfb xauth mesa-vulkan-drivers xdotool dbus
//! at-spi2-core python3-pyatspi` (`.ci/setup` installs them); without them
//! this test FAILS and says which is missing.
#![cfg(feature = "app")]

use std::path::Path;
use std::process::Command;

fn require(program: &str, package: &str) {
    let found = Path::new(program).is_absolute() && Path::new(program).exists()
        || Command::new("sh")
            .args(["-c", &format!("command -v {program}")])
            .output()
            .is_ok_and(|o| o.status.success());
    assert!(found, "{program} is not installed: run `.ci/setup` (it installs {package}) and try again");
}

/// A folder with two scenarios: `minimal` (selected first, played) and `reading`.
fn scenarios() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in ["minimal.ron", "reading.ron"] {
        std::fs::copy(Path::new("tests/fixtures").join(f), dir.path().join(f)).unwrap();
    }
    dir
}

#[test]
fn a_screen_reader_reads_the_library_a_moments_choices_and_the_debrief() {
    require("xvfb-run", "xvfb");
    require("dbus-run-session", "dbus");
    require("/usr/libexec/at-spi-bus-launcher", "at-spi2-core");
    require("xdotool", "xdotool");
    let pyatspi = Command::new("/usr/bin/python3").args(["-c", "import pyatspi"]).output();
    assert!(
        pyatspi.is_ok_and(|o| o.status.success()),
        "/usr/bin/python3 cannot import pyatspi: run `.ci/setup` (it installs python3-pyatspi) and try again"
    );
    let dir = scenarios();
    let home = tempfile::tempdir().unwrap();
    let runtime = tempfile::tempdir().unwrap();
    let out = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x800x24", "dbus-run-session", "--", "/usr/bin/python3"])
        .arg("tests/atspi/read_app.py")
        .arg(env!("CARGO_BIN_EXE_talkdown"))
        .arg(dir.path())
        .arg(dir.path().join("records.sqlite3"))
        // Preferences and data go to a throwaway home, not the developer's.
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_RUNTIME_DIR", runtime.path())
        .env_remove("TALKDOWN_SCENARIOS")
        .env_remove("TALKDOWN_RECORDS")
        .env_remove("NO_AT_BRIDGE")
        .output()
        .expect("run xvfb-run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}", out.status.code());
    assert!(stdout.contains("atspi: ok"), "stdout:\n{stdout}\nstderr:\n{stderr}");
}

/// A station with no accessibility bus (or with NO_AT_BRIDGE set, as some
/// desktops do to keep toolkits off it) still runs the app.
#[test]
fn the_app_runs_without_an_accessibility_bus() {
    require("xvfb-run", "xvfb");
    let shots = tempfile::tempdir().unwrap();
    let runtime = tempfile::tempdir().unwrap();
    for no_bridge in [false, true] {
        let mut cmd = Command::new("xvfb-run");
        cmd.args(["-a", "-s", "-screen 0 1280x800x24"])
            .arg(env!("CARGO_BIN_EXE_talkdown"))
            .args([
                "--scenarios",
                "tests/fixtures",
                "--scenario",
                "minimal",
                "--seed",
                "1",
                "--choices",
                "2,1",
            ])
            .arg("--screenshots")
            .arg(shots.path())
            .env("XDG_RUNTIME_DIR", runtime.path())
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/talkdown-test-bus")
            .env_remove("TALKDOWN_SCENARIOS");
        if no_bridge {
            cmd.env("NO_AT_BRIDGE", "1");
        }
        let out = cmd.output().expect("run xvfb-run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "NO_AT_BRIDGE={no_bridge}: exit {:?}\nstderr:\n{stderr}",
            out.status.code()
        );
    }
}
