#!/usr/bin/python3
"""Reads Talkdown's window the way Orca does: over the AT-SPI bus, with pyatspi.

Run by tests/app_atspi.rs inside `xvfb-run ... dbus-run-session -- /usr/bin/python3
tests/atspi/read_app.py TALKDOWN SCENARIOS RECORDS`. It starts the accessibility bus
(at-spi-bus-launcher) on the private session bus, turns accessibility on as a
desktop with a screen reader does, starts the app, and then, driving it by keys
(xdotool), checks that the tree holds: the library's scenario titles; a moment's
transcript line with its speaker and its numbered choices; the debrief's outcome.
Exits 1 with the tree as it was read when something is missing.
Needs Debian's at-spi2-core, dbus, python3-pyatspi (system python) and xdotool.
"""
import os
import subprocess
import sys
import time

talkdown, scenarios, records = sys.argv[1:4]
# How many times to look again for something that should appear (0.25 s apart):
# a bound so a broken build fails with the tree printed instead of hanging.
TRIES = 480


def log(msg):
    print(f"atspi: {msg}", flush=True)


def dbus_send(*args, reply=False):
    cmd = ["dbus-send", "--session"] + (["--print-reply"] if reply else []) + list(args)
    return subprocess.run(cmd, capture_output=True, text=True)


# The accessibility bus, then "accessibility is on" (what GNOME sets when Orca runs).
bus = subprocess.Popen(["/usr/libexec/at-spi-bus-launcher", "--launch-immediately"])
for _ in range(TRIES):
    if dbus_send("--dest=org.a11y.Bus", "/org/a11y/bus", "org.a11y.Bus.GetAddress", reply=True).returncode == 0:
        break
    time.sleep(0.25)
else:
    sys.exit("atspi: at-spi-bus-launcher did not come up on the session bus")
# AccessKit (the app's adapter) waits for ScreenReaderEnabled, which Orca sets.
# A method call with a reply: dbus-send's default type is a signal, which sets nothing.
for prop in ("IsEnabled", "ScreenReaderEnabled"):
    r = dbus_send("--dest=org.a11y.Bus", "/org/a11y/bus", "org.freedesktop.DBus.Properties.Set",
                  "string:org.a11y.Status", f"string:{prop}", "variant:boolean:true", reply=True)
    if r.returncode != 0:
        sys.exit(f"atspi: cannot set {prop}: {r.stderr}")

import pyatspi  # noqa: E402  (connects to the bus started above)

env = dict(os.environ)
env.pop("NO_AT_BRIDGE", None)
app = subprocess.Popen(
    [talkdown, "--scenarios", scenarios, "--records", records, "--seed", "1", "--mode", "training"],
    env=env,
)


def walk(acc, out, depth=0):
    if acc is None or depth > 60:
        return
    try:
        out.append((acc.getRoleName(), acc.name or "", depth))
        children = [acc.getChildAtIndex(i) for i in range(acc.childCount)]
    except Exception:  # a node gone while reading: the next read sees the new tree
        return
    for c in children:
        walk(c, out, depth + 1)


def tree():
    out = []
    desktop = pyatspi.Registry.getDesktop(0)
    for i in range(desktop.childCount):
        walk(desktop.getChildAtIndex(i), out)
    return out


def dump(nodes):
    return "\n".join(f"{'  ' * d}{role}: {name!r}" for role, name, d in nodes)


def wait_for(what, ok):
    nodes = []
    for _ in range(TRIES):
        if app.poll() is not None:
            sys.exit(f"atspi: the app exited ({app.returncode}) while waiting for {what}")
        nodes = tree()
        if ok(nodes):
            log(f"found {what}")
            return nodes
        time.sleep(0.25)
    print(dump(nodes))
    sys.exit(f"atspi: not in the accessibility tree: {what}")


def named(nodes, text, role=None):
    return any(text in name and (role is None or r == role) for r, name, _ in nodes)


def choice(nodes, text):
    """The number of the choice button reading "N   text", or None."""
    for role, name, _ in nodes:
        number, _, words = name.partition("   ")
        if role == "push button" and number.isdigit() and words == text:
            return number
    return None


def key(*keys):
    subprocess.run(["xdotool", "search", "--name", "Talkdown", "windowfocus"], capture_output=True)
    subprocess.run(["xdotool", "key", "--delay", "50", *keys], check=True)
    log(f"pressed {' '.join(keys)}")


def type_text(text):
    subprocess.run(["xdotool", "type", "--delay", "50", text], check=True)
    log(f"typed {text!r}")


try:
    # The library: every scenario's title, in its row.
    nodes = wait_for("the library's titles", lambda n: named(n, "Minimal") and named(n, "Reading"))
    key("Return")
    wait_for("the trainee form's name field", lambda n: named(n, "Your name or trainee ID", "entry"))
    type_text("Cadet Orca")
    key("Return")
    wait_for("the briefing", lambda n: named(n, "A welfare check."))
    key("Return")
    # The first moment: the line with its speaker, each choice a button named
    # by its number and its words (the order is the seed's).
    nodes = wait_for(
        "the transcript line and the numbered choices",
        lambda n: named(n, "Pat: Who is it?", "label")
        and choice(n, "Knock again, harder.")
        and choice(n, "Police, I'm Sam. Your daughter asked us to check on you."),
    )
    assert named(nodes, "Transcript", "log"), "the transcript is a log (a live region)\n" + dump(nodes)
    key(choice(nodes, "Police, I'm Sam. Your daughter asked us to check on you."))
    nodes = wait_for("the next moment's choices", lambda n: choice(n, "Can I check you're alright?"))
    key(choice(nodes, "Can I check you're alright?"))
    # The debrief: the outcome and the verdict in words.
    nodes = wait_for("the debrief's outcome", lambda n: named(n, "All well") and named(n, "Pat is fine."))
    wait_for("the debrief's buttons", lambda n: named(n, "Library (L)", "push button"))
    log("ok")
finally:
    app.terminate()
    try:
        app.wait(timeout=30)
    except subprocess.TimeoutExpired:
        app.kill()
    bus.terminate()
