#!/usr/bin/env bats
# afmts-gateway under lighttpd's mod_fastcgi (and as plain CGI), forwarding to
# mock providers on loopback started here: one healthy, one 429 with
# Retry-After, one 500, one that closes the connection, one that answers an
# error inside a 200, one that streams slowly.

load helpers

CANARY=canary-gateway-key-8c1f

setup_file() {
	command -v lighttpd >/dev/null || skip "lighttpd is not installed"
	export HOME="$BATS_FILE_TMPDIR/home" AFMTS_DATADIR="$ROOT"
	mkdir -p "$HOME" "$BATS_FILE_TMPDIR/www"
	MOCK_LOG="$BATS_FILE_TMPDIR/mock.log"
	: > "$MOCK_LOG"
	"$ROOT/test/mock-llm" --port-file "$BATS_FILE_TMPDIR/mock.port" --log "$MOCK_LOG" \
		--lifetime 120 3>&- &
	echo $! > "$BATS_FILE_TMPDIR/mock.pid"
	for _ in $(seq 100); do [ -s "$BATS_FILE_TMPDIR/mock.port" ] && break; sleep 0.05; done
	MOCK="http://127.0.0.1:$(cat "$BATS_FILE_TMPDIR/mock.port")"
	DB="$BATS_FILE_TMPDIR/catalog.db"
	# /keyed: the same gateway with client keys (alice: 5 requests a day, bob: no limit).
	KEYS="$BATS_FILE_TMPDIR/keys"
	printf 'alice-key-0123456789abcdef\n' | afmts-gateway --hash-key alice 5 > "$KEYS"
	printf 'bob-key-0123456789abcdefgh\n' | afmts-gateway --hash-key bob >> "$KEYS"
	lighttpd_start "$BATS_FILE_TMPDIR" / <<-CONF
	server.modules = ( "mod_fastcgi" )
	server.stream-response-body = 2
	fastcgi.server = ( "/gw" => ((
		"bin-path" => "$ROOT/bin/afmts-gateway",
		"socket" => "$BATS_FILE_TMPDIR/gw.sock",
		"max-procs" => 1,
		"check-local" => "disable",
		"bin-environment" => ( "AFMTS_DB" => "$DB", "AFMTS_NOW" => "2026-11-23T12:00:00Z",
			"GW_KEY" => "$CANARY", "AFMTS_GATEWAY_ATTEMPTS" => "4" )
	)),
	"/keyed" => ((
		"bin-path" => "$ROOT/bin/afmts-gateway",
		"socket" => "$BATS_FILE_TMPDIR/keyed.sock",
		"max-procs" => 1,
		"check-local" => "disable",
		"bin-environment" => ( "AFMTS_DB" => "$DB", "AFMTS_NOW" => "2026-11-23T12:00:00Z",
			"GW_KEY" => "$CANARY", "AFMTS_GATEWAY_KEYS" => "$KEYS" )
	)),
	"/recycled" => ((
		"bin-path" => "$ROOT/bin/afmts-gateway",
		"socket" => "$BATS_FILE_TMPDIR/recycled.sock",
		"max-procs" => 1,
		"check-local" => "disable",
		"bin-environment" => ( "AFMTS_DB" => "$DB", "AFMTS_NOW" => "2026-11-23T12:00:00Z",
			"GW_KEY" => "$CANARY", "AFMTS_GATEWAY_MAX_REQUESTS" => "3" )
	)) )
	CONF
	export DB PORT MOCK MOCK_LOG URL="http://127.0.0.1:$PORT/gw" KEYED="http://127.0.0.1:$PORT/keyed"
	export RECYCLED="http://127.0.0.1:$PORT/recycled"
}

teardown_file() {
	lighttpd_stop "$BATS_FILE_TMPDIR"
	[ ! -f "$BATS_FILE_TMPDIR/mock.pid" ] || kill "$(cat "$BATS_FILE_TMPDIR/mock.pid")" 2>/dev/null || true
}

# A fresh catalog: one free model per mock behaviour, the longest context on
# the worst one, so that free-first tries 429, 500, close, then ok.
setup() {
	export AFMTS_DB="$DB" AFMTS_NOW=2026-11-23T12:00:00Z
	rm -f "$DB" "$DB-wal" "$DB-shm"
	{
		for m in "r429 400000" "r500 300000" "close 200000" "ok 100000" "err200 50000" "slow 40000"; do
			set -- $m
			jq -n -c --arg mode "$1" --argjson ctx "$2" --arg b "$MOCK/$1/v1" \
				'{type: "model", provider: ("p" + $mode), model: ("m-" + $mode), name: $mode,
				  context_length: $ctx, free: true, free_reason: "test", features: ["tools"],
				  modalities: {input: ["text"], output: ["text"]}, base_url: $b,
				  key_env: "GW_KEY", observed_at: "2026-11-22T00:00:00Z"}'
			printf '{"type":"provider","provider":"p%s","ok":true,"models":1,"observed_at":"2026-11-22T00:00:00Z"}\n' "$1"
		done
		# A provider with a bad key and two models.
		for m in m-key1 m-key2; do
			jq -n -c --arg m "$m" --arg b "$MOCK/r401/v1" '{type: "model", provider: "pkey", model: $m,
				name: $m, context_length: 1000, free: true, free_reason: "test",
				modalities: {input: ["text"], output: ["text"]}, base_url: $b,
				key_env: "GW_KEY", observed_at: "2026-11-22T00:00:00Z"}'
		done
		echo '{"type":"provider","provider":"pkey","ok":true,"models":2,"observed_at":"2026-11-22T00:00:00Z"}'
	} | afmts-track > /dev/null
	: > "$MOCK_LOG"
	for _ in $(seq 100); do curl -s -o /dev/null "$URL/status" && break; sleep 0.05; done
}

chat() {	# chat JSON [curl args...]: POST a chat completion, headers in $BATS_TEST_TMPDIR/h
	curl -s -D "$BATS_TEST_TMPDIR/h" -H 'Content-Type: application/json' --data-binary "$1" \
		"${@:2}" "$URL/v1/chat/completions"
}

header() {	# header NAME: its value in the last answer
	grep -i "^$1:" "$BATS_TEST_TMPDIR/h" | cut -d ' ' -f 2- | tr -d '\r'
}

@test "a request falls back through 429, 500 and a dead connection to the healthy model" {
	run chat '{"model":"afmts/auto","messages":[{"role":"user","content":"Say hello"}]}'
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '.choices[0].message.content')" = "hello from ok" ]
	grep -q '^HTTP/1.1 200' "$BATS_TEST_TMPDIR/h"
	[ "$(header x-afmts-provider)" = pok ]
	[ "$(header x-afmts-model)" = m-ok ]
	[ "$(header x-afmts-attempts)" = 4 ]
	# Each upstream got the request with its own model id and the key (libcurl
	# sends again, once, a request whose reused connection died unanswered:
	# all mocks share one host here).
	[ "$(jq -r .mode "$MOCK_LOG" | uniq | tr '\n' ' ')" = "r429 r500 close ok " ]
	[ "$(jq -r .model "$MOCK_LOG" | uniq | tr '\n' ' ')" = "m-r429 m-r500 m-close m-ok " ]
	[ "$(jq -r .authorization "$MOCK_LOG" | sort -u)" = "Bearer $CANARY" ]
	# Every attempt is a usage row: the failures feed the breaker, the success the reports.
	[ "$(sqlite3 "$DB" "select model, status, coalesce(retry_after, ''), prompt_tokens > 0 from usage order by id" | tr '\n' ' ')" = \
		"m-r429|429|30|0 m-r500|500||0 m-close|0||0 m-ok|200||1 " ]
	[ "$(sqlite3 "$DB" "select completion_tokens, client from usage where status = 200")" = "4|afmts-gateway" ]
	# The next request skips the model cooling down after its 429.
	: > "$MOCK_LOG"
	chat '{"messages":[{"role":"user","content":"again"}]}' > /dev/null
	[ "$(jq -r .mode "$MOCK_LOG" | head -1)" != r429 ]
	# The canary key is nowhere but in the upstream's Authorization header.
	! grep -rq "$CANARY" "$DB" "$BATS_FILE_TMPDIR/error.log" "$BATS_TEST_TMPDIR/h" || false
}

@test "a streamed answer reaches the client chunk by chunk, before the upstream has finished" {
	python3 - "$PORT" <<'PY'
import json, socket, sys, time
body = json.dumps({"model": "m-slow", "stream": True,
                   "messages": [{"role": "user", "content": "count"}]}).encode()
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /gw/v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
          b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
t0, seen, buf = time.monotonic(), [], b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    buf += chunk
    for line in chunk.split(b"\n"):
        if line.startswith(b"data: "):
            seen.append((time.monotonic() - t0, line))
head = buf.split(b"\r\n\r\n", 1)[0].decode()
assert " 200 " in head.split("\r\n")[0], head
assert "text/event-stream" in head.lower(), head
assert "x-afmts-model: m-slow" in head.lower(), head
events = [l for t, l in seen if l != b"data: [DONE]"]
assert len(events) == 5, seen
first, last = seen[0][0], seen[-1][0]
# The upstream spaces its 5 chunks 0.4 s apart: the first must not wait for the last.
assert last - first > 1.2, (first, last)
PY
	[ "$(sqlite3 "$DB" "select model, status, prompt_tokens, completion_tokens from usage")" = "m-slow|200|11|5" ]
}

@test "an error inside a 200, and an explicit fallback order without the extension field upstream" {
	run chat '{"model":"m-err200","afmts_fallback":["m-r500","m-ok"],"messages":[{"role":"user","content":"hi"}]}'
	[ "$(echo "$output" | jq -r '.choices[0].message.content')" = "hello from ok" ]
	[ "$(header x-afmts-attempts)" = 3 ]
	[ "$(jq -r .mode "$MOCK_LOG" | tr '\n' ' ')" = "err200 r500 ok " ]
	[ "$(jq -r .extension "$MOCK_LOG" | sort -u)" = false ]
	[ "$(sqlite3 "$DB" "select status, error like 'error in a 200 answer: provider overloaded' from usage where model = 'm-err200'")" = "503|1" ]
}

@test "requirements come from the request: tools, images, context; every model failing is a 502" {
	# An image part needs vision: no model here has it, a 400 as OpenAI answers an impossible request.
	run chat '{"messages":[{"role":"user","content":[{"type":"text","text":"what is it"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]}]}'
	[ "$(echo "$output" | jq -r '.error.type + " " + .error.code')" = "invalid_request_error no_model_fits" ]
	[[ "$(echo "$output" | jq -r .error.message)" == *"--need vision"* ]]
	grep -q '^HTTP/1.1 400' "$BATS_TEST_TMPDIR/h"
	# A prompt longer than every context but one.
	head -c 1400000 /dev/zero | tr '\0' a | jq -R -c '{messages: [{role: "user", content: .}]}' \
		> "$BATS_TEST_TMPDIR/big.json"
	run chat "@$BATS_TEST_TMPDIR/big.json"
	[ "$(header x-afmts-model)" = m-r429 ] || [ "$(echo "$output" | jq -r .error.code)" = rate_limit_exceeded ]
	[ "$(jq -r .mode "$MOCK_LOG" | sort -u)" = r429 ]
	# Only failing models: 502 with what each said.
	: > "$MOCK_LOG"
	run chat '{"model":"m-r500","afmts_fallback":["m-close"],"messages":[{"role":"user","content":"hi"}]}'
	grep -q '^HTTP/1.1 502' "$BATS_TEST_TMPDIR/h"
	[[ "$(echo "$output" | jq -r .error.message)" == *"pr500/m-r500: the provider answered 500"* ]]
}

@test "a 401 benches the provider for the next request of the same process" {
	run chat '{"model":"m-key1","messages":[{"role":"user","content":"hi"}]}'
	grep -q '^HTTP/1.1 502' "$BATS_TEST_TMPDIR/h"
	[[ "$(echo "$output" | jq -r .error.message)" == *"answered 401"* ]]
	[ "$(jq -r .model "$MOCK_LOG")" = m-key1 ]
	# The other model of that provider is not tried: its provider is benched.
	: > "$MOCK_LOG"
	run chat '{"model":"m-key2","messages":[{"role":"user","content":"hi"}]}'
	grep -q '^HTTP/1.1 503' "$BATS_TEST_TMPDIR/h"
	[ -z "$(cat "$MOCK_LOG")" ]
}

@test "bad requests get OpenAI-style errors; other paths are afmts-route's" {
	code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
	[ "$(code "$URL/v1/chat/completions")" = 405 ]
	[ "$(code -H 'Content-Type: application/json' --data-binary '{"messages":' "$URL/v1/chat/completions")" = 400 ]
	[ "$(code -H 'Content-Type: text/plain' --data-binary '{}' "$URL/v1/chat/completions")" = 415 ]
	[ "$(code -H 'Content-Type: application/json' --data-binary '{"messages":[]}' "$URL/v1/chat/completions")" = 400 ]
	[ "$(code -H 'Content-Type: application/json' --data-binary '{"model":"afmts/Not A Policy","messages":[{"role":"user","content":"x"}]}' "$URL/v1/chat/completions")" = 400 ]
	[ "$(code -H 'Content-Type: application/json' --data-binary '{"model":["x"],"messages":[{"role":"user","content":"x"}]}' "$URL/v1/chat/completions")" = 400 ]
	[ "$(code -H 'Content-Type: application/json' --data-binary @<(head -c 5000000 /dev/zero | tr '\0' a) "$URL/v1/chat/completions")" = 413 ]
	curl -s -f "$URL/v1/models" | jq -e '.object == "list" and (.data | length) == 8'
	curl -s -f "$URL/status" | jq -e '.catalog.free_models == 8'
	[ -z "$(cat "$MOCK_LOG")" ]
}

@test "a query or form pair without '=' is refused, and the gateway lives on" {
	code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
	for _ in 1 2 3; do
		[ "$(code "$URL/route?all")" = 400 ]
		[ "$(code --data provider "$URL/report")" = 400 ]
	done
	[ "$(code "$URL/status")" = 200 ]
	run chat '{"model":"m-ok","messages":[{"role":"user","content":"hi"}]}'
	[ "$(echo "$output" | jq -r '.choices[0].message.content')" = "hello from ok" ]
}

@test "chat bodies of unexpected shapes are answered, never abort the gateway" {
	for body in '{"model":"m-ok","messages":[{"role":"user","content":["hi"]}]}' \
		'{"model":"m-ok","messages":[{"role":"user","content":[1,null,true,["x"],{"type":1,"text":2}]}]}' \
		'{"model":"m-ok","messages":["x",1,null,[{"content":"y"}]]}' \
		'{"model":"m-ok","messages":[{"role":"user","content":"x"}],"tools":{"a":1},"response_format":"json_object","max_tokens":"9"}' \
		'{"model":"m-ok","messages":[{"role":"user","content":"x"}],"response_format":{"type":["json_object"]},"stream":null}'; do
		run chat "$body"
		[ "$(echo "$output" | jq -r '.choices[0].message.content')" = "hello from ok" ]
	done
	run curl -s -H 'Content-Type: application/json' --data-binary '{"model":"m-ok","prompt":[1,{"a":"b"},"tale"]}' \
		"$URL/v1/completions"
	[ "$(echo "$output" | jq -r '.choices[0].text')" = "completed by ok" ]
	for body in '{"model":"m-ok","messages":[{"role":"user","content":"x"}],"afmts_fallback":[1,{}]}' \
		'{"model":"m-r500","messages":[{"role":"user","content":"x"}],"afmts_fallback":["m-ok\u0000x"]}' \
		'{"model":"m-ok\u0000x","messages":[{"role":"user","content":"x"}]}' \
		'{"model":"m-ok","messages":{"0":{"content":"x"}}}' '[{"messages":[]}]' '"hi"'; do
		run chat "$body"
		grep -q '^HTTP/1.1 400' "$BATS_TEST_TMPDIR/h"
		[ "$(echo "$output" | jq -r .error.type)" = invalid_request_error ]
	done
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/status")" = 200 ]
	! grep -qi 'died\|signal\|abort' "$BATS_FILE_TMPDIR/error.log" || false
}

@test "client keys guard every path: /route, /v1/models, /status and /report answer 401 without one" {
	code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
	alice='Authorization: Bearer alice-key-0123456789abcdef'
	bob='Authorization: Bearer bob-key-0123456789abcdefgh'
	for path in /route /route?need=tools /v1/models /status; do
		[ "$(code "$KEYED$path")" = 401 ]
		[ "$(code -H 'Authorization: Bearer not-a-key-000000' "$KEYED$path")" = 401 ]
		[ "$(code -H "$bob" "$KEYED$path")" = 200 ]
	done
	run curl -s -D "$BATS_TEST_TMPDIR/h" "$KEYED/status"
	[ "$(echo "$output" | jq -r '.error.type + " " + .error.code')" = "invalid_request_error invalid_api_key" ]
	[[ "$output" != *"$MOCK"* && "$output" != *GW_KEY* ]]
	[ "$(header www-authenticate)" = 'Bearer realm="afmts"' ]
	# Nobody can bench a model or spend a client's budget without a key.
	[ "$(code --data 'provider=pok&model=m-ok&status=429&retry_after=604800' "$KEYED/report")" = 401 ]
	[ "$(code --data 'provider=pok&model=m-ok&status=200&client=alice' "$KEYED/report")" = 401 ]
	[ "$(sqlite3 "$DB" "select count(*) from usage")" = 0 ]
	# With a key, the row is that client's: a body naming a client is refused.
	[ "$(code -H "$bob" --data 'provider=pok&model=m-ok&status=200&client=alice' "$KEYED/report")" = 400 ]
	[ "$(code -H "$bob" --data 'provider=pok&model=m-ok&status=200' "$KEYED/report")" = 200 ]
	[ "$(sqlite3 "$DB" "select client from usage")" = bob ]
	# alice's budget is hers: bob's reports did not spend it.
	run curl -s -H 'Content-Type: application/json' -H "$alice" \
		--data-binary '{"model":"m-ok","messages":[{"role":"user","content":"hi"}]}' "$KEYED/v1/chat/completions"
	[ "$(echo "$output" | jq -r '.choices[0].message.content')" = "hello from ok" ]
	[ "$(sqlite3 "$DB" "select client from usage order by id" | tr '\n' ' ')" = "bob alice " ]
	# Without keys configured, the other gateway answers as before.
	[ "$(code "$URL/status")" = 200 ]
}

# add_models MODE...: a free model m-MODE of provider pMODE at the mock's MODE.
add_models() {
	for mode in "$@"; do
		jq -n -c --arg mode "$mode" --arg b "$MOCK/$mode/v1" \
			'{type: "model", provider: ("p" + $mode), model: ("m-" + $mode), name: $mode,
			  context_length: 1000, free: true, free_reason: "test",
			  modalities: {input: ["text"], output: ["text"]}, base_url: $b,
			  key_env: "GW_KEY", observed_at: "2026-11-22T00:00:00Z"}'
	done | afmts-track > /dev/null
}

@test "a provider echoing its key: the key is masked in what the gateway relays and stores" {
	add_models echo echojson echo200 echostream
	STARS=${CANARY//?/*}
	# A refusal in HTML is passed back as JSON in OpenAI's error shape.
	run chat '{"model":"m-echo","messages":[{"role":"user","content":"hi"}]}'
	grep -q '^HTTP/1.1 400' "$BATS_TEST_TMPDIR/h"
	[ "$(header content-type)" = application/json ]
	[ "$(echo "$output" | jq -r '.error.type + " " + (.error.code | tostring)')" = "invalid_request_error null" ]
	[[ "$output" != *"<html>"* ]]
	# A refusal in JSON keeps its message and type, the key masked.
	run chat '{"model":"m-echojson","messages":[{"role":"user","content":"hi"}]}'
	grep -q '^HTTP/1.1 400' "$BATS_TEST_TMPDIR/h"
	[ "$(header content-type)" = application/json ]
	[ "$(echo "$output" | jq -r .error.type)" = invalid_request_error ]
	[ "$(echo "$output" | jq -r .error.message)" = "no such header: Authorization: Bearer $STARS" ]
	# An error inside a 200: neither the 502 summary nor the usage row has the key.
	run chat '{"model":"m-echo200","messages":[{"role":"user","content":"hi"}]}'
	grep -q '^HTTP/1.1 502' "$BATS_TEST_TMPDIR/h"
	[[ "$(echo "$output" | jq -r .error.message)" == *"key rejected: Bearer ****"* ]]
	[ "$(sqlite3 "$DB" "select error from usage where model = 'm-echo200'")" = \
		"error in a 200 answer: key rejected: Bearer $STARS" ]
	# A stream with the key cut across two chunks.
	run chat '{"model":"m-echostream","stream":true,"messages":[{"role":"user","content":"hi"}]}'
	grep -q '^HTTP/1.1 200' "$BATS_TEST_TMPDIR/h"
	[[ "$output" == *"\"you sent Bearer $STARS\""* ]]
	[[ "$output" == *"data: [DONE]"* ]]
	# The canary was sent each time, and is nowhere the gateway wrote.
	[ "$(jq -r .authorization "$MOCK_LOG" | sort -u)" = "Bearer $CANARY" ]
	! grep -rq "$CANARY" "$DB" "$DB-wal" "$BATS_FILE_TMPDIR/error.log" "$BATS_TEST_TMPDIR" || false
	[ -z "$(sqlite3 "$DB" "select 1 from usage, ratelimits where usage.error like '%$CANARY%' or ratelimits.kind like '%$CANARY%'")" ]
}

@test "only a response's first line is its status: a header line starting HTTP/ changes nothing" {
	add_models fakestatus
	run chat '{"model":"m-fakestatus","afmts_fallback":["m-ok"],"messages":[{"role":"user","content":"hi"}]}'
	[ "$(echo "$output" | jq -r '.choices[0].message.content')" = "hello from ok" ]
	[ "$(header x-afmts-model)" = m-ok ]
	[ "$(sqlite3 "$DB" "select status, retry_after from usage where model = 'm-fakestatus'")" = "429|30" ]
}

@test "a provider's cost over 1e6 USD is not stored, as for usage lines: report sums stay finite" {
	add_models bigcost
	for _ in 1 2; do
		run chat '{"model":"m-bigcost","messages":[{"role":"user","content":"hi"}]}'
		[ "$(echo "$output" | jq -r '.choices[0].message.content')" = "hello from bigcost" ]
	done
	[ "$(sqlite3 "$DB" "select count(*), count(cost) from usage where model = 'm-bigcost'")" = "2|0" ]
	# A cost within the bound is kept.
	[ "$(sqlite3 "$DB" "select count(cost) from usage where model = 'm-ok'")" = 0 ]
	chat '{"model":"m-ok","messages":[{"role":"user","content":"hi"}]}' > /dev/null
	[ "$(sqlite3 "$DB" "select cost from usage where model = 'm-ok'")" = 0.0 ]
}

# recycled_workers: the worker pid under the /recycled gateway (the child
# of lighttpd whose environment has AFMTS_GATEWAY_MAX_REQUESTS=3).
recycled_workers() {
	for p in $(ps -o pid= --ppid "$(cat "$BATS_FILE_TMPDIR/lighttpd.pid")"); do
		if tr '\0' '\n' < "/proc/$p/environ" | grep -qx 'AFMTS_GATEWAY_MAX_REQUESTS=3'; then
			ps -o pid= --ppid "$p"
		fi
	done | tr -d ' '
}

@test "after AFMTS_GATEWAY_MAX_REQUESTS a fresh worker process takes over, and no request fails" {
	code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
	[ "$(code "$RECYCLED/status")" = 200 ]
	first=$(recycled_workers)
	[ -n "$first" ]
	[ "$(echo "$first" | wc -l)" = 1 ]
	for i in $(seq 12); do
		if [ $((i % 2)) = 0 ]; then
			[ "$(code "$RECYCLED/status")" = 200 ]
		else
			run curl -s -H 'Content-Type: application/json' \
				--data-binary '{"model":"m-ok","messages":[{"role":"user","content":"hi"}]}' \
				"$RECYCLED/v1/chat/completions"
			[ "$(echo "$output" | jq -r '.choices[0].message.content')" = "hello from ok" ]
		fi
	done
	sleep 0.2
	now=$(recycled_workers)
	[ -n "$now" ]
	[ "$now" != "$first" ]
	! kill -0 "$first" 2>/dev/null || false
}

@test "plain CGI works too, and the program refuses to run outside a web server" {
	body='{"model":"m-ok","messages":[{"role":"user","content":"hi"}]}'
	run env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST PATH_INFO=/v1/chat/completions \
		CONTENT_TYPE=application/json CONTENT_LENGTH=${#body} GW_KEY=$CANARY \
		afmts-gateway <<< "$body"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Status: 200 OK"* ]]
	[[ "$output" == *"X-Afmts-Model: m-ok"* ]]
	[[ "$output" == *'"hello from ok"'* ]]
	# A legacy completion goes to /completions.
	body='{"model":"m-ok","prompt":"Once upon a time"}'
	run env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST PATH_INFO=/v1/completions \
		CONTENT_TYPE=application/json CONTENT_LENGTH=${#body} GW_KEY=$CANARY \
		afmts-gateway <<< "$body"
	[[ "$output" == *'"completed by ok"'* ]]
	[ "$(jq -r .path "$MOCK_LOG" | tail -1)" = /ok/v1/completions ]
	run afmts-gateway
	[ "$status" -eq 2 ]
	run afmts-gateway --help
	[ "$status" -eq 0 ]
}

# cgi BODY [VAR=VALUE...]: one request to afmts-gateway as a CGI program.
cgi() {
	local body=$1
	shift
	env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST PATH_INFO=/v1/chat/completions \
		CONTENT_TYPE=application/json CONTENT_LENGTH=${#body} GW_KEY=$CANARY "$@" \
		afmts-gateway <<< "$body"
}

@test "client keys: hashed in a file, required when configured, with a daily budget" {
	keys="$BATS_TEST_TMPDIR/keys"
	alice=canary-client-alice-0123456789
	printf '%s\n' "$alice" | afmts-gateway --hash-key alice 2 > "$keys"
	printf 'bob-long-enough-key-xyz\n' | afmts-gateway --hash-key bob >> "$keys"
	! grep -q "$alice" "$keys" || false
	[ "$(cut -d ' ' -f 1,3 "$keys" | tr '\n' ' ')" = "alice 2 bob " ]
	body='{"model":"m-ok","messages":[{"role":"user","content":"hi"}]}'
	# No key, a wrong key: 401, and nothing is forwarded.
	run cgi "$body" AFMTS_GATEWAY_KEYS="$keys"
	[[ "${lines[0]}" == "Status: 401"* ]]
	[[ "$output" == *'WWW-Authenticate: Bearer realm="afmts"'* ]]
	run cgi "$body" AFMTS_GATEWAY_KEYS="$keys" HTTP_AUTHORIZATION="Bearer not-a-key"
	[[ "${lines[0]}" == "Status: 401"* ]]
	[ -z "$(cat "$MOCK_LOG")" ]
	# alice may make two requests today, then 429 until UTC midnight.
	for _ in 1 2; do
		run cgi "$body" AFMTS_GATEWAY_KEYS="$keys" HTTP_AUTHORIZATION="Bearer $alice"
		[[ "${lines[0]}" == "Status: 200"* ]]
	done
	run cgi "$body" AFMTS_GATEWAY_KEYS="$keys" HTTP_AUTHORIZATION="Bearer $alice"
	[[ "${lines[0]}" == "Status: 429"* ]]
	[[ "$output" == *"Retry-After: 43200"* ]]	# AFMTS_NOW is noon
	[ "$(sqlite3 "$DB" "select client, count(*) from usage group by client")" = "alice|2" ]
	# The client's key reaches neither the provider nor the catalog.
	[ "$(jq -r .authorization "$MOCK_LOG" | sort -u)" = "Bearer $CANARY" ]
	! grep -q "$alice" "$DB" || false
	# A damaged key file is a 503, not an open door.
	echo 'carol not-hex' >> "$keys"
	run cgi "$body" AFMTS_GATEWAY_KEYS="$keys" HTTP_AUTHORIZATION="Bearer $alice"
	[[ "$output" == *"Status: 503"* ]]
	[[ "$output" == *"keys:3: not \"NAME SHA256-HEX [REQUESTS-A-DAY]\""* ]]
	run afmts-gateway --hash-key 'bad name' <<< "key-long-enough-1234"
	[ "$status" -eq 2 ]
	run afmts-gateway --hash-key short <<< "tiny"
	[ "$status" -eq 2 ]
}

@test "client keys: a long comment line is one comment, its tail never a key line" {
	keys="$BATS_TEST_TMPDIR/keys"
	mallory=mallory-key-0123456789abcdef
	printf 'carol-key-0123456789abcdefgh\n' | afmts-gateway --hash-key carol > "$keys"
	# 255 bytes of comment, then what would be a key line if read on its own.
	{ printf '# %0253d' 0; printf '%s\n' "$mallory" | afmts-gateway --hash-key mallory; } >> "$keys"
	body='{"model":"m-ok","messages":[{"role":"user","content":"hi"}]}'
	run cgi "$body" AFMTS_GATEWAY_KEYS="$keys" HTTP_AUTHORIZATION="Bearer $mallory"
	[[ "${lines[0]}" == "Status: 401"* ]]
	run cgi "$body" AFMTS_GATEWAY_KEYS="$keys" HTTP_AUTHORIZATION="Bearer carol-key-0123456789abcdefgh"
	[[ "${lines[0]}" == "Status: 200"* ]]
	# A client line over 255 bytes is a damaged file: 503, not half a line.
	printf 'dave %s %0250d\n' "$(printf x | sha256sum | cut -d ' ' -f 1)" 1 >> "$keys"
	run cgi "$body" AFMTS_GATEWAY_KEYS="$keys" HTTP_AUTHORIZATION="Bearer carol-key-0123456789abcdefgh"
	[[ "$output" == *"Status: 503"* ]]
	[[ "$output" == *"keys:3: not"* ]]
}

@test "valgrind: a CGI request through fallback leaks nothing and reads no uninitialised memory" {
	[ -z "${AFMTS_ASAN:-}" ] || skip "valgrind does not run under ASan"
	command -v valgrind > /dev/null || skip "valgrind is not installed"
	body='{"model":"afmts/auto","stream":false,"messages":[{"role":"user","content":"hi"}]}'
	run env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST PATH_INFO=/v1/chat/completions \
		CONTENT_TYPE=application/json CONTENT_LENGTH=${#body} GW_KEY=$CANARY \
		valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--error-exitcode=9 afmts-gateway <<< "$body"
	[ "$status" -eq 0 ]
	[[ "$output" == *"X-Afmts-Attempts: 4"* ]]
}

@test "a provider that gives no usage still has its request counted: estimated tokens, marked so" {
	add_models nousage usage
	run chat '{"model":"m-nousage","messages":[{"role":"user","content":"count me please"}]}'
	grep -q '^HTTP/1.1 200' "$BATS_TEST_TMPDIR/h"
	run chat '{"model":"m-nousage","stream":true,"messages":[{"role":"user","content":"count me too"}]}'
	[[ "$output" == *"data: [DONE]"* ]]
	# Both rows have tokens, estimated from the request and the answer's text.
	[ "$(sqlite3 "$DB" "select count(*) from usage where model = 'm-nousage' and status = 200
		and estimated = 1 and prompt_tokens > 0 and completion_tokens > 0")" -eq 2 ]
	# A provider that counts is taken at its word, not marked.
	run chat '{"model":"m-usage","stream":true,"messages":[{"role":"user","content":"hi"}]}'
	[[ "$output" != *'"usage":{'* ]]
	[ "$(sqlite3 "$DB" "select prompt_tokens > 0, estimated is null from usage where model = 'm-usage'")" = "1|1" ]
	# The gateway asked for the stream's usage though the client did not.
	[ "$(jq -r 'select(.mode == "usage") | .stream_options.include_usage' "$MOCK_LOG")" = true ]
}

@test "a stream cut before [DONE] ends in an error event for the client and a failure in the catalog" {
	add_models cut errevent
	run chat '{"model":"m-cut","stream":true,"messages":[{"role":"user","content":"hi"}]}'
	[[ "$output" == *'"code":"stream_cut"'* ]]
	[[ "$output" != *"[DONE]"* ]]
	[ "$(sqlite3 "$DB" "select status, error from usage where model = 'm-cut'")" = "502|stream cut: no [DONE]" ]
	run chat '{"model":"m-errevent","stream":true,"messages":[{"role":"user","content":"hi"}]}'
	[[ "$output" == *'"message": "overloaded"'* ]]
	[ "$(sqlite3 "$DB" "select status from usage where model = 'm-errevent'")" = 503 ]
}

@test "unknown models, impossible requests and rate limits get OpenAI's statuses, with Retry-After" {
	add_models ratelimited usage
	run chat '{"model":"no-such-model","messages":[{"role":"user","content":"hi"}]}'
	grep -q '^HTTP/1.1 404' "$BATS_TEST_TMPDIR/h"
	[ "$(echo "$output" | jq -c '.error | [.type, .param, .code]')" = '["invalid_request_error","model","model_not_found"]' ]
	run chat '{"model":"m-ratelimited","messages":[{"role":"user","content":"hi"}]}'
	grep -q '^HTTP/1.1 429' "$BATS_TEST_TMPDIR/h"
	[ "$(header retry-after)" = 7 ]
	[ "$(echo "$output" | jq -r .error.code)" = rate_limit_exceeded ]
	# Now cooling down: refused before any attempt, with the wait.
	: > "$MOCK_LOG"
	run chat '{"model":"m-ratelimited","messages":[{"role":"user","content":"hi"}]}'
	grep -q '^HTTP/1.1 429' "$BATS_TEST_TMPDIR/h"
	[ "$(header retry-after)" -ge 1 ]
	[ ! -s "$MOCK_LOG" ]
	# The upstream's request id, and a model retrieved by id.
	run chat '{"model":"m-usage","messages":[{"role":"user","content":"hi"}]}'
	[[ "$(header x-request-id)" == req_mock* ]]
	curl -s -f "$URL/v1/models/m-usage" | jq -e '.id == "m-usage" and .object == "model" and .owned_by == "pusage"'
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/models/no-such-model")" = 404 ]
	# 405 says what is allowed.
	curl -s -D "$BATS_TEST_TMPDIR/h" -o /dev/null "$URL/v1/chat/completions"
	[ "$(header allow)" = POST ]
}

@test "afmts/no-train keeps out the models whose free tier trains on prompts; unknown stays in" {
	sqlite3 "$DB" "UPDATE models SET trains_on_prompts = 'true' WHERE provider IN ('pr429', 'pr500');
		UPDATE models SET trains_on_prompts = 'unknown' WHERE provider = 'pclose'"
	afmts-route --refresh
	run chat '{"model":"afmts/no-train","messages":[{"role":"user","content":"Say hello"}]}'
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '.choices[0].message.content')" = "hello from ok" ]
	[ "$(header x-afmts-attempts)" = 2 ]
	[ "$(jq -r .mode "$MOCK_LOG" | uniq | tr '\n' ' ')" = "close ok " ]
}

@test "a provider saying its limit is 3 a day (x-ratelimit-limit-requests): the 4th request goes elsewhere" {
	rm -f "$DB" "$DB-wal" "$DB-shm"
	for m in "limit3 200000" "ok 100000"; do
		set -- $m
		jq -n -c --arg mode "$1" --argjson ctx "$2" --arg b "$MOCK/$1/v1" \
			'{type: "model", provider: ("p" + $mode), model: ("m-" + $mode), name: $mode,
			  context_length: $ctx, free: true, free_reason: "test",
			  limits: {header_requests: "rpd"}, base_url: $b,
			  key_env: "GW_KEY", observed_at: "2026-11-22T00:00:00Z"}'
	done | afmts-track > /dev/null
	for i in 1 2 3; do
		run chat '{"model":"afmts/auto","messages":[{"role":"user","content":"hi"}]}'
		[ "$(header x-afmts-model)" = m-limit3 ]
	done
	run chat '{"model":"afmts/auto","messages":[{"role":"user","content":"hi"}]}'
	[ "$(header x-afmts-model)" = m-ok ]
	afmts-route --state | jq -e '.budgets[] | select(.provider == "plimit3") | .exhausted == "rpd" and
		(.limits[] | select(.window == "rpd") | .limit == 3 and .used == 3 and .source == "learned")'
}
