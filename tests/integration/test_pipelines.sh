#!/bin/sh
# Pipelines beyond audio, through the real daemon: a CSV series through the
# windowed-statistics front-end into a model, spectrum and anomaly pipelines,
# and configuration errors named by file, line and key.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
lib_need
lib_config Bus=none SocketPath=

# 1. CSV -> stats (mean over 10 samples, gain 0.01) -> hello_world (sin x).
# The first 5 s hold 0 (sin 0 = 0), the last 5 s hold 157 (mean 1.57 after
# the gain: sin = 1.0), so exactly windows 5..9 score above 0.9; window k
# completes at sample 10k + 9 of a 10 Hz series: 5.9 s ... 9.9 s.
{
	echo "time,value"
	i=0
	while [ $i -lt 100 ]; do
		v=0; [ $i -ge 50 ] && v=157
		echo "$((i / 10)).$((i % 10)),$v"
		i=$((i + 1))
	done
} > "$tmp/series.csv"
cat > "$conf/pipelines.d/peak.conf" <<EOF2
[Pipeline]
Name=peak
[Source]
Plugin=replay
Path=$tmp/series.csv
Rate=10
Pace=fast
[Frontend]
Type=stats
Channels=0
Window=10
Hop=10
Stats=mean
Gain=0.01
[Model]
Path=$shared/conformance/hello-world.tflite
Labels=peak
[Detect]
Threshold=0.9
EOF2
out=$("$daemon" --config "$conf" --print --exit-when-done --log-level warning 2>"$tmp/err" |
	awk '{ print $3, $5 }' | tr '\n' ' ')
expect "CSV through stats into a model: windows 5..9 detected" \
	"+5.900 peak +6.900 peak +7.900 peak +8.900 peak +9.900 peak " "$out"

# 2. An anomaly pipeline on spectra: a steady tone, then a change.  With a
# tight threshold (1 sigma, 1 window) the detector must leave calibration and
# report state changes; labels are normal/anomaly.
rm "$conf/pipelines.d/peak.conf"
python3 - "$tmp/tone.wav" <<'PY'
import math, struct, sys, wave
w = wave.open(sys.argv[1], "wb"); w.setnchannels(1); w.setsampwidth(2); w.setframerate(4000)
frames = bytearray()
for n in range(4000 * 20):
    f = 50 if n < 4000 * 12 else 730
    frames += struct.pack("<h", int(8000 * math.sin(2 * math.pi * f * n / 4000) + ((n * 7919) % 61) - 30))
w.writeframes(bytes(frames)); w.close()
PY
cat > "$conf/pipelines.d/vib.conf" <<EOF2
[Pipeline]
Name=vib
[Source]
Plugin=replay
Path=$tmp/tone.wav
Pace=fast
[Frontend]
Type=spectrum
FFT=256
Hop=128
Bands=64
FirstBin=1
EndBin=129
Output=log2
[Model]
Path=$shared/conformance/mlperf-ad.tflite
[Detect]
Anomaly=yes
Calibration=50
Sigma=1
EOF2
labels=$("$daemon" --config "$conf" --print --exit-when-done --log-level warning 2>"$tmp/err" |
	awk '{ print $5 }' | sort -u | tr '\n' ' ')
case "$labels" in
"anomaly normal "|"anomaly ") ok "spectrum anomaly pipeline reports state changes ($labels)" ;;
*) fail "spectrum anomaly pipeline" "labels [$labels], stderr: $(cat "$tmp/err")" ;;
esac

# 3. Configuration errors name file, line and key; --check-config exits 1.
check_error() { # name pattern
	if "$daemon" --config "$conf" --check-config 2>"$tmp/err" >/dev/null; then
		fail "$1" "accepted"
	elif grep -q "$2" "$tmp/err"; then
		ok "$1"
	else
		fail "$1" "$(cat "$tmp/err")"
	fi
}
sed 's/^FFT=256/FFT=300/' "$conf/pipelines.d/vib.conf" > "$tmp/x" && mv "$tmp/x" "$conf/pipelines.d/vib.conf"
check_error "a non power-of-two FFT is refused" "vib.conf: \[Frontend\]: spectrum parameters rejected"
sed 's/^FFT=300/FFT=256/; s/^Bands=64/Bandz=64/' "$conf/pipelines.d/vib.conf" > "$tmp/x" && mv "$tmp/x" "$conf/pipelines.d/vib.conf"
check_error "an unknown front-end key is named with its line" "vib.conf:11: \[Frontend\] Bandz=64: unknown key"
sed 's/^Bandz=64/Bands=64/; s/^Pace=fast/Pace=slow/' "$conf/pipelines.d/vib.conf" > "$tmp/x" && mv "$tmp/x" "$conf/pipelines.d/vib.conf"
check_error "a bad source value is named" "vib.conf:6: \[Source\] Pace=slow: expected realtime or fast"
sed 's/^Pace=slow/Pace=fast/; s/^Plugin=replay/Plugin=nosuch/' "$conf/pipelines.d/vib.conf" > "$tmp/x" && mv "$tmp/x" "$conf/pipelines.d/vib.conf"
check_error "an unknown plugin is named" "Plugin=nosuch: no such source plugin"
sed 's/^Plugin=nosuch/Plugin=replay/' "$conf/pipelines.d/vib.conf" > "$tmp/x" && mv "$tmp/x" "$conf/pipelines.d/vib.conf"
# A model that costs more than [Daemon] MaxModelCost is refused by name.
echo 'MaxModelCost=1000' >> "$conf/tinysense.conf"
check_error "a model over MaxModelCost is refused" "mlperf-ad.tflite: .*over the limit of 1000"
sed '/^MaxModelCost=/d' "$conf/tinysense.conf" > "$tmp/x" && mv "$tmp/x" "$conf/tinysense.conf"
printf 'junk\n' > "$tmp/model.tflite"
sed "s|^Path=$shared/conformance/mlperf-ad.tflite|Path=$tmp/model.tflite|" "$conf/pipelines.d/vib.conf" > "$tmp/x" && mv "$tmp/x" "$conf/pipelines.d/vib.conf"
check_error "a corrupt model is named" "model.tflite: model of 5 bytes is too small"
# Huge numbers are refused, not overflowed (found by fuzz_config).
sed 's/^Sigma=1$/Sigma=300000/' "$conf/pipelines.d/vib.conf" > "$tmp/x" && mv "$tmp/x" "$conf/pipelines.d/vib.conf"
check_error "a huge number is refused" "\[Detect\] Sigma: '300000' is not a number in 0..100"
if "$daemon" --config "$conf" --bogus 2>"$tmp/err"; then fail "unknown option" "accepted"
else ok "an unknown option is refused"; fi

lib_summary
