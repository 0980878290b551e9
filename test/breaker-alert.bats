#!/usr/bin/env bats
# afmts-gateway's breaker alerts (AFMTS_GATEWAY_WEBHOOK): a provider whose
# breaker opens is posted to a loopback receiver started here, at most once an
# hour, across gateway processes (each CGI request below is one); a receiver
# that never answers does not hold the answer up.

load helpers

CANARY=canary-breaker-alert-key-5e2a

setup() {
	setup_env
	mock_llm "$BATS_TEST_TMPDIR" "$BATS_TEST_TMPDIR/mock.log"
	export AFMTS_DB="$BATS_TEST_TMPDIR/catalog.db" AFMTS_NOW=2026-11-23T12:00:00Z
	export AFMTS_GATEWAY_ATTEMPTS=1
	# pr500: two models that answer 500; pclose: one that hangs up; pok: one that works.
	{
		printf '%s\n' "pr500 m-a r500" "pr500 m-b r500" "pclose m-close close" "pok m-ok ok" |
		while read -r p m mode; do
			jq -n -c --arg p "$p" --arg m "$m" --arg b "$MOCK/$mode/v1" '{type: "model",
				provider: $p, model: $m, name: $m, context_length: 1000, free: true,
				free_reason: "test", modalities: {input: ["text"], output: ["text"]},
				base_url: $b, key_env: "GW_KEY", observed_at: "2026-11-22T00:00:00Z"}'
		done
		printf '%s\n' "pr500 2" "pclose 1" "pok 1" | while read -r p n; do
			jq -n -c --arg p "$p" --argjson n "$n" '{type: "provider", provider: $p, ok: true,
				models: $n, observed_at: "2026-11-22T00:00:00Z"}'
		done
	} | afmts-track > /dev/null
}

teardown() {
	lighttpd_stop "$BATS_TEST_TMPDIR"
	[ -z "${RECV_PID:-}" ] || kill "$RECV_PID" 2> /dev/null || true
	[ -z "${MOCK_PID:-}" ] || kill "$MOCK_PID" 2> /dev/null || true
}

# gw MODEL [VAR=VALUE...]: one chat request for MODEL to afmts-gateway as CGI;
# the answer on stdout, the gateway's stderr appended to $BATS_TEST_TMPDIR/gw.err.
gw() {
	local body
	body=$(jq -n -c --arg m "$1" '{model: $m, messages: [{role: "user", content: "hi"}]}')
	shift
	env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST PATH_INFO=/v1/chat/completions \
		CONTENT_TYPE=application/json CONTENT_LENGTH=${#body} GW_KEY=$CANARY \
		AFMTS_GATEWAY_WEBHOOK="$HOOK" "$@" afmts-gateway <<< "$body" 2>> "$BATS_TEST_TMPDIR/gw.err"
}

# posts N: wait up to 5 s for N posts to have arrived, then say how many did.
posts() {
	for _ in $(seq 100); do
		[ "$(wc -l < "$BATS_TEST_TMPDIR/posts")" -ge "$1" ] && break
		sleep 0.05
	done
	wc -l < "$BATS_TEST_TMPDIR/posts"
}

@test "a breaker that opens is posted once; more within the hour are not; another provider's is" {
	receiver ok
	p="$BATS_TEST_TMPDIR/posts"
	# Two failures leave the breaker closed: nothing is posted.
	gw m-a | grep -q '^Status: 502'
	gw m-a | grep -q '^Status: 502'
	sleep 0.5
	[ "$(posts 1)" -eq 0 ]
	# The third in a row opens it: one POST, the summary's shape, no key.
	gw m-a | grep -q '^Status: 502'
	[ "$(posts 1)" -eq 1 ]
	jq -e '.ct == "application/json" and .path == "/hooks/secret-path"' "$p"
	jq -e '.body | .kind == "breaker_open" and .provider == "pr500" and .model == "m-a" and
		.state == "open" and .status == 500 and .failures == 3 and
		.since == "2026-11-23T12:00:00Z" and .until == "2026-11-23T12:00:30Z"' "$p"
	jq -e '.body.text | startswith("AFMTS gateway: the breaker of pr500/m-a opened after 3 failures")' "$p"
	! grep -q "$CANARY" "$p" || false
	# Open, m-a is not tried: no attempt, no outcome, no post.
	gw m-a | grep -q '^Status: 503'
	# The provider's other model opens too, within the hour: no second post.
	for _ in 1 2 3; do gw m-b | grep -q '^Status: 502'; done
	[ "$(sqlite3 "$AFMTS_DB" "select count(*) from usage where provider = 'pr500'")" -eq 6 ]
	# Another provider's breaker (a connection closed: no HTTP status) has its own post.
	for _ in 1 2 3; do gw m-close | grep -q '^Status: 502'; done
	[ "$(posts 2)" -eq 2 ]
	sleep 0.5
	[ "$(posts 3)" -eq 2 ]
	jq -s -e '.[1].body | .provider == "pclose" and .model == "m-close" and .status == 0 and
		(.text | contains("(last: no answer)"))' "$p"
	# Successes and other providers' answers post nothing.
	gw m-ok | grep -q '^Status: 200'
	# The last post per provider, shared by every gateway process of the catalog.
	[ "$(cut -d ' ' -f 1 "$AFMTS_DB.alerts" | sort | tr '\n' ' ')" = "pclose pr500 " ]
	# An hour later m-b's trial fails and opens it again: posted again.
	gw m-b AFMTS_NOW=2026-11-23T13:00:01Z | grep -q '^Status: 502'
	[ "$(posts 3)" -eq 3 ]
	jq -s -e '.[2].body | .provider == "pr500" and .model == "m-b" and
		.since == "2026-11-23T13:00:01Z"' "$p"
	[ ! -s "$BATS_TEST_TMPDIR/gw.err" ]
}

@test "gateway processes failing at once post one alert between them" {
	receiver ok
	pids=()
	for _ in $(seq 8); do
		gw m-a > /dev/null &
		pids+=($!)
	done
	wait "${pids[@]}"
	# Those that came after the breaker opened were not tried.
	[ "$(sqlite3 "$AFMTS_DB" "select count(*) from usage where provider = 'pr500'")" -ge 3 ]
	[ "$(posts 1)" -eq 1 ]
	sleep 1
	[ "$(posts 2)" -eq 1 ]
}

@test "a refused key benches the provider: posted with its state" {
	receiver ok
	jq -n -c --arg b "$MOCK/r401/v1" '{type: "model", provider: "pkey", model: "m-key",
		name: "k", context_length: 1000, free: true, free_reason: "test",
		modalities: {input: ["text"], output: ["text"]}, base_url: $b, key_env: "GW_KEY",
		observed_at: "2026-11-22T00:00:00Z"}' | afmts-track > /dev/null
	gw m-key > /dev/null
	[ "$(posts 1)" -eq 1 ]
	jq -e '.body | .kind == "breaker_open" and .provider == "pkey" and .state == "benched" and
		.status == 401 and .until == "2026-11-23T18:00:00Z" and
		(.text | contains("key was refused"))' "$BATS_TEST_TMPDIR/posts"
}

@test "a receiver that never answers does not hold the answer up" {
	receiver dead
	gw m-a > /dev/null
	gw m-a > /dev/null
	start=$(date +%s%N)
	gw m-a AFMTS_GATEWAY_WEBHOOK_TIMEOUT=5 > "$BATS_TEST_TMPDIR/answer"
	took=$(( ($(date +%s%N) - start) / 1000000 ))
	echo "the answer that opened the breaker took $took ms" >&3
	grep -q '^Status: 502' "$BATS_TEST_TMPDIR/answer"
	[ "$took" -lt 2000 ]
	# The detached poster gives up after its timeout, and says so on the gateway's stderr.
	for _ in $(seq 140); do
		grep -q 'no answer' "$BATS_TEST_TMPDIR/gw.err" && break
		sleep 0.05
	done
	grep -q '^afmts-gateway: webhook http://127.0.0.1:[0-9]*: no answer after' "$BATS_TEST_TMPDIR/gw.err"
	! grep -q secret-path "$BATS_TEST_TMPDIR/gw.err" || false
}

@test "bad webhook settings are said, and the answer is unchanged" {
	receiver ok
	run gw m-ok AFMTS_GATEWAY_WEBHOOK=ftp://example.invalid/x
	[[ "$output" == "Status: 200"* ]]
	grep -q '^afmts-gateway: AFMTS_GATEWAY_WEBHOOK: an http:// or https:// URL is needed' "$BATS_TEST_TMPDIR/gw.err"
	! grep -q example.invalid "$BATS_TEST_TMPDIR/gw.err" || false
	printf '# hooks\n%s\n' "$HOOK" > "$BATS_TEST_TMPDIR/hooks"
	for _ in 1 2 3; do gw m-a AFMTS_GATEWAY_WEBHOOK= AFMTS_GATEWAY_WEBHOOK_FILE="$BATS_TEST_TMPDIR/hooks" > /dev/null; done
	[ "$(posts 1)" -eq 1 ]
}

@test "under FastCGI, two workers: one post, and the worker goes on answering" {
	command -v lighttpd > /dev/null || skip "lighttpd is not installed"
	receiver ok
	lighttpd_start "$BATS_TEST_TMPDIR" /gw/status <<-CONF
	server.modules = ( "mod_fastcgi" )
	fastcgi.server = ( "/gw" => ((
		"bin-path" => "$ROOT/bin/afmts-gateway",
		"socket" => "$BATS_TEST_TMPDIR/gw.sock",
		"max-procs" => 1,
		"check-local" => "disable",
		"bin-environment" => ( "AFMTS_DB" => "$AFMTS_DB", "AFMTS_NOW" => "$AFMTS_NOW",
			"GW_KEY" => "$CANARY", "AFMTS_GATEWAY_ATTEMPTS" => "1",
			"AFMTS_GATEWAY_WORKERS" => "2", "AFMTS_GATEWAY_WEBHOOK" => "$HOOK" )
	)) )
	CONF
	body='{"model":"m-a","messages":[{"role":"user","content":"hi"}]}'
	pids=()
	for _ in 1 2 3 4; do
		curl -s -o /dev/null -H 'Content-Type: application/json' --data-binary "$body" \
			"http://127.0.0.1:$PORT/gw/v1/chat/completions" &
		pids+=($!)
	done
	wait "${pids[@]}"
	[ "$(sqlite3 "$AFMTS_DB" "select count(*) from usage where model = 'm-a'")" -ge 3 ]
	[ "$(posts 1)" -eq 1 ]
	jq -e '.body.provider == "pr500" and .body.model == "m-a"' "$BATS_TEST_TMPDIR/posts"
	run curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary '{"model":"m-ok","messages":[{"role":"user","content":"hi"}]}' \
		"http://127.0.0.1:$PORT/gw/v1/chat/completions"
	[ "$output" = 200 ]
	sleep 0.5
	[ "$(posts 2)" -eq 1 ]
}
