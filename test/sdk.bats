#!/usr/bin/env bats
# The official openai npm package (test/sdk, installed by make deps) against
# afmts-gateway as afmts-serve runs it (lighttpd, FastCGI), forwarding to
# test/mock-llm on loopback.  Each test runs one scenario of
# test/sdk/scenarios.mjs, which says what the client saw; the test adds what
# only the server side can see (the mock's log, the catalog's usage rows).

load helpers

# The client key of the gateway with client keys.
SDK_KEY="sdk-client-key-0123456789abcdef"

# Without the SDK (or node, or lighttpd) every test is skipped, saying why
# (bats 1.8 cannot skip in setup_file: setup does, from SDK_SKIP).
setup_file() {
	if [ ! -d "$ROOT/test/sdk/node_modules/openai" ]; then
		export SDK_SKIP="test/sdk/node_modules is absent: make deps installs the openai npm package there"
	elif ! command -v node > /dev/null; then
		export SDK_SKIP="node is not installed (make deps installs it)"
	elif ! command -v lighttpd > /dev/null && [ ! -x /usr/sbin/lighttpd ]; then
		export SDK_SKIP="lighttpd is not installed (make deps installs it)"
	fi
	[ -z "${SDK_SKIP:-}" ] || return 0
	export HOME="$BATS_FILE_TMPDIR/home" AFMTS_DATADIR="$ROOT" TMPDIR="$BATS_FILE_TMPDIR/tmp"
	export XDG_CONFIG_HOME="$BATS_FILE_TMPDIR/config" XDG_STATE_HOME="$BATS_FILE_TMPDIR/state"
	unset AFMTS_CONFIG AFMTS_DB AFMTS_NOW AFMTS_GATEWAY_KEYS OPENAI_API_KEY OPENAI_BASE_URL
	mkdir -p "$HOME" "$TMPDIR"
	export GW_KEY=canary-sdk-provider-key-77d2
	MOCK_LOG="$BATS_FILE_TMPDIR/mock.log"
	: > "$MOCK_LOG"
	mock_llm "$BATS_FILE_TMPDIR" "$MOCK_LOG"
	DB="$BATS_FILE_TMPDIR/catalog.db"
	sdk_catalog "$DB"
	printf '%s' "$SDK_KEY" | afmts-gateway --hash-key sdk > "$BATS_FILE_TMPDIR/clients"
	serve main --db "$DB"
	AFMTS_URL="http://127.0.0.1:$SERVED_PORT/v1"
	serve keyed --db "$DB" --procs 2 --keys "$BATS_FILE_TMPDIR/clients"
	AFMTS_KEYED_URL="http://127.0.0.1:$SERVED_PORT/v1"
	export DB MOCK_LOG AFMTS_URL AFMTS_KEYED_URL
}

setup() {
	[ -z "${SDK_SKIP:-}" ] || skip "$SDK_SKIP"
}

teardown_file() {
	for f in "$BATS_FILE_TMPDIR"/serve-*.pid "$BATS_FILE_TMPDIR/mock.pid"; do
		[ ! -f "$f" ] || kill "$(cat "$f")" 2> /dev/null || true
	done
}

# sdk_catalog DB: one free model per behaviour, each of its own provider (one
# model's 429s or failures never bench another's), m-NAME served by the mock
# mode of the table, with the features the scenarios need.
sdk_catalog() {
	{
		while read -r model mode features input; do
			jq -n -c --arg m "$model" --arg b "$MOCK/$mode/v1" --arg f "$features" --arg i "$input" \
				'{type: "model", provider: ("p" + ($m | ltrimstr("m-"))), model: $m, name: $m,
				  context_length: 1048576, free: true, free_reason: "test",
				  features: ($f | split(",") | map(select(. != "-"))),
				  modalities: {input: ($i | split(",")), output: ["text"]}, base_url: $b,
				  key_env: "GW_KEY", observed_at: "2026-11-22T00:00:00Z"}'
			jq -n -c --arg m "$model" '{type: "provider", provider: ("p" + ($m | ltrimstr("m-"))),
				ok: true, models: 1, observed_at: "2026-11-22T00:00:00Z"}'
		done <<-MODELS
		m-ok ok - text
		m-chat usage - text
		m-stream usage - text
		m-usage usage - text
		m-conc usage - text
		m-tools tools tools text
		m-json json json_mode text
		m-vision usage vision text,image
		m-fb429 ratelimited - text
		m-fbok usage - text
		m-500a r500 - text
		m-500b r500 - text
		m-rl1 ratelimited - text
		m-rl2 ratelimited - text
		m-long long - text
		m-cut cut - text
		m-errevent errevent - text
		MODELS
	} | afmts-track --db "$1" > /dev/null
}

# serve NAME ARGS...: afmts-serve on a free loopback port with ARGS; sets
# SERVED_PORT and waits (10 s at most) for the line that says it serves.
serve() {
	local name=$1 port
	shift
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$ROOT/schedule/afmts-serve" --listen "127.0.0.1:$port" "$@" \
		2> "$BATS_FILE_TMPDIR/serve-$name.err" 3>&- &
	echo $! > "$BATS_FILE_TMPDIR/serve-$name.pid"
	for _ in $(seq 200); do
		if grep -q serving "$BATS_FILE_TMPDIR/serve-$name.err"; then
			SERVED_PORT=$port
			return 0
		fi
		sleep 0.05
	done
	cat "$BATS_FILE_TMPDIR/serve-$name.err" >&2
	return 1
}

# scenario NAME: runs it (90 s at most), its JSON line in $output, and
# fails when it did.
scenario() {
	run timeout 90 node "$ROOT/test/sdk/scenarios.mjs" "$1"
	echo "$output"
	[ "$status" -eq 0 ]
}

# sql QUERY: against the catalog, waiting for a busy writer.
sql() {
	sqlite3 -cmd '.timeout 5000' "$DB" "$1"
}

# row_of MODEL: "status|prompt_tokens" of MODEL's last usage row, waiting
# (SECONDS, default 5) for the gateway to record it.
row_of() {
	local row
	for _ in $(seq $((${2:-5} * 10))); do
		row=$(sql "select status, prompt_tokens from usage where model = '$1' order by id desc limit 1")
		[ -z "$row" ] || break
		sleep 0.1
	done
	echo "$row"
}

@test "models.list pages through the catalog's models as OpenAI model objects" {
	scenario list
}

@test "models.retrieve answers a catalog id as OpenAI does, and an unknown id with 404 model_not_found" {
	scenario retrieve
}

@test "a chat completion to a pinned model answers with its text, usage, X-Afmts-Model and the upstream's request id" {
	scenario chat
}

@test "a stream's text arrives without a usage chunk nobody asked for, yet the gateway asked the upstream for usage and recorded it" {
	scenario stream
	# The gateway asked the upstream for the usage chunk...
	asked=$(jq -c 'select(.model == "m-stream") | .stream_options' "$MOCK_LOG")
	echo "upstream stream_options: $asked"
	[ "$(echo "$asked" | jq -s 'length == 1 and .[0].include_usage == true')" = true ]
	# ...and its usage row has the tokens.
	row=$(row_of m-stream)
	echo "usage row: $row"
	[ "${row%%|*}" = 200 ]
	[ "${row#*|}" -gt 0 ]
}

@test "a stream with stream_options.include_usage ends with the usage chunk" {
	scenario stream_usage
}

@test "tools: the model's tool call reaches the SDK as a tool call" {
	scenario tools
}

@test "a streamed tool call is assembled by the SDK's stream helper" {
	scenario stream_tools
}

@test "a json_schema response_format is answered with JSON the SDK parses" {
	scenario json_schema
}

@test "an image_url part goes to the model that has vision" {
	scenario vision
}

@test "a pinned model answering 429 falls back to the next of afmts_fallback, as X-Afmts-Provider shows" {
	scenario fallback
}

@test "every candidate failing with 500 is an APIError with status 502" {
	scenario all_failing
}

@test "every candidate rate limited is a RateLimitError 429 with Retry-After" {
	scenario rate_limited
}

@test "an unknown model is a NotFoundError 404 with code model_not_found" {
	scenario unknown_model
}

@test "a requirement no catalog model meets (tools and vision) is a BadRequestError 400" {
	scenario impossible
}

@test "aborting a stream stops the SDK, the gateway stops reading the upstream within 1.5 s, and the row says 499" {
	scenario cancel
	aborted=$(echo "$output" | jq -r .aborted_at)
	# The upstream sees its connection closed (the mock logs it at once).
	gone=
	for _ in $(seq 40); do
		gone=$(jq -r 'select(.event == "client_gone" and .mode == "long") | .t' "$MOCK_LOG" | tail -n 1)
		[ -z "$gone" ] || break
		sleep 0.1
	done
	# The row, once the gateway has written it (at the latest when the 10 s stream has ended).
	row=$(row_of m-long 15)
	echo "aborted at $aborted, upstream connection closed at ${gone:-never (within 4 s)}, usage row: ${row:-none}"
	[ -n "$gone" ]
	python3 -c 'import sys; sys.exit(float(sys.argv[2]) - float(sys.argv[1]) > 1.5)' "$aborted" "$gone"
	[ "${row%%|*}" = 499 ]
}

# fails SCENARIO MODEL: the scenario passes (the SDK threw) and MODEL's row is a failure.
fails() {
	run timeout 90 node "$ROOT/test/sdk/scenarios.mjs" "$1"
	echo "$output"
	sdk=$status
	row=$(row_of "$2")
	echo "usage row: ${row:-none}"
	[ "$sdk" -eq 0 ]
	[ -n "$row" ]
	[ "${row%%|*}" != 200 ]
}

@test "a stream cut before [DONE] makes the SDK throw, and its row is a failure" {
	fails cut m-cut
}

@test "an error event inside a stream makes the SDK throw, and its row is a failure" {
	fails error_event m-errevent
}

@test "with client keys, no key and a wrong key are AuthenticationError 401, the right key is answered" {
	export AFMTS_URL=$AFMTS_KEYED_URL AFMTS_KEY=$SDK_KEY
	scenario keys
}

@test "a 1 MB prompt is answered" {
	scenario big
}

@test "50 concurrent streams all complete, each with its own text" {
	scenario concurrent
}

@test "every error body has exactly the members message, type, param and code" {
	scenario error_shape
}
