#!/usr/bin/env bats
# The loopback fixture server that later network tests rely on: each of its
# behaviours, checked with curl on 127.0.0.1.

load helpers

setup() {
	setup_env
	mkdir -p "$BATS_TEST_TMPDIR/root"
	printf '{"data":[{"id":"m"}]}' > "$BATS_TEST_TMPDIR/root/models.json"
	start_server "$BATS_TEST_TMPDIR/root"
}

teardown() {
	stop_server
}

code() {
	curl -s -o /dev/null -w '%{http_code}' "$@"
}

@test "serves a file on loopback and logs the request" {
	run curl -s "$BASE/models.json"
	[ "$output" = '{"data":[{"id":"m"}]}' ]
	[ "$(jq -r .path "$SERVER_LOG")" = /models.json ]
}

@test "answers any status, 404 for a missing file" {
	[ "$(code "$BASE/models.json?status=503")" = 503 ]
	[ "$(code "$BASE/nothing")" = 404 ]
	[ "$(code "$BASE/../../etc/passwd")" = 404 ]
}

@test "fails the first K requests with 429 and Retry-After, then succeeds" {
	run curl -s -D - -o /dev/null "$BASE/models.json?fail=1&fail_status=429&retry_after=2"
	[[ "$output" == *"429"* ]]
	[[ "$output" == *"Retry-After: 2"* ]]
	[ "$(code "$BASE/models.json?fail=1&fail_status=429&retry_after=2")" = 200 ]
}

@test "delays, truncates and drips bodies" {
	[ "$(code --max-time 0.3 "$BASE/models.json?delay=2000")" = 000 ]
	run curl -s "$BASE/models.json?truncate=5"
	[ "$status" -ne 0 ]
	[ "$output" = '{"dat' ]
	run curl -s "$BASE/models.json?drip=5"
	[ "$output" = '{"data":[{"id":"m"}]}' ]
}

@test "answers 304 to a matching If-None-Match, and redirects" {
	[ "$(code -H 'If-None-Match: "v1"' "$BASE/models.json?etag=v1")" = 304 ]
	[ "$(code "$BASE/models.json?etag=v1")" = 200 ]
	run curl -s -o /dev/null -w '%{http_code} %{num_redirects}' -L --max-redirs 3 "$BASE/x?redirect=self"
	[ "$status" -eq 47 ]
	[ "$output" = "302 3" ]
}

@test "stops by itself after its lifetime" {
	"$ROOT/test/fixture-server" --root "$BATS_TEST_TMPDIR/root" \
		--port-file "$BATS_TEST_TMPDIR/port2" --lifetime 0.5 3>&- &
	pid=$!
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	! kill -0 "$pid" 2>/dev/null || false
}
