#!/bin/sh
# Checks man pages: groff must format each with no warning at all (-wall) and
# man(1) must render it with no warning (--warnings).  usage: check-man.sh PAGE...
set -eu
[ "$#" -gt 0 ] || { echo "check-man: no man pages given"; exit 1; }
status=0
for page in "$@"; do
	out=$(groff -man -z -wall -Tutf8 "$page" 2>&1) || status=1
	out2=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null) || status=1
	if [ -n "$out$out2" ]; then
		echo "$page:"; echo "$out"; echo "$out2"
		status=1
	fi
	# Every page names itself in NAME and has the sections a reader looks for.
	name=$(basename "$page"); name=${name%.*}
	for sec in NAME SYNOPSIS DESCRIPTION "SEE ALSO"; do
		grep -q "^\.SH \"\?$sec\"\?\$" "$page" || { echo "$page: no $sec section"; status=1; }
	done
	grep -q "^$name \\\\-" "$page" || { echo "$page: NAME does not start with '$name \\-'"; status=1; }
done
[ "$status" -eq 0 ] && echo "check-man: $# pages clean (groff -wall, man --warnings)"
exit "$status"
