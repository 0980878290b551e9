#!/usr/bin/env bats
# Providers that have gone: a descriptor that says "retired", or a models
# endpoint that answers 410 Gone.  Their models are removed once, with the
# reason; they are not asked again; scheduled runs go on without a failure.

load helpers

setup() {
	setup_env
	FX="$BATS_TEST_TMPDIR/root"
	mkdir -p "$FX"
	cp "$REAL/groq/hacka-re-2025-09-02.extracted.json" "$FX/list.json"
	N=$(jq '.data | length' "$FX/list.json")
	start_server "$FX"
	# Shipped parsers and schema, but only this test's providers: no network.
	DATA="$BATS_TEST_TMPDIR/data"
	mkdir -p "$DATA/parsers/providers"
	cp -r "$ROOT/parsers/dialects" "$ROOT/parsers/prelude.jq" "$ROOT/parsers/families" \
		"$ROOT/parsers/features" "$DATA/parsers/"
	cp -r "$ROOT/sql" "$DATA/"
	export AFMTS_DATADIR="$DATA" AFMTS_CONFIG="$BATS_TEST_TMPDIR/conf"
	mkdir -p "$AFMTS_CONFIG/providers"
	export AFMTS_DB="$BATS_TEST_TMPDIR/catalog.db"
	STATE="$BATS_TEST_TMPDIR/state"
}

teardown() {
	stop_server
}

# provider URL [JQ]: the descriptor of provider "oldp".
provider() {
	jq -n --arg u "$1" --arg b "$BASE" '{name: "oldp", base_url: $b, models_url: $u,
		public: true, dialect: "openai", free: {rule: "all", source: "https://example.invalid/terms", checked: "2026-12-01"},
		data_use: {trains_on_prompts: false, source: "https://example.invalid/terms", checked: "2026-12-01"}}' | jq "${2:-.}" \
		> "$AFMTS_CONFIG/providers/oldp.json"
}

# discover: one afmts-discover run; its exit status in $status.
discover() {
	run afmts_discover
}

afmts_discover() {
	"$ROOT/schedule/afmts-discover" --state "$STATE" -- --backoff 10 --retries 0
}

present() {
	sqlite3 "$AFMTS_DB" "select count(*) from models where provider = 'oldp' and present = 1"
}

requests() {
	grep -c 'list.json' "$SERVER_LOG" || true
}

@test "a descriptor that says retired: not asked, its models removed once with the reason, exit 0" {
	provider "$BASE/list.json"
	# Seen the day before.
	yesterday=$(date -u -d yesterday +%FT12:00:00Z)
	AFMTS_NOW=$yesterday discover
	[ "$status" -eq 0 ]
	[ "$(present)" -eq "$N" ]
	[ "$(requests)" -eq 1 ]
	provider "$BASE/list.json" '.retired = "2026-07-30" |
		.retired_source = "https://github.blog/changelog/2026-07-30-github-models-is-now-retired/"'
	AFMTS_DATADIR="$DATA" run afmts-fetch --dry-run
	[ "$(cut -f3,4 <<< "$output")" = "$(printf 'not fetched\tretired since 2026-07-30: provider retired')" ]
	: > "$STATE/changes.jsonl"
	discover
	[ "$status" -eq 0 ]
	[ "$(requests)" -eq 1 ]		# not asked
	[ "$(present)" -eq 0 ]
	[ "$(jq -s 'map(select(.event == "removed")) | length' "$STATE/changes.jsonl")" -eq "$N" ]
	[ "$(jq -s -c 'map(.after) | unique' "$STATE/changes.jsonl")" = '[{"reason":"provider retired","since":"2026-07-30"}]' ]
	[ "$(sqlite3 "$AFMTS_DB" "select retired_at, retired_reason from providers where name = 'oldp'")" = \
		"2026-07-30|provider retired" ]
	# Once: the next run changes nothing and still asks nothing.
	: > "$STATE/changes.jsonl"
	discover
	[ "$status" -eq 0 ]
	[ ! -s "$STATE/changes.jsonl" ]
	[ "$(requests)" -eq 1 ]
	# /status and the report say so.
	QUERY_STRING= REQUEST_METHOD=GET PATH_INFO=/status GATEWAY_INTERFACE=CGI/1.1 \
		afmts-route | sed '1,/^\r*$/d' | jq -e '.providers[] | select(.name == "oldp") |
		.retired == {since: "2026-07-30", reason: "provider retired"} and .models == 0'
	day=$(date -u +%F)
	AFMTS_DATADIR="$ROOT" run afmts-report --day "$day" --format csv --section summary
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "oldp,0,0,$N,-$N,2026-07-30"$'\r' ]	# CSV lines end in CRLF
	# It comes back when its descriptor no longer says so and it lists models.
	provider "$BASE/list.json"
	discover
	[ "$status" -eq 0 ]
	[ "$(present)" -eq "$N" ]
	[ -z "$(sqlite3 "$AFMTS_DB" "select retired_at from providers where name = 'oldp'")" ]
}

@test "a models endpoint that answers 410 Gone: models removed once, not asked again, exit 0" {
	provider "$BASE/list.json"
	discover
	[ "$(present)" -eq "$N" ]
	provider "$BASE/list.json?status=410"
	: > "$STATE/changes.jsonl"
	discover
	[ "$status" -eq 0 ]
	[ "$(requests)" -eq 2 ]
	[ "$(present)" -eq 0 ]
	day=$(date -u +%F)
	[ "$(jq -s -c 'map(.after) | unique' "$STATE/changes.jsonl")" = "[{\"reason\":\"gone (410)\",\"since\":\"$day\"}]" ]
	[ "$(sqlite3 "$AFMTS_DB" "select retired_reason, failures from providers where name = 'oldp'")" = "gone (410)|0" ]
	# Not asked again: the fetch cache remembers the list is gone.
	: > "$STATE/changes.jsonl"
	discover
	[ "$status" -eq 0 ]
	[ "$(requests)" -eq 2 ]
	[ ! -s "$STATE/changes.jsonl" ]
	grep -q 'afmts-fetch exit 0, afmts-parse exit 0, afmts-track exit 0' "$STATE"/logs/discover-*.log
}

@test "a 410 on a later page is an incomplete list, not a retirement" {
	provider "$BASE/list.json?paged=openrouter&size=5&bad_page=2&bad_status=410" \
		'.pages = {items: "data", next_url: "links.next"}'
	AFMTS_DATADIR="$DATA" run afmts-fetch --retries 0
	[ "$status" -eq 1 ]
	[[ "$output" == *'"kind":"incomplete","message":"page 2: '* ]]
	[[ "$output" != *'"retired"'* ]]
}

@test "retired and retired_source are checked when the descriptor is loaded" {
	for bad in '.retired = "July 30"' '.retired = 20260730' '.retired = "2026-13-01"' \
		'.retired = "2026-07-30" | .retired_source = "ftp://x"'; do
		provider "$BASE/list.json" "$bad"
		run afmts-fetch --dry-run
		[ "$status" -eq 1 ]
		[[ "$output" == *"oldp.json: bad descriptor: \"retired"* ]]
	done
}
