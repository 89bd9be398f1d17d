#!/bin/sh
# Makes demo_yes_no.wav, the recording `make demo` replays: four words
# spoken by Debian's espeak-ng in different voices, with quiet gaps and a
# little background noise, 16 kHz mono 16-bit.  Needs espeak-ng and sox.
# The committed file was made by this script; rerunning it reproduces it
# for the same espeak-ng and sox versions.
set -eu
# Repeatable: no random dither or noise seed, so the output is the same
# every run (for the same espeak-ng and sox versions).
export SOX_OPTS=-R
out=${1:-demo_yes_no.wav}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

word() { # voice text name
	espeak-ng -v "$1" -s 140 "$2" -w "$tmp/$3.raw.wav"
	sox "$tmp/$3.raw.wav" -r 16000 -c 1 -b 16 "$tmp/$3.wav"
}
gap() { # seconds name
	sox -n -r 16000 -c 1 -b 16 "$tmp/$2.wav" trim 0 "$1"
}

gap 1.0 g0
word en-us yes w1
gap 1.5 g1
word en no w2
gap 1.5 g2
word en+m3 yes w3
gap 1.5 g3
word en-us no w4
gap 1.5 g4
sox "$tmp/g0.wav" "$tmp/w1.wav" "$tmp/g1.wav" "$tmp/w2.wav" "$tmp/g2.wav" \
	"$tmp/w3.wav" "$tmp/g3.wav" "$tmp/w4.wav" "$tmp/g4.wav" "$tmp/speech.wav"
# Quiet pink noise under everything, as a room would have.
len=$(soxi -D "$tmp/speech.wav")
sox -n -r 16000 -c 1 -b 16 "$tmp/noise.wav" synth "$len" pinknoise vol 0.01
sox -m "$tmp/speech.wav" "$tmp/noise.wav" -b 16 "$out"
