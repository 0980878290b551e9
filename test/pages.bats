#!/usr/bin/env bats
# Paged model lists and descriptor headers: afmts-fetch against the loopback
# fixture server paging as OpenRouter (offset/limit, links.next), Gemini
# (nextPageToken), Cohere (next_page_token) and Anthropic (has_more, last_id,
# after_id) document it, over a real model list (Groq's, 20 models).

load helpers

CANARY=canary-pages-key-71d3

setup() {
	setup_env
	FX="$BATS_TEST_TMPDIR/root"
	PROV="$BATS_TEST_TMPDIR/providers"
	mkdir -p "$FX" "$PROV" "$BATS_TEST_TMPDIR/nodata"
	cp "$REAL/groq/hacka-re-2025-09-02.extracted.json" "$FX/list.json"
	N=$(jq '.data | length' "$FX/list.json")
	start_server "$FX"
	OUT="$BATS_TEST_TMPDIR/out.jsonl"
	ERR="$BATS_TEST_TMPDIR/err"
	export AFMTS_TEST_KEY=$CANARY
}

teardown() {
	stop_server
}

# rule STYLE: the descriptor's "pages" for a paging style.
rule() {
	case $1 in
	openrouter) echo '{items: "data", next_url: "links.next", total: "total_count"}' ;;
	gemini) echo '{items: "models", token: "nextPageToken", param: "pageToken"}' ;;
	cohere) echo '{items: "models", token: "next_page_token", param: "page_token"}' ;;
	anthropic) echo '{items: "data", more: "has_more", cursor: "last_id", param: "after_id"}' ;;
	esac
}

# provider NAME URL PAGES [JQ]: a keyed descriptor with that "pages" rule.
provider() {
	jq -n --arg n "$1" --arg u "$2" --arg b "$BASE" \
		"{name: \$n, base_url: \$b, models_url: \$u, dialect: \"openai\", free: {rule: \"all\", source: \"https://example.invalid/terms\", checked: \"2026-12-01\"},
		  data_use: {trains_on_prompts: false, source: \"https://example.invalid/terms\", checked: \"2026-12-01\"},
		  auth: {header: \"x-api-key\", key_env: \"AFMTS_TEST_KEY\"}, pages: $3}" |
		jq "${4:-.}" > "$PROV/$1.json"
}

# fetch [ARGS]: afmts-fetch on the test providers only; $OUT, $ERR, $status.
fetch() {
	status=0
	AFMTS_DATADIR="$BATS_TEST_TMPDIR/nodata" afmts-fetch --providers "$PROV" --backoff 10 \
		--retries 0 "$@" > "$OUT" 2> "$ERR" || status=$?
}

@test "every page of each provider's paging style arrives, as one record, with the key on every page" {
	for style in openrouter gemini cohere anthropic; do
		provider "$style" "$BASE/list.json?paged=$style&size=6" "$(rule "$style")"
	done
	fetch
	[ "$status" -eq 0 ]
	[ ! -s "$ERR" ]
	[ "$(wc -l < "$OUT")" -eq 4 ]
	want=$(jq -c '[.data[].id]' "$FX/list.json")
	for style in openrouter gemini cohere anthropic; do
		rec=$(jq -c --arg p "$style" 'select(.provider == $p)' "$OUT")
		[ "$(echo "$rec" | jq .pages)" -eq 4 ]
		[ "$(echo "$rec" | jq -c '(.body.data // .body.models) | map(.id)')" = "$want" ]
		[ "$(echo "$rec" | jq -r .url)" = "$BASE/list.json?paged=$style&size=6" ]
		# Four requests, the key on each.
		[ "$(jq -r --arg s "paged=$style" 'select(.path | contains($s)) | .headers["x-api-key"]' \
			"$SERVER_LOG" | sort | uniq -c | awk '{print $1, $2}')" = "4 $CANARY" ]
	done
	# The bookkeeping of the pages stays out of the record.
	[ "$(jq -s 'map(select(has("paging") or has("page"))) | length' "$OUT")" -eq 0 ]
	! grep -q "$CANARY" "$OUT" || false
}

@test "a paged list through afmts-parse and afmts-track is one complete observation" {
	provider openrouter "$BASE/list.json?paged=openrouter&size=7" "$(rule openrouter)"
	fetch
	[ "$status" -eq 0 ]
	afmts-parse --providers "$PROV" < "$OUT" | afmts-track --db "$BATS_TEST_TMPDIR/c.db" > "$BATS_TEST_TMPDIR/changes"
	[ "$(sqlite3 "$BATS_TEST_TMPDIR/c.db" "select count(*) from models where present = 1")" -eq "$N" ]
	[ "$(jq -s 'map(select(.event == "added")) | length' "$BATS_TEST_TMPDIR/changes")" -eq "$N" ]
}

# broken NAME QUERY PAGES-JQ: a run of the openrouter-style provider with a
# misbehaving later page, after a complete one: exit 1, one line naming the
# provider and the page, and afmts-track removes nothing.
broken() {
	rm -f "$PROV"/*.json
	provider "$1" "$BASE/list.json?paged=openrouter&size=5" "$(rule openrouter)"
	fetch
	[ "$status" -eq 0 ]
	afmts-parse --providers "$PROV" < "$OUT" | afmts-track --db "$BATS_TEST_TMPDIR/$1.db" > /dev/null
	provider "$1" "$BASE/list.json?paged=openrouter&size=5&$2" "$(rule openrouter)" "${3:-.}"
	fetch
	[ "$status" -eq 1 ]
	[ "$(wc -l < "$ERR")" -eq 1 ]
	LINE=$(cat "$ERR")
	[ "$(jq -r .error.kind "$OUT")" = incomplete ]
	[ "$(jq 'has("body")' "$OUT")" = false ]
	afmts-parse --providers "$PROV" < "$OUT" 2> /dev/null | afmts-track --db "$BATS_TEST_TMPDIR/$1.db" \
		> "$BATS_TEST_TMPDIR/changes" 2> /dev/null || true
	[ "$(jq -s 'map(select(.event == "removed")) | length' "$BATS_TEST_TMPDIR/changes")" -eq 0 ]
	[ "$(sqlite3 "$BATS_TEST_TMPDIR/$1.db" "select count(*) from models where present = 1")" -eq "$N" ]
	[ "$(sqlite3 "$BATS_TEST_TMPDIR/$1.db" "select last_error_kind from providers")" = incomplete ]
}

@test "a later page that fails leaves every model present, and says which page" {
	broken failing "bad_page=3"
	[[ "$LINE" == "afmts-fetch: failing: incomplete: page 3: HTTP 500: page failed"* ]]
}

@test "a list that loops back to an earlier page is cut, not followed forever" {
	broken looping "loop=1"
	[[ "$LINE" == "afmts-fetch: looping: incomplete: page "*": the next page is one already asked (a loop)"* ]]
	[ "$(grep -c 'loop=1' "$SERVER_LOG")" -le 7 ]
}

@test "a next page on another origin is not asked, and the key does not go there" {
	broken away "away=1"
	[[ "$LINE" == "afmts-fetch: away: incomplete: page 1: names a next page on another origin: not followed"* ]]
	[ "$(grep -c 'away=1' "$SERVER_LOG")" -eq 1 ]
	! grep -q '"Host": "localhost' "$SERVER_LOG" || false
}

@test "more pages than max_pages, or more bytes than max_bytes, is an incomplete list" {
	broken bounded "x=1" '.pages.max_pages = 2'
	[[ "$LINE" == "afmts-fetch: bounded: incomplete: page 2: more pages after 2: the bound is reached"* ]]
	broken big "x=2" '.pages.max_bytes = 1000'
	[[ "$LINE" == "afmts-fetch: big: incomplete: page "*": the pages passed 1000 bytes"* ]]
}

@test "fewer models than the list announces is an incomplete list" {
	broken short "claim=3"
	[[ "$LINE" == "afmts-fetch: short: incomplete: page 4: $N models of the $((N + 3)) announced (total_count)"* ]]
}

@test "an archive keeps every page, and --replay joins them into the same records" {
	provider openrouter "$BASE/list.json?paged=openrouter&size=6" "$(rule openrouter)"
	provider gemini "$BASE/list.json?paged=gemini&size=6&bad_page=2" "$(rule gemini)"
	provider plain "$BASE/list.json" 'null'
	fetch --archive "$BATS_TEST_TMPDIR/archive"
	[ "$status" -eq 1 ]
	sort "$OUT" > "$BATS_TEST_TMPDIR/live"
	archive=$(ls "$BATS_TEST_TMPDIR"/archive/afmts-*.tar.gz)
	tar -tzf "$archive" | grep -qx 'openrouter/page-4/body'
	tar -tzf "$archive" | grep -qx 'gemini/page-2/response.json'
	stop_server
	fetch --replay "$archive"
	[ "$status" -eq 1 ]
	sort "$OUT" | cmp - "$BATS_TEST_TMPDIR/live"
	# An archive that lost a page says so.
	mkdir "$BATS_TEST_TMPDIR/x"
	tar -xzf "$archive" -C "$BATS_TEST_TMPDIR/x"
	tar -tzf "$archive" | grep '^openrouter/' | grep -v '^openrouter/page-4/' > "$BATS_TEST_TMPDIR/keep"
	tar -C "$BATS_TEST_TMPDIR/x" --no-recursion -czf "$BATS_TEST_TMPDIR/cut.tar.gz" -T "$BATS_TEST_TMPDIR/keep"
	fetch --replay "$BATS_TEST_TMPDIR/cut.tar.gz"
	[ "$status" -eq 1 ]
	[ "$(jq -r .error.message "$OUT")" = "page 4: not in the archive" ]
}

@test "descriptor headers go with every page, --dry-run shows them, and unsafe ones refuse the descriptor" {
	provider gh "$BASE/list.json?paged=gemini&size=10" "$(rule gemini)" \
		'.headers = {"X-GitHub-Api-Version": "2022-11-28", "Accept": "application/vnd.github+json"}'
	fetch
	[ "$status" -eq 0 ]
	[ "$(jq -r '.headers["X-GitHub-Api-Version"]' "$SERVER_LOG" | uniq -c | awk '{print $1, $2}')" = "2 2022-11-28" ]
	[ "$(jq -r '.headers.Accept' "$SERVER_LOG" | sort -u)" = "application/vnd.github+json" ]
	fetch --dry-run
	[ "$(cut -f5 "$OUT")" = "Accept: application/vnd.github+json; X-GitHub-Api-Version: 2022-11-28" ]
	for bad in '{"X-A": "one\r\nInjected: two"}' '{"X-A": "tab\there"}' '{"Authorization": "Bearer x"}' \
		'{"X-API-Key": "not the key"}' '{"Host": "elsewhere"}' '{"Bad Name": "x"}' '{"X-A": 1}'; do
		provider gh "$BASE/list.json" 'null' ".headers = $bad"
		fetch --dry-run
		[ "$status" -eq 1 ]
		[[ "$(cat "$ERR")" == *"gh.json: bad descriptor: \"headers\""* ]]
		[ ! -s "$OUT" ]
	done
}

@test "a bad pages rule refuses the descriptor when it is loaded" {
	for bad in '{next_url: "links.next"}' '{items: "data"}' '{items: "data", token: "t"}' \
		'{items: "data", next_url: "x", token: "t", param: "p"}' '{items: "data", more: "m", param: "p"}' \
		'{items: "da ta", next_url: "n"}' '{items: "data", next_url: "n", max_pages: 0}' \
		'{items: "data", next_url: "n", extra: 1}' '{items: "data", token: "t", param: "a&b"}' '"data"'; do
		provider p "$BASE/list.json" "$bad"
		fetch --dry-run
		[ "$status" -eq 1 ]
		[[ "$(cat "$ERR")" == *"p.json: bad descriptor: \"pages"* ]]
	done
}

@test "valgrind finds no leak and no error across pages, a failing page, an archive and its replay" {
	command -v valgrind > /dev/null || skip "valgrind is not installed"
	[ -z "${AFMTS_ASAN:-}" ] || skip "the programs are built with AddressSanitizer (make asan checks leaks itself)"
	provider openrouter "$BASE/list.json?paged=openrouter&size=6" "$(rule openrouter)" \
		'.headers = {"X-Test": "yes"}'
	provider anthropic "$BASE/list.json?paged=anthropic&size=6&bad_page=3" "$(rule anthropic)"
	provider looping "$BASE/list.json?paged=gemini&size=6&loop=1" "$(rule gemini)"
	vg=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99)
	run env AFMTS_DATADIR="$BATS_TEST_TMPDIR/nodata" "${vg[@]}" "$ROOT/bin/afmts-fetch" \
		--providers "$PROV" --retries 0 --archive "$BATS_TEST_TMPDIR/archive"
	[ "$status" -eq 1 ]
	[[ "$output" != *"definitely lost"* && "$output" != *"Invalid"* ]]
	run "${vg[@]}" "$ROOT/bin/afmts-fetch" --replay "$BATS_TEST_TMPDIR"/archive/*.tar.gz
	[ "$status" -eq 1 ]
	[[ "$output" != *"definitely lost"* && "$output" != *"Invalid"* ]]
}

@test "the shipped descriptors of OpenRouter, Gemini, Cohere and Anthropic page their lists" {
	run env GEMINI_API_KEY=k-gemini-0123456789 COHERE_API_KEY=k-cohere-0123456789 \
		ANTHROPIC_API_KEY=k-anthropic-0123456789 AFMTS_DATADIR="$ROOT" \
		afmts-fetch --dry-run --only openrouter,gemini,cohere,anthropic
	[ "$status" -eq 0 ]
	[ "$(cut -f1,4 <<< "$output" | grep -c 'unconditional, paged$')" -eq 4 ]
	grep -q $'^anthropic\thttps://api.anthropic.com/v1/models?limit=1000\tkey from ANTHROPIC_API_KEY\t.*\tAccept: application/json; anthropic-version: 2023-06-01$' <<< "$output"
	# Anthropic's list, through the dialect it names: ids and names, nothing free.
	jq -n -c '{type: "fetch", provider: "anthropic", url: "https://api.anthropic.com/v1/models",
		fetched_at: "2026-11-29T00:00:00Z", status: 200, pages: 1, body: {data: [
		{type: "model", id: "claude-sonnet-4-5", display_name: "Claude Sonnet 4.5",
		 created_at: "2025-09-29T00:00:00Z"}], has_more: false}}' |
		AFMTS_DATADIR="$ROOT" afmts-parse > "$OUT"
	[ "$(jq -r 'select(.type == "model") | "\(.model) \(.name) \(.free)"' "$OUT")" = "claude-sonnet-4-5 Claude Sonnet 4.5 false" ]
}
