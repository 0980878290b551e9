#!/usr/bin/env bats
# afmts-track under stress: killed runs, two writers, bad input, old catalogs,
# usage ingestion.  Load is bounded: at most 8 kills of a run of 40,000 records.

load helpers

setup() {
	setup_env
	export AFMTS_DB="$BATS_TEST_TMPDIR/catalog.db"
	GEN=$ROOT/test/bench/gen
}

@test "SIGKILL at random points of a large ingest leaves the whole run or none of it" {
	"$GEN" models 40000 --at 2026-11-22T00:00:00Z > "$BATS_TEST_TMPDIR/big.jsonl"
	"$GEN" models 2000 --provider small --at 2026-11-21T00:00:00Z | afmts-track > /dev/null
	for i in 1 2 3 4 5 6 7 8; do
		afmts-track < "$BATS_TEST_TMPDIR/big.jsonl" > /dev/null 2>&1 &
		pid=$!
		sleep "0.$(( (RANDOM % 60) + i * 3 ))"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		[ "$(sqlite3 "$AFMTS_DB" 'pragma integrity_check')" = ok ]
		n=$(sqlite3 "$AFMTS_DB" "select count(*) from models where provider = 'synth'")
		[ "$n" -eq 0 ] || [ "$n" -eq 40000 ]
		c=$(sqlite3 "$AFMTS_DB" "select count(*) from changes where provider = 'synth'")
		[ "$c" -eq "$n" ]
		[ "$(sqlite3 "$AFMTS_DB" "select count(*) from models where provider = 'small'")" -eq 2000 ]
	done
	afmts-track < "$BATS_TEST_TMPDIR/big.jsonl" > /dev/null
	[ "$(sqlite3 "$AFMTS_DB" "select count(*) from models where provider = 'synth'")" -eq 40000 ]
}

@test "two afmts-track started at once both finish, one after the other" {
	"$GEN" models 20000 --provider one > "$BATS_TEST_TMPDIR/one.jsonl"
	"$GEN" models 20000 --provider two > "$BATS_TEST_TMPDIR/two.jsonl"
	afmts-track < /dev/null
	afmts-track < "$BATS_TEST_TMPDIR/one.jsonl" > "$BATS_TEST_TMPDIR/c1" & p1=$!
	afmts-track < "$BATS_TEST_TMPDIR/two.jsonl" > "$BATS_TEST_TMPDIR/c2" & p2=$!
	wait "$p1"
	wait "$p2"
	[ "$(wc -l < "$BATS_TEST_TMPDIR/c1")" -eq 20000 ]
	[ "$(wc -l < "$BATS_TEST_TMPDIR/c2")" -eq 20000 ]
	[ "$(sqlite3 "$AFMTS_DB" 'select count(*) from models')" -eq 40000 ]
	[ "$(sqlite3 "$AFMTS_DB" 'pragma integrity_check')" = ok ]
}

@test "a writer that cannot get the catalog in time fails with 'catalog busy' and exit 3" {
	afmts-track < /dev/null
	# Hold the write lock from another process for a while.
	( printf 'begin immediate;\n'; sleep 3; printf 'commit;\n' ) | sqlite3 "$AFMTS_DB" &
	holder=$!
	sleep 0.5
	"$GEN" models 10 | { run afmts-track --busy-timeout 200; echo "$status|$output" > "$BATS_TEST_TMPDIR/r"; }
	wait "$holder"
	IFS='|' read -r st msg < "$BATS_TEST_TMPDIR/r"
	[ "$st" -eq 3 ]
	[[ "$msg" == "afmts-track: catalog busy: another afmts-track holds it"* ]]
	[ "$(sqlite3 "$AFMTS_DB" 'select count(*) from models')" -eq 0 ]
}

@test "bad records are named by line and write nothing; the good ones apply" {
	big=$(head -c 10485760 /dev/zero | tr '\0' a)
	good='{"type":"model","provider":"p","model":"ok","free":true,"observed_at":"2026-11-22T00:00:00Z"}'
	{
		echo '{"type":"weird"}'
		echo '{"type":"model","provider":"p","free":true,"observed_at":"2026-11-22T00:00:00Z"}'
		echo '{"type":"model","provider":"p","model":7,"free":true,"observed_at":"2026-11-22T00:00:00Z"}'
		echo '{"type":"model","provider":"p","model":"x","free":"yes","observed_at":"2026-11-22T00:00:00Z"}'
		echo '{"type":"model","provider":"p","model":"x","free":false,"input_price":1e308,"observed_at":"2026-11-22T00:00:00Z"}'
		echo '{"type":"usage","ts":"2026-11-22T00:00:00Z","provider":"p","model":"x","prompt_tokens":-5}'
		echo '{"type":"usage","ts":"yesterday","provider":"p","model":"x"}'
		printf '{"type":"model","provider":"p","model":"%s","free":true,"observed_at":"2026-11-22T00:00:00Z"}\n' "$big"
		echo "$good"
		echo '{"type":"provider","provider":"p","ok":true,"models":9,"observed_at":"2026-11-22T00:00:00Z"}'
	} > "$BATS_TEST_TMPDIR/bad.jsonl"
	run afmts-track < "$BATS_TEST_TMPDIR/bad.jsonl"
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" | grep '^afmts-track' > "$BATS_TEST_TMPDIR/err"
	grep -q '^afmts-track: stdin:1: not a model, provider or usage record$' "$BATS_TEST_TMPDIR/err"
	grep -q '^afmts-track: stdin:2: "model" must be a string' "$BATS_TEST_TMPDIR/err"
	grep -q '^afmts-track: stdin:3: "model" must be a string' "$BATS_TEST_TMPDIR/err"
	grep -q '^afmts-track: stdin:4: "free" must be true or false$' "$BATS_TEST_TMPDIR/err"
	grep -q '^afmts-track: stdin:5: "input_price" must be a number from 0 to 1e6' "$BATS_TEST_TMPDIR/err"
	grep -q '^afmts-track: stdin:6: "prompt_tokens" must be a whole number' "$BATS_TEST_TMPDIR/err"
	grep -q '^afmts-track: stdin:7: "ts" must be an RFC 3339 time$' "$BATS_TEST_TMPDIR/err"
	grep -q '^afmts-track: stdin:8: line longer than 1048576 bytes, skipped$' "$BATS_TEST_TMPDIR/err"
	[ "$(sqlite3 "$AFMTS_DB" 'select group_concat(model) from models')" = ok ]
	[ "$(sqlite3 "$AFMTS_DB" 'select count(*) from usage')" -eq 0 ]
	# Refused records mean the provider was not seen whole: nothing may be removed.
	grep -q 'provider p: a model record was refused in this run: nothing removed' "$BATS_TEST_TMPDIR/err"
}

@test "a catalog of schema version 1 is migrated in place, keeping its rows" {
	sqlite3 "$AFMTS_DB" < "$ROOT/sql/001-catalog.sql"
	sqlite3 "$AFMTS_DB" "pragma user_version = 1; insert into models (provider, model, free, record, first_seen, last_seen) values ('old', 'm', 1, '{}', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')"
	run afmts-track < /dev/null
	[ "$status" -eq 0 ]
	[ "$(sqlite3 "$AFMTS_DB" 'pragma user_version')" -eq "$(ls "$ROOT"/sql/[0-9][0-9][0-9]-*.sql | wc -l)" ]
	[ "$(sqlite3 "$AFMTS_DB" "select model from models where provider = 'old'")" = m ]
	[ "$(sqlite3 "$AFMTS_DB" 'select count(*) from usage')" -eq 0 ]
}

@test "usage rows of a version 2 catalog survive the migrations: times become numbers, models get keys, clients get counts" {
	cat "$ROOT/sql/001-catalog.sql" "$ROOT/sql/002-usage-health.sql" | sqlite3 "$AFMTS_DB"
	sqlite3 "$AFMTS_DB" "pragma user_version = 2;
		insert into usage (ts, provider, model, prompt_tokens, status, client, dedupe) values
		('2026-11-22T10:00:00Z', 'groq', 'a', 5, 200, 'alice', 1),
		('2026-11-22T11:00:00+01:00', 'groq', 'b', 7, 429, 'alice', 2),
		('2026-11-23T00:00:01Z', 'nvidia', 'a', 9, 200, NULL, 3)"
	run afmts-track < /dev/null
	[ "$status" -eq 0 ]
	[ "$(sqlite3 "$AFMTS_DB" "select datetime(ts, 'unixepoch'), m.provider = u.provider and m.model = u.model
		from usage u join usage_models m on m.id = u.mid order by u.id" | tr '\n' ' ')" = \
		"2026-11-22 10:00:00|1 2026-11-22 10:00:00|1 2026-11-23 00:00:01|1 " ]
	[ "$(sqlite3 "$AFMTS_DB" 'select count(*) from usage_models')" -eq 3 ]
	[ "$(sqlite3 "$AFMTS_DB" 'select * from usage_clients')" = "alice|2026-11-22|2" ]
	[ "$(sqlite3 "$AFMTS_DB" 'select provider, model, day, requests, errors from usage_daily order by 1, 2, 3' | tr '\n' ' ')" = \
		"groq|a|2026-11-22|1|0 groq|b|2026-11-22|1|1 nvidia|a|2026-11-23|1|0 " ]
	# New rows of a known model take its key; the same record again is not stored twice.
	echo '{"type":"usage","ts":"2026-11-23T00:00:02Z","provider":"groq","model":"a","prompt_tokens":1,"completion_tokens":1}' > "$BATS_TEST_TMPDIR/u.jsonl"
	afmts-track "$BATS_TEST_TMPDIR/u.jsonl"
	afmts-track "$BATS_TEST_TMPDIR/u.jsonl"
	[ "$(sqlite3 "$AFMTS_DB" "select count(*), count(distinct mid) from usage where provider = 'groq' and model = 'a'")" = "2|1" ]
	[ "$(sqlite3 "$AFMTS_DB" 'select count(*) from usage_models')" -eq 3 ]
}

@test "a catalog from a newer AFMTS is refused with exit 4, untouched" {
	sqlite3 "$AFMTS_DB" 'pragma user_version = 99; create table x (y)'
	run afmts-track < /dev/null
	[ "$status" -eq 4 ]
	[ "$output" = "afmts-track: catalog: schema version 99 is newer than this AFMTS knows ($(ls "$ROOT"/sql/[0-9][0-9][0-9]-*.sql | wc -l))" ]
	[ "$(sqlite3 "$AFMTS_DB" 'pragma user_version')" -eq 99 ]
}

@test "usage records are stored once, by request_id or by content" {
	"$GEN" usage 500 > "$BATS_TEST_TMPDIR/u.jsonl"
	echo '{"type":"usage","ts":"2026-11-22T10:00:00Z","provider":"synth","model":"m","prompt_tokens":5,"completion_tokens":1}' >> "$BATS_TEST_TMPDIR/u.jsonl"
	run afmts-track -v < "$BATS_TEST_TMPDIR/u.jsonl"
	[ "$status" -eq 0 ]
	[ "$output" = "afmts-track: run: 0 model records, 0 changes, 501 usage records added, 503 rows written" ]
	run afmts-track -v < "$BATS_TEST_TMPDIR/u.jsonl"
	[ "$output" = "afmts-track: run: 0 model records, 0 changes, 0 usage records added, 0 rows written" ]
	[ "$(sqlite3 "$AFMTS_DB" 'select count(*), sum(prompt_tokens) from usage')" = "501|$(jq -s 'map(.prompt_tokens) | add' "$BATS_TEST_TMPDIR/u.jsonl")" ]
}

@test "a request is its request_id at its second: the same id at another second is another request" {
	u='{"type":"usage","ts":"2026-11-22T10:00:00Z","provider":"synth","model":"m","prompt_tokens":5,"completion_tokens":1,"request_id":"abc"}'
	printf '%s\n%s\n' "$u" "${u/10:00:00Z/10:00:00.400Z}" | afmts-track
	[ "$(sqlite3 "$AFMTS_DB" 'select count(*) from usage')" -eq 1 ]
	echo "${u/10:00:00/10:00:01}" | afmts-track
	[ "$(sqlite3 "$AFMTS_DB" 'select count(*) from usage')" -eq 2 ]
	[ "$(sqlite3 "$AFMTS_DB" 'select requests from usage_daily')" -eq 2 ]
}

@test "per-day totals (models, clients), added up in memory and flushed past 4096 keys, equal a GROUP BY over the rows" {
	# 6000 models over two days (12000 totals: two flushes in the run and the
	# rest at its end), mixed statuses, missing latencies; then the same lines
	# again with more, so that totals add up across runs and duplicates count once.
	awk 'BEGIN {
		for (i = 0; i < 15000; i++) {
			m = i % 6000; day = (int(i / 6000) % 2) ? "2026-11-21" : "2026-11-22"
			st = (i % 7 == 0) ? 429 : (i % 11 == 0) ? "null" : 200
			lat = (i % 5 == 0) ? "null" : 100 + i % 37
			client = (i % 3 == 0) ? "null" : "\"c" (i % 4) "\""
			cached = (i % 13 == 0) ? ",\"cached\":true" : ""
			printf "{\"type\":\"usage\",\"ts\":\"%sT%02d:%02d:%02dZ\",\"provider\":\"synth\",\"model\":\"m%d\",\"prompt_tokens\":%d,\"completion_tokens\":%d,\"latency_ms\":%s,\"status\":%s,\"client\":%s,\"request_id\":\"r%d\"%s}\n", day, i % 24, i % 60, i % 60, m, i % 100, i % 9, lat, st, client, i, cached
		}
	}' > "$BATS_TEST_TMPDIR/u.jsonl"
	head -9000 "$BATS_TEST_TMPDIR/u.jsonl" > "$BATS_TEST_TMPDIR/first.jsonl"
	afmts-track "$BATS_TEST_TMPDIR/first.jsonl"
	afmts-track "$BATS_TEST_TMPDIR/u.jsonl"
	[ "$(sqlite3 "$AFMTS_DB" 'select count(*) from usage')" -eq 15000 ]
	sqlite3 "$AFMTS_DB" 'SELECT * FROM usage_daily ORDER BY provider, model, day' > "$BATS_TEST_TMPDIR/daily"
	sqlite3 "$AFMTS_DB" "SELECT provider, model, date(ts, 'unixepoch'), count(*),
		sum(status IS NOT NULL AND status NOT BETWEEN 200 AND 299), sum(prompt_tokens), sum(completion_tokens),
		coalesce(sum(CASE WHEN status IS NULL OR status BETWEEN 200 AND 299 THEN latency_ms END), 0),
		count(CASE WHEN status IS NULL OR status BETWEEN 200 AND 299 THEN latency_ms END),
		count(CASE WHEN cached = 1 THEN 1 END),
		coalesce(sum(CASE WHEN cached = 1 THEN prompt_tokens + completion_tokens END), 0)
		FROM usage GROUP BY 1, 2, 3 ORDER BY 1, 2, 3" > "$BATS_TEST_TMPDIR/rows"
	[ "$(wc -l < "$BATS_TEST_TMPDIR/daily")" -eq 12000 ]
	[ "$(sqlite3 "$AFMTS_DB" 'SELECT sum(cached) FROM usage_daily')" -eq "$(sqlite3 "$AFMTS_DB" 'SELECT count(*) FROM usage WHERE cached = 1')" ]
	[ "$(sqlite3 "$AFMTS_DB" 'SELECT count(*) FROM usage WHERE cached = 1')" -gt 1000 ]
	diff "$BATS_TEST_TMPDIR/rows" "$BATS_TEST_TMPDIR/daily"
	# Each client's requests per day (afmts-gateway's daily budgets).
	# (Two sqlite3 at once: either may find the other setting up the WAL index.)
	diff <(sqlite3 -cmd '.timeout 5000' "$AFMTS_DB" "SELECT client, date(ts, 'unixepoch'), count(*)
		FROM usage WHERE client IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2") \
		<(sqlite3 -cmd '.timeout 5000' "$AFMTS_DB" 'SELECT * FROM usage_clients ORDER BY 1, 2')
	[ "$(sqlite3 "$AFMTS_DB" 'SELECT count(*) FROM usage_clients')" -eq 8 ]
	# Latency percentiles from the histograms equal those from the rows.
	diff <(afmts-report --from 2026-11-21 --to 2026-11-23 --format csv --section usage) \
		<(afmts-report --from 2026-11-21 --to 2026-11-23 --format csv --section usage --from-usage)
}

@test "the catalog is created under the XDG state dir by default, private" {
	unset AFMTS_DB
	afmts-track < /dev/null
	[ -f "$XDG_STATE_HOME/afmts/catalog.db" ]
	[ "$(stat -c %a "$XDG_STATE_HOME/afmts")" = 700 ]
}

@test "usage errors exit 2; --help and --version exit 0" {
	run afmts-track --export extra-file
	[ "$status" -eq 2 ]
	run afmts-track --provider x
	[ "$status" -eq 2 ]
	run afmts-track --busy-timeout -1
	[ "$status" -eq 2 ]
	run afmts-track --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--history MODEL"* ]]
	run afmts-track --version
	[[ "$output" =~ ^afmts-track\ [0-9.]+$ ]]
}
