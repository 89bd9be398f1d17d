#!/bin/sh
# Runs each libFuzzer target for SECONDS on its corpus dir, prints the
# executions and speed, and exits non-zero when any target found a crash,
# leak, timeout or out-of-memory.  Usage:
#   tests/fuzz/run.sh FUZZ_DIR SECONDS NAME...
# Crash reproducers go to FUZZ_DIR/artifacts/NAME-crash-<sha1> (rerun one
# with: FUZZ_DIR/fuzz_NAME FILE); full logs to FUZZ_DIR/NAME.log.
set -u
dir=$1 secs=$2
shift 2
mkdir -p "$dir/artifacts"
fail=0
for name in "$@"; do
	bin=$dir/fuzz_$name
	corpus=$dir/corpus/$name
	log=$dir/$name.log
	dict=""
	case $name in
	model) maxlen=400000 ;;   # the largest conformance model is ~300 KB
	frontends) maxlen=20000 ;;
	socket) maxlen=20000 ;;   # past SOCKET_MAX_LINE (4096)
	config) maxlen=9000 ;;    # lines past INI_LINES_MAX (4096)
	*) maxlen=4096 ;;
	esac
	[ -f "tests/fuzz/fuzz_$name.dict" ] && dict="-dict=tests/fuzz/fuzz_$name.dict"
	echo "== fuzz_$name: ${secs}s on $corpus ($(ls "$corpus" | wc -l) inputs)"
	# shellcheck disable=SC2086
	"$bin" "$corpus" -max_total_time="$secs" -timeout=25 -rss_limit_mb=2048 \
		-max_len=$maxlen -print_final_stats=1 $dict \
		-artifact_prefix="$dir/artifacts/$name-" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	echo "   executions: ${execs:-?}  exec/s: ${speed:-?}  corpus now: $(ls "$corpus" | wc -l)  exit: $rc"
	if [ "$rc" -ne 0 ]; then
		fail=1
		echo "   FAILED: see $log"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|artifact_prefix|Test unit written)' "$log" | head -8 | sed 's/^/   /'
	fi
done
exit $fail
