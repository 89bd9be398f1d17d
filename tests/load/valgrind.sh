#!/bin/sh
# make valgrind: tinysensed under valgrind memcheck on replayed data with a
# real private dbus-daemon, exercised through its whole life: three
# pipelines (a recording at full speed, one looping in real time, the
# example plugin), socket clients (watch with scores, status, list, last,
# one left unread), D-Bus reads and methods (SetThreshold, Stop, Start,
# Reload adding a pipeline, a refused Reload), SIGHUP, and SIGTERM.  The
# exit status is non-zero unless memcheck saw no error and no leak
# (definite, indirect or possible); its summary is printed.
# Usage: tests/load/valgrind.sh BUILD SHARED   (VALGRIND_SECONDS: run time, default 20)
set -eu
build=$(cd "$1" && pwd)
shared=$(cd "$2" && pwd)
top=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${VALGRIND_SECONDS:-20}
daemon=$build/tinysensed
ctl=$build/tinysensectl
for tool in valgrind dbus-daemon busctl python3 sox; do
	command -v "$tool" > /dev/null || { echo "valgrind.sh: $tool is needed"; exit 1; }
done

tmp=$(mktemp -d)
dbus_pid='' daemon_pid='' reader_pid=''
cleanup() {
	for p in $reader_pid $daemon_pid $dbus_pid; do kill "$p" 2> /dev/null || :; done
	for p in $reader_pid $daemon_pid $dbus_pid; do wait "$p" 2> /dev/null || :; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

dbus-daemon --session --nofork --nopidfile --print-address=3 3> "$tmp/addr" \
	2> "$tmp/dbus.log" &
dbus_pid=$!
for _ in $(seq 50); do [ -s "$tmp/addr" ] && break; sleep 0.1; done
[ -s "$tmp/addr" ] || { echo "valgrind.sh: dbus-daemon did not start"; exit 1; }
addr=$(head -n 1 "$tmp/addr")
bctl() { busctl --address="$addr" --timeout=30 "$@"; }

mkdir -p "$tmp/conf/pipelines.d"
printf '[Daemon]\nSocketPath=%s/sock\nPluginDir=%s/plugins\nLogLevel=info\n' "$tmp" "$build" \
	> "$tmp/conf/tinysense.conf"
kws() { # NAME RECORDING PACE LOOP
	printf '[Pipeline]\nName=%s\n[Source]\nPlugin=replay\nPath=%s\nPace=%s\nLoop=%s\n' "$@"
	printf '[Frontend]\nType=audio\nPreset=micro_speech\n[Model]\nPath=%s\n' \
		"$shared/conformance/micro-speech.tflite"
	printf 'Labels=silence,unknown,yes,no\nStride=5\n[Detect]\nThreshold=0.8\n'
	printf 'Refractory=1000ms\nIgnore=silence,unknown\n'
}
sox "$top/models/recordings/demo_yes_no.wav" "$tmp/demo3.wav" repeat 2
kws fast "$tmp/demo3.wav" fast no > "$tmp/conf/pipelines.d/fast.conf"
kws loop "$shared/frontend/stream_yes_silence_no_noise.wav" realtime yes \
	> "$tmp/conf/pipelines.d/loop.conf"
cat > "$tmp/conf/pipelines.d/gen.conf" << EOF
[Pipeline]
Name=gen
[Source]
Plugin=example
Rate=1000
BurstEvery=2
[Frontend]
Type=stats
Window=250
Hop=250
Stats=p2p
Gain=0.00003
[Model]
Path=$shared/conformance/hello-world.tflite
Labels=burst
[Detect]
Threshold=0.9
EOF

echo "== valgrind memcheck: tinysensed, 3 pipelines, socket and D-Bus clients, reloads, ${seconds} s"
valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect,possible --track-origins=yes \
	--log-file="$tmp/valgrind.log" \
	"$daemon" --config "$tmp/conf" --bus-address "$addr" > "$tmp/daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 600); do
	"$ctl" status --socket "$tmp/sock" > /dev/null 2>&1 && break
	sleep 0.1
done

# socket clients: a watcher with scores, one that never reads, requests
python3 - "$tmp/sock" > "$tmp/client.log" 2>&1 << 'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b'{"cmd":"watch","scores":true}\n{"cmd":"bogus"}\n[1]\n')
quiet = socket.socket(socket.AF_UNIX)
quiet.connect(sys.argv[1])
quiet.sendall(b'{"cmd":"watch","scores":true}\n')
end, n = time.time() + 8, 0
while time.time() < end:
    n += s.recv(65536).count(b"\n")
print("watcher lines", n)
EOF
reader_pid=$!
P=/org/tinysense1/pipeline
sleep 2
"$ctl" status --socket "$tmp/sock" > /dev/null
"$ctl" list --socket "$tmp/sock" > /dev/null
"$ctl" last fast --socket "$tmp/sock" > /dev/null || :
bctl get-property org.tinysense1 $P/loop org.tinysense1.Pipeline State Detections LastLabel > /dev/null
bctl call org.tinysense1 /org/tinysense1 org.freedesktop.DBus.ObjectManager GetManagedObjects > /dev/null
bctl call org.tinysense1 $P/loop org.tinysense1.Pipeline SetThreshold sd yes 0.85
bctl call org.tinysense1 $P/gen org.tinysense1.Pipeline Stop
bctl call org.tinysense1 $P/gen org.tinysense1.Pipeline Start
kws added "$shared/frontend/yes_1000ms.wav" realtime yes > "$tmp/conf/pipelines.d/added.conf"
bctl call org.tinysense1 /org/tinysense1 org.tinysense1.Manager Reload
printf 'Colour=blue\n' >> "$tmp/conf/pipelines.d/added.conf"
bctl call org.tinysense1 /org/tinysense1 org.tinysense1.Manager Reload 2> /dev/null || :
kill -HUP "$daemon_pid"
sleep "$seconds"
wait "$reader_pid" || :
reader_pid=
kill "$daemon_pid"
rc=0
wait "$daemon_pid" || rc=$?
daemon_pid=
grep -E "ERROR SUMMARY|definitely lost|indirectly lost|possibly lost|still reachable|All heap blocks" \
	"$tmp/valgrind.log" | sed 's/^==[0-9]*== */   /'
echo "   daemon exit status $rc; $(cat "$tmp/client.log")"
if ! grep -q "ERROR SUMMARY: 0 errors" "$tmp/valgrind.log" || [ "$rc" -ne 0 ]; then
	echo "   memcheck found problems:"
	sed 's/^/   | /' "$tmp/valgrind.log" | head -150
	exit 1
fi
echo "   memcheck: 0 errors, 0 leaks"
