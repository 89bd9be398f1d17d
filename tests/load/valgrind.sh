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
TS_CTL=$build/tinysensectl TS_SHARED=$2 TS_DAEMON=$build/tinysensed
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${VALGRIND_SECONDS:-20}
lib_need valgrind dbus-daemon busctl python3 sox
bus_timeout=30 # calls into a daemon under valgrind are slow

lib_start_bus
lib_config LogLevel=info

kws() { # NAME RECORDING PACE LOOP
	printf '[Pipeline]\nName=%s\n[Source]\nPlugin=replay\nPath=%s\nPace=%s\nLoop=%s\n' "$@"
	printf '[Frontend]\nType=audio\nPreset=micro_speech\n[Model]\nPath=%s\n' \
		"$model"
	printf 'Labels=silence,unknown,yes,no\nStride=5\n[Detect]\nThreshold=0.8\n'
	printf 'Refractory=1000ms\nIgnore=silence,unknown\n'
}
sox "$top/models/recordings/demo_yes_no.wav" "$tmp/demo3.wav" repeat 2
kws fast "$tmp/demo3.wav" fast no > "$conf/pipelines.d/fast.conf"
kws loop "$shared/frontend/stream_yes_silence_no_noise.wav" realtime yes \
	> "$conf/pipelines.d/loop.conf"
cat > "$conf/pipelines.d/gen.conf" << EOF
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
	"$daemon" --config "$conf" --bus-address "$addr" > "$tmp/daemon.log" 2>&1 &
daemon_pid=$!
wait_for 600 socket_answers "$sock" || :

# socket clients: a watcher with scores, one that never reads, requests
python3 - "$sock" > "$tmp/client.log" 2>&1 << 'EOF' &
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
lib_pids=$!
P=/org/tinysense1/pipeline
sleep 2
"$ctl" status --socket "$sock" > /dev/null
"$ctl" list --socket "$sock" > /dev/null
"$ctl" last fast --socket "$sock" > /dev/null || :
bctl get-property org.tinysense1 $P/loop org.tinysense1.Pipeline State Detections LastLabel > /dev/null
bctl call org.tinysense1 /org/tinysense1 org.freedesktop.DBus.ObjectManager GetManagedObjects > /dev/null
bctl call org.tinysense1 $P/loop org.tinysense1.Pipeline SetThreshold sd yes 0.85
bctl call org.tinysense1 $P/gen org.tinysense1.Pipeline Stop
bctl call org.tinysense1 $P/gen org.tinysense1.Pipeline Start
kws added "$shared/frontend/yes_1000ms.wav" realtime yes > "$conf/pipelines.d/added.conf"
bctl call org.tinysense1 /org/tinysense1 org.tinysense1.Manager Reload
printf 'Colour=blue\n' >> "$conf/pipelines.d/added.conf"
bctl call org.tinysense1 /org/tinysense1 org.tinysense1.Manager Reload 2> /dev/null || :
kill -HUP "$daemon_pid"
sleep "$seconds"
wait "$lib_pids" || :
lib_pids=
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
