#!/bin/bash
# The whole-system test, inside the arm64 VM (tinysense-system-test.service
# runs it as root after boot).  /payload (the second disk) holds the
# tinysense .deb, the keyword model, the recording and this script; results
# go to /payload/results: log (this output), journal.txt, status (PASS or
# FAIL: step).  Every step has a timeout; the first failure ends the test.
set -uo pipefail
P=/payload
R=$P/results
mkdir -p "$R"
# Output: to results/log and, through the unit, to the journal and console.
exec 3>&1 > >(tee "$R/log" >&3) 2>&1
BUS=org.tinysense1
PIPE_PATH=/org/tinysense1/pipeline/kws
T0=$(date +%s)

finish() {
	echo "TS-SYSTEM-RESULT: $1"
	journalctl -b --no-pager -o short-monotonic >"$R/journal.txt" 2>&1
	# Let tee write out the log before the status says it is complete.
	exec >&3 2>&3
	sleep 1
	echo "$1" >"$R/status"
	sync
	exit 0
}
step() { echo "== [$(( $(date +%s) - T0 ))s] $*"; }
fail() {
	echo "FAIL: $*"
	echo "---- tinysensed journal (last 60 lines)"
	journalctl -b -u tinysensed --no-pager -n 60 -o short-monotonic
	finish "FAIL: $*"
}
# run TIMEOUT CMD...: the command, with a time limit, failing the test.
run() {
	local t=$1; shift
	timeout -k 5 "$t" "$@" || fail "'$*' exited $?"
}

step "kernel $(uname -r), $(systemctl --version | head -n1)"
# ---- the package ------------------------------------------------------------
step "dpkg -i $(cd $P && ls tinysense_*_arm64.deb)"
run 120 dpkg -i $P/tinysense_*_arm64.deb
id tinysense || fail "no user tinysense after install (sysusers)"
getent group tinysense >/dev/null || fail "no group tinysense"
[ "$(stat -c %U:%G /run/tinysense)" = tinysense:tinysense ] ||
	fail "/run/tinysense is $(stat -c %U:%G /run/tinysense), not tinysense:tinysense (tmpfiles)"
[ "$(systemctl is-enabled tinysensed.service)" = enabled ] || fail "tinysensed.service not enabled"
dpkg-query -W -f='${Conffiles}\n' tinysense | grep -q /etc/tinysense/tinysense.conf ||
	fail "/etc/tinysense/tinysense.conf is not a conffile"
VERSION=$(dpkg-query -W -f='${Version}' tinysense)
# The package started the service: it must own its bus name at once (the
# bus policy names user tinysense, who exists only from the postinst on).
[ "$(systemctl is-active tinysensed.service)" = active ] || fail "the package did not start tinysensed"
timeout 20 busctl --system get-property $BUS /org/tinysense1 org.tinysense1.Manager Version ||
	fail "tinysensed started by the package is not on the system bus"
[ "$(systemctl is-active tinysensed.socket)" = active ] || fail "tinysensed.socket is not listening"

# ---- kernel devices: a sound card loop and a pressure sensor -------------------
step "snd-aloop"
run 30 modprobe snd-aloop
run 30 udevadm settle
arecord -l | grep -q Loopback || fail "no Loopback card after modprobe snd-aloop"
if [ -e $P/bmp280.sh ]; then
	step "bmp280 on an emulated i2c bus"
	# shellcheck source=/dev/null
	. $P/bmp280.sh || fail "bmp280 set-up"
fi

# ---- configuration and start ----------------------------------------------------
step "pipelines"
systemctl stop tinysensed.service
# The package's own keyword pipeline and model, as the README tells users:
# its Device= pointed at the loop's capture side (hw:Loopback,1,0 records
# what is played into hw:Loopback,0,0), with 640 ms of buffer (an emulated
# CPU on a busy host is late now and then).
[ -f /usr/share/tinysense/models/kws.tflite ] || fail "the package has no kws.tflite"
sed -e 's/^Device=.*/Device=hw:Loopback,1,0/' -e 's/^Channels=1$/Channels=1\nBufferPeriods=32/' \
	/usr/share/tinysense/pipelines/kws.conf >/etc/tinysense/pipelines.d/kws.conf ||
	fail "no /usr/share/tinysense/pipelines/kws.conf"
grep -q '^BufferPeriods=32' /etc/tinysense/pipelines.d/kws.conf || fail "kws.conf: no Channels=1 line"
if [ -e $P/baro.conf ]; then
	install -m 0644 $P/hello_world.tflite /usr/share/tinysense/models/hello_world.tflite
	cp $P/baro.conf /etc/tinysense/pipelines.d/
fi
run 60 tinysensed --check-config

step "systemctl start tinysensed"
run 90 systemctl start tinysensed.service
[ "$(systemctl is-active tinysensed.service)" = active ] || fail "tinysensed is not active"
[ "$(systemctl show -P User tinysensed.service)" = tinysense ] || fail "not running as tinysense"
[ "$(stat -c '%U:%G %a' /run/tinysense/tinysense.sock)" = "root:tinysense 660" ] ||
	fail "control socket is $(stat -c '%U:%G %a' /run/tinysense/tinysense.sock), not root:tinysense 660"
pid=$(systemctl show -P MainPID tinysensed.service)
[ "$(stat -c %U /proc/"$pid")" = tinysense ] || fail "process $pid is not user tinysense"

# ---- the system bus ---------------------------------------------------------------
step "busctl --system"
v=$(timeout 20 busctl --system get-property $BUS /org/tinysense1 org.tinysense1.Manager Version) ||
	fail "get-property Version"
[ "$v" = "s \"$VERSION\"" ] || fail "Version is $v, the package is $VERSION"
l=$(timeout 20 busctl --system call $BUS /org/tinysense1 org.tinysense1.Manager ListPipelines) ||
	fail "ListPipelines"
echo "ListPipelines: $l"
# degraded: running, with overruns counted (an emulated CPU can be late).
echo "$l" | grep -Eq "\"kws\" \"(running|degraded)\" \"$PIPE_PATH\"" || fail "kws is not running: $l"
timeout 20 busctl --system introspect $BUS $PIPE_PATH org.tinysense1.Pipeline | grep -q Detection ||
	fail "no Detection signal in the introspection of $PIPE_PATH"

# ---- audio in, Detection signals out --------------------------------------------------
step "play the recording into snd-aloop, watch Detection signals"
timeout -k 2 40 busctl --system monitor --json=short \
	--match "type=signal,sender=$BUS,interface=org.tinysense1.Pipeline,member=Detection" \
	>"$R/signals.json" 2>"$R/monitor.err" &
mon=$!
sleep 2
run 60 aplay -q -D hw:Loopback,0,0 $P/demo_yes_no.wav
sleep 3
kill "$mon" 2>/dev/null; wait "$mon" 2>/dev/null
cat "$R/signals.json"
labels=$(grep -o '"data":\["[a-z]*"' "$R/signals.json" | cut -d'"' -f4 | tr '\n' ' ')
echo "Detection signals: ${labels:-none}"
case " $labels " in *" yes "*) ;; *) fail "no 'yes' Detection signal (got: ${labels:-none})" ;; esac
case " $labels " in *" no "*) ;; *) fail "no 'no' Detection signal (got: ${labels:-none})" ;; esac
ctl=$(timeout 20 tinysensectl last kws) || fail "tinysensectl last kws"
echo "$ctl"
echo "$ctl" | grep -q yes || fail "tinysensectl last kws shows no 'yes'"

# ---- the pressure sensor through the iio plugin ---------------------------------------
if [ -e $P/baro.conf ]; then
	step "bmp280 through the iio plugin"
	prop() { timeout 20 busctl --system get-property $BUS "$1" "$2" "$3"; }
	samples=$(prop /org/tinysense1/sensor/baro org.tinysense1.Sensor Samples) ||
		fail "Sensor.Samples of baro"
	echo "baro: Samples $samples, State $(prop /org/tinysense1/sensor/baro org.tinysense1.Sensor State)"
	echo "baro: ChannelInfo $(prop /org/tinysense1/sensor/baro org.tinysense1.Sensor ChannelInfo)"
	[ "${samples#t }" -gt 0 ] || fail "no samples from the bmp280"
	prop /org/tinysense1/sensor/baro org.tinysense1.Sensor ChannelInfo | grep -q '"temp"' ||
		fail "baro's ChannelInfo has no temp channel"
	last=$(prop /org/tinysense1/pipeline/baro org.tinysense1.Pipeline LastLabel)
	echo "baro: LastLabel $last, Detections $(prop /org/tinysense1/pipeline/baro org.tinysense1.Pipeline Detections)"
	[ "$last" = 's "warm"' ] || fail "baro did not detect 'warm' from the bmp280's 25.08 degC (LastLabel $last)"
fi

# ---- who may stop a pipeline --------------------------------------------------------
step "Stop() from a user outside group tinysense is refused"
out=$(timeout 20 setpriv --reuid=nobody --regid=nogroup --clear-groups \
	busctl --system call $BUS $PIPE_PATH org.tinysense1.Pipeline Stop 2>&1) &&
	fail "nobody could call Stop(): $out"
echo "nobody: $out"
echo "$out" | grep -q "Access denied" || fail "Stop() as nobody failed, but not with Access denied: $out"
st=$(timeout 20 busctl --system get-property $BUS $PIPE_PATH org.tinysense1.Pipeline State)
case $st in 's "running"'|'s "degraded"') ;; *) fail "after the refused Stop(), State is $st" ;; esac
out=$(timeout 20 setpriv --reuid=nobody --regid=nogroup --clear-groups busctl --system \
	get-property $BUS $PIPE_PATH org.tinysense1.Pipeline State 2>&1) &&
	fail "nobody could read State (D-Bus has the socket's readers): $out"
echo "$out" | grep -q "Access denied" || fail "nobody's State read failed, but not with Access denied: $out"
out=$(timeout 20 setpriv --reuid=nobody --regid=nogroup --clear-groups tinysensectl status 2>&1) &&
	fail "nobody could use the control socket: $out"
echo "nobody, socket: $out"

step "Stop() and Start() from a member of group tinysense"
grp=$(getent group tinysense | cut -d: -f3)
run 20 setpriv --reuid=nobody --regid=nogroup --groups="$grp" \
	busctl --system call $BUS $PIPE_PATH org.tinysense1.Pipeline Stop
st=$(timeout 20 busctl --system get-property $BUS $PIPE_PATH org.tinysense1.Pipeline State)
[ "$st" = 's "stopped"' ] || fail "after Stop() by a group member, State is $st"
run 20 setpriv --reuid=nobody --regid=nogroup --groups="$grp" \
	busctl --system call $BUS $PIPE_PATH org.tinysense1.Pipeline Start
run 20 setpriv --reuid=nobody --regid=nogroup --groups="$grp" tinysensectl status
run 20 setpriv --reuid=nobody --regid=nogroup --groups="$grp" \
	busctl --system get-property $BUS $PIPE_PATH org.tinysense1.Pipeline State

# ---- reload, stop, remove ------------------------------------------------------------
step "systemctl reload, stop; dpkg -r keeps the configuration, --purge removes it"
run 60 systemctl reload tinysensed.service
[ "$(systemctl is-active tinysensed.service)" = active ] || fail "not active after reload"
run 60 systemctl stop tinysensed.service
run 120 dpkg -r tinysense
[ -e /etc/tinysense/tinysense.conf ] || fail "dpkg -r removed the conffile"
[ ! -e /usr/sbin/tinysensed ] || fail "dpkg -r left /usr/sbin/tinysensed"
run 120 dpkg --purge tinysense
[ ! -e /etc/tinysense/tinysense.conf ] || fail "dpkg --purge left /etc/tinysense/tinysense.conf"

step "done in $(( $(date +%s) - T0 )) s"
finish PASS
