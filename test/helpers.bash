# Shared set-up for the bats tests: run the programs of this tree, with a
# scratch HOME and XDG dirs, against the parsers of this tree.
# shellcheck shell=bash
# $output is set by bats' run:
# shellcheck disable=SC2154

ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
REAL="$ROOT/test/fixtures/real"
export ROOT REAL
export PATH="$ROOT/bin:$PATH"

setup_env() {
	export HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$HOME"
	export AFMTS_DATADIR="$ROOT"
	export XDG_CONFIG_HOME="$BATS_TEST_TMPDIR/config"
	export XDG_STATE_HOME="$BATS_TEST_TMPDIR/state"
	unset AFMTS_CONFIG AFMTS_DB AFMTS_NOW
}

# fetchline PROVIDER FILE [FETCHED_AT]: a fetch record whose body is FILE.
fetchline() {
	jq -c --arg p "$1" --arg t "${3:-2026-01-01T00:00:00Z}" \
		'{type: "fetch", provider: $p, url: "https://example.invalid/models",
		  fetched_at: $t, status: 200, content_type: "application/json", body: .}' "$2"
}

# models: the model records of afmts-parse's output ($output) as a JSON array.
models() {
	printf '%s\n' "$output" | jq -s -c '[.[] | select(.type == "model")]'
}

# field MODEL KEY: a field of one model record in $output.
field() {
	printf '%s\n' "$output" | jq -r --arg m "$1" --arg k "$2" \
		'select(.type == "model" and .model == $m) | .[$k] | tostring'
}

# parse_one PROVIDER FILE: afmts-parse over one raw response (for bats' run).
parse_one() {
	fetchline "$1" "$2" | afmts-parse
}

# parse_to PROVIDER FILE FETCHED_AT OUT: afmts-parse's records for one raw response.
parse_to() {
	fetchline "$1" "$2" "$3" | afmts-parse > "$4"
}

# snapshot_catalog DB: a catalog made from the bundled offline snapshot.
snapshot_catalog() {
	afmts-fetch --replay "$ROOT/examples/snapshot.tar.gz" 2>/dev/null | afmts-parse 2>/dev/null |
		afmts-track --db "$1" >/dev/null
}

# mock_llm DIR LOG: test/mock-llm on a free loopback port, its requests logged
# to LOG; sets MOCK (its base URL) and MOCK_PID.  It stops by itself within 300 s.
mock_llm() {
	"$ROOT/test/mock-llm" --port-file "$1/mock.port" --log "$2" --lifetime 300 3>&- &
	MOCK_PID=$!
	echo "$MOCK_PID" > "$1/mock.pid"
	for _ in $(seq 100); do [ -s "$1/mock.port" ] && break; sleep 0.05; done
	MOCK="http://127.0.0.1:$(cat "$1/mock.port")"
	export MOCK
}

# mock_local DIR KIND LOG [ARGS...]: test/mock-local --kind KIND (llamacpp or
# ollama) on a free loopback port, its requests logged to LOG, ARGS passed on
# (--slots N, --ctx N, --model NAME, --vision, --hold-ms MS, --loading S,
# --down-after S, --lifetime S: default 300); prints its base URL, so several
# can run at once: URL=$(mock_local DIR llamacpp LOG --slots 2).  Its pid is in
# DIR/local-*.pid (stop_mock_locals DIR), its stderr in DIR/local-*.err.
mock_local() {
	local dir=$1 kind=$2 log=$3 pf
	shift 3
	pf=$(mktemp "$dir/local-XXXXXX")
	"$ROOT/test/mock-local" --kind "$kind" --port-file "$pf.port" --log "$log" \
		--lifetime 300 "$@" > /dev/null 2> "$pf.err" 3>&- &
	echo $! > "$pf.pid"
	for _ in $(seq 100); do [ -s "$pf.port" ] && break; sleep 0.05; done
	[ -s "$pf.port" ] || { cat "$pf.err" >&2; return 1; }
	echo "http://127.0.0.1:$(cat "$pf.port")"
}

# stop_mock_locals DIR: stops every mock_local started with DIR.
stop_mock_locals() {
	local f
	for f in "$1"/local-*.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
		rm -f "$f"
	done
	return 0
}

# mock_catalog DB MODE...: per MODE, a free model m-MODE of provider pMODE,
# served by the mock's MODE ($MOCK) with the key in GW_KEY, added to DB.
mock_catalog() {
	local db=$1 mode
	shift
	for mode in "$@"; do
		jq -n -c --arg mode "$mode" --arg b "$MOCK/$mode/v1" '{type: "model",
			provider: ("p" + $mode), model: ("m-" + $mode), name: $mode,
			context_length: 100000, free: true, free_reason: "test",
			modalities: {input: ["text"], output: ["text"]}, base_url: $b,
			key_env: "GW_KEY", observed_at: "2026-11-22T00:00:00Z"}'
		jq -n -c --arg mode "$mode" '{type: "provider", provider: ("p" + $mode), ok: true,
			models: 1, observed_at: "2026-11-22T00:00:00Z"}'
	done | afmts-track --db "$db" > /dev/null
}

# ok_catalog DB: a catalog of one free model, m-ok of provider pok (mock_catalog).
ok_catalog() {
	mock_catalog "$1" ok
}

# start_server ROOT: the loopback fixture server on ROOT; sets BASE, SERVER_PID
# and SERVER_LOG (one JSON line per request).  It stops by itself within 60 s.
start_server() {
	SERVER_LOG="$BATS_TEST_TMPDIR/server.log"
	: > "$SERVER_LOG"
	"$ROOT/test/fixture-server" --root "$1" --port-file "$BATS_TEST_TMPDIR/port" \
		--lifetime 60 --log "$SERVER_LOG" 3>&- &
	SERVER_PID=$!
	for _ in $(seq 200); do [ -s "$BATS_TEST_TMPDIR/port" ] && break; sleep 0.05; done
	BASE="http://127.0.0.1:$(cat "$BATS_TEST_TMPDIR/port")"
	export BASE SERVER_LOG
}

stop_server() {
	[ -z "${SERVER_PID:-}" ] || kill "$SERVER_PID" 2>/dev/null || true
}

# lighttpd_start DIR PROBE: lighttpd on a free loopback port, document root
# DIR/www, log DIR/error.log, plus the configuration lines on stdin; sets and
# exports PORT and waits until PROBE (a path) answers.  lighttpd_stop DIR.
lighttpd_start() {
	PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	mkdir -p "$1/www"
	{
		printf 'server.document-root = "%s/www"\nserver.bind = "127.0.0.1"\n' "$1"
		printf 'server.port = %s\nserver.errorlog = "%s/error.log"\n' "$PORT" "$1"
		cat
	} > "$1/lighttpd.conf"
	lighttpd -D -f "$1/lighttpd.conf" 3>&- &
	echo $! > "$1/lighttpd.pid"
	for _ in $(seq 100); do
		curl -s -o /dev/null "http://127.0.0.1:$PORT$2" && break
		sleep 0.05
	done
	export PORT
}

lighttpd_stop() {
	[ ! -f "$1/lighttpd.pid" ] || kill "$(cat "$1/lighttpd.pid")" 2>/dev/null || true
}

# free_port: a TCP port free on 127.0.0.1 now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# serve ARGS...: afmts-serve in the background with SIGINT at its default (a
# shell's background jobs ignore it otherwise, and an ignored signal cannot
# be trapped); sets SERVE_PID and waits for the line that says it serves.
serve() {
	python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$ROOT/schedule/afmts-serve" "$@" \
		2> "$BATS_TEST_TMPDIR/serve.err" 3>&- &
	SERVE_PID=$!
	for _ in $(seq 200); do
		grep -q 'serving' "$BATS_TEST_TMPDIR/serve.err" && return 0
		kill -0 "$SERVE_PID" 2> /dev/null || break
		sleep 0.05
	done
	cat "$BATS_TEST_TMPDIR/serve.err" >&2
	return 1
}

# receiver MODE: a loopback HTTP server; "ok" logs each POST's body as one
# line of $BATS_TEST_TMPDIR/posts and answers 200, "dead" accepts connections
# and never answers.  Sets HOOK (its URL) and RECV_PID (for teardown).
# shellcheck disable=SC2034
receiver() {
	python3 - "$1" "$BATS_TEST_TMPDIR/posts" "$BATS_TEST_TMPDIR/recv.port" <<'PY' 3>&- &
import http.server, json, socket, sys, time
mode, log, portfile = sys.argv[1:4]
if mode == "dead":
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    open(portfile, "w").write(str(s.getsockname()[1]))
    time.sleep(120)
    sys.exit(0)
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with open(log, "a") as f:
            f.write(json.dumps({"ct": self.headers["Content-Type"], "path": self.path,
                                "body": json.loads(body)}) + "\n")
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *a):
        pass
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
open(portfile, "w").write(str(srv.server_address[1]))
srv.timeout = 120
deadline = time.time() + 120
while time.time() < deadline:
    srv.handle_request()
PY
	RECV_PID=$!
	for _ in $(seq 100); do [ -s "$BATS_TEST_TMPDIR/recv.port" ] && break; sleep 0.05; done
	HOOK="http://127.0.0.1:$(cat "$BATS_TEST_TMPDIR/recv.port")/hooks/secret-path"
	: > "$BATS_TEST_TMPDIR/posts"
}

# png_check FILE WIDTH HEIGHT: a PNG of that size, and not one colour.
png_check() {
	python3 - "$@" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n"
w, h = struct.unpack(">II", data[16:24])
assert (w, h) == (int(sys.argv[2]), int(sys.argv[3])), (w, h)
pos, idat = 8, b""
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    if kind == b"IDAT":
        idat += data[pos + 8:pos + 8 + n]
    pos += 12 + n
raw = zlib.decompress(idat)
assert len(set(raw)) > 8, "a blank page"
PY
}
