#!/usr/bin/env bats
# afmts-route's route snapshot (CATALOG.route): decisions from it equal
# decisions from the catalog, state by state; outcomes reach it at once;
# expired judgments, afmts-track runs, damage and a busy lock send the
# decision back to the catalog, never to a wrong answer.

load helpers
bats_require_minimum_version 1.5.0

T0=2026-11-23T12:00:00Z

setup_file() {
	export HOME="$BATS_FILE_TMPDIR/home" AFMTS_DATADIR="$ROOT"
	mkdir -p "$HOME"
	snapshot_catalog "$BATS_FILE_TMPDIR/base.db"
}

setup() {
	setup_env
	DB="$BATS_TEST_TMPDIR/catalog.db"
	cp "$BATS_FILE_TMPDIR/base.db" "$DB"
	export AFMTS_DB="$DB" AFMTS_NOW="$T0"
}

# pick ARGS...: "provider<TAB>model" of the first candidate, from wherever afmts-route decides.
pick() {
	afmts-route --format tsv "$@" | cut -f 2,3
}

# same ARGS...: the route snapshot alone answers, and as the catalog alone does.
same() {
	compare only "$@"
}

# agree ARGS...: afmts-route as it runs (the snapshot while it can answer) says
# what the catalog alone says.
agree() {
	compare "" "$@"
}

compare() {
	local how=$1 fast slow
	shift
	fast=$(AFMTS_ROUTE_SNAPSHOT=$how afmts-route "$@" 2>&1; echo "exit $?")
	slow=$(AFMTS_ROUTE_SNAPSHOT=off afmts-route "$@" 2>&1; echo "exit $?")
	if [ "$fast" != "$slow" ]; then
		echo "afmts-route $* at $AFMTS_NOW:"
		diff <(echo "$slow") <(echo "$fast")
		return 1
	fi
	[[ "$fast" != *"exit 4" ]] || { echo "the snapshot could not answer: $fast"; return 1; }
}

QUERIES=(
	"--count 12"
	"--count 12 --strategy cheapest --max-price 1"
	"--count 12 --strategy fastest"
	"--count 12 --strategy least-used"
	"--count 12 --strategy random --seed 3"
	"--count 40 --all --format json"
	"--need tools --min-context 32000 --count 5 --format tsv"
	"--modality image --count 5"
	"--modality out:audio"
	"--provider groq --count 30 --all"
	"--provider openrouter --count 5"
	"--exclude-provider openrouter,groq --count 8 --format env"
	"--family llama --count 5"
	"--need tools,vision --min-context 5000000"
	"--max-price 0.5 --count 40 --strategy cheapest"
	"--provider zz-lab --count 10 --all"
	"--provider zz-lab --modality out:image"
)

@test "decisions from the route snapshot equal decisions from the catalog, state by state" {
	g1=$(pick --provider groq --count 1 | cut -f 2)
	g2=$(afmts-route --provider groq --count 2 --format tsv | sed -n 2p | cut -f 3)
	n1=$(pick --provider nvidia | cut -f 2)
	o1=$(pick --provider openrouter | cut -f 2)
	[ -n "$g1" ] && [ -n "$g2" ] && [ -n "$n1" ] && [ -n "$o1" ]
	# A throttled model, an open breaker, a benched key, latencies, a used budget.
	afmts-route --report "$g1" --provider groq --status 429 --retry-after 30
	for t in 01 02 03; do
		AFMTS_NOW=2026-11-23T12:00:${t}Z afmts-route --report "$g2" --provider groq --status 503
	done
	AFMTS_NOW=2026-11-23T11:00:00Z afmts-route --report "$n1" --provider nvidia --status 401
	for i in $(seq 20); do
		printf '{"type":"usage","ts":"2026-11-23T10:%02d:00Z","provider":"openrouter","model":"%s","request_id":"s%d","prompt_tokens":10,"completion_tokens":5,"latency_ms":%d,"status":200}\n' \
			"$i" "$o1" "$i" "$((100 + i))"
	done | afmts-track --db "$DB" >/dev/null
	# Shapes the fixtures lack: NULL modalities, prices or context; output other than text.
	jq -n -c '{type: "model", provider: "zz-lab", base_url: "http://127.0.0.1:9/v1",
		key_env: "ZZ_LAB_KEY", observed_at: "2026-11-23T00:00:00Z"} as $m |
		($m + {model: "image-only", free: true, context_length: 2000000, features: ["tools"],
			modalities: {input: ["text"], output: ["image"]}}),
		($m + {model: "no-modalities", free: true, context_length: 1500000}),
		($m + {model: "half-priced", free: false, input_price: 0.1, context_length: 1000}),
		($m + {model: "no-context", free: true}),
		($m + {model: "audio-out", free: true, context_length: 3000,
			modalities: {input: ["text", "image"], output: ["text", "audio"]}})' |
		afmts-track --db "$DB" >/dev/null
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM models WHERE provider = 'zz-lab' AND present")" -eq 5 ]
	for now in 2026-11-23T12:00:04Z 2026-11-23T12:00:31Z 2026-11-23T12:02:00Z \
		2026-11-23T17:00:01Z 2026-11-24T00:00:00Z; do
		export AFMTS_NOW=$now
		# Time has passed since the judgments: each holds or is renewed.
		for q in "${QUERIES[@]}"; do
			# shellcheck disable=SC2086 # each query is several words
			agree $q
		done
		afmts-route --refresh
		for q in "${QUERIES[@]}"; do
			# shellcheck disable=SC2086
			same $q
		done
	done
}

@test "an outcome reaches the very next decision from the snapshot" {
	afmts-route --refresh
	top=$(AFMTS_ROUTE_SNAPSHOT=only pick --provider groq)
	model=${top#*$'\t'}
	afmts-route --report "$model" --provider groq --status 429 --retry-after 30
	[ "$(AFMTS_ROUTE_SNAPSHOT=only pick --provider groq)" != "$top" ]
	same --provider groq --count 5 --all
	# A refused key benches every model of the provider, in the snapshot too.
	afmts-route --report "$model" --provider groq --status 403
	run env AFMTS_ROUTE_SNAPSHOT=only afmts-route --provider groq
	[ "$status" -eq 1 ]
	[[ "$output" == *"benched after HTTP 403"* ]]
	same --provider groq --count 30 --all
}

@test "an expired judgment sends the decision to the catalog, which renews the snapshot" {
	top=$(pick --provider groq)
	model=${top#*$'\t'}
	afmts-route --report "$model" --provider groq --status 429 --retry-after 30
	[ "$(AFMTS_ROUTE_SNAPSHOT=only pick --provider groq)" != "$top" ]
	export AFMTS_NOW=2026-11-23T12:00:30Z
	run env AFMTS_ROUTE_SNAPSHOT=only afmts-route --provider groq
	[ "$status" -eq 4 ]
	[[ "$output" == *"route snapshot cannot answer"* ]]
	# From the catalog, then from the renewed snapshot: tried again.
	[ "$(pick --provider groq)" = "$top" ]
	[ "$(AFMTS_ROUTE_SNAPSHOT=only pick --provider groq)" = "$top" ]
	# A clock that goes back is no more trusted than one past the judgment.
	run env AFMTS_ROUTE_SNAPSHOT=only AFMTS_NOW=2026-11-23T12:00:10Z afmts-route --provider groq
	[ "$status" -eq 4 ]
}

@test "afmts-track drops the snapshot when it writes, and leaves it when it writes nothing" {
	afmts-route --refresh
	[ -s "$DB.route" ]
	line='{"type":"usage","ts":"2026-11-23T11:00:00Z","provider":"groq","model":"llama-3.1-8b-instant","request_id":"t1","status":200}'
	echo "$line" | afmts-track --db "$DB" >/dev/null
	[ ! -e "$DB.route" ]
	run env AFMTS_ROUTE_SNAPSHOT=only afmts-route
	[ "$status" -eq 4 ]
	afmts-route >/dev/null
	[ -s "$DB.route" ]
	echo "$line" | afmts-track --db "$DB" >/dev/null
	[ -s "$DB.route" ]
	same --provider groq --count 3
}

@test "a damaged, foreign or busy snapshot is never trusted and never waited for" {
	afmts-route --refresh
	want=$(AFMTS_ROUTE_SNAPSHOT=off pick --count 5)
	# Cut short: ignored, answered from the catalog, rebuilt.
	head -c 100 "$DB.route" > "$DB.cut" && mv "$DB.cut" "$DB.route"
	run env AFMTS_ROUTE_SNAPSHOT=only afmts-route
	[ "$status" -eq 4 ]
	[ "$(pick --count 5)" = "$want" ]
	[ "$(AFMTS_ROUTE_SNAPSHOT=only pick --count 5)" = "$want" ]
	# Not ours at all.
	head -c 4096 /dev/urandom > "$DB.route"
	[ "$(pick --count 5)" = "$want" ]
	[ "$(AFMTS_ROUTE_SNAPSHOT=only pick --count 5)" = "$want" ]
	# Built from another catalog file (this one replaced): ignored.
	cp "$DB" "$DB.new" && mv "$DB.new" "$DB"
	run env AFMTS_ROUTE_SNAPSHOT=only afmts-route
	[ "$status" -eq 4 ]
	[ "$(pick --count 5)" = "$want" ]
	# A writer holds the lock: the decision asks the catalog instead of waiting.
	flock "$DB.route.lock" sleep 3 &
	sleep 0.5
	SECONDS=0
	run env AFMTS_ROUTE_SNAPSHOT=only afmts-route
	[ "$status" -eq 4 ]
	[ "$(pick --count 5)" = "$want" ]
	[ "$SECONDS" -lt 3 ]
	wait
}

@test "--refresh follows a catalog changed by another program; the snapshot holds no key" {
	export GROQ_API_KEY=canary-snapshot-4321
	afmts-route --refresh
	sqlite3 "$DB" "UPDATE models SET present = 0 WHERE provider = 'groq'"
	afmts-route --refresh
	run env AFMTS_ROUTE_SNAPSHOT=only afmts-route --provider groq
	[ "$status" -eq 1 ]
	same --count 20
	! grep -q canary-snapshot "$DB.route" || false
	run afmts-route --refresh --need tools
	[ "$status" -eq 2 ]
	run afmts-route --refresh --db "$BATS_TEST_TMPDIR/none.db"
	[ "$status" -eq 3 ]
}

@test "CGI /route and /v1/models answer from the snapshot, as the command line does" {
	afmts-route --refresh
	want=$(afmts-route --count 3 --need tools --format json | jq -c '[.candidates[].model]')
	models=$(AFMTS_ROUTE_SNAPSHOT=off afmts-route --count 1000 --format json | jq -c '[.candidates[].model]')
	# A catalog the snapshot has not followed (no AFMTS program did this): a
	# decision from the catalog fails, one from the snapshot still answers.
	sqlite3 "$DB" "ALTER TABLE models RENAME TO models_gone"
	run env AFMTS_ROUTE_SNAPSHOT=off afmts-route
	[ "$status" -eq 4 ]
	run --separate-stderr env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET PATH_INFO=/route \
		QUERY_STRING='count=3&need=tools' afmts-route
	[[ "$output" == "Status: 200"* ]]
	[ "$(printf '%s\n' "$output" | sed '1,/^\r\?$/d' | jq -c '[.candidates[].model]')" = "$want" ]
	run --separate-stderr env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET PATH_INFO=/v1/models \
		QUERY_STRING= afmts-route
	[[ "$output" == "Status: 200"* ]]
	[ "$(printf '%s\n' "$output" | sed '1,/^\r\?$/d' | jq -c '[.data[].id]')" = "$models" ]
}
