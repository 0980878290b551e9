#!/usr/bin/env bats
# afmts-route as a CGI program under a real web server: lighttpd on loopback,
# started and stopped here, and a bounded wrk run against it.

load helpers

setup_file() {
	command -v lighttpd >/dev/null || skip "lighttpd is not installed"
	export HOME="$BATS_FILE_TMPDIR/home" AFMTS_DATADIR="$ROOT"
	mkdir -p "$HOME" "$BATS_FILE_TMPDIR/www"
	DB="$BATS_FILE_TMPDIR/catalog.db"
	snapshot_catalog "$DB"
	cp "$ROOT/bin/afmts-route" "$BATS_FILE_TMPDIR/www/afmts-route"
	lighttpd_start "$BATS_FILE_TMPDIR" / <<-CONF
	server.modules = ( "mod_cgi", "mod_setenv" )
	server.max-request-size = 16
	cgi.assign = ( "/afmts-route" => "" )
	setenv.add-environment = ( "AFMTS_DB" => "$DB", "AFMTS_NOW" => "2026-11-23T12:00:00Z" )
	CONF
	export DB PORT URL="http://127.0.0.1:$PORT/afmts-route"
}

teardown_file() {
	lighttpd_stop "$BATS_FILE_TMPDIR"
}

setup() {
	export AFMTS_DB="$DB" AFMTS_NOW=2026-11-23T12:00:00Z
}

@test "lighttpd: GET /route answers what the CLI answers" {
	run curl -s -D "$BATS_TEST_TMPDIR/headers" "$URL/route?need=tools&min_context=32000&count=3"
	grep -qi '^content-type: application/json' "$BATS_TEST_TMPDIR/headers"
	grep -q '^HTTP/1.1 200' "$BATS_TEST_TMPDIR/headers"
	[ "$(echo "$output" | jq -c '[.candidates[] | .model]')" = \
		"$(afmts-route --need tools --min-context 32000 --count 3 | jq -s -c 'map(.model)')" ]
}

@test "lighttpd: /v1/models, /status, POST /report and the errors" {
	curl -s -f "$URL/v1/models" | jq -e '.object == "list" and (.data | length) > 100'
	curl -s -f "$URL/status" | jq -e '.catalog.free_models > 0'
	code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
	[ "$(code "$URL/route?need=%zz")" = 400 ]
	[ "$(code "$URL/route?nope=1")" = 400 ]
	[ "$(code "$URL/nowhere")" = 404 ]
	[ "$(code -X DELETE "$URL/route")" = 405 ]
	[ "$(code "$URL/route?need=$(head -c 3000 /dev/zero | tr '\0' a)")" = 414 ]
	[ "$(code --data-binary @<(head -c 9000 /dev/zero | tr '\0' a) "$URL/report")" = 413 ]
	[ "$(code -H 'Content-Type: application/json' --data '{}' "$URL/report")" = 415 ]
	model=$(afmts-route --provider groq | jq -r .model)
	[ "$(code --data "provider=groq&model=$model&status=500&latency_ms=9" "$URL/report")" = 200 ]
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM usage WHERE model = '$model' AND status = 500")" = 1 ]
}

@test "lighttpd: a bounded wrk run has no non-2xx answer to valid requests" {
	command -v wrk >/dev/null || skip "wrk is not installed"
	run timeout 30 wrk -t 2 -c 8 -d 2s "$URL/route?need=tools&min_context=32000"
	[ "$status" -eq 0 ]
	echo "$output"
	[[ "$output" == *"requests in"* ]]
	[[ "$output" != *"Non-2xx"* ]]
	[[ "$output" != *"Socket errors"* ]]
}
