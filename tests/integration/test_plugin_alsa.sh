#!/bin/sh
# The alsa plugin end to end: the real daemon captures through the real
# alsa-lib from a `file` PCM (an asoundrc loaded with ALSA_CONFIG_PATH)
# whose infile is a FIFO this test feeds at real-time pace with "yes"
# (shared/frontend/yes_1000ms.wav, raw S16_LE) after half a second of
# silence, then silence; the keyword pipeline must detect "yes" and say so on
# a private D-Bus.  The file PCM is always ready: the plugin must read it by
# the clock, neither spinning nor racing ahead.  A second pipeline names a
# card that is not there: FAILED with its LastError, retried, the rest runs.
# Bad [Source] keys are named by --check-config.
# Needs TS_CTL and TS_SHARED (TS_DAEMON: the daemon, else next to TS_CTL),
# dbus-daemon, busctl and python3.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
lib_need dbus-daemon busctl python3 mkfifo
[ -f "$build/plugins/alsa.so" ] || { echo "FAIL no $build/plugins/alsa.so (make)"; exit 1; }

# ---- the virtual microphone ---------------------------------------------------
mkfifo "$tmp/mic.fifo"
cat > "$tmp/asoundrc" <<EOF
pcm.testmic {
	type file
	slave.pcm "null"
	file "/dev/null"
	infile "$tmp/mic.fifo"
	format "raw"
}
EOF
# Only our file fails with "Unknown PCM null": alsa.conf first.
ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:$tmp/asoundrc
export ALSA_CONFIG_PATH

# Writes 20 ms chunks on a real-time schedule, 200 ms ahead of it; records
# the realtime of the open (when the daemon opened the PCM) in $tmp/t0.
cat > "$tmp/feed.py" <<'EOF'
import os, sys, time
fifo, wav, t0_file = sys.argv[1:4]
rate, chunk_ms, lead = 16000, 20, 10
chunk = rate * 2 * chunk_ms // 1000
with open(wav, 'rb') as f:
    speech = f.read()[44:]
stream = bytes(rate) + speech  # 0.5 s of silence, the word, then silence
fd = os.open(fifo, os.O_WRONLY)  # waits for the reader
t0 = time.monotonic()
with open(t0_file, 'w') as f:
    f.write('%d\n' % (time.time() * 1000000))
k = 0
try:
    while True:
        piece = stream[k * chunk:(k + 1) * chunk]
        os.write(fd, piece + bytes(chunk - len(piece)))
        k += 1
        delay = t0 + (k - lead) * chunk_ms / 1000 - time.monotonic()
        if delay > 0:
            time.sleep(delay)
except (BrokenPipeError, KeyboardInterrupt):
    pass
EOF

# ---- configuration -------------------------------------------------------------
mkdir -p "$tmp/check/pipelines.d" "$tmp/plugins"
cp "$build/plugins/alsa.so" "$tmp/plugins/"
pipeline() { # NAME DEVICE [KEY=VALUE...]: a keyword pipeline on the alsa plugin
	name=$1 device=$2
	shift 2
	printf '[Pipeline]\nName=%s\n\n[Source]\nPlugin=alsa\nDevice=%s\n' "$name" "$device"
	printf 'Rate=16000\nChannels=1\nFormat=S16_LE\nPeriodMs=20\nBufferPeriods=4\n'
	for kv in "$@"; do printf '%s\n' "$kv"; done
	cat <<EOF

[Frontend]
Type=audio
Preset=micro_speech

[Model]
Path=$model
Labels=silence,unknown,yes,no

[Detect]
Threshold=0.8
Ignore=silence,unknown
EOF
}
lib_config Bus=system SocketPath= "PluginDir=$tmp/plugins" LogLevel=info
cp "$conf/tinysense.conf" "$tmp/check/tinysense.conf"
pipeline kws testmic > "$conf/pipelines.d/kws.conf"
pipeline unplugged hw:CARD=NoSuchCard,DEV=0 > "$conf/pipelines.d/unplugged.conf"

# ---- --check-config names bad keys (a separate folder: opening the FIFO PCM
# would wait for a writer) ----------------------------------------------------------
refused() { # name pattern: --check-config refuses bad.conf, saying pattern
	if "$daemon" --config "$tmp/check" --check-config > /dev/null 2> "$tmp/err"; then
		fail "$1" "accepted"
	elif grep -q "$2" "$tmp/err"; then
		ok "$1"
	else
		fail "$1" "$(cat "$tmp/err")"
	fi
}
pipeline bad nosuchmic > "$tmp/check/pipelines.d/bad.conf"
refused "an unknown PCM is named with ALSA's message" \
	"bad.conf:6: \[Source\] Device=nosuchmic: ALSA cannot open it: Unknown PCM nosuchmic"
pipeline bad testmic | sed 's/^Format=S16_LE$/Format=S24_LE/' > "$tmp/check/pipelines.d/bad.conf"
refused "Format= other than S16_LE or S32_LE" \
	"bad.conf:9: \[Source\] Format=S24_LE: expected S16_LE or S32_LE"
pipeline bad testmic | sed 's/^Rate=16000$/Rate=fast/' > "$tmp/check/pipelines.d/bad.conf"
refused "Rate= not a number" "bad.conf:7: \[Source\] Rate=fast: expected a whole number"
pipeline bad testmic PeriodFrames=160 > "$tmp/check/pipelines.d/bad.conf"
refused "PeriodMs= with PeriodFrames=" \
	"bad.conf:12: \[Source\] PeriodFrames=160: set PeriodMs= or PeriodFrames=, not both"
pipeline bad null Gain=3 > "$tmp/check/pipelines.d/bad.conf"
refused "a key the plugin does not read is unknown" "bad.conf:12: \[Source\] Gain=3: unknown key"
# A card that is not plugged in is no configuration error: capture starts
# when it appears.
pipeline absent hw:CARD=NoSuchCard,DEV=0 > "$tmp/check/pipelines.d/bad.conf"
if "$daemon" --config "$tmp/check" --check-config > "$tmp/out" 2> "$tmp/err"; then
	check "an absent card is accepted, with a warning" \
		grep -q "Device=hw:CARD=NoSuchCard,DEV=0: .*capture starts when it opens" "$tmp/err"
else
	fail "an absent card is accepted" "$(cat "$tmp/err")"
fi

# ---- a private bus -------------------------------------------------------------------
lib_start_bus
P=/org/tinysense1/pipeline/kws
U=/org/tinysense1/sensor/unplugged
lib_monitor

# ---- the daemon on the virtual microphone ----------------------------------------------
python3 "$tmp/feed.py" "$tmp/mic.fifo" "$shared/frontend/yes_1000ms.wav" "$tmp/t0" &
lib_pids="$lib_pids $!"
"$daemon" --config "$conf" --bus-address "$addr" > "$tmp/daemon.log" 2>&1 &
daemon_pid=$!
if ! wait_served 100; then
	echo "FAIL the daemon did not appear on the bus; its log:"
	sed 's/^/    /' "$tmp/daemon.log"
	exit 1
fi
ok "the daemon runs with the alsa plugin"

detection="\"path\":\"$P\".*\"member\":\"Detection\".*\"data\":\\[\"yes\","
if wait_monitor "$detection" 100; then
	ok "Detection signal with label yes from the microphone"
	# the last detection need not be that "yes" (a window at the word's edge
	# may score another label): LastLabel is the label of a Detection signal
	last=$(prop pipeline kws LastLabel | sed -n 's/^s "\(.*\)"$/\1/p')
	check "LastLabel ($last) is the label of a Detection signal" \
		grep -Eq "\"path\":\"$P\".*\"member\":\"Detection\".*\"data\":\\[\"$last\"," "$tmp/monitor"
	# The word starts 0.5 s into the stream and lasts 1 s; frame 0 is
	# captured about when the daemon opened the FIFO (t0): a detection
	# stamped from the stream's clock falls within [t0 + 0.5 s, t0 + 2.5 s].
	t0=$(cat "$tmp/t0")
	stamp=$(prop pipeline kws LastTimestamp | cut -d' ' -f2)
	check "the detection's realtime stamp follows the stream ($(( (stamp - t0) / 1000 )) ms after t0)" \
		test "$stamp" -ge $((t0 + 500000)) -a "$stamp" -le $((t0 + 2500000))
else
	fail "Detection signal with label yes" "$(tail -5 "$tmp/daemon.log")"
fi
check "Sensor Plugin alsa" test "$(prop sensor kws Plugin)" = 's "alsa"'
check "Sensor Rate 16000" test "$(prop sensor kws Rate)" = 'u 16000'
check "Sensor Channels 1" test "$(prop sensor kws Channels)" = 'u 1'
check "Sensor State running" test "$(prop sensor kws State)" = 's "running"'
check "Sensor LastError empty" test "$(prop sensor kws LastError)" = 's ""'
check "the plugin saw an always-ready PCM and reads it by the clock" \
	grep -q "Device=testmic is always ready" "$tmp/daemon.log"

# Real-time pace: Samples grows by about 16000 a second, not faster (racing
# through the FIFO) and not slower; and no spinning on the always-ready
# descriptor: the daemon uses a fraction of one CPU.
samples() { prop sensor kws Samples | cut -d' ' -f2; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$daemon_pid/stat"; }
s1=$(samples)
c1=$(cpu_ticks)
sleep 2
s2=$(samples)
c2=$(cpu_ticks)
rate=$(( (s2 - s1) / 2 ))
check "Samples at real-time pace ($rate a second)" test "$rate" -ge 12000 -a "$rate" -le 20000
hz=$(getconf CLK_TCK)
check "no busy loop ($((c2 - c1)) of $((2 * hz)) CPU ticks)" test $((c2 - c1)) -lt "$hz"

# The pipeline on an absent card: its sensor FAILED with why, retrying; the
# pipeline degraded, not stopped.
check "absent card: Sensor State failed" test "$(prop sensor unplugged State)" = 's "failed"'
check "absent card: LastError names the device and retries" sh -c "busctl --address='$addr' \
	get-property org.tinysense1 $U org.tinysense1.Sensor LastError | \
	grep -q 'Device=hw:CARD=NoSuchCard,DEV=0: ALSA cannot open it: .*; retrying'"
check "absent card: pipeline degraded" test \
	"$(prop pipeline unplugged State)" = 's "degraded"'

# Stop and Start: the PCM is dropped and started again, detections resume
# from a running stream.
check "Stop" bctl call org.tinysense1 $P org.tinysense1.Pipeline Stop
check "Start" bctl call org.tinysense1 $P org.tinysense1.Pipeline Start
s1=$(samples)
sleep 1
s2=$(samples)
check "samples flow again after Start ($s1 -> $s2)" test "$s2" -gt "$s1"
check "Sensor State running after Start" test "$(prop sensor kws State)" = 's "running"'

kill "$daemon_pid"
wait "$daemon_pid"
rc=$?
daemon_pid=
check "SIGTERM: exit 0" test "$rc" -eq 0

lib_summary
