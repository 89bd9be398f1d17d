#!/bin/sh
# Kernel-set selection as users meet it: `tinysensectl kernels`, `model run
# --kernels SET` for every set this CPU runs (each must reproduce the
# conformance reference outputs of KWS byte for byte), clear errors for an
# unknown set, and TINYSENSE_KERNELS for tinysensed (a replay pipeline gives
# the same detections with every set; a bad value stops it with a message).
# Needs TS_CTL and TS_SHARED (TS_DAEMON: the daemon, else next to TS_CTL).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
lib_need

"$ctl" kernels > "$tmp/sets" || fail "tinysensectl kernels runs"
check "ref is listed and runs" grep -q '^ref yes' "$tmp/sets"
check "exactly one default" test "$(grep -c ' best$' "$tmp/sets")" -eq 1
sets=$(awk '$2 == "yes" { print $1 }' "$tmp/sets")
best=$(awk '$3 == "best" { print $1 }' "$tmp/sets")

# 1. model run with every set: the reference bytes.
kws=$shared/conformance/mlperf-kws
for k in $sets; do
	if "$ctl" model run "$kws.tflite" --input "$kws.input.bin" --output "$tmp/out.$k" \
		--kernels "$k" > /dev/null 2> "$tmp/err"; then
		check "model run --kernels $k: reference outputs" cmp -s "$tmp/out.$k" "$kws.output.bin"
	else
		fail "model run --kernels $k: $(cat "$tmp/err")"
	fi
done
"$ctl" model bench "$kws.tflite" --iterations 1 > "$tmp/bench"
check "model bench uses the best set by default" grep -q "^kernels: $best\$" "$tmp/bench"

# 2. Errors.
if "$ctl" model run "$kws.tflite" --input "$kws.input.bin" --output "$tmp/x" --kernels nosuch \
	2> "$tmp/err"; then
	fail "unknown set refused"
else
	check "unknown set: message names it and the usable sets" \
		grep -q "^tinysensectl: --kernels 'nosuch': no such kernel set in this build (this CPU runs: ref" \
		"$tmp/err"
fi
no=$(awk '$2 == "no" { print $1; exit }' "$tmp/sets")
if [ -n "$no" ]; then
	if "$ctl" model bench "$kws.tflite" --iterations 1 --kernels "$no" 2> "$tmp/err" > /dev/null; then
		fail "set this CPU lacks ($no) refused"
	else
		check "set this CPU lacks: message" grep -q "this CPU lacks the instructions it needs" "$tmp/err"
	fi
fi

# 3. tinysensed: the keyword pipeline on the demo recording, per set.
lib_config Bus=none SocketPath=
cat > "$conf/pipelines.d/kws.conf" <<CONF
[Pipeline]
Name=kws
[Source]
Plugin=replay
Path=$(pwd)/models/recordings/demo_yes_no.wav
Pace=fast
[Frontend]
Type=audio
Preset=micro_speech
[Model]
Path=$model
Labels=silence,unknown,yes,no
Stride=5
[Detect]
Threshold=0.8
Refractory=1500ms
Ignore=silence,unknown
CONF
for k in $sets; do
	# Detections without their first column (the wall-clock time).
	TINYSENSE_KERNELS=$k "$daemon" --config "$conf" --print --exit-when-done \
		--log-level warning 2> "$tmp/err" | cut -d' ' -f2- > "$tmp/det.$k" ||
		fail "tinysensed with $k: $(cat "$tmp/err")"
	check "tinysensed TINYSENSE_KERNELS=$k: same detections as ref" cmp -s "$tmp/det.$k" "$tmp/det.ref"
done
check "the demo recording gives detections" test -s "$tmp/det.ref"
if TINYSENSE_KERNELS=nosuch "$daemon" --config "$conf" --exit-when-done 2> "$tmp/err" > /dev/null; then
	fail "tinysensed refuses an unknown TINYSENSE_KERNELS"
else
	check "tinysensed: message names the variable" \
		grep -q "^tinysensed: TINYSENSE_KERNELS 'nosuch': no such kernel set" "$tmp/err"
fi

lib_summary
