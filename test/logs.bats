#!/usr/bin/env bats
# AFMTS_LOG=json: every program's diagnostics, and afmts-discover's run log,
# as JSON lines (ts, prog, level, msg, fields); without it, one plain line.

load helpers

bats_require_minimum_version 1.5.0

setup() {
	setup_env
}

# json_lines FILE PROG: every line of FILE a JSON object from PROG with the five members.
json_lines() {
	[ -s "$1" ]
	jq -e -s --arg p "$2" 'length > 0 and all(.[];
		(.ts | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$")) and .prog == $p and
		(.level | type == "string") and (.msg | type == "string") and (.fields | type == "object"))' "$1"
}

@test "AFMTS_LOG=json: each program's error is one JSON line; a hostile text stays inside it" {
	cd "$BATS_TEST_TMPDIR"
	AFMTS_LOG=json run --separate-stderr afmts-route --db /nonexistent/c.db --need 'x"y\z'
	[ "$status" -eq 2 ]
	printf '%s\n' "$stderr" > err
	[ "$(wc -l < err)" -eq 1 ]
	json_lines err afmts-route
	jq -e '.msg | contains("x\"y\\z")' err
	for p in afmts-fetch afmts-parse afmts-track afmts-report afmts-gateway; do
		AFMTS_LOG=json run --separate-stderr "$p" --bogus-option
		[ "$status" -eq 2 ]
		printf '%s\n' "$stderr" > err
		[ "$(wc -l < err)" -eq 1 ]
		json_lines err "$p"
	done
	printf '{"type":"usage"\nnot json\n' | AFMTS_LOG=json afmts-track --db "$BATS_TEST_TMPDIR/c.db" 2> err > /dev/null || true
	json_lines err afmts-track
}

@test "the default stays one plain line with the program's name" {
	run --separate-stderr afmts-route --db /nonexistent/c.db --need 'x"y'
	[ "$status" -eq 2 ]
	[[ "$stderr" == "afmts-route: --need x\"y: "* ]]
	[[ "$stderr" == *"usage: afmts-route"* ]]
}

@test "afmts-discover's run log and diagnostics as JSON lines" {
	AFMTS_LOG=json run "$ROOT/schedule/afmts-discover" --state "$BATS_TEST_TMPDIR/state" \
		--replay "$ROOT/examples/snapshot.tar.gz"
	[ "$status" -eq 0 ]
	log=$(ls "$BATS_TEST_TMPDIR"/state/logs/discover-*.log)
	json_lines "$log" afmts-discover
	jq -e -s 'map(.msg) | any(startswith("start")) and any(startswith("end, exit 0"))' "$log"
	AFMTS_LOG=json run --separate-stderr "$ROOT/schedule/afmts-discover" --keep x
	[ "$status" -eq 2 ]
	printf '%s\n' "$stderr" > "$BATS_TEST_TMPDIR/err"
	json_lines "$BATS_TEST_TMPDIR/err" afmts-discover
	# Plain by default.
	run "$ROOT/schedule/afmts-discover" --state "$BATS_TEST_TMPDIR/plain" --replay "$ROOT/examples/snapshot.tar.gz"
	[ "$status" -eq 0 ]
	grep -qE '^[0-9T:-]+Z start' "$BATS_TEST_TMPDIR"/plain/logs/discover-*.log
}
