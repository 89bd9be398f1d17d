#!/bin/sh
# The plugin ABI end to end with the example plugin (a signal generator):
# loaded from PluginDir, configured from [Source], paced by host timers,
# its samples reach a pipeline and detections appear; incompatible or broken
# plugins are refused with a message that names them.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
lib_need cc timeout

mkdir -p "$tmp/plugins"
cp "$build/plugins/example.so" "$tmp/plugins/"
lib_config Bus=none SocketPath= "PluginDir=$tmp/plugins"

# Peak-to-peak over 0.25 s windows into hello_world (sin x): the sine's p2p
# of 12000 (amplitude 6000) maps to x = 12000 * 2/65536 = 0.37 (sin 0.36),
# a burst's 60000 to x = 1.83 (sin 0.97): only bursts pass Threshold=0.9.
# Bursts fill every second second (seconds 1, 3, ...).
cat > "$conf/pipelines.d/gen.conf" <<EOF2
[Pipeline]
Name=gen
[Source]
Plugin=example
Rate=1000
Amplitude=6000
Frequency=50
BurstEvery=2
[Frontend]
Type=stats
Window=250
Hop=250
Stats=p2p
Gain=0.00003
[Model]
Path=$shared/conformance/hello-world.tflite
Labels=burst
[Detect]
Threshold=0.9
EOF2
timeout -s INT 4.6 "$daemon" --config "$conf" --print --log-level warning > "$tmp/out" 2>"$tmp/err"
# Window k covers [0.25k, 0.25k + 0.25) s and completes at 0.25k + 0.249 s;
# in 4.6 s the burst windows are k = 4..7 and 12..15 (seconds 1 and 3).
times=$(awk '{ print $3 }' "$tmp/out" | tr '\n' ' ')
if [ "$times" = "+1.249 +1.499 +1.749 +1.999 +3.249 +3.499 +3.749 +3.999 " ]; then
	ok "example plugin samples reach the model: bursts detected at the right times"
else
	fail "example plugin detections" "[$times] stderr: $(cat "$tmp/err")"
fi

check_refused() { # name pattern
	if "$daemon" --config "$conf" --check-config > /dev/null 2>"$tmp/err"; then
		fail "$1" "accepted"
	elif grep -q "$2" "$tmp/err"; then
		ok "$1"
	else
		fail "$1" "$(cat "$tmp/err")"
	fi
}

# A bad key is named by the plugin, through the host, with file and line.
sed 's/^Frequency=50/Frequency=fifty/' "$conf/pipelines.d/gen.conf" > "$tmp/x" && mv "$tmp/x" "$conf/pipelines.d/gen.conf"
check_refused "a bad plugin key is named with its line" \
	"gen.conf:7: \[Source\] Frequency=fifty: expected a whole number in 0..96000"
sed 's/^Frequency=fifty/Frequency=50\nVolume=3/' "$conf/pipelines.d/gen.conf" > "$tmp/x" && mv "$tmp/x" "$conf/pipelines.d/gen.conf"
check_refused "a key the plugin does not read is unknown" "gen.conf:8: \[Source\] Volume=3: unknown key"
sed '/^Volume=3/d' "$conf/pipelines.d/gen.conf" > "$tmp/x" && mv "$tmp/x" "$conf/pipelines.d/gen.conf"

# Plugins built for another ABI, without a descriptor, or missing.
cat > "$tmp/future.c" <<'EOF2'
#include <tinysense/plugin.h>
static int o(ts_source *s, const ts_plugin_host *h, void **p) { (void)s; (void)h; (void)p; return 0; }
static int st(void *p) { (void)p; return 0; }
static void sp(void *p) { (void)p; }
TS_PLUGIN_DESCRIPTOR = { .abi_major = 2, .abi_minor = 0, .struct_size = sizeof(ts_plugin),
	.name = "future", .open = o, .start = st, .stop = sp, .close = sp };
EOF2
printf 'int not_a_plugin;\n' > "$tmp/plain.c"
cc -shared -fPIC -Iplugins/include -o "$tmp/plugins/future.so" "$tmp/future.c"
cc -shared -fPIC -o "$tmp/plugins/plain.so" "$tmp/plain.c"
for p in future plain missing; do
	sed "s/^Plugin=.*/Plugin=$p/" "$conf/pipelines.d/gen.conf" > "$tmp/x" && mv "$tmp/x" "$conf/pipelines.d/gen.conf"
	case $p in
	future) check_refused "a plugin of another ABI is refused" "future.so: plugin ABI 2.0, tinysensed speaks 1.1" ;;
	plain) check_refused "a library without a descriptor is refused" "plain.so: no ts_plugin_descriptor symbol" ;;
	missing) check_refused "a missing plugin is named" "Plugin=missing: no such source plugin" ;;
	esac
done

lib_summary
