#!/usr/bin/env bats
# Every program exits with the statuses of afmts(7): the same trouble, the
# same number, whichever program meets it.

load helpers

setup() {
	export AFMTS_NOW=2026-11-22T12:00:00Z
}

@test "no catalog path (no --db, AFMTS_DB or HOME) is a usage error, 2, for every program that needs one" {
	for prog in "afmts-route" "afmts-route --state" "afmts-route --report m --status 200" \
	    "afmts-report" "afmts-track --export" "afmts-batch"; do
		# shellcheck disable=SC2086
		run env -u HOME -u AFMTS_DB -u XDG_STATE_HOME $prog < /dev/null
		[ "$status" -eq 2 ] || { echo "$prog: exit $status: $output"; return 1; }
		[[ "$output" == *"no catalog path: set --db, AFMTS_DB or HOME"* ]]
	done
}

@test "a missing catalog is 3 for every program that only reads one" {
	for prog in "afmts-route" "afmts-route --state" "afmts-route --report m --status 200" \
	    "afmts-report" "afmts-batch"; do
		# shellcheck disable=SC2086
		run $prog --db "$BATS_TEST_TMPDIR/none.db" < /dev/null
		[ "$status" -eq 3 ] || { echo "$prog: exit $status: $output"; return 1; }
		[[ "$output" == *"none.db: not found"* ]]
	done
	[ ! -e "$BATS_TEST_TMPDIR/none.db" ]
}

@test "descriptors that cannot be read are 4 for afmts-fetch and afmts-parse alike" {
	run afmts-fetch --providers "$BATS_TEST_TMPDIR/no/such/dir" --dry-run
	[ "$status" -eq 4 ] || { echo "afmts-fetch: exit $status: $output"; return 1; }
	run afmts-parse --providers "$BATS_TEST_TMPDIR/no/such/dir" < /dev/null
	[ "$status" -eq 4 ] || { echo "afmts-parse: exit $status: $output"; return 1; }
	# A bad --only is the caller's mistake in both: 2.
	run afmts-fetch --only 'Bad Name' --dry-run
	[ "$status" -eq 2 ]
	run afmts-parse --only 'Bad Name' < /dev/null
	[ "$status" -eq 2 ]
}

@test "afmts-discover's status is the worst of its stages: a failed stage is 4, not 3" {
	run "$ROOT/schedule/afmts-discover" --state "$BATS_TEST_TMPDIR/state" --replay "$BATS_TEST_TMPDIR/none.tar.gz"
	[ "$status" -eq 4 ] || { echo "exit $status: $output"; return 1; }
}
