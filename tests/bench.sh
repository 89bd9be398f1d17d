#!/bin/sh
# make bench: microseconds per inference and arena bytes per conformance model.
# Timings are medians of many runs on this machine; compare runs on one machine only.
set -eu
ctl=$1
dir=$2
iterations=${BENCH_ITERATIONS:-200}
kernels=${BENCH_KERNELS:-ref}
printf '%-16s %8s %12s %12s %14s %10s\n' model kernels "median_us" "MACs" "MACs/s" "arena_B"
for model in "$dir"/*.tflite; do
	name=$(basename "$model" .tflite)
	"$ctl" model bench "$model" --iterations "$iterations" --kernels "$kernels" \
		--input "$dir/$name.input.bin" | awk -v n="$name" '
		/^kernels:/ { k = $2 }
		/^median us:/ { us = $3 }
		/^macs:/ { macs = $2 }
		/^macs per second:/ { mps = $4 }
		/^arena bytes:/ { arena = $3 }
		END { printf "%-16s %8s %12s %12s %14s %10s\n", n, k, us, macs, mps, arena }'
done
