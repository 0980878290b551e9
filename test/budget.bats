#!/usr/bin/env bats
# Budgets in the window the provider documents: a UTC day, a local midnight
# (US Pacific, a fixed offset), a rolling 24 hours, a minute, a calendar
# month, scopes shared across a provider's models, and limits learned from
# x-ratelimit-limit-* headers (stricter than the descriptor's, expiring), with
# afmts-route's state and "why" saying when each resets and where it came from.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	setup_env
	DB="$BATS_TEST_TMPDIR/catalog.db"
	export AFMTS_DB="$DB" AFMTS_NOW=2026-11-23T12:00:00Z
}

# catalog LIMITS_JSON: a new catalog: provider plim with models a and a2 (LIMITS), and pfree's
# model b without limits, after them in free-first order (a shorter context).
catalog() {
	rm -f "$DB" "$DB"-* "$DB".*
	{
		for m in a a2; do
			jq -n -c --arg m "$m" --argjson lim "$1" '{type: "model", provider: "plim",
				model: $m, context_length: 200000, free: true, free_reason: "test",
				limits: $lim, base_url: "http://127.0.0.1:9/v1", key_env: "K",
				observed_at: "2026-11-22T00:00:00Z"}'
		done
		jq -n -c '{type: "model", provider: "pfree", model: "b", context_length: 100000,
			free: true, free_reason: "test", base_url: "http://127.0.0.1:9/v1",
			key_env: "K", observed_at: "2026-11-22T00:00:00Z"}'
	} | afmts-track --db "$DB" > /dev/null
}

# used TS...: one request of plim/a at each time.
used() {
	local t i=0
	for t in "$@"; do
		i=$((i + 1))
		printf '{"type":"usage","ts":"%s","provider":"plim","model":"a","request_id":"u%d","prompt_tokens":1,"completion_tokens":1,"status":200}\n' "$t" "$i"
	done | afmts-track --db "$DB" > /dev/null
}

# top [NOW]: the model afmts-route picks first at NOW (default AFMTS_NOW) of a and b.
top() {
	AFMTS_NOW=${1:-$AFMTS_NOW} afmts-route --format tsv --count 3 | cut -f 3 | grep -v '^a2$' |
		head -n 1
}

# why_a NOW: the why of plim/a at NOW, usable or not.
why_a() {
	AFMTS_NOW=$1 afmts-route --all --count 5 | jq -r 'select(.model == "a") | .why'
}

@test "a UTC day's budget: used up before midnight, usable again at 00:00:00 UTC" {
	catalog '{"rpd": 2, "day_reset": "utc"}'
	[[ "$(why_a 2026-11-23T19:59:59Z)" == *"100% of the day's 2 requests left, resets 2026-11-24T00:00:00Z"* ]]
	used 2026-11-23T20:00:00Z
	[ "$(top 2026-11-23T20:30:00Z)" = a ]
	[[ "$(why_a 2026-11-23T20:30:00Z)" == *"50% of the day's 2 requests left"* ]]
	used 2026-11-23T21:00:00Z
	[ "$(top 2026-11-23T23:59:59Z)" = b ]
	[[ "$(why_a 2026-11-23T23:59:59Z)" == *"out of budget (rpd) until 2026-11-24T00:00:00Z"* ]]
	[ "$(top 2026-11-24T00:00:00Z)" = a ]
	AFMTS_NOW=2026-11-23T23:00:00Z afmts-route --state | jq -e '.budgets[] | select(.provider == "plim"
		and .model == "a") | .scope == "model" and .day_reset == "utc" and .exhausted == "rpd" and
		.until == "2026-11-24T00:00:00Z" and (.limits[0] | .window == "rpd" and .limit == 2 and
		.used == 2 and .resets_at == "2026-11-24T00:00:00Z" and .source == "descriptor")'
}

@test "a rolling 24 hours: a model is usable again when its oldest request is a day old" {
	catalog '{"rpd": 2, "day_reset": "rolling"}'
	used 2026-11-23T10:00:00Z 2026-11-23T15:00:00Z
	[ "$(top 2026-11-23T16:00:00Z)" = b ]
	# Midnight changes nothing: still two requests in the last 24 hours.
	[ "$(top 2026-11-24T00:00:01Z)" = b ]
	[[ "$(why_a 2026-11-24T00:00:01Z)" == *"out of budget (rpd) until 2026-11-24T10:00:00Z"* ]]
	[ "$(top 2026-11-24T09:59:59Z)" = b ]
	[ "$(top 2026-11-24T10:00:00Z)" = a ]
	[[ "$(why_a 2026-11-24T10:00:00Z)" == *"50% of the day's 2 requests left, the oldest leaves the rolling day at 2026-11-24T15:00:00Z"* ]]
	# Three in the window with a limit of 2: the second oldest must leave too.
	used 2026-11-24T10:00:00Z 2026-11-24T11:00:00Z
	[ "$(top 2026-11-24T14:59:59Z)" = b ]
	[ "$(top 2026-11-24T15:00:00Z)" = b ]
	[[ "$(why_a 2026-11-24T15:00:00Z)" == *"until 2026-11-25T10:00:00Z"* ]]
}

@test "a per-minute window slides: usable again 60 s after the request that filled it" {
	catalog '{"rpm": 2}'
	used 2026-11-23T12:00:10Z 2026-11-23T12:00:40Z
	[ "$(top 2026-11-23T12:00:09Z)" = a ]
	[ "$(top 2026-11-23T12:00:50Z)" = b ]
	[[ "$(why_a 2026-11-23T12:00:50Z)" == *"out of budget (rpm) until 2026-11-23T12:01:10Z"* ]]
	[ "$(top 2026-11-23T12:01:09Z)" = b ]
	[ "$(top 2026-11-23T12:01:10Z)" = a ]
	[ "$(top 2026-11-23T12:01:40Z)" = a ]
}

@test "a Pacific midnight reset follows daylight saving time; a fixed offset does not" {
	catalog '{"rpd": 1, "day_reset": "America/Los_Angeles"}'
	# 23:59 on the 22nd in Los Angeles (PST, -08:00): the 22nd's budget.
	used 2026-11-23T07:59:00Z
	[ "$(top 2026-11-23T07:59:30Z)" = b ]
	[[ "$(why_a 2026-11-23T07:59:30Z)" == *"until 2026-11-23T08:00:00Z"* ]]
	[ "$(top 2026-11-23T08:00:00Z)" = a ]
	# In July (PDT, -07:00) the day starts at 07:00 UTC.
	used 2026-07-10T06:59:00Z
	[[ "$(why_a 2026-07-10T06:59:30Z)" == *"until 2026-07-10T07:00:00Z"* ]]
	[ "$(top 2026-07-10T07:00:00Z)" = a ]
	AFMTS_NOW=2026-07-10T06:59:30Z afmts-route --state | jq -e '.budgets[] | select(.model == "a") |
		.day_reset == "America/Los_Angeles" and .limits[0].resets_at == "2026-07-10T07:00:00Z"'
	catalog '{"rpd": 1, "day_reset": "+05:30"}'
	# 2026-11-23T18:29:00Z is 23:59 in India; the day turns at 18:30 UTC.
	used 2026-11-23T18:29:00Z
	[[ "$(why_a 2026-11-23T18:29:30Z)" == *"until 2026-11-23T18:30:00Z"* ]]
	[ "$(top 2026-11-23T18:30:00Z)" = a ]
}

@test "a monthly limit holds until the first of the next month, UTC" {
	catalog '{"rpmo": 2}'
	used 2026-11-03T09:00:00Z 2026-11-20T09:00:00Z
	[ "$(top 2026-11-30T23:59:59Z)" = b ]
	[[ "$(why_a 2026-11-30T23:59:59Z)" == *"out of budget (rpmo) until 2026-12-01T00:00:00Z"* ]]
	[ "$(top 2026-12-01T00:00:00Z)" = a ]
}

@test "scope key and ip share one budget across the provider's models; model does not" {
	for scope in key ip provider; do
		catalog "{\"rpm\": 1, \"scope\": \"$scope\"}"
		used 2026-11-23T11:59:30Z
		run -1 afmts-route --provider plim
		[[ "$output" == *"all 2 models that fit cannot take a request now"* ]] || false
	done
	catalog '{"rpm": 1, "scope": "model"}'
	used 2026-11-23T11:59:30Z
	[ "$(afmts-route --provider plim --format tsv | cut -f 3)" = a2 ]
}

@test "a descriptor with an unknown day_reset or scope makes its records invalid" {
	for lim in '{"day_reset": "noon"}' '{"day_reset": "+25:00"}' '{"scope": "team"}' \
		'{"header_requests": "tpm"}' '{"rpmo": -1}'; do
		run catalog "$lim"
		[ "$(sqlite3 "$DB" "SELECT count(*) FROM models WHERE provider = 'plim'")" -eq 0 ]
	done
	catalog '{"day_reset": "-08:00", "scope": "ip", "header_requests": "rpmo", "rpmo": 5}'
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM models WHERE provider = 'plim'")" -eq 2 ]
}

# report STATUS HEADERS...: an outcome of plim/a at AFMTS_NOW with the headers.
report() {
	local status=$1 h=()
	shift
	for x in "$@"; do h+=(--header "$x"); done
	afmts-route --report a --provider plim --status "$status" --latency 100 "${h[@]}"
}

@test "a learned daily limit of 3: the 4th request of the day goes elsewhere; the state says learned" {
	catalog '{"rpd": 100, "header_requests": "rpd"}'
	for t in 01 02 03; do
		AFMTS_NOW=2026-11-23T12:00:${t}Z report 200 'x-ratelimit-limit-requests: 3'
		[ "$t" = 03 ] || [ "$(top 2026-11-23T12:00:${t}Z)" = a ]
	done
	[ "$(top 2026-11-23T12:00:04Z)" = b ]
	[[ "$(why_a 2026-11-23T12:00:04Z)" == *"out of budget (rpd) until 2026-11-24T00:00:00Z"* ]]
	AFMTS_NOW=2026-11-23T12:00:04Z afmts-route --state | jq -e '.budgets[] | select(.model == "a") |
		.limits[] | select(.window == "rpd") | .limit == 3 and .used == 3 and
		.source == "learned" and .seen_at == "2026-11-23T12:00:03Z"'
	# A new UTC day: the learned limit still holds (seen within a day), with room.
	[ "$(top 2026-11-24T00:00:00Z)" = a ]
	[[ "$(why_a 2026-11-24T00:00:00Z)" == *"100% of the day's 3 (learned) requests left"* ]]
	# Not seen for a day: the descriptor's 100 again.
	AFMTS_NOW=2026-11-24T12:00:04Z afmts-route --state | jq -e '.budgets[] | select(.model == "a") |
		.limits[] | select(.window == "rpd") | .limit == 100 and .source == "descriptor" and .seen_at == null'
	# A laxer figure never replaces the descriptor's.
	AFMTS_NOW=2026-11-24T12:00:05Z report 200 'x-ratelimit-limit-requests: 1000'
	AFMTS_NOW=2026-11-24T12:00:06Z afmts-route --state | jq -e '.budgets[] | select(.model == "a") |
		.limits[] | select(.window == "rpd") | .limit == 100 and .source == "descriptor"'
}

@test "learned limits go when an answer comes without them; OpenAI's convention is a minute" {
	catalog '{}'
	for t in 01 02 03; do
		AFMTS_NOW=2026-11-23T12:00:${t}Z report 200 'x-ratelimit-limit-requests: 3' \
			'x-ratelimit-limit-tokens: 100000'
	done
	[ "$(top 2026-11-23T12:00:04Z)" = b ]
	[[ "$(why_a 2026-11-23T12:00:04Z)" == *"out of budget (rpm) until 2026-11-23T12:01:01Z"* ]]
	AFMTS_NOW=2026-11-23T12:00:04Z afmts-route --state | jq -e '[.budgets[] | select(.model == "a") |
		.limits[] | [.window, .limit, .source]] == [["rpm", 3, "learned"], ["tpm", 100000, "learned"]]'
	[ "$(top 2026-11-23T12:01:01Z)" = a ]
	# Other figures are kept under their names (Cerebras' requests-day) and no window's.
	AFMTS_NOW=2026-11-23T12:01:01Z report 200 'x-ratelimit-limit-requests: 3' \
		'x-ratelimit-limit-tokens: 100000' 'x-ratelimit-limit-requests-day: 14400'
	[ "$(sqlite3 "$DB" "SELECT kind FROM ratelimits ORDER BY 1" | tr '\n' ' ')" = "requests requests-day tokens " ]
	# An answer without x-ratelimit headers: all forgotten.
	AFMTS_NOW=2026-11-23T12:01:02Z report 200
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM ratelimits")" -eq 0 ]
	AFMTS_NOW=2026-11-23T12:01:03Z afmts-route --state | jq -e '[.budgets[] | select(.model == "a") | .limits[]] == []'
	# A failure without them says nothing of the limits.
	AFMTS_NOW=2026-11-23T12:01:04Z report 200 'x-ratelimit-limit-requests: 3'
	AFMTS_NOW=2026-11-23T12:01:05Z report 500
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM ratelimits")" -eq 1 ]
}

@test "limits that apply to the free models: a paid model has none, and its use is not theirs" {
	mkdir -p "$BATS_TEST_TMPDIR/prov"
	jq -n '{name: "mixed", base_url: "http://127.0.0.1:9/v1", models_url: "http://127.0.0.1:9/v1/models",
		public: true, dialect: "openrouter", price_unit: "token",
		free: {rule: "zero_price", source: "https://example.invalid/terms", checked: "2026-12-01"},
		limits: {rpd: 2, scope: "provider", applies_to: "free",
			source: "https://example.invalid/limits", checked: "2026-12-01"},
		data_use: {trains_on_prompts: false, source: "https://example.invalid/terms",
			checked: "2026-12-01"}}' > "$BATS_TEST_TMPDIR/prov/mixed.json"
	jq -n '{data: [
		{id: "free-a:free", context_length: 1000, pricing: {prompt: "0", completion: "0"}},
		{id: "free-c:free", context_length: 900, pricing: {prompt: "0", completion: "0"}},
		{id: "paid-b", context_length: 1000, pricing: {prompt: "0.000001", completion: "0.000002"}}]}' \
		> "$BATS_TEST_TMPDIR/list.json"
	fetchline mixed "$BATS_TEST_TMPDIR/list.json" 2026-11-22T00:00:00Z |
		afmts-parse --providers "$BATS_TEST_TMPDIR/prov" > "$BATS_TEST_TMPDIR/models.jsonl"
	[ "$(jq -c 'select(.type == "model") | [.model, .limits]' "$BATS_TEST_TMPDIR/models.jsonl" | sort | tr '\n' ' ')" = \
		'["free-a:free",{"rpd":2,"scope":"provider"}] ["free-c:free",{"rpd":2,"scope":"provider"}] ["paid-b",{}] ' ]
	afmts-track --db "$DB" < "$BATS_TEST_TMPDIR/models.jsonl" > /dev/null
	# Three paid requests and one free one today: the free models' day has one of two used.
	for i in 1 2 3 4; do
		m=paid-b
		[ "$i" -lt 4 ] || m=free-a:free
		printf '{"type":"usage","ts":"2026-11-23T10:00:0%dZ","provider":"mixed","model":"%s","request_id":"u%d","status":200}\n' \
			"$i" "$m" "$i"
	done | afmts-track --db "$DB" > /dev/null
	run afmts-route --all --count 5 --max-price 100
	[ "$(printf '%s\n' "$output" | jq -r 'select(.model == "free-c:free") | .why')" = \
		"free, 900-token context, 50% of the day's 2 requests left, resets 2026-11-24T00:00:00Z" ]
	paid=$(printf '%s\n' "$output" | jq -r 'select(.model == "paid-b") | .why')
	[ -n "$paid" ] && [[ "$paid" != *"requests left"* ]]
	# Any other word is refused.
	jq '.limits.applies_to = "paid"' "$BATS_TEST_TMPDIR/prov/mixed.json" > "$BATS_TEST_TMPDIR/m.json"
	mv "$BATS_TEST_TMPDIR/m.json" "$BATS_TEST_TMPDIR/prov/mixed.json"
	run afmts-parse --providers "$BATS_TEST_TMPDIR/prov" < /dev/null
	[[ "$output" == *'"limits.applies_to" must be "all" (the default) or "free"'* ]]
}
