#!/usr/bin/env bats
# The tree is the whole project: a clone alone, with nothing beside it, tests,
# benchmarks and demonstrates everything (.ci/run runs make check from such a
# clone in a fresh temporary directory).

load helpers

@test "no file of the tree names a path that climbs out of it to the project's shared notes" {
	cd "$ROOT"
	run git grep -n -I -E '(\.\./)+shared(/|$)|/work/[s]hared' -- .
	[ "$status" -eq 1 ]
	[ -z "$output" ]
}

@test "every real provider response the tests read is in the tree, with its source" {
	cd "$ROOT"
	used=$(git grep -h -o -E '\$REAL/[A-Za-z0-9_./-]+\.json' -- test | sed 's|^\$REAL/||' | sort -u)
	[ -n "$used" ]
	for f in $used; do
		[ -s "$REAL/$f" ] || { echo "missing: test/fixtures/real/$f"; return 1; }
		grep -qF "| $f |" "$REAL/SOURCES.md" || { echo "no source: $f"; return 1; }
	done
	# And every file there is listed in SOURCES.md.
	for f in $(cd "$REAL" && find . -type f ! -name SOURCES.md | sed 's|^\./||'); do
		grep -qF "| $f |" "$REAL/SOURCES.md" || { echo "unlisted: $f"; return 1; }
	done
}
