#!/bin/sh
# make bench: speed and memory, measured here (not asserted by tests).
#  1. every conformance model with every kernel set this CPU runs: median
#     microseconds and callgrind instructions per inference, both also as
#     multiples of the reference set's, MACs, arena bytes
#  2. the audio front-end: microseconds per second of audio
#  3. tinysensed: replay throughput of the keyword pipeline in multiples of
#     real time, and its peak RSS
# Timings are for this machine only; compare runs on one machine.
set -eu
build=$1
shared=$2
ctl=$build/tinysensectl
iterations=${BENCH_ITERATIONS:-200}
# Kernel sets to compare: BENCH_KERNELS="ref avx2", default every set
# this CPU runs (tinysensectl kernels).
kernels=${BENCH_KERNELS:-$("$ctl" kernels | awk '$2 == "yes" { print $1 }')}

# Instructions per inference: callgrind counts only inside
# ts_interpreter_invoke (3 warm-up + 2 timed invocations in `model bench`),
# so setup is excluded; stable on a noisy machine, unlike microseconds.
instructions() {
	out=$(mktemp)
	valgrind --tool=callgrind --callgrind-out-file="$out" \
		--toggle-collect=ts_interpreter_invoke \
		"$ctl" model bench "$1" --iterations 2 --kernels "$2" --input "$3" \
		>/dev/null 2>&1 || { rm -f "$out"; echo "-"; return; }
	awk '/^summary:/ { printf "%.0f", $2 / 5 }' "$out"
	rm -f "$out"
}

echo "== inference (median of $iterations; instructions per inference under callgrind)"
printf '%-14s %-10s %10s %8s %12s %8s %10s %10s\n' model kernels median_us "x ref" \
	instructions "x ref" MACs arena_B
for model in "$shared"/conformance/*.tflite; do
	name=$(basename "$model" .tflite)
	input=$shared/conformance/$name.input.bin
	ref_us=; ref_ir=
	for k in $kernels; do
		line=$("$ctl" model bench "$model" --iterations "$iterations" --kernels "$k" \
			--input "$input" | awk '
			/^median us:/ { us = $3 }
			/^macs:/ { macs = $2 }
			/^arena bytes:/ { arena = $3 }
			END { print us, macs, arena }')
		set -- $line
		ir=$(instructions "$model" "$k" "$input")
		[ -n "$ref_us" ] || { ref_us=$1; ref_ir=$ir; }
		awk -v n="$name" -v k="$k" -v us="$1" -v macs="$2" -v arena="$3" -v ir="$ir" \
			-v rus="$ref_us" -v rir="$ref_ir" 'BEGIN {
			printf "%-14s %-10s %10.1f %8.1f %12s %8s %10s %10s\n", n, k, us,
				(us > 0 ? rus / us : 0), ir,
				(ir > 0 ? sprintf("%.1f", rir / ir) : "-"), macs, arena }'
	done
done

echo
echo "== front-ends"
"$build/bench_frontend" models/recordings/demo_yes_no.wav

echo
echo "== tinysensed replay (keyword pipeline, Pace=fast, 10 min of audio)"
case $build in /*) ;; *) build=$PWD/$build ;; esac
dir=$build/bench-daemon
mkdir -p "$dir/pipelines.d"
long=$dir/long.wav
if [ ! -f "$long" ]; then
	# 60 copies of the 10.46 s demo recording.
	set -- models/recordings/demo_yes_no.wav
	i=1; while [ $i -lt 60 ]; do set -- "$@" models/recordings/demo_yes_no.wav; i=$((i + 1)); done
	sox "$@" "$long"
fi
printf '[Daemon]\nBus=none\nSocketPath=\n' > "$dir/tinysense.conf"
cat > "$dir/pipelines.d/kws.conf" <<CONF
[Pipeline]
Name=kws
[Source]
Plugin=replay
Path=$long
Pace=fast
[Frontend]
Type=audio
Preset=micro_speech
[Model]
Path=$shared/conformance/micro-speech.tflite
Labels=silence,unknown,yes,no
# A model run every 5 feature frames: every 100 ms.
Stride=5
[Detect]
Threshold=0.8
Refractory=1500ms
Ignore=silence,unknown
CONF
seconds=$(soxi -D "$long")
/usr/bin/time -f '%e %M' -o "$dir/time" "$build/tinysensed" --config "$dir" \
	--exit-when-done --log-level warning
read -r wall rss_kb < "$dir/time"
awk -v s="$seconds" -v w="$wall" -v r="$rss_kb" 'BEGIN {
	printf "%.0f s of audio in %.2f s: %.0fx real time; peak RSS %.1f MB\n", s, w, s / w, r / 1024 }'
