#!/bin/sh
# A plugin binary built for ABI 1.0 keeps working in today's daemon:
# tests/plugin-abi/abi10_plugin.c, compiled here against the frozen 1.0
# header (tests/plugin-abi/tinysense-plugin-1.0.h), reads its keys with
# config_get, declares a format and emits blocks whose struct_size is 1.0's
# sizeof(ts_sample_block).  Checked: it loads (--check-config), its bad key
# is reported with file and line through config_error, a key it does not
# read is unknown, and once running its samples are counted (socket
# STATUS) in whole blocks and keep growing, with no block refused.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
lib_need cc python3

abi=$(cd "$(dirname "$0")/../plugin-abi" && pwd)
mkdir -p "$tmp/plugins"
if ! cc -std=c11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -shared -fPIC -fvisibility=hidden \
	-I"$abi" -o "$tmp/plugins/abi10.so" "$abi/abi10_plugin.c" 2> "$tmp/cc.err"; then
	echo "FAIL building the 1.0 plugin: $(cat "$tmp/cc.err")"
	exit 1
fi
lib_config Bus=none "PluginDir=$tmp/plugins" LogLevel=info

# The keyword pipeline of lib.sh with the 1.0 plugin as its source (16 kHz
# mono, 20 ms blocks); only the samples matter here.  EXTRA goes after
# Block= (line 7).
pipeline() { # [EXTRA]
	lib_kws old | sed -e "s/^Plugin=replay\$/Plugin=abi10\nRate=16000\nBlock=320${1:+\\n$1}/" \
		-e '/^Path=.*\.wav$/d' -e '/^Pace=/d' -e '/^Loop=/d'
}
# config_error: the line --check-config prints about old.conf ("accepted" if it passes)
config_error() {
	if "$daemon" --config "$conf" --check-config > /dev/null 2> "$tmp/err"; then
		echo accepted
	else
		grep -o 'old\.conf:.*' "$tmp/err"
	fi
}

pipeline > "$conf/pipelines.d/old.conf"
expect "a 1.0 plugin loads (--check-config)" accepted "$(config_error)"
pipeline | sed 's/^Block=320/Block=lots/' > "$conf/pipelines.d/old.conf"
expect "a 1.0 plugin's config_error names file, line and key" \
	"old.conf:7: [Source] Block=lots: expected 1..1000" "$(config_error)"
pipeline Volume=3 > "$conf/pipelines.d/old.conf"
expect "a key a 1.0 plugin does not read is unknown" "old.conf:8: [Source] Volume=3: unknown key" \
	"$(config_error)"

pipeline > "$conf/pipelines.d/old.conf"
lib_start_daemon
samples() { status_of old | python3 -c 'import json, sys; print(json.load(sys.stdin)["samples"])'; }
grown() { [ "$(samples)" -ge "$1" ]; }
check "the 1.0 plugin's samples are counted" wait_for 50 grown 16000
s1=$(samples)
check "in whole blocks of 320 ($s1)" test $((s1 % 320)) -eq 0
check "and they keep coming" wait_for 30 grown $((s1 + 16000))
check "the pipeline runs" socket_state_is old running
check "no block refused" sh -c "! grep -q 'block refused' '$tmp/daemon.log'"
check "the plugin saw a 1.1 host" grep -q "built for ABI 1.0, on a host of ABI 1.1" "$tmp/daemon.log"
lib_finish
