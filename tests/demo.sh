#!/bin/sh
# make demo: what tinysense does today, on bundled data.  The keyword model
# (TFLite Micro's micro_speech) hears four one-second recordings, given as
# the golden log-mel features of ../shared/frontend, and says what it heard.
set -eu
ctl=$1
shared=$2
model=$shared/conformance/micro-speech.tflite
features=$shared/frontend

echo "== the model"
"$ctl" model info "$model"
echo
echo "== what it hears (expected: yes, no, silence, silence)"
for clip in yes no noise silence; do
	printf '%-8s -> ' "$clip"
	"$ctl" model run "$model" --input "$features/${clip}_1000ms.int8.bin" \
		--labels silence,unknown,yes,no | sed 's/^0: //'
done
