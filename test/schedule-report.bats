#!/usr/bin/env bats
# schedule/afmts-report-daily, the systemd units and the crontab example.

load helpers
load report-helpers

setup() {
	setup_env
	report_catalog
	OUT="$BATS_TEST_TMPDIR/reports"
}

@test "afmts-report-daily writes yesterday's page and CSVs, links latest, and keeps N days" {
	AFMTS_NOW=2025-05-24T03:00:00Z run "$ROOT/schedule/afmts-report-daily" --dir "$OUT"
	[ "$status" -eq 0 ]
	[ "$output" = "$OUT/2025-05-23.html" ]
	grep -q 'id="chart-free"' "$OUT/2025-05-23.html"
	for s in summary changes usage cost trend daily; do
		[ -s "$OUT/2025-05-23/$s.csv" ]
		# The same bytes afmts-report writes for that section.
		cmp "$OUT/2025-05-23/$s.csv" <(afmts-report --day 2025-05-23 --format csv --section "$s")
	done
	[ "$(readlink "$OUT/latest.html")" = 2025-05-23.html ]
	[ "$(readlink "$OUT/latest")" = 2025-05-23 ]
	# Three earlier days with --keep 2: the two newest days stay; the links
	# follow the last report written.
	for d in 2025-05-20 2025-05-21 2025-05-22; do
		"$ROOT/schedule/afmts-report-daily" --dir "$OUT" --day "$d" --keep 2 > /dev/null
	done
	[ "$(cd "$OUT" && ls)" = "$(printf '%s\n' 2025-05-22 2025-05-22.html 2025-05-23 2025-05-23.html latest latest.html)" ]
	[ "$(readlink "$OUT/latest.html")" = 2025-05-22.html ]
	# No temporary directory is left behind.
	[ -z "$(find "$OUT" -name '.*' ! -name . | head -1)" ]
}

@test "afmts-report-daily: yesterday in the time zone, and its failures keep what was there" {
	# 2025-05-23T20:00Z is already the 24th in Tokyo: yesterday is the 23rd.
	AFMTS_NOW=2025-05-23T20:00:00Z run "$ROOT/schedule/afmts-report-daily" --dir "$OUT" --tz Asia/Tokyo
	[ "$status" -eq 0 ]
	[ "$output" = "$OUT/2025-05-23.html" ]
	grep -q '2025-05-23 (Asia/Tokyo)' "$OUT/2025-05-23.html"
	before=$(ls -l "$OUT")
	run "$ROOT/schedule/afmts-report-daily" --dir "$OUT" --db "$BATS_TEST_TMPDIR/none.db"
	[ "$status" -eq 3 ]
	[[ "$output" == *"not found"* ]]
	[ "$(ls -l "$OUT")" = "$before" ]
	run "$ROOT/schedule/afmts-report-daily" --dir "$OUT" --day 23-05-2025
	[ "$status" -eq 2 ]
	run "$ROOT/schedule/afmts-report-daily" --keep 0
	[ "$status" -eq 2 ]
	run "$ROOT/schedule/afmts-report-daily" --bogus
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "afmts-report-daily: unknown option '--bogus'" ]
	run "$ROOT/schedule/afmts-report-daily" --help
	[ "$status" -eq 0 ]
}

# units DIR: the systemd units rendered as make install renders them, with
# their programs in DIR/bin.
units() {
	mkdir -p "$1/bin" "$1/units"
	cp "$ROOT/schedule/afmts-discover" "$ROOT/schedule/afmts-report-daily" "$ROOT/schedule/afmts-serve" "$1/bin/"
	for u in "$ROOT"/schedule/*.service "$ROOT"/schedule/*.timer; do
		sed "s|@BINDIR@|$1/bin|g" "$u" > "$1/units/${u##*/}"
	done
}

@test "the systemd units pass systemd-analyze verify and are hardened" {
	units "$BATS_TEST_TMPDIR/sd"
	for s in afmts-discover afmts-report afmts-gateway; do
		f="$BATS_TEST_TMPDIR/sd/units/$s.service"
		for opt in NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes DynamicUser=yes \
			StateDirectory=afmts ProtectHome=yes CapabilityBoundingSet=; do
			grep -qx "$opt" "$f"
		done
		grep -q "^ExecStart=$BATS_TEST_TMPDIR/sd/bin/" "$f"
	done
	grep -qx 'EnvironmentFile=-/etc/afmts/keys.env' "$BATS_TEST_TMPDIR/sd/units/afmts-discover.service"
	# The endpoint: loopback, the catalog the discovery keeps, the providers' keys.
	f="$BATS_TEST_TMPDIR/sd/units/afmts-gateway.service"
	grep -qx "ExecStart=$BATS_TEST_TMPDIR/sd/bin/afmts-serve --listen 127.0.0.1:8080 --db %S/afmts/catalog.db" "$f"
	grep -qx 'EnvironmentFile=-/etc/afmts/keys.env' "$f"
	# The catalog and its snapshot hold usage and errors: private.
	grep -qx UMask=0077 "$f"
	grep -qx UMask=0077 "$BATS_TEST_TMPDIR/sd/units/afmts-discover.service"
	! grep -q EnvironmentFile "$BATS_TEST_TMPDIR/sd/units/afmts-report.service" || false
	command -v systemd-analyze > /dev/null || skip "systemd-analyze is not installed (make deps installs systemd)"
	cd "$BATS_TEST_TMPDIR/sd/units"
	run systemd-analyze verify --man=no ./afmts-discover.service ./afmts-discover.timer \
		./afmts-report.service ./afmts-report.timer ./afmts-gateway.service
	[ "$status" -eq 0 ]
	[[ "$output" != *afmts* ]]
}

@test "the crontab example's jobs run as written (discovery replayed offline, mail stubbed)" {
	tab="$ROOT/schedule/crontab.example"
	# Five time fields and a command on every job line.
	python3 - "$tab" <<'PY'
import re, sys
jobs = [l for l in open(sys.argv[1]) if l.strip() and not l.startswith("#") and "=" not in l.split()[0]]
assert len(jobs) == 2, jobs
field = r"(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*"
for j in jobs:
    parts = j.split(None, 5)
    assert all(re.fullmatch(field, f) for f in parts[:5]), j
PY
	mkdir -p "$HOME/.config/afmts" "$BATS_TEST_TMPDIR/bin"
	echo 'export GROQ_API_KEY=canary-cron-key' > "$HOME/.config/afmts/keys.env"
	printf '#!/bin/sh\ncat > "%s/mail.body"\n' "$BATS_TEST_TMPDIR" > "$BATS_TEST_TMPDIR/bin/mail"
	chmod +x "$BATS_TEST_TMPDIR/bin/mail"
	unset AFMTS_DB
	# Each job with cron's environment, the offline snapshot instead of the
	# network and no jitter; the programs of this tree first on PATH.
	grep -v '^#' "$tab" | grep -E '^[0-9*]' | while IFS= read -r job; do
		cmd=$(printf '%s\n' "$job" | cut -f 2-)
		case $cmd in
		*afmts-discover*) cmd="${cmd/--jitter 600/--jitter 0} --replay $ROOT/examples/snapshot.tar.gz" ;;
		esac
		env -i HOME="$HOME" LOGNAME=tester AFMTS_DATADIR="$ROOT" \
			PATH="$BATS_TEST_TMPDIR/bin:$ROOT/bin:$ROOT/schedule:/usr/bin:/bin" sh -c "$cmd"
	done
	state="$HOME/.local/state/afmts"
	[ "$(sqlite3 "$state/catalog.db" 'select count(*) from models')" -eq 644 ]
	# The on-change mail carried the first run's change records.
	[ "$(wc -l < "$BATS_TEST_TMPDIR/mail.body")" -eq 644 ]
	[ -L "$state/reports/latest.html" ]
	! grep -rq canary-cron-key "$state" || false
}
