#!/bin/sh
# A plugin that takes its process down (tests/fault/faulty_plugin.c) takes
# down only its own child (tinysense-plugin(7), "Process model").  A crash
# in the constructor or in open(), or an exit in the constructor, is a
# configuration error naming the plugin (start-up: left out; Reload:
# refused).  A crash, an exit or a hang in the block callback makes the
# sensor failed with a LastError naming the cause, and the child is
# restarted with a backoff (1 s, 2 s, ...) until the fault ends; a thread
# calling the host corrupts at worst the child.  Throughout, the daemon
# answers on the socket and D-Bus, the replay pipeline detects, and
# SIGTERM ends the daemon with status 0 and its children with it.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
lib_need dbus-daemon busctl python3
[ -f "$test_plugins/faulty.so" ] || { echo "FAIL no $test_plugins/faulty.so (make)"; exit 1; }

faults=$tmp/faults
mkdir "$faults"
touch "$faults/ctor-segv"
lib_start_bus
lib_config "PluginDir=$test_plugins"
lib_kws steady > "$conf/pipelines.d/steady.conf"
lib_kws faulty | sed "s|^Plugin=replay|Plugin=faulty\nControl=$faults|; /^Path=.*wav/d; /^Pace=/d; /^Loop=/d" \
	> "$conf/pipelines.d/faulty.conf"
lib_start_daemon env "FAULTY_CONTROL=$faults"
lib_watch

# the daemon answers on both the socket and the bus, and steady detects
up() {
	lib_alive && "$ctl" status --socket "$sock" > /dev/null 2>&1 &&
		prop manager - Version > /dev/null && serving steady 60
}
config_error_has() {
	prop manager - ConfigError | grep -q "$1"
}
reload_fails_with() { # ERE
	! bctl call org.tinysense1 /org/tinysense1 org.tinysense1.Manager Reload \
		2> "$tmp/reload.err" && grep -Eq "$1" "$tmp/reload.err"
}
sensor_error_has() { prop sensor faulty LastError | grep -Eq "$1"; }
# delays CAUSE(ERE): the restart delays logged for a cause, one a line
delays() { grep -Eo "$1; restarting in [0-9]+ s" "$tmp/daemon.log" | sed 's/.*restarting in //; s/ s$//'; }
# backoff CAUSE N: from the Nth delay logged for the cause on: 1 s, then longer each time
backoff() {
	delays "$1" | tail -n "+$2" | awk 'NR == 1 && $1 != 1 { exit 1 }
		NR > 1 && $1 <= last { exit 1 } { last = $1 } END { exit NR < 3 }'
}
samples() { prop_num sensor faulty Samples; }
samples_grow() {
	s0=$(samples)
	wait_for 30 sh -c "[ \"\$(busctl --address='$addr' get-property org.tinysense1 \
		$SENSOR/faulty org.tinysense1.Sensor Samples | cut -d' ' -f2)\" -gt '${s0:-0}' ]"
}

# (1) the constructor crashes at start-up
check "ctor crash: the daemon starts with the other pipeline" \
	prop_is manager - Pipelines "ao 1 \"$PIPE/steady\""
check "ctor crash: ConfigError names the plugin and the signal" \
	config_error_has 'faulty.conf: \[Source\] Plugin=faulty: plugin faulty crashed: SIGSEGV while opening'
check "ctor crash: the daemon serves" up

# (2) at Reload: exit(0) in the constructor, a crash in open()
mv "$faults/ctor-segv" "$faults/ctor-exit"
check "ctor exit(0): Reload refused, naming the plugin and status" \
	reload_fails_with 'Plugin=faulty: plugin faulty exited with status 0 while opening'
check "ctor exit(0): the daemon serves" up
mv "$faults/ctor-exit" "$faults/open-segv"
check "open() crash: Reload refused, naming the plugin and the signal" \
	reload_fails_with 'Plugin=faulty: plugin faulty crashed: SIGSEGV while opening'
check "open() crash: the daemon serves" up
rm "$faults/open-segv"
check "fixed: Reload builds the pipeline" \
	bctl call org.tinysense1 /org/tinysense1 org.tinysense1.Manager Reload
check "fixed: running" wait_prop 50 pipeline faulty State 's "running"'
check "fixed: samples flow" samples_grow

# the child: its name, only stdio and its socket of the daemon's descriptors
child=$(ps -o pid= --ppid "$daemon_pid" | head -n 1 | tr -d ' ')
check "the plugin runs in a child of the daemon" test -n "$child"
expect "the child is named ts-plugin-NAME" "ts-plugin-fault" "$(cat "/proc/$child/comm" 2> /dev/null)"
# of the daemon's sockets (bus, listening socket, clients) the child has none:
# its own socket (fd 3) is its only one past stdio
check "the child holds one socket, its own" test "$(ls -l "/proc/$child/fd" 2> /dev/null |
	awk '$9 > 2 && /socket:/' | wc -l)" -eq 1

# (3) the block callback crashes, exits, hangs: failed, restarted with backoff
runtime_fault() { # FILE WHAT(ERE) TENTHS
	: > "$tmp/watch.log"
	n0=$(grep -c 'restarting plugin faulty' "$tmp/daemon.log")
	k0=$(delays "$2" | wc -l)
	touch "$faults/$1"
	check "$1: Sensor failed" wait_prop "$3" sensor faulty State 's "failed"'
	check "$1: pipeline degraded" prop_is pipeline faulty State 's "degraded"'
	check "$1: LastError names the cause" sensor_error_has "$2; restarting in [0-9]+ s"
	check "$1: socket STATE event with the cause" wait_watched 30 STATE faulty "$2"
	check "$1: the daemon serves" up
	check "$1: restarted after 1 s, then 2 s, ..." wait_for "$((4 * $3))" backoff "$2" "$((k0 + 1))"
	check "$1: restarts logged" test "$(grep -c 'restarting plugin faulty' "$tmp/daemon.log")" -gt "$n0"
	rm "$faults/$1"
	check "$1 ended: running again" wait_prop 200 sensor faulty State 's "running"'
	check "$1 ended: LastError cleared" prop_is sensor faulty LastError 's ""'
	check "$1 ended: samples flow" samples_grow
	check "$1 ended: the daemon serves" up
	sleep 6 # a child that answered for 5 s starts the backoff over
}
runtime_fault run-segv 'plugin faulty crashed: SIGSEGV' 50
runtime_fault run-exit 'plugin faulty exited with status 0' 50
runtime_fault run-hang 'plugin faulty stopped answering \(killed\)' 150

# (4) a thread calling the host: the daemon is not touched
touch "$faults/run-thread"
sleep 2
check "thread: the daemon serves" up
rm "$faults/run-thread"
check "thread ended: running again" wait_prop 200 sensor faulty State 's "running"'
check "thread ended: samples flow" samples_grow

# (5) Stop and Start after all that
check "Stop" bctl call org.tinysense1 "$PIPE/faulty" org.tinysense1.Pipeline Stop
check "Start" bctl call org.tinysense1 "$PIPE/faulty" org.tinysense1.Pipeline Start
check "started: samples flow" samples_grow

child=$(ps -o pid= --ppid "$daemon_pid" | head -n 1 | tr -d ' ')
check "the daemon is alive at the end" lib_alive
kill "$daemon_pid" 2> /dev/null
rc=0
wait "$daemon_job" || rc=$?
daemon_pid='' daemon_job=''
check "SIGTERM: exit 0 (exit status $rc)" test "$rc" -eq 0
check "SIGTERM: the plugin's child is gone too" sh -c "[ -n '$child' ] && ! kill -0 '$child' 2> /dev/null"
check "no plugin crashed the daemon" sh -c "! grep -q 'AddressSanitizer\|runtime error' '$tmp/daemon.log'"
lib_summary
