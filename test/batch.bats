#!/usr/bin/env bats
# afmts-batch against mock providers on loopback (test/mock-llm): budgets
# held per minute across the workers, waiting for a reset, a kill -9 and a
# rerun, dead letters and --retry-failed, bad input lines.

load helpers

setup() {
	setup_env
	mkdir -p "$BATS_TEST_TMPDIR/m"
	MOCK_LOG="$BATS_TEST_TMPDIR/mock.log"
	: > "$MOCK_LOG"
	mock_llm "$BATS_TEST_TMPDIR/m" "$MOCK_LOG"
	DB="$BATS_TEST_TMPDIR/catalog.db"
	export GW_KEY=canary-batch-key-51d3
}

teardown() {
	[ -z "${MOCK_PID:-}" ] || kill "$MOCK_PID" 2>/dev/null || true
}

# providers MODE LIMITS NAME...: per NAME, a free model m-NAME of provider NAME
# served by the mock's MODE at $MOCK/MODE/NAME/v1 (so the mock's log names
# it), with LIMITS (a JSON object), added to $DB.
providers() {
	local mode=$1 lim=$2 p
	shift 2
	for p in "$@"; do
		jq -n -c --arg p "$p" --arg b "$MOCK/$mode/$p/v1" --argjson lim "$lim" '{type: "model",
			provider: $p, model: ("m-" + $p), name: $p, context_length: 100000, free: true,
			free_reason: "test", modalities: {input: ["text"], output: ["text"]},
			limits: $lim, base_url: $b, key_env: "GW_KEY",
			observed_at: "2026-11-22T00:00:00Z"}'
		jq -n -c --arg p "$p" '{type: "provider", provider: $p, ok: true, models: 1,
			observed_at: "2026-11-22T00:00:00Z"}'
	done | afmts-track --db "$DB" > /dev/null
}

# requests N [MODEL]: N chat bodies q1..qN (MODEL: afmts/auto).
requests() {
	jq -n -c --argjson n "$1" --arg m "${2:-afmts/auto}" 'range(1; $n + 1) |
		{custom_id: "q\(.)", model: $m, temperature: 0,
		 messages: [{role: "user", content: "classify item \(.)"}]}'
}

# most_a_minute: for each provider of the mock's log, the most requests it
# got within any 60 seconds (whole seconds, as the budgets count them).
most_a_minute() {
	python3 - "$MOCK_LOG" <<-'PY'
	import collections, json, sys
	seen = collections.defaultdict(list)
	for line in open(sys.argv[1]):
	    e = json.loads(line)
	    if "path" in e:
	        seen[e["path"].split("/")[2]].append(int(e["t"]))
	for p, ts in sorted(seen.items()):
	    ts.sort()
	    j = most = 0
	    for i, t in enumerate(ts):
	        while ts[j] <= t - 60:
	            j += 1
	        most = max(most, i - j + 1)
	    print(p, len(ts), most)
	PY
}

@test "1,000 requests over four providers of 250 a minute: one result each, no budget passed" {
	providers ok '{"rpm": 250}' pa pb pc pd
	requests 1000 > "$BATS_TEST_TMPDIR/in.jsonl"
	run timeout 120 afmts-batch --db "$DB" --parallel 8 -v -o "$BATS_TEST_TMPDIR/out.jsonl" \
		"$BATS_TEST_TMPDIR/in.jsonl"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"1000 done, 0 failed"* ]]
	[ "$(jq -r .custom_id "$BATS_TEST_TMPDIR/out.jsonl" | sort -u | wc -l)" -eq 1000 ]
	[ "$(wc -l < "$BATS_TEST_TMPDIR/out.jsonl")" -eq 1000 ]
	[ "$(jq -r 'select(.status == 200 and .attempts == 1 and .response.choices[0].message.content == "hello from ok") | .custom_id' "$BATS_TEST_TMPDIR/out.jsonl" | wc -l)" -eq 1000 ]
	run most_a_minute
	echo "$output"
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 4 ]
	printf '%s\n' "$output" | while read -r p n most; do
		[ "$n" -eq 250 ] && [ "$most" -le 250 ] || { echo "$p: $n, $most a minute"; exit 1; }
	done
	# Every attempt is a usage row of the catalog, the batch as its client.
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM usage WHERE status = 200")" -eq 1000 ]
	! grep -q "$GW_KEY" "$BATS_TEST_TMPDIR/out.jsonl"
}

@test "out of budget everywhere, the batch waits for the reset instead of failing" {
	providers reset2 '{}' pr
	requests 3 > "$BATS_TEST_TMPDIR/in.jsonl"
	start=$(date +%s)
	run timeout 60 afmts-batch --db "$DB" --parallel 1 --ordered "$BATS_TEST_TMPDIR/in.jsonl"
	echo "$output"; cat "$MOCK_LOG"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq -r .custom_id | tr '\n' ' ')" = "q1 q2 q3 " ]
	[ $(( $(date +%s) - start )) -ge 3 ]
	# Each after the reset the last answer gave (nothing remaining for 2 s).
	run python3 -c 'import json, sys
t = [json.loads(l)["t"] for l in open(sys.argv[1])]
print(all(b - a >= 1 for a, b in zip(t, t[1:])), len(t))' "$MOCK_LOG"
	[ "$output" = "True 3" ]
}

@test "on a terminal a progress line says what is done, failed, in flight and waiting, and when a model is back" {
	command -v script > /dev/null || skip "script (util-linux) is not installed"
	providers reset2 '{}' pr
	requests 3 > "$BATS_TEST_TMPDIR/in.jsonl"
	# script gives the batch a terminal; its results still go to a file.
	run timeout 60 script -qec "afmts-batch --db '$DB' --parallel 1 '$BATS_TEST_TMPDIR/in.jsonl' \
		> '$BATS_TEST_TMPDIR/out.jsonl'" /dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *"afmts-batch: 3 done, 0 failed, 0 in flight, 0 waiting"* ]]
	[[ "$output" == *"a model is usable again in "* ]]
	[ "$(jq -s 'map(select(.status == 200)) | length' "$BATS_TEST_TMPDIR/out.jsonl")" -eq 3 ]
	# Not on a terminal: no progress line, only the results.
	timeout 60 afmts-batch --db "$DB" --parallel 1 "$BATS_TEST_TMPDIR/in.jsonl" \
		> "$BATS_TEST_TMPDIR/out2.jsonl" 2> "$BATS_TEST_TMPDIR/err"
	[ ! -s "$BATS_TEST_TMPDIR/err" ] || { cat "$BATS_TEST_TMPDIR/err"; false; }
	[ "$(wc -l < "$BATS_TEST_TMPDIR/out2.jsonl")" -eq 3 ]
}

@test "--max-cost: paid requests are sent while what was spent and their estimates stay within it" {
	# One paid model: 0.1 USD an output token.  A request asks at most 10 tokens
	# (estimated 1 USD) and the mock's answer has 5 (0.5 USD, from the prices).
	jq -n -c --arg b "$MOCK/usage/paid/v1" '{type: "model", provider: "paid", model: "m-paid",
		name: "paid", context_length: 100000, free: false, input_price: 0, output_price: 100000,
		modalities: {input: ["text"], output: ["text"]}, base_url: $b, key_env: "GW_KEY",
		observed_at: "2026-11-22T00:00:00Z"},
		{type: "provider", provider: "paid", ok: true, models: 1, observed_at: "2026-11-22T00:00:00Z"}' |
		afmts-track --db "$DB" > /dev/null
	requests 5 | jq -c '.max_tokens = 10' > "$BATS_TEST_TMPDIR/in.jsonl"
	# Free models only (no --max-price): nothing can take them.
	run timeout 60 afmts-batch --db "$DB" --parallel 1 --ordered "$BATS_TEST_TMPDIR/in.jsonl"
	[ "$(grep -c '"path"' "$MOCK_LOG" || true)" -eq 0 ]
	# Spent 0, 0.5, 1.0 before the first three (each + 1 within 2.2); 1.5 + 1 would pass it.
	run timeout 60 afmts-batch --db "$DB" --parallel 1 --ordered --max-price 200000 --max-cost 2.2 \
		"$BATS_TEST_TMPDIR/in.jsonl"
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$output" | jq -r 'select(.status == 200) | .custom_id' | tr '\n' ' ')" = "q1 q2 q3 " ]
	[ "$(grep -c '"path"' "$MOCK_LOG")" -eq 3 ]
	[[ "$output" == *"--max-cost 2.2 reached (1.5 spent): 2 requests not sent"* ]]
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM usage WHERE provider = 'paid' AND status = 200")" -eq 3 ]
}

@test "kill -9 in the middle, then the same command: each custom_id once, state intact" {
	providers delay '{}' pk
	requests 300 > "$BATS_TEST_TMPDIR/in.jsonl"
	cd "$BATS_TEST_TMPDIR"
	afmts-batch --db "$DB" --parallel 2 --state st.db in.jsonl > out1.jsonl 2> err1 &
	pid=$!
	for _ in $(seq 100); do [ "$(wc -l < out1.jsonl)" -ge 40 ] && break; sleep 0.05; done
	kill -9 "$pid"
	wait "$pid" || true
	first=$(wc -l < out1.jsonl)
	[ "$first" -ge 40 ] && [ "$first" -lt 300 ]
	run afmts-batch --db "$DB" --parallel 2 --state st.db -v in.jsonl
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | grep -v '^afmts-batch:' > out2.jsonl
	[ "$(cat out1.jsonl out2.jsonl | jq -r .custom_id | sort | uniq -d | wc -l)" -eq 0 ]
	[ "$(cat out1.jsonl out2.jsonl | jq -r .custom_id | sort -u | wc -l)" -eq 300 ]
	[ "$(sqlite3 st.db 'PRAGMA integrity_check')" = ok ]
	[ "$(sqlite3 st.db "SELECT count(*) FROM request WHERE status = 'done' AND emitted = 1")" -eq 300 ]
	# The rerun sent only what was not done: at most the two in flight again.
	[ "$(wc -l < "$MOCK_LOG")" -le 302 ]
	# A third run has nothing to do.
	run afmts-batch --db "$DB" --state st.db in.jsonl
	[ "$status" -eq 0 ] && [ -z "$output" ]
}

@test "permanent 400s go to the dead-letter file with their reasons; --retry-failed resends only those" {
	providers ok '{}' pok
	providers bad400 '{}' pbad
	{ requests 5 m-pok; requests 3 m-pbad | jq -c '.custom_id |= "bad" + .'; } > "$BATS_TEST_TMPDIR/in.jsonl"
	cd "$BATS_TEST_TMPDIR"
	run afmts-batch --db "$DB" --state st.db --failed dead.jsonl --retries 3 in.jsonl
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$output" | jq -r 'select(.status == 200) | .custom_id' | wc -l)" -eq 5 ]
	[ "$(printf '%s\n' "$output" | jq -r 'select(.status == 400) | .error.message' | sort -u)" = "invalid content in messages[0]" ]
	[ "$(jq -r .custom_id dead.jsonl | sort | tr '\n' ' ')" = "badq1 badq2 badq3 " ]
	jq -e -s 'all(.[]; .status == 400 and .attempts == 1 and
		(.reason | test("pbad/m-pbad: 400 invalid content")) and .request.model == "m-pbad")' dead.jsonl
	[ "$(grep -c /bad400/ "$MOCK_LOG")" -eq 3 ]
	: > "$MOCK_LOG"
	run afmts-batch --db "$DB" --state st.db --retry-failed in.jsonl
	echo "status $status: $output"	# shown when a check fails
	[ "$status" -eq 1 ]
	[ "$(jq -r .path "$MOCK_LOG" | sort | uniq -c | awk '{print $1, $2}')" = "3 /bad400/pbad/v1/chat/completions" ]
	# The dead letters are input too.
	: > "$MOCK_LOG"
	run afmts-batch --db "$DB" dead.jsonl
	[ "$status" -eq 1 ]
	[ "$(wc -l < "$MOCK_LOG")" -eq 3 ]
}

@test "bad input lines: one stderr line each with its number, the rest goes on" {
	providers ok '{}' pok
	cd "$BATS_TEST_TMPDIR"
	{
		requests 1
		echo 'not json'
		echo '{"custom_id": "nomsg", "model": "afmts/auto"}'
		python3 -c 'import json; print(json.dumps({"custom_id": "huge", "messages": [{"role": "user", "content": "x" * (10 << 20)}]}))'
		echo '[1, 2]'
		requests 2 | tail -n 1
	} > in.jsonl
	afmts-batch --db "$DB" in.jsonl > out.jsonl 2> err && status=0 || status=$?
	cat err
	[ "$status" -eq 1 ]
	[ "$(jq -r .custom_id out.jsonl | sort | tr '\n' ' ')" = "q1 q2 " ]
	[ "$(wc -l < err)" -eq 4 ]
	grep -q '^afmts-batch: in.jsonl:2: ' err
	grep -q '^afmts-batch: in.jsonl:3: messages must be a non-empty array' err
	grep -q '^afmts-batch: in.jsonl:4: line longer than' err
	grep -q '^afmts-batch: in.jsonl:5: not a JSON object' err
}

@test "no catalog: exit 3; --retry-failed without --state: usage error" {
	run afmts-batch --db "$BATS_TEST_TMPDIR/none.db" < /dev/null
	[ "$status" -eq 3 ]
	run afmts-batch --retry-failed < /dev/null
	[ "$status" -eq 2 ]
}
