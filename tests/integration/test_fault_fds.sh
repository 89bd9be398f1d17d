#!/bin/sh
# The daemon out of file descriptors (a hard limit of 64, every one taken by
# idle socket clients): root's Stop and Start over D-Bus still work, since
# the caller is recognised by the uid the bus daemon vouches for, with no
# /proc file to open (the bug: "the caller's credentials are unknown"); the
# daemon keeps serving, and serves the socket again once clients leave.
# Needs root (busctl calls as root are what is checked), prlimit, python3.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
lib_need dbus-daemon busctl prlimit python3
if [ "$(id -u)" != 0 ]; then
	skip "descriptor exhaustion (root's calls are what it checks)"
	lib_summary
	exit $?
fi

lib_start_bus
lib_config
lib_kws kws > "$conf/pipelines.d/kws.conf"
lib_start_daemon prlimit --nofile=64:64
check "the daemon runs with 64 descriptors at most" \
	grep -q '^Max open files *64 *64' "/proc/$daemon_pid/limits"

# Idle clients until the daemon has no descriptor left (it stops accepting).
cat > "$tmp/hog.py" <<'PY'
import socket, sys, time
held = []
for _ in range(200):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(1.0)
    try:
        s.connect(sys.argv[1])
        held.append(s)
    except OSError:
        break
open(sys.argv[2], "w").write("%d\n" % len(held))
time.sleep(float(sys.argv[3]))
PY
python3 "$tmp/hog.py" "$sock" "$tmp/held" 8 &
hog=$!
wait_for 50 test -s "$tmp/held"
sleep 1
check "every descriptor is taken" \
	sh -c "[ \$(ls /proc/$daemon_pid/fd | wc -l) -ge 62 ]"
check "root may Stop with no descriptor left" \
	bctl call org.tinysense1 "$PIPE/kws" org.tinysense1.Pipeline Stop
check "State stopped" prop_is pipeline kws State 's "stopped"'
check "root may Start with no descriptor left" \
	bctl call org.tinysense1 "$PIPE/kws" org.tinysense1.Pipeline Start
check "State running" prop_is pipeline kws State 's "running"'
lib_stop "$hog"
check "the socket serves again once the clients left" wait_for 100 socket_answers "$sock"
lib_finish
