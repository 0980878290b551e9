#!/usr/bin/env bats
# Hostile traffic against afmts-gateway under lighttpd's FastCGI: 1,000
# requests, hostile ones (the reproducers of the hardening review, random
# bytes, truncated and oversized requests) interleaved with normal ones.
# Every normal request must be answered correctly, no gateway process may
# die, and the processes' memory stays bounded.  Loopback only; bounded in
# count and time.

load helpers

setup_file() {
	command -v lighttpd > /dev/null || skip "lighttpd is not installed"
	export HOME="$BATS_FILE_TMPDIR/home" AFMTS_DATADIR="$ROOT"
	mkdir -p "$HOME"
	mock_llm "$BATS_FILE_TMPDIR" /dev/null
	DB="$BATS_FILE_TMPDIR/catalog.db"
	ok_catalog "$DB"
	lighttpd_start "$BATS_FILE_TMPDIR" /gw/status <<-CONF
	server.modules = ( "mod_fastcgi" )
	server.stream-response-body = 2
	fastcgi.server = ( "/gw" => ((
		"bin-path" => "$ROOT/bin/afmts-gateway",
		"socket" => "$BATS_FILE_TMPDIR/gw.sock",
		"max-procs" => 2,
		"check-local" => "disable",
		"bin-environment" => ( "AFMTS_DB" => "$DB", "GW_KEY" => "canary-hostile-key-0042",
			"AFMTS_GATEWAY_TIMEOUT_MS" => "10000" )
	)) )
	CONF
	export DB PORT
}

teardown_file() {
	lighttpd_stop "$BATS_FILE_TMPDIR"
	[ ! -f "$BATS_FILE_TMPDIR/mock.pid" ] || kill "$(cat "$BATS_FILE_TMPDIR/mock.pid")" 2>/dev/null || true
}

# gateways: "PID RSS-KB" of every afmts-gateway process this lighttpd runs
# (the processes it started, and their workers).
gateways() {
	local httpd p
	httpd=$(cat "$BATS_FILE_TMPDIR/lighttpd.pid")
	for p in $(ps -o pid= --ppid "$httpd"); do
		echo "$p"
		ps -o pid= --ppid "$p"
	done | xargs ps -o pid=,rss=,comm= -p | awk '$3 == "afmts-gateway" { print $1, $2 }' | sort
}

@test "1,000 hostile and normal requests: every normal one answered right, no gateway dies, memory stays bounded" {
	# Warm up each process, then note who runs and how big they are.
	for _ in 1 2 3 4; do
		curl -s -f -H 'Content-Type: application/json' \
			--data '{"messages":[{"role":"user","content":"warm"}]}' \
			"http://127.0.0.1:$PORT/gw/v1/chat/completions" > /dev/null
	done
	before=$(gateways)
	[ -n "$before" ]
	run timeout 240 python3 - "$PORT" <<'PY'
import json, random, socket, sys, threading

PORT = int(sys.argv[1])
random.seed(20261129)
NORMAL = json.dumps({"model": "afmts/auto", "messages": [{"role": "user", "content": "Say hello"}]})

def raw(data, timeout=15):
    """Send bytes, read until the server closes; the answer's bytes."""
    s = socket.create_connection(("127.0.0.1", PORT), timeout=timeout)
    try:
        s.sendall(data)
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        out = b""
        while True:
            try:
                b = s.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not b:
                break
            out += b
        return out
    finally:
        s.close()

def http(method, path, body=b"", headers=()):
    head = "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" % (method, path)
    for h in headers:
        head += h + "\r\n"
    if body or method == "POST":
        head += "Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
    return raw(head.encode("latin-1") + b"\r\n" + body)

def hostile(i):
    k = i % 14
    if k == 0:
        return http("GET", "/gw/route?all")
    if k == 1:
        return http("POST", "/gw/report", b"provider")
    if k == 2:
        return http("POST", "/gw/v1/chat/completions", b'{"messages":[{"role":"user","content":["hi"]}]}')
    if k == 3:
        return http("POST", "/gw/v1/chat/completions", b'{"messages":[{"role":"user","content":"x"')
    if k == 4:
        return http("POST", "/gw/v1/chat/completions", bytes(random.getrandbits(8) for _ in range(random.randint(1, 4000))))
    if k == 5:
        return raw(bytes(random.getrandbits(8) for _ in range(random.randint(1, 2000))), timeout=5)
    if k == 6:
        return http("POST", "/gw/v1/chat/completions", b'{"model":"a\\u0000b","messages":[{"role":"user","content":"x"}]}')
    if k == 7:
        return http("GET", "/gw/route?" + "a=" + "b" * 70000)
    if k == 8:
        return http("GET", "/gw/status", headers=["X-Big: " + "h" * 60000])
    if k == 9:
        return http("POST", "/gw/v1/chat/completions", b"[" * 5000 + b"]" * 5000)
    if k == 10:
        # A request cut in the middle of its body: the client goes away.
        s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
        s.sendall(b"POST /gw/v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 1000\r\n\r\n{\"messages\":")
        s.close()
        return b""
    if k == 11:
        return http("POST", "/gw/v1/chat/completions", b'{"messages":[{"role":"user","content":[{"type":"image_url","image_url":7}]}],"tools":"x","afmts_fallback":[1,{}]}')
    if k == 12:
        return http("DELETE", "/gw/v1/models")
    return http("GET", "/gw/route?need=%zz&min_context=-1e999")

results = {"normal_ok": 0, "normal_bad": [], "hostile": 0}
lock = threading.Lock()

def worker(ids):
    for i in ids:
        try:
            if i % 3 == 0:
                out = http("POST", "/gw/v1/chat/completions", NORMAL.encode())
                head, _, body = out.partition(b"\r\n\r\n")
                ok = head.startswith(b"HTTP/1.1 200") and b"hello from ok" in body
                with lock:
                    if ok:
                        results["normal_ok"] += 1
                    else:
                        results["normal_bad"].append((i, out[:200]))
            else:
                hostile(i)
                with lock:
                    results["hostile"] += 1
        except OSError as e:
            with lock:
                if i % 3 == 0:
                    results["normal_bad"].append((i, repr(e)))
                else:
                    results["hostile"] += 1

ids = list(range(1000))
threads = [threading.Thread(target=worker, args=(ids[t::8],)) for t in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps({"normal_ok": results["normal_ok"], "normal_bad": len(results["normal_bad"]),
                  "hostile": results["hostile"], "first_bad": [repr(b) for b in results["normal_bad"][:3]]}))
PY
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | tail -n 1 | jq .normal_ok)" -eq 334 ]
	[ "$(echo "$output" | tail -n 1 | jq .normal_bad)" -eq 0 ]
	[ "$(echo "$output" | tail -n 1 | jq .hostile)" -eq 666 ]
	# The same processes, none died and none was started again.
	after=$(gateways)
	[ "$(echo "$before" | cut -d ' ' -f 1)" = "$(echo "$after" | cut -d ' ' -f 1)" ]
	! grep -Ei 'died|signal|exited|terminated|abort' "$BATS_FILE_TMPDIR/error.log" || false
	# Memory bounded: no process grew by more than 16 MB.  Not under ASan,
	# whose quarantine keeps freed memory (up to 256 MB) on purpose.
	if [ -z "${AFMTS_ASAN:-}" ]; then
		join <(echo "$before") <(echo "$after") | awk '{ if ($3 - $2 > 16384) { print "grew:", $0; bad = 1 } } END { exit bad }'
	fi
	# And they still answer.
	curl -s -f -H 'Content-Type: application/json' --data "{\"messages\":[{\"role\":\"user\",\"content\":\"after\"}]}" \
		"http://127.0.0.1:$PORT/gw/v1/chat/completions" | jq -e '.choices[0].message.content == "hello from ok"'
}
