#!/bin/sh
# Fault: a GPIO sensor's reads fail (EIO from the kernel, as a flaky I2C
# expander gives), then its chip disappears and returns.  The real gpio
# plugin on the real libgpiod runs against the fake chip of
# plugins/gpio/test_fake_gpiochip.c (an LD_PRELOAD kernel stand-in, driven
# through a FIFO).  Each time: Sensor State failed with LastError and the
# pipeline degraded (D-Bus and socket), the other pipeline detects on, and
# when the fault ends the plugin's retry brings samples back.
# (The fake chip is a kernel inside one process: the gpio sources run in
# the daemon's, Isolate=no, not in a child of their own.)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
lib_need dbus-daemon busctl python3 cc
src=$(cd "$(dirname "$0")/../../plugins/gpio" && pwd)
[ -f "$plugins/gpio.so" ] || { echo "FAIL no gpio plugin at $plugins/gpio.so (make)"; exit 1; }
# the fake chip's library comes before the ASan runtime in sanitized builds
export ASAN_OPTIONS="verify_asan_link_order=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"

fake=$tmp/fake_gpiochip.so
if ! cc -std=c11 -O2 -Wall -Wextra -Werror -shared -fPIC -o "$fake" \
	"$src/test_fake_gpiochip.c" -ldl -lpthread 2> "$tmp/cc.err"; then
	echo "FAIL building the fake chip: $(cat "$tmp/cc.err")"
	exit 1
fi
wires=$tmp/wires
mkfifo "$wires"
wire() { printf '%s\n' "$*" > "$wires"; }

lib_start_bus
lib_config
lib_kws steady > "$conf/pipelines.d/steady.conf"
cat > "$conf/pipelines.d/door.conf" << END
[Pipeline]
Name=door
[Source]
Plugin=gpio
Chip=gpiochip0
Lines=GPIO5
Mode=level
Rate=50
Isolate=no
[Frontend]
Type=stats
Window=2
Hop=1
Stats=mean
[Model]
Path=$shared/conformance/hello-world.tflite
Labels=open
[Detect]
Threshold=0.9
END
lib_start_daemon env LD_PRELOAD="$fake" TS_FAKE_GPIO_CTL="$wires"
lib_watch
check "door runs" wait_prop 30 sensor door State 's "running"'
samples() { prop_num sensor door Samples; }
# door delivers: Samples grows within $1 tenths
grows() {
	a=$(samples)
	for _ in $(seq "$1"); do
		sleep 0.1
		b=$(samples)
		[ -n "$a" ] && [ -n "$b" ] && [ "$b" -gt "$a" ] && return 0
	done
	return 1
}
check "door delivers" grows 20

fault() { # NAME ERE-of-LastError
	check "$1: Sensor State failed" wait_prop 30 sensor door State 's "failed"'
	check "$1: LastError says '$2'" sh -c "busctl --address='$addr' get-property org.tinysense1 \
		$SENSOR/door org.tinysense1.Sensor LastError | grep -Eq \"$2\""
	check "$1: pipeline degraded (D-Bus)" prop_is pipeline door State 's "degraded"'
	check "$1: pipeline degraded (socket STATUS)" socket_state_is door degraded
	check "$1: socket STATE event with the error" wait_watched 30 STATE door \
		"\"state\":\"degraded\",\"error\":\"[^\"]*$2"
	check "$1: no samples meanwhile" sh -c "a=\$(busctl --address='$addr' get-property \
		org.tinysense1 $SENSOR/door org.tinysense1.Sensor Samples); sleep 0.5; [ \"\$a\" = \
		\"\$(busctl --address='$addr' get-property org.tinysense1 $SENSOR/door \
		org.tinysense1.Sensor Samples)\" ]"
	check "$1: steady detects on" serving steady 60
}
recovered() { # NAME
	check "$1 ends: Sensor running again" wait_prop 80 sensor door State 's "running"'
	check "$1 ends: LastError cleared" prop_is sensor door LastError 's ""'
	check "$1 ends: pipeline running (D-Bus)" prop_is pipeline door State 's "running"'
	check "$1 ends: socket STATUS running" socket_state_is door running
	check "$1 ends: samples flow" grows 30
}

: > "$tmp/watch.log"
wire ioerror on
fault "read error" "reading gpiochip0 line 5 .*Input/output error"
wire ioerror off
recovered "read error"

: > "$tmp/watch.log"
wire unplug
fault "chip gone" "gpiochip0"
wire replug
recovered "chip gone"
lib_finish
