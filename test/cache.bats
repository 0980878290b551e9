#!/usr/bin/env bats
# The exact-match answer cache (lib/web/cache.h) of afmts-gateway (as a CGI
# program) and afmts-batch, against test/mock-llm on loopback, whose log has
# a line for every request that reached it.

load helpers

CANARY=canary-cache-key-7e2a

setup() {
	setup_env
	mkdir -p "$BATS_TEST_TMPDIR/m"
	MOCK_LOG="$BATS_TEST_TMPDIR/mock.log"
	: > "$MOCK_LOG"
	mock_llm "$BATS_TEST_TMPDIR/m" "$MOCK_LOG"
	DB="$BATS_TEST_TMPDIR/catalog.db"
	CACHE="$BATS_TEST_TMPDIR/answers.cache"
	export AFMTS_DB="$DB" AFMTS_CACHE="$CACHE" GW_KEY=$CANARY
	catalog usage
}

teardown() {
	[ -z "${MOCK_PID:-}" ] || kill "$MOCK_PID" 2>/dev/null || true
}

# catalog MODE [LIMITS]: one free model, provider p, answered by the mock's MODE,
# with LIMITS (a JSON object) if given; a new catalog and no cache file.
catalog() {
	rm -f "$DB" "$DB"-* "$CACHE" "$CACHE"-*
	jq -n -c --arg b "$MOCK/$1/v1" --argjson lim "${2:-null}" '{type: "model", provider: "p",
		model: "m", name: "m", context_length: 100000, free: true, free_reason: "test",
		limits: $lim, modalities: {input: ["text"], output: ["text"]}, base_url: $b,
		key_env: "GW_KEY", observed_at: "2026-11-22T00:00:00Z"},
		{type: "provider", provider: "p", ok: true, models: 1, observed_at: "2026-11-22T00:00:00Z"}' |
		afmts-track --db "$DB" > /dev/null
}

# cgi BODY [VAR=VALUE...]: one chat request to afmts-gateway as a CGI program.
cgi() {
	local body=$1
	shift
	env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST PATH_INFO=/v1/chat/completions \
		CONTENT_TYPE=application/json CONTENT_LENGTH=${#body} "$@" afmts-gateway <<< "$body"
}

# ask TEXT [JQ-FIELDS]: a chat body asking TEXT, temperature 0 unless FIELDS say otherwise.
ask() {
	jq -n -c --arg t "$1" "{model: \"afmts/auto\", temperature: 0,
		messages: [{role: \"user\", content: \$t}]} + (${2:-{\}})"
}

upstream() {	# requests that reached the mock
	grep -c '"path"' "$MOCK_LOG" || true
}

answer_body() {	# the body of a CGI answer ($output)
	printf '%s\n' "$output" | sed '1,/^\r\{0,1\}$/d'
}

@test "a second identical deterministic request is answered from the cache, not upstream" {
	export AFMTS_NOW=2026-11-23T12:00:00Z
	run cgi "$(ask hello)"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Status: 200"* ]]
	[[ "$output" != *"X-Afmts-Cache"* ]]
	first=$(answer_body)
	[ "$(upstream)" -eq 1 ]
	run cgi "$(ask hello)"
	[[ "$output" == *"Status: 200"* ]]
	[[ "$output" == *"X-Afmts-Cache: hit"* ]]
	[[ "$output" == *"X-Afmts-Provider: p"* ]]
	[[ "$output" == *"X-Afmts-Model: m"* ]]
	[ "$(answer_body)" = "$first" ]
	[ "$(upstream)" -eq 1 ]
	# Another question is another entry.
	run cgi "$(ask goodbye)"
	[[ "$output" != *"X-Afmts-Cache"* ]]
	[ "$(upstream)" -eq 2 ]
	# The usage rows: two answers from the provider, one hit at no cost.
	[ "$(sqlite3 "$DB" 'SELECT count(*), sum(cached), total(cost) FROM usage WHERE cached = 1')" = "1|1|0.0" ]
	[ "$(sqlite3 "$DB" 'SELECT status, latency_ms IS NULL FROM usage WHERE cached = 1')" = "200|1" ]
	[ "$(sqlite3 "$DB" 'SELECT count(*) FROM usage WHERE cached IS NULL AND status = 200')" -eq 2 ]
	# afmts-report counts the hit as a request saved.
	export AFMTS_NOW=2026-11-24T09:00:00Z
	run afmts-report --format json --section headline
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq .cache_hits)" -eq 1 ]
	[ "$(printf '%s\n' "$output" | jq .requests)" -eq 3 ]
	run afmts-report --format html
	[[ "$output" == *"Cache hits (requests saved)"* ]]
}

@test "cache hits use none of the provider's budget: a UTC day's (the day's totals) nor a rolling day's (the rows)" {
	export AFMTS_NOW=2026-11-23T12:00:00Z
	for lim in '{"rpd": 2, "day_reset": "utc"}' '{"rpd": 2, "day_reset": "rolling", "scope": "provider"}'; do
		catalog usage "$lim"
		before=$(upstream)
		for _ in 1 2 3 4; do
			run cgi "$(ask hello)"
			[[ "$output" == *"Status: 200"* ]]
		done
		[ "$(upstream)" -eq $((before + 1)) ]
		[ "$(sqlite3 "$DB" 'SELECT count(*) FROM usage WHERE cached = 1')" -eq 3 ]
		[ "$(sqlite3 "$DB" 'SELECT requests, cached FROM usage_daily')" = "4|3" ]
		run afmts-route --all --count 3
		[[ "$output" == *"50% of the day's 2 requests left"* ]]
	done
	# A catalog of version 12 gets its cache hits counted from its rows (migration 013).
	sqlite3 "$DB" 'ALTER TABLE usage_daily DROP COLUMN cached;
		ALTER TABLE usage_daily DROP COLUMN cached_tokens; PRAGMA user_version = 12'
	afmts-track --db "$DB" < /dev/null
	[ "$(sqlite3 "$DB" 'SELECT requests, cached, cached_tokens FROM usage_daily')" = \
	  "$(sqlite3 "$DB" 'SELECT count(*), sum(cached = 1), total(CASE WHEN cached = 1 THEN
		prompt_tokens + completion_tokens END) FROM usage' | sed 's/\.0$//')" ]
	[ "$(sqlite3 "$DB" 'SELECT cached FROM usage_daily')" -eq 3 ]
}

@test "with every model out of budget, an answer one gave before still comes from the cache" {
	export AFMTS_NOW=2026-11-23T12:00:00Z
	catalog usage '{"rpd": 1, "day_reset": "utc"}'
	run cgi "$(ask hello)"
	[[ "$output" == *"Status: 200"* ]]
	[ "$(upstream)" -eq 1 ]
	# The day's one request is used: the same question is a hit, another is refused.
	run cgi "$(ask hello)"
	[[ "$output" == *"Status: 200"* ]]
	[[ "$output" == *"X-Afmts-Cache: hit"* ]]
	[[ "$output" == *"X-Afmts-Model: m"* ]]
	run cgi "$(ask goodbye)"
	[[ "$output" == *"Status: 429"* ]]
	[ "$(upstream)" -eq 1 ]
	[ "$(sqlite3 "$DB" 'SELECT count(*) FROM usage WHERE cached = 1')" -eq 1 ]
	# Without a cache the same question is refused as well.
	AFMTS_CACHE= run cgi "$(ask hello)"
	[[ "$output" == *"Status: 429"* ]]
}

@test "a hit on a model cooling down or out of its headers' budget leaves it so" {
	export AFMTS_NOW=2026-11-23T12:00:00Z
	for why in cooling headers; do
		catalog usage
		run cgi "$(ask hello)"
		[[ "$output" == *"Status: 200"* ]]
		before=$(upstream)
		if [ "$why" = cooling ]; then
			afmts-route --report m --provider p --status 429 --retry-after 60
		else
			afmts-route --report m --provider p --status 200 --header 'x-ratelimit-limit-requests: 10' \
				--header 'x-ratelimit-remaining-requests: 0' --header 'x-ratelimit-reset-requests: 60s'
		fi
		run cgi "$(ask hello)"
		[[ "$output" == *"X-Afmts-Cache: hit"* ]]
		# The hit reached no provider: the model still cannot take another question.
		run cgi "$(ask goodbye)"
		[[ "$output" == *"Status: 429"* ]] || { echo "$why: $output"; false; }
		[ "$(upstream)" -eq "$before" ]
	done
}

@test "afmts-batch: with every budget used, a rerun is answered from the cache instead of waiting" {
	export AFMTS_NOW=2026-11-23T12:00:00Z
	catalog usage '{"rpd": 2, "day_reset": "utc"}'
	jq -n -c 'range(1; 3) | {custom_id: "q\(.)", model: "afmts/auto", temperature: 0,
		messages: [{role: "user", content: "classify item \(.)"}]}' > "$BATS_TEST_TMPDIR/in.jsonl"
	unset AFMTS_CACHE
	run timeout 60 afmts-batch --db "$DB" --cache "$CACHE" --ordered "$BATS_TEST_TMPDIR/in.jsonl"
	[ "$status" -eq 0 ]
	[ "$(upstream)" -eq 2 ]
	first=$(printf '%s\n' "$output" | jq -c '.response')
	# The day's two requests are used; the rerun does not wait for midnight.
	run timeout 20 afmts-batch --db "$DB" --cache "$CACHE" --ordered "$BATS_TEST_TMPDIR/in.jsonl"
	[ "$status" -eq 0 ]
	[ "$(upstream)" -eq 2 ]
	[ "$(printf '%s\n' "$output" | jq -c '.response')" = "$first" ]
	[ "$(printf '%s\n' "$output" | jq -r '[.custom_id, .provider, .model, .status] | @tsv' | tr '\t\n' ',,')" = \
		"q1,p,m,200,q2,p,m,200," ]
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM usage WHERE cached = 1 AND client = 'afmts-batch'")" -eq 2 ]
}

@test "a streamed request is replayed as a stream; streamed and plain answers are kept apart" {
	run cgi "$(ask hello '{stream: true}')"
	[[ "$output" == *"Content-Type: text/event-stream"* ]]
	first=$(answer_body)
	[ "$(upstream)" -eq 1 ]
	run cgi "$(ask hello '{stream: true}')"
	[[ "$output" == *"X-Afmts-Cache: hit"* ]]
	[[ "$output" == *"Content-Type: text/event-stream"* ]]
	[ "$(answer_body)" = "$first" ]
	[ "$(answer_body | grep -c '^data: {')" -ge 3 ]
	[ "$(answer_body | grep '^data: ' | tail -n 1)" = "data: [DONE]" ]
	[ "$(upstream)" -eq 1 ]
	# The same question not streamed is asked upstream once, then a JSON hit.
	run cgi "$(ask hello)"
	[[ "$output" != *"X-Afmts-Cache"* ]]
	[ "$(upstream)" -eq 2 ]
	run cgi "$(ask hello)"
	[[ "$output" == *"X-Afmts-Cache: hit"* ]]
	answer_body | jq -e '.object == "chat.completion"' > /dev/null
	[ "$(upstream)" -eq 2 ]
	# Asking for stream usage is another entry (its stream has one more chunk).
	run cgi "$(ask hello '{stream: true, stream_options: {include_usage: true}}')"
	[[ "$output" != *"X-Afmts-Cache"* ]]
	[ "$(upstream)" -eq 3 ]
}

@test "a non-deterministic request is not cached unless afmts_cache asks; a seed is deterministic" {
	run cgi "$(ask hello '{temperature: 0.7}')"
	run cgi "$(ask hello '{temperature: 0.7}')"
	[[ "$output" != *"X-Afmts-Cache"* ]]
	[ "$(upstream)" -eq 2 ]
	run cgi "$(ask hello '{temperature: 0.7, seed: 42}')"
	run cgi "$(ask hello '{temperature: 0.7, seed: 42}')"
	[[ "$output" == *"X-Afmts-Cache: hit"* ]]
	[ "$(upstream)" -eq 3 ]
	run cgi "$(ask hello '{temperature: 0.7, afmts_cache: true}')"
	run cgi "$(ask hello '{temperature: 0.7, afmts_cache: true}')"
	[[ "$output" == *"X-Afmts-Cache: hit"* ]]
	[ "$(upstream)" -eq 4 ]
	# afmts_cache: false keeps a deterministic request out of it.
	run cgi "$(ask hello '{afmts_cache: false}')"
	run cgi "$(ask hello '{afmts_cache: false}')"
	[[ "$output" != *"X-Afmts-Cache"* ]]
	[ "$(upstream)" -eq 6 ]
	# The extension field is never forwarded; a wrong one is the client's error.
	[ "$(jq -s 'map(select(.extension)) | length' "$MOCK_LOG")" -eq 0 ]
	run cgi "$(ask hello '{afmts_cache: "yes"}')"
	[[ "$output" == *"Status: 400"* ]]
	[[ "$output" == *"afmts_cache must be true or false"* ]]
	[ "$(upstream)" -eq 6 ]
}

@test "afmts_cache: true with no AFMTS_CACHE uses CATALOG.cache beside the catalog" {
	unset AFMTS_CACHE
	run cgi "$(ask hello)"
	run cgi "$(ask hello)"
	[[ "$output" != *"X-Afmts-Cache"* ]]
	[ ! -e "$DB.cache" ]
	run cgi "$(ask hello '{afmts_cache: true}')"
	run cgi "$(ask hello '{afmts_cache: true}')"
	[[ "$output" == *"X-Afmts-Cache: hit"* ]]
	[ "$(upstream)" -eq 3 ]
	[ "$(stat -c %a "$DB.cache")" = 600 ]
}

@test "entries expire after AFMTS_CACHE_TTL seconds" {
	export AFMTS_CACHE_TTL=60
	run cgi "$(ask hello)" AFMTS_NOW=2026-11-23T12:00:00Z
	run cgi "$(ask hello)" AFMTS_NOW=2026-11-23T12:00:59Z
	[[ "$output" == *"X-Afmts-Cache: hit"* ]]
	[ "$(upstream)" -eq 1 ]
	run cgi "$(ask hello)" AFMTS_NOW=2026-11-23T12:01:00Z
	[[ "$output" != *"X-Afmts-Cache"* ]]
	[ "$(upstream)" -eq 2 ]
	# Stored again then: a hit for the next minute.
	run cgi "$(ask hello)" AFMTS_NOW=2026-11-23T12:01:30Z
	[[ "$output" == *"X-Afmts-Cache: hit"* ]]
	[ "$(upstream)" -eq 2 ]
}

@test "the size bound evicts the least recently used entry" {
	run cgi "$(ask qa)"
	bytes=$(sqlite3 "$CACHE" 'SELECT bytes FROM entry')
	# Room for two answers of this size, not three.
	export AFMTS_CACHE_MAX_BYTES=$((bytes * 5 / 2))
	run cgi "$(ask qb)"
	run cgi "$(ask qa)"	# a hit: qa is now the most recently used
	[[ "$output" == *"X-Afmts-Cache: hit"* ]]
	[ "$(upstream)" -eq 2 ]
	run cgi "$(ask qc)"	# stored; qb, the least recently used, goes
	[ "$(upstream)" -eq 3 ]
	[ "$(sqlite3 "$CACHE" 'SELECT count(*), sum(bytes) <= '"$AFMTS_CACHE_MAX_BYTES"' FROM entry')" = "2|1" ]
	run cgi "$(ask qa)"
	[[ "$output" == *"X-Afmts-Cache: hit"* ]]
	run cgi "$(ask qc)"
	[[ "$output" == *"X-Afmts-Cache: hit"* ]]
	[ "$(upstream)" -eq 3 ]
	run cgi "$(ask qb)"
	[[ "$output" != *"X-Afmts-Cache"* ]]
	[ "$(upstream)" -eq 4 ]
	# An answer bigger than the whole bound is not stored.
	AFMTS_CACHE_MAX_BYTES=10 run cgi "$(ask qd)"
	AFMTS_CACHE_MAX_BYTES=10 run cgi "$(ask qd)"
	[[ "$output" != *"X-Afmts-Cache"* ]]
	[ "$(upstream)" -eq 6 ]
}

@test "the cache file is 0600 and holds no key, even of a provider that echoes it" {
	catalog echostream
	run cgi "$(ask hello '{stream: true}')"
	[[ "$output" == *"Status: 200"* ]]
	run cgi "$(ask hello '{stream: true}')"
	[[ "$output" == *"X-Afmts-Cache: hit"* ]]
	[[ "$output" == *"you sent Bearer ****"* ]]
	[[ "$output" != *"$CANARY"* ]]
	[ "$(upstream)" -eq 1 ]
	[ "$(stat -c %a "$CACHE")" = 600 ]
	[ "$(sqlite3 "$CACHE" 'SELECT count(*) FROM entry')" -eq 1 ]
	! grep -rq "$CANARY" "$BATS_TEST_TMPDIR"/answers.cache* || false
	! sqlite3 "$CACHE" .dump | grep -q "$CANARY" || false
	! grep -q "$CANARY" "$DB" || false
}

@test "afmts-batch --cache: a rerun is answered from the cache, not upstream" {
	jq -n -c 'range(1; 6) | {custom_id: "q\(.)", model: "afmts/auto", temperature: 0,
		messages: [{role: "user", content: "classify item \(.)"}]}' > "$BATS_TEST_TMPDIR/in.jsonl"
	unset AFMTS_CACHE
	run timeout 60 afmts-batch --db "$DB" --cache "$CACHE" --ordered "$BATS_TEST_TMPDIR/in.jsonl"
	[ "$status" -eq 0 ]
	first=$output
	[ "$(upstream)" -eq 5 ]
	[ "$(stat -c %a "$CACHE")" = 600 ]
	run timeout 60 afmts-batch --db "$DB" --cache "$CACHE" --ordered "$BATS_TEST_TMPDIR/in.jsonl"
	[ "$status" -eq 0 ]
	[ "$(upstream)" -eq 5 ]
	[ "$(printf '%s\n' "$output" | jq -s 'map(select(.status == 200)) | length')" -eq 5 ]
	[ "$(printf '%s\n' "$output" | jq -c '.response')" = "$(printf '%s\n' "$first" | jq -c '.response')" ]
	[ "$(sqlite3 "$DB" 'SELECT count(*) FROM usage WHERE cached = 1 AND client = '"'afmts-batch'")" -eq 5 ]
	# Without --cache nothing is looked up.
	run timeout 60 afmts-batch --db "$DB" --ordered "$BATS_TEST_TMPDIR/in.jsonl"
	[ "$(upstream)" -eq 10 ]
}
