#!/bin/sh
# make demo: the daemon's main job on a bundled recording.  tinysensed runs
# in the foreground with the shipped keyword pipeline
# (config/pipelines.d/kws.conf: micro_speech front-end -> models/kws.tflite
# -> detector), its microphone swapped for a replay of
# models/recordings/demo_yes_no.wav in real time; it prints each detection
# as it happens and exits when the recording ends.
set -eu
build=$1
demo=$build/demo
mkdir -p "$demo/pipelines.d"
cat > "$demo/tinysense.conf" <<CONF
[Daemon]
Bus=none
SocketPath=$PWD/$demo/tinysense.sock
ModelDir=$PWD/models
CONF
# The shipped pipeline with its [Source] section replaced.
awk -v wav="$PWD/models/recordings/demo_yes_no.wav" '
	/^\[Source\]/ { print; print "Plugin=replay"; print "Path=" wav; print "Pace=realtime";
			skip = 1; next }
	/^\[/ { skip = 0 }
	!skip' config/pipelines.d/kws.conf > "$demo/pipelines.d/kws.conf"
echo "== tinysensed on models/recordings/demo_yes_no.wav (10 s, spoken: yes, no, yes, no)"
echo "   model models/kws.tflite, pipeline config/pipelines.d/kws.conf"
echo "   time          pipeline    in recording  label      score"
"$build/tinysensed" --config "$demo" --print --exit-when-done --log-level warning
