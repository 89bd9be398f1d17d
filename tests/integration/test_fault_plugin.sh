#!/bin/sh
# Fault: a plugin whose every callback fails (tests/fault/faulty_plugin.c,
# switched by files in a control folder).  open() fails at start-up: its
# pipeline is left out, the others run, ConfigError says why.  Fixed and
# reloaded, start() fails: the pipeline is failed with LastError, and the
# daemon retries.  Started, every block callback misuses the host and
# reports FAILED: the pipeline is degraded, its sensor failed, the state
# shown on D-Bus and the socket, and the host refuses each misuse.  Each
# fault removed, it recovers: running, samples flowing.  Meanwhile the
# other pipeline detects throughout.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
lib_need dbus-daemon busctl python3
[ -f "$test_plugins/faulty.so" ] || { echo "FAIL no $test_plugins/faulty.so (make)"; exit 1; }

faults=$tmp/faults
mkdir "$faults"
touch "$faults/open" "$faults/start" "$faults/run"
lib_start_bus
lib_config "PluginDir=$test_plugins"
lib_kws steady > "$conf/pipelines.d/steady.conf"
lib_kws faulty | sed "s|^Plugin=replay|Plugin=faulty\nControl=$faults|; /^Path=.*wav/d; /^Pace=/d; /^Loop=/d" \
	> "$conf/pipelines.d/faulty.conf"
lib_start_daemon
lib_watch

# (1) open fails at start-up
check "open fails: the daemon starts with the other pipeline" \
	prop_is manager - Pipelines "ao 1 \"$PIPE/steady\""
check "open fails: ConfigError names the file and the fault" sh -c \
	"busctl --address='$addr' get-property org.tinysense1 /org/tinysense1 org.tinysense1.Manager \
		ConfigError | grep -q 'faulty.conf.*open fails'"
check "open fails: the socket's STATUS says so" sh -c \
	"'$ctl' status --json --socket '$sock' | grep -q '\"config_error\":\"[^\"]*faulty.conf'"
check "open fails: the log says it is left out" grep -q "faulty.conf.*left out" "$tmp/daemon.log"
check "open fails: the host refused set_format(0 channels)" \
	grep -q "open fails (set_format(0 channels) gave -22)" "$tmp/daemon.log"
check "open fails: steady detects" serving steady 60

# (2) start fails: failed, retried
rm "$faults/open"
: > "$tmp/watch.log"
check "start fails: Reload builds the pipeline" bctl call org.tinysense1 /org/tinysense1 \
	org.tinysense1.Manager Reload
check "start fails: D-Bus State failed" wait_prop 30 pipeline faulty State 's "failed"'
check "start fails: Sensor LastError says why and that it retries" sh -c \
	"busctl --address='$addr' get-property org.tinysense1 $SENSOR/faulty org.tinysense1.Sensor \
		LastError | grep -q 'source failed to start: Input/output error; retrying in'"
check "start fails: socket STATUS failed" socket_state_is faulty failed
check "start fails: socket STATE event failed" wait_watched 30 STATE faulty '"state":"failed"'
check "start fails: the daemon retries" wait_for 40 sh -c \
	"[ \$(grep -c 'faulty: starting again' '$tmp/daemon.log') -ge 2 ]"
check "start fails: steady detects" serving steady 60

# (3) every block callback fails
: > "$tmp/watch.log"
rm "$faults/start"
check "run fails: started by a retry, then degraded (D-Bus)" \
	wait_prop 80 pipeline faulty State 's "degraded"'
check "run fails: Sensor State failed" prop_is sensor faulty State 's "failed"'
check "run fails: Sensor LastError" prop_is sensor faulty LastError \
	's "faulty: every callback fails"'
check "run fails: socket STATUS degraded" socket_state_is faulty degraded
check "run fails: socket STATE event degraded with the error" \
	wait_watched 30 STATE faulty '"state":"degraded","error":"faulty: every callback fails"'
check "run fails: an unknown state is refused, said once" \
	test "$(grep -c 'set_state(99): no such state, ignored' "$tmp/daemon.log")" -eq 1
check "run fails: no samples got through" prop_is sensor faulty Samples 't 0'
sleep 1
check "run fails: the state stays put (no flapping)" \
	test "$(watched_count STATE faulty)" -le 3
check "run fails: steady detects" serving steady 60

# (4) the faults end
rm "$faults/run"
check "recovered: running (D-Bus)" wait_prop 30 pipeline faulty State 's "running"'
check "recovered: Sensor running, LastError cleared" sh -c \
	"[ \"\$(busctl --address='$addr' get-property org.tinysense1 $SENSOR/faulty \
		org.tinysense1.Sensor State LastError | tr '\n' ' ')\" = 's \"running\" s \"\" ' ]"
check "recovered: socket STATUS running" socket_state_is faulty running
check "recovered: samples flow" wait_for 30 sh -c "[ \$(busctl --address='$addr' get-property \
	org.tinysense1 $SENSOR/faulty org.tinysense1.Sensor Samples | cut -d' ' -f2) -gt 0 ]"
check "recovered: Stop" bctl call org.tinysense1 "$PIPE/faulty" org.tinysense1.Pipeline Stop
check "recovered: Start" bctl call org.tinysense1 "$PIPE/faulty" org.tinysense1.Pipeline Start
check "recovered: steady detects" serving steady 60

# (5) Stop ends the retries of a pipeline that fails to start
touch "$faults/start"
bctl call org.tinysense1 "$PIPE/faulty" org.tinysense1.Pipeline Stop
bctl call org.tinysense1 "$PIPE/faulty" org.tinysense1.Pipeline Start 2> /dev/null
check "failing again: State failed" wait_prop 30 pipeline faulty State 's "failed"'
check "Stop of a failed pipeline: stopped" bctl call org.tinysense1 "$PIPE/faulty" \
	org.tinysense1.Pipeline Stop
n=$(grep -c 'faulty: starting again' "$tmp/daemon.log")
sleep 2.5
check "and no more retries" test "$(grep -c 'faulty: starting again' "$tmp/daemon.log")" -eq "$n"
check "and it stays stopped" prop_is pipeline faulty State 's "stopped"'
lib_finish
