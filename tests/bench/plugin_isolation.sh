#!/bin/sh
# The cost of running a plugin in its own process (tinysense-plugin(7),
# "Process model"; numbers for this machine, nothing asserted): the example
# plugin at 1000 blocks a second, in-process ([Source] Isolate=no) and
# isolated, three times SECONDS each (the least counts); CPU time (user + system) of the daemon and its
# children (getrusage RUSAGE_CHILDREN of a runner that waits for the daemon,
# which reaps its plugin children) per block delivered.  Two block sizes:
# 1 frame of 1 channel (the fixed cost: messages and wake-ups) and 48 frames
# of 8 channels (768 bytes).  The pipeline behind is cheap (window
# statistics into hello_world, 4 to 12 times a second), the same in both.
# Then the transport alone (bench_plugin_ipc.c, built here with cc): a
# child paced by a 1 ms timer sending each block over a SOCK_SEQPACKET pair
# to a parent in epoll, against the same child sending nothing; the least of
# five runs of 3000 blocks each.
# Usage: tests/bench/plugin_isolation.sh BUILD SHARED [SECONDS]   (default 10)
set -eu
build=$(cd "$1" && pwd)
shared=$(cd "$2" && pwd)
seconds=${3:-10}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/conf/pipelines.d"
printf '[Daemon]\nPluginDir=%s/plugins\nSocketPath=\nBus=none\nLogLevel=warning\n' "$build" \
	> "$tmp/conf/tinysense.conf"

run() { # ISOLATE RATE CHANNELS: prints CPU microseconds per block
	window=$(($2 / 4 < 4096 ? $2 / 4 : 4096))
	cat > "$tmp/conf/pipelines.d/gen.conf" << EOF2
[Pipeline]
Name=gen
[Source]
Plugin=example
Isolate=$1
Rate=$2
Channels=$3
BlockMs=1
[Frontend]
Type=stats
Window=$window
Hop=$window
Stats=p2p
Gain=0.00003
[Model]
Path=$shared/conformance/hello-world.tflite
Labels=x
[Detect]
Threshold=0.99
EOF2
	python3 - "$build/tinysensed" "$tmp/conf" "$seconds" << 'EOF2'
import resource, signal, subprocess, sys, time
d = subprocess.Popen([sys.argv[1], "--config", sys.argv[2]])
time.sleep(float(sys.argv[3]))
d.send_signal(signal.SIGTERM)
d.wait()
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
blocks = 1000 * float(sys.argv[3])
print("%.1f" % ((ru.ru_utime + ru.ru_stime) * 1e6 / blocks))
EOF2
}

echo "== plugin isolation: CPU per block (daemon + plugin child), $seconds s each, 1000 blocks/s"
# the least of three runs, in-process and isolated alternating (the
# machine's other load only adds)
least() { tr ' ' '\n' | sort -n | head -n 1; }
for shape in "1000 1" "48000 8"; do
	set -- $shape
	inproc='' iso=''
	for _ in 1 2 3; do
		inproc="$inproc $(run no "$1" "$2")"
		iso="$iso $(run yes "$1" "$2")"
	done
	echo "   $(($1 / 1000)) frames x $2 channels: in-process $(echo $inproc | least) us," \
		"isolated $(echo $iso | least) us per block (runs:$inproc /$iso)"
done

ipc=$tmp/bench_plugin_ipc
cc -std=c11 -O2 -Wall -Wextra -Werror -o "$ipc" "$(dirname "$0")/bench_plugin_ipc.c"
echo "== the transport alone: CPU per block of both processes, a 1 ms tick"
for bytes in 64 768 61440; do
	local_='' socket_=''
	for _ in 1 2 3 4 5; do
		local_="$local_ $("$ipc" local "$bytes" 3000)"
		socket_="$socket_ $("$ipc" socket "$bytes" 3000)"
	done
	echo "   $bytes bytes: tick alone $(echo $local_ | least) us, tick + block over the socket" \
		"$(echo $socket_ | least) us"
done
