#!/bin/sh
# Fault: dbus-daemon is not there when the daemon starts, then restarted
# under it twice (the second time right after the daemon came back).  While the bus is gone the daemon keeps
# detecting and reports on the socket; when the bus is back it reconnects,
# owns org.tinysense1 again and serves its objects (Manager, both Pipeline
# and Sensor objects, their counters carried over), Detection signals flow
# on the new bus and methods work.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
lib_need dbus-daemon busctl python3

lib_config
lib_kws kws > "$conf/pipelines.d/kws.conf"
lib_kws other "$shared/frontend/stream_yes_silence_no_noise.wav" > "$conf/pipelines.d/other.conf"
# no bus yet when the daemon starts
lib_start_daemon
lib_watch
check "no bus at start: the daemon serves the socket" serving kws 60
check "no bus at start: it says so" grep -q "no D-Bus yet" "$tmp/daemon.log"
lib_start_bus
check "the bus appears: the daemon is on it within 10 s" wait_for 100 prop_is pipeline kws State \
	's "running"'
check "kws detects" serving kws 60

for round in 1 2; do
	before=$(prop_num pipeline kws Detections)
	lib_stop_bus
	check "$round: the daemon outlives its bus" sh -c "sleep 0.5; kill -0 $daemon_pid"
	check "$round: without a bus, kws detects on the socket" serving kws 40
	check "$round: without a bus, the socket says kws is running" socket_state_is kws running
	check "$round: and other too" socket_state_is other running
	lib_start_bus
	bctl --json=short monitor \
		--match="type='signal',interface='org.tinysense1.Pipeline',member='Detection'" \
		> "$tmp/monitor.$round" 2> /dev/null &
	monitor=$!
	lib_pids="$lib_pids $monitor"
	check "$round: back on the restarted bus within 10 s" wait_for 100 prop_is manager - Version \
		"s \"$("$daemon" --version | awk '{print $2}')\""
	check "$round: owns org.tinysense1" sh -c "busctl --address='$addr' status org.tinysense1 \
		| grep -q '^PID=$daemon_pid$'"
	check "$round: Manager.Pipelines" prop_is manager - Pipelines \
		"ao 2 \"$PIPE/kws\" \"$PIPE/other\""
	check "$round: Pipeline objects served" prop_is pipeline other State 's "running"'
	check "$round: Sensor objects served" prop_is sensor kws State 's "running"'
	after=$(prop_num pipeline kws Detections)
	check "$round: Detections counted on while the bus was away ($before -> $after)" \
		test "${after:-0}" -gt "${before:-0}"
	check "$round: Detection signals on the new bus" wait_for 50 \
		grep -q "\"path\":\"$PIPE/kws\".*\"member\":\"Detection\"" "$tmp/monitor.$round"
	check "$round: SetThreshold works" bctl call org.tinysense1 "$PIPE/kws" \
		org.tinysense1.Pipeline SetThreshold sd yes 0.8$round
	check "$round: GetManagedObjects lists the objects" sh -c "busctl --address='$addr' call \
		org.tinysense1 /org/tinysense1 org.freedesktop.DBus.ObjectManager GetManagedObjects \
		| grep -q '\"$SENSOR/other\"'"
	lib_stop "$monitor"
done
check "the socket watcher stayed connected" kill -0 "$watch_pid"
lib_finish
