#!/usr/bin/env bats
# Local servers in the pool (issue 22): llama-server and Ollama discovered
# through their own endpoints (test/mock-local, their loopback doubles),
# requests sent only to a server with an idle slot, requests that wait for
# a busy model instead of failing, and servers that stop answering skipped
# until they answer again.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	setup_env
	command -v lighttpd > /dev/null || skip "lighttpd is not installed (make deps installs it)"
	export TMPDIR="$BATS_TEST_TMPDIR/tmp"
	mkdir -p "$TMPDIR" "$BATS_TEST_TMPDIR/prov"
	DB="$BATS_TEST_TMPDIR/catalog.db"
	PORT=$(free_port)
	URL="http://127.0.0.1:$PORT"
}

teardown() {
	[ -z "${SERVE_PID:-}" ] || kill "$SERVE_PID" 2>/dev/null || true
	[ -z "${MOCK_PID:-}" ] || kill "$MOCK_PID" 2>/dev/null || true
	stop_mock_locals "$BATS_TEST_TMPDIR"
}

# descriptor KIND NAME URL: the shipped KIND descriptor as provider NAME of the server at URL.
descriptor() {
	local list=/v1/models
	[ "$1" = ollama ] && list=/api/tags
	jq --arg n "$2" --arg u "$3$list" '.name = $n | .models_url = $u | .enabled = true' \
		"$ROOT/parsers/providers/$1.json" > "$BATS_TEST_TMPDIR/prov/$2.json"
}

# discover: the descriptors of prov/ fetched, parsed and tracked into $DB.
discover() {
	afmts-fetch --providers "$BATS_TEST_TMPDIR/prov" --only "$(cd "$BATS_TEST_TMPDIR/prov" &&
		ls | sed 's/\.json$//' | paste -sd,)" --no-cache |
		afmts-parse --providers "$BATS_TEST_TMPDIR/prov" | afmts-track --db "$DB" > /dev/null
}

# chat N BODY: POST BODY, the answer's head in hN, body in oN, "status seconds
# end" in sN (end: the clock when it was over).
chat() {
	curl -s -N -D "$BATS_TEST_TMPDIR/h$1" -o "$BATS_TEST_TMPDIR/o$1" \
		-w '%{http_code} %{time_total} ' -H 'Content-Type: application/json' \
		--data-binary "$2" "$URL/v1/chat/completions" > "$BATS_TEST_TMPDIR/s$1"
	date +%s.%N >> "$BATS_TEST_TMPDIR/s$1"
}

header() {	# header N NAME: its value in answer N
	grep -i "^$2:" "$BATS_TEST_TMPDIR/h$1" | cut -d ' ' -f 2- | tr -d '\r'
}

# most LOG: the most chat requests the server of LOG had at once, counted
# from their arrival to their end (a request the server queues for a slot
# counts: the double, like llama-server, queues rather than refuse).
most() {
	jq -s '[.[] | select(.path == "/v1/chat/completions")] as $r
		| [$r[] | .arrived as $t | [$r[] | select(.arrived <= $t and $t < .end)] | length]
		| max // 0' "$1"
}

# two_llamas MS: two llama-server doubles of 2 slots (a.log, b.log) whose
# answers take MS ms, discovered into $DB.
two_llamas() {
	local a b
	a=$(mock_local "$BATS_TEST_TMPDIR" llamacpp "$BATS_TEST_TMPDIR/a.log" --slots 2 --hold-ms "$1" --model qa)
	b=$(mock_local "$BATS_TEST_TMPDIR" llamacpp "$BATS_TEST_TMPDIR/b.log" --slots 2 --hold-ms "$1" --model qb)
	descriptor llamacpp llama-a "$a"
	descriptor llamacpp llama-b "$b"
	discover
}

STREAM='{"model":"afmts/auto","stream":true,"messages":[{"role":"user","content":"hi"}]}'

@test "an Ollama model and a llama.cpp model answer through the gateway, with the contexts their servers report" {
	a=$(mock_local "$BATS_TEST_TMPDIR" llamacpp "$BATS_TEST_TMPDIR/a.log" --ctx 8192 --model qwen-local)
	o=$(mock_local "$BATS_TEST_TMPDIR" ollama "$BATS_TEST_TMPDIR/o.log" --ctx 16384)
	descriptor llamacpp llamacpp "$a"
	descriptor ollama ollama "$o"
	discover
	# The contexts the servers run with (/props n_ctx; /api/ps), not the training lengths.
	run afmts-route --db "$DB" --all --count 100
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r 'select(.model == "qwen-local") | .context_length')" = 8192 ]
	[ "$(echo "$output" | jq -r 'select(.model == "smollm2:1.7b") | .context_length')" = 16384 ]
	[ "$(sqlite3 "$DB" "SELECT json_extract(record, '$.n_ctx_train') FROM models WHERE provider = 'llamacpp'")" = 256 ]
	[ "$(sqlite3 "$DB" "SELECT json_extract(limits, '$.slots') FROM models WHERE provider = 'llamacpp'")" = 2 ]
	serve --listen "127.0.0.1:$PORT" --db "$DB" --procs 2
	chat 1 '{"model":"qwen-local","messages":[{"role":"user","content":"hi"}]}'
	[ "$(cut -d ' ' -f 1 "$BATS_TEST_TMPDIR/s1")" = 200 ]
	[ "$(header 1 x-afmts-provider)" = llamacpp ]
	[ "$(jq -r '.choices[0].message.content' "$BATS_TEST_TMPDIR/o1")" = "you said: hi" ]
	chat 2 '{"model":"smollm2:1.7b","messages":[{"role":"user","content":"hi"}]}'
	[ "$(cut -d ' ' -f 1 "$BATS_TEST_TMPDIR/s2")" = 200 ]
	[ "$(header 2 x-afmts-provider)" = ollama ]
	[ "$(jq -r '.model' "$BATS_TEST_TMPDIR/o2")" = "smollm2:1.7b" ]
}

@test "two llama.cpp servers of 2 slots, 6 streams: never 3 on one server; the 5th and 6th wait for a slot and are served" {
	two_llamas 1500
	serve --listen "127.0.0.1:$PORT" --db "$DB" --procs 8
	for i in 1 2 3 4 5 6; do
		chat "$i" "$STREAM" &
		sleep 0.1
	done
	# Two wait (for a second and more), and GET /metrics counts them.
	seen=0
	for _ in $(seq 12); do
		curl -s "$URL/metrics" | grep -qx 'afmts_gateway_waiting_requests 2' && seen=1 && break
		sleep 0.1
	done
	wait $(jobs -p | grep -vx "$SERVE_PID")
	[ "$seen" -eq 1 ]
	for i in 1 2 3 4 5 6; do
		[ "$(cut -d ' ' -f 1 "$BATS_TEST_TMPDIR/s$i")" = 200 ]
		grep -q '^data: \[DONE\]' "$BATS_TEST_TMPDIR/o$i"
	done
	[ "$(most "$BATS_TEST_TMPDIR/a.log")" -le 2 ]
	[ "$(most "$BATS_TEST_TMPDIR/b.log")" -le 2 ]
	# Four started at once; the other two only once one of those had ended.
	jq -s -e '[.[] | select(.path == "/v1/chat/completions")] | sort_by(.start)
		| (.[0:4] | map(.end) | min) as $first_end
		| length == 6 and (.[4:] | all(.start >= $first_end - 0.01))' \
		"$BATS_TEST_TMPDIR/a.log" "$BATS_TEST_TMPDIR/b.log"
	[ "$(cut -d ' ' -f 2 "$BATS_TEST_TMPDIR/s6" | cut -d . -f 1)" -ge 2 ]
}

@test "with AFMTS_GATEWAY_BUFFER_MS=0 the 5th and 6th get 429 with Retry-After at once" {
	two_llamas 2000
	AFMTS_GATEWAY_BUFFER_MS=0 serve --listen "127.0.0.1:$PORT" --db "$DB" --procs 8
	for i in 1 2 3 4 5 6; do
		chat "$i" "$STREAM" &
		sleep 0.1
	done
	wait $(jobs -p | grep -vx "$SERVE_PID")
	[ "$(cat "$BATS_TEST_TMPDIR"/s? | cut -d ' ' -f 1 | sort | uniq -c | tr -s ' ')" = " 4 200
 2 429" ]
	for i in 1 2 3 4 5 6; do
		grep -q '^429' "$BATS_TEST_TMPDIR/s$i" || continue
		[ "$(header "$i" retry-after)" -ge 1 ]
		[ "$(jq -r .error.code "$BATS_TEST_TMPDIR/o$i")" = rate_limit_exceeded ]
		jq -e '.error.message | test("local server busy \\(2 of 2 slots\\)")' "$BATS_TEST_TMPDIR/o$i"
		[ "$(cut -d ' ' -f 2 "$BATS_TEST_TMPDIR/s$i" | cut -d . -f 1)" -lt 1 ]
	done
	[ "$(most "$BATS_TEST_TMPDIR/a.log")" -le 2 ]
	[ "$(most "$BATS_TEST_TMPDIR/b.log")" -le 2 ]
}

@test "a model in a 2 s cooldown: a request that may wait 10 s waits and is served; one that may wait 1 s gets 429 with Retry-After 2" {
	mock_llm "$BATS_TEST_TMPDIR" "$BATS_TEST_TMPDIR/mock.log"
	ok_catalog "$DB"
	serve --listen "127.0.0.1:$PORT" --db "$DB" --procs 2
	afmts-route --db "$DB" --report m-ok --provider pok --status 429 --retry-after 2
	chat 1 '{"model":"m-ok","afmts_wait_ms":10000,"messages":[{"role":"user","content":"hi"}]}'
	[ "$(cut -d ' ' -f 1 "$BATS_TEST_TMPDIR/s1")" = 200 ]
	[ "$(cut -d ' ' -f 2 "$BATS_TEST_TMPDIR/s1" | cut -d . -f 1)" -ge 1 ]
	afmts-route --db "$DB" --report m-ok --provider pok --status 429 --retry-after 2
	chat 2 '{"model":"m-ok","afmts_wait_ms":1000,"messages":[{"role":"user","content":"hi"}]}'
	[ "$(cut -d ' ' -f 1 "$BATS_TEST_TMPDIR/s2")" = 429 ]
	[ "$(header 2 retry-after)" = 2 ]
	[ "$(cut -d ' ' -f 2 "$BATS_TEST_TMPDIR/s2" | cut -d . -f 1)" -lt 1 ]
}

@test "a waiting stream whose client goes away leaves the line; the others are served in arrival order" {
	a=$(mock_local "$BATS_TEST_TMPDIR" llamacpp "$BATS_TEST_TMPDIR/a.log" --slots 1 --hold-ms 300 --model qa)
	descriptor llamacpp llama-a "$a"
	discover
	serve --listen "127.0.0.1:$PORT" --db "$DB" --procs 8
	# Its one slot is another client's for 4 s.
	curl -s -d '{"busy": 1}' "$a/_control" > /dev/null
	( sleep 4; curl -s -d '{"busy": 0}' "$a/_control" > /dev/null ) &
	# A stream whose client gives up after 0.5 s: its worker stops waiting.
	curl -s -N -m 0.5 -o "$BATS_TEST_TMPDIR/o2" -H 'Content-Type: application/json' \
		--data-binary '{"model":"qa","stream":true,"messages":[{"role":"user","content":"gone"}]}' \
		"$URL/v1/chat/completions" || true
	# Half a second apart, so that each is in the line before the next comes.
	for i in 3 4 5 6; do
		chat "$i" "{\"model\":\"qa\",\"messages\":[{\"role\":\"user\",\"content\":\"n$i\"}]}" &
		sleep 0.5
	done
	chat 7 '{"model":"qa","stream":true,"messages":[{"role":"user","content":"seventh"}]}' &
	wait $(jobs -p | grep -vx "$SERVE_PID")
	head "$BATS_TEST_TMPDIR"/s? "$BATS_TEST_TMPDIR"/o?	# shown when a check fails
	for i in 3 4 5 6 7; do [ "$(cut -d ' ' -f 1 "$BATS_TEST_TMPDIR/s$i")" = 200 ]; done
	for i in 3 4 5 6; do
		[ "$(jq -r '.choices[0].message.content' "$BATS_TEST_TMPDIR/o$i")" = "you said: n$i" ]
	done
	# The streams that waited said so; the last then streamed its answer.
	grep -q '^: waiting for a model' "$BATS_TEST_TMPDIR/o2"
	grep -q '^: waiting for a model' "$BATS_TEST_TMPDIR/o7"
	[ "$(sed -n 's/^data: {/{/p' "$BATS_TEST_TMPDIR/o7" | jq -rj '.choices[0].delta.content // empty')" = "you said: seventh" ]
	grep -q '^data: \[DONE\]' "$BATS_TEST_TMPDIR/o7"
	# The one that went away never reached the server; the others, one at a
	# time, in the order they came.
	[ "$(jq -s '[.[] | select(.path == "/v1/chat/completions")] | length' "$BATS_TEST_TMPDIR/a.log")" -eq 5 ]
	for i in 3 4 5 6 7; do cut -d ' ' -f 3 "$BATS_TEST_TMPDIR/s$i"; done | sort -c -g
	[ "$(cut -d ' ' -f 2 "$BATS_TEST_TMPDIR/s3" | cut -d . -f 1)" -ge 2 ]
}

@test "a server that does not answer is skipped, and used again once it answers (half-open)" {
	a=$(mock_local "$BATS_TEST_TMPDIR" llamacpp "$BATS_TEST_TMPDIR/a.log" --model qa --loading 2)
	descriptor llamacpp llama-a "$a"
	# Discovered while it loads: its /v1/models answers 503, so it is listed from a saved answer.
	jq -n -c --arg u "$a" '{type: "model", provider: "llama-a", model: "qa", context_length: 1024,
		free: true, base_url: ($u + "/v1"), limits: {slots: 2},
		local: {kind: "llamacpp", slots_url: ($u + "/slots"), health_url: ($u + "/health")},
		observed_at: "2026-12-01T00:00:00Z"}' | afmts-track --db "$DB" > /dev/null
	run afmts-route --db "$DB" --model qa --all
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.why | test("local server not answering since")'
	run afmts-route --db "$DB" --model qa
	[ "$status" -eq 1 ]
	for _ in $(seq 60); do
		afmts-route --db "$DB" --model qa > /dev/null 2>&1 && break
		sleep 0.1
	done
	run afmts-route --db "$DB" --model qa
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.model == "qa"'
}

@test "afmts-route --wait: the candidate once it is usable, or when it will be" {
	mock_llm "$BATS_TEST_TMPDIR" "$BATS_TEST_TMPDIR/mock.log"
	ok_catalog "$DB"
	afmts-route --db "$DB" --report m-ok --provider pok --status 429 --retry-after 2
	start=$(date +%s%N)
	run afmts-route --db "$DB" --model m-ok --wait 5000
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .model)" = m-ok ]
	[ $(( ($(date +%s%N) - start) / 1000000 )) -ge 900 ]
	afmts-route --db "$DB" --report m-ok --provider pok --status 429 --retry-after 2
	run --separate-stderr afmts-route --db "$DB" --model m-ok --wait 500
	[ "$status" -eq 1 ]
	[ "$output" = '{"type":"wait","retry_after":2}' ]
	[[ "$stderr" == "afmts-route: no model can take it within 500 ms: the first is usable again in 2 s"* ]]
	run --separate-stderr afmts-route --db "$DB" --model m-ok --wait 0 --format env
	[ "$status" -eq 1 ]
	[ "$output" = AFMTS_RETRY_AFTER=2 ]
	run afmts-route --db "$DB" --model m-ok --wait 600001
	[ "$status" -eq 2 ]
}

@test "afmts-route --wait: a local server whose slots are all busy, until one frees" {
	a=$(mock_local "$BATS_TEST_TMPDIR" llamacpp "$BATS_TEST_TMPDIR/a.log" --slots 2 --model qa)
	descriptor llamacpp llama-a "$a"
	discover
	curl -s -d '{"busy": 2}' "$a/_control" > /dev/null
	run afmts-route --db "$DB" --model qa --all
	echo "$output" | jq -e '.why | test("local server busy \\(2 of 2 slots\\)")'
	run --separate-stderr afmts-route --db "$DB" --model qa --wait 0
	[ "$status" -eq 1 ]
	[ "$output" = '{"type":"wait","retry_after":1}' ]
	( sleep 0.5; curl -s -d '{"busy": 0}' "$a/_control" > /dev/null ) &
	run afmts-route --db "$DB" --model qa --wait 5000
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .model)" = qa ]
}

@test "local discovery: archived and replayed alike; a follow step that fails is an incomplete observation; a bad follow rule is refused" {
	o=$(mock_local "$BATS_TEST_TMPDIR" ollama "$BATS_TEST_TMPDIR/o.log" --ctx 16384)
	descriptor ollama ollama "$o"
	mkdir "$BATS_TEST_TMPDIR/archive"
	afmts-fetch --providers "$BATS_TEST_TMPDIR/prov" --only ollama --no-cache \
		--archive "$BATS_TEST_TMPDIR/archive" > "$BATS_TEST_TMPDIR/live"
	# /api/tags, then /api/ps and one /api/show a model.
	[ "$(jq -r .pages "$BATS_TEST_TMPDIR/live")" -eq $((2 + $(jq '.body.models | length' "$BATS_TEST_TMPDIR/live"))) ]
	jq -e '.extra.ps.models | length > 0' "$BATS_TEST_TMPDIR/live"
	afmts-fetch --replay "$BATS_TEST_TMPDIR"/archive/*.tar.gz > "$BATS_TEST_TMPDIR/replayed"
	[ "$(jq -S -c 'del(.elapsed_ms)' "$BATS_TEST_TMPDIR/live")" = "$(jq -S -c 'del(.elapsed_ms)' "$BATS_TEST_TMPDIR/replayed")" ]
	afmts-parse --providers "$BATS_TEST_TMPDIR/prov" < "$BATS_TEST_TMPDIR/live" | afmts-track --db "$DB" > /dev/null
	# The server stops answering /api/show: the run is incomplete, nothing is removed.
	jq '.follow[1].url = "/api/nothing"' "$BATS_TEST_TMPDIR/prov/ollama.json" > "$BATS_TEST_TMPDIR/d" &&
		mv "$BATS_TEST_TMPDIR/d" "$BATS_TEST_TMPDIR/prov/ollama.json"
	run afmts-fetch --providers "$BATS_TEST_TMPDIR/prov" --only ollama --no-cache
	[ "$status" -eq 1 ]
	echo "$output" | grep '^{' | jq -e '.error.kind == "incomplete" and (.error.message | test("^follow show smollm2:1.7b: "))'
	echo "$output" | grep '^{' | afmts-parse --providers "$BATS_TEST_TMPDIR/prov" | afmts-track --db "$DB" > "$BATS_TEST_TMPDIR/changes" || true
	[ ! -s "$BATS_TEST_TMPDIR/changes" ]
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM models WHERE provider = 'ollama' AND present = 1")" -eq 1 ]
	# A step without its url is a descriptor the loader refuses.
	jq '.follow = [{"as": "props"}]' "$BATS_TEST_TMPDIR/prov/ollama.json" > "$BATS_TEST_TMPDIR/d" &&
		mv "$BATS_TEST_TMPDIR/d" "$BATS_TEST_TMPDIR/prov/ollama.json"
	run afmts-fetch --providers "$BATS_TEST_TMPDIR/prov" --only ollama --no-cache
	[ "$status" -ne 0 ]
	[[ "$output" == *'"follow" step: "url" must be a path on the list'* ]]
}
