#!/bin/sh
# Faults: ALSA overruns, then the microphone unplugged (-ENODEV) and back.
# The real alsa plugin captures from a virtual microphone (alsa-lib's
# `file` PCM reading /dev/zero); the errors a kernel driver would give are
# injected at the alsa-lib boundary by tests/fault/alsa_faults.c (LD_PRELOAD,
# switched by files).  Each time: the state on D-Bus (Sensor State and
# LastError, Pipeline State) and the socket (STATE events, STATUS), the
# other pipeline detecting on, and recovery when the fault ends.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
lib_need dbus-daemon busctl python3 cc
[ -f "$plugins/alsa.so" ] || { echo "FAIL no alsa plugin at $plugins/alsa.so (make)"; exit 1; }
# the preload comes before the ASan runtime in sanitized builds
export ASAN_OPTIONS="verify_asan_link_order=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"

shim=$tmp/alsa_faults.so
if ! cc -std=c11 -O2 -Wall -Wextra -Werror -shared -fPIC -o "$shim" \
	"$(dirname "$0")/../fault/alsa_faults.c" -ldl 2> "$tmp/cc.err"; then
	echo "FAIL building the fault library: $(cat "$tmp/cc.err")"
	exit 1
fi
faults=$tmp/faults
mkdir "$faults"
cat > "$tmp/asoundrc" << END
pcm.testmic {
	type file
	slave.pcm "null"
	file "/dev/null"
	infile "/dev/zero"
	format "raw"
}
END

lib_start_bus
lib_config
lib_kws steady > "$conf/pipelines.d/steady.conf"
cat > "$conf/pipelines.d/mic.conf" << END
[Pipeline]
Name=mic
[Source]
Plugin=alsa
Device=testmic
Rate=16000
Channels=1
Format=S16_LE
PeriodMs=20
BufferPeriods=4
[Frontend]
Type=audio
Preset=micro_speech
[Model]
Path=$model
Labels=silence,unknown,yes,no
[Detect]
Threshold=0.8
Ignore=silence,unknown
END
lib_start_daemon env LD_PRELOAD="$shim" TS_ALSA_FAULTS="$faults" \
	ALSA_CONFIG_PATH="/usr/share/alsa/alsa.conf:$tmp/asoundrc"
lib_watch
samples() { prop_num sensor mic Samples; }
grows() { # within $1 tenths
	a=$(samples)
	for _ in $(seq "$1"); do
		sleep 0.1
		b=$(samples)
		[ -n "$a" ] && [ -n "$b" ] && [ "$b" -gt "$a" ] && return 0
	done
	return 1
}
check "mic runs" wait_prop 30 sensor mic State 's "running"'
check "mic delivers" grows 20
lasterror() { prop sensor mic LastError; }
lasterror_like() { lasterror | grep -Eq "$1"; }
status_error_like() { status_of mic | grep -Eq "\"error\": \"$1"; }

# ---- overruns -----------------------------------------------------------------------
: > "$tmp/watch.log"
xrun_ns=$(date +%s%N)
touch "$faults/xrun"
check "overruns: Sensor State degraded" wait_prop 30 sensor mic State 's "degraded"'
check "overruns: LastError counts them" wait_for 30 lasterror_like '^s "[0-9]+ overruns?'
check "overruns: Pipeline degraded (D-Bus)" prop_is pipeline mic State 's "degraded"'
check "overruns: socket STATUS degraded with the count" wait_for 30 status_error_like '[0-9]+ overrun'
check "overruns: socket STATE event" wait_watched 30 STATE mic '"state":"degraded","error":"[0-9]+ overrun'
check "overruns: the count goes on" sh -c "a=\$(busctl --address='$addr' get-property \
	org.tinysense1 $SENSOR/mic org.tinysense1.Sensor LastError); sleep 1.5; [ \"\$a\" != \
	\"\$(busctl --address='$addr' get-property org.tinysense1 $SENSOR/mic org.tinysense1.Sensor \
	LastError)\" ]"
check "overruns: steady detects on" serving steady 60
# A device failing every read is read once a period (20 ms), not in a spin
# that starves the loop: at most 2 overruns a period (+10) since the fault.
spin_free() {
	n=$(lasterror | sed -n 's/^s "\([0-9]*\) overruns.*/\1/p')
	periods=$(( ($(date +%s%N) - xrun_ns) / 20000000 ))
	[ -n "$n" ] && [ "$n" -le $((2 * periods + 10)) ]
}
check "overruns: one per period, no spin" spin_free
rm "$faults/xrun"
check "overruns end: samples flow at once" grows 20
check "overruns end: running after 10 s without one" wait_prop 150 sensor mic State 's "running"'
check "overruns end: Pipeline running (D-Bus)" prop_is pipeline mic State 's "running"'
check "overruns end: socket STATUS running" socket_state_is mic running

# ---- unplugged ------------------------------------------------------------------------
: > "$tmp/watch.log"
touch "$faults/unplugged"
check "unplugged: Sensor State failed" wait_prop 30 sensor mic State 's "failed"'
check "unplugged: LastError says No such device" lasterror_like 'testmic.*No such device'
check "unplugged: Pipeline degraded (D-Bus)" prop_is pipeline mic State 's "degraded"'
check "unplugged: socket STATUS degraded with the error" wait_for 30 status_error_like \
	'[^"]*No such device'
check "unplugged: socket STATE event" wait_watched 30 STATE mic \
	'"state":"degraded","error":"[^"]*No such device'
check "unplugged: reopening fails while it is away" wait_for 40 sh -c \
	"grep -q 'reopening in' '$tmp/daemon.log'"
check "unplugged: no samples" sh -c "a=\$(busctl --address='$addr' get-property org.tinysense1 \
	$SENSOR/mic org.tinysense1.Sensor Samples); sleep 0.5; [ \"\$a\" = \"\$(busctl \
	--address='$addr' get-property org.tinysense1 $SENSOR/mic org.tinysense1.Sensor Samples)\" ]"
check "unplugged: steady detects on" serving steady 60
: > "$tmp/watch.log"
rm "$faults/unplugged"
check "plugged in: Sensor State running" wait_prop 80 sensor mic State 's "running"'
check "plugged in: LastError cleared" prop_is sensor mic LastError 's ""'
check "plugged in: Pipeline running (D-Bus)" prop_is pipeline mic State 's "running"'
check "plugged in: socket STATE event running" wait_watched 30 STATE mic '"state":"running"'
check "plugged in: samples flow" grows 20
check "plugged in: steady detects on" serving steady 60
lib_finish
