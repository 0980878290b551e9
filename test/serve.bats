#!/usr/bin/env bats
# afmts-serve: lighttpd and afmts-gateway under FastCGI in one command, on a
# free loopback port, forwarding to a mock provider on loopback; stopped by
# a signal, after which nothing of it is left.

load helpers

CANARY=canary-serve-key-5e0b

setup() {
	setup_env
	command -v lighttpd > /dev/null || skip "lighttpd is not installed (make deps installs it)"
	export TMPDIR="$BATS_TEST_TMPDIR/tmp" GW_KEY=$CANARY
	mkdir -p "$TMPDIR"
	mock_llm "$BATS_TEST_TMPDIR" "$BATS_TEST_TMPDIR/mock.log"
	DB="$BATS_TEST_TMPDIR/catalog.db"
	ok_catalog "$DB"
	PORT=$(free_port)
}

teardown() {
	[ -z "${SERVE_PID:-}" ] || kill "$SERVE_PID" 2>/dev/null || true
	[ -z "${MOCK_PID:-}" ] || kill "$MOCK_PID" 2>/dev/null || true
}

# tree PID: PID and its descendants.
tree() {
	echo "$1"
	for c in $(ps -o pid= --ppid "$1"); do tree "$c"; done
}

# gone PIDS...: none of them is running (a zombie not yet reaped by init counts as gone).
gone() {
	for p in "$@"; do
		s=$(ps -o stat= -p "$p" 2> /dev/null || true)
		[ -z "$s" ] || [ "${s#Z}" != "$s" ] || { echo "still running: $(ps -o pid=,args= -p "$p")"; return 1; }
	done
}

# stopped_by SIGNAL N: afmts-serve, running N gateway workers, stops on
# SIGNAL with exit 0, leaving no process, no temporary file and a free port.
stopped_by() {
	pids=$(tree "$SERVE_PID")
	httpd=$(echo "$pids" | xargs ps -o pid=,comm= -p | awk '$2 == "lighttpd" { print $1 }')
	[ -n "$httpd" ]
	# lighttpd started one gateway, which runs the N workers.
	gw=$(ps -o pid=,comm= --ppid "$httpd" | awk '$2 == "afmts-gateway" { print $1 }')
	[ "$(echo "$gw" | wc -w)" -eq 1 ]
	for _ in $(seq 50); do
		[ "$(ps -o comm= --ppid "$gw" | grep -c '^afmts-gateway$')" -eq "$2" ] && break
		sleep 0.1
	done
	[ "$(ps -o comm= --ppid "$gw" | grep -c '^afmts-gateway$')" -eq "$2" ]
	kill -"$1" "$SERVE_PID"
	rc=0
	wait "$SERVE_PID" || rc=$?
	SERVE_PID=
	[ "$rc" -eq 0 ]
	for _ in $(seq 50); do gone $pids > /dev/null && break; sleep 0.1; done
	gone $pids
	[ -z "$(ls -A "$TMPDIR")" ]
	python3 -c 'import socket, sys; s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1])))' "$PORT"
}

@test "afmts-serve answers the OpenAI endpoints through lighttpd and FastCGI, and SIGTERM leaves nothing running" {
	serve --listen "127.0.0.1:$PORT" --db "$DB" --procs 2
	[ "$(wc -l < "$BATS_TEST_TMPDIR/serve.err")" -eq 1 ]
	grep -qx "afmts-serve: serving http://127.0.0.1:$PORT/v1 (afmts-gateway x2, catalog $DB); SIGINT or SIGTERM stops it" \
		"$BATS_TEST_TMPDIR/serve.err"
	base="http://127.0.0.1:$PORT/v1"
	run curl -s -f "$base/models"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '.data[].id')" = m-ok ]
	run curl -s -f -D "$BATS_TEST_TMPDIR/h" -H 'Content-Type: application/json' \
		--data-binary '{"model":"afmts/auto","messages":[{"role":"user","content":"Say hello"}]}' \
		"$base/chat/completions"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '.choices[0].message.content')" = "hello from ok" ]
	grep -qi '^x-afmts-model: m-ok' "$BATS_TEST_TMPDIR/h"
	# The gateway had the provider's key from afmts-serve's environment.
	[ "$(jq -r .authorization "$BATS_TEST_TMPDIR/mock.log")" = "Bearer $CANARY" ]
	[ "$(sqlite3 "$DB" 'select model, status from usage')" = "m-ok|200" ]
	# The router's paths are served too.
	curl -s -f "http://127.0.0.1:$PORT/status" | jq -e '.catalog.models == 1'
	curl -s -f "http://127.0.0.1:$PORT/route" | jq -e '.candidates[0].model == "m-ok"'
	stopped_by TERM 2
}

@test "afmts-serve stops on SIGINT as on SIGTERM" {
	serve --listen "127.0.0.1:$PORT" --db "$DB" --procs 2
	curl -s -f "http://127.0.0.1:$PORT/v1/models" > /dev/null
	stopped_by INT 2
}

@test "afmts-serve with --keys: no key 401, a listed key answers, and the row names its client" {
	printf '%s' "client-key-for-serve-test-0001" | afmts-gateway --hash-key alice > "$BATS_TEST_TMPDIR/clients"
	serve --listen "127.0.0.1:$PORT" --db "$DB" --procs 1 --keys "$BATS_TEST_TMPDIR/clients"
	body='{"messages":[{"role":"user","content":"hi"}]}'
	run curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary "$body" "http://127.0.0.1:$PORT/v1/chat/completions"
	[ "$output" = 401 ]
	run curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
		-H 'Authorization: Bearer client-key-for-serve-test-0001' \
		--data-binary "$body" "http://127.0.0.1:$PORT/v1/chat/completions"
	[ "$output" = 200 ]
	[ "$(sqlite3 "$DB" 'select client, status from usage')" = "alice|200" ]
	stopped_by TERM 1
}

@test "afmts-serve refuses what it cannot serve safely, each with one line and its exit status" {
	# Beyond loopback without client keys: exit 2, one line saying why.
	run "$ROOT/schedule/afmts-serve" --listen 0.0.0.0:8080
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "afmts-serve: refusing to listen on 0.0.0.0:8080 without --keys"* ]]
	run "$ROOT/schedule/afmts-serve" --listen '[::]:8080' --db "$DB"
	[ "$status" -eq 2 ]
	run "$ROOT/schedule/afmts-serve" --listen 127.0.0.1.evil.example:8080
	[ "$status" -eq 2 ]
	for bad in "--listen 127.0.0.1:0" "--listen 127.0.0.1:65536" "--listen 127.0.0.1" "--listen ::1:80" \
		"--procs 0" "--procs 257" "--procs x" "--keys $BATS_TEST_TMPDIR/none" "--bogus" "--db"; do
		# shellcheck disable=SC2086
		run "$ROOT/schedule/afmts-serve" $bad
		[ "$status" -eq 2 ]
		[ "${#lines[@]}" -eq 1 ]
		[[ "$output" == "afmts-serve: "* ]]
	done
	# A port already in use: one clear line, exit 1, nothing left behind.
	python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
open(sys.argv[2], "w").close(); time.sleep(20)' "$PORT" "$BATS_TEST_TMPDIR/held" 3>&- &
	holder=$!
	for _ in $(seq 100); do [ -e "$BATS_TEST_TMPDIR/held" ] && break; sleep 0.05; done
	run timeout 20 "$ROOT/schedule/afmts-serve" --listen "127.0.0.1:$PORT" --db "$DB"
	kill "$holder"
	[ "$status" -eq 1 ]
	[ "$output" = "afmts-serve: 127.0.0.1:$PORT: address already in use (another server listens there)" ]
	[ -z "$(ls -A "$TMPDIR")" ]
	# lighttpd missing: the message names the Debian package.
	AFMTS_LIGHTTPD=/nonexistent/lighttpd run "$ROOT/schedule/afmts-serve" --db "$DB"
	[ "$status" -eq 1 ]
	[[ "$output" == *"install the Debian package lighttpd"* ]]
	run "$ROOT/schedule/afmts-serve" --help
	[ "$status" -eq 0 ]
	[[ "$output" == "usage: afmts-serve "* ]]
	# The configuration it would run, for a server of one's own.
	run "$ROOT/schedule/afmts-serve" --print-config --listen "127.0.0.1:$PORT" --db "$DB"
	[ "$status" -eq 0 ]
	[[ "$output" == *'"bin-path" => "'"$ROOT"/bin/afmts-gateway'"'* ]]
	[[ "$output" == *"server.port = $PORT"* ]]
}

@test "by default afmts-serve streams to 64 clients at once: all 64 reach the provider together" {
	mock_catalog "$DB" long
	serve --listen "127.0.0.1:$PORT" --db "$DB"
	for _ in $(seq 64); do
		curl -s -N --max-time 12 -o /dev/null -H 'Content-Type: application/json' \
			-d '{"model":"m-long","stream":true,"messages":[{"role":"user","content":"hi"}]}' \
			"http://127.0.0.1:$PORT/v1/chat/completions" 3>&- &
	done
	# Each stream lasts 10 s: with fewer than 64 served at once, fewer arrive within 8 s.
	for _ in $(seq 80); do
		[ "$(grep -c '"mode": "long", "path"' "$BATS_TEST_TMPDIR/mock.log")" -ge 64 ] && break
		sleep 0.1
	done
	n=$(grep -c '"mode": "long", "path"' "$BATS_TEST_TMPDIR/mock.log")
	pkill -f "127.0.0.1:$PORT/v1/chat/completions" || true
	[ "$n" -eq 64 ] || { echo "$n of 64 streams reached the provider at once"; return 1; }
}
