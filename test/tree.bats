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

@test "every program's main is thin: at most 200 lines, and no SQL in bin/" {
	cd "$ROOT"
	for f in bin/*.c; do
		[ "$(wc -l < "$f")" -le 200 ] || { echo "$f: $(wc -l < "$f") lines"; return 1; }
	done
	run grep -n -E '"[^"]*\b(SELECT|INSERT|UPDATE|DELETE|PRAGMA)\b' bin/*.c
	[ "$status" -eq 1 ] || { echo "$output"; return 1; }
}

@test "no function of lib/ or bin/ is longer than 80 lines" {
	cd "$ROOT"
	run awk 'FNR == 1 { start = 0 } /^\{/ { start = FNR; name = prev }
		/^\}/ && start { if (FNR - start - 1 > 80) print FILENAME ": " name ": " FNR - start - 1
			start = 0 }
		{ prev = $0 }' lib/*/*.c bin/*.c
	[ -z "$output" ] || { echo "$output"; return 1; }
}

@test "lib/README names every part of lib/, and every module is in one of them" {
	cd "$ROOT"
	[ -z "$(find lib -maxdepth 1 -name '*.[ch]')" ]
	for d in lib/*/; do
		part=${d#lib/}
		grep -q "^  $part" lib/README || { echo "lib/README does not name $part"; return 1; }
	done
}
