#!/bin/sh
# The stats front-end's per-channel Gain= and Offset= lists (one value for
# all channels, or one per channel), through `tinysensectl features
# --config`: the bytes follow q = zero_point + round((stat - offset) * gain
# / scale), computed here from the values written into the WAV.  Needs TS_CTL.
set -u
ctl=${TS_CTL:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

ok() { echo "ok   $1"; }
fail() { echo "FAIL $1"; failures=$((failures + 1)); }

# 12 frames of 3 channels: constants 100, 20 and -300 (mean = min = max).
python3 - "$tmp/in.wav" <<'PY'
import struct, sys, wave
with wave.open(sys.argv[1], "wb") as w:
    w.setnchannels(3); w.setsampwidth(2); w.setframerate(1)
    w.writeframes(struct.pack("<3h", 100, 20, -300) * 12)
PY

conf() { # $1: Gain= line, $2: Offset= line
	cat > "$tmp/p.conf" <<CONF
[Pipeline]
Name=t
[Source]
Plugin=replay
Path=$tmp/in.wav
[Frontend]
Type=stats
Channels=0,1,2
Window=6
Hop=6
Stats=mean,max
$1
$2
[Model]
Path=none.tflite
Labels=a
CONF
}

# bytes of the first feature row as signed decimals
row() { od -An -v -t d1 -N 6 "$tmp/out.bin" | tr -s ' ' | sed 's/^ //; s/ $//'; }

features() { "$ctl" features --config "$tmp/p.conf" --quant 0.5,-10 "$tmp/in.wav" \
	--output "$tmp/out.bin" 2> "$tmp/err"; }

# per channel: ((100-10)*0.5, (20-0)*2, (-300+200)*0.25) = (45, 40, -25);
# q = -10 + v / 0.5
conf "Gain=0.5,2,0.25" "Offset=10,0,-200"
if features; then
	want="80 80 70 70 -60 -60"
	got=$(row)
	[ "$got" = "$want" ] && ok "per-channel gains and offsets" ||
		fail "per-channel gains and offsets: want [$want], got [$got]"
else
	fail "per-channel gains and offsets: $(cat "$tmp/err")"
fi

# one value for every channel: (100-10)/4, (20-10)/4, (-300-10)/4 -> clamped
conf "Gain=0.25" "Offset=10"
if features; then
	want="35 35 -5 -5 -128 -128"
	got=$(row)
	[ "$got" = "$want" ] && ok "one gain and offset for all channels" ||
		fail "one gain and offset for all channels: want [$want], got [$got]"
else
	fail "one gain and offset for all channels: $(cat "$tmp/err")"
fi

# a list of the wrong length names the key and the channel count
conf "Gain=1,2" "Offset=0"
if features; then
	fail "two gains for three channels accepted"
else
	grep -q "Gain=1,2: expected one decimal number, or one per channel (3)" "$tmp/err" &&
		ok "two gains for three channels refused" ||
		fail "two gains for three channels: message: $(cat "$tmp/err")"
fi

[ "$failures" -eq 0 ] && echo "all passed" || echo "$failures failed"
[ "$failures" -eq 0 ]
