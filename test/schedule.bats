#!/usr/bin/env bats
# schedule/afmts-discover: one locked discovery run, as cron starts it, on
# the loopback fixture server.

load helpers

setup() {
	setup_env
	FX="$BATS_TEST_TMPDIR/root"
	PROV="$BATS_TEST_TMPDIR/providers"
	mkdir -p "$FX" "$PROV"
	# A data dir with the shipped parsers and SQL but none of the shipped
	# providers (they would go to the network); the test's own come from the
	# user's config dir.
	mkdir -p "$BATS_TEST_TMPDIR/data/parsers" "$BATS_TEST_TMPDIR/config"
	for d in dialects families features prelude.jq; do
		ln -s "$ROOT/parsers/$d" "$BATS_TEST_TMPDIR/data/parsers/$d"
	done
	ln -s "$ROOT/sql" "$BATS_TEST_TMPDIR/data/sql"
	ln -s "$PROV" "$BATS_TEST_TMPDIR/config/providers"
	export AFMTS_DATADIR="$BATS_TEST_TMPDIR/data" AFMTS_CONFIG="$BATS_TEST_TMPDIR/config"
	export AFMTS_DB="$BATS_TEST_TMPDIR/catalog.db"
	STATE="$XDG_STATE_HOME/afmts"
	start_server "$FX"
}

teardown() {
	stop_server
}

# provider NAME URL: a descriptor of a loopback provider.
provider() {
	jq -n --arg n "$1" --arg u "$2" --arg b "$BASE" \
		'{name: $n, base_url: $b, models_url: $u, public: true, dialect: "openai",
		  free: {rule: "all", source: "https://example.invalid/terms", checked: "2026-12-01"},
		  data_use: {trains_on_prompts: false, source: "https://example.invalid/terms", checked: "2026-12-01"}}' > "$PROV/$1.json"
}

# list ID...: the server's model list, OpenAI-style, with these ids.
list() {
	printf '%s\n' "$@" | jq -R . | jq -s '{object: "list", data: map({id: ., object: "model"})}' \
		> "$FX/models.json"
}

discover() {
	"$ROOT/schedule/afmts-discover" "$@" -- --backoff 10 --retries 0 --no-cache
}

@test "two runs started at once: one works, the other exits 75, the catalog is intact" {
	list m1 m2 m3
	provider slow "$BASE/models.json?delay=1500"
	discover > "$BATS_TEST_TMPDIR/first.out" 2>&1 &
	first=$!
	for _ in $(seq 100); do [ -s "$SERVER_LOG" ] && break; sleep 0.05; done
	run discover
	[ "$status" -eq 75 ]
	[[ "$output" == *"another run holds"* ]]
	wait "$first"
	[ "$(sqlite3 "$AFMTS_DB" 'pragma integrity_check')" = ok ]
	[ "$(sqlite3 "$AFMTS_DB" 'select count(*) from models where present = 1')" = 3 ]
	[ "$(find "$STATE/archive" -name 'afmts-*.tar.gz' | wc -l)" -eq 1 ]
	[ "$(wc -l < "$STATE/changes.jsonl")" -eq 3 ]
}

@test "runs with a changing provider: the changes log and the archives follow" {
	provider p "$BASE/models.json"
	list m1 m2 m3
	AFMTS_NOW=2026-11-20T06:00:00Z discover
	list m2 m3 m4
	sleep 1	# archives are named by the second
	AFMTS_NOW=2026-11-21T06:00:00Z discover
	provider p "$BASE/models.json?status=503"
	sleep 1
	AFMTS_NOW=2026-11-22T06:00:00Z run discover --keep 2
	[ "$status" -eq 1 ]
	[[ "$output" == *"run failed (exit 1)"* ]]
	# Three runs: m1 m2 m3 added, then m1 removed and m4 added, then nothing
	# (a provider that failed loses no model).
	[ "$(jq -r '.event + " " + .model' "$STATE/changes.jsonl" | sort | tr '\n' ' ')" = \
		"added m1 added m2 added m3 added m4 removed m1 " ]
	[ "$(sqlite3 "$AFMTS_DB" 'select count(*) from models where present = 1')" = 3 ]
	# --keep 2: the two newest archives and logs stay.
	[ "$(find "$STATE/archive" -name 'afmts-*.tar.gz' | wc -l)" -eq 2 ]
	[ "$(find "$STATE/logs" -name 'discover-*.log' | wc -l)" -eq 2 ]
	newest=$(find "$STATE/archive" -name 'afmts-*.tar.gz' | sort | tail -1)
	tar -xzOf "$newest" p/response.json | jq -e '.status == 503'
	log=$(find "$STATE/logs" -name 'discover-*.log' | sort | tail -1)
	grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z afmts-fetch: p: http: HTTP 503' "$log"
	grep -q 'end, exit 1$' "$log"
}

@test "--on-change runs only when something changed, with the changes on stdin" {
	provider p "$BASE/models.json"
	list m1 m2
	hook="cat > '$BATS_TEST_TMPDIR/hook.in'; echo ran >> '$BATS_TEST_TMPDIR/hook.count'"
	AFMTS_NOW=2026-11-20T06:00:00Z discover --on-change "$hook"
	[ "$(jq -r .model "$BATS_TEST_TMPDIR/hook.in" | sort | tr '\n' ' ')" = "m1 m2 " ]
	AFMTS_NOW=2026-11-21T06:00:00Z discover --on-change "$hook"
	[ "$(wc -l < "$BATS_TEST_TMPDIR/hook.count")" -eq 1 ]
	list m1
	AFMTS_NOW=2026-11-22T06:00:00Z run discover --on-change 'exit 7'
	[ "$status" -eq 5 ]
}

@test "--replay runs the pipeline offline on a run archive" {
	mkdir -p "$BATS_TEST_TMPDIR/data/parsers/providers"
	cp "$ROOT"/parsers/providers/*.json "$BATS_TEST_TMPDIR/data/parsers/providers/"
	run "$ROOT/schedule/afmts-discover" --replay "$ROOT/examples/snapshot.tar.gz"
	[ "$status" -eq 0 ]
	[ "$(sqlite3 "$AFMTS_DB" "select count(*) from models where provider = 'groq' and present = 1")" = 20 ]
	[ ! -s "$SERVER_LOG" ]
}

@test "usage errors exit 2, --help exits 0" {
	run "$ROOT/schedule/afmts-discover" --keep x
	[ "$status" -eq 2 ]
	run "$ROOT/schedule/afmts-discover" --bogus
	[ "$status" -eq 2 ]
	run "$ROOT/schedule/afmts-discover" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--on-change COMMAND"* ]]
}
