#!/bin/sh
# The event loop's latency during a Reload that meets a hostile model: the
# D-Bus round trip (busctl get-property Manager.Version) sampled as fast as
# busctl runs, before and while a Reload loads MODEL into a new pipeline.
# A reload that loads models on the loop stalls every round trip for as
# long as the model takes; one that loads them on a thread does not.
#   tests/bench/reload_latency.sh MODEL [DAEMON]
# MODEL: a .tflite with a [1,16] int8 input and 16 int8 outputs, e.g. made
# by BENCH_PLAN_MODEL=/tmp/chain.tflite build/bench_plan chain 100000.
# Needs TS_CTL and TS_SHARED (TS_DAEMON, or DAEMON, for another daemon).
hostile_model=${1:?usage: reload_latency.sh MODEL [DAEMON]}
[ -n "${2:-}" ] && TS_DAEMON=$2 && export TS_DAEMON
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/../integration/lib.sh"
lib_need dbus-daemon busctl
lib_start_bus
lib_config LogLevel=info
lib_kws kws > "$conf/pipelines.d/kws.conf"
lib_start_daemon

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# sample SECONDS: round trips for that long; prints "n median max" in ms
sample() {
	end=$(( $(now_ms) + $1 * 1000 ))
	: > "$tmp/rtt"
	while [ "$(now_ms)" -lt "$end" ]; do
		t0=$(now_ms)
		bctl get-property org.tinysense1 /org/tinysense1 org.tinysense1.Manager Version \
			> /dev/null 2>&1
		echo $(( $(now_ms) - t0 )) >> "$tmp/rtt"
	done
	sort -n "$tmp/rtt" | awk '{ v[NR] = $1 } END { printf "%d %d %d\n", NR, v[int((NR + 1) / 2)], v[NR] }'
}
set -- $(sample 3)
echo "idle:            $1 round trips, median $2 ms, max $3 ms"
cat > "$conf/pipelines.d/hostile.conf" << EOF2
[Pipeline]
Name=hostile
[Source]
Plugin=replay
Path=$shared/frontend/yes_1000ms.wav
Pace=realtime
Loop=yes
[Frontend]
Type=stats
Window=160
Hop=160
Stats=p2p
[Model]
Path=$hostile_model
Labels=a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p
EOF2
t0=$(now_ms)
bus_timeout=120 bctl call org.tinysense1 /org/tinysense1 org.tinysense1.Manager Reload \
	> "$tmp/reload.out" 2>&1 &
reload=$!
set -- $(sample 10)
wait "$reload"
rc=$?
echo "during Reload:   $1 round trips, median $2 ms, max $3 ms"
echo "Reload answered $( [ $rc -eq 0 ] && echo ok || echo "with an error: $(cat "$tmp/reload.out")")"
grep -E 'reload|hostile' "$tmp/daemon.log" | tail -3 | sed 's/^/    /'
lib_finish
