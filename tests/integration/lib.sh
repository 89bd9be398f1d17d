# Shared set-up of the daemon integration tests (sourced, POSIX sh):
# results, a temporary directory cleaned up with every process started
# here, a private dbus-daemon, the daemon's configuration, the daemon, a
# socket watcher that logs every event, and waits on D-Bus properties and
# socket events.  Needs TS_CTL and TS_SHARED (TS_DAEMON: the daemon, else
# next to TS_CTL).
#
#   . "$(dirname "$0")/lib.sh"
#   lib_need busctl ...            FAIL and exit unless every tool is there
#   lib_start_bus                  $addr, bctl, prop, wait_prop, wait_served
#   lib_monitor                    every bus message in $tmp/monitor (wait_monitor)
#   lib_config [KEY=VALUE...]      $conf/tinysense.conf ([Daemon]) + pipelines.d
#   lib_kws NAME [RECORDING] [MODEL] a realtime, looping keyword pipeline file
#   lib_start_daemon [WRAPPER...]  $daemon_pid, $daemon_job; waits until it answers
#                                  ($pidwrap: for wrappers that fork, umockdev-run)
#   lib_watch                      every socket line in $tmp/watch.log
#   lib_finish                     SIGTERM: exit 0, then the summary
#   lib_summary                    the summary alone (exit status: all passed)
set -u
ctl=${TS_CTL:?}
shared=$(cd "${TS_SHARED:?}" && pwd)
build=$(cd "$(dirname "$ctl")" && pwd)
daemon=${TS_DAEMON:-$build/tinysensed}
plugins=$(cd "$(dirname "$daemon")" && pwd)/plugins
# shellcheck disable=SC2034 # the variables below are for the tests that source this
test_plugins=$(cd "$(dirname "$daemon")" && pwd)/test-plugins # faulty.so
model=$shared/conformance/micro-speech.tflite
failures=0

ok() { echo "ok   $1"; }
fail() { echo "FAIL $1${2:+: $2}"; failures=$((failures + 1)); }
skip() { echo "skip $1"; }
check() { name=$1; shift; if "$@"; then ok "$name"; else fail "$name"; fi; }
# expect NAME EXPECTED ACTUAL: the two strings are equal
expect() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "expected [$2], got [$3]"; fi; }

# shellcheck disable=SC2120 # the tools are optional
lib_need() {
	for tool in "$@"; do
		command -v "$tool" > /dev/null || { echo "FAIL $tool is not installed"; exit 1; }
	done
	[ -x "$daemon" ] || { echo "FAIL no daemon at $daemon (build it, or set TS_DAEMON)"; exit 1; }
}

tmp=$(mktemp -d)
chmod 0755 "$tmp"
lib_pids='' # every background process, stopped (TERM, then wait) at exit
daemon_pid='' daemon_job='' dbus_pid='' watch_pid=''
lib_stop() { # pid...: TERM, then wait (also under set -e: for the load scripts)
	for p in "$@"; do [ -z "$p" ] || kill "$p" 2> /dev/null || :; done
	for p in "$@"; do [ -z "$p" ] || wait "$p" 2> /dev/null || :; done
}
lib_cleanup() {
	lib_stop "$watch_pid" "$daemon_pid" "$daemon_job"
	# shellcheck disable=SC2086 # a list of pids
	lib_stop $lib_pids "$dbus_pid"
	rm -rf "$tmp"
}
trap lib_cleanup EXIT
trap 'exit 1' INT TERM HUP

# waits up to $1 tenths of a second for the command to succeed
wait_for() {
	n=$1
	shift
	for _ in $(seq "$n"); do "$@" && return 0; sleep 0.1; done
	return 1
}

# ---- D-Bus -------------------------------------------------------------------------
addr=unix:path=$tmp/bus
cat > "$tmp/bus.conf" << EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$tmp/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
# (Re)starts the private bus at $addr (no guid in the address, so the daemon
# accepts a restarted bus).
lib_start_bus() {
	rm -f "$tmp/addr"
	dbus-daemon --config-file="$tmp/bus.conf" --nofork --nopidfile --print-address=3 \
		3> "$tmp/addr" 2>> "$tmp/dbus.log" &
	dbus_pid=$!
	for _ in $(seq 50); do [ -s "$tmp/addr" ] && return 0; sleep 0.1; done
	echo "FAIL dbus-daemon did not start: $(cat "$tmp/dbus.log")"
	exit 1
}
lib_stop_bus() { lib_stop "$dbus_pid"; dbus_pid=; }
# $bus_timeout: seconds a call may take (default 5)
bctl() { busctl --address="$addr" --timeout="${bus_timeout:-5}" "$@"; }
PIPE=/org/tinysense1/pipeline
SENSOR=/org/tinysense1/sensor
# prop pipeline|sensor|manager NAME PROPERTY: busctl's value ("s \"running\"")
prop() {
	case $1 in
	pipeline) bctl get-property org.tinysense1 "$PIPE/$2" org.tinysense1.Pipeline "$3" ;;
	sensor) bctl get-property org.tinysense1 "$SENSOR/$2" org.tinysense1.Sensor "$3" ;;
	manager) bctl get-property org.tinysense1 /org/tinysense1 org.tinysense1.Manager "$3" ;;
	esac 2> /dev/null
}
prop_is() { [ "$(prop "$1" "$2" "$3")" = "$4" ]; }
# wait_prop TENTHS KIND NAME PROPERTY VALUE
wait_prop() { n=$1; shift; wait_for "$n" prop_is "$@"; }
# the number in a "t 123" or "u 5" property
prop_num() { prop "$1" "$2" "$3" | cut -d' ' -f2; }
# lib_monitor: every message on the private bus, as JSON lines, in $tmp/monitor
lib_monitor() {
	bctl --json=short monitor > "$tmp/monitor" 2> "$tmp/monitor.err" &
	lib_pids="$lib_pids $!"
}
# wait_monitor ERE TENTHS: until the monitor saw a matching line
wait_monitor() { wait_for "$2" grep -Eq "$1" "$tmp/monitor"; }
# wait_served TENTHS: until org.tinysense1 answers on the bus (while the daemon lives)
wait_served() {
	for _ in $(seq "$1"); do
		prop manager - Version > /dev/null && return 0
		lib_alive || return 1
		sleep 0.1
	done
	return 1
}

# ---- configuration and daemon --------------------------------------------------------
conf=$tmp/conf
sock=$tmp/sock
# lib_config [KEY=VALUE...]: [Daemon] with a socket, the build's plugins
# and LogLevel=debug unless given
# shellcheck disable=SC2120 # arguments are optional
lib_config() {
	mkdir -p "$conf/pipelines.d"
	{
		echo '[Daemon]'
		for kv in "SocketPath=$sock" "PluginDir=$plugins" LogLevel=debug; do
			case " $* " in *" ${kv%%=*}="*) ;; *) echo "$kv" ;; esac
		done
		for kv in "$@"; do echo "$kv"; done
	} > "$conf/tinysense.conf"
}
# lib_kws NAME [RECORDING] [MODEL]: a keyword pipeline replaying in real time, looping
lib_kws() {
	cat << EOF
[Pipeline]
Name=$1

[Source]
Plugin=replay
Path=${2:-$shared/frontend/yes_1000ms.wav}
Pace=realtime
Loop=yes

[Frontend]
Type=audio
Preset=micro_speech

[Model]
Path=${3:-$model}
Labels=silence,unknown,yes,no

[Detect]
Threshold=0.8
Refractory=500ms
Ignore=silence,unknown
EOF
}
# lib_start_daemon [WRAPPER...]: starts the daemon (through the wrapper
# command if given) on $conf and the private bus; waits until its socket
# answers and, with a bus, until org.tinysense1 is served.  $daemon_job is
# the child to wait for, $daemon_pid the daemon to signal: they differ when
# the wrapper runs it as its child and $pidwrap told its pid.
# shellcheck disable=SC2120 # arguments are optional
lib_start_daemon() {
	rm -f "$tmp/daemon.pid"
	"$@" "$daemon" --config "$conf" --bus-address "$addr" >> "$tmp/daemon.log" 2>&1 &
	daemon_job=$!
	daemon_pid=$!
	if ! wait_for 150 lib_served; then
		echo "FAIL the daemon did not start; its log:"
		sed 's/^/    /' "$tmp/daemon.log"
		exit 1
	fi
	[ ! -s "$tmp/daemon.pid" ] || daemon_pid=$(cat "$tmp/daemon.pid")
}
# $pidwrap CMD...: records its pid (and $UMOCKDEV_DIR) in $tmp, then execs
# CMD: for wrappers that keep the daemon as their child (umockdev-run)
pidwrap=$tmp/pidwrap
# shellcheck disable=SC2016 # $$ and $@ belong to the wrapper
printf '#!/bin/sh\necho "${UMOCKDEV_DIR:-}" > "%s/daemon.dir"\necho $$ > "%s/daemon.pid"\nexec "$@"\n' \
	"$tmp" "$tmp" > "$pidwrap"
chmod +x "$pidwrap"
lib_alive() { kill -0 "$daemon_pid" 2> /dev/null; }
lib_served() {
	lib_alive || return 1
	"$ctl" status --socket "$sock" > /dev/null 2>&1 || return 1
	[ -z "$dbus_pid" ] || prop manager - Version > /dev/null
}

# ---- the socket ------------------------------------------------------------------------
# A client that watches every pipeline and logs every line it receives.
cat > "$tmp/watch.py" << 'EOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b'{"cmd":"watch"}\n')
with open(sys.argv[2], "a") as out:
    buf = b""
    while True:
        data = s.recv(65536)
        if not data:
            break
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            out.write(line.decode() + "\n")
            out.flush()
EOF
lib_watch() {
	: >> "$tmp/watch.log"
	python3 "$tmp/watch.py" "$sock" "$tmp/watch.log" 2> /dev/null &
	watch_pid=$!
	wait_for 50 grep -q '"class":"WATCH"' "$tmp/watch.log"
}
# watched CLASS PIPELINE [ERE]: lines of the watch log of that class and pipeline
watched() {
	grep -E "\"class\":\"$1\",\"pipeline\":\"$2\"${3:+.*$3}" "$tmp/watch.log" 2> /dev/null
}
watched_count() { watched "$@" | wc -l; }
# wait_watched TENTHS CLASS PIPELINE [ERE]
wait_watched() { n=$1; shift; wait_for "$n" sh -c "grep -Eq '\"class\":\"$1\",\"pipeline\":\"$2\"${3:+.*$3}' '$tmp/watch.log'"; }
# socket_answers PATH: a daemon answers a status request there
socket_answers() { "$ctl" status --socket "$1" > /dev/null 2>&1; }
# status_of PIPELINE: that pipeline's entry in the socket's STATUS reply
status_of() {
	"$ctl" status --json --socket "$sock" 2> /dev/null | python3 -c '
import json, sys
for p in json.load(sys.stdin)["pipelines"]:
    if p["name"] == sys.argv[1]:
        print(json.dumps(p, sort_keys=True))' "$1"
}
# socket_state_is PIPELINE STATE: the socket's status says so
socket_state_is() { status_of "$1" | grep -q "\"state\": \"$2\""; }

# ---- the pipeline that must go on serving ------------------------------------------------
# serving NAME TENTHS: new detections of NAME arrive on the socket and on
# D-Bus (Detections grows) within the time
serving() {
	s0=$(watched_count DETECTION "$1")
	d0=$(prop_num pipeline "$1" Detections)
	for _ in $(seq "$2"); do
		sleep 0.1
		[ "$(watched_count DETECTION "$1")" -gt "$s0" ] || continue
		[ -z "$dbus_pid" ] && return 0
		d1=$(prop_num pipeline "$1" Detections)
		[ -n "$d1" ] && [ -n "$d0" ] && [ "$d1" -gt "$d0" ] && return 0
	done
	return 1
}

# lib_finish: the daemon is still there and exits 0 on SIGTERM; the summary
lib_finish() {
	check "the daemon is alive at the end" lib_alive
	kill "$daemon_pid" 2> /dev/null
	rc=0
	wait "$daemon_job" || rc=$?
	daemon_pid='' daemon_job=''
	check "SIGTERM: exit 0 (exit status $rc)" test "$rc" -eq 0
	lib_summary
}
# lib_summary: the daemon log's tail if anything failed, the count; fails if any did
lib_summary() {
	if [ "$failures" -ne 0 ] && [ -s "$tmp/daemon.log" ]; then
		echo "daemon log (tail):"
		tail -40 "$tmp/daemon.log" | sed 's/^/    /'
	fi
	[ "$failures" -eq 0 ] && echo "all passed" || echo "$failures failed"
	[ "$failures" -eq 0 ]
}
