#!/usr/bin/env bats
# afmts-route: selection checked against independent jq and sqlite3 queries
# over the same catalog, budgets and the breaker under a controlled clock,
# output formats, --report, and the CGI interface run directly.

load helpers
bats_require_minimum_version 1.5.0

T0=2026-11-23T12:00:00Z

setup_file() {
	export HOME="$BATS_FILE_TMPDIR/home" AFMTS_DATADIR="$ROOT"
	export XDG_STATE_HOME="$BATS_FILE_TMPDIR/state"
	mkdir -p "$HOME"
	snapshot_catalog "$BATS_FILE_TMPDIR/base.db"
	afmts-track --db "$BATS_FILE_TMPDIR/base.db" --export > "$BATS_FILE_TMPDIR/export.jsonl"
}

setup() {
	setup_env
	DB="$BATS_TEST_TMPDIR/catalog.db"
	cp "$BATS_FILE_TMPDIR/base.db" "$DB"
	EXPORT="$BATS_FILE_TMPDIR/export.jsonl"
	export AFMTS_DB="$DB" AFMTS_NOW="$T0"
}

# pick ARGS...: "provider<TAB>model" of afmts-route's candidates.
pick() {
	afmts-route --format tsv "$@" | cut -f 2,3
}

# expect JQ_SELECT N: the first N models the free-first order gives among the
# exported models that pass JQ_SELECT (and give text output), computed by jq.
expect() {
	jq -r -s --argjson n "$2" "map(select((.modalities == null or
		(.modalities.output | index(\"text\"))) and ($1)))
		| sort_by([(if .free then 0 else 1 end), -(.context_length // -1), .provider, .model])
		| .[:\$n][] | \"\(.provider)\t\(.model)\"" "$EXPORT"
}

@test "each constraint picks what jq over the exported catalog picks" {
	check() {	# check JQ_SELECT ARGS...
		local sel=$1
		shift
		want=$(expect "$sel" 5)
		got=$(pick --count 5 "$@")
		[ -n "$want" ] || { echo "empty expectation for $sel"; return 1; }
		[ "$got" = "$want" ] || { echo "for $*:"; echo "want: $want"; echo "got: $got"; return 1; }
	}
	check '.free'
	check '.free and (.features | index("tools"))' --need tools
	check '.free and (.features | index("tools")) and (.features | index("vision"))' --need tools,vision
	check '.free and (.context_length // 0) >= 100000 and (.features | index("json_mode"))' \
		--min-context 100000 --need json_mode
	check '.free and .provider == "groq"' --provider groq
	check '.free and .provider != "openrouter"' --exclude-provider openrouter
	check '.free and .provider != "openrouter" and .provider != "nvidia"' --exclude-provider openrouter,nvidia
	check '.free and .family == "llama"' --family llama
	check '.free and .model == "meta-llama/llama-4-scout:free"' --model meta-llama/llama-4-scout:free
	run afmts-route --model no/such-model
	[ "$status" -eq 1 ]
	# 210: the snapshot's free models (Together's zero-priced one is not free since its free tier ended).
	[ "$output" = "afmts-route: no model fits: model no/such-model leaves none of the 210 models that passed the constraints before it" ]
	check '.free and (.modalities.input | index("image"))' --modality image
	check '.free and (.modalities.output | index("text"))' --modality out:text
	check '(.free or (.input_price != null and .output_price != null and .input_price <= 0.2 and .output_price <= 0.2))' \
		--max-price 0.2
}

@test "cheapest ranks by list price, as sqlite3 computes it" {
	want=$(sqlite3 -separator "$(printf '\t')" "$DB" "SELECT provider, model FROM models
		WHERE present = 1 AND (free = 1 OR (input_price <= 1 AND output_price <= 1))
		AND (modalities IS NULL OR instr(json_extract(modalities, '\$.output'), '\"text\"') > 0)
		AND instr(features, '\"tools\"') > 0
		ORDER BY CASE WHEN free THEN 0 ELSE input_price + output_price END, free DESC,
		context_length DESC, provider, model LIMIT 40")
	got=$(pick --strategy cheapest --max-price 1 --need tools --count 40)
	[ "$got" = "$want" ]
	# Paid ones are among them, after every free one.
	afmts-route --strategy cheapest --max-price 1 --need tools --count 40 | jq -s -e '
		(map(.free) | index(false)) as $i | $i != null and (.[$i:] | all(.free | not))'
}

# usage TS PROVIDER MODEL STATUS LATENCY: one usage line.
usage() {
	printf '{"type":"usage","ts":"%s","provider":"%s","model":"%s","prompt_tokens":10,"completion_tokens":5,"status":%s,"latency_ms":%s}\n' "$@"
}

@test "fastest and least-used follow the usage, as sqlite3 computes from the same rows" {
	{
		for i in 1 2 3; do usage "2026-11-2${i}T10:00:00Z" groq llama-3.1-8b-instant 200 $((300 + i)); done
		usage 2026-11-22T10:00:00Z groq gemma2-9b-it 200 120
		usage 2026-11-22T10:00:01Z groq gemma2-9b-it 500 5
		usage 2026-11-23T09:00:00Z groq qwen/qwen3-32b 200 900
		usage 2026-11-23T09:00:01Z groq qwen/qwen3-32b 200 900
	} | afmts-track --db "$DB" >/dev/null
	want=$(sqlite3 -separator "$(printf '\t')" "$DB" "SELECT u.provider, u.model FROM usage u
		JOIN models m ON m.provider = u.provider AND m.model = u.model AND m.present AND m.free
		WHERE u.provider = 'groq' AND u.status BETWEEN 200 AND 299 AND u.ts >= unixepoch('2026-11-17')
		GROUP BY u.provider, u.model ORDER BY avg(u.latency_ms) LIMIT 3")
	got=$(pick --strategy fastest --provider groq --count 3)
	[ "$got" = "$want" ]
	# Never-measured models come after, in free-first order.
	run afmts-route --strategy fastest --provider groq --count 4
	[ "$(echo "$output" | sed -n 4p | jq -r .why)" != "${output%%$'\n'*}" ]
	echo "$output" | sed -n 4p | jq -e '.score == null'
	# least-used: today's requests ascending: qwen (2 today) is last of those.
	afmts-route --strategy least-used --provider groq --count 40 | jq -s -e '
		(map(.model) | index("qwen/qwen3-32b")) == (length - 1) and .[0].score == 0 and
		.[-1].score == 2'
}

@test "round-robin turns through the list; random is weighted and repeatable by seed" {
	a=$(pick --strategy round-robin --provider groq)
	b=$(pick --strategy round-robin --provider groq)
	c=$(pick --strategy round-robin --provider groq --count 2)
	first=$(expect '.free and .provider == "groq"' 4)
	[ "$a" = "$(echo "$first" | sed -n 1p)" ]
	[ "$b" = "$(echo "$first" | sed -n 2p)" ]
	[ "$c" = "$(echo "$first" | sed -n 3,4p)" ]
	[ "$(pick --strategy random --seed 7 --count 5)" = "$(pick --strategy random --seed 7 --count 5)" ]
	# A provider with no day's budget left is never drawn.
	for i in $(seq 50); do
		usage "$(printf '2026-11-23T08:%02d:00Z' "$i")" openrouter "deepseek/deepseek-r1:free" 200 100 |
			sed "s/\"latency_ms\"/\"request_id\":\"r$i\",\"latency_ms\"/"
	done | afmts-track --db "$DB" >/dev/null
	for s in 1 2 3 4 5; do
		pick --strategy random --seed "$s" --count 10 | grep -v '^openrouter'
	done
}

@test "a model reported 429 with Retry-After 30 is skipped for 30 s, then tried again" {
	top=$(pick --provider groq)
	model=${top#*$'\t'}
	afmts-route --report "$model" --provider groq --status 429 --retry-after 30
	[ "$(pick --provider groq)" != "$top" ]
	AFMTS_NOW=2026-11-23T12:00:29Z afmts-route --provider groq --all --count 40 |
		jq -s -e --arg m "$model" 'map(select(.model == $m))[0].state == "cooldown"'
	[ "$(AFMTS_NOW=2026-11-23T12:00:31Z pick --provider groq)" = "$top" ]
	AFMTS_NOW=2026-11-23T12:00:31Z afmts-route --provider groq | jq -e '.why | test("half-open")'
	# Without Retry-After: 60 s, doubling with each 429 in a row (here the second).
	AFMTS_NOW=2026-11-23T12:00:40Z afmts-route --report "$model" --provider groq --status 429
	[ "$(AFMTS_NOW=2026-11-23T12:02:39Z pick --provider groq)" != "$top" ]
	[ "$(AFMTS_NOW=2026-11-23T12:02:41Z pick --provider groq)" = "$top" ]
}

@test "a model that used its rpd is skipped until the UTC day rolls over" {
	# OpenRouter's free limit, 50 a day, is shared by every free model of it.
	for i in $(seq 50); do
		printf '{"type":"usage","ts":"2026-11-23T08:%02d:00Z","provider":"openrouter","model":"deepseek/deepseek-r1:free","prompt_tokens":1,"completion_tokens":1,"status":200}\n' "$i"
	done | afmts-track --db "$DB" >/dev/null
	run afmts-route --provider openrouter
	[ "$status" -eq 1 ]
	[[ "$output" == *"out of budget (rpd) until 2026-11-24T00:00:00Z"* ]]
	AFMTS_NOW=2026-11-23T23:59:59Z run afmts-route --provider openrouter
	[ "$status" -eq 1 ]
	AFMTS_NOW=2026-11-24T00:00:00Z run afmts-route --provider openrouter
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .provider)" = openrouter ]
	# 49 leave one request: still offered.
	sqlite3 "$DB" "UPDATE usage_daily SET requests = 49"
	run afmts-route --provider openrouter
	[ "$status" -eq 0 ]
}

@test "a per-minute limit frees up as the minute window moves" {
	model=$(pick --provider groq | cut -f 2)
	for i in $(seq 30); do
		printf '{"type":"usage","ts":"2026-11-23T11:59:%02dZ","provider":"groq","model":"%s","request_id":"m%d","prompt_tokens":1,"completion_tokens":1,"status":200}\n' "$((i + 29))" "$model" "$i"
	done | afmts-track --db "$DB" >/dev/null
	[ "$(pick --provider groq | cut -f 2)" != "$model" ]
	[ "$(AFMTS_NOW=2026-11-23T12:00:31Z pick --provider groq | cut -f 2)" = "$model" ]
}

@test "the breaker opens after 3 failures, half-opens after its cooldown, and closes on success" {
	top=$(pick --provider groq)
	model=${top#*$'\t'}
	for t in 00 01; do
		AFMTS_NOW=2026-11-23T12:00:${t}Z afmts-route --report "$model" --provider groq --status 503
	done
	# Two failures: still offered, with a note.
	AFMTS_NOW=2026-11-23T12:00:02Z afmts-route --provider groq | jq -e '.why | test("2 recent failures")'
	AFMTS_NOW=2026-11-23T12:00:02Z afmts-route --report "$model" --provider groq --status 0
	[ "$(AFMTS_NOW=2026-11-23T12:00:03Z pick --provider groq)" != "$top" ]
	[ "$(AFMTS_NOW=2026-11-23T12:00:31Z pick --provider groq)" != "$top" ]
	[ "$(AFMTS_NOW=2026-11-23T12:00:32Z pick --provider groq)" = "$top" ]
	AFMTS_NOW=2026-11-23T12:00:32Z afmts-route --state | jq -e --arg m "$model" \
		'.breakers[] | select(.model == $m) | .state == "half-open" and .failures == 3'
	# The trial fails: open again, for twice as long.
	AFMTS_NOW=2026-11-23T12:00:33Z afmts-route --report "$model" --provider groq --status 500
	[ "$(AFMTS_NOW=2026-11-23T12:01:32Z pick --provider groq)" != "$top" ]
	[ "$(AFMTS_NOW=2026-11-23T12:01:34Z pick --provider groq)" = "$top" ]
	# The next trial works: closed, and no note.
	AFMTS_NOW=2026-11-23T12:01:35Z afmts-route --report "$model" --provider groq --status 200 --latency 80
	AFMTS_NOW=2026-11-23T12:01:36Z afmts-route --provider groq | jq -e '.state == "closed" and (.why | test("fail|half") | not)'
}

@test "401 benches the provider's key, 404 hides the model until the next discovery" {
	model=$(pick --provider groq | cut -f 2)
	afmts-route --report "$model" --provider groq --status 401
	run afmts-route --provider groq
	[ "$status" -eq 1 ]
	[[ "$output" == *"benched after HTTP 401"* ]]
	AFMTS_NOW=2026-11-23T18:00:01Z run afmts-route --provider groq
	[ "$status" -eq 0 ]
	AFMTS_NOW=2026-11-23T18:00:02Z afmts-route --report "$model" --provider groq --status 404
	[ "$(AFMTS_NOW=2026-11-23T18:00:03Z pick --provider groq | cut -f 2)" != "$model" ]
	# A good discovery run after the 404 brings it back.
	printf '{"type":"provider","provider":"groq","ok":true,"models":0,"observed_at":"2026-11-23T19:00:00Z"}\n' |
		AFMTS_NOW=2026-11-23T19:00:00Z afmts-track --db "$DB" 2>/dev/null || true
	sqlite3 "$DB" "UPDATE providers SET last_ok_at = '2026-11-23T19:00:00Z' WHERE name = 'groq'"
	[ "$(AFMTS_NOW=2026-11-23T19:00:01Z pick --provider groq | cut -f 2)" = "$model" ]
}

@test "x-ratelimit headers reported with an outcome hold the model until their reset" {
	model=$(pick --provider groq | cut -f 2)
	afmts-route --report "$model" --provider groq --status 200 \
		--header 'x-ratelimit-remaining-requests: 0' --header 'x-ratelimit-reset-requests: 2m59.56s' \
		--header 'x-ratelimit-remaining-tokens: 5000'
	[ "$(pick --provider groq | cut -f 2)" != "$model" ]
	[ "$(AFMTS_NOW=2026-11-23T12:02:59Z pick --provider groq | cut -f 2)" != "$model" ]
	[ "$(AFMTS_NOW=2026-11-23T12:03:00Z pick --provider groq | cut -f 2)" = "$model" ]
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM ratelimits")" -eq 2 ]
}

@test "nothing fits: exit 1 and the constraint that emptied the list" {
	run afmts-route --need tools,vision --min-context 5000000
	[ "$status" -eq 1 ]
	[[ "$output" == *"--min-context 5000000 leaves none of the"* ]]
	run afmts-route --provider groq --need vision
	[ "$status" -eq 1 ]
	[[ "$output" == *"--need vision leaves none of the 20 models"* ]]
	run afmts-route --family nosuchfamily
	[[ "$output" == *"--family nosuchfamily leaves none"* ]]
}

@test "--format json, env and tsv; env survives a hostile model name through eval" {
	afmts-route --format json --count 3 | jq -e '.candidates | length == 3 and .[2].rank == 3'
	hostile="x'; touch $BATS_TEST_TMPDIR/pwned; echo '\$(id)\`id\`"
	jq -n -c --arg m "$hostile" '{type: "model", provider: "groq", model: $m, free: true,
		context_length: 99999999, base_url: "https://api.groq.com/openai/v1", key_env: "GROQ_API_KEY",
		observed_at: "2026-11-23T00:00:00Z"}' | afmts-track --db "$DB" >/dev/null
	out=$(afmts-route --format env --count 2)
	eval "$out"
	[ "$AFMTS_MODEL" = "$hostile" ]
	[ "$AFMTS_KEY_ENV" = GROQ_API_KEY ]
	[ -n "$AFMTS_MODEL_2" ]
	[ ! -e "$BATS_TEST_TMPDIR/pwned" ]
	afmts-route --count 2 | jq -e -s --arg m "$hostile" '.[0].model == $m'
	[ "$(afmts-route --format tsv | cut -f 3)" = "$hostile" ]
}

@test "--report: unknown or ambiguous models, missing catalog, bad fields" {
	run afmts-route --report no/such-model --status 200
	[ "$status" -eq 2 ]
	[[ "$output" == *"not in the catalog"* ]]
	run afmts-route --report x --status 999
	[ "$status" -eq 2 ]
	run afmts-route --report x --tokens 1
	[ "$status" -eq 2 ]
	run afmts-route --status 200
	[ "$status" -eq 2 ]
	run afmts-route --report x --status 200 --need tools
	[ "$status" -eq 2 ]
	run afmts-route --db "$BATS_TEST_TMPDIR/none.db" --report x --status 200
	[ "$status" -eq 3 ]
	[ ! -e "$BATS_TEST_TMPDIR/none.db" ]
	run afmts-route --db "$BATS_TEST_TMPDIR/none.db"
	[ "$status" -eq 3 ]
	[[ "$output" == *"not found"* ]]
	run afmts-route --report "$(pick --provider groq | cut -f 2)" --status 200 --tokens 12,34 --latency 250
	[ "$status" -eq 0 ]
	[ "$(sqlite3 "$DB" "SELECT prompt_tokens || ',' || completion_tokens || ',' || latency_ms FROM usage")" = 12,34,250 ]
	[ "$(sqlite3 "$DB" "SELECT requests FROM usage_daily")" = 1 ]
}

@test "a provider named foo.bar, a valid descriptor name, is routed to and has its outcomes recorded" {
	jq -n -c '{type: "model", provider: "foo.bar", model: "dotted-1", free: true,
		context_length: 99999999, base_url: "https://foo.bar.example/v1", key_env: "FOO_BAR_KEY",
		observed_at: "2026-11-23T00:00:00Z"}' | afmts-track --db "$DB" >/dev/null
	[ "$(pick --provider foo.bar)" = "foo.bar"$'\t'"dotted-1" ]
	[ "$(pick | cut -f 1)" = foo.bar ]
	[ "$(pick --exclude-provider foo.bar | cut -f 1)" != foo.bar ]
	run afmts-route --report dotted-1 --provider foo.bar --status 200 --latency 42
	[ "$status" -eq 0 ]
	[ "$(sqlite3 "$DB" "SELECT provider || ' ' || model || ' ' || latency_ms FROM usage")" = "foo.bar dotted-1 42" ]
	[ "$(sqlite3 "$DB" "SELECT requests FROM usage_daily WHERE provider = 'foo.bar'")" = 1 ]
	cgi POST /report '' "provider=foo.bar&model=dotted-1&status=200&latency_ms=7"
	[ "$(status_of)" = 200 ]
	[ "$(sqlite3 "$DB" "SELECT requests FROM usage_daily WHERE provider = 'foo.bar'")" = 2 ]
	# What no descriptor can be named is refused alike by routing and by --report.
	for bad in _x a:b Foo.bar; do
		run afmts-route --provider "$bad"
		[ "$status" -eq 2 ]
		run afmts-route --report dotted-1 --provider "$bad" --status 200
		[ "$status" -eq 2 ]
		[[ "$output" == *"provider must be a provider name"* ]]
	done
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM usage")" = 2 ]
}

@test "usage errors exit 2; --help and --version exit 0" {
	run afmts-route --strategy fastest-please
	[ "$status" -eq 2 ]
	run afmts-route --need 'tools;drop'
	[ "$status" -eq 2 ]
	run afmts-route --count 0
	[ "$status" -eq 2 ]
	run afmts-route --format xml
	[ "$status" -eq 2 ]
	run afmts-route extra
	[ "$status" -eq 2 ]
	AFMTS_NOW=yesterday run afmts-route
	[ "$status" -eq 2 ]
	run afmts-route --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--strategy"* ]]
	run afmts-route --version
	[ "$status" -eq 0 ]
}

@test "afmts-route carries neither libjq nor libcurl" {
	# Static (make) or dynamic (make asan): no jq or curl symbol either way.
	run nm "$ROOT/bin/afmts-route"
	[[ "$output" == *sqlite3_prepare_v2* ]]
	[[ "$output" != *jv_parse* ]]
	[[ "$output" != *curl_easy* ]]
	run ldd "$ROOT/bin/afmts-route"
	[[ "$output" != *libjq* ]]
	[[ "$output" != *libcurl* ]]
}

@test "the usage store only writes: it calls nothing of routing" {
	# Its objects, as the Makefile's USAGE_OBJS lists them.
	run nm -u "$ROOT/lib/catalog/usage.o" "$ROOT/lib/catalog/outcome.o"
	[ "$status" -eq 0 ]
	[[ "$output" == *sqlite3_step* ]]
	[[ "$output" != *jv_* ]]
	! grep -E ' (route|routekeep|routesnap|health|budget|decide)_' <<< "$output" || false
}

# cgi METHOD PATH QUERY [BODY]: run afmts-route as a CGI program; sets output.
cgi() {
	if [ -n "${4+x}" ]; then
		run --separate-stderr env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD="$1" PATH_INFO="$2" QUERY_STRING="$3" \
			CONTENT_LENGTH="${#4}" CONTENT_TYPE=application/x-www-form-urlencoded \
			sh -c 'printf %s "$1" | afmts-route' sh "$4"
	else
		run --separate-stderr env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD="$1" PATH_INFO="$2" \
			QUERY_STRING="$3" afmts-route
	fi
}

# status_of: the Status of a CGI reply in $output; body_of: its JSON body.
status_of() { printf '%s\n' "$output" | sed -n '1s/^Status: \([0-9]*\).*/\1/p'; }
body_of() { printf '%s\n' "$output" | sed '1,/^\r*$/d'; }

@test "CGI: /route, /v1/models and /status answer JSON; POST /report records" {
	cgi GET /route 'need=tools&min_context=32000&count=3'
	[ "$(status_of)" = 200 ]
	[[ "$output" == *"Content-Type: application/json"* ]]
	[ "$(body_of | jq -r '.candidates[] | "\(.provider)\t\(.model)"')" = "$(pick --need tools --min-context 32000 --count 3)" ]
	cgi GET /v1/models ''
	[ "$(status_of)" = 200 ]
	n=$(expect '.free' 10000 | wc -l)
	body_of | jq -e --argjson n "$n" '.object == "list" and (.data | length) == $n and .data[0].object == "model"'
	cgi GET /status ''
	body_of | jq -e '.catalog.models > 0 and (.providers | length) == 4'
	model=$(pick --provider groq | cut -f 2)
	cgi POST /report '' "provider=groq&model=$model&status=429&retry_after=30&latency_ms=5"
	[ "$(status_of)" = 200 ]
	[ "$(pick --provider groq | cut -f 2)" != "$model" ]
	cgi GET /v1/models ''
	body_of | jq -e --arg m "$model" '[.data[] | select(.id == $m)] | length == 0'
	cgi GET /v1/models 'all=1'
	body_of | jq -e --arg m "$model" '[.data[] | select(.id == $m)] | length == 1'
	cgi HEAD /status ''
	[ "$(status_of)" = 200 ]
	[ -z "$(body_of)" ]
}

@test "CGI: hostile requests get a 4xx or 503 JSON error, never a crash" {
	check() {	# check STATUS METHOD PATH QUERY [BODY]
		local want=$1
		shift
		cgi "$@"
		[ "$(status_of)" = "$want" ] || { echo "$*: $output"; return 1; }
		body_of | jq -e '.error.message | length > 0' >/dev/null || { echo "$*: $output"; return 1; }
	}
	check 400 GET /route 'need=%zz'
	check 400 GET /route 'need=%'
	check 400 GET /route 'need=tools%00'
	check 400 GET /route "provider=groq'%20OR%201=1--"
	check 400 GET /route 'family=x%22)%3B%20DROP%20TABLE%20models%3B--'
	check 400 GET /route 'bogus=1'
	check 400 GET /route 'min_context=-5'
	check 400 GET /route 'count=1e400'
	check 400 GET /route 'strategy=../../etc/passwd'
	check 400 GET /v1/models 'need=tools'
	check 400 GET /status 'x=1'
	check 414 GET /route "need=$(head -c 5000 /dev/zero | tr '\0' a)"
	check 404 GET /nope ''
	check 404 GET /route/../status ''
	check 405 POST /route ''
	check 405 GET /report ''
	check 413 POST /report '' "$(head -c 9000 /dev/zero | tr '\0' a)"
	check 400 POST /report '' 'model=x&status=abc'
	check 422 POST /report '' 'model=no-such&status=200'
	check 400 POST /report '' 'status=200&model=%'
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM models")" -gt 600 ]
	AFMTS_DB="$BATS_TEST_TMPDIR/missing.db" check 503 GET /route ''
	AFMTS_DB="$BATS_TEST_TMPDIR/missing.db" check 503 POST /report '' 'model=x&status=200'
	[ ! -e "$BATS_TEST_TMPDIR/missing.db" ]
	printf 'not a database' > "$BATS_TEST_TMPDIR/junk.db"
	AFMTS_DB="$BATS_TEST_TMPDIR/junk.db" check 503 GET /status ''
	# A question nobody can answer is still a good question: 200, empty, and why.
	cgi GET /route 'min_context=900000000'
	[ "$(status_of)" = 200 ]
	body_of | jq -e '.candidates == [] and (.message | test("min-context"))'
}

# tier_fits MAX N: "provider<TAB>model" of the synthetic OpenRouter models
# whose price at a prompt of N tokens is at most MAX, computed by jq from the
# raw list: OpenRouter's rule (the overrides whose min_prompt_tokens N
# reaches apply, later ones winning per price; time windows left out).
tier_fits() {
	jq -r --argjson max "$1" --argjson n "$2" '.data[]
		| .pricing as $p
		| [$p.overrides[]? | select(.utc_start == null and .min_prompt_tokens <= $n)] as $a
		| ([$p.prompt] + [$a[].prompt // empty] | last | tonumber * 1e6) as $in
		| ([$p.completion] + [$a[].completion // empty] | last | tonumber * 1e6) as $out
		| select(($in == 0 and $out == 0) or ($in <= $max and $out <= $max))
		| "openrouter\t\(.id)"' "$ROOT/test/fixtures/synthetic/openrouter-overrides.json" | sort
}

@test "--max-price judges a request at the price tier its prompt reaches, just below, at and above each boundary, from the catalog and the snapshot" {
	DB="$BATS_TEST_TMPDIR/tiers.db"
	parse_to openrouter "$ROOT/test/fixtures/synthetic/openrouter-overrides.json" 2026-11-23T00:00:00Z "$BATS_TEST_TMPDIR/t.jsonl"
	afmts-track --db "$DB" < "$BATS_TEST_TMPDIR/t.jsonl" > /dev/null
	afmts-route --db "$DB" --refresh
	for max in 6 12; do
		for n in 0 31999 32000 32001 127999 128000 128001 199999 200000 200001; do
			want=$(tier_fits "$max" "$n")
			for how in off only; do
				got=$(AFMTS_ROUTE_SNAPSHOT=$how afmts-route --db "$DB" --format tsv --count 10 \
					--max-price "$max" --prompt-tokens "$n" | cut -f 2,3 | sort)
				[ "$got" = "$want" ] || { echo "max $max prompt $n ($how): got '$got' want '$want'"; false; }
			done
		done
	done
	# Without --prompt-tokens, the context asked for is the prompt judged.
	[ "$(afmts-route --db "$DB" --format tsv --count 10 --max-price 12 --min-context 200000 | cut -f 3 | sort)" = "example/two-tiers" ]
	[ "$(afmts-route --db "$DB" --format tsv --count 10 --max-price 12 --min-context 199999 | cut -f 3 | sort | tr '\n' ' ')" = "example/two-tiers google/gemini-2.5-pro-preview " ]
	run afmts-route --db "$DB" --prompt-tokens -1
	[ "$status" -eq 2 ]
}
