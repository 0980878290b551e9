#!/usr/bin/env bats
# afmts-discover --webhook: one JSON POST per run with changes, to a loopback
# receiver started here; none for a run without; a receiver that never
# answers holds the run up for at most the timeout, and the run still exits 0.

load helpers

setup() {
	setup_env
	STATE="$BATS_TEST_TMPDIR/state"
	export AFMTS_DB="$BATS_TEST_TMPDIR/catalog.db"
}

teardown() {
	[ -z "${RECV_PID:-}" ] || kill "$RECV_PID" 2> /dev/null || true
}

discover() {
	"$ROOT/schedule/afmts-discover" --state "$STATE" --replay "$ROOT/examples/snapshot.tar.gz" "$@"
}

@test "a run with changes posts one summary; a run without posts none" {
	receiver ok
	run discover --webhook "$HOOK"
	[ "$status" -eq 0 ]
	[ "$(wc -l < "$BATS_TEST_TMPDIR/posts")" -eq 1 ]
	p="$BATS_TEST_TMPDIR/posts"
	jq -e '.ct == "application/json" and .path == "/hooks/secret-path"' "$p"
	# Every model appeared, as the run's change lines say; Slack reads "text".
	[ "$(jq '.body.counts.appeared' "$p")" -eq "$(jq -s 'map(select(.event == "added")) | length' "$STATE/changes.jsonl")" ]
	[ "$(jq '.body.appeared | length' "$p")" -eq 500 ]	# the list is bounded, the count whole
	jq -e '.body.text | startswith("AFMTS discovery: 644 appeared")' "$p"
	jq -e '.body.became_free == [] and .body.removed == [] and .body.provider_failed == []' "$p"
	run discover --webhook "$HOOK"
	[ "$status" -eq 0 ]
	[ "$(wc -l < "$BATS_TEST_TMPDIR/posts")" -eq 1 ]
	grep -q 'webhooks done' "$STATE"/logs/discover-*.log
}

@test "--notify-on: a run whose only events are not chosen posts nothing; a file of URLs" {
	receiver ok
	printf '# hooks\n%s\n' "$HOOK" > "$BATS_TEST_TMPDIR/hooks"
	run discover --webhook-file "$BATS_TEST_TMPDIR/hooks" --notify-on became_free,provider_failed
	[ "$status" -eq 0 ]
	[ ! -s "$BATS_TEST_TMPDIR/posts" ]
	run discover --webhook "$HOOK" --notify-on free
	[ "$status" -eq 2 ]
	[[ "$output" == "afmts-discover: --notify-on free: events are "* ]]
}

@test "a provider that fails after a good run is posted, and again when it comes back" {
	receiver ok
	discover --webhook "$HOOK"
	: > "$BATS_TEST_TMPDIR/posts"
	# afmts-notify on its own: the run's provider lines and the state before it.
	afmts-route --state > "$BATS_TEST_TMPDIR/before.json"
	echo '{"type":"provider","provider":"groq","ok":false,"error":{"kind":"http","message":"500"}}' > "$BATS_TEST_TMPDIR/prov"
	afmts-notify --webhook "$HOOK" --providers "$BATS_TEST_TMPDIR/prov" --before "$BATS_TEST_TMPDIR/before.json" < /dev/null
	jq -e '.body.provider_failed == [{"provider": "groq", "error": "failed"}] and (.body.text | contains("1 providers failed"))' "$BATS_TEST_TMPDIR/posts"
	: > "$BATS_TEST_TMPDIR/posts"
	jq '.providers |= map(if .name == "groq" then .failures = 1 else . end)' "$BATS_TEST_TMPDIR/before.json" > "$BATS_TEST_TMPDIR/failing.json"
	echo '{"type":"provider","provider":"groq","ok":true,"models":20}' > "$BATS_TEST_TMPDIR/prov"
	afmts-notify --webhook "$HOOK" --providers "$BATS_TEST_TMPDIR/prov" --before "$BATS_TEST_TMPDIR/failing.json" < /dev/null
	jq -e '.body.provider_back == [{"provider": "groq", "error": "ok"}]' "$BATS_TEST_TMPDIR/posts"
}

@test "a receiver that never answers delays the run by at most the timeout, and the run exits 0" {
	receiver dead
	start=$(date +%s%N)
	run discover --webhook "$HOOK" --webhook-timeout 2
	took=$(( ($(date +%s%N) - start) / 1000000 ))
	[ "$status" -eq 0 ]
	run discover
	base=$(( ($(date +%s%N) - start) / 1000000 - took ))
	echo "with the dead webhook: $took ms; without: $base ms" >&3
	[ "$took" -le $((base + 2000 + 1500)) ]
	[ "$took" -ge 2000 ]
	grep -q 'webhook http://127.0.0.1:[0-9]*: no answer after' "$STATE"/logs/discover-*.log
	# The webhook's path (its secret) is not in the log.
	! grep -q secret-path "$STATE"/logs/discover-*.log || false
}
