#!/bin/sh
# tinysensectl as users run it: model and features commands, their output
# files and their errors.  Needs TS_CTL (the binary) and TS_SHARED.
set -u
ctl=${TS_CTL:?}
shared=${TS_SHARED:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

ok() { echo "ok   $1"; }
fail() { echo "FAIL $1"; failures=$((failures + 1)); }
check() { name=$1; shift; if "$@"; then ok "$name"; else fail "$name"; fi; }

# model run reproduces the reference outputs of every conformance case
for model in "$shared"/conformance/*.tflite; do
	name=$(basename "$model" .tflite)
	"$ctl" model run "$model" --input "$shared/conformance/$name.input.bin" \
		--output "$tmp/$name.out" &&
		check "model run $name" cmp -s "$tmp/$name.out" "$shared/conformance/$name.output.bin"
done

# model info names the shapes, ops and arena
"$ctl" model info "$shared/conformance/mlperf-kws.tflite" > "$tmp/info"
check "model info shape" grep -q '\[1,49,10,1\]' "$tmp/info"
check "model info ops" grep -q 'DEPTHWISE_CONV_2D x4' "$tmp/info"
check "model info arena" grep -q '^arena bytes: [0-9]' "$tmp/info"
# its cost counts every operator (the pool too): above the MACs
check "model info cost" awk '/^macs:/ { m = $2 } /^cost:/ { c = $2 } END { exit !(c > m && m > 0) }' "$tmp/info"
check "model info no state" grep -q '^state: none' "$tmp/info"
# a streaming model: its subgraphs and state
"$ctl" model info "$shared/conformance/mww-okay-nabu.tflite" > "$tmp/info"
check "model info subgraphs" grep -q '^subgraphs: 2' "$tmp/info"
check "model info state" grep -q '^state: streaming, 6 variables, 3472 bytes' "$tmp/info"
check "model info streaming ops" grep -q 'READ_VARIABLE x6' "$tmp/info"

# --labels prints the decision
out=$("$ctl" model run "$shared/conformance/micro-speech.tflite" \
	--input "$shared/frontend/yes_1000ms.int8.bin" --labels silence,unknown,yes,no)
check "model run --labels" test "$out" = "0: yes 0.996"

# bench reports a median
check "model bench" sh -c "'$ctl' model bench '$shared/conformance/hello-world.tflite' --iterations 5 | grep -q '^median us: '"

# errors name the file and the problem and exit non-zero
printf 'not a model at all' > "$tmp/junk.tflite"
if "$ctl" model info "$tmp/junk.tflite" 2> "$tmp/err"; then fail "junk model rejected"; else
	check "junk model message" grep -q "junk.tflite: not a TFLite model" "$tmp/err"; fi
head -c 3000 "$shared/conformance/mlperf-kws.tflite" > "$tmp/trunc.tflite"
if "$ctl" model info "$tmp/trunc.tflite" 2> "$tmp/err"; then fail "truncated model rejected"; else
	check "truncated model message" grep -q "trunc.tflite: .*out of bounds" "$tmp/err"; fi
if "$ctl" model info "$tmp/missing.tflite" 2> "$tmp/err"; then fail "missing model"; else
	check "missing model message" grep -q "missing.tflite: No such file" "$tmp/err"; fi
head -c 100 "$shared/conformance/mlperf-kws.input.bin" > "$tmp/short.bin"
if "$ctl" model run "$shared/conformance/mlperf-kws.tflite" --input "$tmp/short.bin" \
	--output "$tmp/o" 2> "$tmp/err"; then fail "short input rejected"; else
	check "short input message" grep -q "short.bin: 100 bytes is not a whole number" "$tmp/err"; fi

# features reproduce the golden front-end output
for clip in yes_1000ms no_1000ms yes_30ms stream_yes_silence_no_noise; do
	"$ctl" features --frontend micro_speech "$shared/frontend/$clip.wav" \
		--output "$tmp/$clip.feat" 2>/dev/null &&
		check "features $clip" cmp -s "$tmp/$clip.feat" "$shared/frontend/$clip.int8.bin"
done

# features --config: a pipeline's [Frontend], any type.  The audio one is the
# same front-end as --frontend; a stats front-end quantizes to --quant: the
# mean and max of a constant 100 at scale 2, zero point -10 are 40.
printf '[Pipeline]\nName=a\n[Source]\nPlugin=replay\nPath=x.wav\n[Frontend]\nType=audio\nPreset=micro_speech\n[Model]\nPath=m.tflite\nLabels=a\n' > "$tmp/audio.conf"
"$ctl" features --config "$tmp/audio.conf" "$shared/frontend/yes_1000ms.wav" \
	--output "$tmp/cfg.feat" 2>/dev/null &&
	check "features --config audio" cmp -s "$tmp/cfg.feat" "$shared/frontend/yes_1000ms.int8.bin"
sed 's/^Type=audio$/Type=stats/; s/^Preset=micro_speech$/Window=10\nHop=10\nStats=mean,max/' \
	"$tmp/audio.conf" > "$tmp/stats.conf"
i=0; while [ $i -lt 40 ]; do printf 'd\000'; i=$((i + 1)); done > "$tmp/const.raw"   # 40 x 100
sox -t raw -r 100 -e signed -b 16 -c 1 "$tmp/const.raw" "$tmp/const.wav"
"$ctl" features --config "$tmp/stats.conf" --quant 2,-10 "$tmp/const.wav" --output "$tmp/st.feat" \
	2>/dev/null
check "features --config stats --quant" test "$(od -An -tu1 -v "$tmp/st.feat" | xargs)" = \
	"40 40 40 40 40 40 40 40"
if "$ctl" features --config "$tmp/stats.conf" "$tmp/const.wav" --output "$tmp/x" 2> "$tmp/err"; then
	fail "stats without --quant rejected"; else
	check "stats without --quant message" grep -q "give --quant SCALE,ZERO_POINT" "$tmp/err"; fi
if "$ctl" features "$tmp/junk.tflite" --output "$tmp/x" 2> "$tmp/err"; then fail "non-wav rejected"; else
	check "non-wav message" grep -q "junk.tflite: not a RIFF/WAVE file" "$tmp/err"; fi

[ "$failures" -eq 0 ] && echo "all passed" || echo "$failures failed"
[ "$failures" -eq 0 ]
