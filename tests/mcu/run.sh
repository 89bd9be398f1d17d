#!/bin/sh
# Runs firmware images under qemu-system-arm and checks their verdicts:
#   run.sh MCU_DIR TIMEOUT "BOARD..." SET:NAME...
# runs MCU_DIR/BOARD/SET/NAME.elf on every board (semihosting console and
# exit status: 0 every byte matched, 2 skipped, anything else failed); an
# image that did not fit the board's flash has NAME.skip instead.  A case's
# digest (of every output byte) must also be the same on every board.
# Exits 1 when any case failed or no case ran.
set -u
dir=$1 timeout=$2 boards=$3
shift 3
pass=0 fail=0 skip=0
digests=$(mktemp)
trap 'rm -f "$digests"' EXIT

for board in $boards; do
	for c in "$@"; do
		set=${c%%:*} name=${c#*:}
		img=$dir/$board/$set/$name
		if [ -f "$img.skip" ]; then
			echo "[$board] $set/$name: SKIP ($(cat "$img.skip"))"
			skip=$((skip + 1))
			continue
		fi
		out=$(timeout -k 5 "$timeout" qemu-system-arm -M "$board" -nographic -monitor none \
			-serial none -semihosting-config enable=on,target=native \
			-kernel "$img.elf" 2>&1)
		rc=$?
		printf '%s\n' "$out" | sed "s|^|[$board] |"
		case $rc in
		0) pass=$((pass + 1))
		   d=$(printf '%s\n' "$out" | sed -n 's/.*digest \([0-9a-f]*\).*/\1/p')
		   [ -z "$d" ] || echo "$set/$name $d $board" >> "$digests" ;;
		2) skip=$((skip + 1)) ;;
		124|137) echo "[$board] $set/$name: FAIL timed out after ${timeout}s"; fail=$((fail + 1)) ;;
		*) echo "[$board] $set/$name: FAIL exit status $rc"; fail=$((fail + 1)) ;;
		esac
	done
done

# One digest per case across boards.
split=$(awk '{ if (($1 in d) && d[$1] != $2) print $1 ": digest " $2 " on " $3 " but " d[$1] " on " b[$1]; \
	if (!($1 in d)) { d[$1] = $2; b[$1] = $3 } }' "$digests")
if [ -n "$split" ]; then
	printf 'FAIL digests differ between boards:\n%s\n' "$split"
	fail=$((fail + 1))
fi
if [ $fail -ne 0 ] || [ $pass -eq 0 ]; then
	echo "FAIL: $pass passed, $skip skipped, $fail failed on $boards"
	exit 1
fi
echo "PASS: $pass passed, $skip skipped (too big for the board) on $boards"
