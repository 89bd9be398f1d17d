#!/bin/sh
# The whole chain offline, end to end: recordings from ../shared/frontend
# through the micro_speech front-end, the micro_speech model from
# ../shared/conformance and the detector (tinysensectl detect).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

cat > "$tmp/kws.conf" <<EOF2
[Pipeline]
Name=kws
[Source]
Plugin=replay
Path=unused.wav
[Frontend]
Type=audio
Preset=micro_speech
[Model]
Path=$model
Labels=silence,unknown,yes,no
[Detect]
Threshold=0.8
Refractory=1000ms
Ignore=silence,unknown
EOF2

run() { "$ctl" detect --config "$tmp/kws.conf" --json "$shared/frontend/$1.wav" 2>"$tmp/err"; }
labels() { run "$1" | sed -n 's/.*"label":"\([a-z]*\)".*/\1/p' | tr '\n' ' '; }

expect "yes_1000ms gives one yes" "yes " "$(labels yes_1000ms)"
expect "no_1000ms gives one no" "no " "$(labels no_1000ms)"
expect "silence_1000ms gives nothing" "" "$(labels silence_1000ms)"
expect "noise_1000ms gives nothing" "" "$(labels noise_1000ms)"
# The 4 s stream (yes, silence, no, noise): the windows whose newest frame
# is 48 (yes, q=127) and 114 (no, q=79) are the first above 0.8 in the
# stream's scores.csv; frame k completes at sample 320k + 479, so at
# 15839/16000 = 0.98994 s and 36959/16000 = 2.30994 s; scores (q+128)/256
# are 0.99609 and 0.80859.  The refractory period hides their repeats.
expect "stream gives yes then no at the right times" \
	'{"time":0.990,"label":"yes","score":0.9961} {"time":2.310,"label":"no","score":0.8086} ' \
	"$(run stream_yes_silence_no_noise | tr '\n' ' ')"

# A wrong configuration is named with file, line and key.
sed 's/^Threshold=0.8$/Threshold=2/' "$tmp/kws.conf" > "$tmp/x" && mv "$tmp/x" "$tmp/kws.conf"
line=$(grep -n '^Threshold=2$' "$tmp/kws.conf" | cut -d: -f1)
if "$ctl" detect --config "$tmp/kws.conf" "$shared/frontend/yes_1000ms.wav" 2>"$tmp/err"; then
	fail "bad threshold rejected" "exit 0"
elif grep -q "kws.conf:$line: \[Detect\] Threshold: '2' is not a number in 0..1" "$tmp/err"; then
	ok "bad threshold named with file:line"
else
	fail "bad threshold message" "$(cat "$tmp/err")"
fi

lib_summary
