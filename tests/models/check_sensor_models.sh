#!/bin/sh
# make check-models, the sensor models: their shipped pipeline configs (the
# agriculture one's replay variant, config/examples/agriculture-replay.conf) on
# their shipped replays, offline (`tinysensectl detect`, WAV) and through
# the daemon (tinysensed's replay source, WAV and CSV), against what the
# simulator put in the recordings:
#   vibration_replay.wav: normal, an outer-race bearing defect from 9.5 s
#     to 13.0 s (models/train/vibration/train.py, REPLAY), normal again:
#     the pipeline must report exactly "anomaly" within 1.5 s of the onset
#     and "normal" within 2.5 s of the end (OffCount=25 windows is 1 s);
#   agriculture_week.csv: 8 days of a held-out field, and
#     agriculture_week.truth, the simulator's label for each hour: the
#     pipeline must report frost-risk and irrigate inside true hours of
#     that label (or within 2 h of one), at least once each, and at least
#     3 of 4 of its detections must be right.
set -u
build=$1
repo=$(pwd)
rec=$repo/models/recordings
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

ok() { echo "check-models: ok   $1"; }
fail() { echo "check-models: FAIL $1: $2"; failures=$((failures + 1)); }

# A daemon with only the given pipeline file, the replay read from the
# repository and as fast as the pipeline takes it; prints "TIME LABEL" lines.
run_daemon() {
	rm -rf "$tmp/d" && mkdir -p "$tmp/d/pipelines.d"
	cat > "$tmp/d/tinysense.conf" <<CONF
[Daemon]
Bus=none
SocketPath=
ModelDir=$repo/models
PluginDir=$repo/$build/plugins
CONF
	sed -e "s|^Path=/usr/share/tinysense/recordings/|Path=$rec/|" -e 's|^Pace=.*|Pace=fast|' \
		"$1" > "$tmp/d/pipelines.d/$(basename "$1")"
	timeout 60 "$build/tinysensed" --config "$tmp/d" --print --exit-when-done \
		--log-level warning | awk '{ sub(/^\+/, "", $3); print $3, $5 }'
}

# ---- vibration ---------------------------------------------------------------
check_vibration() { # $1: what ran, $2: file of "TIME LABEL" lines
	if awk 'NR == 1 && $2 == "anomaly" && $1 >= 9.5 && $1 <= 11.0 { a = 1 }
		NR == 2 && $2 == "normal" && $1 >= 13.0 && $1 <= 15.5 { n = 1 }
		END { exit !(a && n && NR == 2) }' "$2"; then
		ok "vibration.conf, $1: $(tr '\n' ' ' < "$2")"
	else
		fail "vibration.conf, $1" "expected anomaly at 9.5..11.0 s, normal at 13.0..15.5 s; got: $(tr '\n' ' ' < "$2")"
	fi
}
"$build/tinysensectl" detect --config config/pipelines.d/vibration.conf --model-dir models \
	"$rec/vibration_replay.wav" 2>/dev/null | awk '{ print $1, $3 }' > "$tmp/vib_detect"
check_vibration "tinysensectl detect" "$tmp/vib_detect"
run_daemon config/pipelines.d/vibration.conf > "$tmp/vib_daemon"
check_vibration "tinysensed" "$tmp/vib_daemon"

# ---- agriculture ---------------------------------------------------------------
# Replay seconds are rows (10 minutes); hour h holds rows 6h..6h+5.
run_daemon config/examples/agriculture-replay.conf > "$tmp/agri_daemon"
if awk -v truth="$rec/agriculture_week.truth" '
	BEGIN { while ((getline l < truth) > 0) label[n++] = l }
	{
		h = int($1 / 6); right = 0
		for (d = -2; d <= 2; d++) if (h + d >= 0 && label[h + d] == $2) right = 1
		total++; good += right; seen[$2] += right
	}
	END {
		printf "%d detections, %d right (frost-risk %d, irrigate %d)\n", total, good,
			seen["frost-risk"], seen["irrigate"]
		exit !(total > 0 && 4 * good >= 3 * total && seen["frost-risk"] && seen["irrigate"])
	}' "$tmp/agri_daemon" > "$tmp/agri_summary"; then
	ok "agriculture-replay.conf, tinysensed on agriculture_week.csv: $(cat "$tmp/agri_summary")"
else
	fail "agriculture-replay.conf, tinysensed on agriculture_week.csv" \
		"$(cat "$tmp/agri_summary"); detections: $(tr '\n' ' ' < "$tmp/agri_daemon")"
fi
[ "$failures" -eq 0 ]
