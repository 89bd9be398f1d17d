#!/bin/sh
# make bench, the running daemon (numbers for this machine; nothing asserted):
#  (a) latency from the sample that completes a window to the D-Bus Detection
#      signal: three keyword pipelines (replay, Pace=realtime, Loop=yes) on
#      recordings with known keywords, a private dbus-daemon, and
#      `busctl monitor --json=short`; latency = the monitor's receive time
#      ("timestamp-realtime": busctl stamps CLOCK_REALTIME as it reads the
#      message) - the signal's own timestamp argument (realtime usec of the
#      completing sample).  It includes the replay source's 20 ms block
#      period: a window's last sample (320k+479) is handed over with its
#      block at sample 320(k+2), 161 samples = 10.06 ms later, as a sound
#      card period would.
#  (b) VmRSS and VmHWM (/proc/PID/status) with the three pipelines running;
#  (c) idle: the pipelines stopped over D-Bus (Pipeline.Stop), CPU time
#      (utime+stime, /proc/PID/stat) and context switches of every thread
#      over 10 s, then the system calls in 5 s (strace -c -f).
# Usage: tests/bench_daemon.sh BUILD SHARED   (BENCH_DAEMON_SECONDS: run time of (a), default 40)
set -eu
build=$(cd "$1" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
seconds=${BENCH_DAEMON_SECONDS:-40}
idle_seconds=10

for tool in dbus-daemon busctl; do
	command -v "$tool" > /dev/null || { echo "skipped: $tool is not installed"; exit 0; }
done
TS_CTL=$build/tinysensectl TS_SHARED=$2 TS_DAEMON=$build/tinysensed
# shellcheck source=tests/integration/lib.sh
. "$top/tests/integration/lib.sh"

lib_start_bus
lib_config SocketPath= LogLevel=warning
pipeline() { # NAME RECORDING
	cat > "$conf/pipelines.d/$1.conf" << EOF
[Pipeline]
Name=$1
[Source]
Plugin=replay
Path=$2
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
Refractory=1000ms
Ignore=silence,unknown
EOF
}
# yes, no, yes, no in 10.46 s; yes, (silence), no, (noise) in 4 s; yes in 1 s
pipeline demo "$top/models/recordings/demo_yes_no.wav"
pipeline stream "$shared/frontend/stream_yes_silence_no_noise.wav"
pipeline yes "$shared/frontend/yes_1000ms.wav"
names="demo stream yes"

# Every Detection from before the daemon starts.
bctl --json=short monitor \
	--match="type='signal',interface='org.tinysense1.Pipeline',member='Detection'" \
	> "$tmp/monitor" 2> "$tmp/monitor.err" &
lib_pids=$!
sleep 0.3
"$daemon" --config "$conf" --bus-address "$addr" > "$tmp/daemon.log" 2>&1 &
daemon_pid=$!
wait_served 100 || :

echo
echo "== tinysensed: three keyword pipelines (replay, Pace=realtime, Loop=yes) for $seconds s"
sleep "$seconds"
if ! lib_alive; then
	echo "tinysensed ended early:"; sed 's/^/    /' "$tmp/daemon.log"; exit 1
fi

# ---- (b) memory with three pipelines running ----------------------------------
status_kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$daemon_pid/status"; }
rss=$(status_kb VmRSS) hwm=$(status_kb VmHWM) threads=$(status_kb Threads)
running=0
for n in $names; do
	prop_is pipeline "$n" State 's "running"' && running=$((running + 1))
done

# ---- (c) idle: every pipeline stopped -----------------------------------------
for n in $names; do
	bctl call org.tinysense1 "/org/tinysense1/pipeline/$n" org.tinysense1.Pipeline Stop ||
		echo "    (Stop $n failed: idle numbers include it)"
done
sleep 1
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$daemon_pid/stat"; }
ctxt() { # voluntary + involuntary switches, over all threads
	cat /proc/"$daemon_pid"/task/*/status | awk '/_ctxt_switches:/ { n += $2 } END { print n }'
}
idle_rss=$(status_kb VmRSS) idle_threads=$(status_kb Threads)
t0=$(cpu_ticks) c0=$(ctxt)
sleep "$idle_seconds"
t1=$(cpu_ticks) c1=$(ctxt)
strace_line="strace not installed"
if command -v strace > /dev/null; then
	timeout -s INT 5 strace -c -f -p "$daemon_pid" -o "$tmp/strace" 2> /dev/null || :
	# "% time  seconds  usecs/call  calls  [errors]  syscall" rows, then "total"
	strace_line=$(awk '$1 ~ /^[0-9.]+$/ && NF >= 5 {
			if ($NF == "total") total = $4; else { list = list sep $NF " " $4; sep = ", " } }
		END { if (total != "") printf "%s system calls in 5 s%s\n", total, list ? " (" list ")" : "" }' \
		"$tmp/strace")
	[ -n "$strace_line" ] || strace_line="no system calls in 5 s"
fi

kill "$daemon_pid"
wait "$daemon_pid" || :
daemon_pid=
sleep 0.2
lib_stop "$lib_pids" # the monitor
lib_pids=

# ---- (a) latency ---------------------------------------------------------------------
# "timestamp-realtime":T ... "path":".../pipeline/NAME" ... "data":["label",score,SAMPLE_USEC]
sed -n 's|.*"timestamp-realtime":\([0-9]*\),.*"path":"/org/tinysense1/pipeline/\([^"]*\)".*"member":"Detection".*"data":\["\([^"]*\)",[^,]*,\([0-9]*\)\].*|\2 \3 \1 \4|p' \
	"$tmp/monitor" | awk '{ printf "%s %s %.3f\n", $1, $2, ($3 - $4) / 1000 }' > "$tmp/latency"
stats() { # latencies (ms) on stdin, one a line: n p50 p99 max
	sort -n | awk '{ v[NR] = $1 } END {
		if (!NR) { print "0 - - -"; exit }
		i50 = int(NR * 0.50); if (i50 < NR * 0.50) i50++
		i99 = int(NR * 0.99); if (i99 < NR * 0.99) i99++
		printf "%d %.1f %.1f %.1f\n", NR, v[i50], v[i99], v[NR] }'
}
echo "(a) latency, window's last sample -> Detection signal at a D-Bus monitor (ms):"
printf '    %-10s %5s %7s %7s %7s  %s\n' pipeline n p50 p99 max labels
for n in $names; do
	# shellcheck disable=SC2046 # the four words of stats
	set -- $(awk -v n="$n" '$1 == n { print $3 }' "$tmp/latency" | stats)
	printf '    %-10s %5s %7s %7s %7s  %s\n' "$n" "$1" "$2" "$3" "$4" \
		"$(awk -v n="$n" '$1 == n { c[$2]++ } END { for (l in c) { printf "%s%s:%d", s, l, c[l]; s = " " } }' "$tmp/latency")"
done
# shellcheck disable=SC2046 # the four words of stats
set -- $(awk '{ print $3 }' "$tmp/latency" | stats)
printf '    %-10s %5s %7s %7s %7s\n' all "$1" "$2" "$3" "$4"
echo "    (includes the 10.06 ms from a window's last sample to the end of its 20 ms replay block)"
echo "(b) memory with $running of 3 pipelines running, $threads threads: VmRSS $((rss / 1024)).$((rss % 1024 * 10 / 1024)) MB, VmHWM $((hwm / 1024)).$((hwm % 1024 * 10 / 1024)) MB"
awk -v t0="$t0" -v t1="$t1" -v c0="$c0" -v c1="$c1" -v s="$idle_seconds" \
	-v hz="$(getconf CLK_TCK)" -v r="$idle_rss" -v th="$idle_threads" 'BEGIN {
	printf "(c) idle (pipelines stopped, %d thread%s, VmRSS %.1f MB): %.0f ms CPU in %d s (%.2f%%), %d context switches (%.1f/s)\n",
		th, th == 1 ? "" : "s", r / 1024, (t1 - t0) * 1000 / hz, s, (t1 - t0) * 100 / hz / s,
		c1 - c0, (c1 - c0) / s }'
echo "    strace -c -f: $strace_line"
if grep -q . "$tmp/daemon.log"; then
	echo "    daemon log:"
	sed 's/^/      /' "$tmp/daemon.log" | tail -n 5
fi
