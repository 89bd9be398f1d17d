#!/bin/sh
# A pipeline with several sources ([Source.NAME] sections) joined into one
# frame, on real plugins: the real daemon runs the iio plugin on two
# emulated IIO devices (umockdev: a soil-moisture ADC and a temperature +
# humidity sensor, polled) and the gpio plugin counting rain-gauge pulses
# on a fake GPIO chip (plugins/gpio/test_fake_gpiochip.c preloaded, as in
# test_plugin_gpio.sh; it passes every other call on to umockdev's
# preload).  The fake chip is a kernel inside one process: the gpio
# sources run in the daemon's (Isolate=no), the iio ones in children of
# their own.  Checked:
#   - --check-config accepts it; [Source] mixed with [Source.NAME], a
#     Clock= naming no source, a [Source.NAME] without Plugin= are refused
#   - Sensor Plugin, Channels, Rate (the clock: the slowest, the gauge's
#     4 windows per second) and ChannelInfo: every source's channels, in
#     the order of the sections, named NAME.channel
#   - the joined channels reach the model at their positions: a pipeline
#     whose front-end reads channel 2 (humidity) detects when humidity
#     rises and not when the soil channel does; one reading channel 3
#     (the gauge) detects rain pulses
#   - the socket's pipeline list names the sources
#   - the gauge's chip removed: Sensor State failed, LastError names the
#     source, the pipeline degraded; back: running and detecting again
#   - the BME280's humidity attribute removed: the held source fails, the
#     sensor says failed naming it, frames go on; back: running
#   - the shipped config/pipelines.d/agriculture.conf: --check-config on
#     devices named as it names them (an MCP3208, a BME280, GPIO5); run
#     with its clock sped up (count windows of 50 ms, polls at 40 Hz), its
#     joined frames reach the agriculture model: inferences, and scores
#     for its three labels on the socket
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
lib_need dbus-daemon busctl python3 umockdev-run cc
[ -f "$plugins/iio.so" ] || { echo "FAIL no iio plugin at $plugins/iio.so (make)"; exit 1; }
[ -f "$plugins/gpio.so" ] || { echo "FAIL no gpio plugin at $plugins/gpio.so (make)"; exit 1; }
# the preload libraries come before the ASan runtime in sanitized builds
export ASAN_OPTIONS="verify_asan_link_order=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
hello=$shared/conformance/hello-world.tflite
src=$(cd "$(dirname "$0")/../.." && pwd)/plugins/gpio

# ---- the fake GPIO chip, inside umockdev's testbed ------------------------------------
fake=$tmp/fake_gpiochip.so
if ! cc -std=c11 -O2 -Wall -Wextra -Werror -shared -fPIC -o "$fake" \
	"$src/test_fake_gpiochip.c" -ldl -lpthread 2> "$tmp/cc.err"; then
	echo "FAIL building the fake chip: $(cat "$tmp/cc.err")"
	exit 1
fi
wires=$tmp/wires
mkfifo "$wires"
wire() { printf '%s\n' "$*" > "$wires"; }
# with_gpio CMD...: CMD with the fake chip before umockdev's preload
cat > "$tmp/with_gpio" << EOF
#!/bin/sh
export LD_PRELOAD="$fake\${LD_PRELOAD:+:\$LD_PRELOAD}" TS_FAKE_GPIO_CTL="\${TS_FAKE_GPIO_CTL-$wires}"
exec "\$@"
EOF
chmod +x "$tmp/with_gpio"

# ---- the IIO devices ------------------------------------------------------------------
cat > "$tmp/field.umockdev" << 'EOF'
P: /devices/platform/test-soil/iio:device0
E: SUBSYSTEM=iio
A: name=test-soil\n
A: in_voltage0_raw=0\n
A: in_voltage0_scale=0.805664\n

P: /devices/platform/test-env/iio:device1
E: SUBSYSTEM=iio
A: name=test-env\n
A: in_temp_raw=2150\n
A: in_temp_scale=10\n
A: in_humidityrelative_raw=0\n
A: in_humidityrelative_scale=1\n

P: /devices/platform/spi/mcp3208/iio:device2
E: SUBSYSTEM=iio
A: name=mcp3208\n
A: in_voltage0_raw=2400\n
A: in_voltage_scale=0.805664\n

P: /devices/platform/i2c/bme280/iio:device3
E: SUBSYSTEM=iio
A: name=bme280\n
A: in_temp_input=12500\n
A: in_humidityrelative_input=71000\n
EOF

# ---- the pipelines -------------------------------------------------------------------------
lib_start_bus
lib_config
# field_conf NAME GAUGE-LINE FRONTEND-CHANNEL GAIN LABEL: the three sources;
# the stats front-end averages two frames of one joined channel into
# hello-world (sin x), Threshold=0.9 passes x in 1.12..2.02
field_conf() {
	cat << EOF
[Pipeline]
Name=$1

[Source.soil]
Plugin=iio
Device=test-soil
Channels=voltage0
Rate=20

[Source.climate]
Plugin=iio
Device=test-env
Channels=temp,humidityrelative
Rate=20

[Source.rain]
Plugin=gpio
Isolate=no
Chip=gpiochip0
Lines=$2
Mode=count
Window=250ms
Debounce=5ms

[Frontend]
Type=stats
Channels=$3
Window=2
Hop=1
Stats=mean
Gain=$4

[Model]
Path=$hello
Labels=$5

[Detect]
Threshold=0.9
EOF
}
# humidity raw 1500 -> x = 1.5; 5 gauge pulses in at most two windows of
# 250 ms -> mean 2.5 * 0.6 = 1.5
field_conf field GPIO17 2 0.001 humid > "$conf/pipelines.d/field.conf"
field_conf gauge GPIO27 3 0.6 rain > "$conf/pipelines.d/gauge.conf"

# the shipped live pipeline, its clock sped up 12000 times (10 minutes ->
# 50 ms), the model from the repository
repo=$(cd "$(dirname "$0")/../.." && pwd)
agri=$repo/config/pipelines.d/agriculture.conf
sed -e 's/^Window=600s$/Window=50ms/' -e 's/^Rate=0.0166667$/Rate=40/' \
	-e 's/^Plugin=gpio$/&\nIsolate=no/' "$agri" > "$conf/pipelines.d/agriculture.conf"
echo "ModelDir=$repo/models" >> "$conf/tinysense.conf"
check "the sped-up copy changed the gauge window and both polls (and the gauge in-process)" \
	test "$(diff "$agri" "$conf/pipelines.d/agriculture.conf" | grep -c '^>')" = 4

# ---- configuration errors -----------------------------------------------------------------
refused() { # name pattern (a pipeline file bad.conf written before)
	if "$daemon" --config "$conf" --check-config > /dev/null 2> "$tmp/err"; then
		fail "$1" "accepted"
	elif grep -qF "$2" "$tmp/err"; then
		ok "$1"
	else
		fail "$1" "$(cat "$tmp/err")"
	fi
}
mkdir -p "$tmp/keep"
mv "$conf/pipelines.d/"*.conf "$tmp/keep/"
printf '[Pipeline]\nName=bad\n[Source]\nPlugin=replay\n[Source.b]\nPlugin=replay\n[Model]\nPath=%s\nLabels=a\n' \
	"$hello" > "$conf/pipelines.d/bad.conf"
refused "[Source] and [Source.NAME] do not mix" \
	'bad.conf:6: [Source.b]: one [Source], or several [Source.NAME] sections: not both'
printf '[Pipeline]\nName=bad\nClock=c\n[Source.a]\nPlugin=replay\n[Source.b]\nPlugin=replay\n[Model]\nPath=%s\nLabels=a\n' \
	"$hello" > "$conf/pipelines.d/bad.conf"
refused "Clock= names one of the sources" \
	"bad.conf: [Pipeline] Clock: 'c' is not one of the [Source.NAME] sections"
printf '[Pipeline]\nName=bad\n[Source.a]\nPlugin=replay\n[Source.b]\nPath=x.csv\n[Model]\nPath=%s\nLabels=a\n' \
	"$hello" > "$conf/pipelines.d/bad.conf"
refused "every [Source.NAME] needs a Plugin=" 'bad.conf: [Source.b] Plugin: missing'
rm "$conf/pipelines.d/bad.conf"
mv "$tmp/keep/"*.conf "$conf/pipelines.d/"
if umockdev-run -d "$tmp/field.umockdev" -- "$tmp/with_gpio" \
	env TS_FAKE_GPIO_CTL= "$daemon" --config "$conf" --check-config > "$tmp/out" 2>&1; then
	ok "--check-config accepts the joined pipelines on the emulated devices"
else
	fail "--check-config of the joined pipelines" "$(cat "$tmp/out")"
fi
mkdir -p "$tmp/shipped/pipelines.d"
cp "$conf/tinysense.conf" "$tmp/shipped/"
cp "$agri" "$tmp/shipped/pipelines.d/"
if umockdev-run -d "$tmp/field.umockdev" -- "$tmp/with_gpio" \
	env TS_FAKE_GPIO_CTL= "$daemon" --config "$tmp/shipped" --check-config > "$tmp/out" 2>&1; then
	ok "--check-config accepts the shipped agriculture.conf on devices named as it says"
else
	fail "--check-config of the shipped agriculture.conf" "$(cat "$tmp/out")"
fi

# ---- the daemon ------------------------------------------------------------------------------
bctl --json=short monitor > "$tmp/monitor" 2> "$tmp/monitor.err" &
lib_pids="$lib_pids $!"
lib_start_daemon umockdev-run -d "$tmp/field.umockdev" -- "$tmp/with_gpio" "$pidwrap"
testbed=$(cat "$tmp/daemon.dir")
sysfs=$testbed/sys/devices/platform
lib_watch
if ! wait_prop 100 sensor field State 's "running"'; then
	fail "the joined pipeline runs" "$(prop sensor field State)"
	lib_finish
	exit 1
fi
ok "the joined pipeline runs"
check "Sensor Plugin names every source" \
	prop_is sensor field Plugin 's "soil=iio,climate=iio,rain=gpio"'
check "Channels: 1 + 2 + 1" prop_is sensor field Channels 'u 4'
check "Rate: the clock is the slowest source (the gauge, 4 windows per second)" \
	prop_is sensor field Rate 'u 4'
names=$(prop sensor field ChannelInfo | python3 -c '
import shlex, sys
w = shlex.split(sys.stdin.read())
n = int(w[1])
print(",".join(w[2 + 4 * i] for i in range(n)))')
check "ChannelInfo: the sources' channels in section order ($names)" \
	test "$names" = "soil.voltage0,climate.temp,climate.humidityrelative,rain.GPIO17"
check "ChannelInfo keeps each channel's scale" sh -c \
	"busctl --address='$addr' get-property org.tinysense1 $SENSOR/field org.tinysense1.Sensor ChannelInfo | grep -q '\"soil.voltage0\" \"[^\"]*\" 0.805664 0 '"
check "the socket's pipeline list names the sources" sh -c \
	"'$ctl' list --socket '$sock' | grep -Eq '^field +running +soil=iio,climate=iio,rain=gpio '"

n0=$(prop_num sensor field Samples)
sleep 1.5
n1=$(prop_num sensor field Samples)
check "joined frames arrive at the clock's pace ($n0 -> $n1 in 1.5 s)" \
	test $((n1 - n0)) -ge 3 -a $((n1 - n0)) -le 8
check "quiet: no detection" test "$(prop_num pipeline field Detections)" = 0

# ---- the joined channels reach the model ---------------------------------------------------
echo 1500 > "$sysfs/test-soil/iio:device0/in_voltage0_raw"
sleep 1.5
check "soil (channel 0) high: the humidity pipeline stays quiet" \
	test "$(prop_num pipeline field Detections)" = 0
echo 1500 > "$sysfs/test-env/iio:device1/in_humidityrelative_raw"
if wait_watched 40 DETECTION field '"label":"humid"'; then
	ok "humidity (channel 2, a held iio value) high: detection humid on the socket"
	check "and on D-Bus: LastLabel humid" prop_is pipeline field LastLabel 's "humid"'
else
	fail "humidity high: detection humid" "$(prop pipeline field Detections)"
fi
check "the gauge pipeline saw no rain" test "$(prop_num pipeline gauge Detections)" = 0
wire pulse 27 5 20 20
check "gauge pulses (channel 3, the clock): detection rain" \
	wait_watched 40 DETECTION gauge '"label":"rain"'

# ---- the agriculture model on the joined sensors ----------------------------------------------
check "agriculture: soil, climate and rain joined" prop_is sensor agriculture Channels 'u 4'
check "agriculture: Plugin" prop_is sensor agriculture Plugin 's "soil=iio,climate=iio,rain=gpio"'
# 24 hourly frames of 6 windows fill the model's input: 144 windows, 7.2 s
if wait_for 200 sh -c "[ \"\$(busctl --address='$addr' get-property org.tinysense1 \
	$PIPE/agriculture org.tinysense1.Pipeline Inferences | cut -d' ' -f2)\" -gt 0 ]"; then
	ok "agriculture: the model runs on the joined frames"
else
	fail "agriculture: the model runs" "$(prop pipeline agriculture Inferences)"
fi
cat > "$tmp/scores.py" << 'END'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(b'{"cmd":"watch","pipelines":["agriculture"],"scores":true}\n')
buf = b""
while True:
    buf += s.recv(65536)
    for line in buf.split(b"\n")[:-1]:
        o = json.loads(line)
        if o.get("class") == "SCORES":
            print(" ".join(sorted(o["scores"])))
            sys.exit(0)
END
python3 "$tmp/scores.py" "$sock" > "$tmp/scores" 2>&1
check "agriculture: scores of frost-risk, irrigate and ok on the socket ($(cat "$tmp/scores"))" \
	test "$(cat "$tmp/scores")" = "frost-risk irrigate ok"

# ---- a source fails ------------------------------------------------------------------------
wire unplug
if wait_prop 40 sensor gauge State 's "failed"'; then
	ok "the gauge's chip removed: Sensor State failed"
	check "LastError names the source" sh -c "busctl --address='$addr' get-property \
		org.tinysense1 $SENSOR/gauge org.tinysense1.Sensor LastError | grep -q '^s \"rain: .*gpiochip0'"
	check "the pipeline is degraded" prop_is pipeline gauge State 's "degraded"'
	check "the socket says so too" wait_for 20 socket_state_is gauge degraded
else
	fail "the gauge's chip removed: Sensor State failed" "$(prop sensor gauge State)"
fi
wire replug
check "back: running again" wait_prop 80 sensor gauge State 's "running"'
check "LastError cleared" prop_is sensor gauge LastError 's ""'
check "the pipeline runs again" prop_is pipeline gauge State 's "running"'
d0=$(prop_num pipeline gauge Detections)
wire pulse 27 5 20 20
check "detections resume" wait_for 40 sh -c "[ \"\$(busctl --address='$addr' get-property \
	org.tinysense1 $PIPE/gauge org.tinysense1.Pipeline Detections | cut -d' ' -f2)\" -gt $d0 ]"

# ---- a held source fails ----------------------------------------------------------------------
# the BME280's humidity attribute goes away: the climate source fails and
# retries; the gauge still paces the pipeline, the last humidity held
hum=$sysfs/test-env/iio:device1/in_humidityrelative_raw
mv "$hum" "$tmp/humidity"
if wait_prop 60 sensor field State 's "failed"'; then
	ok "the climate sensor's attribute gone: Sensor State failed"
	check "LastError names the climate source" sh -c "busctl --address='$addr' get-property \
		org.tinysense1 $SENSOR/field org.tinysense1.Sensor LastError | grep -q '^s \"climate: '"
	check "the pipeline is degraded" prop_is pipeline field State 's "degraded"'
	n0=$(prop_num sensor field Samples)
	sleep 1
	check "joined frames go on at the clock's pace" test "$(prop_num sensor field Samples)" -gt "$n0"
else
	fail "the climate sensor's attribute gone: Sensor State failed" "$(prop sensor field State)"
fi
mv "$tmp/humidity" "$hum"
check "back: the pipeline runs again" wait_prop 100 pipeline field State 's "running"'
check "and its LastError is cleared" prop_is sensor field LastError 's ""'

if grep -q "ERROR: AddressSanitizer\|runtime error:" "$tmp/daemon.log"; then
	fail "sanitizers" "$(grep -m3 "AddressSanitizer\|runtime error" "$tmp/daemon.log")"
fi
lib_finish
