#!/bin/sh
# Fault: hostile files and directories (issue 22).  A FIFO or a symlink to
# /dev/zero as tinysense.conf, a pipeline file, a model or a WAV recording,
# a directory named tinysense.conf, a 1 GiB sparse model, lines longer than
# libinih's 200 bytes, keys given twice, 33 pipeline files, pipelines.d
# removed before a Reload.  --check-config, tinysensectl and the running
# daemon refuse each at once, naming the file and the problem; the daemon
# keeps serving (socket and D-Bus) and SIGTERM still ends it; the RSS stays
# small.  Every command that could hang runs under timeout(1), so a hang is
# a failure, never a stuck test.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
lib_need dbus-daemon busctl python3 timeout

wav=$shared/frontend/yes_1000ms.wav
# hostile KIND PATH: a FIFO (fifo) or a symlink to /dev/zero (zero) at PATH
hostile() {
	rm -rf "$2"
	if [ "$1" = fifo ]; then mkfifo "$2"; else ln -s /dev/zero "$2"; fi
}
what() { if [ "$1" = fifo ]; then echo "a FIFO"; else echo "a character device"; fi; }
# refuses NAME STATUS ERE CMD...: CMD ends within 20 s with STATUS, stderr matching ERE
# (KILLed 5 s after the TERM: a hung daemon has SIGTERM blocked)
refuses() {
	name=$1 want=$2 ere=$3
	shift 3
	rc=0
	timeout -k 5 20 "$@" > "$tmp/out" 2> "$tmp/err" < /dev/null || rc=$?
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		fail "$name" "hung (killed after 20 s)"
	elif [ "$rc" -ne "$want" ]; then
		fail "$name" "exit status $rc, not $want: $(cat "$tmp/err")"
	elif ! grep -Eq -- "$ere" "$tmp/err"; then
		fail "$name" "stderr does not say '$ere': $(cat "$tmp/err")"
	else
		ok "$name"
	fi
}

# ---- --check-config and tinysensectl -----------------------------------------------
lib_config
check_conf=$tmp/check
mkdir -p "$check_conf/pipelines.d"
for kind in fifo zero; do
	w=$(what $kind)
	hostile $kind "$check_conf/tinysense.conf"
	refuses "--check-config: tinysense.conf as $w" 2 "tinysense.conf: not a regular file \($w\)" \
		"$daemon" --config "$check_conf" --check-config
	rm -f "$check_conf/tinysense.conf"
	hostile $kind "$check_conf/pipelines.d/bad.conf"
	refuses "--check-config: a pipeline file as $w" 1 "bad.conf: not a regular file \($w\)" \
		"$daemon" --config "$check_conf" --check-config
	hostile $kind "$tmp/hostile.tflite"
	rm -f "$check_conf/pipelines.d/bad.conf" # (never write into a FIFO)
	lib_kws bad "" "$tmp/hostile.tflite" > "$check_conf/pipelines.d/bad.conf"
	refuses "--check-config: a model as $w" 1 "hostile.tflite: not a regular file \($w\)" \
		"$daemon" --config "$check_conf" --check-config
	refuses "tinysensectl model info: a model as $w" 1 "hostile.tflite: not a regular file \($w\)" \
		"$ctl" model info "$tmp/hostile.tflite"
	hostile $kind "$tmp/hostile.wav"
	lib_kws bad "$tmp/hostile.wav" > "$check_conf/pipelines.d/bad.conf"
	refuses "--check-config: a WAV recording as $w" 1 "hostile.wav: not a regular file \($w\)" \
		"$daemon" --config "$check_conf" --check-config
	refuses "tinysensectl features: a WAV recording as $w" 1 "hostile.wav: not a regular file" \
		"$ctl" features --frontend micro_speech "$tmp/hostile.wav" --output "$tmp/f.bin"
	refuses "tinysensectl detect: a WAV recording as $w" 1 "hostile.wav: not a regular file" \
		"$ctl" detect --config "$check_conf/pipelines.d/bad.conf" "$tmp/hostile.wav"
	hostile $kind "$tmp/hostile.conf"
	refuses "tinysensectl detect: a pipeline file as $w" 1 "hostile.conf: not a regular file" \
		"$ctl" detect --config "$tmp/hostile.conf" "$wav"
	hostile $kind "$tmp/hostile.bin"
	refuses "tinysensectl model run: an input file as $w" 1 "hostile.bin: not a regular file" \
		"$ctl" model run "$model" --input "$tmp/hostile.bin" --output "$tmp/out.bin"
done
rm -f "$check_conf/pipelines.d/bad.conf"
mkdir "$check_conf/tinysense.conf"
refuses "--check-config: a directory named tinysense.conf" 2 \
	"tinysense.conf: not a regular file \(a directory\)" \
	"$daemon" --config "$check_conf" --check-config
rmdir "$check_conf/tinysense.conf"

# A 1 GiB model of holes: refused by its size, never read (peak RSS, KiB).
truncate -s 1G "$tmp/big.tflite"
lib_kws big "" "$tmp/big.tflite" > "$check_conf/pipelines.d/big.conf"
refuses "--check-config: a 1 GiB model" 1 "big.tflite: larger than 16777216 bytes" \
	/usr/bin/time -f "rss %M" -o "$tmp/rss" "$daemon" --config "$check_conf" --check-config
rss=$(sed -n 's/^rss //p' "$tmp/rss")
check "--check-config: the 1 GiB model is not read (peak RSS ${rss:-?} KiB < 64 MiB)" \
	test "${rss:-999999}" -lt 65536
refuses "tinysensectl model info: a 1 GiB model" 1 "big.tflite: larger than 16777216 bytes" \
	/usr/bin/time -f "rss %M" -o "$tmp/rss" "$ctl" model info "$tmp/big.tflite"
rss=$(sed -n 's/^rss //p' "$tmp/rss")
check "tinysensectl: the 1 GiB model is not read (peak RSS ${rss:-?} KiB < 64 MiB)" \
	test "${rss:-999999}" -lt 65536
# model run reads its input one set at a time: a 1 GiB input is never in memory
truncate -s 1G "$tmp/big.bin"
refuses "tinysensectl model run: a 1 GiB input that is no whole number of sets" 1 \
	"big.bin: 1073741824 bytes is not a whole number of" \
	/usr/bin/time -f "rss %M" -o "$tmp/rss" "$ctl" model run "$model" --input "$tmp/big.bin" \
	--output "$tmp/out.bin"
rss=$(sed -n 's/^rss //p' "$tmp/rss")
check "tinysensectl model run: the 1 GiB input is not read whole (peak RSS ${rss:-?} KiB)" \
	test "${rss:-999999}" -lt 65536
rm -f "$tmp/big.bin" "$check_conf/pipelines.d/big.conf"

# 33 pipeline files: --check-config refuses, naming the count and the limit.
for i in $(seq -w 1 33); do
	lib_kws "p$i" | sed 's/^Loop=yes/Loop=no/' > "$check_conf/pipelines.d/p$i.conf"
done
refuses "--check-config: 33 pipeline files" 1 "33 pipeline files, at most 32" \
	"$daemon" --config "$check_conf" --check-config
rm -rf "$check_conf/pipelines.d"
refuses "--check-config: no pipelines.d" 1 "pipelines.d: No such file or directory" \
	"$daemon" --config "$check_conf" --check-config

# ---- the running daemon --------------------------------------------------------------
lib_start_bus
lib_kws steady > "$conf/pipelines.d/steady.conf"
lib_start_daemon
lib_watch
check "steady detects" serving steady 60
new=$conf/pipelines.d/new.conf

# The daemon answers on the socket and D-Bus within 5 s; if not, it hung:
# kill it and stop here (nothing after could pass).
responsive() {
	if timeout 5 "$ctl" status --socket "$sock" > /dev/null 2>&1 &&
		timeout 5 busctl --address="$addr" get-property org.tinysense1 /org/tinysense1 \
			org.tinysense1.Manager Version > /dev/null 2>&1; then
		ok "$case: the daemon answers (socket, D-Bus)"
	else
		fail "$case: the daemon answers (socket, D-Bus)" "it hangs; killed"
		kill -KILL "$daemon_pid" 2> /dev/null
		wait "$daemon_job" 2> /dev/null
		daemon_pid='' daemon_job=''
		lib_summary
		exit 1
	fi
}
bus_timeout=10
# refused_reload ERE: Reload over D-Bus fails within 10 s saying ERE; the
# daemon answers, steady runs on
refused_reload() {
	if bctl call org.tinysense1 /org/tinysense1 org.tinysense1.Manager Reload 2> "$tmp/err"; then
		fail "$case: Reload refused" "it succeeded"
	else
		check "$case: Reload refused, saying '$1'" grep -Eq -- "$1" "$tmp/err"
	fi
	responsive
	check "$case: ConfigError says '$1'" sh -c "busctl --address='$addr' get-property \
		org.tinysense1 /org/tinysense1 org.tinysense1.Manager ConfigError | grep -Eq -- \"$1\""
	check "$case: only steady runs" prop_is manager - Pipelines "ao 1 \"$PIPE/steady\""
	check "$case: steady still detects" serving steady 40
}

for kind in fifo zero; do
	w=$(what $kind)
	case="a pipeline file as $w"
	hostile $kind "$new"
	refused_reload "new.conf: not a regular file \($w\)"
	case="a model as $w"
	hostile $kind "$tmp/hostile.tflite"
	rm -f "$new" # (never write into a FIFO)
	lib_kws new "" "$tmp/hostile.tflite" > "$new"
	refused_reload "hostile.tflite: not a regular file \($w\)"
	case="a WAV recording as $w"
	hostile $kind "$tmp/hostile.wav"
	lib_kws new "$tmp/hostile.wav" > "$new"
	refused_reload "hostile.wav: not a regular file \($w\)"
done

case="a 1 GiB model"
lib_kws new "" "$tmp/big.tflite" > "$new"
refused_reload "big.tflite: larger than 16777216 bytes"
hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$daemon_pid/status")
check "$case: not read (the daemon's peak RSS ${hwm:-?} KiB < 64 MiB)" test "${hwm:-999999}" -lt 65536

case="a line over 4096 bytes"
{ lib_kws new; printf '# %5000s\n' x; } > "$new"
refused_reload "new.conf:[0-9]+: line longer than 4096 bytes"
case="a key given twice"
lib_kws new | sed 's/^Threshold=0.8/Threshold=0.8\nThreshold=0.05/' > "$new"
refused_reload "new.conf:[0-9]+: \[Detect\] Threshold: given twice \(first at line [0-9]+\)"
case="a [Model] key given twice in split sections"
{ lib_kws new; printf '[Model]\nPath=%s\n' "$model"; } > "$new"
refused_reload "new.conf:[0-9]+: \[Model\] Path: given twice \(first at line [0-9]+\)"

# Long lines read whole: a long comment's tail is no key (it was
# Threshold=0.05 once), a 250-character model path (through a chain of
# directories and a symlink) is a path.
# reloaded NAME TEXT: new.conf holds TEXT; Reload succeeds and new runs
reloaded() {
	printf '%s\n' "$2" > "$new"
	check "$1: Reload succeeds" bctl call org.tinysense1 /org/tinysense1 \
		org.tinysense1.Manager Reload
	check "$1: new runs" wait_prop 30 pipeline new State 's "running"'
}
case="a long comment ending in Threshold=0.05"
# (libinih's 200-byte buffer cut it just before "Threshold")
reloaded "$case" "$(lib_kws new; printf '# %s' "$(printf 'x%.0s' $(seq 197))"; echo Threshold=0.05)"
check "$case: the comment set no threshold" sh -c \
	"busctl --address='$addr' get-property org.tinysense1 $PIPE/new org.tinysense1.Pipeline \
		Thresholds | grep -Eq '\"yes\" 0\.(8|79)'" # 0.8 in Q15
long=$tmp
while [ ${#long} -lt 230 ]; do long=$long/dddddddddddddddddddd; done
mkdir -p "$long"
ln -s "$model" "$long/model.tflite"
case="a ${#long}-character model path"
reloaded "$case" "$(lib_kws new "" "$long/model.tflite")"
check "$case: new's model is the long path" prop_is pipeline new Model "s \"$long/model.tflite\""
rm "$new"
check "$case: removed again" bctl call org.tinysense1 /org/tinysense1 org.tinysense1.Manager Reload

case="33 pipeline files"
for i in $(seq -w 1 32); do # and steady.conf
	lib_kws "p$i" | sed 's/^Loop=yes/Loop=no/' > "$conf/pipelines.d/p$i.conf"
done
refused_reload "33 pipeline files, at most 32"
rm -f "$conf/pipelines.d"/p*.conf

case="pipelines.d removed"
mv "$conf/pipelines.d" "$tmp/pipelines.d.away"
refused_reload "pipelines.d: No such file or directory"
mv "$tmp/pipelines.d.away" "$conf/pipelines.d"
check "pipelines.d back: Reload succeeds" bctl call org.tinysense1 /org/tinysense1 \
	org.tinysense1.Manager Reload
check "pipelines.d back: ConfigError cleared" prop_is manager - ConfigError 's ""'

# SIGTERM still ends it, within 10 s.
case="at the end"
responsive
kill "$daemon_pid"
if wait_for 100 sh -c "! kill -0 $daemon_pid 2> /dev/null"; then
	rc=0
	wait "$daemon_job" || rc=$?
	check "SIGTERM: exit 0 (exit status $rc)" test "$rc" -eq 0
else
	fail "SIGTERM: the daemon exits within 10 s"
	kill -KILL "$daemon_pid"
	wait "$daemon_job"
fi
daemon_pid='' daemon_job=''

# ---- start-up ----------------------------------------------------------------------------
# tinysense.conf as a directory: an error, not the defaults.
mv "$conf/tinysense.conf" "$tmp/tinysense.conf.away"
mkdir "$conf/tinysense.conf"
refuses "start-up: a directory named tinysense.conf" 2 \
	"tinysense.conf: not a regular file \(a directory\)" \
	"$daemon" --config "$conf" --bus-address "$addr" --socket "$sock"
for kind in fifo zero; do
	hostile $kind "$conf/tinysense.conf"
	refuses "start-up: tinysense.conf as $(what $kind)" 2 "tinysense.conf: not a regular file" \
		"$daemon" --config "$conf" --bus-address "$addr" --socket "$sock"
done
rm -rf "$conf/tinysense.conf"
mv "$tmp/tinysense.conf.away" "$conf/tinysense.conf"

# 33 files at start-up: the first 32 in name order run, the error names the rest.
rm -f "$conf/pipelines.d"/*.conf
for i in $(seq -w 33 -1 1); do # created last first: directory order is not name order
	lib_kws "p$i" | sed 's/^Loop=yes/Loop=no/' > "$conf/pipelines.d/p$i.conf"
done
lib_start_daemon
case="start-up with 33 files"
want=$(for i in $(seq -w 1 32); do printf ' "%s/p%s"' "$PIPE" "$i"; done)
check "$case: p01..p32 are loaded, p33 is not" prop_is manager - Pipelines "ao 32$want"
check "$case: ConfigError names the count and the last file read" \
	sh -c "busctl --address='$addr' get-property org.tinysense1 /org/tinysense1 \
		org.tinysense1.Manager ConfigError | grep -q '33 pipeline files, at most 32: the 1 after p32.conf'"
check "$case: the log says so" grep -q "33 pipeline files, at most 32.*they are left out" \
	"$tmp/daemon.log"
lib_finish
