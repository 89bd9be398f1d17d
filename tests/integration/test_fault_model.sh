#!/bin/sh
# Fault: a pipeline's model file is replaced by garbage, then truncated, and
# the daemon is told to Reload (D-Bus Reload() and SIGHUP).  Each reload is
# refused (ReloadFailed naming the model), the running set goes on with the
# model it loaded (both pipelines run and detect), and the refusal is shown
# on D-Bus (Manager.ConfigError + PropertiesChanged) and on the socket
# (STATUS config_error, a CONFIG event).  With the model restored a Reload
# succeeds and ConfigError clears.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
lib_need dbus-daemon busctl python3

lib_start_bus
bctl --json=short monitor >> "$tmp/monitor" 2> /dev/null & # appends: truncated between cases
lib_pids="$lib_pids $!"
lib_config
cp "$model" "$tmp/victim.tflite"
lib_kws steady > "$conf/pipelines.d/steady.conf"
lib_kws victim "" "$tmp/victim.tflite" > "$conf/pipelines.d/victim.conf"
lib_start_daemon
lib_watch
for p in steady victim; do check "$p: detections arrive" serving "$p" 60; done

reload_refused() { # what the model became
	: > "$tmp/monitor"
	: > "$tmp/watch.log"
	if bctl call org.tinysense1 /org/tinysense1 org.tinysense1.Manager Reload 2> "$tmp/err"; then
		fail "$1: Reload refused"
	else
		check "$1: Reload refused with ReloadFailed naming the model" \
			grep -q "victim.tflite" "$tmp/err"
	fi
	check "$1: Manager.ConfigError names the model" \
		sh -c "busctl --address='$addr' get-property org.tinysense1 /org/tinysense1 \
			org.tinysense1.Manager ConfigError | grep -q victim.tflite"
	check "$1: PropertiesChanged ConfigError" wait_for 20 \
		grep -q '"path":"/org/tinysense1".*PropertiesChanged.*"ConfigError":{"type":"s","data":"[^"]*victim.tflite' \
		"$tmp/monitor"
	check "$1: socket STATUS config_error names the model" sh -c \
		"'$ctl' status --json --socket '$sock' | grep -q '\"config_error\":\"[^\"]*victim.tflite'"
	check "$1: socket CONFIG event names the model" wait_for 20 \
		grep -q '"class":"CONFIG","error":"[^"]*victim.tflite' "$tmp/watch.log"
	for p in steady victim; do
		check "$1: $p still running (D-Bus and socket)" sh -c \
			"[ \"\$(busctl --address='$addr' get-property org.tinysense1 $PIPE/$p \
				org.tinysense1.Pipeline State)\" = 's \"running\"' ]"
		check "$1: $p on the socket: running" socket_state_is "$p" running
		check "$1: $p still detects (the model in memory)" serving "$p" 40
	done
}

# garbage of the model's size
head -c "$(wc -c < "$model")" /dev/urandom > "$tmp/victim.tflite"
reload_refused "garbage model"
: > "$tmp/watch.log"
# the first 1000 bytes of the real model
head -c 1000 "$model" > "$tmp/victim.tflite"
kill -HUP "$daemon_pid"
check "truncated model, SIGHUP: the socket's CONFIG event names the model" wait_for 30 \
	grep -q '"class":"CONFIG","error":"[^"]*victim.tflite' "$tmp/watch.log"
reload_refused "truncated model"
# an empty file
: > "$tmp/victim.tflite"
reload_refused "empty model"

cp "$model" "$tmp/victim.tflite"
: > "$tmp/watch.log"
check "restored: Reload succeeds" bctl call org.tinysense1 /org/tinysense1 \
	org.tinysense1.Manager Reload
check "restored: ConfigError cleared" prop_is manager - ConfigError 's ""'
check "restored: the socket's CONFIG event says no error" wait_for 20 \
	grep -q '"class":"CONFIG","error":null' "$tmp/watch.log"
check "restored: STATUS config_error null" sh -c \
	"'$ctl' status --json --socket '$sock' | grep -q '\"config_error\":null'"
for p in steady victim; do
	check "restored: $p running" wait_prop 30 pipeline "$p" State 's "running"'
	check "restored: $p detects" serving "$p" 60
done
lib_finish
