# Shared by the afmts-report tests: a catalog built from real provider
# files and generated usage.
# shellcheck shell=bash
# shellcheck disable=SC2034 # OR_A, OR_B and HOSTILE are read by the tests

OR_A=roo-code-2025-04-24.json
OR_B=roo-code-2025-05-23.json
HOSTILE='<script>alert(1)</script>"'"'"',&'

# report_catalog: a catalog in $AFMTS_DB made from two real OpenRouter
# snapshots and a Groq one, with the usage lines of make_usage in
# $BATS_TEST_TMPDIR/usage.jsonl.
report_catalog() {
	export AFMTS_DB="$BATS_TEST_TMPDIR/catalog.db"
	OR=$REAL/openrouter
	parse_to openrouter "$OR/$OR_A" 2025-04-24T17:54:21Z "$BATS_TEST_TMPDIR/a.jsonl"
	parse_to openrouter "$OR/$OR_B" 2025-05-23T00:03:47Z "$BATS_TEST_TMPDIR/b.jsonl"
	parse_to groq "$REAL/groq/hacka-re-2025-09-02.extracted.json" 2025-05-23T00:05:00Z \
		"$BATS_TEST_TMPDIR/g.jsonl"
	afmts-track < "$BATS_TEST_TMPDIR/a.jsonl" > /dev/null
	cat "$BATS_TEST_TMPDIR/b.jsonl" "$BATS_TEST_TMPDIR/g.jsonl" | afmts-track > /dev/null
	make_usage > "$BATS_TEST_TMPDIR/usage.jsonl"
	afmts-track < "$BATS_TEST_TMPDIR/usage.jsonl" > /dev/null
}

# The usage of 2025-05-23 (and a little of the days around it): a free model
# with a paid variant, a paid model, a free groq model priced from the
# reference table, a model the catalog does not know, and a hostile name.
# Latencies, statuses and tokens vary with the row number.
make_usage() {
	jq -n -c --arg hostile "$HOSTILE" '
		[["openrouter", "qwen/qwen3-8b:free", 37],
		 ["openrouter", "qwen/qwen3-8b", 11],
		 ["groq", "llama-3.3-70b-versatile", 53],
		 ["groq", "not-in-the-catalog", 5],
		 ["openrouter", $hostile, 3]] as $models
		| range(0; $models | length) as $m | $models[$m] as [$p, $id, $n]
		| range(0; $n) as $i
		| {type: "usage",
		   ts: ("2025-05-23T" + ("0\(($i * 7 + $m) % 24)" | .[-2:]) + ":"
			+ ("0\(($i * 13) % 60)" | .[-2:]) + ":00Z"),
		   provider: $p, model: $id,
		   prompt_tokens: (100 + ($i * 37 + $m * 11) % 900),
		   completion_tokens: (10 + ($i * 17) % 300),
		   latency_ms: (150 + ($i * 7919 + $m * 31) % 2000),
		   status: (if $i % 9 == 4 then 429 elif $i % 13 == 6 then 500 else 200 end),
		   request_id: "r\($m)-\($i)"}'
	# Outside the day: the evening before and the morning after.
	printf '{"type":"usage","ts":"2025-05-22T23:30:00Z","provider":"groq","model":"llama-3.3-70b-versatile","prompt_tokens":1000,"completion_tokens":1000,"latency_ms":100,"status":200}\n'
	printf '{"type":"usage","ts":"2025-05-24T00:10:00Z","provider":"groq","model":"llama-3.3-70b-versatile","prompt_tokens":2000,"completion_tokens":2000,"latency_ms":100,"status":200}\n'
}

