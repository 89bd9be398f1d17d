#!/bin/sh
# A D-Bus daemon that stops reading (SIGSTOP) while a pipeline makes about
# 10,000 detections a second: the daemon's memory stays bounded (sd-bus
# holds at most 1024 messages for it; the rest are dropped and counted in
# Manager.DroppedSignals; the bug: 5 MB to 535 MB in 10 s, never returned),
# the socket keeps serving meanwhile, and once the bus reads again the
# daemon answers on it and announces the properties anew.  SIGTERM during a
# stall still ends the daemon (no flush waits for the stopped bus).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
lib_need dbus-daemon busctl

lib_start_bus
lib_config LogLevel=notice
cat > "$conf/pipelines.d/gen.conf" << EOF2
[Pipeline]
Name=gen
[Source]
Plugin=example
Rate=50000
Amplitude=6000
Frequency=5000
BlockMs=20
[Frontend]
Type=stats
Window=5
Hop=5
Stats=p2p
Gain=0.0001
[Model]
Path=$shared/conformance/hello-world.tflite
Labels=burst
[Detect]
Threshold=0.1
EOF2
# Under ASan, freed memory waits in a quarantine (256 MB) before reuse: off
# here, so that what is measured is what the daemon holds.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0
export ASAN_OPTIONS
lib_start_daemon
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$daemon_pid/status"; }
sleep 1
before=$(rss_kb)
# STALL_SECONDS=60 for the measurement the issue asks for (10 in make test).
stall=${STALL_SECONDS:-10}
kill -STOP "$dbus_pid"
peak=0
for _ in $(seq "$stall"); do
	sleep 1
	now=$(rss_kb)
	[ "$now" -gt "$peak" ] && peak=$now
done
during=$(rss_kb)
echo "     RSS: ${before} kB before, ${during} kB after ${stall} s of a stopped bus (peak ${peak} kB)"
check "memory stays bounded while the bus does not read (grows < 32 MB)" \
	test "$((peak - before))" -lt 32768
check "the socket serves during the stall" socket_answers "$sock"
check "the daemon says the bus stopped reading" \
	grep -q 'the bus is not reading' "$tmp/daemon.log"
kill -CONT "$dbus_pid"
answers() { prop manager - Version > /dev/null; }
dropped_some() { [ "$(prop_num manager - DroppedSignals)" -gt 0 ]; }
check "D-Bus answers again" wait_for 100 answers
check "DroppedSignals counts what was dropped" dropped_some
check "the daemon says the bus reads again" \
	wait_for 50 grep -q 'the bus reads again' "$tmp/daemon.log"
# Stopped again, then SIGTERM: the daemon must not wait for the bus.
kill -STOP "$dbus_pid"
sleep 2
kill -TERM "$daemon_pid"
gone() { ! kill -0 "$daemon_pid" 2> /dev/null; }
check "SIGTERM ends the daemon during a stall" wait_for 50 gone
gone || gdb -p "$daemon_pid" -batch -ex 'thread apply all bt' 2>&1 | grep -E '^#' | head -30
kill -CONT "$dbus_pid"
wait "$daemon_job" 2> /dev/null
daemon_pid='' daemon_job=''
lib_summary
