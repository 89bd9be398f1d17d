#!/bin/sh
# Fault: the socket's directory is missing at start.  (a) Missing, two
# levels deep: the daemon makes it and listens.  (b) It cannot be made (a
# file stands where a directory must be): the daemon starts anyway, runs
# its pipelines and serves D-Bus, logs why, and listens as soon as the
# obstacle is gone.  (c) The socket file, then its directory, deleted while
# the daemon runs: made again within seconds, and a connected watcher keeps
# its connection (the bug: never re-created).  (d) A full file system (a
# tmpfs with no inode left; root only): the log says "No space left on
# device", not "No such file or directory".
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
lib_need dbus-daemon busctl python3

lib_start_bus
lib_config
lib_kws kws > "$conf/pipelines.d/kws.conf"

# (a) two missing levels
sock=$tmp/run/tinysense/sock
lib_config "SocketPath=$sock"
lib_start_daemon
check "missing directories: made, and the socket answers" socket_answers "$sock"
check "the directory is 0755" test "$(stat -c %a "$tmp/run/tinysense")" = 755
lib_watch
check "kws detects on the socket and D-Bus" serving kws 60
kill "$daemon_pid"
wait "$daemon_job"
rc=$?
daemon_pid='' daemon_job=''
check "(a) SIGTERM: exit 0" test "$rc" -eq 0
lib_stop "$watch_pid"
watch_pid=

# (b) a file where the directory must be
sock=$tmp/blocked/sock
: > "$tmp/blocked"
lib_config "SocketPath=$sock"
"$daemon" --config "$conf" --bus-address "$addr" > "$tmp/daemon.log" 2>&1 &
daemon_pid=$! daemon_job=$!
check "blocked: the daemon serves D-Bus" wait_for 100 prop_is manager - Version \
	"s \"$("$daemon" --version | awk '{print $2}')\""
check "blocked: its pipeline runs" wait_prop 50 pipeline kws State 's "running"'
check "blocked: and detects" wait_for 60 sh -c \
	"[ \"\$(busctl --address='$addr' get-property org.tinysense1 $PIPE/kws \
		org.tinysense1.Pipeline Detections | cut -d' ' -f2)\" -gt 0 ]"
check "blocked: the log says why" grep -q "socket $sock: Not a directory; running without it, retrying" \
	"$tmp/daemon.log"
check "blocked: no socket" test ! -e "$sock"
rm "$tmp/blocked"
check "unblocked: the socket answers within 5 s" wait_for 50 socket_answers "$sock"
check "unblocked: the log says so" grep -q "socket: listening on $sock" "$tmp/daemon.log"
lib_watch
check "unblocked: kws detects on the socket and D-Bus" serving kws 60

# (c) deleted under the daemon
rm "$sock"
check "deleted: the socket answers again within 5 s" wait_for 50 socket_answers "$sock"
check "deleted: the log says so" grep -q "socket $sock: the file was removed or replaced" \
	"$tmp/daemon.log"
rm -r "$tmp/blocked"
check "directory deleted: the socket answers again within 5 s" wait_for 50 socket_answers "$sock"
before=$(grep -c DETECTION "$tmp/watch.log")
more_detections() { [ "$(grep -c DETECTION "$tmp/watch.log")" -gt "$before" ]; }
check "the watcher connected before keeps receiving" wait_for 60 more_detections
kill "$daemon_pid"
wait "$daemon_job"
rc=$?
daemon_pid='' daemon_job=''
check "(c) SIGTERM: exit 0" test "$rc" -eq 0
lib_stop "$watch_pid"
watch_pid=

# (d) no space for the directory
mkdir "$tmp/full"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=64k,nr_inodes=1 tinysense-full "$tmp/full" 2> /dev/null; then
	lib_config "SocketPath=$tmp/full/dir/sock"
	"$daemon" --config "$conf" --bus-address "$addr" > "$tmp/daemon.log" 2>&1 &
	daemon_pid=$! daemon_job=$!
	says_no_space() { grep -q "socket $tmp/full/dir/sock: No space left on device; running without it" "$tmp/daemon.log"; }
	check "full: the log says No space left on device" wait_for 50 says_no_space
	check "full: not 'No such file or directory'" sh -c "! grep -q 'No such file or directory' '$tmp/daemon.log'"
	lib_stop "$daemon_pid"
	daemon_pid='' daemon_job=''
	umount "$tmp/full"
else
	skip "full file system (needs root and tmpfs)"
fi
lib_summary
