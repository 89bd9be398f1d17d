#!/bin/sh
# The gpio plugin end to end: the real daemon loads build/plugins/gpio.so,
# which drives the real libgpiod 1.6 against a fake GPIO chip.  This
# machine has no GPIO hardware and no gpio-sim; umockdev's ioctl emulation
# cannot hand a line-event fd to another process.  So the daemon runs with
# plugins/gpio/test_fake_gpiochip.c preloaded (built here): it plays the
# kernel's v1 uAPI (chip info, line info, line requests, event fds carrying
# struct gpioevent_data, values) at the libc calls libgpiod makes, and this
# test drives its wires through a FIFO.  Checked:
#   - the real tools see the fake chip (gpiodetect, gpioinfo: the same
#     libgpiod the plugin uses)
#   - a PIR on GPIO17 counted per 250 ms window (Mode=count) through a
#     stats front-end into hello-world (sin x): quiet -> no detection, the
#     PIR firing -> a Detection signal and LastLabel on a private D-Bus
#   - a door contact (Mode=edges, ActiveLow, pull-up): one frame per edge
#   - the chip removed: Sensor State failed with LastError, pipelines
#     degraded; back: running again (retry), and detections resume
#   - --check-config: no such chip / line named with what exists; and,
#     without the fake, real libgpiod finding no chip on this machine
# Needs TS_CTL and TS_SHARED (TS_DAEMON: the daemon, else next to TS_CTL),
# plugins/gpio.so next to the daemon, cc, dbus-daemon, busctl, gpiodetect.
# (The fake chip is a kernel inside one process: the gpio sources run in
# the daemon's, Isolate=no, not in a child of their own.)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
lib_need cc dbus-daemon busctl gpiodetect gpioinfo
[ -f "$plugins/gpio.so" ] || { echo "FAIL no gpio plugin at $plugins/gpio.so (make)"; exit 1; }
src=$(cd "$(dirname "$0")/../.." && pwd)/plugins/gpio
model=$shared/conformance/hello-world.tflite
# the fake chip's library comes before the ASan runtime in sanitized builds
export ASAN_OPTIONS="verify_asan_link_order=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"

# ---- the fake chip -----------------------------------------------------------------
fake=$tmp/fake_gpiochip.so
if ! cc -std=c11 -O2 -Wall -Wextra -Werror -shared -fPIC -o "$fake" \
	"$src/test_fake_gpiochip.c" -ldl -lpthread 2> "$tmp/cc.err"; then
	echo "FAIL building the fake chip: $(cat "$tmp/cc.err")"
	exit 1
fi
wires=$tmp/wires
mkfifo "$wires"
# with_chip CMD...: CMD with the fake chip (the variables only reach CMD)
with_chip() { LD_PRELOAD=$fake TS_FAKE_GPIO_CTL='' "$@"; }
# wire COMMAND: to the fake chip inside the running daemon
wire() { printf '%s\n' "$*" > "$wires"; }

check "gpiodetect (real libgpiod) sees the fake chip" \
	test "$(with_chip gpiodetect)" = "gpiochip0 [fake-gpio] (32 lines)"
check "gpioinfo lists its named lines" sh -c \
	"LD_PRELOAD='$fake' gpioinfo gpiochip0 | grep -q 'line  17:[[:space:]]*\"GPIO17\"[[:space:]]*unused[[:space:]]*input'"

# ---- configuration ------------------------------------------------------------------
lib_config SocketPath= LogLevel=info
# A PIR on GPIO17: pulses counted per 250 ms window; the stats front-end
# averages two windows (x = mean * 0.6) into hello-world (sin x), and
# Threshold=0.9 passes x in 1.12..2.02: a burst of 5 pulses (20 ms each)
# falls in at most two windows, whose mean 2.5 gives x = 1.5 (sin 0.997);
# quiet windows give x = 0.
cat > "$conf/pipelines.d/pir.conf" <<EOF
[Pipeline]
Name=pir
[Source]
Plugin=gpio
Chip=gpiochip0
Lines=GPIO17
Mode=count
Window=250ms
Debounce=5ms
Isolate=no
[Frontend]
Type=stats
Window=2
Hop=1
Stats=mean
Gain=0.6
[Model]
Path=$model
Labels=motion
[Detect]
Threshold=0.9
EOF
# A door contact on GPIO22 to ground with the pull-up: every edge a frame.
cat > "$conf/pipelines.d/door.conf" <<EOF
[Pipeline]
Name=door
[Source]
Plugin=gpio
Lines=GPIO22
Mode=edges
ActiveLow=yes
Bias=pull-up
Debounce=20ms
Isolate=no
[Frontend]
Type=stats
Window=2
Hop=1
Stats=mean
[Model]
Path=$model
Labels=open
[Detect]
Threshold=0.9
EOF

# ---- --check-config: what is wrong, and what exists --------------------------------------
check_refused() { # name pattern [with_chip]
	name=$1 pattern=$2
	shift 2
	if "$@" "$daemon" --config "$conf" --check-config > /dev/null 2> "$tmp/err"; then
		fail "$name" "accepted"
	elif grep -qF "$pattern" "$tmp/err"; then
		ok "$name"
	else
		fail "$name" "$(cat "$tmp/err")"
	fi
}
if with_chip "$daemon" --config "$conf" --check-config > "$tmp/out" 2>&1; then
	ok "--check-config accepts both pipelines on the fake chip"
else
	fail "--check-config with the fake chip" "$(cat "$tmp/out")"
fi
cp "$conf/pipelines.d/pir.conf" "$tmp/pir.conf"
sed 's/^Chip=gpiochip0/Chip=gpiochip7/' "$tmp/pir.conf" > "$conf/pipelines.d/pir.conf"
check_refused "no such chip: named, with the chips there are" \
	'pir.conf:5: [Source] Chip=gpiochip7: no GPIO chip "gpiochip7" (gpiochip0 [fake-gpio] (32 lines))' \
	with_chip
sed 's/^Lines=GPIO17/Lines=GPIO17,PIR/' "$tmp/pir.conf" > "$conf/pipelines.d/pir.conf"
check_refused "no such line: named, with the line names there are" \
	'pir.conf:6: [Source] Lines=GPIO17,PIR: no line named "PIR" on gpiochip0 [fake-gpio] (GPIO0, GPIO1, GPIO2,' \
	with_chip
sed 's/^Lines=GPIO17/Lines=40/' "$tmp/pir.conf" > "$conf/pipelines.d/pir.conf"
check_refused "an offset past the chip's lines" \
	'Lines=40: line 40 out of range: gpiochip0 [fake-gpio] has lines 0..31' with_chip
sed 's/^Window=250ms/Window=soon/' "$tmp/pir.conf" > "$conf/pipelines.d/pir.conf"
check_refused "a bad Window=" 'pir.conf:8: [Source] Window=soon: expected a duration' with_chip
cp "$tmp/pir.conf" "$conf/pipelines.d/pir.conf"
# No fake: the real libgpiod on a machine without GPIO chips.
check_refused "without GPIO hardware: the line is named, no chip found" \
	'door.conf:5: [Source] Lines=GPIO22: no line named "GPIO22" on any GPIO chip (no GPIO chips in /dev)' env
mv "$conf/pipelines.d/door.conf" "$tmp/door.conf"
check_refused "without GPIO hardware: the chip is named, none found" \
	'pir.conf:5: [Source] Chip=gpiochip0: no GPIO chip "gpiochip0" (no GPIO chips in /dev)' env
mv "$tmp/door.conf" "$conf/pipelines.d/door.conf"

# ---- a private bus and the daemon ---------------------------------------------------------
lib_start_bus
P=/org/tinysense1/pipeline/pir
S=/org/tinysense1/sensor/pir
lib_monitor

# The preload reaches the daemon only (exec in a subshell: no other
# process loads the fake chip and its FIFO reader).
(
	export LD_PRELOAD="$fake" TS_FAKE_GPIO_CTL="$wires"
	exec "$daemon" --config "$conf" --bus-address "$addr"
) >> "$tmp/daemon.log" 2>&1 &
daemon_pid=$!

if ! wait_for 100 prop_is sensor pir State 's "running"'; then
	echo "FAIL the gpio pipeline did not run; daemon log:"
	sed 's/^/    /' "$tmp/daemon.log"
	exit 1
fi
ok "the pir sensor runs"
check "Sensor Plugin gpio" prop_is sensor pir Plugin 's "gpio"'
check "count mode: 4 frames per second (Window=250ms)" prop_is sensor pir Rate 'u 4'
check "one channel" prop_is sensor pir Channels 'u 1'
check "edges mode: Rate 10 (nominal)" prop_is sensor door Rate 'u 10'

samples() { prop_num sensor "$1" Samples; }
detections() { prop_num pipeline pir Detections; }
sleep 1.2
n=$(samples pir)
check "windows arrive while quiet ($n after 1.2 s)" test "${n:-0}" -ge 3
check "quiet: no detection" test "$(detections)" = 0

# ---- the PIR fires ----------------------------------------------------------------------
wire pulse 17 5 20 20
detection='"path":"/org/tinysense1/pipeline/pir".*"member":"Detection".*"data":\["motion",'
if wait_for 30 grep -Eq "$detection" "$tmp/monitor"; then
	ok "PIR pulses: Detection signal with label motion"
	check "LastLabel motion" prop_is pipeline pir LastLabel 's "motion"'
	check "LastScore above 0.9" sh -c "busctl --address='$addr' get-property org.tinysense1 \
		$P org.tinysense1.Pipeline LastScore | grep -Eq '^d (0\.9|1$)'"
	check "LastTimestamp is now (realtime usec)" sh -c "t=\$(busctl --address='$addr' \
		get-property org.tinysense1 $P org.tinysense1.Pipeline LastTimestamp | cut -d' ' -f2); \
		now=\$(date +%s); [ \$((t / 1000000)) -ge \$((now - 10)) ] && \
		[ \$((t / 1000000)) -le \$((now + 1)) ]"
else
	fail "PIR pulses: Detection signal" "$(tail -5 "$tmp/daemon.log")"
fi
sleep 1
before=$(detections)
sleep 1
check "quiet again: no further detections" test "$(detections)" = "$before"

# ---- the door contact: a frame per edge -----------------------------------------------------
# The contact closes to ground, the pull-up lifts the wire when it opens;
# ActiveLow: closed reads 1.  The fake's wires start low: closed.
n0=$(samples door)
wire set 22 1 # opens
sleep 0.3
wire set 22 0 # closes
sleep 0.3
wire set 22 1 # opens
check "door: one frame per edge" wait_for 20 test "$(samples door)" = $((n0 + 3))
sleep 0.5
check "door: and no other frames" test "$(samples door)" = $((n0 + 3))

# ---- the chip goes away and comes back --------------------------------------------------------
wire unplug
if wait_for 30 prop_is sensor pir State 's "failed"'; then
	ok "unplugged: Sensor State failed"
	check "LastError says what failed" sh -c "busctl --address='$addr' get-property \
		org.tinysense1 $S org.tinysense1.Sensor LastError | grep -q 'gpiochip0'"
	check "the pipeline is degraded" prop_is pipeline pir State 's "degraded"'
	check "the door sensor failed too" wait_for 30 prop_is sensor door State 's "failed"'
	check "retrying: LastError says the chip is missing" wait_for 30 sh -c "busctl \
		--address='$addr' get-property org.tinysense1 $S org.tinysense1.Sensor LastError | \
		grep -q 'no GPIO chip'"
else
	fail "unplugged: Sensor State failed" "$(prop sensor pir State)"
fi
wire replug
# retries come 1, 2, 4 ... s apart
check "replugged: running again" wait_for 80 prop_is sensor pir State 's "running"'
check "LastError cleared" prop_is sensor pir LastError 's ""'
check "the pipeline runs again" prop_is pipeline pir State 's "running"'
check "the door sensor runs again" wait_for 80 prop_is sensor door State 's "running"'
before=$(detections)
wire pulse 17 5 20 20
check "detections resume" wait_for 30 sh -c "[ \"\$(busctl --address='$addr' get-property \
	org.tinysense1 $P org.tinysense1.Pipeline Detections | cut -d' ' -f2)\" -gt $before ]"

# ---- shutdown ------------------------------------------------------------------------------
kill "$daemon_pid"
wait "$daemon_pid"
rc=$?
daemon_pid=
check "SIGTERM: exit 0" test "$rc" -eq 0
if grep -q "ERROR: AddressSanitizer\|runtime error:" "$tmp/daemon.log"; then
	fail "sanitizers" "$(grep -m3 "AddressSanitizer\|runtime error" "$tmp/daemon.log")"
fi

lib_summary
