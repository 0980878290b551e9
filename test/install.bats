#!/usr/bin/env bats
# make install / make uninstall: an installed tree finds its parsers, SQL and
# report template from where its programs are, whatever PREFIX it was built
# with, installed under, staged through DESTDIR or moved to; a program run
# from a source tree finds that tree's.

load helpers

setup() {
	setup_env
	unset AFMTS_DATADIR
	# The compiled-in default would hide a program that does not look beside itself.
	[ ! -e /usr/local/share/afmts ] || {
		echo "/usr/local/share/afmts exists: this machine cannot tell where programs find their data" >&2
		return 1
	}
}

# run_discover BIN: the installed afmts-discover replays the bundled snapshot
# from another directory with nothing but PATH and HOME, and the installed
# afmts-route and afmts-report read the catalog it made.
run_discover() {
	mkdir -p "$BATS_TEST_TMPDIR/elsewhere" "$BATS_TEST_TMPDIR/home"
	cd "$BATS_TEST_TMPDIR/elsewhere"
	rm -rf "$BATS_TEST_TMPDIR/st" "$BATS_TEST_TMPDIR/home/.local"
	run env -i PATH="$1:/usr/bin:/bin" HOME="$BATS_TEST_TMPDIR/home" \
		afmts-discover --state "$BATS_TEST_TMPDIR/st" --replay "$ROOT/examples/snapshot.tar.gz"
	[ "$status" -eq 0 ]
	db="$BATS_TEST_TMPDIR/home/.local/state/afmts/catalog.db"
	[ "$(sqlite3 "$db" "select count(*) from models where provider = 'groq' and present = 1")" = 20 ]
	[ "$(jq -s 'map(select(.event == "added")) | length' "$BATS_TEST_TMPDIR/st/changes.jsonl")" -gt 600 ]
	run env -i PATH="$1:/usr/bin:/bin" HOME="$BATS_TEST_TMPDIR/home" afmts-report --day 2026-06-24 -o r.html
	[ "$status" -eq 0 ]
	grep -q 'id="chart-free"' r.html
	run env -i PATH="$1:/usr/bin:/bin" HOME="$BATS_TEST_TMPDIR/home" afmts-route --need tools
	[ "$status" -eq 0 ]
}

@test "built with the default prefix, installed under another, staged with DESTDIR and moved: it runs from anywhere" {
	src="$BATS_TEST_TMPDIR/src"
	# A copy of the tree, built once with the defaults (quickly, without optimising).
	mkdir -p "$src"
	git -C "$ROOT" ls-files -z | (cd "$ROOT" && xargs -0 tar -cf -) | tar -xf - -C "$src"
	make -s -C "$src" OPTFLAGS=-O0 all > /dev/null
	# make install PREFIX=a after the plain build.
	a="$BATS_TEST_TMPDIR/a"
	make -s -C "$src" PREFIX="$a" install > /dev/null
	[ -x "$a/bin/afmts-serve" ]
	[ -f "$a/share/afmts/sql/001-catalog.sql" ]
	[ -f "$a/share/man/man1/afmts-serve.1" ]
	grep -qx "ExecStart=$a/bin/afmts-serve --listen 127.0.0.1:8080 --db %S/afmts/catalog.db" \
		"$a/lib/systemd/system/afmts-gateway.service"
	rm -rf "$src"
	run_discover "$a/bin"
	# The installed tree moved elsewhere still finds its data.
	mv "$a" "$BATS_TEST_TMPDIR/moved"
	run_discover "$BATS_TEST_TMPDIR/moved/bin"
	# AFMTS_DATADIR still wins.
	run env -i PATH="$BATS_TEST_TMPDIR/moved/bin:/usr/bin:/bin" AFMTS_DATADIR="$BATS_TEST_TMPDIR/none" \
		afmts-parse < /dev/null
	[ "$status" -ne 0 ]
	[[ "$output" == *"$BATS_TEST_TMPDIR/none/"* ]]
	# make uninstall removes every file it installed.
	make -s -C "$ROOT" PREFIX="$BATS_TEST_TMPDIR/moved" uninstall
	[ -z "$(find "$BATS_TEST_TMPDIR/moved" -type f)" ]
}

@test "a staged install (DESTDIR) names the final prefix and runs once moved there" {
	src="$BATS_TEST_TMPDIR/src"
	mkdir -p "$src"
	git -C "$ROOT" ls-files -z | (cd "$ROOT" && xargs -0 tar -cf -) | tar -xf - -C "$src"
	make -s -C "$src" OPTFLAGS=-O0 all > /dev/null
	prefix="$BATS_TEST_TMPDIR/prefix"
	stage="$BATS_TEST_TMPDIR/stage"
	make -s -C "$src" PREFIX="$prefix" DESTDIR="$stage" install > /dev/null
	rm -rf "$src"
	for f in bin/afmts-fetch bin/afmts-discover bin/afmts-report-daily bin/afmts-serve; do
		[ -x "$stage$prefix/$f" ]
	done
	for f in share/man/man1/afmts-fetch.1 share/man/man1/afmts-report.1 share/afmts/reports/report.html \
		share/afmts/schedule/crontab.example lib/systemd/system/afmts-report.timer; do
		[ -f "$stage$prefix/$f" ]
	done
	# Units name the installed programs, not the staging directory.
	grep -qx "ExecStart=$prefix/bin/afmts-discover --state %S/afmts --keep 60" \
		"$stage$prefix/lib/systemd/system/afmts-discover.service"
	! grep -rq "$stage" "$stage$prefix/lib/systemd/system" || false
	mkdir -p "$(dirname "$prefix")"
	mv "$stage$prefix" "$prefix"
	run_discover "$prefix/bin"
	run env -i PATH=/usr/bin:/bin HOME="$BATS_TEST_TMPDIR/home" "$prefix/bin/afmts-report-daily" \
		--dir "$BATS_TEST_TMPDIR/daily" --day 2026-06-24
	[ "$status" -eq 0 ]
	[ -L "$BATS_TEST_TMPDIR/daily/latest.html" ]
}

@test "programs run from a source tree find that tree's parsers, schema and template" {
	cd "$BATS_TEST_TMPDIR"
	run env -i PATH=/usr/bin:/bin HOME="$BATS_TEST_TMPDIR" sh -c \
		'"$1/bin/afmts-fetch" --replay "$1/examples/snapshot.tar.gz" | "$1/bin/afmts-parse" |
		 "$1/bin/afmts-track" --db c.db > /dev/null && "$1/bin/afmts-report" --db c.db --day 2026-06-24 -o r.html' \
		sh "$ROOT"
	[ "$status" -eq 0 ]
	[ "$(sqlite3 c.db "select count(*) from models where provider = 'groq'")" = 20 ]
	grep -q 'id="chart-free"' r.html
}
