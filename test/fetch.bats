#!/usr/bin/env bats
# afmts-fetch against the loopback fixture server: every failure a provider
# can show, each ending in the right fetch record and exit status, none
# holding back the others.  Never the internet.

load helpers

setup() {
	setup_env
	FX="$BATS_TEST_TMPDIR/root"
	PROV="$BATS_TEST_TMPDIR/providers"
	mkdir -p "$FX" "$PROV"
	# A real answer: Groq's model list (test/fixtures/real), under several
	# names because the server counts failures per path.
	for f in a b c d e f g h; do
		cp "$REAL/groq/hacka-re-2025-09-02.extracted.json" "$FX/$f.json"
	done
	start_server "$FX"
	OUT="$BATS_TEST_TMPDIR/out.jsonl"
	ERR="$BATS_TEST_TMPDIR/err"
}

teardown() {
	stop_server
}

# provider NAME URL [JQ]: a descriptor for a loopback provider; JQ edits it.
provider() {
	jq -n --arg n "$1" --arg u "$2" --arg b "$BASE" \
		'{name: $n, base_url: $b, models_url: $u, public: true, dialect: "openai",
		  free: {rule: "all", source: "https://example.invalid/terms", checked: "2026-12-01"}, data_use: {trains_on_prompts: false, source: "https://example.invalid/terms", checked: "2026-12-01"}}' | jq "${3:-.}" > "$PROV/$1.json"
}

# fetch [ARGS]: afmts-fetch on the test providers only (never the shipped
# ones: no network), fast retries; records in $OUT, stderr in $ERR, exit
# status in $status.
fetch() {
	status=0
	mkdir -p "$BATS_TEST_TMPDIR/nodata"
	AFMTS_DATADIR="$BATS_TEST_TMPDIR/nodata" \
		afmts-fetch --providers "$PROV" --backoff 10 "$@" > "$OUT" 2> "$ERR" || status=$?
}

# rec PROVIDER FILTER: FILTER applied to PROVIDER's record in $OUT.
rec() {
	jq -r --arg p "$1" "select(.provider == \$p) | $2" "$OUT"
}

# requests PATH: how many requests the server saw for PATH.
requests() {
	jq -r .path "$SERVER_LOG" | grep -c "^/$1" || true
}

@test "a provider that answers gives one fetch record with its body, headers and times" {
	provider ok "$BASE/a.json?header=x-ratelimit-remaining-requests:42&header=x-other:1"
	fetch --only ok
	[ "$status" -eq 0 ]
	[ "$(wc -l < "$OUT")" -eq 1 ]
	[ "$(rec ok '.type + " " + (.status|tostring) + " " + .url')" = "fetch 200 $BASE/a.json?header=x-ratelimit-remaining-requests:42&header=x-other:1" ]
	[ "$(rec ok '.body' | jq -S .)" = "$(jq -S . "$FX/a.json")" ]
	[ "$(rec ok '.headers["x-ratelimit-remaining-requests"]')" = 42 ]
	[ "$(rec ok '.headers["x-other"]')" = null ]
	[ "$(rec ok '.content_type')" = application/json ]
	[ "$(rec ok '.attempts')" = 1 ]
	rec ok '.fetched_at' | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'
	rec ok '.elapsed_ms | numbers'
	[ ! -s "$ERR" ]
}

@test "the request names AFMTS and its version, and asks for JSON" {
	provider ok "$BASE/a.json"
	fetch --only ok
	ua=$(jq -r '.headers["User-Agent"]' "$SERVER_LOG")
	[[ "$ua" == "afmts-fetch/$(afmts-fetch --version | cut -d' ' -f2) "* ]]
	[ "$(jq -r '.headers.Accept' "$SERVER_LOG")" = application/json ]
}

@test "an unchanged list costs a 304, reported as success with not_modified" {
	provider tagged "$BASE/a.json?etag=v1"
	fetch --only tagged
	[ "$status" -eq 0 ]
	[ "$(rec tagged .status)" = 200 ]
	fetch --only tagged
	[ "$status" -eq 0 ]
	[ "$(rec tagged '.status')" = 304 ]
	[ "$(rec tagged '.not_modified')" = true ]
	[ "$(rec tagged 'has("body") or has("error")')" = false ]
	[ "$(jq -r 'select(.headers["If-None-Match"]) | .headers["If-None-Match"]' "$SERVER_LOG")" = '"v1"' ]
}

@test "Last-Modified is sent back as If-Modified-Since" {
	provider dated "$BASE/a.json?header=Last-Modified:Sat,%2021%20Nov%202026%2010:00:00%20GMT"
	fetch --only dated
	fetch --only dated
	[ "$(jq -r 'select(.headers["If-Modified-Since"]) | .headers["If-Modified-Since"]' "$SERVER_LOG")" = "Sat, 21 Nov 2026 10:00:00 GMT" ]
	[ "$(jq -s 'map(select(.headers["If-None-Match"])) | length' "$SERVER_LOG")" = 0 ]
}

@test "--no-cache fetches in full and a changed URL is not sent old validators" {
	provider tagged "$BASE/a.json?etag=v1"
	fetch --only tagged
	fetch --only tagged --no-cache
	[ "$(rec tagged .status)" = 200 ]
	provider tagged "$BASE/b.json?etag=v1"
	fetch --only tagged
	[ "$(rec tagged .status)" = 200 ]
	[ "$(jq -s '[.[] | select(.headers["If-None-Match"])] | length' "$SERVER_LOG")" = 0 ]
}

@test "a 304 keeps every model through afmts-parse and afmts-track" {
	provider tagged "$BASE/a.json?etag=v1"
	export AFMTS_DB="$BATS_TEST_TMPDIR/catalog.db"
	n=$(jq '.data | length' "$FX/a.json")
	fetch --only tagged
	afmts-parse --providers "$PROV" < "$OUT" | afmts-track
	fetch --only tagged
	[ "$(rec tagged .status)" = 304 ]
	run sh -c "afmts-parse --providers '$PROV' < '$OUT' | afmts-track"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(sqlite3 "$AFMTS_DB" "select count(*) from models where provider = 'tagged' and present = 1")" = "$n" ]
}

@test "a 429 with Retry-After is retried after the wait, then succeeds" {
	provider limited "$BASE/a.json?fail=1&fail_status=429&retry_after=1"
	fetch --only limited
	[ "$status" -eq 0 ]
	[ "$(rec limited .status)" = 200 ]
	[ "$(rec limited .attempts)" = 2 ]
	[ "$(rec limited '.elapsed_ms >= 1000')" = true ]
}

@test "a Retry-After given as an HTTP date is honoured" {
	when=$(date -u -d '+2 seconds' '+%a,%%20%d%%20%b%%20%Y%%20%H:%M:%S%%20GMT')
	provider limited "$BASE/a.json?fail=1&fail_status=503&retry_after=$when"
	fetch --only limited --backoff 10
	[ "$status" -eq 0 ]
	[ "$(rec limited .attempts)" = 2 ]
	[ "$(rec limited '.elapsed_ms >= 900')" = true ]
}

@test "retry-after-ms is honoured in place of the backoff" {
	provider limited "$BASE/a.json?fail=1&fail_status=429&header=retry-after-ms:300"
	fetch --only limited --backoff 20000
	[ "$status" -eq 0 ]
	[ "$(rec limited '.attempts')" = 2 ]
	[ "$(rec limited '.elapsed_ms >= 300 and .elapsed_ms < 5000')" = true ]
}

@test "a Retry-After longer than --max-wait gives up at once" {
	provider limited "$BASE/a.json?fail=9&fail_status=429&retry_after=3600"
	fetch --only limited --max-wait 2000
	[ "$status" -eq 1 ]
	[ "$(rec limited '.error.kind + " " + (.status|tostring)')" = "http 429" ]
	[ "$(rec limited .attempts)" = 1 ]
}

@test "a 500 then success is retried" {
	provider flaky "$BASE/a.json?fail=1"
	fetch --only flaky
	[ "$status" -eq 0 ]
	[ "$(rec flaky .attempts)" = 2 ]
	[ "$(requests a.json)" = 2 ]
}

@test "a permanent 500 gives up after the retry budget and reports the error" {
	provider down "$BASE/a.json?status=500&x=1"
	cp "$FX/a.json" "$FX/a.json.bak"
	printf '{"error":{"message":"upstream exploded"}}' > "$FX/a.json"
	fetch --only down --retries 2
	[ "$status" -eq 1 ]
	[ "$(rec down '.error.kind')" = http ]
	[ "$(rec down '.error.message')" = "HTTP 500: upstream exploded" ]
	[ "$(rec down .attempts)" = 3 ]
	[ "$(requests a.json)" = 3 ]
	grep -q '^afmts-fetch: down: http: HTTP 500' "$ERR"
}

@test "a refused connection is retried, then reported as connect" {
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	provider refused "http://127.0.0.1:$port/models"
	fetch --only refused --retries 1
	[ "$status" -eq 1 ]
	[ "$(rec refused '.error.kind + " " + (.status|tostring)')" = "connect 0" ]
	[ "$(rec refused .attempts)" = 2 ]
}

@test "a server that stalls times out" {
	provider stalled "$BASE/a.json?delay=5000"
	fetch --only stalled --timeout 300 --retries 0
	[ "$status" -eq 1 ]
	[ "$(rec stalled .error.kind)" = timeout ]
	[ "$(rec stalled '.elapsed_ms < 2000')" = true ]
}

@test "a truncated body is reported as truncated" {
	provider cut "$BASE/a.json?truncate=100"
	fetch --only cut --retries 1
	[ "$status" -eq 1 ]
	[ "$(rec cut .error.kind)" = truncated ]
	[ "$(rec cut .attempts)" = 2 ]
}

@test "a body over the size cap is refused, announced or not" {
	provider big "$BASE/a.json"
	provider stream "$BASE/b.json?nolength=1"
	fetch --only big,stream --max-size 2048
	[ "$status" -eq 1 ]
	[ "$(rec big .error.kind)" = too_large ]
	[ "$(rec stream .error.kind)" = too_large ]
	[ "$(rec big .attempts)" = 1 ]
}

@test "a redirect loop stops after the redirect limit" {
	provider loop "$BASE/a.json?redirect=self"
	fetch --only loop
	[ "$status" -eq 1 ]
	[ "$(rec loop .error.kind)" = redirects ]
	[ "$(requests a.json)" = 6 ]
}

@test "a redirect is followed" {
	provider moved "$BASE/a.json?redirect=/b.json"
	fetch --only moved
	[ "$status" -eq 0 ]
	[ "$(rec moved '.status, .redirects, .attempts' | tr '\n' ' ')" = "200 1 1 " ]
}

@test "a slow-drip body arrives whole" {
	printf '{"data":[{"id":"drip-model"}]}' > "$FX/drip.json"
	provider drip "$BASE/drip.json?drip=10"
	fetch --only drip
	[ "$status" -eq 0 ]
	[ "$(rec drip '.body.data[0].id')" = drip-model ]
}

@test "every failure at once: each gets its record, none holds back the others" {
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	printf '{"data":[{"id":"drip-model"}]}' > "$FX/drip.json"
	provider fast "$BASE/a.json"
	provider tagged "$BASE/h.json?etag=v1"
	provider limited "$BASE/b.json?fail=1&fail_status=429&retry_after=1"
	provider flaky "$BASE/c.json?fail=1"
	provider down "$BASE/d.json?status=500&x=1"
	provider refused "http://127.0.0.1:$port/models"
	provider stalled "$BASE/e.json?delay=5000"
	provider cut "$BASE/f.json?truncate=100"
	head -c 40000 /dev/zero | tr '\0' ' ' > "$FX/big.json"
	provider big "$BASE/big.json?nolength=1"
	provider loop "$BASE/loop.json?redirect=self"
	provider drip "$BASE/drip.json?drip=20"
	fetch --only tagged
	start=$(date +%s%N)
	fetch --timeout 1500 --retries 1 --max-size 20000
	wall=$(( ($(date +%s%N) - start) / 1000000 ))
	[ "$status" -eq 1 ]
	[ "$(wc -l < "$OUT")" -eq 11 ]
	[ "$(jq -r 'select(.error == null) | .provider' "$OUT" | sort | tr '\n' ' ')" = "drip fast flaky limited tagged " ]
	[ "$(rec tagged .not_modified)" = true ]
	[ "$(jq -r 'select(.error) | .provider + ":" + .error.kind' "$OUT" | sort | tr '\n' ' ')" = \
		"big:too_large cut:truncated down:http loop:redirects refused:connect stalled:timeout " ]
	# The fast provider is written at once, before the slow ones; the run takes
	# about as long as its slowest provider (stalled: two attempts of 1.5 s),
	# not the sum.
	order=$(jq -r .provider "$OUT" | tr '\n' ' ')
	[[ "$order" == *fast*drip* && "$order" == *fast*limited* && "$order" == *fast*stalled* ]]
	[ "$(rec fast '.elapsed_ms < 1000')" = true ]
	[ "$wall" -lt 6000 ]
}

@test "keys come from the environment, go in the descriptor's header, and appear nowhere else" {
	canary="afmts-canary-$$-0123456789abcdef"
	export AFMTS_TEST_KEY="$canary"
	# The server is hostile: it echoes the key in a kept header and in the body.
	jq --arg k "$canary" '.data[0].id = "echo " + $k' "$FX/a.json" > "$FX/echo.json"
	provider keyed "$BASE/echo.json?echo=x-ratelimit-echo&etag=v1" \
		'.public = false | .auth = {header: "Authorization", scheme: "Bearer", key_env: "AFMTS_TEST_KEY"}'
	provider failing "$BASE/a.json?status=401" \
		'.auth = {header: "X-Api-Key", key_env: "AFMTS_TEST_KEY"}'
	export AFMTS_DB="$BATS_TEST_TMPDIR/catalog.db"
	fetch -v --archive "$BATS_TEST_TMPDIR/archive" --only keyed,failing
	[ "$status" -eq 1 ]
	[ "$(jq -r 'select(.path | startswith("/echo")) | .headers.Authorization' "$SERVER_LOG")" = "Bearer $canary" ]
	[ "$(jq -r 'select(.path | startswith("/a.json")) | .headers["X-Api-Key"]' "$SERVER_LOG")" = "$canary" ]
	afmts-parse --providers "$PROV" < "$OUT" > "$BATS_TEST_TMPDIR/models.jsonl" 2>> "$ERR" || true
	afmts-track -v < "$BATS_TEST_TMPDIR/models.jsonl" > "$BATS_TEST_TMPDIR/changes" 2>> "$ERR" || true
	afmts-fetch --replay "$BATS_TEST_TMPDIR"/archive/*.tar.gz > "$BATS_TEST_TMPDIR/replayed" 2>> "$ERR" || true
	afmts-track --export > "$BATS_TEST_TMPDIR/export"
	[ "$(rec keyed '.body.data[0].id')" = "echo ${canary//?/*}" ]
	[ "$(rec keyed '.headers["x-ratelimit-echo"]')" = "Bearer ${canary//?/*}" ]
	mkdir "$BATS_TEST_TMPDIR/unpacked"
	tar -xzf "$BATS_TEST_TMPDIR"/archive/*.tar.gz -C "$BATS_TEST_TMPDIR/unpacked"
	sqlite3 "$AFMTS_DB" .dump > "$BATS_TEST_TMPDIR/dump.sql"
	[ "$(ls "$XDG_STATE_HOME/afmts/http-cache")" = keyed.json ]
	run grep -rl -- "$canary" "$OUT" "$ERR" "$BATS_TEST_TMPDIR/models.jsonl" \
		"$BATS_TEST_TMPDIR/changes" "$BATS_TEST_TMPDIR/replayed" "$BATS_TEST_TMPDIR/export" \
		"$BATS_TEST_TMPDIR/unpacked" "$BATS_TEST_TMPDIR/archive" "$BATS_TEST_TMPDIR/dump.sql" \
		"$AFMTS_DB" "$XDG_STATE_HOME"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
}

@test "a key is not sent to another origin on a redirect" {
	export AFMTS_TEST_KEY="afmts-canary-redirect-0123456789"
	port=${BASE##*:}
	provider keyed "$BASE/a.json?redirect=http://localhost:$port/b.json" \
		'.public = false | .auth = {header: "Authorization", scheme: "Bearer", key_env: "AFMTS_TEST_KEY"}'
	fetch --only keyed
	[ "$status" -eq 0 ]
	[ "$(jq -r 'select(.path | startswith("/a.json")) | .headers.Authorization' "$SERVER_LOG")" = "Bearer $AFMTS_TEST_KEY" ]
	[ "$(jq -r 'select(.path | startswith("/b.json")) | .headers.Authorization' "$SERVER_LOG")" = null ]
}

@test "a provider whose key is missing is skipped with a message; a public one goes anonymous" {
	unset AFMTS_TEST_KEY
	provider private "$BASE/a.json" \
		'.public = false | .auth = {header: "Authorization", scheme: "Bearer", key_env: "AFMTS_TEST_KEY"}'
	provider open "$BASE/b.json" \
		'.auth = {header: "Authorization", scheme: "Bearer", key_env: "AFMTS_TEST_KEY"}'
	fetch
	[ "$status" -eq 0 ]
	[ "$(jq -r .provider "$OUT")" = open ]
	grep -qx 'afmts-fetch: private: AFMTS_TEST_KEY is not set, skipped' "$ERR"
	[ "$(jq -r '.headers.Authorization' "$SERVER_LOG")" = null ]
}

@test "a key with a newline in it is refused, not sent" {
	export AFMTS_TEST_KEY=$'abcdefgh\r\nX-Injected: 1'
	provider keyed "$BASE/a.json" \
		'.public = false | .auth = {header: "Authorization", key_env: "AFMTS_TEST_KEY"}'
	fetch --only keyed
	[ ! -s "$OUT" ]
	grep -q 'keyed: AFMTS_TEST_KEY is not a usable key' "$ERR"
	[ ! -s "$SERVER_LOG" ]
}

@test "\${VAR} in a models_url comes from the environment, and must be a plain word" {
	provider acct "$BASE/\${AFMTS_TEST_ACCOUNT}.json"
	unset AFMTS_TEST_ACCOUNT
	fetch --only acct
	grep -qx 'afmts-fetch: acct: AFMTS_TEST_ACCOUNT is not set, skipped' "$ERR"
	AFMTS_TEST_ACCOUNT='../x?y' fetch --only acct
	grep -q 'acct: AFMTS_TEST_ACCOUNT is not a plain URL word' "$ERR"
	AFMTS_TEST_ACCOUNT=c fetch --only acct
	[ "$status" -eq 0 ]
	[ "$(rec acct .url)" = "$BASE/c.json" ]
}

@test "a disabled provider is fetched only when --only names it" {
	provider local "$BASE/a.json" '.enabled = false'
	provider other "$BASE/b.json"
	fetch
	[ "$(jq -r .provider "$OUT")" = other ]
	fetch --only local
	[ "$(jq -r .provider "$OUT")" = local ]
}

@test "a JSON body that does not parse is bad_json; an HTML page is body_text" {
	printf '{"data": [' > "$FX/broken.json"
	printf '<html><body><table><tr><td>m</td></tr></table></body></html>' > "$FX/page.html"
	provider broken "$BASE/broken.json?etag=v1"
	provider page "$BASE/page.html?type=text/html"
	fetch --only broken,page
	[ "$status" -eq 1 ]
	[ "$(rec broken .error.kind)" = bad_json ]
	[ "$(rec page '.body_text | startswith("<html>")')" = true ]
	# A broken answer is not cached: next time it is fetched in full.
	[ ! -e "$XDG_STATE_HOME/afmts/http-cache/broken.json" ]
}

@test "https is verified: a server without a good certificate is a tls error" {
	provider secure "https://127.0.0.1:${BASE##*:}/a.json"
	fetch --only secure
	[ "$status" -eq 1 ]
	[ "$(rec secure .error.kind)" = tls ]
	[ "$(rec secure .attempts)" = 1 ]
}

@test "--dry-run says what would be fetched, and fetches nothing" {
	export AFMTS_TEST_KEY=abcdefgh12345678
	provider keyed "$BASE/a.json" '.auth = {header: "Authorization", key_env: "AFMTS_TEST_KEY"}'
	provider open "$BASE/b.json"
	fetch --dry-run
	[ "$status" -eq 0 ]
	[ "$(cut -f1,2,3 "$OUT")" = "$(printf 'keyed\t%s\tkey from AFMTS_TEST_KEY\nopen\t%s\tno key' "$BASE/a.json" "$BASE/b.json")" ]
	! grep -q abcdefgh12345678 "$OUT" || false
	[ ! -s "$SERVER_LOG" ]
}

@test "--replay gives the same records as the live run, without the network" {
	provider ok "$BASE/a.json?header=x-ratelimit-limit-requests:1000"
	provider down "$BASE/b.json?status=503"
	provider page "$BASE/c.json?type=text/plain&x=1"
	fetch --archive "$BATS_TEST_TMPDIR/archive" --retries 0
	[ "$status" -eq 1 ]
	cp "$OUT" "$BATS_TEST_TMPDIR/live"
	stop_server
	archive=$(ls "$BATS_TEST_TMPDIR"/archive/afmts-*.tar.gz)
	[ "$(ls -A "$BATS_TEST_TMPDIR/archive" | wc -l)" -eq 1 ]
	fetch --replay "$archive"
	[ "$status" -eq 1 ]
	cmp "$OUT" "$BATS_TEST_TMPDIR/live"
	fetch --replay "$archive" --only ok
	[ "$status" -eq 0 ]
	[ "$(jq -r .provider "$OUT")" = ok ]
	# The archive is a plain tar: raw body bytes beside the record.
	tar -xzOf "$archive" ok/body | cmp - "$FX/a.json"
}

@test "a replayed archive that is missing, damaged or odd is reported" {
	fetch --replay "$BATS_TEST_TMPDIR/none.tar.gz"
	[ "$status" -eq 4 ]
	grep -q 'none.tar.gz' "$ERR"
	head -c 3000 /dev/urandom > "$BATS_TEST_TMPDIR/junk.tar.gz"
	fetch --replay "$BATS_TEST_TMPDIR/junk.tar.gz"
	[ "$status" -eq 4 ]
	mkdir -p "$BATS_TEST_TMPDIR/odd/ok" "$BATS_TEST_TMPDIR/odd/bad"
	fetchline ok "$FX/a.json" | jq -c 'del(.body)' > "$BATS_TEST_TMPDIR/odd/ok/response.json"
	cp "$FX/a.json" "$BATS_TEST_TMPDIR/odd/ok/body"
	echo '{"type":"fetch","provider":"someone-else"}' > "$BATS_TEST_TMPDIR/odd/bad/response.json"
	tar -czf "$BATS_TEST_TMPDIR/odd.tar.gz" -C "$BATS_TEST_TMPDIR/odd" bad ok
	fetch --replay "$BATS_TEST_TMPDIR/odd.tar.gz"
	[ "$status" -eq 1 ]
	[ "$(jq -r .provider "$OUT")" = ok ]
	grep -q 'bad/response.json: not a fetch record of bad' "$ERR"
}

@test "an archive directory that cannot be written stops the run before any request" {
	provider ok "$BASE/a.json"
	touch "$BATS_TEST_TMPDIR/file"
	fetch --archive "$BATS_TEST_TMPDIR/file/archive"
	[ "$status" -eq 4 ]
	[ ! -s "$SERVER_LOG" ]
}

@test "usage errors exit 2; --help and --version exit 0" {
	run afmts-fetch --only 'Bad Name'
	[ "$status" -eq 2 ]
	run afmts-fetch --providers "$PROV" --only nosuch
	[ "$status" -eq 2 ]
	[[ "$output" == *"no provider named 'nosuch'"* ]]
	run afmts-fetch --parallel 0
	[ "$status" -eq 2 ]
	run afmts-fetch extra
	[ "$status" -eq 2 ]
	run afmts-fetch --replay x --archive y
	[ "$status" -eq 2 ]
	run afmts-fetch --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--replay FILE"* ]]
	run afmts-fetch --version
	[ "$status" -eq 0 ]
}

@test "valgrind finds no leak and no error in a live run with failures, an archive and a replay" {
	command -v valgrind >/dev/null || skip "valgrind is not installed"
	[ -z "${AFMTS_ASAN:-}" ] || skip "the programs are built with AddressSanitizer (make asan checks leaks itself)"
	export AFMTS_TEST_KEY=abcdefgh12345678
	provider ok "$BASE/a.json?etag=v1" '.auth = {header: "Authorization", scheme: "Bearer", key_env: "AFMTS_TEST_KEY"}'
	provider flaky "$BASE/b.json?fail=1"
	provider down "$BASE/c.json?status=500"
	provider cut "$BASE/d.json?truncate=10"
	provider loop "$BASE/e.json?redirect=self"
	vg=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99)
	mkdir -p "$BATS_TEST_TMPDIR/nodata"
	export AFMTS_DATADIR="$BATS_TEST_TMPDIR/nodata"
	run "${vg[@]}" "$ROOT/bin/afmts-fetch" --providers "$PROV" --backoff 10 --retries 1 \
		--archive "$BATS_TEST_TMPDIR/archive"
	[ "$status" -eq 1 ]
	[[ "$output" != *"definitely lost"* && "$output" != *"Invalid"* ]]
	run "${vg[@]}" "$ROOT/bin/afmts-fetch" --replay "$BATS_TEST_TMPDIR"/archive/*.tar.gz
	[ "$status" -eq 1 ]
	[[ "$output" != *"definitely lost"* && "$output" != *"Invalid"* ]]
}

@test "a provider that fails in a live run keeps its models, and its failure is recorded" {
	provider flaky "$BASE/a.json"
	export AFMTS_DB="$BATS_TEST_TMPDIR/catalog.db"
	n=$(jq '.data | length' "$FX/a.json")
	AFMTS_NOW=2026-11-20T06:00:00Z fetch
	afmts-parse --providers "$PROV" < "$OUT" | afmts-track > /dev/null
	provider flaky "$BASE/a.json?status=503"
	AFMTS_NOW=2026-11-21T06:00:00Z fetch --retries 1
	[ "$status" -eq 1 ]
	afmts-parse --providers "$PROV" < "$OUT" 2> "$ERR" | afmts-track > "$BATS_TEST_TMPDIR/changes"
	[ ! -s "$BATS_TEST_TMPDIR/changes" ]
	grep -q 'provider flaky: HTTP 503' "$ERR"
	[ "$(sqlite3 "$AFMTS_DB" "select count(*) from models where provider = 'flaky' and present = 1")" = "$n" ]
	[ "$(sqlite3 "$AFMTS_DB" "select ok from provider_runs where provider = 'flaky' order by observed_at desc limit 1")" = 0 ]
}
