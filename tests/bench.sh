#!/bin/sh
# make bench: speed and memory, measured here (not asserted by tests).
#  1. every conformance model: median microseconds per inference, MACs/s, arena
#  2. the audio front-end: microseconds per second of audio
#  3. tinysensed: replay throughput of the keyword pipeline in multiples of
#     real time, and its peak RSS
# Timings are for this machine only; compare runs on one machine.
set -eu
build=$1
shared=$2
ctl=$build/tinysensectl
iterations=${BENCH_ITERATIONS:-200}
kernels=${BENCH_KERNELS:-ref}

echo "== inference (kernels: $kernels, median of $iterations)"
printf '%-16s %8s %12s %12s %14s %10s\n' model kernels "median_us" "MACs" "MACs/s" "arena_B"
for model in "$shared"/conformance/*.tflite; do
	name=$(basename "$model" .tflite)
	"$ctl" model bench "$model" --iterations "$iterations" --kernels "$kernels" \
		--input "$shared/conformance/$name.input.bin" | awk -v n="$name" '
		/^kernels:/ { k = $2 }
		/^median us:/ { us = $3 }
		/^macs:/ { macs = $2 }
		/^macs per second:/ { mps = $4 }
		/^arena bytes:/ { arena = $3 }
		END { printf "%-16s %8s %12s %12s %14s %10s\n", n, k, us, macs, mps, arena }'
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
