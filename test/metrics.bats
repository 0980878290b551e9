#!/usr/bin/env bats
# GET /metrics: the Prometheus text format (promtool check metrics), and every
# figure equal to one computed here from the usage rows and the catalog with
# sqlite3, not from the roll-ups the endpoint reads.

load helpers

NOW=2026-11-23T12:00:00Z

setup() {
	setup_env
	DB="$BATS_TEST_TMPDIR/catalog.db"
	export AFMTS_DB="$DB" AFMTS_NOW=$NOW
}

# usage_lines: usage of three providers, hostile model names among them,
# statuses of every class (none, no status), latencies on and around each
# bucket bound and over 120 s, a second day.
usage_lines() {
	local i=0 m s l
	for m in 'openrouter|meta-llama/llama-4-scout:free' 'groq|llama-3.1-8b-instant' \
		'groq|a"b\c{d}=e,f' 'nvidia|<script>alert(1)</script>' 'nvidia|模型 ünïcødé'; do
		for s in 200 200 200 429 500 0 404 none 302; do
			for l in 7 50 51 100 250 999 2500 30000 120000 130000 none; do
				i=$((i + 1))
				jq -n -c --arg pm "$m" --arg s "$s" --arg l "$l" --argjson i "$i" '
					($pm | split("|")) as [$p, $m] |
					{type: "usage", ts: (if $i % 3 == 0 then "2026-11-22T10:00:00Z" else "2026-11-23T11:30:00Z" end),
					 provider: $p, model: $m, prompt_tokens: ($i * 7 % 1000),
					 completion_tokens: ($i * 13 % 500), request_id: ("r\($i)")}
					+ (if $s == "none" then {} else {status: ($s | tonumber)} end)
					+ (if $l == "none" then {} else {latency_ms: ($l | tonumber)} end)'
			done
		done
	done
}

# scrape PROGRAM: GET /metrics through PROGRAM as CGI; the body into $BATS_TEST_TMPDIR/m.
scrape() {
	env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET PATH_INFO=/metrics QUERY_STRING= "$1" \
		> "$BATS_TEST_TMPDIR/raw"
	head -1 "$BATS_TEST_TMPDIR/raw" | grep -q '^Status: 200'
	grep -q '^Content-Type: text/plain; version=0.0.4' "$BATS_TEST_TMPDIR/raw"
	sed '1,/^\r$/d' "$BATS_TEST_TMPDIR/raw" > "$BATS_TEST_TMPDIR/m"
}

# series NAME: the samples of one metric name, sorted.
series() {
	grep "^$1[{ ]" "$BATS_TEST_TMPDIR/m" | LC_ALL=C sort
}

# expect SQL: rows "name|provider|model|label|value" (or "name|provider|||value")
# as sample lines, label values escaped as the format says, sorted.
expect() {
	sqlite3 "$DB" "$1" | python3 -c '
import sys
def esc(s): return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")
for line in sys.stdin.read().split("\n")[:-1]:
    name, p, m, label, value = line.split("|")
    labels = ["provider=\"%s\"" % esc(p)]
    if m: labels.append("model=\"%s\"" % esc(m))
    if label:
        k, v = label.split("=", 1)
        labels.append("%s=\"%s\"" % (k, esc(v)))
    print("%s{%s} %s" % (name, ",".join(labels), value))' | LC_ALL=C sort
}

catalog_with_usage() {
	snapshot_catalog "$DB"
	usage_lines > "$BATS_TEST_TMPDIR/usage.jsonl"
	afmts-track --db "$DB" "$BATS_TEST_TMPDIR/usage.jsonl" > /dev/null
}

CLASS="CASE WHEN status IS NULL THEN 'unknown' WHEN status BETWEEN 100 AND 599 THEN (status / 100) || 'xx' ELSE 'none' END"
OK="(status IS NULL OR status BETWEEN 200 AND 299)"

@test "/metrics passes promtool check metrics, through afmts-route and afmts-gateway alike" {
	command -v promtool > /dev/null || skip "promtool is not installed (make deps installs prometheus)"
	catalog_with_usage
	scrape afmts-route
	run promtool check metrics < "$BATS_TEST_TMPDIR/m"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	cp "$BATS_TEST_TMPDIR/m" "$BATS_TEST_TMPDIR/route.txt"
	scrape afmts-gateway
	# Under CGI the gateway knows no in-flight figure and prints none (nor a waiting one).
	cmp "$BATS_TEST_TMPDIR/m" "$BATS_TEST_TMPDIR/route.txt"
	! grep -q '^afmts_gateway_in_flight\|^afmts_gateway_waiting' "$BATS_TEST_TMPDIR/m" || false
	# Every family has its HELP and TYPE once.
	[ "$(grep -c '^# TYPE ' "$BATS_TEST_TMPDIR/m")" -eq "$(grep '^# TYPE ' "$BATS_TEST_TMPDIR/m" | sort -u | wc -l)" ]
}

@test "/metrics counters equal the usage rows: requests by class, errors, tokens" {
	catalog_with_usage
	scrape afmts-route
	diff <(series afmts_requests_total) <(expect "SELECT 'afmts_requests_total', provider, model,
		'class=' || $CLASS, count(*) FROM usage GROUP BY 2, 3, 4")
	diff <(series afmts_request_errors_total) <(expect "SELECT 'afmts_request_errors_total',
		provider, model, '', count(CASE WHEN NOT $OK THEN 1 END) FROM usage GROUP BY 2, 3")
	diff <(series afmts_tokens_total) <(expect "SELECT 'afmts_tokens_total', provider, model,
		'direction=in', sum(prompt_tokens) FROM usage GROUP BY 2, 3 UNION ALL
		SELECT 'afmts_tokens_total', provider, model, 'direction=out', sum(completion_tokens)
		FROM usage GROUP BY 2, 3")
	# The hostile names are there, escaped.
	grep -qF 'model="a\"b\\c{d}=e,f"' "$BATS_TEST_TMPDIR/m"
	grep -qF 'model="<script>alert(1)</script>"' "$BATS_TEST_TMPDIR/m"
	# 5 models with usage: the model label names them and no other.
	[ "$(series afmts_request_errors_total | wc -l)" -eq 5 ]
	python3 -c 'import re, sys
seen = set(re.findall(r"provider=\"[^\"]*\",model=\"(?:[^\"\\]|\\.)*\"", open(sys.argv[1]).read()))
assert len(seen) == 5, seen' "$BATS_TEST_TMPDIR/m"
}

@test "/metrics latency histogram equals the successful rows' latencies, bucket by bucket" {
	catalog_with_usage
	scrape afmts-route
	q=
	for b in 0.05:50 0.1:100 0.25:250 0.5:500 1:1000 2.5:2500 5:5000 10:10000 20:20000 30:30000 60:60000 120:120000; do
		q="$q SELECT 'afmts_request_duration_seconds_bucket', provider, model, 'le=${b%%:*}',
			count(CASE WHEN $OK AND latency_ms <= ${b#*:} THEN 1 END) FROM usage GROUP BY 2, 3 UNION ALL"
	done
	q="$q SELECT 'afmts_request_duration_seconds_bucket', provider, model, 'le=+Inf',
		count(CASE WHEN $OK THEN latency_ms END) FROM usage GROUP BY 2, 3"
	diff <(series afmts_request_duration_seconds_bucket) <(expect "$q")
	diff <(series afmts_request_duration_seconds_count) <(expect "SELECT
		'afmts_request_duration_seconds_count', provider, model, '',
		count(CASE WHEN $OK THEN latency_ms END) FROM usage GROUP BY 2, 3")
	diff <(series afmts_request_duration_seconds_sum) <(expect "SELECT
		'afmts_request_duration_seconds_sum', provider, model, '',
		printf('%.3f', coalesce(sum(CASE WHEN $OK THEN latency_ms END), 0) / 1000.0)
		FROM usage GROUP BY 2, 3")
}

@test "/metrics provider figures equal the catalog's: models, free models, last discovery" {
	catalog_with_usage
	scrape afmts-route
	diff <(series afmts_provider_free_models) <(expect "SELECT 'afmts_provider_free_models',
		provider, '', '', sum(free) FROM models WHERE present = 1 GROUP BY provider")
	diff <(series afmts_provider_models) <(expect "SELECT 'afmts_provider_models',
		provider, '', '', count(*) FROM models WHERE present = 1 GROUP BY provider")
	diff <(series afmts_provider_last_discovery_age_seconds) <(expect "SELECT
		'afmts_provider_last_discovery_age_seconds', provider, '', '',
		unixepoch('$NOW') - max(unixepoch(observed_at)) FROM provider_runs WHERE ok = 1
		GROUP BY provider")
}

@test "/metrics breaker and budget come from the route snapshot's judgments" {
	catalog_with_usage
	scrape afmts-route
	[ "$(series afmts_route_snapshot_available)" = "afmts_route_snapshot_available 1" ]
	# groq's llama answered 429 last (at 11:30, no Retry-After): cooling down
	# 60 s, long over at 12:00.  One state is 1 for each model in the snapshot.
	grep -qF 'afmts_model_breaker_state{provider="groq",model="llama-3.1-8b-instant",state="closed"} 1' \
		"$BATS_TEST_TMPDIR/m" || grep -qF 'afmts_model_breaker_state{provider="groq",model="llama-3.1-8b-instant",state="half-open"} 1' \
		"$BATS_TEST_TMPDIR/m"
	[ "$(series afmts_model_breaker_state | awk '$2 == 1' | wc -l)" -eq \
		"$(series afmts_model_available_in_seconds | wc -l)" ]
	# A fresh 429 with Retry-After 90: cooling down, back in 90 s.
	afmts-route --report llama-3.1-8b-instant --provider groq --status 429 --retry-after 90
	scrape afmts-route
	grep -qF 'afmts_model_breaker_state{provider="groq",model="llama-3.1-8b-instant",state="cooldown"} 1' "$BATS_TEST_TMPDIR/m"
	grep -qF 'afmts_model_available_in_seconds{provider="groq",model="llama-3.1-8b-instant"} 90' "$BATS_TEST_TMPDIR/m"
	# Models without usage have no model series (cardinality: models with traffic only).
	! grep -q 'model="google/gemini-2.0-flash-exp:free"' "$BATS_TEST_TMPDIR/m" || false
}

@test "the v11 migration fills usage_totals from the usage rows as the writers keep it" {
	catalog_with_usage
	sqlite3 "$DB" 'SELECT * FROM usage_totals ORDER BY 1, 2, 3' > "$BATS_TEST_TMPDIR/kept"
	sqlite3 "$DB" 'DROP TABLE usage_totals; DROP INDEX usage_cached; ALTER TABLE usage DROP COLUMN cached; ALTER TABLE usage DROP COLUMN attempt;
		ALTER TABLE usage_daily DROP COLUMN cached; ALTER TABLE usage_daily DROP COLUMN cached_tokens;
		PRAGMA user_version = 10'
	afmts-track --db "$DB" < /dev/null > /dev/null
	[ "$(sqlite3 "$DB" 'PRAGMA user_version')" -ge 11 ]
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM pragma_table_info('usage') WHERE name = 'cached'")" -eq 1 ]
	sqlite3 "$DB" 'SELECT * FROM usage_totals ORDER BY 1, 2, 3' | diff "$BATS_TEST_TMPDIR/kept" -
}

@test "/metrics refuses parameters and other methods, as the other endpoints do" {
	catalog_with_usage
	run env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET PATH_INFO=/metrics QUERY_STRING=x=1 afmts-route
	[[ "$output" == "Status: 400"* ]]
	run env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST PATH_INFO=/metrics QUERY_STRING= afmts-route
	[[ "$output" == "Status: 405"* ]]
	[[ "$output" == *"Allow: GET, HEAD"* ]]
	rm -f "$DB"
	run env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET PATH_INFO=/metrics QUERY_STRING= afmts-route
	[[ "$output" == "Status: 503"* ]]
}

@test "afmts-gateway's /metrics: attempts and fallbacks as the rows say, and requests in flight" {
	command -v lighttpd > /dev/null || skip "lighttpd is not installed"
	mock_llm "$BATS_TEST_TMPDIR" "$BATS_TEST_TMPDIR/mock.log"
	# Free-first tries the longest context first: r500, then ok; slow streams for 2 s.
	for m in "r500 300000" "ok 100000" "slow 50000"; do
		set -- $m
		jq -n -c --arg mode "$1" --argjson ctx "$2" --arg b "$MOCK/$1/v1" '{type: "model",
			provider: ("p" + $mode), model: ("m-" + $mode), name: $mode, context_length: $ctx,
			free: true, free_reason: "test", modalities: {input: ["text"], output: ["text"]},
			base_url: $b, key_env: "GW_KEY", observed_at: "2026-11-22T00:00:00Z"}'
		jq -n -c --arg mode "$1" '{type: "provider", provider: ("p" + $mode), ok: true,
			models: 1, observed_at: "2026-11-22T00:00:00Z"}'
	done | afmts-track --db "$DB" > /dev/null
	lighttpd_start "$BATS_TEST_TMPDIR" /gw/metrics <<-CONF
	server.modules = ( "mod_fastcgi" )
	server.stream-response-body = 2
	fastcgi.server = ( "/gw" => ((
		"bin-path" => "$ROOT/bin/afmts-gateway",
		"socket" => "$BATS_TEST_TMPDIR/gw.sock",
		"max-procs" => 1,
		"check-local" => "disable",
		"bin-environment" => ( "AFMTS_DB" => "$DB", "AFMTS_NOW" => "$NOW",
			"GW_KEY" => "k", "AFMTS_GATEWAY_WORKERS" => "3" )
	)) )
	CONF
	url="http://127.0.0.1:$PORT/gw"
	curl -s -H 'Content-Type: application/json' --data-binary \
		'{"model":"afmts/auto","messages":[{"role":"user","content":"hi"}]}' "$url/v1/chat/completions" > /dev/null
	# A stream held open while /metrics is read: two requests in flight, the scrape one of them.
	curl -s -N -H 'Content-Type: application/json' --data-binary \
		'{"model":"m-slow","stream":true,"messages":[{"role":"user","content":"hi"}]}' \
		"$url/v1/chat/completions" > "$BATS_TEST_TMPDIR/stream" &
	stream=$!
	for _ in $(seq 50); do [ -s "$BATS_TEST_TMPDIR/stream" ] && break; sleep 0.05; done
	curl -s "$url/metrics" > "$BATS_TEST_TMPDIR/m"
	wait "$stream"
	curl -s "$url/metrics" > "$BATS_TEST_TMPDIR/after"
	lighttpd_stop "$BATS_TEST_TMPDIR"
	kill "$MOCK_PID" 2> /dev/null || true
	[ "$(series afmts_gateway_in_flight_requests)" = "afmts_gateway_in_flight_requests 2" ]
	grep -qx 'afmts_gateway_in_flight_requests 1' "$BATS_TEST_TMPDIR/after"
	# Nothing waits here (test/local.bats counts requests that do).
	grep -qx 'afmts_gateway_waiting_requests 0' "$BATS_TEST_TMPDIR/m"
	cp "$BATS_TEST_TMPDIR/after" "$BATS_TEST_TMPDIR/m"
	diff <(series afmts_gateway_attempts_total) <(expect "SELECT 'afmts_gateway_attempts_total',
		provider, model, '', count(attempt) FROM usage GROUP BY 2, 3 HAVING count(attempt) > 0")
	diff <(series afmts_gateway_fallbacks_total) <(expect "SELECT 'afmts_gateway_fallbacks_total',
		provider, model, '', count(CASE WHEN attempt > 1 THEN 1 END) FROM usage GROUP BY 2, 3
		HAVING count(CASE WHEN attempt > 1 THEN 1 END) > 0")
	[ "$(sqlite3 "$DB" 'SELECT model, attempt FROM usage ORDER BY id' | tr '\n' ' ')" = "m-r500|1 m-ok|2 m-slow|1 " ]
	command -v promtool > /dev/null || return 0
	promtool check metrics < "$BATS_TEST_TMPDIR/m"
}
