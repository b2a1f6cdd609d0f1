#!/usr/bin/env bash
# Talkdown app performance under Xvfb, side by side with a bare Bevy +
# bevy_egui window built with the same features (examples/bare_egui.rs).
#
#   benches/app_perf.sh            # debug build (deps at opt-level 3)
#   PROFILE=release benches/app_perf.sh
#
# For each case: launch to first rendered frame, CPU (% of one core) over
# 20 s with no input, peak resident memory (VmHWM), and the frame times the
# app reports (TALKDOWN_PERF probe, src/app/idle.rs).
# Needs xvfb-run (Debian: xvfb xauth mesa-vulkan-drivers; see .ci/setup).
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE=${PROFILE:-debug}
flag=""; [ "$PROFILE" = release ] && flag="--release"
cargo build $flag --bin talkdown --example bare_egui >&2
BIN=target/$PROFILE/talkdown
BARE=target/$PROFILE/examples/bare_egui
export XDG_RUNTIME_DIR=$(mktemp -d)
export TALKDOWN_PERF=1
TICK=$(getconf CLK_TCK)
WARM=${WARM:-5}
SECS=${SECS:-20}

measure() { # name, env assignments..., -- , command...
  local name=$1; shift
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done; shift
  local out; out=$(mktemp)
  local t0; t0=$(date +%s.%N)
  env "${envs[@]}" xvfb-run -a -s "-screen 0 1280x800x24" "$@" >"$out" 2>/dev/null &
  local wrapper=$!
  local pid=""
  for _ in $(seq 50); do pid=$(pgrep -n -f "^$1" || true); [ -n "$pid" ] && break; sleep 0.1; done
  sleep "$WARM"
  local c0; c0=$(awk '{print $14+$15}' /proc/$pid/stat)
  sleep "$SECS"
  local c1; c1=$(awk '{print $14+$15}' /proc/$pid/stat)
  local rss; rss=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
  kill "$pid"; wait "$wrapper" 2>/dev/null || true
  local ff; ff=$(awk '/^first-frame/ {print $2; exit}' "$out")
  local launch; launch=$(echo "($ff - $t0) * 1000" | bc -l | cut -d. -f1)
  local cpu; cpu=$(echo "($c1 - $c0) * 100 / $TICK / $SECS" | bc -l)
  local frames; frames=$(grep '^frames' "$out" | tail -1 || true)
  printf "%-34s launch %5s ms   cpu %6.2f %%   peak %4d MB   %s\n" \
    "$name" "$launch" "$cpu" $((rss / 1024)) "${frames:-no frames while idle}"
  rm -f "$out"
}

echo "profile: $PROFILE; CPU over ${SECS}s after ${WARM}s; $(nproc) cores; $(date -u +%F)"
measure "bare bevy_egui, idle"            -- "$BARE"
measure "bare bevy_egui + fix, idle"      BARE_FIX=1 -- "$BARE"
measure "talkdown library, idle"          -- "$BIN" --scenarios scenarios
measure "bare bevy_egui + fix, 30 Hz bar" BARE_FIX=1 BARE_COUNTDOWN=1 -- "$BARE"
measure "talkdown play, countdown"        TALKDOWN_PERF=countdown -- "$BIN" --scenarios tests/fixtures --seed 7
