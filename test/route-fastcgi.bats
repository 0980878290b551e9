#!/usr/bin/env bats
# afmts-route as a persistent FastCGI responder: under lighttpd's
# mod_fastcgi (started and stopped here), and spoken to directly by a small
# FastCGI client for the protocol's edges.

load helpers

setup_file() {
	command -v lighttpd >/dev/null || skip "lighttpd is not installed"
	export HOME="$BATS_FILE_TMPDIR/home" AFMTS_DATADIR="$ROOT"
	mkdir -p "$HOME" "$BATS_FILE_TMPDIR/www"
	DB="$BATS_FILE_TMPDIR/catalog.db"
	snapshot_catalog "$DB"
	lighttpd_start "$BATS_FILE_TMPDIR" /afmts/status <<-CONF
	server.modules = ( "mod_fastcgi" )
	server.max-request-size = 16
	fastcgi.server = ( "/afmts" => ((
		"bin-path" => "$ROOT/bin/afmts-route",
		"socket" => "$BATS_FILE_TMPDIR/afmts.sock",
		"max-procs" => 2,
		"check-local" => "disable",
		"bin-environment" => ( "AFMTS_DB" => "$DB", "AFMTS_NOW" => "2026-11-23T12:00:00Z" )
	)) )
	CONF
	export DB PORT URL="http://127.0.0.1:$PORT/afmts"
}

teardown_file() {
	lighttpd_stop "$BATS_FILE_TMPDIR"
}

setup() {
	export AFMTS_DB="$DB" AFMTS_NOW=2026-11-23T12:00:00Z
}

@test "FastCGI under lighttpd: the same answers as the CLI, request after request" {
	for need in tools vision json_mode; do
		run curl -s -D "$BATS_TEST_TMPDIR/headers" "$URL/route?need=$need&count=3"
		grep -q '^HTTP/1.1 200' "$BATS_TEST_TMPDIR/headers"
		grep -qi '^content-type: application/json' "$BATS_TEST_TMPDIR/headers"
		[ "$(echo "$output" | jq -c '[.candidates[] | .model]')" = \
			"$(afmts-route --need "$need" --count 3 | jq -s -c 'map(.model)')" ]
	done
	curl -s -f "$URL/v1/models" | jq -e '.object == "list" and (.data | length) > 100'
	code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
	[ "$(code "$URL/route?need=%zz")" = 400 ]
	[ "$(code "$URL/nowhere")" = 404 ]
	[ "$(code -X DELETE "$URL/route")" = 405 ]
	[ "$(code --data-binary @<(head -c 9000 /dev/zero | tr '\0' a) "$URL/report")" = 413 ]
	# An outcome reported through one process is seen by the next decision.
	model=$(afmts-route --provider groq | jq -r .model)
	[ "$(code --data "provider=groq&model=$model&status=429&retry_after=600" "$URL/report")" = 200 ]
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM usage WHERE model = '$model' AND status = 429")" = 1 ]
	[ "$(curl -s "$URL/route?provider=groq" | jq -r '.candidates[0].model')" != "$model" ]
}

@test "FastCGI under lighttpd: a query or form pair without '=' is refused, and the responder lives on" {
	code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
	for _ in 1 2 3; do
		[ "$(code "$URL/route?all")" = 400 ]
		[ "$(code "$URL/route?need=tools&x")" = 400 ]
		[ "$(code "$URL/v1/models?all")" = 400 ]
		[ "$(code --data provider "$URL/report")" = 400 ]
		[ "$(code --data 'model&status=200' "$URL/report")" = 400 ]
	done
	run curl -s "$URL/route?all"
	[ "$(echo "$output" | jq -r .error.message)" = "all must be 0 or 1" ]
	[ "$(code "$URL/status")" = 200 ]
	! grep -qi 'died\|signal\|backend.*exit' "$BATS_FILE_TMPDIR/error.log" || false
}

@test "FastCGI under lighttpd: a bounded wrk run has no non-2xx answer" {
	command -v wrk >/dev/null || skip "wrk is not installed"
	run timeout 30 wrk -t 2 -c 16 -d 2s "$URL/route?need=tools&min_context=32000"
	[ "$status" -eq 0 ]
	[[ "$output" == *"requests in"* ]]
	[[ "$output" != *"Non-2xx"* ]]
	[[ "$output" != *"Socket errors"* ]]
}

@test "FastCGI protocol: values, roles, multiplexing, kept connections, bounds, garbage" {
	python3 - "$ROOT/bin/afmts-route" "$DB" <<'PY'
import os, socket, struct, subprocess, sys, time

exe, db = sys.argv[1], sys.argv[2]
lsock = socket.socket(socket.AF_UNIX)
path = os.path.join(os.environ["BATS_TEST_TMPDIR"], "fcgi.sock")
lsock.bind(path)
lsock.listen(8)
env = dict(os.environ, AFMTS_DB=db)
env.pop("GATEWAY_INTERFACE", None)
proc = subprocess.Popen([exe], stdin=lsock.fileno(), env=env)

def rec(t, rid, content=b""):
    return struct.pack(">BBHHBB", 1, t, rid, len(content), 0, 0) + content

def nv(name, value):
    def ln(n):
        return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)
    return ln(len(name)) + ln(len(value)) + name + value

def params(d):
    return b"".join(nv(k.encode(), v.encode()) for k, v in d.items())

def read_records(s):
    out, buf = [], b""
    s.settimeout(10)
    while True:
        while len(buf) >= 8:
            v, t, rid, n, pad, _ = struct.unpack(">BBHHBB", buf[:8])
            if len(buf) < 8 + n + pad:
                break
            out.append((t, rid, buf[8:8 + n]))
            buf = buf[8 + n + pad:]
            if t == 3 or t == 10 or t == 11:
                return out
        chunk = s.recv(65536)
        if not chunk:
            return out
        buf += chunk

def connect():
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    return s

def request(s, rid, env, body=b"", keep=0):
    s.sendall(rec(1, rid, struct.pack(">HB5x", 1, keep)) + rec(4, rid, params(env)) + rec(4, rid)
              + b"".join(rec(5, rid, body[i:i + 60000]) for i in range(0, len(body), 60000))
              + rec(5, rid))
    rs = read_records(s)
    assert rs and rs[-1][0] == 3 and rs[-1][1] == rid, rs[-3:]
    return b"".join(c for t, r, c in rs if t == 6)

try:
    for _ in range(100):
        if proc.poll() is not None:
            raise SystemExit("afmts-route exited")
        break
    # GET_VALUES: one connection, one request, no multiplexing.
    s = connect()
    s.sendall(rec(9, 0, nv(b"FCGI_MPXS_CONNS", b"")))
    t, rid, c = read_records(s)[0]
    assert t == 10 and b"FCGI_MPXS_CONNS0" in c, c
    # A role other than responder is declined.
    s.sendall(rec(1, 7, struct.pack(">HB5x", 2, 1)))
    t, rid, c = read_records(s)[-1]
    assert t == 3 and rid == 7 and c[4] == 3, c
    # Two requests on a kept connection; a second BEGIN while one is open is refused.
    get = {"REQUEST_METHOD": "GET", "PATH_INFO": "/route", "QUERY_STRING": "need=tools"}
    out = request(s, 1, get, keep=1)
    assert out.startswith(b"Status: 200") and b'"candidates"' in out, out[:200]
    s.sendall(rec(1, 2, struct.pack(">HB5x", 1, 1)) + rec(1, 3, struct.pack(">HB5x", 1, 1)))
    t, rid, c = read_records(s)[-1]
    assert t == 3 and rid == 3 and c[4] == 1, (t, rid, c)
    # Request 2 goes on; parameters after the end of its stream are ignored.
    s.sendall(rec(4, 2, params({"REQUEST_METHOD": "GET", "PATH_INFO": "/status"})) + rec(4, 2)
              + rec(4, 2, params({"PATH_INFO": "/nowhere"})))
    s.sendall(rec(5, 2))
    rs = read_records(s)
    assert rs[-1][:2] == (3, 2) and b"Status: 200" in b"".join(c for t, r, c in rs if t == 6)
    # An unknown record type is answered UNKNOWN_TYPE.
    s.sendall(rec(42, 0, b"x"))
    t, rid, c = read_records(s)[-1]
    assert t == 11 and c[0] == 42, (t, c)
    s.close()
    # A body over the cap: 413, and the server goes on.
    s = connect()
    big = b"a" * 100000
    out = request(s, 1, {"REQUEST_METHOD": "POST", "PATH_INFO": "/report",
                         "CONTENT_LENGTH": str(len(big)),
                         "CONTENT_TYPE": "application/x-www-form-urlencoded"}, big)
    assert out.startswith(b"Status: 413"), out[:100]
    s.close()
    # Garbage (a wrong version byte, a connection cut mid-record): the next one is served.
    s = connect(); s.sendall(b"\x07" * 64); s.close()
    s = connect(); s.sendall(rec(1, 1, struct.pack(">HB5x", 1, 0))[:5]); s.close()
    s = connect()
    out = request(s, 9, get)
    assert out.startswith(b"Status: 200"), out[:100]
    s.close()
    assert proc.poll() is None, "afmts-route died"
finally:
    proc.kill()
    proc.wait()
PY
}

@test "FastCGI edges: parameters over 64 KiB are answered 414, a request without parameters is answered, a stalled peer is dropped after AFMTS_FASTCGI_TIMEOUT" {
	python3 - "$ROOT/bin/afmts-route" "$DB" <<'PY'
import os, socket, struct, subprocess, sys, time

exe, db = sys.argv[1], sys.argv[2]
lsock = socket.socket(socket.AF_UNIX)
path = os.path.join(os.environ["BATS_TEST_TMPDIR"], "fcgi.sock")
lsock.bind(path)
lsock.listen(8)
env = dict(os.environ, AFMTS_DB=db, AFMTS_FASTCGI_TIMEOUT="1")
env.pop("GATEWAY_INTERFACE", None)
proc = subprocess.Popen([exe], stdin=lsock.fileno(), env=env)

def rec(t, rid, content=b""):
    return struct.pack(">BBHHBB", 1, t, rid, len(content), 0, 0) + content

def nv(name, value):
    def ln(n):
        return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)
    return ln(len(name)) + ln(len(value)) + name + value

def answer(env, rid=1):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    p = b"".join(nv(k.encode(), v.encode()) for k, v in env.items())
    s.sendall(rec(1, rid, struct.pack(">HB5x", 1, 0))
              + b"".join(rec(4, rid, p[i:i + 60000]) for i in range(0, len(p), 60000))
              + rec(4, rid) + rec(5, rid))
    s.settimeout(5)
    buf = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    s.close()
    out, i = b"", 0
    while i + 8 <= len(buf):
        v, t, r, n, pad, _ = struct.unpack(">BBHHBB", buf[i:i + 8])
        if t == 6:
            out += buf[i + 8:i + 8 + n]
        i += 8 + n + pad
    return out

try:
    get = {"REQUEST_METHOD": "GET", "PATH_INFO": "/status"}
    # Parameters over 64 KiB (the query cut would be another request): 414.
    out = answer(dict(get, HTTP_X_PAD="x" * 70000, QUERY_STRING="need=tools"))
    assert out.startswith(b"Status: 414"), out[:200]
    assert out.startswith(b"Status: 200") is False
    out = answer(get)
    assert out.startswith(b"Status: 200"), out[:200]
    # A request without any PARAMS record: nothing of the last one is left.
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.sendall(rec(1, 1, struct.pack(">HB5x", 1, 0)) + rec(5, 1))
    s.settimeout(5)
    buf = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    assert b"Status: 404" in buf, buf[:200]
    # A peer that sends 3 bytes of a header and waits is dropped: the next is served.
    stall = socket.socket(socket.AF_UNIX)
    stall.connect(path)
    stall.sendall(b"\x01\x01\x00")
    t0 = time.monotonic()
    out = answer(get)
    took = time.monotonic() - t0
    assert out.startswith(b"Status: 200"), out[:200]
    assert 0.5 < took < 4, took
    # The stalled connection was closed by the responder.
    stall.settimeout(2)
    assert stall.recv(100) == b""
    # So is a peer that trickles a request a byte at a time past the deadline.
    slow = socket.socket(socket.AF_UNIX)
    slow.connect(path)
    t0 = time.monotonic()
    closed = False
    for b in rec(1, 1, struct.pack(">HB5x", 1, 0)) + rec(4, 1, nv(b"PATH_INFO", b"/status")):
        try:
            slow.sendall(bytes([b]))
        except OSError:
            closed = True
            break
        time.sleep(0.1)
    assert closed or time.monotonic() - t0 > 1
    out = answer(get)
    assert out.startswith(b"Status: 200"), out[:200]
    assert proc.poll() is None, "afmts-route died"
finally:
    proc.kill()
    proc.wait()
PY
}
