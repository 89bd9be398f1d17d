#!/bin/sh
# make check-models, second half: the shipped pipeline configs
# (config/pipelines.d/*.conf, and the agriculture replay in config/examples)
# validate with their models from models/ (the daemon's --check-config,
# ModelDir pointed at the repository), and the keyword pipeline finds the
# words of the bundled demo recording.  agriculture.conf joins live IIO and
# GPIO devices, which this machine lacks: tests/integration/
# test_join_sources.sh validates and runs it on emulated ones.
set -u
build=$1
repo=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

ok() { echo "check-models: ok   $1"; }
fail() { echo "check-models: FAIL $1: $2"; failures=$((failures + 1)); }

mkdir -p "$tmp/pipelines.d"
cat > "$tmp/tinysense.conf" <<CONF
[Daemon]
Bus=none
SocketPath=
ModelDir=$repo/models
PluginDir=$repo/$build/plugins
CONF
for conf in config/pipelines.d/*.conf config/examples/agriculture-replay.conf; do
	rm -f "$tmp"/pipelines.d/*
	if grep -q '^\[Source\.' "$conf"; then
		ok "$conf joins live IIO and GPIO devices: validated on emulated ones by test_join_sources.sh"
		continue
	fi
	# replays read the repository's recordings, not the installed ones
	sed "s|^Path=/usr/share/tinysense/recordings/|Path=$repo/models/recordings/|" "$conf" \
		> "$tmp/pipelines.d/$(basename "$conf")"
	if "$build/tinysensed" --config "$tmp" --check-config > "$tmp/out" 2>&1; then
		ok "$conf validates against models/"
	else
		fail "$conf" "$(cat "$tmp/out")"
	fi
done

# The keyword pipeline, offline, on the demo recording: the words spoken,
# in order, nothing else.
want="yes no yes no"
got=$("$build/tinysensectl" detect --config config/pipelines.d/kws.conf --model-dir models \
	models/recordings/demo_yes_no.wav 2>/dev/null | awk '{ printf "%s%s", sep, $3; sep = " " }')
if [ "$got" = "$want" ]; then
	ok "kws.conf on demo_yes_no.wav detects: $got"
else
	fail "kws.conf on demo_yes_no.wav" "expected [$want], got [$got]"
fi
[ "$failures" -eq 0 ]
