#!/usr/bin/env bats
# OpenRouter's GET /api/v1/key: asked by afmts-fetch only when a key is given
# (the descriptor's follow step "when": "key"), it tells in
# free_model_daily_requests.limit the day's requests the account's :free
# models really have (50, or 1,000 after 10 credits bought), shown as learned
# by afmts-route.  The shipped descriptor, with its URLs pointed at
# the loopback fixture server; the model list is a real OpenRouter answer and
# the key answers follow OpenRouter's documented example
# (test/fixtures/documented/README).

load helpers

CANARY=canary-openrouter-key-51c9

setup() {
	setup_env
	FX="$BATS_TEST_TMPDIR/root"
	PROV="$BATS_TEST_TMPDIR/providers"
	mkdir -p "$FX/api/v1" "$PROV"
	LIST="$REAL/openrouter/roo-code-2025-05-23.json"
	cp "$LIST" "$FX/api/v1/models"
	start_server "$FX"
	jq --arg b "$BASE" '.models_url = $b + "/api/v1/models" | .base_url = $b + "/api/v1"' \
		"$ROOT/parsers/providers/openrouter.json" > "$PROV/openrouter.json"
	DB="$BATS_TEST_TMPDIR/catalog.db"
	export AFMTS_DB="$DB"
	unset OPENROUTER_API_KEY
	# Counted apart from the dialect: the list's :free variants.
	NFREE=$(jq '[.data[] | select(.id | endswith(":free"))] | length' "$LIST")
}

teardown() {
	stop_server
}

# discover [KEY]: fetch (archived) | parse | track, with KEY as OPENROUTER_API_KEY when given.
discover() {
	mkdir -p "$BATS_TEST_TMPDIR/archive"
	env ${1:+OPENROUTER_API_KEY=$1} afmts-fetch --providers "$PROV" --only openrouter \
		--archive "$BATS_TEST_TMPDIR/archive" > "$BATS_TEST_TMPDIR/fetch.jsonl"
	afmts-parse --providers "$PROV" < "$BATS_TEST_TMPDIR/fetch.jsonl" > "$BATS_TEST_TMPDIR/models.jsonl"
	afmts-track --db "$DB" < "$BATS_TEST_TMPDIR/models.jsonl" > /dev/null
}

# edit JQ: the test's OpenRouter descriptor, edited by JQ.
edit() {
	jq "$1" "$PROV/openrouter.json" > "$PROV/o.json"
	mv "$PROV/o.json" "$PROV/openrouter.json"
}

# first_free: the first :free model discover found.
first_free() {
	jq -r 'select(.type == "model" and (.model | endswith(":free"))) | .model' \
		"$BATS_TEST_TMPDIR/models.jsonl" | head -n 1
}

# key_asked: how many times the server was asked /api/v1/key.
key_asked() {
	grep -c '"/api/v1/key"' "$SERVER_LOG" || true
}

# rpd_of_free: "N LIMIT LEARNED" lines of the :free records' daily limits.
rpd_of_free() {
	jq -r 'select(.type == "model" and (.model | endswith(":free")))
		| "\(.limits.rpd) \(.limits.learned // "-")"' "$BATS_TEST_TMPDIR/models.jsonl" | sort | uniq -c |
		awk '{print $1, $2, $3}'
}

# rpd_state: the daily limit of the provider's shared budget as afmts-route --state shows it.
rpd_state() {
	afmts-route --state | jq -c '[.budgets[] | select(.provider == "openrouter") | .limits[]
		| select(.window == "rpd") | [.limit, .source]] | unique'
}

@test "with a key and credits bought: the :free models have 1,000 requests a day, learned" {
	cp "$ROOT/test/fixtures/documented/openrouter-key/credits.json" "$FX/api/v1/key"
	discover "$CANARY"
	[ "$(key_asked)" -eq 1 ]
	grep '"/api/v1/key"' "$SERVER_LOG" | grep -q "Bearer $CANARY"
	[ "$(rpd_of_free)" = "$NFREE 1000 rpd" ]
	# The other free models keep the descriptor's figure, nothing learned; paid ones have no limits.
	[ "$(jq -s '[.[] | select(.type == "model" and (.model | endswith(":free") | not))
		| select(if .free then .limits.learned != null or .limits.rpd != 50
		         else .limits != {} end)] | length' \
		"$BATS_TEST_TMPDIR/models.jsonl")" -eq 0 ]
	[ "$(sqlite3 "$DB" "SELECT count(*), min(lim), max(lim) FROM ratelimits WHERE kind = 'account:rpd'")" = "$NFREE|1000|1000" ]
	[ "$(rpd_state)" = '[[1000,"learned"]]' ]
	AFMTS_NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ) run afmts-route --all --count 400
	[[ "$output" == *"of the day's 1000 (learned) requests left"* ]]
}

@test "with a key on the free tier: 50 a day, learned; the next run without a key forgets it" {
	cp "$ROOT/test/fixtures/documented/openrouter-key/free-tier.json" "$FX/api/v1/key"
	discover "$CANARY"
	[ "$(rpd_of_free)" = "$NFREE 50 rpd" ]
	[ "$(rpd_state)" = '[[50,"learned"]]' ]
	: > "$SERVER_LOG"
	discover
	[ "$(key_asked)" -eq 0 ]
	[ "$(rpd_of_free)" = "$NFREE 50 -" ]
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM ratelimits")" -eq 0 ]
}

@test "without a key /api/v1/key is never asked, nor planned" {
	cp "$ROOT/test/fixtures/documented/openrouter-key/credits.json" "$FX/api/v1/key"
	discover
	[ "$(key_asked)" -eq 0 ]
	[ "$(rpd_of_free)" = "$NFREE 50 -" ]
	[ "$(jq -c '.extra' "$BATS_TEST_TMPDIR/fetch.jsonl")" = null ]
	run afmts-fetch --providers "$PROV" --only openrouter --dry-run
	[[ "$output" != *"/api/v1/key"* ]]
}

@test "a key endpoint that fails, answers no JSON or no object leaves the list whole, with the descriptor's limits" {
	for answer in none html array string odd; do
		rm -f "$FX/api/v1/key"
		case $answer in
		html) printf '<html>login</html>' > "$FX/api/v1/key" ;;
		array) printf '[{"data": 1}]' > "$FX/api/v1/key" ;;
		string) printf '"ok"' > "$FX/api/v1/key" ;;
		odd) printf '{"data": {"free_model_daily_requests": {"limit": "1000"}}}' > "$FX/api/v1/key" ;;
		esac
		rm -f "$DB"*
		discover "$CANARY"
		[ "$(jq -r '.error // "none"' "$BATS_TEST_TMPDIR/fetch.jsonl")" = none ]
		[ "$(rpd_of_free)" = "$NFREE 50 -" ]
		[ "$(sqlite3 "$DB" "SELECT count(*) FROM models WHERE present = 1")" -eq "$(jq '.data | length' "$LIST")" ]
	done
}

@test "the key, and the account's label and ids, are in no record, archive or catalog; replay agrees" {
	cp "$ROOT/test/fixtures/documented/openrouter-key/credits.json" "$FX/api/v1/key"
	discover "$CANARY"
	archive=$(ls "$BATS_TEST_TMPDIR"/archive/*.tar.gz)
	mkdir "$BATS_TEST_TMPDIR/x"
	tar xzf "$archive" -C "$BATS_TEST_TMPDIR/x"
	for secret in "$CANARY" sk-or-v1 creator_user_id user_2dHF label; do
		! grep -rq -- "$secret" "$BATS_TEST_TMPDIR/x" "$BATS_TEST_TMPDIR/fetch.jsonl" \
			"$BATS_TEST_TMPDIR/models.jsonl" || false
		! sqlite3 "$DB" .dump | grep -q -- "$secret" || false
	done
	# The archived account answer is what the step keeps, and replays to the same record.
	[ "$(jq -c . "$BATS_TEST_TMPDIR/x/openrouter/page-2/body")" = '{"data":{"free_model_daily_requests":{"limit":1000}}}' ]
	afmts-fetch --replay "$archive" > "$BATS_TEST_TMPDIR/replay.jsonl"
	[ "$(jq -c 'del(.fetched_at)' "$BATS_TEST_TMPDIR/replay.jsonl")" = "$(jq -c 'del(.fetched_at)' "$BATS_TEST_TMPDIR/fetch.jsonl")" ]
}

@test "an answer without x-ratelimit headers forgets the headers' limits, not the account's" {
	cp "$ROOT/test/fixtures/documented/openrouter-key/credits.json" "$FX/api/v1/key"
	# Per-model budgets: the headers' limits are then the model's own rows, beside the account's.
	edit '.limits.scope = "model"'
	discover "$CANARY"
	m=$(first_free)
	afmts-route --report "$m" --provider openrouter --status 200 --header 'x-ratelimit-limit-requests: 7'
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM ratelimits WHERE kind = 'requests'")" -eq 1 ]
	afmts-route --report "$m" --provider openrouter --status 200
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM ratelimits WHERE kind = 'requests'")" -eq 0 ]
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM ratelimits WHERE kind = 'account:rpd'")" -eq "$NFREE" ]
	afmts-route --state | jq -e --arg m "$m" '.budgets[] | select(.model == $m) | .limits[]
		| select(.window == "rpd") | .limit == 1000 and .source == "learned"'
}

@test "headers tighten the account's figure, whatever the order of their rows" {
	cp "$ROOT/test/fixtures/documented/openrouter-key/credits.json" "$FX/api/v1/key"
	# Headers whose requests figure is a day's; the shared budget's row (model '') sorts first.
	edit '.limits.header_requests = "rpd"'
	discover "$CANARY"
	m=$(first_free)
	afmts-route --report "$m" --provider openrouter --status 200 --header 'x-ratelimit-limit-requests: 100'
	# The :free models' day (1,000 from the account) is now the header's 100; the other
	# free models' (the descriptor's 50) stays.
	[ "$(rpd_state)" = '[[50,"descriptor"],[100,"learned"]]' ]
	# A laxer header than the account's figure changes nothing.
	afmts-route --report "$m" --provider openrouter --status 200 --header 'x-ratelimit-limit-requests: 5000'
	[ "$(rpd_state)" = '[[50,"descriptor"],[1000,"learned"]]' ]
}

@test "a follow step's \"when\" other than \"key\", or without \"keep\", makes the descriptor unusable" {
	edit '.follow[0].when = "always"'
	run afmts-fetch --providers "$PROV" --only openrouter --dry-run
	[ "$status" -ne 0 ]
	[[ "$output" == *'"when" can only be "key"'* ]]
	for keep in 'del(.follow[0].keep)' '.follow[0].keep = null'; do
		edit ".follow[0].when = \"key\" | $keep"
		run afmts-fetch --providers "$PROV" --only openrouter --dry-run
		[ "$status" -ne 0 ]
		[[ "$output" == *'"when": "key" needs "keep"'* ]]
	done
}
