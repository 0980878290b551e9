#!/usr/bin/env bats
# afmts-track: the catalog, its change events and what it must never lose.

load helpers

setup() {
	setup_env
	export AFMTS_DB="$BATS_TEST_TMPDIR/catalog.db"
	OR=$REAL/openrouter
	parse_to openrouter "$OR/roo-code-2025-04-24.json" 2025-04-24T17:54:21Z "$BATS_TEST_TMPDIR/a.jsonl"
	parse_to openrouter "$OR/roo-code-2025-05-23.json" 2025-05-23T00:03:47Z "$BATS_TEST_TMPDIR/b.jsonl"
}

# events NAME: the sorted model ids of change events NAME in $BATS_TEST_TMPDIR/changes.
events() {
	jq -r --arg e "$1" 'select(.type == "change" and .event == $e) | .model' "$BATS_TEST_TMPDIR/changes" | sort
}

# The same sets computed from the two raw files alone, with the free rule of
# OpenRouter's descriptor (both prices 0).
raw_sets() {
	jq -n -r --slurpfile a "$OR/roo-code-2025-04-24.json" --slurpfile b "$OR/roo-code-2025-05-23.json" --arg want "$1" '
		def free: (.pricing.prompt | tonumber) == 0 and (.pricing.completion | tonumber) == 0;
		($a[0].data | map({key: .id, value: free}) | from_entries) as $A
		| ($b[0].data | map({key: .id, value: free}) | from_entries) as $B
		| if $want == "added" then ($B | keys) - ($A | keys)
		  elif $want == "removed" then ($A | keys) - ($B | keys)
		  elif $want == "became_free" then [($B | keys)[] | select($A[.] == false and $B[.] == true)]
		  else [($B | keys)[] | select($A[.] == true and $B[.] == false)] end
		| .[]' | sort
}

@test "two real OpenRouter snapshots: added, removed, became_free and became_paid equal the set differences of the raw files" {
	afmts-track < "$BATS_TEST_TMPDIR/a.jsonl" > /dev/null
	run afmts-track -v < "$BATS_TEST_TMPDIR/b.jsonl"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | grep '^{' > "$BATS_TEST_TMPDIR/changes"
	for e in added removed became_free became_paid; do
		[ "$(events $e)" = "$(raw_sets $e)" ]
	done
	[ -n "$(events added)" ]
	[ -n "$(events removed)" ]
	# The first run added every model of the first snapshot.
	[ "$(sqlite3 "$AFMTS_DB" "select count(*) from changes where run = 1 and event = 'added'")" -eq "$(jq '.data | length' "$OR/roo-code-2025-04-24.json")" ]
}

@test "a new catalog, its WAL files and its route snapshot are private to their owner" {
	umask 022
	db="$BATS_TEST_TMPDIR/new/dir/catalog.db"
	snapshot_catalog "$db"
	[ "$(stat -c %a "$db")" = 600 ]
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/new/dir")" = 700 ]
	AFMTS_DB="$db" afmts-route --refresh > /dev/null
	for f in "$db" "$db-wal" "$db-shm" "$db.route"; do
		[ ! -e "$f" ] || [ "$(stat -c %a "$f")" = 600 ]
	done
	[ -e "$db.route" ]
}

@test "replaying the same input writes no row and prints no change" {
	afmts-track < "$BATS_TEST_TMPDIR/a.jsonl" > /dev/null
	afmts-track < "$BATS_TEST_TMPDIR/b.jsonl" > /dev/null
	before=$(sqlite3 "$AFMTS_DB" 'select (select count(*) from runs), (select count(*) from changes), (select group_concat(last_seen) from models)')
	run afmts-track -v < "$BATS_TEST_TMPDIR/b.jsonl"
	[ "$status" -eq 0 ]
	[ "$output" = "afmts-track: run: 321 model records, 0 changes, 0 usage records added, 0 rows written" ]
	[ "$(sqlite3 "$AFMTS_DB" 'select (select count(*) from runs), (select count(*) from changes), (select group_concat(last_seen) from models)')" = "$before" ]
}

@test "an older snapshot after a newer one is refused, not written backwards" {
	afmts-track < "$BATS_TEST_TMPDIR/b.jsonl" > /dev/null
	before=$(sqlite3 "$AFMTS_DB" 'select count(*), sum(present) from models')
	run afmts-track < "$BATS_TEST_TMPDIR/a.jsonl"
	[ "$status" -eq 1 ]
	[[ "$output" == *"provider openrouter: "*" model records older than the catalog's latest observation: not applied"* ]]
	[[ "$output" == *"provider openrouter: observed at 2025-04-24T17:54:21Z, older than the catalog's latest observation (2025-05-23T00:03:47Z): not applied"* ]]
	[[ "$output" != *'"event"'* ]]
	[ "$(sqlite3 "$AFMTS_DB" 'select count(*), sum(present) from models')" = "$before" ]
}

@test "a provider that fails in a run loses no model, then the next good run resumes" {
	afmts-track < "$BATS_TEST_TMPDIR/a.jsonl" > /dev/null
	n=$(sqlite3 "$AFMTS_DB" 'select count(*) from models where present = 1')
	# A fetch error, then a truncated body: both give a failed provider record.
	echo '{"type":"fetch","provider":"openrouter","fetched_at":"2025-05-01T00:00:00Z","status":0,"error":{"kind":"timeout","message":"no answer"}}' |
		afmts-parse > "$BATS_TEST_TMPDIR/fail.jsonl" || true
	run afmts-track < "$BATS_TEST_TMPDIR/fail.jsonl"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	{ fetchline openrouter "$OR/roo-code-2025-05-23.json" 2025-05-02T00:00:00Z | head -c 30000; echo; } |
		afmts-parse > "$BATS_TEST_TMPDIR/trunc.jsonl" || true
	run afmts-track < "$BATS_TEST_TMPDIR/trunc.jsonl"
	[ -z "$output" ]
	[ "$(sqlite3 "$AFMTS_DB" 'select count(*) from models where present = 1')" -eq "$n" ]
	[ "$(sqlite3 "$AFMTS_DB" "select failures, last_error_kind from providers where name = 'openrouter'")" = "1|timeout" ]
	[ "$(sqlite3 "$AFMTS_DB" "select count(*) from provider_runs where provider = 'openrouter' and ok = 0")" -eq 1 ]
	run afmts-track < "$BATS_TEST_TMPDIR/b.jsonl"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/changes"
	[ "$(events removed)" = "$(raw_sets removed)" ]
	[ "$(sqlite3 "$AFMTS_DB" "select failures from providers where name = 'openrouter'")" -eq 0 ]
}

@test "304 Not Modified keeps every model" {
	afmts-track < "$BATS_TEST_TMPDIR/a.jsonl" > /dev/null
	n=$(sqlite3 "$AFMTS_DB" 'select count(*) from models where present = 1')
	echo '{"type":"fetch","provider":"openrouter","fetched_at":"2025-05-01T00:00:00Z","status":304,"not_modified":true}' |
		afmts-parse | afmts-track > "$BATS_TEST_TMPDIR/out"
	[ ! -s "$BATS_TEST_TMPDIR/out" ]
	[ "$(sqlite3 "$AFMTS_DB" 'select count(*) from models where present = 1')" -eq "$n" ]
}

@test "model records without their provider's complete list remove nothing" {
	afmts-track < "$BATS_TEST_TMPDIR/a.jsonl" > /dev/null
	# A filtered stream: the provider record says more models than were read.
	grep -v 'free' "$BATS_TEST_TMPDIR/b.jsonl" > "$BATS_TEST_TMPDIR/some.jsonl" || true
	jq -c 'select(.type == "model")' "$BATS_TEST_TMPDIR/b.jsonl" | head -n 100 > "$BATS_TEST_TMPDIR/some.jsonl"
	tail -n 1 "$BATS_TEST_TMPDIR/b.jsonl" >> "$BATS_TEST_TMPDIR/some.jsonl"
	run afmts-track < "$BATS_TEST_TMPDIR/some.jsonl"
	[ "$status" -eq 1 ]
	[[ "$output" == *"provider openrouter: its provider record says 321 models but 100 model records were read: not a complete observation, nothing removed"* ]]
	[[ "$output" != *'"event":"removed"'* ]]
}

@test "--export round-trips through afmts-track with no change" {
	afmts-track < "$BATS_TEST_TMPDIR/a.jsonl" > /dev/null
	afmts-track < "$BATS_TEST_TMPDIR/b.jsonl" > /dev/null
	afmts-track --export > "$BATS_TEST_TMPDIR/export.jsonl"
	[ "$(wc -l < "$BATS_TEST_TMPDIR/export.jsonl")" -eq 321 ]
	run afmts-track -v < "$BATS_TEST_TMPDIR/export.jsonl"
	[ "$status" -eq 0 ]
	[ "$output" = "afmts-track: run: 321 model records, 0 changes, 0 usage records added, 0 rows written" ]
	# The export is the parsed records, field for field.
	[ "$(jq -S -c 'select(.type == "model")' "$BATS_TEST_TMPDIR/b.jsonl" | sort | md5sum)" = "$(jq -S -c . "$BATS_TEST_TMPDIR/export.jsonl" | sort | md5sum)" ]
}

@test "--history prints a model's changes, oldest first, as they were printed" {
	afmts-track < "$BATS_TEST_TMPDIR/a.jsonl" > "$BATS_TEST_TMPDIR/c1"
	afmts-track < "$BATS_TEST_TMPDIR/b.jsonl" > "$BATS_TEST_TMPDIR/c2"
	m=$(raw_sets removed | head -n 1)
	run afmts-track --history "$m"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq -r '[.at, .event] | @tsv')" = "$(printf '2025-04-24T17:54:21Z\tadded\n2025-05-23T00:03:47Z\tremoved')" ]
	[ "$output" = "$(cat "$BATS_TEST_TMPDIR/c1" "$BATS_TEST_TMPDIR/c2" | jq -c --arg m "$m" 'select(.model == $m)')" ]
	run afmts-track --history no/such-model
	[ "$status" -eq 1 ]
	[ "$output" = "afmts-track: no history for model 'no/such-model'" ]
}

@test "a removed model that comes back is 'returned'" {
	m=$(raw_sets removed | head -n 1)
	afmts-track < "$BATS_TEST_TMPDIR/a.jsonl" > /dev/null
	afmts-track < "$BATS_TEST_TMPDIR/b.jsonl" > /dev/null
	jq -c --arg m "$m" 'select(.type == "model" and .model == $m) | .observed_at = "2025-06-01T00:00:00Z"' "$BATS_TEST_TMPDIR/a.jsonl" > "$BATS_TEST_TMPDIR/back.jsonl"
	run afmts-track < "$BATS_TEST_TMPDIR/back.jsonl"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq -r '.event + " " + .model')" = "returned $m" ]
}

@test "price and context changes are events with before and after" {
	jq -c 'select(.type == "model" and .model == "openai/gpt-4.1")' "$BATS_TEST_TMPDIR/b.jsonl" > "$BATS_TEST_TMPDIR/one.jsonl"
	afmts-track < "$BATS_TEST_TMPDIR/one.jsonl" > /dev/null
	jq -c '.observed_at = "2025-06-01T00:00:00Z" | .input_price = 0 | .output_price = 0 | .free = true | .context_length = 4096' "$BATS_TEST_TMPDIR/one.jsonl" > "$BATS_TEST_TMPDIR/two.jsonl"
	run afmts-track < "$BATS_TEST_TMPDIR/two.jsonl"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq -r .event | sort | tr '\n' ' ')" = "became_free context_changed price_changed " ]
	[ "$(printf '%s\n' "$output" | jq -c 'select(.event == "price_changed") | [.before, .after]')" = '[{"input_price":2,"output_price":8},{"input_price":0,"output_price":0}]' ]
	[ "$(printf '%s\n' "$output" | jq -c 'select(.event == "context_changed") | [.before, .after]')" = '[{"context_length":1047576},{"context_length":4096}]' ]
}

@test "price tiers are stored, a change of tiers alone is a price_changed event, and the same tiers again change nothing" {
	parse_to openrouter "$ROOT/test/fixtures/synthetic/openrouter-overrides.json" 2026-01-01T00:00:00Z "$BATS_TEST_TMPDIR/t1.jsonl"
	run afmts-track < "$BATS_TEST_TMPDIR/t1.jsonl"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq -c 'select(.model == "example/two-tiers") | .after')" = '{"free":false,"input_price":1,"output_price":4,"price_tiers":[{"min_prompt_tokens":32000,"input_price":2,"output_price":6},{"min_prompt_tokens":128000,"input_price":2,"output_price":8}],"context_length":262144}' ]
	[ "$(sqlite3 "$AFMTS_DB" "select price_tiers from models where model = 'google/gemini-2.5-pro-preview'")" = '[{"min_prompt_tokens":200000,"input_price":2.5,"output_price":15}]' ]
	[ "$(sqlite3 "$AFMTS_DB" "select count(*) from models where price_tiers is null")" -eq 2 ]
	# The same list later: nothing changes.
	parse_to openrouter "$ROOT/test/fixtures/synthetic/openrouter-overrides.json" 2026-01-02T00:00:00Z "$BATS_TEST_TMPDIR/t2.jsonl"
	run afmts-track < "$BATS_TEST_TMPDIR/t2.jsonl"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	# The Gemini tier moves, the base prices stay; the second model loses its tiers.
	jq '(.data[0].pricing.overrides[0].min_prompt_tokens) = 128000 | del(.data[1].pricing.overrides)' \
		"$ROOT/test/fixtures/synthetic/openrouter-overrides.json" > "$BATS_TEST_TMPDIR/moved.json"
	parse_to openrouter "$BATS_TEST_TMPDIR/moved.json" 2026-01-03T00:00:00Z "$BATS_TEST_TMPDIR/t3.jsonl"
	run afmts-track < "$BATS_TEST_TMPDIR/t3.jsonl"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq -r '.event + " " + .model' | sort | tr '\n' ' ')" = "price_changed example/two-tiers price_changed google/gemini-2.5-pro-preview " ]
	[ "$(printf '%s\n' "$output" | jq -c 'select(.model == "google/gemini-2.5-pro-preview") | [.before, .after]')" = '[{"input_price":1.25,"output_price":10,"price_tiers":[{"min_prompt_tokens":200000,"input_price":2.5,"output_price":15}]},{"input_price":1.25,"output_price":10,"price_tiers":[{"min_prompt_tokens":128000,"input_price":2.5,"output_price":15}]}]' ]
	[ "$(printf '%s\n' "$output" | jq -c 'select(.model == "example/two-tiers") | .after')" = '{"input_price":1,"output_price":4,"price_tiers":null}' ]
	[ "$(sqlite3 "$AFMTS_DB" "select count(*) from models where price_tiers is null")" -eq 3 ]
	# The export carries them, and reads back as no change.
	afmts-track --export > "$BATS_TEST_TMPDIR/export.jsonl"
	[ "$(jq -c 'select(.model == "google/gemini-2.5-pro-preview") | .price_tiers' "$BATS_TEST_TMPDIR/export.jsonl")" = '[{"min_prompt_tokens":128000,"input_price":2.5,"output_price":15}]' ]
	run afmts-track < "$BATS_TEST_TMPDIR/export.jsonl"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
}

@test "an empty raw response through afmts-parse --dialect removes nothing" {
	afmts-track < "$BATS_TEST_TMPDIR/a.jsonl" > /dev/null
	n=$(sqlite3 "$AFMTS_DB" 'select count(*) from models where present = 1')
	AFMTS_NOW=2025-06-01T00:00:00Z afmts-parse --dialect openrouter < /dev/null 2>/dev/null | afmts-track > "$BATS_TEST_TMPDIR/out"
	[ ! -s "$BATS_TEST_TMPDIR/out" ]
	[ "$(sqlite3 "$AFMTS_DB" 'select count(*) from models where present = 1')" -eq "$n" ]
	[ "$(sqlite3 "$AFMTS_DB" "select last_error_kind from providers where name = 'openrouter'")" = bad_body ]
}

@test "a provider that suddenly lists no model at all loses none (a glitch, reported)" {
	afmts-track < "$BATS_TEST_TMPDIR/a.jsonl" > /dev/null
	n=$(sqlite3 "$AFMTS_DB" 'select count(*) from models where present = 1')
	echo '{"data":[]}' > "$BATS_TEST_TMPDIR/empty.json"
	parse_to openrouter "$BATS_TEST_TMPDIR/empty.json" 2025-06-01T00:00:00Z "$BATS_TEST_TMPDIR/e.jsonl"
	run afmts-track < "$BATS_TEST_TMPDIR/e.jsonl"
	[ "$status" -eq 1 ]
	[ "$output" = "afmts-track: provider openrouter: listed no model at all (the catalog has $n): taken as a glitch, nothing removed" ]
	[ "$(sqlite3 "$AFMTS_DB" 'select count(*) from models where present = 1')" -eq "$n" ]
}

@test "model lines read without libjq and through libjq make the same catalog and the same changes" {
	# A space after the brace makes every line one the plain reader declines.
	sed 's/^{/{ /' "$BATS_TEST_TMPDIR/a.jsonl" > "$BATS_TEST_TMPDIR/a-spaced.jsonl"
	sed 's/^{/{ /' "$BATS_TEST_TMPDIR/b.jsonl" > "$BATS_TEST_TMPDIR/b-spaced.jsonl"
	for way in plain spaced; do
		export AFMTS_DB="$BATS_TEST_TMPDIR/$way.db"
		suffix=; [ "$way" = spaced ] && suffix=-spaced
		AFMTS_NOW=2025-05-01T00:00:00Z afmts-track "$BATS_TEST_TMPDIR/a$suffix.jsonl" > "$BATS_TEST_TMPDIR/$way.changes"
		AFMTS_NOW=2025-06-01T00:00:00Z afmts-track "$BATS_TEST_TMPDIR/b$suffix.jsonl" >> "$BATS_TEST_TMPDIR/$way.changes"
		sqlite3 "$AFMTS_DB" "SELECT provider, model, record, base_url, key_env, name, family, free_reason,
			context_length, max_output_tokens, input_price, output_price, free, modalities, features,
			limits, first_seen, last_seen, present FROM models ORDER BY provider, model" > "$BATS_TEST_TMPDIR/$way.models"
	done
	[ "$(grep -c . "$BATS_TEST_TMPDIR/plain.models")" -gt 300 ]
	[ "$(grep -c . "$BATS_TEST_TMPDIR/plain.changes")" -gt 300 ]
	cmp "$BATS_TEST_TMPDIR/plain.models" "$BATS_TEST_TMPDIR/spaced.models"
	cmp "$BATS_TEST_TMPDIR/plain.changes" "$BATS_TEST_TMPDIR/spaced.changes"
}
