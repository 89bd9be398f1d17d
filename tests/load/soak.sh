#!/bin/sh
# make soak: HOURS (default 24) of recorded audio at full speed through three
# keyword pipelines of one daemon (replay, Pace=fast, socket and a private
# D-Bus on), then the figures: the daemon's VmRSS over the run (sampled from
# /proc every SAMPLE seconds; start = after the first 2% of the audio, end =
# just before the recording ends) and each pipeline's detection count
# against the expected one.
#
# The recording is models/recordings/demo_yes_no.wav padded with silence to
# a whole number of inference strides (168000 samples = 10.5 s, so every
# pass is cut into the same windows) and repeated to HOURS; the expected
# count of a pipeline is what `tinysensectl detect` finds in one pass with
# the same configuration, times the number of passes.  The daemon runs with
# --exit-when-done --print: the counts are the lines it printed.
# Nothing is asserted about time or memory; the exit status says whether
# the counts were as expected and the daemon exited cleanly.
# Usage: tests/load/soak.sh BUILD SHARED [HOURS]   (SOAK_SAMPLE: seconds, default 10)
set -eu
build=$(cd "$1" && pwd)
hours=${3:-24}
sample=${SOAK_SAMPLE:-10}
top=$(cd "$(dirname "$0")/../.." && pwd)
TS_CTL=$build/tinysensectl TS_SHARED=$2 TS_DAEMON=$build/tinysensed
# shellcheck source=tests/integration/lib.sh
. "$top/tests/integration/lib.sh"
lib_need sox soxi dbus-daemon awk

# ---- the recording -------------------------------------------------------------
pass_samples=168000 # 105 strides of 1600 samples (Stride=5 x 20 ms hops)
sox "$top/models/recordings/demo_yes_no.wav" "$tmp/pass.wav" pad 0 \
	"$((pass_samples - $(soxi -s "$top/models/recordings/demo_yes_no.wav")))s"
[ "$(soxi -s "$tmp/pass.wav")" -eq "$pass_samples" ] || { echo "soak: padding failed"; exit 1; }
passes=$(awk -v h="$hours" -v n="$pass_samples" 'BEGIN { p = h * 3600 * 16000 / n;
	printf "%d", p == int(p) ? p : int(p) + 1 }')
echo "== soak: $passes passes of 10.5 s = $(awk -v p="$passes" 'BEGIN { printf "%.2f", p * 10.5 / 3600 }') h of audio per pipeline, 3 pipelines"
sox "$tmp/pass.wav" "$tmp/long.wav" repeat "$((passes - 1))"
[ "$(soxi -s "$tmp/long.wav")" -eq $((passes * pass_samples)) ] || { echo "soak: repeat failed"; exit 1; }

# ---- the configuration ---------------------------------------------------------
lib_config LogLevel=warning
pipeline() { # NAME THRESHOLD AVERAGE RECORDING
	cat << EOF
[Pipeline]
Name=$1
[Source]
Plugin=replay
Path=$4
Pace=fast
[Frontend]
Type=audio
Preset=micro_speech
[Model]
Path=$model
Labels=silence,unknown,yes,no
Stride=5
[Detect]
Threshold=$2
Average=$3
Refractory=1000ms
Ignore=silence,unknown
EOF
}
names="kws-a kws-b kws-c"
set -- 0.8 3 0.7 1 0.9 2
for n in $names; do
	pipeline "$n" "$1" "$2" "$tmp/long.wav" > "$conf/pipelines.d/$n.conf"
	pipeline "$n" "$1" "$2" "$tmp/pass.wav" > "$tmp/$n.pass.conf"
	"$ctl" detect --config "$tmp/$n.pass.conf" "$tmp/pass.wav" > "$tmp/$n.pass.out" 2> /dev/null
	shift 2
done

# ---- a private bus, the daemon, and its memory over time ------------------------
lib_start_bus
start=$(date +%s)
"$daemon" --config "$conf" --bus-address "$addr" --print \
	--exit-when-done > "$tmp/detections" 2> "$tmp/daemon.log" &
daemon_pid=$!
total=$((passes * pass_samples))
echo "seconds,audio_fraction,vmrss_kb" > "$tmp/rss.csv"
while lib_alive; do
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$daemon_pid/status" 2> /dev/null || :)
	done_samples=$("$ctl" status --json --socket "$sock" 2> /dev/null |
		tr ',' '\n' | awk -F: '/"samples"/ { s += $2 } END { print s + 0 }')
	[ -n "$rss" ] && echo "$(($(date +%s) - start)),$(awk -v d="$done_samples" -v t="$total" \
		'BEGIN { printf "%.4f", d / (3 * t) }'),$rss" >> "$tmp/rss.csv"
	sleep "$sample"
done
rc=0
wait "$daemon_pid" || rc=$?
daemon_pid=
elapsed=$(($(date +%s) - start))

# ---- figures ---------------------------------------------------------------------------
echo "   wall time: ${elapsed} s ($(awk -v p="$passes" -v e="$elapsed" 'BEGIN { printf "%.0f", p * 10.5 / (e ? e : 1) }')x real time per pipeline), daemon exit status $rc"
awk -F, 'NR > 1 && $2 >= 0.02 && !s { s = $3; st = $1 } NR > 1 && $2 > 0 { e = $3; et = $1; if ($3 > m) m = $3 }
	END { printf "   VmRSS: %s kB at %s s (2%% of the audio), %s kB at %s s (end), peak %s kB\n", s, st, e, et, m }' \
	"$tmp/rss.csv"
bad=0
for n in $names; do
	per_pass=$(grep -c . "$tmp/$n.pass.out" || :)
	got=$(awk -v n="$n" '$2 == n' "$tmp/detections" | wc -l)
	want=$((per_pass * passes))
	verdict=as-expected
	[ "$got" -eq "$want" ] || { verdict=DIFFERENT; bad=1; }
	echo "   $n: $got detections, expected $want ($per_pass per pass x $passes): $verdict"
done
[ -n "${SOAK_KEEP:-}" ] && cp "$tmp/rss.csv" "$SOAK_KEEP" && echo "   RSS samples: $SOAK_KEEP"
grep -E "^(<[0-3]>)" "$tmp/daemon.log" | head -5 || :
[ "$rc" -eq 0 ] && [ "$bad" -eq 0 ]
