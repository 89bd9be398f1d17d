#!/bin/sh
# tinysensed on D-Bus, as users reach it: a private dbus-daemon, a replay
# pipeline on the micro_speech model, busctl and dbus-send for calls,
# properties, signals, errors and the privilege check, then a bus restart.
# Needs TS_CTL and TS_SHARED (TS_DAEMON: the daemon, else next to TS_CTL),
# dbus-daemon, busctl and dbus-send; the privilege checks need root.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
lib_need dbus-daemon busctl dbus-send

# The private bus (lib.sh) is not --session: its policy lets only the bus
# owner's uid connect, and the privilege checks below call as nobody.
lib_start_bus

dsend() { dbus-send --bus="$addr" --reply-timeout=5000 --print-reply --dest=org.tinysense1 "$@"; }
# as nobody (no groups), or nobody in group $2
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
as_member() { g=$1; shift; setpriv --reuid=nobody --regid=nogroup --groups="$g" "$@"; }

M=/org/tinysense1
P=/org/tinysense1/pipeline/kws
S=/org/tinysense1/sensor/kws

# ---- the daemon's configuration ----------------------------------------------
lib_config Bus=system # --bus-address wins over this
lib_kws kws "$shared/frontend/stream_yes_silence_no_noise.wav" > "$conf/pipelines.d/kws.conf"

# The group check needs a group "tinysense".  Without one on this machine,
# the daemon runs in a mount namespace whose /etc/group has it.
run_daemon=
group=$(getent group tinysense | cut -d: -f3)
if [ -z "$group" ] && [ "$(id -u)" = 0 ] && unshare -m true 2> /dev/null; then
	group=4242
	while getent group "$group" > /dev/null; do group=$((group + 1)); done
	{ cat /etc/group; echo "tinysense:x:$group:"; } > "$tmp/group"
	run_daemon=namespace
fi

# Every Detection and state change on the bus, from before the daemon starts.
lib_monitor

start_daemon() {
	if [ "$run_daemon" = namespace ]; then
		# shellcheck disable=SC2016 # $1 and $@ belong to the inner shell
		unshare -m sh -c 'mount --bind "$1" /etc/group && shift && exec "$@"' sh \
			"$tmp/group" "$daemon" --config "$conf" --bus-address "$addr" \
			>> "$tmp/daemon.log" 2>&1 &
	else
		"$daemon" --config "$conf" --bus-address "$addr" >> "$tmp/daemon.log" 2>&1 &
	fi
	daemon_pid=$!
}
start_daemon
if ! wait_served 100; then
	echo "FAIL the daemon did not appear on the bus; its log:"
	sed 's/^/    /' "$tmp/daemon.log"
	exit 1
fi
ok "org.tinysense1 on the bus"

# ---- introspection --------------------------------------------------------------
bctl introspect org.tinysense1 $M > "$tmp/intro.manager"
for member in org.tinysense1.Manager .Version .Pipelines .Sensors .ListPipelines .Reload \
	org.freedesktop.DBus.ObjectManager .GetManagedObjects; do
	check "Manager introspection lists $member" grep -q "^$member " "$tmp/intro.manager"
done
bctl introspect org.tinysense1 $P > "$tmp/intro.pipeline"
for member in org.tinysense1.Pipeline .Name .State .Source .Model .ModelSha256 .Labels \
	.Thresholds .LastLabel .LastScore .LastTimestamp .Detections .Inferences \
	.MeanInferenceUsec .Start .Stop .SetThreshold .Detection; do
	check "Pipeline introspection lists $member" grep -q "^$member " "$tmp/intro.pipeline"
done
check "Pipeline.SetThreshold takes sd" grep -Eq '^\.SetThreshold +method +sd ' "$tmp/intro.pipeline"
check "Pipeline.Detection carries sdt" grep -Eq '^\.Detection +signal +sdt ' "$tmp/intro.pipeline"
check "Pipeline.State emits changes" grep -Eq '^\.State +property +s +.* emits-change' \
	"$tmp/intro.pipeline"
bctl introspect --xml-interface org.tinysense1 $P > "$tmp/intro.xml"
check "SetThreshold arguments are named" grep -q 'name="label"' "$tmp/intro.xml"
bctl introspect org.tinysense1 $S > "$tmp/intro.sensor"
for member in org.tinysense1.Sensor .Name .Plugin .State .Rate .Channels .LastError .Samples; do
	check "Sensor introspection lists $member" grep -q "^$member " "$tmp/intro.sensor"
done
bctl tree org.tinysense1 > "$tmp/tree"
check "tree shows the pipeline" grep -q "$P" "$tmp/tree"
check "tree shows the sensor" grep -q "$S" "$tmp/tree"

# ---- properties and ListPipelines ------------------------------------------------
version=$("$daemon" --version | awk '{print $2}')
check "Version" test "$(prop manager - Version)" = "s \"$version\""
check "Pipelines" test "$(prop manager - Pipelines)" = "ao 1 \"$P\""
check "Sensors" test "$(prop manager - Sensors)" = "ao 1 \"$S\""
check "State running" test "$(prop pipeline kws State)" = 's "running"'
check "Labels" test "$(prop pipeline kws Labels)" = \
	'as 4 "silence" "unknown" "yes" "no"'
check "Source" test "$(prop pipeline kws Source)" = 's "replay"'
check "Model" test "$(prop pipeline kws Model)" = \
	"s \"$model\""
sha=$(sha256sum "$model" | cut -d' ' -f1)
check "ModelSha256" test "$(prop pipeline kws ModelSha256)" = "s \"$sha\""
check "Thresholds" sh -c "busctl --address='$addr' get-property org.tinysense1 $P \
	org.tinysense1.Pipeline Thresholds | grep -Eq '\"yes\" 0\.(8|79)'"
check "Sensor Rate" test "$(prop sensor kws Rate)" = 'u 16000'
check "Sensor Channels" test "$(prop sensor kws Channels)" = 'u 1'
check "Sensor Plugin" test "$(prop sensor kws Plugin)" = 's "replay"'
check "ListPipelines" test "$(bctl call org.tinysense1 $M org.tinysense1.Manager ListPipelines)" = \
	"a(sso) 1 \"kws\" \"running\" \"$P\""
bctl call org.tinysense1 $M org.freedesktop.DBus.ObjectManager GetManagedObjects > "$tmp/objects"
# "PATH" N_INTERFACES "IFACE" N_PROPERTIES ...: the standard ones have none
check "GetManagedObjects holds the pipeline" grep -Eq \
	"\"$P\" [0-9]+ (\"[a-zA-Z.]+\" 0 )*\"org.tinysense1.Pipeline\" 13 " "$tmp/objects"
check "GetManagedObjects holds the sensor" grep -Eq \
	"\"$S\" [0-9]+ (\"[a-zA-Z.]+\" 0 )*\"org.tinysense1.Sensor\" 8 " "$tmp/objects"

# ---- the Detection signal and the Last* properties -------------------------------
detection='"member":"Detection".*"data":\["yes",'
if wait_monitor "$detection" 150; then
	ok "Detection signal with label yes"
	check "Detection came from the pipeline object" grep -Eq "\"path\":\"$P\".*$detection" \
		"$tmp/monitor"
	# the recording says "no" a second after "yes": either may be the last
	check "LastLabel is a detected label" sh -c "busctl --address='$addr' get-property \
		org.tinysense1 $P org.tinysense1.Pipeline LastLabel | grep -Eqx 's \"(yes|no)\"'"
	check "LastScore above the threshold" sh -c "busctl --address='$addr' get-property \
		org.tinysense1 $P org.tinysense1.Pipeline LastScore | grep -Eq '^d (0\.(8|9)|1$)'"
	check "LastTimestamp is realtime usec" sh -c "t=\$(busctl --address='$addr' get-property \
		org.tinysense1 $P org.tinysense1.Pipeline LastTimestamp | cut -d' ' -f2); \
		now=\$(date +%s); [ \$((t / 1000000)) -gt \$((now - 600)) ] && \
		[ \$((t / 1000000)) -le \$((now + 5)) ]"
	check "Detections counted" sh -c "busctl --address='$addr' get-property org.tinysense1 $P \
		org.tinysense1.Pipeline Detections | grep -Eq '^t [1-9]'"
	check "PropertiesChanged LastLabel" wait_monitor \
		"\"path\":\"$P\".*PropertiesChanged.*LastLabel" 20
else
	fail "Detection signal with label yes"
fi
check "Inferences counted" sh -c "busctl --address='$addr' get-property org.tinysense1 $P \
	org.tinysense1.Pipeline Inferences | grep -Eq '^t [1-9]'"
check "Samples counted" sh -c "busctl --address='$addr' get-property org.tinysense1 $S \
	org.tinysense1.Sensor Samples | grep -Eq '^t [1-9]'"
check "MeanInferenceUsec" sh -c "busctl --address='$addr' get-property org.tinysense1 $P \
	org.tinysense1.Pipeline MeanInferenceUsec | grep -Eq '^d [0-9]'"

# ---- methods and their errors ------------------------------------------------------
# $1: expected error name, then the dbus-send arguments
expect_error() {
	want=$1; shift
	if dsend "$@" > "$tmp/out" 2> "$tmp/err"; then return 1; fi
	grep -q "^Error $want: ." "$tmp/err" || { sed 's/^/    /' "$tmp/err"; return 1; }
}
check "SetThreshold yes 0.9" bctl call org.tinysense1 $P org.tinysense1.Pipeline SetThreshold \
	sd yes 0.9
check "Thresholds shows 0.9" sh -c "busctl --address='$addr' get-property org.tinysense1 $P \
	org.tinysense1.Pipeline Thresholds | grep -Eq '\"yes\" 0\.(9|89)'"
check "PropertiesChanged Thresholds" wait_monitor "\"path\":\"$P\".*PropertiesChanged.*Thresholds" 20
check "SetThreshold unknown label: UnknownLabel" expect_error org.tinysense1.Error.UnknownLabel \
	$P org.tinysense1.Pipeline.SetThreshold string:bogus double:0.5
check "UnknownLabel names the label" grep -q "bogus" "$tmp/err"
check "SetThreshold 1.5: InvalidValue" expect_error org.tinysense1.Error.InvalidValue \
	$P org.tinysense1.Pipeline.SetThreshold string:yes double:1.5
check "SetThreshold wrong types: InvalidArgs" expect_error org.freedesktop.DBus.Error.InvalidArgs \
	$P org.tinysense1.Pipeline.SetThreshold string:yes string:high
check "unknown pipeline object" expect_error org.freedesktop.DBus.Error.UnknownObject \
	/org/tinysense1/pipeline/nope org.tinysense1.Pipeline.Stop

check "Stop" bctl call org.tinysense1 $P org.tinysense1.Pipeline Stop
check "State stopped" test "$(prop pipeline kws State)" = 's "stopped"'
check "Sensor State stopped" test "$(prop sensor kws State)" = 's "stopped"'
check "PropertiesChanged State stopped" wait_monitor \
	"\"path\":\"$P\".*PropertiesChanged.*\"State\":\\{\"type\":\"s\",\"data\":\"stopped\"" 20
check "Stop again: NotRunning" expect_error org.tinysense1.Error.NotRunning \
	$P org.tinysense1.Pipeline.Stop
check "Start" bctl call org.tinysense1 $P org.tinysense1.Pipeline Start
check "State running again" test "$(prop pipeline kws State)" = 's "running"'
check "Start again: AlreadyRunning" expect_error org.tinysense1.Error.AlreadyRunning \
	$P org.tinysense1.Pipeline.Start

# ---- who may call what --------------------------------------------------------------
if [ "$(id -u)" = 0 ]; then
	check "nobody reads State" test "$(as_nobody busctl --address="$addr" get-property \
		org.tinysense1 $P org.tinysense1.Pipeline State)" = 's "running"'
	check "nobody introspects" sh -c "setpriv --reuid=nobody --regid=nogroup --clear-groups \
		busctl --address='$addr' introspect org.tinysense1 $P | grep -q '^\.Stop '"
	for call in "$P org.tinysense1.Pipeline Stop" "$P org.tinysense1.Pipeline Start" \
		"$P org.tinysense1.Pipeline SetThreshold sd yes 0.5" "$M org.tinysense1.Manager Reload"; do
		# shellcheck disable=SC2086 # the words are the call's arguments
		if as_nobody busctl --address="$addr" call org.tinysense1 $call 2> "$tmp/err"; then
			fail "nobody may not call ${call##* org.tinysense1.}"
		else
			check "nobody may not call ${call##* org.tinysense1.}: Access denied" \
				grep -q "Access denied" "$tmp/err"
		fi
	done
	if as_nobody dbus-send --bus="$addr" --print-reply --dest=org.tinysense1 $P \
		org.tinysense1.Pipeline.Stop 2> "$tmp/err"; then fail "nobody Stop via dbus-send"; else
		check "the error is org.freedesktop.DBus.Error.AccessDenied" \
			grep -q "^Error org.freedesktop.DBus.Error.AccessDenied: Access denied" "$tmp/err"; fi
	check "State still running" test "$(prop pipeline kws State)" = 's "running"'
	if [ -n "$group" ]; then
		check "group tinysense may SetThreshold" as_member "$group" busctl --address="$addr" \
			call org.tinysense1 $P org.tinysense1.Pipeline SetThreshold sd yes 0.85
		check "group tinysense may Stop" as_member "$group" busctl --address="$addr" \
			call org.tinysense1 $P org.tinysense1.Pipeline Stop
		check "group tinysense may Start" as_member "$group" busctl --address="$addr" \
			call org.tinysense1 $P org.tinysense1.Pipeline Start
	else
		skip "group tinysense (no such group and no mount namespace)"
	fi
else
	skip "privilege checks (they need root for setpriv)"
fi

# ---- Reload: pipelines come and go ------------------------------------------------
P2=/org/tinysense1/pipeline/door_2dbell
lib_kws door-bell "$shared/frontend/stream_yes_silence_no_noise.wav" > "$conf/pipelines.d/door-bell.conf"
check "Reload adds door-bell" bctl call org.tinysense1 $M org.tinysense1.Manager Reload
check "Pipelines has both (escaped path)" test \
	"$(prop manager - Pipelines)" = "ao 2 \"$P2\" \"$P\""
check "InterfacesAdded for door-bell" wait_monitor "InterfacesAdded.*\"$P2\"" 20
check "PropertiesChanged Pipelines" wait_monitor "\"path\":\"$M\".*PropertiesChanged.*Pipelines" 20
check "door-bell Name" test "$(prop pipeline door_2dbell Name)" = 's "door-bell"'
sed -i 's/^Threshold=0.8$/Threshold=2/' "$conf/pipelines.d/door-bell.conf"
check "Reload of a broken file: ReloadFailed" expect_error org.tinysense1.Error.ReloadFailed \
	$M org.tinysense1.Manager.Reload
check "ReloadFailed names the file and the key" grep -q "door-bell.conf:[0-9]*: \[Detect\] Threshold" "$tmp/err"
check "the old set runs on" test "$(prop manager - Pipelines)" = \
	"ao 2 \"$P2\" \"$P\""
rm "$conf/pipelines.d/door-bell.conf"
check "Reload removes door-bell" bctl call org.tinysense1 $M org.tinysense1.Manager Reload
check "InterfacesRemoved for door-bell" wait_monitor "InterfacesRemoved.*\"$P2\"" 20
check "Pipelines has kws only" test "$(prop manager - Pipelines)" = "ao 1 \"$P\""
if bctl introspect org.tinysense1 $P2 > "$tmp/out" 2>&1 && grep -q org.tinysense1.Pipeline "$tmp/out"
then fail "door-bell gone"; else ok "door-bell gone"; fi

# ---- the bus goes away and comes back -----------------------------------------------
lib_stop_bus
sleep 1
check "the daemon outlives its bus" lib_alive
lib_start_bus
check "the daemon is back on the restarted bus" wait_served 150
check "its objects are back" test "$(prop manager - Pipelines)" = "ao 1 \"$P\""
check "and its pipeline ran on" test "$(prop pipeline kws State)" = 's "running"'

# ---- a second daemon cannot take the name ------------------------------------------
"$daemon" --config "$conf" --bus-address "$addr" --socket "$tmp/sock2" > "$tmp/second.log" 2>&1 &
second=$!
sleep 1
check "a second daemon says the name is taken" grep -q "org.tinysense1 is owned by another" \
	"$tmp/second.log"
check "and runs on without D-Bus" grep -q "no D-Bus" "$tmp/second.log"
lib_stop "$second"

# ---- no bus at all --------------------------------------------------------------------
"$daemon" --config "$conf" --bus-address "unix:path=$tmp/no-bus" --socket "$tmp/sock3" \
	> "$tmp/nobus.log" 2>&1 &
nobus=$!
sleep 1
check "without a bus the daemon says so" grep -q "no D-Bus" "$tmp/nobus.log"
check "and names the address" grep -q "cannot connect to unix:path=$tmp/no-bus" "$tmp/nobus.log"
check "and keeps running" kill -0 "$nobus"
lib_stop "$nobus"

# ---- shutdown ------------------------------------------------------------------------
kill "$daemon_pid"
wait "$daemon_pid"
rc=$?
daemon_pid=
check "SIGTERM: exit 0" test "$rc" -eq 0
check "the name is released" sh -c "! busctl --address='$addr' --timeout=2 get-property \
	org.tinysense1 $M org.tinysense1.Manager Version > /dev/null 2>&1"

lib_summary
