#!/usr/bin/env bats
# The pipelines of examples/, run as a user would run them, against catalogs
# of real provider files and loopback servers started here.

load helpers

setup() {
	setup_env
	export AFMTS_DB="$BATS_TEST_TMPDIR/catalog.db"
	OR=$REAL/openrouter
}

teardown() {
	stop_server
}

@test "free-today lists the models that became free that day, as jq finds them in the raw files" {
	parse_to openrouter "$OR/roo-code-2025-04-24.json" 2025-04-24T17:54:21Z "$BATS_TEST_TMPDIR/a.jsonl"
	parse_to openrouter "$OR/roo-code-2025-05-23.json" 2025-05-23T00:03:47Z "$BATS_TEST_TMPDIR/b.jsonl"
	afmts-track < "$BATS_TEST_TMPDIR/a.jsonl" > /dev/null
	afmts-track < "$BATS_TEST_TMPDIR/b.jsonl" > /dev/null
	run "$ROOT/examples/free-today" 2025-05-23
	[ "$status" -eq 0 ]
	expected=$(jq -n -r --slurpfile a "$OR/roo-code-2025-04-24.json" --slurpfile b "$OR/roo-code-2025-05-23.json" '
		def free: (.pricing.prompt | tonumber) == 0 and (.pricing.completion | tonumber) == 0;
		($a[0].data | map({key: .id, value: free}) | from_entries) as $A
		| $b[0].data[] | select(free and ($A[.id] != true)) | "openrouter\t\(.id)"' | sort)
	[ -n "$expected" ]
	[ "$(printf '%s\n' "$output" | sort)" = "$expected" ]
}

# mock_catalog BASE: a catalog holding one free model of a provider "mock"
# served at BASE/v1, its key in MOCK_API_KEY.
mock_catalog() {
	{
		jq -n -c --arg b "$1/v1" '{type: "model", provider: "mock", model: "mock-chat-1",
			name: "Mock chat", context_length: 32768, free: true, free_reason: "test",
			features: ["tools"], modalities: {input: ["text"], output: ["text"]},
			base_url: $b, key_env: "MOCK_API_KEY", observed_at: "2026-11-22T00:00:00Z"}'
		echo '{"type":"provider","provider":"mock","ok":true,"models":1,"observed_at":"2026-11-22T00:00:00Z"}'
	} | afmts-track > /dev/null
}

@test "route-and-call picks the model, calls it with its key, prints the answer and records the outcome" {
	mkdir -p "$BATS_TEST_TMPDIR/www/v1/chat"
	echo '{"id":"c1","choices":[{"index":0,"message":{"role":"assistant","content":"hello from the mock"}}],"usage":{"prompt_tokens":12,"completion_tokens":4}}' \
		> "$BATS_TEST_TMPDIR/www/v1/chat/completions"
	start_server "$BATS_TEST_TMPDIR/www"
	mock_catalog "$BASE"
	export MOCK_API_KEY=canary-key-1234
	run "$ROOT/examples/route-and-call" 'Say hello' --need tools
	[ "$status" -eq 0 ]
	[ "$output" = "hello from the mock" ]
	# The request: the routed model, the prompt, the key in the header only.
	[ "$(jq -r 'select(.path == "/v1/chat/completions") | .headers.Authorization' "$SERVER_LOG")" = "Bearer canary-key-1234" ]
	[ "$(jq -r 'select(.path == "/v1/chat/completions") | .method' "$SERVER_LOG")" = POST ]
	# The outcome is in the catalog, with the answer's token counts.
	[ "$(sqlite3 "$AFMTS_DB" "select provider, model, status, prompt_tokens, completion_tokens from usage")" = "mock|mock-chat-1|200|12|4" ]
	! grep -rq canary-key-1234 "$AFMTS_DB" || false
}

@test "route-and-call reports a failed call to the breaker and exits 1" {
	mkdir -p "$BATS_TEST_TMPDIR/www/v1/chat"
	echo '{"error":{"message":"slow down"}}' > "$BATS_TEST_TMPDIR/www/v1/chat/completions"
	start_server "$BATS_TEST_TMPDIR/www"
	mock_catalog "$BASE"
	# A base URL whose query makes the fixture server answer 429 (the
	# example appends /chat/completions to the query, which is harmless).
	sqlite3 "$AFMTS_DB" "update models set base_url = '$BASE/v1/chat/completions?status=429&x=' where provider = 'mock'"
	run "$ROOT/examples/route-and-call" 'Say hello'
	[ "$status" -eq 1 ]
	[ "$(sqlite3 "$AFMTS_DB" "select status from usage")" = 429 ]
}

@test "mail-daily-csv mails yesterday's cost section as CSV" {
	yesterday=$(date -u -d yesterday +%F)
	printf '{"type":"usage","ts":"%sT10:00:00Z","provider":"groq","model":"m,1","prompt_tokens":5,"completion_tokens":7,"latency_ms":100,"status":200}\n' "$yesterday" |
		afmts-track > /dev/null
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	printf '#!/bin/sh\nprintf "%%s\\n" "$@" > "%s/mail.args"\ncat > "%s/mail.body"\n' \
		"$BATS_TEST_TMPDIR" "$BATS_TEST_TMPDIR" > "$BATS_TEST_TMPDIR/bin/mail"
	chmod +x "$BATS_TEST_TMPDIR/bin/mail"
	PATH="$BATS_TEST_TMPDIR/bin:$PATH" run "$ROOT/examples/mail-daily-csv" you@example.org
	[ "$status" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/mail.args")" = "$(printf '%s\n' -s "AFMTS: usage and savings, $yesterday" you@example.org)" ]
	python3 -c 'import csv, sys; rows = list(csv.DictReader(open(sys.argv[1], newline=""))); assert [(r["model"], r["prompt_tokens"]) for r in rows] == [("m,1", "5")], rows' \
		"$BATS_TEST_TMPDIR/mail.body"
}

@test "custom-provider writes a descriptor and discovers the server's models with its key" {
	mkdir -p "$BATS_TEST_TMPDIR/www/v1"
	cp "$REAL/groq/hacka-re-2025-09-02.extracted.json" "$BATS_TEST_TMPDIR/www/v1/models"
	start_server "$BATS_TEST_TMPDIR/www"
	export HOMELAB_KEY=canary-homelab-5678
	run "$ROOT/examples/custom-provider" homelab "$BASE/v1" HOMELAB_KEY
	[ "$status" -eq 0 ]
	[ -f "$XDG_CONFIG_HOME/afmts/providers/homelab.json" ]
	n=$(jq '.data | length' "$REAL/groq/hacka-re-2025-09-02.extracted.json")
	[ "$(sqlite3 "$AFMTS_DB" "select count(*), sum(free) from models where provider = 'homelab'")" = "$n|$n" ]
	[ "$(jq -r .headers.Authorization "$SERVER_LOG")" = "Bearer canary-homelab-5678" ]
	# The new provider's models are routable at once.
	run afmts-route --provider homelab --format tsv
	[ "$status" -eq 0 ]
	[[ "$output" == *homelab* ]]
	run "$ROOT/examples/custom-provider" only-a-name
	[ "$status" -eq 2 ]
}

@test "make run's demo: catalog, sample usage, one routed request, yesterday's report" {
	export AFMTS_DEMO_OUT="$BATS_TEST_TMPDIR/demo" AFMTS_DATADIR="$ROOT"
	run sh "$ROOT/examples/demo"
	[ "$status" -eq 0 ]
	[[ "$output" == *"openrouter       321      69"* ]]
	[[ "$output" == *"routing one request"*"  1. "* ]]
	[[ "$output" == *"report:  $AFMTS_DEMO_OUT/report.html"* ]]
	grep -q 'id="chart-tokens"' "$AFMTS_DEMO_OUT/report.html"
	# Yesterday's usage, as the CSV says, is what the sample usage holds.
	yesterday=$(date -u -d yesterday +%F)
	[ "$(python3 -c 'import csv, sys; print(sum(int(r["requests"]) for r in csv.DictReader(open(sys.argv[1], newline=""))))' "$AFMTS_DEMO_OUT/usage.csv")" -eq \
	  "$(grep -c "\"ts\":\"$yesterday" "$AFMTS_DEMO_OUT/usage.jsonl")" ]
	# A second run adds no usage and no change.
	n=$(sqlite3 "$AFMTS_DEMO_OUT/catalog.db" 'select count(*) from usage')
	sh "$ROOT/examples/demo" > /dev/null
	[ "$(sqlite3 "$AFMTS_DEMO_OUT/catalog.db" 'select count(*) from usage')" -eq "$n" ]
}

@test "make run LIVE=1 fetches the providers (here one on loopback) and invents no usage" {
	mkdir -p "$BATS_TEST_TMPDIR/www/v1" "$BATS_TEST_TMPDIR/data/parsers" "$BATS_TEST_TMPDIR/config/providers"
	cp "$REAL/groq/hacka-re-2025-09-02.extracted.json" "$BATS_TEST_TMPDIR/www/v1/models"
	start_server "$BATS_TEST_TMPDIR/www"
	# The shipped parsers and SQL, but only the test's provider.
	for d in dialects families features prelude.jq; do
		ln -s "$ROOT/parsers/$d" "$BATS_TEST_TMPDIR/data/parsers/$d"
	done
	ln -s "$ROOT/sql" "$BATS_TEST_TMPDIR/data/sql"
	ln -s "$ROOT/reports" "$BATS_TEST_TMPDIR/data/reports"
	jq -n --arg b "$BASE/v1" '{name: "loop", base_url: $b, models_url: ($b + "/models"),
		auth: {header: "Authorization", scheme: "Bearer", key_env: "LOOP_KEY"},
		dialect: "openai", free: {rule: "all", source: "https://example.invalid/terms", checked: "2026-12-01"}, data_use: {trains_on_prompts: false, source: "https://example.invalid/terms", checked: "2026-12-01"}}' \
		> "$BATS_TEST_TMPDIR/config/providers/loop.json"
	export AFMTS_DATADIR="$BATS_TEST_TMPDIR/data" AFMTS_CONFIG="$BATS_TEST_TMPDIR/config"
	export AFMTS_DEMO_OUT="$BATS_TEST_TMPDIR/live" LOOP_KEY=canary-live-key
	run make -s -C "$ROOT" run LIVE=1
	[ "$status" -eq 0 ]
	[[ "$output" == *"loop "* ]]
	[ "$(jq -r .headers.Authorization "$SERVER_LOG")" = "Bearer canary-live-key" ]
	[ "$(sqlite3 "$AFMTS_DEMO_OUT/catalog.db" 'select count(*) from usage')" -eq 0 ]
	ls "$AFMTS_DEMO_OUT"/archive/afmts-*.tar.gz
	! zgrep -q canary-live-key "$AFMTS_DEMO_OUT"/archive/afmts-*.tar.gz || false
	[ -s "$AFMTS_DEMO_OUT/report.html" ]
}

@test "batch-classify labels each line through afmts-batch, and a rerun sends nothing again" {
	mkdir -p "$BATS_TEST_TMPDIR/m"
	mock_llm "$BATS_TEST_TMPDIR/m" "$BATS_TEST_TMPDIR/mock.log"
	mock_catalog "$MOCK/ok"
	export MOCK_API_KEY=canary-key-batch-5678
	printf '%s\n' 'the app crashes on start' 'please add dark mode' 'how do I log in?' \
		> "$BATS_TEST_TMPDIR/issues.txt"
	cd "$BATS_TEST_TMPDIR"
	run "$ROOT/examples/batch-classify" hello,bye issues.txt
	kill "$MOCK_PID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'hello\tthe app crashes on start\nhello\tplease add dark mode\nhello\thow do I log in?')" ]
	[ "$(jq -r .model mock.log | sort | uniq -c | awk '{print $1, $2}')" = "3 mock-chat-1" ]
	# Each asked for one of the labels, deterministically, with the key in the header only.
	jq -e -s 'all(.[]; .authorization == "Bearer canary-key-batch-5678")' mock.log
	[ "$(sqlite3 batch-classify.d/state.db "SELECT count(*) FROM request WHERE status = 'done'")" -eq 3 ]
	run "$ROOT/examples/batch-classify" hello,bye issues.txt
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | cut -f1 | tr '\n' ' ')" = "hello hello hello " ]
	[ "$(wc -l < mock.log)" -eq 3 ]
	! grep -rq canary-key-batch-5678 batch-classify.d || false
}
