#!/bin/sh
# The iio plugin end to end on emulated IIO devices.  umockdev provides the
# sysfs tree and the /dev/iio:deviceN nodes (device descriptions written
# below), the real libiio reads them (local backend, and the network backend
# through a real iiod), and the real daemon runs pipelines on them, watched
# on a private D-Bus with busctl:
#   A. local:   polling raw attributes that the test changes (temp);
#               buffered capture from a scripted node, replayed at 100 Hz
#               through a watched poll fd (adc: u12 and big-endian s24>>8
#               channels, a trigger and a watermark); buffered capture from
#               a file-backed node whose samples carry kernel timestamps
#               (accel): detections at the data's times, then -EIO when the
#               data ends and a vanished device -> Sensor State failed with
#               LastError while the others run on, and recovery
#   B. network: Context=ip:127.0.0.1:PORT through iiod (under umockdev):
#               polling and buffered capture (in the plugin's capture
#               thread), iiod killed -> failed, iiod back -> running
#   C. config:  bad values are refused with what exists
# Needs TS_CTL and TS_SHARED (TS_DAEMON: the daemon, else next to TS_CTL),
# the iio plugin in PluginDir (next to the daemon: plugins/iio.so),
# umockdev-run, iiod, iio_attr, dbus-daemon and busctl.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
lib_need umockdev-run iiod iio_attr dbus-daemon busctl awk
[ -f "$plugins/iio.so" ] || { echo "FAIL no iio plugin at $plugins/iio.so (make)"; exit 1; }
model=$shared/conformance/hello-world.tflite
# umockdev's preload library comes before the ASan runtime in sanitized builds
export ASAN_OPTIONS="verify_asan_link_order=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"

mock_pid='' iiod_mock_pid='' daemon2_pid=''
# the daemon (and iiod) run as children of umockdev-run: their own pids are
# in $tmp/*.pid, written by a wrapper just before it execs them
kill_pidfile() { # signal file
	[ -s "$2" ] && kill "-$1" "$(cat "$2")" 2> /dev/null
	rm -f "$2"
}
cleanup() {
	kill_pidfile TERM "$tmp/daemon.pid"
	kill_pidfile KILL "$tmp/iiod.pid" # iiod ignores SIGTERM
	lib_stop "$daemon2_pid"
	for p in $mock_pid $iiod_mock_pid; do wait "$p" 2> /dev/null; done
	daemon_pid='' # a pid waited for above
	lib_cleanup
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# ---- device descriptions ---------------------------------------------------------
# Every A: value ends in \n (libiio drops the last character).  Scan data is
# generated with awk: N: lines take hex, umockdev scripts take bytes with
# those below 32 written ^(b+64) and ^ itself as ^`.  Timestamps are split
# into 32-bit halves by the shell (64-bit arithmetic), awk adds to the low
# half (exact in a double).
now_ns() { date +%s%N; }
# samples N T0 PATTERN: hex of N scan records of test-accel (accel_x,y,z
# s16, 2 bytes padding, timestamp s64 = T0 + i * 10 ms), accel_x from PATTERN:
# "step" (0 for the first half, 1500 for the second), "high" (1500)
accel_samples() {
	LC_ALL=C awk -v n="$1" -v hi=$(($2 >> 32)) -v lo=$(($2 & 0xFFFFFFFF)) -v pat="$3" '
	function hex(v, bytes,   s, i) {
		if (v < 0) v += 2 ^ (8 * bytes)
		for (i = 0; i < bytes; i++) { s = s sprintf("%02X", v % 256); v = int(v / 256) }
		return s
	}
	BEGIN {
		for (i = 0; i < n; i++) {
			x = pat == "high" || i >= n / 2 ? 1500 : 0
			l = lo + i * 10000000; h = hi + int(l / 4294967296); l = l % 4294967296
			printf "%s%s%s0000%s%s", hex(x, 2), hex(0, 2), hex(-9, 2), hex(l, 4), hex(h, 4)
		}
	}'
}
# adc_script SECONDS: test-adc scan records at 100 Hz (r 10 each):
# voltage0 u12 = 4000, voltage1 s24 big-endian shifted by 8 = -100000 in
# even seconds and +100000 in odd ones
adc_script() {
	LC_ALL=C awk -v secs="$1" '
	function ch(b) { return b < 32 ? "^" sprintf("%c", b + 64) : b == 94 ? "^`" : sprintf("%c", b) }
	function le(v, bytes,   s, i) {
		for (i = 0; i < bytes; i++) { s = s ch(v % 256); v = int(v / 256) }
		return s
	}
	function be(v, bytes,   s, i) {
		if (v < 0) v += 2 ^ (8 * bytes)
		for (i = bytes - 1; i >= 0; i--) s = s ch(int(v / 256 ^ i) % 256)
		return s
	}
	BEGIN {
		for (i = 0; i < secs * 100; i++) {
			v1 = int(i / 100) % 2 ? 100000 : -100000
			printf "r 10 %s%s%s\n", le(4000, 2), le(0, 2), be(v1 * 256, 4)
		}
	}'
}

# temp_description [TOKEN]: with a device attribute "token" to know it by
temp_description() {
	cat <<'EOF'
P: /devices/platform/test-temp/iio:device0
E: SUBSYSTEM=iio
A: name=test-temp\n
A: in_temp_raw=0\n
A: in_temp_scale=10\n
A: in_temp_offset=-2731\n
EOF
	[ -z "${1:-}" ] || printf 'A: token=%s\\n\n' "$1"
}
# accel_description DEVNUM HEX
accel_description() {
	cat <<EOF
P: /devices/platform/test-accel/iio:device$1
N: iio:device$1=$2
E: DEVNAME=/dev/iio:device$1
E: SUBSYSTEM=iio
A: dev=250:$1
A: name=test-accel\n
A: in_accel_x_raw=0\n
A: in_accel_y_raw=0\n
A: in_accel_z_raw=0\n
A: in_accel_scale=0.009576\n
A: sampling_frequency=50\n
A: current_timestamp_clock=realtime\n
A: buffer/enable=0\n
A: buffer/length=0\n
A: buffer/watermark=1\n
A: scan_elements/in_accel_x_en=0\n
A: scan_elements/in_accel_x_index=0\n
A: scan_elements/in_accel_x_type=le:s16/16>>0\n
A: scan_elements/in_accel_y_en=0\n
A: scan_elements/in_accel_y_index=1\n
A: scan_elements/in_accel_y_type=le:s16/16>>0\n
A: scan_elements/in_accel_z_en=0\n
A: scan_elements/in_accel_z_index=2\n
A: scan_elements/in_accel_z_type=le:s16/16>>0\n
A: scan_elements/in_timestamp_en=0\n
A: scan_elements/in_timestamp_index=3\n
A: scan_elements/in_timestamp_type=le:s64/64>>0\n
A: trigger/current_trigger=\n
EOF
}
cat > "$tmp/adc.umockdev" <<'EOF'
P: /devices/platform/test-adc/iio:device2
N: iio:device2
E: DEVNAME=/dev/iio:device2
E: SUBSYSTEM=iio
A: dev=250:2
A: name=test-adc\n
A: in_voltage0_raw=0\n
A: in_voltage1_raw=0\n
A: in_voltage_scale=0.805664\n
A: sampling_frequency=100\n
A: buffer/enable=0\n
A: buffer/length=0\n
A: buffer/watermark=1\n
A: scan_elements/in_voltage0_en=0\n
A: scan_elements/in_voltage0_index=0\n
A: scan_elements/in_voltage0_type=le:u12/16>>0\n
A: scan_elements/in_voltage1_en=0\n
A: scan_elements/in_voltage1_index=1\n
A: scan_elements/in_voltage1_type=be:s24/32>>8\n
A: trigger/current_trigger=\n

P: /devices/iio_sysfs_trigger/trigger0
E: SUBSYSTEM=iio
A: name=sysfstrig0\n
EOF
# 3 s of accel data whose timestamps start 5 s ago: detections must carry
# the data's times, which are before the daemon even started
accel_t0=$(($(now_ns) - 5000000000))
accel_description 1 "$(accel_samples 300 "$accel_t0" step)" > "$tmp/accel.umockdev"
{ temp_description; echo; cat "$tmp/accel.umockdev"; echo; cat "$tmp/adc.umockdev"; } \
	> "$tmp/local.umockdev"
adc_script 60 > "$tmp/adc.script"

# ---- a private bus ------------------------------------------------------------
lib_start_bus
lib_monitor

sensor() { prop sensor "$1" "$2"; }
pipeline() { prop pipeline "$1" "$2"; }
detection() { # pipeline label: the monitor's Detection signals of it
	grep -E "\"path\":\"$PIPE/$1\".*\"member\":\"Detection\".*\"data\":\[\"$2\"," "$tmp/monitor"
}
state_signal() { # object state error-ERE: a PropertiesChanged with that State and LastError
	grep -E "\"path\":\"$1\".*PropertiesChanged.*\"State\":\{\"type\":\"s\",\"data\":\"$2\"\}" \
		"$tmp/monitor" | grep -Eq "\"LastError\":\{\"type\":\"s\",\"data\":\"$3\"\}"
}
samples() { sensor "$1" Samples | cut -d' ' -f2; }
# sensor $1 delivers: Samples grows within $2 tenths
grows() {
	a=$(samples "$1")
	for _ in $(seq "$2"); do
		sleep 0.1
		b=$(samples "$1")
		[ -n "$a" ] && [ -n "$b" ] && [ "$b" -gt "$a" ] && return 0
	done
	return 1
}
# pipeline NAME SOURCE-KEYS FRONTEND-KEYS LABEL
pipeline_conf() {
	cat <<EOF
[Pipeline]
Name=$1

[Source]
Plugin=iio
$2

[Frontend]
Type=stats
Stats=mean
$3

[Model]
Path=$model
Labels=$4

[Detect]
Threshold=0.9
EOF
}
write_conf() { # dir
	mkdir -p "$1/pipelines.d"
	printf '[Daemon]\nBus=system\nSocketPath=\nPluginDir=%s\nLogLevel=debug\n' "$plugins" \
		> "$1/tinysense.conf"
}

# ==== A. local devices ================================================================
conf=$tmp/conf
write_conf "$conf"
# temp: polled at 20 Hz (no scan elements: Mode=poll by itself); mean of
# 4 frames * 0.001 -> x: raw 0 -> sin 0, raw 1500 -> sin 1.5 = 0.997
pipeline_conf temp "Device=test-temp
Rate=20" "Window=4
Hop=4
Gain=0.001" hot > "$conf/pipelines.d/temp.conf"
# accel: file-backed, 10 samples per refill at Rate=100 (the device said 50)
pipeline_conf accel "Device=test-accel
Rate=100
BufferSize=10" "Channels=0
Window=50
Hop=50
Gain=0.001" shake > "$conf/pipelines.d/accel.conf"
# adc: scripted at 100 Hz (its sampling_frequency); voltage1 -100000 *
# -0.000015 = 1.5 in even seconds, -1.5 (sin < 0) in odd ones
pipeline_conf adc "Device=test-adc
Channels=in_voltage0, voltage1
Trigger=sysfstrig0
BufferSize=10
Watermark=5" "Channels=1
Window=50
Hop=50
Gain=-0.000015" low > "$conf/pipelines.d/adc.conf"

umockdev-run -d "$tmp/local.umockdev" -s "/dev/iio:device2=$tmp/adc.script" -- \
	"$pidwrap" "$daemon" --config "$conf" --bus-address "$addr" > "$tmp/daemon.log" 2>&1 &
mock_pid=$!
daemon_pid=$mock_pid # umockdev-run: gone when the daemon is
if ! wait_served 100; then
	echo "FAIL the daemon did not appear on the bus; its log:"
	sed 's/^/    /' "$tmp/daemon.log"
	exit 1
fi
started_us=$(($(now_ns) / 1000))
testbed=$(cat "$tmp/daemon.dir")
sysfs=$testbed/sys/devices/platform
ok "the daemon runs the iio pipelines on emulated devices"
# the device vanishes (its sysfs entry) while the daemon still reads its
# open node: when the data ends, reopening fails until it is back
mv "$testbed/sys/bus/iio/devices/iio:device1" "$tmp/accel-link"
echo 1500 > "$sysfs/test-temp/iio:device0/in_temp_raw"

check "temp: Plugin iio" test "$(sensor temp Plugin)" = 's "iio"'
check "temp: polled at Rate=20" test "$(sensor temp Rate)" = 'u 20'
check "temp: one channel by default" test "$(sensor temp Channels)" = 'u 1'
check "accel: 3 channels by default (timestamp aside)" test "$(sensor accel Channels)" = 'u 3'
check "accel: Rate=100" test "$(sensor accel Rate)" = 'u 100'
check "adc: 2 channels, rate from sampling_frequency" \
	test "$(sensor adc Channels) $(sensor adc Rate)" = 'u 2 u 100'
attr() { tr -d '\000\n' < "$sysfs/$1"; }
check "accel: Rate= written to sampling_frequency" \
	test "$(attr test-accel/iio:device1/sampling_frequency)" = 100
check "adc: Trigger= set as current_trigger" \
	test "$(attr test-adc/iio:device2/trigger/current_trigger)" = sysfstrig0
check "adc: Watermark= written to the buffer" \
	test "$(attr test-adc/iio:device2/buffer/watermark)" = 5

# (1) polling: the attribute the test changed reaches the model
check "poll: the changed raw attribute leads to a Detection" \
	wait_monitor "\"path\":\"$PIPE/temp\".*\"member\":\"Detection\".*\"hot\"" 50
# (2) buffered capture from the scripted node, through its poll fd
check "buffer (scripted, poll fd): Detection of u12 + be:s24>>8 frames" \
	wait_monitor "\"path\":\"$PIPE/adc\".*\"member\":\"Detection\".*\"low\"" 50
# ... and from the file-backed node, timed by its kernel timestamps
if wait_monitor "\"path\":\"$PIPE/accel\".*\"member\":\"Detection\".*\"shake\"" 60; then
	ok "buffer (file-backed): Detection"
	t=$(detection accel shake | head -1 | sed 's/.*"data":\["shake",[^,]*,\([0-9]*\)\].*/\1/')
	lo=$((accel_t0 / 1000 + 1400000)) hi=$((accel_t0 / 1000 + 3100000))
	if [ -n "$t" ] && [ "$t" -ge "$lo" ] && [ "$t" -le "$hi" ] && [ "$t" -lt "$started_us" ]; then
		ok "buffer: the Detection carries the kernel timestamp of its samples"
	else
		fail "buffer: Detection time from the timestamp channel" \
			"t=$t, data $lo..$hi us, daemon up at $started_us"
	fi
else
	fail "buffer (file-backed): Detection"
fi

# (3) the data ends: -EIO; then the device is gone
check "-EIO: Sensor State failed with LastError 'refill: Input/output error' (PropertiesChanged)" \
	wait_monitor "\"path\":\"$SENSOR/accel\".*PropertiesChanged.*\"LastError\":\\{\"type\":\"s\",\"data\":\"refill: Input/output error\"\\}" 60
check "-EIO: the same signal says State failed" \
	state_signal "$SENSOR/accel" failed "refill: Input/output error"
check "vanished: Sensor State failed" wait_prop 30 sensor accel State 's "failed"'
# (busctl escapes the quotes)
check "vanished: LastError names the missing device" wait_prop 30 sensor accel LastError \
	"s \"no device \\'test-accel\\' (devices: test-temp, test-adc)\""
check "accel: pipeline degraded" test "$(pipeline accel State)" = 's "degraded"'
check "adc runs on: State running" test "$(pipeline adc State) $(sensor adc State)" = \
	's "running" s "running"'
check "adc runs on: Samples grow" grows adc 10
# Channel metadata from the plugin: name, unit, scale, offset (a(ssdd)).
check "accel: ChannelInfo names the channel, its unit and scale" \
	sh -c "busctl --address='$addr' get-property org.tinysense1 '$SENSOR/accel' org.tinysense1.Sensor ChannelInfo | grep -q '^a(ssdd) 3 \"accel_x\" \"m/s^2\" 0.009576 0 \"accel_y\" \"m/s^2\" 0.009576 0 \"accel_z\"'"
check "temp runs on: Samples grow" grows temp 10
mv "$tmp/accel-link" "$testbed/sys/bus/iio/devices/iio:device1"
check "back: Sensor State running again" wait_prop 80 sensor accel State 's "running"'
check "back: LastError cleared" test "$(sensor accel LastError)" = 's ""'
check "back: Samples grow" grows accel 20

# Stop closes the buffer, Start opens it again
for p in adc temp; do
	check "$p: Stop" bctl call org.tinysense1 "$PIPE/$p" org.tinysense1.Pipeline Stop
	check "$p: Sensor State stopped" test "$(sensor "$p" State)" = 's "stopped"'
	check "$p: Start" bctl call org.tinysense1 "$PIPE/$p" org.tinysense1.Pipeline Start
	check "$p: delivers again" grows "$p" 20
done

kill_pidfile TERM "$tmp/daemon.pid"
wait "$mock_pid"
rc=$?
mock_pid='' daemon_pid=''
check "SIGTERM: the daemon exits 0" test "$rc" -eq 0
if [ "$failures" -ne 0 ]; then
	echo "daemon log (A):"
	sed 's/^/    /' "$tmp/daemon.log" | tail -40
fi

# ==== B. network: iiod serving emulated devices ====================================
# samples from 10 s ago (arrival times would be later than the data's);
# test-temp carries this run's token: the iiod that answers is ours
net_t0=$(($(now_ns) - 10000000000))
token="run-$$-$net_t0"
{ temp_description "$token"; echo; accel_description 1 "$(accel_samples 300 "$net_t0" high)"; } \
	> "$tmp/net.umockdev"
iiod_port=
start_iiod() { # [port]: under umockdev-run, on port $1 or a free one
	for try in 1 2 3 4 5 6; do
		p=${1:-$((20000 + ($$ * 13 + try * 1009 + 1$(date +%N | cut -c1-4) - 10000) % 40000))}
		# shellcheck disable=SC2016 # $UMOCKDEV_DIR, $$ and $1 belong to the inner shell
		umockdev-run -d "$tmp/net.umockdev" -- \
			sh -c 'echo "$UMOCKDEV_DIR" > "$1.dir"; echo $$ > "$1.pid"; exec iiod -p "$2"' \
			sh "$tmp/iiod" "$p" >> "$tmp/iiod.log" 2>&1 &
		iiod_mock_pid=$!
		for _ in $(seq 50); do
			if [ "$(iio_attr -u "ip:127.0.0.1:$p" -d test-temp token 2> /dev/null)" = "$token" ]
			then
				iiod_port=$p
				return 0
			fi
			kill -0 "$iiod_mock_pid" 2> /dev/null || break
			sleep 0.1
		done
		stop_iiod
		[ -n "${1:-}" ] && sleep 0.5
	done
	return 1
}
stop_iiod() {
	kill_pidfile KILL "$tmp/iiod.pid"
	[ -n "$iiod_mock_pid" ] && wait "$iiod_mock_pid" 2> /dev/null
	iiod_mock_pid=
}
if ! start_iiod; then
	fail "iiod under umockdev-run did not serve the devices" "$(tail -5 "$tmp/iiod.log")"
else
	ok "iiod serves the emulated devices on port $iiod_port"
	conf2=$tmp/conf2
	write_conf "$conf2"
	pipeline_conf nettemp "Context=ip:127.0.0.1:$iiod_port
Device=test-temp
Rate=10" "Window=2
Hop=2
Gain=0.001" hot > "$conf2/pipelines.d/nettemp.conf"
	pipeline_conf netaccel "Context=ip:127.0.0.1:$iiod_port
Device=test-accel
Channels=accel_x,accel_y,accel_z
Rate=100
BufferSize=50" "Channels=0
Window=50
Hop=50
Gain=0.001" shake > "$conf2/pipelines.d/netaccel.conf"
	"$daemon" --config "$conf2" --bus-address "$addr" > "$tmp/daemon2.log" 2>&1 &
	daemon2_pid=$!
	daemon_pid=$daemon2_pid
	if ! wait_served 100; then
		fail "the daemon with ip: contexts did not appear on the bus" \
			"$(tail -20 "$tmp/daemon2.log")"
	else
		check "network: nettemp polls (Samples grow)" grows nettemp 30
		echo 1500 > "$(cat "$tmp/iiod.dir")/sys/devices/platform/test-temp/iio:device0/in_temp_raw"
		check "network poll: the changed attribute leads to a Detection" \
			wait_monitor "\"path\":\"$PIPE/nettemp\".*\"member\":\"Detection\".*\"hot\"" 50
		check "network buffer: Detection from iiod's buffer" \
			wait_monitor "\"path\":\"$PIPE/netaccel\".*\"member\":\"Detection\".*\"shake\"" 50
		t=$(detection netaccel shake | head -1 |
			sed 's/.*"data":\["shake",[^,]*,\([0-9]*\)\].*/\1/')
		check "network buffer: timed by the kernel timestamps" \
			test -n "$t" -a "$t" -ge $((net_t0 / 1000)) -a "$t" -le $((net_t0 / 1000 + 3100000))
		check "network buffer: -EIO -> failed with LastError (PropertiesChanged)" \
			wait_monitor "\"path\":\"$SENSOR/netaccel\".*PropertiesChanged.*\"LastError\":\\{\"type\":\"s\",\"data\":\"refill: Input/output error\"\\}" 60
		stop_iiod
		check "iiod killed: nettemp Sensor State failed" wait_prop 60 sensor nettemp State 's "failed"'
		le=$(sensor nettemp LastError)
		check "iiod killed: LastError says why ($le)" test -n "${le#s \"\"}"
		check "iiod killed: retries say the connection is refused" wait_prop 60 sensor nettemp \
			LastError "s \"cannot open IIO context ip:127.0.0.1:$iiod_port: Connection refused\""
		if start_iiod "$iiod_port"; then
			check "iiod back: nettemp running again" wait_prop 120 sensor nettemp State 's "running"'
			check "iiod back: Samples grow" grows nettemp 30
			# Stop joins the capture thread, Start makes another
			check "network: Stop" bctl call org.tinysense1 "$PIPE/nettemp" \
				org.tinysense1.Pipeline Stop
			check "network: Start" bctl call org.tinysense1 "$PIPE/nettemp" \
				org.tinysense1.Pipeline Start
			check "network: delivers again" grows nettemp 30
		else
			fail "iiod restart on port $iiod_port" "$(tail -5 "$tmp/iiod.log")"
		fi
		kill "$daemon2_pid"
		# the capture threads are cancelled: a prompt exit
		for _ in $(seq 50); do kill -0 "$daemon2_pid" 2> /dev/null || break; sleep 0.1; done
		check "network: SIGTERM stops the capture threads promptly" \
			sh -c "! kill -0 $daemon2_pid 2> /dev/null"
		wait "$daemon2_pid"
		rc=$?
		daemon2_pid='' daemon_pid=''
		check "network: the daemon exits 0" test "$rc" -eq 0
	fi
	stop_iiod
	if [ "$failures" -ne 0 ]; then
		echo "daemon log (B):"
		sed 's/^/    /' "$tmp/daemon2.log" | tail -30
	fi
fi

# ==== C. bad configuration ============================================================
conf3=$tmp/conf3
write_conf "$conf3"
# check_refused NAME SOURCE-KEYS EXPECTED (fixed string)
check_refused() {
	pipeline_conf bad "$2" "Window=4" x > "$conf3/pipelines.d/bad.conf"
	if umockdev-run -d "$tmp/local.umockdev" -- "$daemon" --config "$conf3" --check-config \
		> "$tmp/out" 2> "$tmp/err"; then
		fail "$1" "accepted"
	elif grep -qF "$3" "$tmp/err"; then
		ok "$1"
	else
		fail "$1" "$(grep -v High-speed "$tmp/err")"
	fi
}
check_refused "no such device: the devices are listed" "Device=nope" \
	"bad.conf:6: [Source] Device=nope: no device 'nope' (devices: test-temp, test-accel, test-adc)"
check_refused "no Device= with several devices" "Mode=poll" \
	"[Source]: Device: required: there are several devices (test-temp, test-accel, test-adc)"
check_refused "no such channel: the channels are listed" "Device=test-accel
Channels=accel_x,accel_q" \
	"[Source] Channels=accel_x,accel_q: no input channel 'accel_q' on test-accel (channels: accel_x, accel_y, accel_z)"
check_refused "Mode=buffer on a device without a buffer" "Device=test-temp
Mode=buffer" "[Source] Mode=buffer: test-temp has no buffer (no scan elements): use Mode=poll"
check_refused "BufferSize= on a polled device" "Device=test-temp
BufferSize=8" "[Source] BufferSize=8: only for Mode=buffer, and this source polls"
check_refused "bad Mode=" "Device=test-adc
Mode=fast" "[Source] Mode=fast: expected buffer or poll"
check_refused "bad Rate=" "Device=test-adc
Rate=-5" "[Source] Rate=-5: expected a decimal number from 0 to 1000000"
check_refused "Rate=0" "Device=test-adc
Rate=0" "[Source] Rate=0: expected a frequency in Hz above 0"
check_refused "a Rate= in the daemon's number syntax" "Device=test-adc
Rate=1e2" "[Source] Rate=1e2: expected a decimal number from 0 to 1000000"
check_refused "Watermark= above BufferSize=" "Device=test-adc
BufferSize=4
Watermark=8" "[Source] Watermark=8: larger than BufferSize=4"
check_refused "no such trigger: the triggers are listed" "Device=test-adc
Trigger=hrtimer0" "[Source] Trigger=hrtimer0: no trigger 'hrtimer0' (triggers: sysfstrig0)"
check_refused "the timestamp channel is not a value channel" "Device=test-accel
Channels=timestamp" "[Source] Channels=timestamp: 'timestamp' is the kernel's timestamp channel"
check_refused "an unreachable context" "Context=ip:127.0.0.1:1
Device=test-adc" "[Source] Context=ip:127.0.0.1:1: cannot open IIO context ip:127.0.0.1:1: Connection refused"
check_refused "an unknown key" "Device=test-adc
Gain=2" "[Source] Gain=2: unknown key"

lib_summary
