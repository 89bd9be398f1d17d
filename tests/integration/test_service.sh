#!/bin/sh
# tinysensed as a systemd service, under a real service manager: a private
# `systemd --user` instance (see ../shared/docs/testing-real-components.md;
# PID 1 is not systemd on the build machines) runs a user unit made from
# systemd/tinysensed.service: the real file's Type=, NotifyAccess=,
# ExecReload=, Restart= and RestartSec=, with ExecStart= pointing at the built
# daemon (--config TMP --bus-address PRIVATE-BUS), WatchdogSec=2s, and none of
# the User=/hardening settings a user manager cannot apply.  Checked:
#  - readiness: while the daemon is held before READY=1 (its private bus is
#    frozen with SIGSTOP, so it waits to own org.tinysense1) the unit stays
#    "activating (start)"; after READY=1 it is "active (running)", the name is
#    owned and StatusText says "1 of 1 pipelines running";
#  - systemctl reload (ExecReload -> SIGHUP): same main PID, still active,
#    StatusText updated ("2 of 2"); a broken file: "reload failed: FILE",
#    still active;
#  - watchdog: kill -STOP on the main PID -> the manager kills it (SIGABRT,
#    Result=watchdog) and restarts it (Restart=on-failure, NRestarts=1);
#  - systemctl stop: SIGTERM -> exit status 0, Result=success.
# How each run ended comes from ExecStopPost= ($SERVICE_RESULT, $EXIT_CODE,
# $EXIT_STATUS), which does not depend on the unit staying loaded.
# Needs TS_CTL and TS_SHARED (TS_DAEMON: the daemon, else next to TS_CTL).
# Prints SKIP and exits 0 only when a private user manager cannot run here.
# shellcheck disable=SC2016 # wait_eval's conditions are evaluated later, on purpose
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
daemon=$(cd "$(dirname "$daemon")" && pwd)/$(basename "$daemon")
top=$(cd "$(dirname "$0")/../.." && pwd)
skip_all() { echo "SKIP test_service.sh: $1"; exit 0; }

systemd_bin=
for f in /lib/systemd/systemd /usr/lib/systemd/systemd; do
	[ -x "$f" ] && { systemd_bin=$f; break; }
done
[ -n "$systemd_bin" ] || skip_all "no /lib/systemd/systemd (Debian package systemd)"
for tool in systemctl dbus-daemon busctl; do
	command -v "$tool" > /dev/null || skip_all "$tool is not installed (Debian: systemd, dbus)"
done
lib_need

rt=$tmp/rt              # the manager's XDG_RUNTIME_DIR
mkdir -p "$rt/systemd/user" "$tmp/config"
chmod 0700 "$rt"
unit=tinysensed-test-$$.service
mgr_pid='' made_run_dir='' main_pids=''

# ---- clean-up: everything started here is a child and is waited for ---------
remove_run_dir() {
	[ -n "$made_run_dir" ] && rmdir /run/systemd/system 2> /dev/null
	made_run_dir=
}
cleanup() {
	remove_run_dir
	if [ -n "$mgr_pid" ]; then
		XDG_RUNTIME_DIR=$rt timeout 10 systemctl --user stop "$unit" > /dev/null 2>&1
		kill "$mgr_pid" 2> /dev/null # a user manager exits on SIGTERM
		i=0
		while kill -0 "$mgr_pid" 2> /dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
		kill -9 "$mgr_pid" 2> /dev/null
		wait "$mgr_pid" 2> /dev/null
		# a daemon the manager left behind: not a child of ours, but ours
		for p in $main_pids; do
			[ "$(readlink "/proc/$p/exe" 2> /dev/null)" = "$daemon" ] && kill -9 "$p"
		done
	fi
	[ -z "$dbus_pid" ] || kill -CONT "$dbus_pid" 2> /dev/null # it may be frozen
	lib_cleanup
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# ---- a private bus for the daemon ------------------------------------------
lib_start_bus

# ---- the daemon's configuration ------------------------------------------------
lib_config "SocketPath=$rt/tinysense.sock" LogLevel=info
pipeline_conf() { # NAME
	cat << EOF
[Pipeline]
Name=$1
[Source]
Plugin=replay
Path=$top/models/recordings/demo_yes_no.wav
Pace=realtime
Loop=yes
[Frontend]
Type=audio
Preset=micro_speech
[Model]
Path=$model
Labels=silence,unknown,yes,no
Stride=5
[Detect]
Threshold=0.8
Ignore=silence,unknown
EOF
}
pipeline_conf kws > "$conf/pipelines.d/kws.conf"

# ---- the user unit, from the shipped one ---------------------------------------
svc=$top/systemd/tinysensed.service
{
	echo "[Unit]"
	echo "Description=tinysensed under test (from systemd/tinysensed.service)"
	echo "[Service]"
	for key in Type NotifyAccess ExecReload Restart RestartSec; do
		line=$(grep -E "^$key=" "$svc")
		if [ -n "$line" ]; then echo "$line"; else echo "# $key= missing" >&2; fi
	done
	echo "ExecStart=$daemon --config $conf --bus-address $addr"
	echo "WatchdogSec=2s"
	echo "LimitCORE=0"
	echo "StandardOutput=append:$tmp/daemon.log"
	echo "StandardError=append:$tmp/daemon.log"
	# $$: a literal $ for the shell, not a systemd variable
	echo "ExecStopPost=/bin/sh -c 'echo \"\$\$SERVICE_RESULT \$\$EXIT_CODE \$\$EXIT_STATUS\" >> $tmp/ends'"
} > "$rt/systemd/user/$unit" 2> "$tmp/unit.err"
if [ -s "$tmp/unit.err" ]; then
	fail "systemd/tinysensed.service has the settings under test: $(cat "$tmp/unit.err")"
else
	ok "user unit made from systemd/tinysensed.service"
fi
check "it reloads with SIGHUP" grep -qxF 'ExecReload=/bin/kill -HUP $MAINPID' "$rt/systemd/user/$unit"

# ---- the private user manager ------------------------------------------------------
# It refuses to start unless /run/systemd/system exists: create it for the
# start only (and only if it is not there), remove it once the manager runs.
# Another test doing the same may remove it under us: then try again.
export XDG_RUNTIME_DIR="$rt"
start_manager() {
	if [ ! -d /run/systemd/system ]; then
		mkdir -p /run/systemd/system 2> /dev/null ||
			skip_all "cannot create /run/systemd/system (needs root here: PID 1 is not systemd)"
		made_run_dir=1
	fi
	# Its config home is empty, so that no one's own user units are loaded; it
	# logs nowhere (its "console" target is /dev/console, the machine's).
	env -u DBUS_SESSION_BUS_ADDRESS XDG_CONFIG_HOME="$tmp/config" HOME="$tmp/config" \
		SYSTEMD_LOG_TARGET=null \
		"$systemd_bin" --user > "$tmp/manager.log" 2>&1 &
	mgr_pid=$!
	up=
	for _ in $(seq 100); do
		kill -0 "$mgr_pid" 2> /dev/null || break
		if [ -S "$rt/systemd/private" ] &&
			systemctl --user show -p Version > /dev/null 2>&1; then up=1; break; fi
		sleep 0.1
	done
	remove_run_dir
	[ -n "$up" ] && return 0
	kill "$mgr_pid" 2> /dev/null; wait "$mgr_pid"; mgr_rc=$?; mgr_pid=
	return 1
}
mgr_rc=
start_manager || start_manager || start_manager ||
	skip_all "a private systemd --user manager does not run here ($systemd_bin --user: status $mgr_rc, no control socket in 10 s; it logs to /dev/console only)"
ok "private systemd --user manager (pid $mgr_pid, $(systemctl --user show -p Version --value))"

sc() { timeout 30 systemctl --user "$@"; }
unit_prop() { sc show -p "$1" --value "$unit"; }   # one property's value
state() { echo "$(unit_prop ActiveState)/$(unit_prop SubState)"; }
# waits (up to $2 tenths of a second) until `eval "$1"` succeeds
wait_eval() {
	for _ in $(seq "$2"); do eval "$1" && return 0; sleep 0.1; done
	return 1
}
remember_pid() { p=$(unit_prop MainPID); [ "$p" != 0 ] && main_pids="$main_pids $p"; echo "$p"; }

check "the unit is loaded" test "$(unit_prop LoadState)" = loaded
check "Type=notify" test "$(unit_prop Type)" = notify

# ---- readiness: active only after READY=1 ------------------------------------------
# A frozen bus holds the daemon in start-up, before READY=1 (it owns
# org.tinysense1 synchronously first).  The manager's watchdog (2 s) runs
# from the start, and the held daemon cannot ping it: the checks while it
# is held may take longer than that on a loaded machine (tests run in
# parallel), so the manager's watchdogs are off until the daemon is active.
check "service watchdogs off while the daemon is held" sc service-watchdogs no
kill -STOP "$dbus_pid"
if ! sc start --no-block "$unit"; then
	fail "systemctl --user start"
fi
wait_eval '[ "$(unit_prop MainPID)" != 0 ]' 100
pid1=$(remember_pid)
if [ "${pid1:-0}" -le 1 ]; then # (kill -STOP 0 would stop this test)
	kill -CONT "$dbus_pid"
	fail "the unit started no main process ($(state))"
	sc status --no-pager "$unit" 2>&1 | sed 's/^/    /'
	exit 1
fi
sleep 1
check "held before READY=1: activating (start)" test "$(state)" = activating/start
check "no StatusText before READY=1" test -z "$(unit_prop StatusText)"
check "the daemon process is there (pid $pid1)" kill -0 "$pid1"
kill -CONT "$dbus_pid"
if wait_eval '[ "$(unit_prop ActiveState)" = active ]' 100; then
	ok "after READY=1: active"
else
	fail "after READY=1: active (state $(state))"
fi
check "SubState running" test "$(unit_prop SubState)" = running
check "service watchdogs on again" sc service-watchdogs yes
check "service watchdogs are on" test "$(sc service-watchdogs)" = yes
check "WatchdogUSec=2s, WatchdogSignal=SIGABRT" test "$(unit_prop WatchdogUSec)/$(unit_prop WatchdogSignal)" = 2s/6
check "the same main process" test "$(unit_prop MainPID)" = "$pid1"
wait_eval '[ -n "$(unit_prop StatusText)" ]' 20
check "StatusText '1 of 1 pipelines running' ($(unit_prop StatusText))" \
	test "$(unit_prop StatusText)" = "1 of 1 pipelines running"
check "org.tinysense1 is owned once active" sh -c \
	"busctl --address='$addr' --timeout=5 list --no-legend | grep -q '^org.tinysense1 '"
check "its pipeline is running" test "$(bctl get-property org.tinysense1 \
	/org/tinysense1/pipeline/kws org.tinysense1.Pipeline State)" = 's "running"'

# ---- reload ----------------------------------------------------------------------------
pipeline_conf kws2 > "$conf/pipelines.d/kws2.conf"
check "systemctl --user reload" sc reload "$unit"
check "reload: StatusText '2 of 2 pipelines running'" \
	wait_eval '[ "$(unit_prop StatusText)" = "2 of 2 pipelines running" ]' 50
check "reload: still active (running)" test "$(state)" = active/running
check "reload: the same main process" test "$(unit_prop MainPID)" = "$pid1"
check "reload: the new pipeline is on the bus" test "$(bctl get-property org.tinysense1 \
	/org/tinysense1/pipeline/kws2 org.tinysense1.Pipeline State 2> /dev/null)" = 's "running"'
sed -i 's/^Threshold=0.8$/Threshold=2/' "$conf/pipelines.d/kws2.conf"
check "reload of a broken file: systemctl succeeds" sc reload "$unit"
check "reload failed: StatusText names the file" \
	wait_eval 'unit_prop StatusText | grep -q "^reload failed: .*kws2.conf"' 50
check "reload failed: still active (running)" test "$(state)" = active/running
pipeline_conf kws2 > "$conf/pipelines.d/kws2.conf"
check "reload after the fix" sc reload "$unit"
check "StatusText '2 of 2 pipelines running' again" \
	wait_eval '[ "$(unit_prop StatusText)" = "2 of 2 pipelines running" ]' 50
check "NRestarts still 0" test "$(unit_prop NRestarts)" = 0

# ---- watchdog: a hung daemon is killed and restarted -----------------------------------
: > "$tmp/ends"
kill -STOP "$pid1"
# WatchdogSec=2s, RestartSec=2s: it waits in auto-restart, Result=watchdog
if wait_eval '[ "$(unit_prop SubState)" = auto-restart ]' 80; then
	ok "hung daemon: the manager acts (auto-restart)"
	check "Result=watchdog" test "$(unit_prop Result)" = watchdog
else
	fail "hung daemon: no auto-restart (state $(state), Result $(unit_prop Result))"
fi
check "the hung process was killed" wait_eval '! kill -0 "$pid1" 2> /dev/null' 50
check "it ended by the watchdog's SIGABRT (ExecStopPost: $(head -n 1 "$tmp/ends"))" \
	grep -Eqx 'watchdog (killed|dumped) ABRT' "$tmp/ends"
if wait_eval '[ "$(unit_prop ActiveState)" = active ] && [ "$(unit_prop MainPID)" != "$pid1" ]' 100; then
	ok "restarted: active again"
else
	fail "restarted: active again (state $(state))"
fi
pid2=$(remember_pid)
check "NRestarts=1" test "$(unit_prop NRestarts)" = 1
check "a new main process ($pid1 -> $pid2)" test "$pid2" != "$pid1" -a "$pid2" != 0
check "restarted: StatusText '2 of 2 pipelines running'" \
	wait_eval '[ "$(unit_prop StatusText)" = "2 of 2 pipelines running" ]' 50
check "restarted: back on the bus" wait_eval "[ \"\$(bctl get-property org.tinysense1 \
	/org/tinysense1/pipeline/kws org.tinysense1.Pipeline State 2> /dev/null)\" = 's \"running\"' ]" 50
# pinging works: it outlives several watchdog periods
sleep 5
check "the restarted daemon keeps the watchdog happy (5 s)" \
	test "$(state)/$(unit_prop NRestarts)/$(unit_prop MainPID)" = "active/running/1/$pid2"

# ---- stop: SIGTERM, exit 0 ---------------------------------------------------------------
: > "$tmp/ends"
check "systemctl --user stop" sc stop "$unit"
check "stopped: inactive" test "$(unit_prop ActiveState)" = inactive
check "the daemon exited" wait_eval '! kill -0 "$pid2" 2> /dev/null' 50
check "SIGTERM: Result=success, exit status 0 (ExecStopPost: $(head -n 1 "$tmp/ends"))" \
	grep -qx 'success exited 0' "$tmp/ends"

if [ "$failures" -ne 0 ]; then
	echo "unit:"; sed 's/^/    /' "$rt/systemd/user/$unit"
	echo "systemctl --user status:"
	sc status --no-pager "$unit" 2>&1 | sed 's/^/    /'
fi
lib_summary
