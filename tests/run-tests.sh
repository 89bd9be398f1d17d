#!/bin/bash
# run-tests.sh: runs tests in parallel, each under a timeout, each one's
# output in its own log; never stops at a failure.  At the end: the tail of
# each failed test's log, the names of the failed tests, and alone on the
# last line "N passed, N failed".  Exit status 1 when any test failed or
# timed out (a timeout is a failure and says so), 2 on a usage error.
#
# usage: run-tests.sh [-j JOBS] [-t SECONDS] [-T NAME=SECONDS]... [-l LOGDIR]
#                     [-f ERE] TEST...
#   -j JOBS           tests at a time (default: the number of cores)
#   -t SECONDS        each test's timeout (default 300)
#   -T NAME=SECONDS   another timeout for test NAME (repeatable)
#   -l LOGDIR         NAME.log per test (default build/test-logs)
#   -f ERE            run only the tests whose NAME matches
# A TEST is an executable: a test binary or a script.  Its NAME is its path
# after the last "tests/" (build/tests/test_quant: test_quant,
# build/tests/daemon/test_spsc_ring: daemon/test_spsc_ring,
# tests/integration/test_dbus.sh: integration/test_dbus.sh).
# The tests that took longest last time (LOGDIR/times) start first.  When
# TEST_SUMMARY names a file, the totals and failed names go there too
# ("passed N", "failed N", then "FAILED NAME" lines): tests/check.sh reads it.
set -u

jobs=$(nproc 2> /dev/null || echo 2)
timeout=300
logdir=build/test-logs
filter=
declare -A timeouts=()

usage() { sed -n '8,15s/^# \{0,1\}//p' "$0" >&2; exit 2; }

# ---- one test (xargs runs this) ------------------------------------------------
# run-tests.sh --one LOGDIR SECONDS NAME TEST: log, then NAME.status:
# "STATUS SECONDS" (STATUS: the exit status, or "timeout")
if [ "${1:-}" = --one ]; then
	logdir=$2 secs=$3 name=$4 test=$5
	log=$logdir/$name.log
	mkdir -p "$(dirname "$log")"
	start=$(date +%s%N)
	# timeout puts the test in its own process group and signals the whole
	# group (TERM, then KILL 10 s later): daemons a test started in the
	# background go with it.  Being in its own group, it does not see the
	# terminal's ^C: pass INT/TERM/HUP on.
	timeout -k 10 "$secs" "$test" < /dev/null > "$log" 2>&1 &
	tpid=$! stopped=
	trap 'stopped=1; kill -TERM "$tpid" 2> /dev/null' INT TERM HUP
	while :; do
		wait "$tpid"
		rc=$?
		kill -0 "$tpid" 2> /dev/null || break
	done
	ms=$((($(date +%s%N) - start) / 1000000))
	took=$((ms / 1000)).$((ms % 1000 / 100))
	if [ -n "$stopped" ]; then
		echo "STOPPED $name (interrupted)"
		rc=stopped
	elif [ "$rc" = 0 ]; then
		echo "ok      $name (${took} s)"
	elif { [ "$rc" = 124 ] || [ "$rc" = 137 ]; } && [ $((ms / 1000)) -ge "$secs" ]; then
		echo "TIMEOUT $name (killed after $secs s)"
		echo "run-tests.sh: TIMEOUT: killed after $secs s" >> "$log"
		rc=timeout
	else
		echo "FAIL    $name (exit status $rc, ${took} s)"
	fi
	echo "$rc $took" > "$logdir/$name.status"
	exit 0
fi

# ---- options ---------------------------------------------------------------------
while getopts j:t:T:l:f: opt; do
	case $opt in
	j) jobs=$OPTARG ;;
	t) timeout=$OPTARG ;;
	T) timeouts[${OPTARG%%=*}]=${OPTARG#*=} ;;
	l) logdir=$OPTARG ;;
	f) filter=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || usage
case $jobs in '' | *[!0-9]* | 0) echo "run-tests.sh: -j wants a positive number" >&2; exit 2 ;; esac

name_of() { case $1 in *tests/*) echo "${1##*tests/}" ;; *) basename "$1" ;; esac; }

mkdir -p "$logdir"
logdir=$(cd "$logdir" && pwd)
# the last run's durations ("NAME SECONDS" lines), longest first
declare -A took=()
if [ -f "$logdir/times" ]; then
	while read -r n s; do took[$n]=$s; done < "$logdir/times"
fi

list=$(mktemp)
trap 'rm -f "$list"' EXIT
# Every test must be runnable: a test that cannot run is no pass (checked
# here, outside the pipeline below, whose subshell an exit would not end).
for t in "$@"; do
	[ -x "$t" ] || { echo "run-tests.sh: $t is not an executable" >&2; exit 2; }
done
for t in "$@"; do
	n=$(name_of "$t")
	[ -z "$filter" ] || echo "$n" | grep -Eq -- "$filter" || continue
	rm -f "$logdir/$n.status" "$logdir/$n.log"
	# unknown durations first: a new test may be a long one
	printf '%s\t%s\t%s\t%s\n' "${took[$n]:-999999}" "${timeouts[$n]:-$timeout}" "$n" "$t"
done | sort -t "$(printf '\t')" -k1,1gr > "$list"
[ -s "$list" ] || { echo "run-tests.sh: no test matches" >&2; echo "0 passed, 0 failed"; exit 1; }

count=$(wc -l < "$list")
echo "run-tests.sh: $count tests, $jobs at a time, logs in $logdir"
start=$(date +%s)
cut -f2- "$list" | tr '\t' '\n' |
	xargs -d '\n' -n 3 -P "$jobs" "$0" --one "$logdir"

# ---- summary -----------------------------------------------------------------------
passed=0 failed=0 failures=()
: > "$logdir/times.new"
while IFS="$(printf '\t')" read -r _ _ n _; do
	if [ -f "$logdir/$n.status" ]; then
		read -r rc secs < "$logdir/$n.status"
		echo "$n $secs" >> "$logdir/times.new"
	else
		rc=lost # the runner itself was killed under it
	fi
	if [ "$rc" = 0 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		case $rc in
		timeout) why="TIMEOUT: killed after ${timeouts[$n]:-$timeout} s" ;;
		stopped) why="interrupted" ;;
		lost) why="did not finish" ;;
		*) why="exit status $rc" ;;
		esac
		failures+=("$n")
		echo
		echo "---- $n: $why; the end of $logdir/$n.log:"
		tail -n 40 "$logdir/$n.log" 2> /dev/null | sed 's/^/    /'
	fi
done < "$list"
# keep the durations of the tests that did not run this time
if [ -f "$logdir/times" ]; then
	awk 'NR == FNR { seen[$1] = 1; next } !($1 in seen)' "$logdir/times.new" "$logdir/times" \
		> "$logdir/times.old"
	cat "$logdir/times.old" >> "$logdir/times.new"
	rm -f "$logdir/times.old"
fi
mv "$logdir/times.new" "$logdir/times"

echo
echo "run-tests.sh: $count tests in $(($(date +%s) - start)) s, $jobs at a time"
[ $failed -eq 0 ] || echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed"
if [ -n "${TEST_SUMMARY:-}" ]; then
	{
		echo "passed $passed"
		echo "failed $failed"
		for n in "${failures[@]}"; do echo "FAILED $n"; done
	} > "$TEST_SUMMARY"
fi
[ $failed -eq 0 ]
