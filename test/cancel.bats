#!/usr/bin/env bats
# A client that goes away in the middle of a stream: afmts-gateway stops
# reading the provider and records the attempt as cancelled (499), under
# FastCGI (a failed write) and as plain CGI (lighttpd's SIGTERM, or a failed
# write to a closed pipe).

load helpers

setup_file() {
	command -v lighttpd >/dev/null || skip "lighttpd is not installed"
	export HOME="$BATS_FILE_TMPDIR/home" AFMTS_DATADIR="$ROOT"
	mkdir -p "$HOME" "$BATS_FILE_TMPDIR/www"
	: > "$BATS_FILE_TMPDIR/mock.log"
	mock_llm "$BATS_FILE_TMPDIR" "$BATS_FILE_TMPDIR/mock.log"
	DB="$BATS_FILE_TMPDIR/catalog.db"
	mock_catalog "$DB" long
	cp "$ROOT/bin/afmts-gateway" "$BATS_FILE_TMPDIR/www/gw.cgi"
	lighttpd_start "$BATS_FILE_TMPDIR" / <<-CONF
	server.modules = ( "mod_fastcgi", "mod_cgi", "mod_setenv" )
	server.stream-response-body = 2
	cgi.assign = ( ".cgi" => "" )
	setenv.add-environment = ( "AFMTS_DB" => "$DB", "GW_KEY" => "k", "AFMTS_DATADIR" => "$ROOT" )
	\$HTTP["url"] =~ "^/fcgi" {
		fastcgi.server = ( "/fcgi" => ((
			"bin-path" => "$ROOT/bin/afmts-gateway",
			"socket" => "$BATS_FILE_TMPDIR/gw.sock",
			"max-procs" => 1,
			"check-local" => "disable",
			"bin-environment" => ( "AFMTS_DB" => "$DB", "GW_KEY" => "k" )
		)) )
	}
	CONF
	export DB PORT
}

teardown_file() {
	lighttpd_stop "$BATS_FILE_TMPDIR"
	[ ! -f "$BATS_FILE_TMPDIR/mock.pid" ] || kill "$(cat "$BATS_FILE_TMPDIR/mock.pid")" 2>/dev/null || true
}

# gone URL: a stream of the 10-second model, abandoned after 1.2 s; then the
# provider must see the gateway go within 1.5 s, and the row say 499.
gone() {
	local before
	before=$(grep -c client_gone "$BATS_FILE_TMPDIR/mock.log" || true)
	run curl -s -N --max-time 1.2 -H 'Content-Type: application/json' \
		-d '{"model":"m-long","stream":true,"messages":[{"role":"user","content":"hi"}]}' "$1"
	[ "$status" -eq 28 ]
	for _ in $(seq 15); do
		[ "$(grep -c client_gone "$BATS_FILE_TMPDIR/mock.log" || true)" -gt "$before" ] && break
		sleep 0.1
	done
	[ "$(grep -c client_gone "$BATS_FILE_TMPDIR/mock.log")" -gt "$before" ]
	for _ in $(seq 20); do
		[ "$(sqlite3 "$DB" "select count(*) from usage where status = 499")" -gt "$2" ] && break
		sleep 0.1
	done
	[ "$(sqlite3 "$DB" "select count(*) from usage where status = 499 and error = 'cancelled: the client went away'")" -eq $(($2 + 1)) ]
}

@test "under FastCGI, a client gone mid-stream ends the provider's transfer and is recorded as 499" {
	gone "http://127.0.0.1:$PORT/fcgi/v1/chat/completions" 0
}

@test "as plain CGI, a client gone mid-stream ends the provider's transfer and is recorded as 499" {
	gone "http://127.0.0.1:$PORT/gw.cgi/v1/chat/completions" 1
}
