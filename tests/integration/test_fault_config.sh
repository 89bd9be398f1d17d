#!/bin/sh
# Fault: pipeline files with errors, then Reload (D-Bus and SIGHUP): an
# unknown key, a bad value, a syntax error, a name used twice, a missing
# model, an unreadable file.  Each reload is refused naming the file, the
# running pipelines go on detecting, D-Bus (Manager.ConfigError,
# ReloadFailed) and the socket (STATUS config_error, CONFIG event) say why;
# once the file is fixed a Reload adds its pipeline and clears the error.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
lib_need dbus-daemon busctl python3

lib_start_bus
lib_config
lib_kws steady > "$conf/pipelines.d/steady.conf"
lib_start_daemon
lib_watch
check "steady detects" serving steady 60
new=$conf/pipelines.d/new.conf

# refused HOW TEXT-ERE: a reload by HOW (dbus|hup) is refused, says TEXT-ERE
refused() {
	: > "$tmp/watch.log"
	if [ "$1" = dbus ]; then
		if bctl call org.tinysense1 /org/tinysense1 org.tinysense1.Manager Reload \
			2> "$tmp/err"; then
			fail "$case: Reload refused"
		else
			check "$case: the error names the file and the problem" grep -Eq "$2" "$tmp/err"
		fi
	else
		kill -HUP "$daemon_pid"
	fi
	check "$case: socket CONFIG event says '$2'" wait_for 30 \
		grep -Eq "\"class\":\"CONFIG\",\"error\":\"[^\"]*$2" "$tmp/watch.log"
	check "$case: Manager.ConfigError says '$2'" sh -c \
		"busctl --address='$addr' get-property org.tinysense1 /org/tinysense1 \
			org.tinysense1.Manager ConfigError | grep -Eq \"$2\""
	check "$case: STATUS config_error says '$2'" sh -c \
		"'$ctl' status --json --socket '$sock' | grep -Eq '\"config_error\":\"[^\"]*$2'"
	check "$case: only steady runs (D-Bus)" prop_is manager - Pipelines "ao 1 \"$PIPE/steady\""
	check "$case: steady running on the socket" socket_state_is steady running
	check "$case: steady still detects" serving steady 40
}

case="unknown key"
{ lib_kws new; echo "Colour=blue"; } > "$new"
refused dbus "new.conf:[0-9]+.*Colour"
case="bad value"
lib_kws new | sed 's/^Threshold=0.8/Threshold=2/' > "$new"
refused hup "new.conf:[0-9]+.*Threshold"
case="syntax error"
{ lib_kws new; echo "[Detect"; } > "$new"
refused dbus "new.conf"
case="a name used twice"
lib_kws steady > "$new"
refused hup "Name=steady is already used"
case="missing model"
lib_kws new "" "$tmp/nowhere.tflite" > "$new"
refused dbus "nowhere.tflite"
case="a pipeline file that is a directory"
rm "$new"
mkdir "$new"
refused dbus "new.conf"
rmdir "$new"

: > "$tmp/watch.log"
lib_kws new > "$new"
check "fixed: Reload succeeds" bctl call org.tinysense1 /org/tinysense1 \
	org.tinysense1.Manager Reload
check "fixed: ConfigError cleared" prop_is manager - ConfigError 's ""'
check "fixed: CONFIG event without error" wait_for 20 \
	grep -q '"class":"CONFIG","error":null' "$tmp/watch.log"
check "fixed: the socket announces both pipelines" \
	grep -q '"class":"PIPELINES","pipelines":\[{"name":"new".*{"name":"steady"' "$tmp/watch.log"
for p in steady new; do
	check "fixed: $p running" wait_prop 30 pipeline "$p" State 's "running"'
	check "fixed: $p detects" serving "$p" 60
done
lib_finish
