#!/bin/sh
# Fault: an IIO sensor disappears and returns.  umockdev emulates the sysfs
# tree and /dev/iio:device0 (a file-backed node: when its data runs out the
# real libiio's iio_buffer_refill() returns -EIO), the real iio plugin reads
# it.  The device's sysfs entry is taken away, so the refill error is
# followed by failed reopens; then it is put back.  Throughout: state on
# D-Bus (Sensor State/LastError, Pipeline State) and on the socket (STATE
# events, STATUS), the other pipeline detecting, and recovery.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
lib_need dbus-daemon busctl python3 umockdev-run
[ -f "$plugins/iio.so" ] || { echo "FAIL no iio plugin at $plugins/iio.so (make)"; exit 1; }
# umockdev's preload library comes before the ASan runtime in sanitized builds
export ASAN_OPTIONS="verify_asan_link_order=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"

# 200 scan records (accel_x,y,z s16, 2 bytes padding): 2 s at 100 Hz
records=$(LC_ALL=C awk 'BEGIN { for (i = 0; i < 200; i++) printf "DC05000000000000" }')
cat > "$tmp/accel.umockdev" << END
P: /devices/platform/test-accel/iio:device0
N: iio:device0=$records
E: DEVNAME=/dev/iio:device0
E: SUBSYSTEM=iio
A: dev=250:0
A: name=test-accel\n
A: in_accel_x_raw=0\n
A: in_accel_y_raw=0\n
A: in_accel_z_raw=0\n
A: in_accel_scale=0.009576\n
A: sampling_frequency=100\n
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
A: trigger/current_trigger=\n
END

lib_start_bus
lib_config
lib_kws steady > "$conf/pipelines.d/steady.conf"
cat > "$conf/pipelines.d/accel.conf" << END
[Pipeline]
Name=accel
[Source]
Plugin=iio
Device=test-accel
Rate=100
BufferSize=10
[Frontend]
Type=stats
Channels=0
Window=50
Hop=50
Stats=mean
Gain=0.001
[Model]
Path=$shared/conformance/hello-world.tflite
Labels=shake
[Detect]
Threshold=0.9
END
lib_start_daemon umockdev-run -d "$tmp/accel.umockdev" -- "$pidwrap"
testbed=$(cat "$tmp/daemon.dir")
lib_watch
# gone from sysfs while the daemon reads its open node: when the data
# ends, reopening fails until it is back
mv "$testbed/sys/bus/iio/devices/iio:device0" "$tmp/accel-link"

samples() { prop_num sensor accel Samples; }
grows() { # within $1 tenths
	a=$(samples)
	for _ in $(seq "$1"); do
		sleep 0.1
		b=$(samples)
		[ -n "$a" ] && [ -n "$b" ] && [ "$b" -gt "$a" ] && return 0
	done
	return 1
}
check "accel delivers" wait_for 30 sh -c "[ \$(busctl --address='$addr' get-property \
	org.tinysense1 $SENSOR/accel org.tinysense1.Sensor Samples | cut -d' ' -f2) -gt 0 ]"

# the data ends: refill -EIO, then the device is gone
check "refill -EIO: the socket's STATE event says degraded, refill: Input/output error" \
	wait_watched 60 STATE accel '"state":"degraded","error":"refill: Input/output error"'
check "gone: Sensor State failed" wait_prop 30 sensor accel State 's "failed"'
check "gone: LastError names the missing device" wait_for 30 sh -c "busctl --address='$addr' \
	get-property org.tinysense1 $SENSOR/accel org.tinysense1.Sensor LastError | \
	grep -q \"no device .*test-accel\""
check "gone: Pipeline State degraded (D-Bus)" prop_is pipeline accel State 's "degraded"'
check "gone: socket STATUS degraded with the error" wait_for 30 sh -c \
	"'$ctl' status --json --socket '$sock' | grep -q '\"name\":\"accel\",\"state\":\"degraded\".*\"error\":\"no device'"
check "gone: no samples" sh -c "a=\$(busctl --address='$addr' get-property org.tinysense1 \
	$SENSOR/accel org.tinysense1.Sensor Samples); sleep 0.5; [ \"\$a\" = \"\$(busctl \
	--address='$addr' get-property org.tinysense1 $SENSOR/accel org.tinysense1.Sensor Samples)\" ]"
check "gone: steady detects on" serving steady 60

: > "$tmp/watch.log"
mv "$tmp/accel-link" "$testbed/sys/bus/iio/devices/iio:device0"
check "back: Sensor State running" wait_prop 80 sensor accel State 's "running"'
check "back: LastError cleared" prop_is sensor accel LastError 's ""'
check "back: Pipeline running (D-Bus)" prop_is pipeline accel State 's "running"'
check "back: the socket's STATE event says running" wait_watched 30 STATE accel '"state":"running"'
check "back: samples flow" grows 20
check "back: steady detects on" serving steady 60
lib_finish
