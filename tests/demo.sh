#!/bin/sh
# make demo: the daemon's main job on a bundled recording.  tinysensed runs
# in the foreground with one keyword pipeline (replay source -> micro_speech
# front-end -> keyword model -> detector) on models/recordings/demo_yes_no.wav
# in real time, prints each detection as it happens, and exits when the
# recording ends.  The model is TFLite Micro's micro_speech from
# ../shared/conformance until tinysense ships its own (see models/).
set -eu
build=$1
shared=$2
demo=$build/demo
mkdir -p "$demo/pipelines.d"
cat > "$demo/tinysense.conf" <<CONF
[Daemon]
Bus=none
SocketPath=$PWD/$demo/tinysense.sock
CONF
cat > "$demo/pipelines.d/kws.conf" <<CONF
[Pipeline]
Name=kws
[Source]
Plugin=replay
Path=$PWD/models/recordings/demo_yes_no.wav
Pace=realtime
[Frontend]
Type=audio
Preset=micro_speech
[Model]
Path=$shared/conformance/micro-speech.tflite
Labels=silence,unknown,yes,no
# A model run every 5 feature frames: every 100 ms.
Stride=5
[Detect]
Threshold=0.8
Refractory=1500ms
Ignore=silence,unknown
CONF
echo "== tinysensed on models/recordings/demo_yes_no.wav (10 s, spoken: yes, no, yes, no)"
echo "   time          pipeline    in recording  label      score"
"$build/tinysensed" --config "$demo" --print --exit-when-done --log-level warning
