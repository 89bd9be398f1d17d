#!/bin/sh
# tinysensed's system integration (systemd/), checked with the real tools:
#  - systemd-analyze verify on tinysensed.service and tinysensed.socket
#  - systemd-analyze security --offline: exposure level at most 2.0
#  - systemd-sysusers / systemd-tmpfiles --root= on an empty temp root
#  - the D-Bus policy and activation file on a private system-type dbus-daemon
#    (default-deny policy copied from /usr/share/dbus-1/system.conf), with
#    dbus-test-tool (package dbus-tests) owning org.tinysense1 as a stand-in
#    daemon, then the real daemon (TS_CTL's folder) for its signals, and
#    callers switched to other users with setpriv (needs root).
# Skips (exit 0) only when systemd-analyze or dbus-daemon is not installed.
set -u

for tool in systemd-analyze dbus-daemon; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP test_systemd_units.sh: $tool is not installed (Debian packages systemd, dbus-daemon)"
		exit 0
	fi
done

top=$(cd "$(dirname "$0")/../.." && pwd)
units=$top/systemd
tmp=$(mktemp -d)
bus_pid=""
owner_pid=""
cleanup() {
	for pid in $owner_pid $bus_pid; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
failures=0

ok() { echo "ok   $1"; }
fail() { echo "FAIL $1"; failures=$((failures + 1)); }
check() { name=$1; shift; if "$@"; then ok "$name"; else fail "$name"; fi; }
# show a tool's output under a failure
show() { sed 's/^/     | /' "$1"; }

# ---- unit files: what the daemon relies on ---------------------------------
svc=$units/tinysensed.service
# shellcheck disable=SC2016 # $MAINPID is literal text in the unit
for line in 'Type=notify' 'ExecStart=/usr/sbin/tinysensed' \
	'ExecReload=/bin/kill -HUP $MAINPID' 'WatchdogSec=30s' 'Restart=always' \
	'User=tinysense' 'Group=tinysense' 'RuntimeDirectory=tinysense' \
	'ConfigurationDirectory=tinysense' 'ProtectSystem=strict' \
	'DeviceAllow=char-iio rw' 'DeviceAllow=char-alsa rw' 'DeviceAllow=char-gpiochip rw'; do
	check "service has $line" grep -qxF "$line" "$svc"
done
check "service allows AF_UNIX and AF_NETLINK" \
	grep -qx 'RestrictAddressFamilies=AF_UNIX AF_NETLINK' "$svc"
for line in 'ListenStream=/run/tinysense/tinysense.sock' 'SocketMode=0660' \
	'SocketGroup=tinysense' 'Service=tinysensed.service'; do
	check "socket has $line" grep -qxF "$line" "$units/tinysensed.socket"
done

# ---- systemd-analyze verify ---------------------------------------------------
# verify needs ExecStart= to name an existing executable: check a copy whose
# ExecStart points at a stub in the temp dir (the only line changed).
mkdir -p "$tmp/units" "$tmp/sbin"
printf '#!/bin/sh\nexit 0\n' > "$tmp/sbin/tinysensed"
chmod 0755 "$tmp/sbin/tinysensed"
sed "s|^ExecStart=/usr/sbin/tinysensed|ExecStart=$tmp/sbin/tinysensed|" "$svc" \
	> "$tmp/units/tinysensed.service"
cp "$units/tinysensed.socket" "$tmp/units/"
if systemd-analyze verify --man=no "$tmp/units/tinysensed.service" \
	"$tmp/units/tinysensed.socket" > "$tmp/verify.out" 2>&1 && ! [ -s "$tmp/verify.out" ]; then
	ok "systemd-analyze verify: no errors or warnings"
else
	fail "systemd-analyze verify"; show "$tmp/verify.out"
fi

# ---- systemd-analyze security -------------------------------------------------
systemd-analyze security --offline=yes --threshold=20 "$svc" > "$tmp/security.out" 2>&1
rc=$?
level=$(sed -n 's/.*Overall exposure level for tinysensed.service: \([0-9.]*\).*/\1/p' \
	"$tmp/security.out")
if [ $rc -eq 0 ] && [ -n "$level" ] && awk -v l="$level" 'BEGIN { exit !(l <= 2.0) }'; then
	ok "systemd-analyze security: exposure $level <= 2.0"
else
	fail "systemd-analyze security: exposure '${level:-?}' (rc $rc), want <= 2.0"
	grep -E '^✗|Overall' "$tmp/security.out" | show /dev/stdin
fi

# ---- sysusers.d and tmpfiles.d, applied to an empty root ----------------------
root=$tmp/root
mkdir -p "$root/etc" "$root/usr/lib/sysusers.d" "$root/usr/lib/tmpfiles.d"
cp "$units/tinysense.sysusers" "$root/usr/lib/sysusers.d/tinysense.conf"
cp "$units/tinysense.tmpfiles" "$root/usr/lib/tmpfiles.d/tinysense.conf"
if systemd-sysusers --root="$root" > "$tmp/sysusers.out" 2>&1; then
	ok "systemd-sysusers applies tinysense.sysusers"
else
	fail "systemd-sysusers"; show "$tmp/sysusers.out"
fi
check "sysusers: user tinysense, group tinysense, home /, no login" \
	sh -c "grep -q '^tinysense:x:\([0-9]*\):\1:[^:]*:/:/usr/sbin/nologin\$' '$root/etc/passwd' &&
		grep -q '^tinysense:x:' '$root/etc/group'"
# every group tinysensed.service names must exist once sysusers has run
groups=$(sed -n 's/^SupplementaryGroups=//p' "$svc")
for g in $groups; do
	check "sysusers: supplementary group $g exists" grep -q "^$g:x:" "$root/etc/group"
done
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP systemd-tmpfiles --root: it needs root (chown to tinysense)"
elif systemd-tmpfiles --root="$root" --create > "$tmp/tmpfiles.out" 2>&1; then
	ok "systemd-tmpfiles applies tinysense.tmpfiles"
	uid=$(sed -n 's/^tinysense:x:\([0-9]*\):.*/\1/p' "$root/etc/passwd")
	check "tmpfiles: /run/tinysense 0755 tinysense" \
		test "$(stat -c '%a %u %g' "$root/run/tinysense" 2>/dev/null)" = "755 $uid $uid"
	check "tmpfiles: /etc/tinysense/pipelines.d" test -d "$root/etc/tinysense/pipelines.d"
else
	fail "systemd-tmpfiles"; show "$tmp/tmpfiles.out"
fi

# ---- D-Bus policy on a private system-type bus ---------------------------------
# The policy names user and group tinysense, which this machine may not have:
# the copy under test names stand-ins that exist everywhere (user daemon for
# the daemon's user, group adm for group tinysense); nothing else changes.
mkdir -p "$tmp/bus/system.d" "$tmp/bus/services"
chmod 0755 "$tmp" "$tmp/bus"
sed -e 's/user="tinysense"/user="daemon"/' -e 's/group="tinysense"/group="adm"/' \
	"$units/org.tinysense1.conf" > "$tmp/bus/system.d/org.tinysense1.conf"
check "policy names user and group tinysense" \
	sh -c "! cmp -s '$units/org.tinysense1.conf' '$tmp/bus/system.d/org.tinysense1.conf'"
cp "$units/org.tinysense1.service" "$tmp/bus/services/"
{
	echo '<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"'
	echo ' "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">'
	echo '<busconfig>'
	echo '  <type>system</type>'
	echo "  <listen>unix:path=$tmp/bus/socket</listen>"
	echo '  <auth>EXTERNAL</auth>'
	echo "  <servicedir>$tmp/bus/services</servicedir>"
	sed -n '/<policy context="default">/,/<\/policy>/p' /usr/share/dbus-1/system.conf
	echo "  <includedir>$tmp/bus/system.d</includedir>"
	echo '</busconfig>'
} > "$tmp/bus/bus.conf"

dbus-daemon --config-file="$tmp/bus/bus.conf" --nofork --nopidfile --print-address=3 \
	3> "$tmp/bus/address" 2> "$tmp/bus/daemon.log" &
bus_pid=$!
i=0
while ! [ -s "$tmp/bus/address" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
addr=$(head -n 1 "$tmp/bus/address")
if [ -z "$addr" ]; then
	fail "private system bus starts"; show "$tmp/bus/daemon.log"
	echo "$failures check(s) failed"; exit 1
fi
ok "private system bus starts with the policy"
check "policy parses without complaint" \
	sh -c "! grep -iE 'unknown (user|group)|invalid|encountered error|not valid' '$tmp/bus/daemon.log'"

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP D-Bus checks as other users: they need root (setpriv)"
	[ $failures -eq 0 ] || { echo "$failures check(s) failed"; exit 1; }
	exit 0
fi
if ! command -v dbus-test-tool >/dev/null 2>&1; then
	fail "dbus-test-tool is not installed (Debian package dbus-tests)"
	echo "$failures check(s) failed"; exit 1
fi

nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
member() { setpriv --reuid=nobody --regid=nogroup --groups=adm "$@"; }    # group tinysense
svcuser() { setpriv --reuid=daemon --regid=daemon --clear-groups "$@"; }  # user tinysense
bus() { busctl --address="$addr" --timeout=10 "$@"; }
own() { bus call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
	RequestName su org.tinysense1 0; }
# expect_ok NAME CMD...: the call succeeds.  expect_denied NAME CMD...: the
# bus refuses it by policy.
expect_ok() {
	name=$1; shift
	if "$@" > "$tmp/call.out" 2>&1; then ok "$name"; else fail "$name"; show "$tmp/call.out"; fi
}
expect_denied() {
	name=$1; shift
	if "$@" > "$tmp/call.out" 2>&1; then
		fail "$name (it succeeded)"
	elif grep -qiE 'access ?denied|not allowed to own' "$tmp/call.out"; then
		ok "$name"
	else
		fail "$name (failed otherwise)"; show "$tmp/call.out"
	fi
}

# ownership: the connection ends with busctl, and the name with it
expect_ok "root may own org.tinysense1" own
expect_ok "user tinysense may own org.tinysense1" svcuser busctl --address="$addr" \
	call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
	RequestName su org.tinysense1 0
expect_denied "nobody may not own org.tinysense1" nobody busctl --address="$addr" \
	call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
	RequestName su org.tinysense1 0
expect_denied "group tinysense may not own org.tinysense1" member busctl --address="$addr" \
	call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
	RequestName su org.tinysense1 0

# activation file: with no owner the bus runs its Exec= (/bin/false here, as
# this bus is not run by systemd), so the call fails with "exited", not
# "ServiceUnknown"
bus call org.tinysense1 /org/tinysense1 org.tinysense1.Manager ListPipelines \
	> "$tmp/call.out" 2>&1
check "activation file is read (Name=org.tinysense1)" \
	grep -q 'org.tinysense1 exited with status 1' "$tmp/call.out"

# a stand-in daemon: dbus-test-tool answers every method call with an empty reply
DBUS_SYSTEM_BUS_ADDRESS=$addr dbus-test-tool echo --system --name=org.tinysense1 &
owner_pid=$!
i=0
while ! bus call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
	GetNameOwner s org.tinysense1 > /dev/null 2>&1 && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
expect_ok "stand-in daemon owns org.tinysense1" bus call org.freedesktop.DBus \
	/org/freedesktop/DBus org.freedesktop.DBus GetNameOwner s org.tinysense1

m=/org/tinysense1
p=/org/tinysense1/pipeline/kws
s=/org/tinysense1/sensor/mic0
# others may ping, and read nothing: D-Bus has the socket's readers
expect_ok "nobody: Peer.Ping" nobody busctl --address="$addr" \
	call org.tinysense1 $m org.freedesktop.DBus.Peer Ping
expect_denied "nobody: Introspect denied" nobody busctl --address="$addr" \
	call org.tinysense1 $m org.freedesktop.DBus.Introspectable Introspect
expect_denied "nobody: Properties.Get denied" nobody busctl --address="$addr" \
	call org.tinysense1 $s org.freedesktop.DBus.Properties Get ss org.tinysense1.Sensor Name
expect_denied "nobody: Properties.GetAll denied" nobody busctl --address="$addr" \
	call org.tinysense1 $p org.freedesktop.DBus.Properties GetAll s org.tinysense1.Pipeline
expect_denied "nobody: ObjectManager.GetManagedObjects denied" nobody busctl --address="$addr" \
	call org.tinysense1 $m org.freedesktop.DBus.ObjectManager GetManagedObjects
expect_denied "nobody: Manager.ListPipelines denied" nobody busctl --address="$addr" \
	call org.tinysense1 $m org.tinysense1.Manager ListPipelines
expect_ok "group tinysense: Properties.Get" member busctl --address="$addr" \
	call org.tinysense1 $s org.freedesktop.DBus.Properties Get ss org.tinysense1.Sensor Name
expect_ok "group tinysense: Manager.ListPipelines" member busctl --address="$addr" \
	call org.tinysense1 $m org.tinysense1.Manager ListPipelines
# nor change anything
expect_denied "nobody: Manager.Reload denied" nobody dbus-send --bus="$addr" \
	--print-reply --dest=org.tinysense1 $m org.tinysense1.Manager.Reload
expect_denied "nobody: Pipeline.Start denied" nobody busctl --address="$addr" \
	call org.tinysense1 $p org.tinysense1.Pipeline Start
expect_denied "nobody: Pipeline.Stop denied" nobody busctl --address="$addr" \
	call org.tinysense1 $p org.tinysense1.Pipeline Stop
expect_denied "nobody: Pipeline.SetThreshold denied" nobody busctl --address="$addr" \
	call org.tinysense1 $p org.tinysense1.Pipeline SetThreshold d 0.5
expect_denied "nobody: Properties.Set denied" nobody busctl --address="$addr" \
	call org.tinysense1 $p org.freedesktop.DBus.Properties Set ssv \
	org.tinysense1.Pipeline Threshold d 0.5
# root and group tinysense may call everything
expect_ok "root: Manager.Reload" dbus-send --bus="$addr" --print-reply \
	--dest=org.tinysense1 $m org.tinysense1.Manager.Reload
expect_ok "root: Pipeline.SetThreshold" bus \
	call org.tinysense1 $p org.tinysense1.Pipeline SetThreshold d 0.5
expect_ok "group tinysense: Manager.Reload" member busctl --address="$addr" \
	call org.tinysense1 $m org.tinysense1.Manager Reload
expect_ok "group tinysense: Pipeline.Start" member busctl --address="$addr" \
	call org.tinysense1 $p org.tinysense1.Pipeline Start
expect_ok "group tinysense: Pipeline.Stop" member busctl --address="$addr" \
	call org.tinysense1 $p org.tinysense1.Pipeline Stop
expect_ok "group tinysense: Pipeline.SetThreshold" member busctl --address="$addr" \
	call org.tinysense1 $p org.tinysense1.Pipeline SetThreshold d 0.5

# The real daemon on this bus: its Detection signals reach root and group
# tinysense, and nobody else (gdbus monitor subscribes with a match rule, as
# any client would; it does not eavesdrop).
kill "$owner_pid" 2> /dev/null; wait "$owner_pid" 2> /dev/null; owner_pid=""
daemon=${TS_DAEMON:-$(dirname "${TS_CTL:-$top/build/tinysensectl}")/tinysensed}
shared=${TS_SHARED:-$top/../shared}
if [ -x "$daemon" ] && command -v gdbus > /dev/null && [ -d "$shared/frontend" ]; then
	mkdir -p "$tmp/conf/pipelines.d"
	printf '[Daemon]\nBus=system\nSocketPath=\n' > "$tmp/conf/tinysense.conf"
	printf '[Pipeline]\nName=kws\n[Source]\nPlugin=replay\nPath=%s\nPace=realtime\nLoop=yes\n[Frontend]\nType=audio\nPreset=micro_speech\n[Model]\nPath=%s\nLabels=silence,unknown,yes,no\n[Detect]\nThreshold=0.8\nRefractory=500ms\nIgnore=silence,unknown\n' \
		"$shared/frontend/yes_1000ms.wav" "$shared/conformance/micro-speech.tflite" \
		> "$tmp/conf/pipelines.d/kws.conf"
	"$daemon" --config "$tmp/conf" --bus-address="$addr" > "$tmp/daemon.log" 2>&1 &
	owner_pid=$!
	i=0
	while ! bus call org.tinysense1 $m org.freedesktop.DBus.Peer Ping > /dev/null 2>&1 &&
		[ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	nobody timeout 4 gdbus monitor --address "$addr" --dest org.tinysense1 \
		> "$tmp/nobody.sig" 2>&1 &
	nobody_mon=$!
	member timeout 4 gdbus monitor --address "$addr" --dest org.tinysense1 \
		> "$tmp/member.sig" 2>&1 &
	member_mon=$!
	wait $nobody_mon $member_mon
	check "group tinysense receives Detection signals" \
		grep -q '^/org/tinysense1/pipeline/kws: org.tinysense1.Pipeline.Detection' "$tmp/member.sig"
	check "nobody listens (gdbus monitor ran)" grep -q '^Monitoring signals' "$tmp/nobody.sig"
	check "nobody receives no signal of the daemon" sh -c "! grep -q '^/org/tinysense1' '$tmp/nobody.sig'"
	expect_denied "nobody: Properties.Get of the real daemon denied" nobody busctl --address="$addr" \
		get-property org.tinysense1 $p org.tinysense1.Pipeline LastLabel
	expect_ok "group tinysense: LastLabel of the real daemon" member busctl --address="$addr" \
		get-property org.tinysense1 $p org.tinysense1.Pipeline LastLabel
else
	fail "no daemon at $daemon, no gdbus or no $shared/frontend: signal policy not checked"
fi

if [ $failures -ne 0 ]; then
	echo "$failures check(s) failed"
	exit 1
fi
echo "all systemd unit checks passed"
