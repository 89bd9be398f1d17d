#!/bin/sh
# make bench-arm: guest instructions per inference of every conformance model
# on aarch64 (ref, neon, dotprod; qemu-aarch64 -cpu cortex-a76, which has
# all three) and armhf (ref, neon; qemu-arm -cpu cortex-a7), counted by the
# qemu-insncount plugin.  One run does everything but the inferences (RUNS 0),
# another adds $runs inferences; their difference over $runs is the cost of
# one inference.  Instruction counts are not cycles, but they are exact and
# the same on every machine, so they compare kernel sets on CPUs we do not
# have.  Nothing is asserted; the issue's targets are printed for reference.
set -eu
build=$1
shared=$2
runs=${BENCH_ARM_RUNS:-3}
plugin=$build/insncount/libinsncount.so

# insns ARCH QEMU CPU MODEL KERNELS RUNS: guest instructions of one run.
insns() {
	"$2" -cpu "$3" -plugin "$plugin" -d plugin "$build/$1/insncount_main" \
		"$shared/conformance/$4.tflite" "$shared/conformance/$4.input.bin" "$5" "$6" 2>&1 |
		sed -n 's/^insns: //p'
}

per_inference() {
	base=$(insns "$1" "$2" "$3" "$4" "$5" 0)
	total=$(insns "$1" "$2" "$3" "$4" "$5" "$runs")
	[ -n "$base" ] && [ -n "$total" ] || { echo "no count for $4 [$5] on $1" >&2; exit 1; }
	echo $(( (total - base) / runs ))
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", a / b }'
}

# table ARCH QEMU CPU KERNELS...
table() {
	arch=$1 qemu=$2 cpu=$3
	shift 3
	echo "== $arch: guest instructions per inference (qemu -cpu $cpu, mean of $runs)"
	printf '%-16s' model
	for k in "$@"; do printf ' %12s' "$k"; done
	for k in "$@"; do [ "$k" = ref ] || printf ' %11s' "ref/$k"; done
	echo
	for model in "$shared"/conformance/*.tflite; do
		name=$(basename "$model" .tflite)
		ratios= ref=
		printf '%-16s' "$name"
		for k in "$@"; do
			n=$(per_inference "$arch" "$qemu" "$cpu" "$name" "$k")
			printf ' %12s' "$n"
			if [ "$k" = ref ]; then ref=$n; else ratios="$ratios $(ratio "$ref" "$n")"; fi
		done
		for r in $ratios; do printf ' %11s' "$r"; done
		echo
	done
	echo
}

table aarch64 qemu-aarch64 cortex-a76 ref neon dotprod
table armhf qemu-arm cortex-a7 ref neon
echo "issue targets: neon <= 1/6 of ref (6x) and dotprod <= 1/10 (10x) on mlperf-kws and mlperf-ic"
