#!/usr/bin/env bash
# The Debian package test: build the package from the debug binary `cargo
# test` made, check its contents, unpack it into an empty root (dpkg -x) and
# run `talkdown validate` from there with nothing else around; then run a lone
# copy of the binary, which must find the library embedded in itself.
# Run by .ci/test after cargo test. Ends with "package: N passed, 0 failed".
set -euo pipefail
shopt -s inherit_errexit 2>/dev/null || true
cd "$(dirname "$0")/.."

passed=0
fail() { echo "package: FAILED: $*" >&2; echo "package: $passed passed, 1 failed"; exit 1; }
ok() { passed=$((passed + 1)); echo "package: ok: $*"; }

deb=$(.ci/package --profile dev --no-build --fast | tail -n 1)
[ -f "$deb" ] || fail "no .deb was built"
ok "built $deb"

contents=$(dpkg-deb -c "$deb")
for f in ./usr/bin/talkdown \
         ./usr/share/talkdown/scenarios/rubric.ron \
         ./usr/share/talkdown/scenarios/bridge_jumper.ron \
         ./usr/share/applications/talkdown.desktop \
         ./usr/share/icons/hicolor/scalable/apps/talkdown.svg \
         ./usr/share/man/man1/talkdown.1.gz \
         ./usr/share/man/man1/talkdown-validate.1.gz \
         ./usr/share/bash-completion/completions/talkdown \
         ./usr/share/zsh/vendor-completions/_talkdown \
         ./usr/share/fish/vendor_completions.d/talkdown.fish \
         ./usr/share/doc/talkdown/README.md; do
    grep -q " $f\$" <<<"$contents" || fail "the package has no $f"
done
ok "the package holds the binary, scenarios, desktop entry, icon, man pages and completions"

control=$(dpkg-deb -f "$deb" Package Version Section)
grep -q "^Package: talkdown" <<<"$control" || fail "control: $control"
ok "control fields: $(tr '\n' ' ' <<<"$control")"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dpkg -x "$deb" "$tmp/root"
mkdir -p "$tmp/home" "$tmp/cwd"
cd "$tmp/cwd"
out=$(env -i HOME="$tmp/home" PATH=/usr/bin:/bin "$tmp/root/usr/bin/talkdown" validate 2>&1) \
    || fail "validate from the unpacked package failed: $out"
grep -q "$tmp/root/usr/bin/../share/talkdown/scenarios/bridge_jumper.ron: " <<<"$out" \
    || fail "validate did not read the package's own scenarios: $out"
ok "the unpacked binary validates the scenarios installed beside it"

zcat "$tmp/root/usr/share/man/man1/talkdown.1.gz" | grep -q "validate" || fail "the man page does not mention validate"
ok "the man page lists the commands"

mkdir -p "$tmp/lone" "$tmp/lonehome"
cp "$tmp/root/usr/bin/talkdown" "$tmp/lone/"
out=$(env -i HOME="$tmp/lonehome" PATH=/usr/bin:/bin XDG_DATA_DIRS="$tmp/none" "$tmp/lone/talkdown" validate 2>&1) \
    || fail "a lone binary could not validate its embedded library: $out"
grep -q "$tmp/lonehome/.local/share/talkdown/bundled-" <<<"$out" \
    || fail "a lone binary did not use its embedded library: $out"
ok "a lone copy of the binary finds the library embedded in it"

echo "package: $passed passed, 0 failed"
