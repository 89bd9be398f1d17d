#!/bin/sh
# tinysensed's JSON-lines socket, against the real daemon replaying a "yes"
# recording: the greeting, tinysensectl status/list/watch/last (readable and
# --json), protocol errors that keep the connection, an overlong line that
# ends it, 200 concurrent watchers, clients that never read (others still get
# events, the daemon's memory stays bounded), clients killed mid-stream, a
# stale socket file, socket activation; clients silent past
# SocketIdleTimeout= closed with an ERROR, SocketMaxClients= and
# tinysensectl's message when the daemon is full, a pipeline file whose
# name is not UTF-8 refused (the others served), a NUL inside a name
# refused; clean exit.
# Needs TS_CTL and TS_SHARED (TS_DAEMON: the daemon, else next to TS_CTL) and python3.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
lib_need python3 timeout
show() { sed 's/^/     | /' "$1"; }

# A daemon config dir: $1 dir, $2 socket, then pipeline name/pace pairs.
make_config() {
	cfg_dir=$1 cfg_sock=$2
	shift 2
	mkdir -p "$cfg_dir/pipelines.d"
	printf '[Daemon]\nBus=none\nSocketPath=%s\n' "$cfg_sock" > "$cfg_dir/tinysense.conf"
	while [ $# -ge 2 ]; do
		cat > "$cfg_dir/pipelines.d/$1.conf" <<EOF
[Pipeline]
Name=$1

[Source]
Plugin=replay
Path=$shared/frontend/yes_1000ms.wav
Pace=$2
Loop=yes

[Frontend]
Type=audio
Preset=micro_speech

[Model]
Path=$model
Labels=silence,unknown,yes,no

[Detect]
Threshold=0.8
Ignore=silence,unknown
EOF
		shift 2
	done
}

# Starts a daemon ($1 config dir, $2 socket, $3 log); sets $pid.
start_daemon() {
	"$daemon" --config "$1" > "$3" 2>&1 &
	pid=$!
	lib_pids="$lib_pids $pid"
	wait_for 100 socket_answers "$2"
}

# Every line but the first ($1) matches the extended regex $2.
rows_match() { ! sed 1d "$1" | grep -Evq "$2"; }

# python3 helpers: connect, read a line with a deadline, read until a class.
cat > "$tmp/sockets.py" <<'EOF'
import json, os, select, socket, sys, time

def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return Conn(s)

class Conn:
    def __init__(self, s):
        self.s, self.buf = s, b""
    def send(self, data):
        self.s.sendall(data)
    def line(self, timeout=5.0):
        """The next line as bytes; b"" at EOF or on a reset, None on timeout."""
        end = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.s], [], [], left)[0]:
                return None
            try:
                data = self.s.recv(65536)
            except ConnectionResetError:
                data = b""
            if not data:
                return b""
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line
    def msg(self, timeout=5.0):
        line = self.line(timeout)
        return json.loads(line) if line else None
    def until(self, cls, timeout=10.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            m = self.msg(end - time.monotonic())
            if m is None:
                return None
            if m.get("class") == cls:
                return m
        return None
    def close(self):
        self.s.close()

results = []
def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else ": " + str(detail)))
    results.append(bool(cond))
def done():
    sys.exit(0 if all(results) else 1)
EOF
# Runs a python3 check script from stdin; it prints its own ok/FAIL lines.
py() {
	name=$1
	shift
	PYTHONPATH=$tmp timeout 120 python3 - "$@" > "$tmp/py.out" 2>&1
	rc=$?
	cat "$tmp/py.out"
	n=$(grep -c '^FAIL' "$tmp/py.out")
	failures=$((failures + n))
	if [ $rc -ne 0 ] && [ "$n" -eq 0 ]; then
		fail "$name (python exited $rc)"
	fi
}

# ---- daemon A: one realtime pipeline; a stale socket file where it listens ----
make_config "$tmp/a" "$sock" kws realtime
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$sock"
start_daemon "$tmp/a" "$sock" "$tmp/a.log"
daemon_a=$pid
if ! "$ctl" status --socket "$sock" > /dev/null 2>&1; then
	fail "daemon starts and answers on $sock (over a stale socket file)"
	show "$tmp/a.log"
	exit 1
fi
ok "daemon starts and answers on its socket (over a stale socket file)"
check "socket mode 0660" test "$(stat -c %a "$sock")" = 660

py greeting "$sock" <<'EOF'
import sys, sockets
c = sockets.connect(sys.argv[1])
m = c.msg()
sockets.check("VERSION greeting on connect",
              m and m["class"] == "VERSION" and m["proto_major"] == 1 and m["proto_minor"] == 0
              and isinstance(m["release"], str), m)
sockets.done()
EOF

# watch: the next detection (the recording loops, so one comes every
# second).  A real-time replay that falls behind under load may splice the
# loop differently and make a "no": a detection is one of the labels the
# pipeline detects (yes, no), and the recording's "yes" must be among them
# (checked on `last` below).
timeout 20 "$ctl" watch kws --count 1 --socket "$sock" > "$tmp/watch" 2> "$tmp/watch.err"
check "watch prints a detection: time pipeline label score" \
	grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{6}Z +kws +(yes|no) +(0|1)\.[0-9]{3}$' "$tmp/watch"
check "watch --count 1 prints exactly one line" test "$(wc -l < "$tmp/watch")" -eq 1
timeout 20 "$ctl" watch --json --count 2 --socket "$sock" > "$tmp/watch.json"
py "watch --json" "$tmp/watch.json" <<'EOF'
import json, re, sys, sockets
lines = [json.loads(l) for l in open(sys.argv[1])]
sockets.check("watch --json: WATCH, then DETECTION lines", lines and lines[0]["class"] == "WATCH"
              and [m["class"] for m in lines[1:]] == ["DETECTION", "DETECTION"], lines)
d = lines[-1]
sockets.check("DETECTION fields", d.get("pipeline") == "kws" and d.get("label") in ("yes", "no")
              and 0.8 <= d.get("score", 0) <= 1 and isinstance(d.get("mono_usec"), int)
              and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", d.get("time", "")), d)
sockets.done()
EOF

# list and status, readable and --json
"$ctl" list --socket "$sock" > "$tmp/list" 2>&1
check "list: header" grep -Eq '^NAME +STATE +SOURCE +MODEL +LABELS$' "$tmp/list"
check "list: kws row" grep -Eq '^kws +running +replay +/.*micro-speech\.tflite +silence,unknown,yes,no$' "$tmp/list"
"$ctl" status --socket "$sock" > "$tmp/status" 2>&1
check "status: header" grep -Eq '^NAME +STATE +INFERENCES +DETECTIONS +MEAN-US +LAST$' "$tmp/status"
check "status: kws row with its last detection" \
	grep -Eq '^kws +running +[1-9][0-9]* +[1-9][0-9]* +[0-9]+ +yes [01]\.[0-9]{3} 20[0-9-]{8}T' "$tmp/status"
"$ctl" list --json --socket "$sock" > "$tmp/list.json"
"$ctl" status --json --socket "$sock" > "$tmp/status.json"
"$ctl" last kws -n 3 --json --socket "$sock" > "$tmp/last.json"
py "--json replies" "$tmp/list.json" "$tmp/status.json" "$tmp/last.json" <<'EOF'
import json, sys, sockets
def one(path):
    lines = open(path).read().splitlines()
    return json.loads(lines[0]) if len(lines) == 1 else lines
l, s, last = (one(p) for p in sys.argv[1:4])
p = l["pipelines"][0]
sockets.check("list --json: one PIPELINES line", l["class"] == "PIPELINES" and len(l["pipelines"]) == 1
              and p["name"] == "kws" and p["state"] == "running" and p["source"] == "replay"
              and p["model"].endswith("micro-speech.tflite")
              and p["labels"] == ["silence", "unknown", "yes", "no"], l)
p = s["pipelines"][0]
sockets.check("status --json: counters and last", s["class"] == "STATUS" and p["name"] == "kws"
              and p["inferences"] > 0 and p["detections"] > 0 and p["mean_inference_usec"] > 0
              and "time" in p["last"] and "score" in p["last"], s)
d = last["detections"]
sockets.check("last --json: 3 detections, oldest first", last["class"] == "LAST"
              and last["pipeline"] == "kws" and len(d) == 3
              and all(x["label"] in ("yes", "no") and x["score"] >= 0.8 for x in d)
              and d[0]["mono_usec"] <= d[1]["mono_usec"] <= d[2]["mono_usec"], last)
sockets.done()
EOF
"$ctl" last kws -n 2 --socket "$sock" > "$tmp/last" 2>&1
check "last: header and 2 rows" test "$(grep -c . "$tmp/last")" -eq 3
check "last: rows are time label score" \
	rows_match "$tmp/last" '^20[0-9-]{8}T[0-9:.]{15}Z +(yes|no) +[01]\.[0-9]{3}$'

# tool errors
if "$ctl" last nosuch --socket "$sock" 2> "$tmp/err"; then fail "last of an unknown pipeline fails"; else
	check "last nosuch: the daemon's message" grep -q "no pipeline 'nosuch'" "$tmp/err"; fi
if "$ctl" status --socket "$tmp/absent.sock" 2> "$tmp/err"; then fail "no daemon: exit 1"; else
	check "no daemon: message" grep -q "cannot connect to $tmp/absent.sock: No such file or directory" "$tmp/err"; fi
check "TINYSENSE_SOCKET is the default" env TINYSENSE_SOCKET="$sock" "$ctl" list > /dev/null
if TINYSENSE_SOCKET="$tmp/absent.sock" "$ctl" list --socket "$sock" > /dev/null; then
	ok "--socket wins over TINYSENSE_SOCKET"; else fail "--socket wins over TINYSENSE_SOCKET"; fi

# STATUS's last detection is one the pipeline made: one of those LAST lists
# right after it on the same connection (the history's 64; asked again
# while the event may still be on its way to the history), and the yes
# recording's "yes" is among them
py "status and last agree" "$sock" <<'EOF'
import sys, time, sockets
c = sockets.connect(sys.argv[1]); c.msg()
found, st, hist = False, None, []
for _ in range(10):
    c.send(b'{"cmd":"status"}\n')
    st = c.until("STATUS")["pipelines"][0]["last"]
    c.send(b'{"cmd":"last","pipeline":"kws","n":64}\n')
    hist = c.until("LAST")["detections"]
    if any(x["label"] == st["label"] and x["time"] == st["time"] for x in hist):
        found = True
        break
    time.sleep(0.1)
sockets.check("STATUS's last is one of the pipeline's detections (LAST)", found, (st, hist[-3:]))
sockets.check("the yes recording: yes among the last detections",
              any(x["label"] == "yes" for x in hist), [x["label"] for x in hist])
sockets.done()
EOF

# protocol errors keep the connection; an overlong line ends it
py "protocol errors" "$sock" <<'EOF'
import socket, sys, sockets
c = sockets.connect(sys.argv[1]); c.msg()
for name, req in [("malformed JSON", b'{"cmd":"list"'), ("unknown cmd", b'{"cmd":"frobnicate"}'),
                  ("not an object", b'[1,2]'), ("cmd not a string", b'{"cmd":5}'),
                  ("wrong type for n", b'{"cmd":"last","pipeline":"kws","n":"ten"}'),
                  ("wrong type for pipelines", b'{"cmd":"watch","pipelines":"kws"}'),
                  ("invalid UTF-8", b'{"cmd":"\xff"}')]:
    c.send(req + b"\n")
    m = c.msg()
    sockets.check(name + " -> ERROR", m and m["class"] == "ERROR" and m["message"], m)
    c.send(b'{"cmd":"list"}\n')
    m = c.msg()
    sockets.check(name + ": connection still usable", m and m["class"] == "PIPELINES", m)
c.send(b'{"cmd":"list"}\n' + b"x" * 5120 + b"\n")
m1, m2, end = c.msg(), c.msg(), c.line()
sockets.check("5 KiB line: the lines before it are answered", m1 and m1["class"] == "PIPELINES", m1)
sockets.check("5 KiB line -> ERROR", m2 and m2["class"] == "ERROR" and "4096" in m2["message"], m2)
sockets.check("5 KiB line: then disconnected", end == b"", end)
# the peer's EOF: its last request (even without a newline) is answered first
c = sockets.connect(sys.argv[1]); c.msg()
c.send(b'{"cmd":"status"}\n{"cmd":"list"}')
c.s.shutdown(socket.SHUT_WR)
m1, m2, end = c.msg(), c.msg(), c.line()
sockets.check("requests before EOF answered, then closed",
              m1 and m1["class"] == "STATUS" and m2 and m2["class"] == "PIPELINES" and end == b"",
              (m1, m2, end))
# unwatch stops the events
c = sockets.connect(sys.argv[1]); c.msg()
c.send(b'{"cmd":"watch","pipelines":["kws"]}\n')
sockets.check("watch -> WATCH enable", (c.msg() or {}).get("enable") is True)
sockets.check("watch: a detection arrives", c.until("DETECTION"))
c.send(b'{"cmd":"unwatch"}\n')
w = c.until("WATCH")
sockets.check("unwatch -> WATCH enable false", w and w["enable"] is False, w)
sockets.check("unwatch: no more events", c.line(1.5) is None)
# "scores": true adds every inference's averaged scores, one per label
c = sockets.connect(sys.argv[1]); c.msg()
c.send(b'{"cmd":"watch","pipelines":["kws"],"scores":true}\n')
w = c.until("WATCH")
sockets.check("watch scores -> WATCH scores true", w and w["scores"] is True, w)
sc = c.until("SCORES")
sockets.check("SCORES carries a score per label",
              sc and sc["pipeline"] == "kws" and
              sorted(sc["scores"]) == ["no", "silence", "unknown", "yes"] and
              all(0 <= v <= 1 for v in sc["scores"].values()) and "time" in sc, sc)
c.send(b'{"cmd":"watch","pipelines":["kws"]}\n')
w = c.until("WATCH")
sockets.check("watch without scores -> WATCH scores false", w and w["scores"] is False, w)
# a SCORES already queued may still come: drain, then expect none
while True:
    m = c.msg(0.3)
    if m is None or m.get("class") != "SCORES":
        break
quiet = True
for _ in range(10):
    m = c.msg(0.1)
    if m is not None and m.get("class") == "SCORES":
        quiet = False
sockets.check("without scores: no SCORES", quiet)
sockets.done()
EOF

# many watchers at once, and one that never reads
py "200 watchers" "$sock" <<'EOF'
import json, select, sys, time, sockets
stuck = sockets.connect(sys.argv[1])
stuck.send(b'{"cmd":"watch"}\n')        # and never read
conns = [sockets.connect(sys.argv[1]) for _ in range(200)]
for c in conns:
    c.send(b'{"cmd":"watch","pipelines":["kws"]}\n')
got, end = set(), time.monotonic() + 15
while len(got) < len(conns) and time.monotonic() < end:
    ready = select.select([c.s for c in conns if c not in got], [], [], 1)[0]
    for c in conns:
        if c.s in ready:
            line = c.line(0.5)
            if line and json.loads(line)["class"] == "DETECTION":
                got.add(c)
sockets.check("200 concurrent watchers all receive a detection", len(got) == 200,
              "%d of 200" % len(got))
for c in conns:
    c.close()
sockets.done()
EOF

# clients killed mid-stream are harmless
"$ctl" watch --socket "$sock" > /dev/null 2>&1 &
watcher=$!
sleep 1.5
kill -9 "$watcher"
wait "$watcher" 2>/dev/null
py "killed clients" "$sock" <<'EOF'
import socket, struct, sys, sockets
for i in range(50):                       # watchers reset with unread data
    c = sockets.connect(sys.argv[1])
    c.send(b'{"cmd":"watch"}\n{"cmd":"status"}\n')
    c.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
c = sockets.connect(sys.argv[1]); c.msg()
c.send(b'{"cmd":"watch","pipelines":["kws"]}\n')
sockets.check("after killed clients: others still get detections", c.until("DETECTION"))
sockets.done()
EOF
check "daemon alive after the killed clients" kill -0 "$daemon_a"

# ---- daemon B: a pipeline replaying as fast as it can (a burst of events) ----
burst=$tmp/burst.sock
make_config "$tmp/b" "$burst" burst fast
# Under ASan (make test-asan) freed memory waits in a quarantine, which
# would count as growth: keep it small for this daemon.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1 \
	start_daemon "$tmp/b" "$burst" "$tmp/b.log"
daemon_b=$pid
py "slow clients" "$burst" "$daemon_b" <<'EOF'
import sys, time, sockets
path, pid = sys.argv[1], int(sys.argv[2])
def rss():
    for l in open("/proc/%d/status" % pid):
        if l.startswith("VmRSS:"):
            return int(l.split()[1])
# 20 watchers and one request spammer that never read
stuck = []
for _ in range(20):
    c = sockets.connect(path); c.s.setblocking(False)
    c.send(b'{"cmd":"watch"}\n'); stuck.append(c)
spam = sockets.connect(path); spam.s.setblocking(False)
req = b'{"cmd":"last","pipeline":"burst","n":64}\n' * 64
reader = sockets.connect(path); reader.msg()
reader.send(b'{"cmd":"watch"}\n'); reader.until("WATCH")
def run(seconds):
    n, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            spam.s.send(req)
        except BlockingIOError:
            pass
        m = reader.msg(1)
        n += m is not None and m["class"] == "DETECTION"
    return n
run(2)                                   # every stuck queue fills
before = rss()
events = run(5)
after = rss()
print("     | %d events in 5 s to the reading client; daemon RSS %d -> %d kB" % (events, before, after))
sockets.check("a reading client keeps getting events beside 21 stuck ones", events >= 100, events)
sockets.check("stuck clients' queues stay bounded (RSS grows < 4 MiB)", after - before < 4096,
              (before, after))
# a stuck watcher that starts reading hears how much it lost
s = stuck[0]; s.s.setblocking(True)
dropped, end = None, time.monotonic() + 10
while dropped is None and time.monotonic() < end:
    m = s.msg(2)
    if m is None:
        break
    if m["class"] == "DROPPED":
        dropped = m["count"]
sockets.check("a slow client is told how many events it lost", dropped and dropped > 0, dropped)
sockets.done()
EOF
check "burst daemon alive" kill -0 "$daemon_b"
kill "$daemon_b"
wait "$daemon_b"
check "burst daemon exits 0 on SIGTERM" test $? -eq 0

# ---- socket activation (systemd-socket-activate passes a listening socket) ----
if command -v systemd-socket-activate > /dev/null 2>&1; then
	act=$tmp/act.sock
	make_config "$tmp/c" "$tmp/unused.sock" kws realtime
	systemd-socket-activate -l "$act" "$daemon" --config "$tmp/c" > "$tmp/c.log" 2>&1 &
	pid=$!
	lib_pids="$lib_pids $pid"
	wait_for 50 test -S "$act"
	check "socket activation: answers on the passed socket" \
		sh -c "'$ctl' list --socket '$act' | grep -q '^kws '"
	check "socket activation: binds nothing itself" test ! -e "$tmp/unused.sock"
	kill "$pid"
	wait "$pid" 2>/dev/null
else
	echo "skip socket activation: systemd-socket-activate is not installed"
fi

# ---- daemon D: SocketIdleTimeout=1s, SocketMaxClients=4, a pipeline whose name is not UTF-8 ----
idle=$tmp/idle.sock
badname=$(printf 'k\351') # Latin-1 "ké"
make_config "$tmp/d" "$idle" kws realtime "$badname" realtime
printf 'SocketIdleTimeout=1s\nSocketMaxClients=4\n' >> "$tmp/d/tinysense.conf"
start_daemon "$tmp/d" "$idle" "$tmp/d.log"
daemon_d=$pid
py "idle clients, too many clients, non-UTF-8 names" "$idle" "$ctl" <<'EOF'
import json, subprocess, sys, time, sockets
path, ctl = sys.argv[1], sys.argv[2]
def run_ctl(*args):
    p = subprocess.run([ctl, *args, "--socket", path], capture_output=True, timeout=20)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")
def utf8_lines(data):
    try:
        return [json.loads(l) for l in data.decode("utf-8", "strict").splitlines()]
    except (UnicodeDecodeError, ValueError) as e:
        return str(e)
# a pipeline file whose Name= holds a Latin-1 byte is refused by file and
# line; list and status serve the other pipeline, in UTF-8
rc, out, err = run_ctl("list", "--json")
l = utf8_lines(out)
sockets.check("list --json: the pipeline with a non-UTF-8 name is refused, kws is served",
              rc == 0 and isinstance(l, list) and
              [p["name"] for p in l[0]["pipelines"]] == ["kws"], (rc, out, err))
rc, out, err = run_ctl("status", "--json")
s = utf8_lines(out)
sockets.check("status --json: config_error names the file, the key and the problem",
              rc == 0 and isinstance(s, list) and len(s[0]["pipelines"]) == 1 and
              "[Pipeline] Name: truncated UTF-8 sequence" in (s[0]["config_error"] or ""),
              (rc, out, err))
rc, out, err = run_ctl("list")
sockets.check("list: a row for kws", rc == 0 and b"\nkws " in out, (rc, out, err))
# a NUL inside a name is refused, naming the field (it used to watch "kws")
c = sockets.connect(path); c.msg()
c.send(b'{"cmd":"watch","pipelines":["kws\\u0000junk"]}\n')
m = c.msg()
sockets.check('watch of "kws\\u0000junk" -> ERROR naming the field',
              m and m["class"] == "ERROR" and '"pipelines"[0]' in m["message"]
              and "NUL" in m["message"], m)
c.close()
# a client that sends nothing is told and closed after the idle timeout
c = sockets.connect(path)
t0 = time.monotonic()
v, m, end = c.msg(), c.msg(5), c.line(5)
took = time.monotonic() - t0
sockets.check("silent client: VERSION, then ERROR idle timeout, then closed",
              v and v["class"] == "VERSION" and m and m["class"] == "ERROR"
              and m["message"].startswith("idle timeout: no command within 1 s") and end == b"",
              (v, m, end))
sockets.check("silent client: closed after the timeout, not before (0.9..4 s)",
              0.9 <= took <= 4, took)
# half a request line is no command either
c = sockets.connect(path); c.msg()
c.send(b'{"cmd":"sta')
m = c.msg(5)
sockets.check("half a request line: idle timeout too",
              m and m["class"] == "ERROR" and m["message"].startswith("idle timeout"), m)
c.close()
# a watcher that sent its command may stay silent
w = [sockets.connect(path) for _ in range(4)]
for x in w:
    x.msg()
    x.send(b'{"cmd":"watch","pipelines":["kws"]}\n')
    x.until("WATCH")
end, bad = time.monotonic() + 2.5, None
while time.monotonic() < end:
    m = w[0].msg(end - time.monotonic())
    if m is not None and m.get("class") != "DETECTION":
        bad = m
        break
sockets.check("a watcher stays past the idle timeout", bad is None and w[0].until("DETECTION"), bad)
# the fifth client: told why, then closed
c = sockets.connect(path)
v, m, end = c.msg(), c.msg(), c.line()
sockets.check("beyond SocketMaxClients: VERSION, ERROR too many clients, closed",
              v and v["class"] == "VERSION" and m and m["class"] == "ERROR"
              and m["message"] == "too many clients (4); try again later" and end == b"",
              (v, m, end))
rc, out, err = run_ctl("status")
sockets.check("tinysensectl status on a full daemon: exit 1 and the daemon's reason",
              rc == 1 and "tinysensectl: too many clients (4); try again later" in err
              and "Broken pipe" not in err, (rc, err))
rc, out, err = run_ctl("watch", "--count", "1")
sockets.check("tinysensectl watch on a full daemon: exit 1 and the daemon's reason",
              rc == 1 and "too many clients (4)" in err, (rc, err))
w.pop().close()
ok = False
for _ in range(20):
    rc, out, err = run_ctl("status")
    ok = rc == 0
    if ok:
        break
    time.sleep(0.1)
sockets.check("a slot freed: tinysensectl works again", ok, err)
for x in w:
    x.close()
# silent connections in every slot lock users out only until the timeout
time.sleep(0.3)
silent = [sockets.connect(path) for _ in range(4)]
for x in silent:
    x.msg()
rc, out, err = run_ctl("list")
sockets.check("four silent clients hold every slot", rc == 1 and "too many clients" in err, (rc, err))
time.sleep(1.5)
rc, out, err = run_ctl("list")
sockets.check("after the idle timeout the slots are free again", rc == 0, (rc, err))
sockets.done()
EOF
check "idle-timeout daemon alive" kill -0 "$daemon_d"
kill "$daemon_d"
wait "$daemon_d"
check "idle-timeout daemon exits 0 on SIGTERM" test $? -eq 0
for bad in 'SocketIdleTimeout=soon:expected a duration' 'SocketMaxClients=0:expected a number in 1..1024'; do
	printf '[Daemon]\nBus=none\n%s\n' "${bad%%:*}" > "$tmp/d/tinysense.conf"
	if "$daemon" --config "$tmp/d" --check-config > "$tmp/d.check" 2>&1; then
		fail "${bad%%:*} is refused"
	else
		check "${bad%%:*} is refused, naming the key" \
			grep -qF "tinysense.conf:3: [Daemon] ${bad%%=*}: ${bad#*:}" "$tmp/d.check"
	fi
done

# ---- clean exit ----
kill "$daemon_a"
wait "$daemon_a"
check "daemon exits 0 on SIGTERM" test $? -eq 0
check "daemon removes its socket" test ! -e "$sock"
lib_pids=""
if grep -q -i -E 'AddressSanitizer|runtime error' "$tmp/a.log" "$tmp/b.log" "$tmp/d.log"; then
	fail "sanitizers quiet"; show "$tmp/a.log"; fi

lib_summary
