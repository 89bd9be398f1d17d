#!/bin/sh
# make load: the daemon under load, figures only (nothing is asserted about
# time).  One daemon, a private dbus-daemon, and
#   - LOAD_PIPELINES (20) keyword pipelines replaying "yes" in real time,
#     each detecting at every inference (Stride=1, Refractory=0: ~50/s), so
#     ~1000 detections per second in all;
#   - a probe pipeline ("probe", ~5 detections/s) whose latency is timed by
#     a client watching only it: arrival (CLOCK_MONOTONIC) - the event's
#     mono_usec (its completing sample);
#   - LOAD_WATCHERS (1000) socket clients watching everything and reading
#     as fast as they can, and one that never reads (build/load/socket_load);
#   - LOAD_BUS_RATE (10000) D-Bus property reads per second
#     (build/load/bus_load, sd-bus, 64 in flight).
# Phases: idle (the load pipelines stopped, only the probe and its client)
# then loaded; LOAD_SECONDS (20) each.  Reported: probe latency idle vs
# loaded, detections each watcher got (all equal = fast clients lose
# nothing) and DROPPED notices to them, whether the never-reading client is
# still connected, D-Bus reads/s achieved and their latency, the daemon's
# VmRSS before, during (peak) and after.
# Usage: tests/load/load.sh BUILD SHARED
set -eu
build=$(cd "$1" && pwd)
pipelines=${LOAD_PIPELINES:-20}
watchers=${LOAD_WATCHERS:-1000}
bus_rate=${LOAD_BUS_RATE:-10000}
seconds=${LOAD_SECONDS:-20}
for tool in "$build/load/socket_load" "$build/load/bus_load"; do
	[ -x "$tool" ] || { echo "load: no $tool (make load builds it)"; exit 1; }
done
# shellcheck disable=SC3045 # dash (Debian's sh) has ulimit -n and -H
ulimit -n 8192 2> /dev/null || ulimit -n "$(ulimit -Hn)" # 1000+ clients here and in the daemon

TS_CTL=$build/tinysensectl TS_SHARED=$2 TS_DAEMON=$build/tinysensed
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
bus_timeout=25 # busctl's own default: Stop and Start under load

lib_start_bus
lib_config LogLevel=warning
pipeline() { # NAME REFRACTORY
	cat << EOF
[Pipeline]
Name=$1
[Source]
Plugin=replay
Path=$shared/frontend/yes_1000ms.wav
Pace=realtime
Loop=yes
[Frontend]
Type=audio
Preset=micro_speech
[Model]
Path=$model
Labels=silence,unknown,yes,no
Stride=1
[Detect]
Threshold=0.01
Average=1
Refractory=$2
Ignore=
EOF
}
names=""
i=0
while [ "$i" -lt "$pipelines" ]; do
	n=$(printf 'load%02d' "$i")
	names="$names $n"
	pipeline "$n" 0ms > "$conf/pipelines.d/$n.conf"
	i=$((i + 1))
done
pipeline probe 200ms > "$conf/pipelines.d/probe.conf"
"$daemon" --config "$conf" --bus-address "$addr" > "$tmp/daemon.log" 2>&1 &
daemon_pid=$!
wait_served 100 || :
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$daemon_pid/status"; }
call() { bctl call org.tinysense1 "$PIPE/$1" org.tinysense1.Pipeline "$2"; }
# VmRSS every 0.5 s into $tmp/rss
sample_rss() { while :; do rss >> "$tmp/rss"; sleep 0.5; done; }
value() { sed -n "s/^$1 //p" "$2"; }

echo "== load: $pipelines pipelines at ~50 detections/s each + probe, $watchers watchers + 1 never reading, $bus_rate D-Bus reads/s target, ${seconds} s per phase"
sleep 2
for n in $names; do call "$n" Stop; done
rss_idle=$(rss)
"$build/load/socket_load" "$sock" "$seconds" 0 0 probe > "$tmp/idle"
echo "   idle:   probe latency median $(value probe_latency_ms_median "$tmp/idle") ms, p95 $(value probe_latency_ms_p95 "$tmp/idle") ms, p99 $(value probe_latency_ms_p99 "$tmp/idle") ms, max $(value probe_latency_ms_max "$tmp/idle") ms ($(value probe_detections "$tmp/idle") detections); VmRSS $rss_idle kB"

for n in $names; do call "$n" Start; done
sleep 2 # the first second of a pipeline has no inference yet
sample_rss &
lib_pids=$! # the sampler
paths=$(for n in $names probe; do printf '/org/tinysense1/pipeline/%s ' "$n"; done)
# shellcheck disable=SC2086 # one argument per path
"$build/load/bus_load" "$addr" "$seconds" "$bus_rate" $paths > "$tmp/bus_load.out" &
bus_pid=$!
"$build/load/socket_load" "$sock" "$seconds" "$watchers" 1 probe > "$tmp/loaded"
wait "$bus_pid"
lib_stop "$lib_pids"
lib_pids=
rss_peak=$(sort -n "$tmp/rss" | tail -1)
echo "   loaded: probe latency median $(value probe_latency_ms_median "$tmp/loaded") ms, p95 $(value probe_latency_ms_p95 "$tmp/loaded") ms, p99 $(value probe_latency_ms_p99 "$tmp/loaded") ms, max $(value probe_latency_ms_max "$tmp/loaded") ms ($(value probe_detections "$tmp/loaded") detections)"
echo "   watchers: all watching $(value all_watching "$tmp/loaded"); detections each over $(value window_seconds "$tmp/loaded") s: min $(value detections_per_watcher_min "$tmp/loaded"), max $(value detections_per_watcher_max "$tmp/loaded") ($(value detections_per_second "$tmp/loaded")/s to each, $(value messages_delivered "$tmp/loaded") messages delivered); DROPPED to watchers: $(value watchers_dropped_events "$tmp/loaded")"
echo "   never-reading client: still connected $(value stalled_client_still_connected "$tmp/loaded") (its queue is bounded: ${SOCKET_QUEUE_NOTE:-256 KiB / 4096 events})"
echo "   D-Bus: $(value bus_reads "$tmp/bus_load.out") reads, $(value bus_reads_per_second "$tmp/bus_load.out")/s achieved, $(value bus_errors "$tmp/bus_load.out") errors, median $(value bus_read_ms_median "$tmp/bus_load.out") ms, p99 $(value bus_read_ms_p99 "$tmp/bus_load.out") ms"
sleep 1
echo "   VmRSS: $rss_idle kB idle, peak $rss_peak kB under load, $(rss) kB after the clients left"
lib_alive && echo "   the daemon ran throughout"
grep -E '^<[0-3]>' "$tmp/daemon.log" | sort | uniq -c | head -5 || :
