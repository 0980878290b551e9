#!/usr/bin/env bats
# make install / make uninstall: the installed programs find their parsers
# and SQL through the compiled-in prefix, never through the source tree.

load helpers

setup() {
	setup_env
	unset AFMTS_DATADIR
}

@test "an installed tree runs the pipeline from anywhere, and uninstall removes it" {
	src="$BATS_TEST_TMPDIR/src"
	prefix="$BATS_TEST_TMPDIR/prefix"
	stage="$BATS_TEST_TMPDIR/stage"
	# A copy of the tree, built for its own prefix (quickly, without optimising).
	mkdir -p "$src"
	git -C "$ROOT" ls-files -z | (cd "$ROOT" && xargs -0 tar -cf -) | tar -xf - -C "$src"
	make -s -C "$src" PREFIX="$prefix" OPTFLAGS=-O0 all > /dev/null
	# Staged with DESTDIR, then moved where the prefix says.
	make -s -C "$src" PREFIX="$prefix" DESTDIR="$stage" install > /dev/null
	[ -x "$stage$prefix/bin/afmts-fetch" ]
	[ -x "$stage$prefix/bin/afmts-discover" ]
	[ -f "$stage$prefix/share/man/man1/afmts-fetch.1" ]
	[ -f "$stage$prefix/share/afmts/sql/001-catalog.sql" ]
	[ -f "$stage$prefix/share/afmts/reports/report.html" ]
	[ -f "$stage$prefix/share/man/man1/afmts-report.1" ]
	[ -x "$stage$prefix/bin/afmts-report-daily" ]
	[ -f "$stage$prefix/share/afmts/schedule/crontab.example" ]
	# Units name the installed programs, not the staging directory.
	grep -qx "ExecStart=$prefix/bin/afmts-discover --state %S/afmts --keep 60" \
		"$stage$prefix/lib/systemd/system/afmts-discover.service"
	[ -f "$stage$prefix/lib/systemd/system/afmts-report.timer" ]
	mkdir -p "$(dirname "$prefix")"
	mv "$stage$prefix" "$prefix"
	rm -rf "$src"
	cd "$BATS_TEST_TMPDIR"
	export AFMTS_DB="$BATS_TEST_TMPDIR/catalog.db"
	PATH="$prefix/bin:/usr/bin:/bin" afmts-fetch --replay "$ROOT/examples/snapshot.tar.gz" |
		PATH="$prefix/bin:/usr/bin:/bin" afmts-parse |
		PATH="$prefix/bin:/usr/bin:/bin" afmts-track > changes.jsonl
	[ "$(sqlite3 "$AFMTS_DB" "select count(*) from models where provider = 'groq' and present = 1")" = 20 ]
	[ "$(jq -s 'map(select(.event == "added")) | length' changes.jsonl)" -gt 600 ]
	# The installed discovery script finds the programs beside it.
	run env PATH=/usr/bin:/bin "$prefix/bin/afmts-discover" --state "$BATS_TEST_TMPDIR/st" \
		--replay "$ROOT/examples/snapshot.tar.gz"
	[ "$status" -eq 0 ]
	# The installed report finds its queries, template and reference prices.
	PATH="$prefix/bin:/usr/bin:/bin" afmts-report --day 2026-06-24 -o report.html
	grep -q 'id="chart-free"' report.html
	run env PATH=/usr/bin:/bin "$prefix/bin/afmts-report-daily" --dir "$BATS_TEST_TMPDIR/daily" --day 2026-06-24
	[ "$status" -eq 0 ]
	[ -L "$BATS_TEST_TMPDIR/daily/latest.html" ]
	[ "$(PATH="$prefix/bin:/usr/bin:/bin" afmts-report --day 2026-06-24 --format csv --section summary | wc -l)" -eq 5 ]
	make -s -C "$ROOT" PREFIX="$prefix" uninstall
	[ -z "$(find "$prefix" -type f)" ]
}
