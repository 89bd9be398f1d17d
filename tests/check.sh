#!/bin/sh
# check.sh MAKE STAGE...: `make check`'s stages, one after the other, every
# one of them whatever the ones before gave.  A STAGE is a make target with
# its variables ("valgrind VALGRIND_SECONDS=3").  The stages test and
# test-asan count their tests one by one (tests/run-tests.sh's summary),
# every other stage counts as one.  At the end: the failed ones by name,
# then alone on the last line "N passed, N failed"; exit status 1 when
# anything failed.
set -u
[ $# -ge 2 ] || { echo "usage: $0 MAKE STAGE..." >&2; exit 2; }
make=$1
shift

# make -n check (MAKEFLAGS starts with the one-letter flags, n among them):
# show what each stage would do, count nothing
flags=${MAKEFLAGS:-}
case ${flags%% *} in
-* | *=*) ;;
*n*)
	for stage in "$@"; do
		# shellcheck disable=SC2086 # a target and its variables
		$make $stage
	done
	exit 0 ;;
esac

summary=$(mktemp)
trap 'rm -f "$summary"' EXIT
passed=0 failed=0 failures=''
start=$(date +%s)
for stage in "$@"; do
	echo "==== make $stage"
	: > "$summary"
	t0=$(date +%s)
	# shellcheck disable=SC2086 # a target and its variables
	TEST_SUMMARY=$summary $make $stage
	rc=$?
	took=$(($(date +%s) - t0))
	target=${stage%% *}
	if [ -s "$summary" ]; then
		# the tests of test / test-asan one by one
		p=$(sed -n 's/^passed //p' "$summary")
		f=$(sed -n 's/^failed //p' "$summary")
		passed=$((passed + p))
		failed=$((failed + f))
		# shellcheck disable=SC2013 # names have no spaces
		for n in $(sed -n 's/^FAILED //p' "$summary"); do failures="$failures $target:$n"; done
		echo "==== make $stage: $p passed, $f failed ($took s)"
	elif [ $rc -eq 0 ]; then
		passed=$((passed + 1))
		echo "==== make $stage: passed ($took s)"
	else
		failed=$((failed + 1))
		failures="$failures $target"
		echo "==== make $stage: FAILED, exit status $rc ($took s)"
	fi
done
echo
echo "check: $# stages in $(($(date +%s) - start)) s"
[ $failed -eq 0 ] || echo "failed:$failures"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
