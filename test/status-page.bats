#!/usr/bin/env bats
# GET /status.html: the page afmts-route serves, checked as text and in
# headless Chromium (DOM, console, Content-Security-Policy, screenshots),
# with model names that would run script if the page let them be markup.

load helpers

NOW=2026-06-24T13:00:00Z
HOSTILE='<img src=x onerror="document.body.setAttribute(&quot;data-pwned&quot;,1)">'

setup() {
	setup_env
	DB="$BATS_TEST_TMPDIR/catalog.db"
	export AFMTS_DB="$DB" AFMTS_NOW=$NOW
	# Four providers (nvidia's 121 models were added at 12:29: changes of the last 24 h).
	snapshot_catalog "$DB"
	# A fifth whose models have hostile names, one cooling down, one benched.
	jq -n -c --arg h "$HOSTILE" '
		($h, "<script>document.title=\"pwned\"</script>", "<svg onload=\"document.body.setAttribute(&quot;data-pwned&quot;,2)\">")
		| {type: "model", provider: "evil", model: ., name: ., context_length: 1000, free: true,
		   free_reason: "test", base_url: "http://127.0.0.1:9/v1", key_env: "EVIL_KEY",
		   observed_at: "2026-06-24T12:40:00Z"}' > "$BATS_TEST_TMPDIR/evil.jsonl"
	echo '{"type":"provider","provider":"evil","ok":true,"models":3,"observed_at":"2026-06-24T12:40:00Z"}' \
		>> "$BATS_TEST_TMPDIR/evil.jsonl"
	jq -n -c --arg h "$HOSTILE" '
		{type: "usage", ts: "2026-06-24T12:59:00Z", provider: "evil", model: $h, prompt_tokens: 5,
		 completion_tokens: 0, latency_ms: 80, status: 429, retry_after: 600},
		{type: "usage", ts: "2026-06-24T12:58:00Z", provider: "evil",
		 model: "<script>document.title=\"pwned\"</script>", prompt_tokens: 5, completion_tokens: 0,
		 latency_ms: 80, status: 401},
		{type: "usage", ts: "2026-06-24T12:30:00Z", provider: "groq", model: "llama-3.1-8b-instant",
		 prompt_tokens: 12, completion_tokens: 34, latency_ms: 450, status: 200}' \
		>> "$BATS_TEST_TMPDIR/evil.jsonl"
	afmts-track --db "$DB" "$BATS_TEST_TMPDIR/evil.jsonl" > /dev/null
}

# page: GET /status.html through afmts-route as CGI into $BATS_TEST_TMPDIR/status.html.
page() {
	env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET PATH_INFO=/status.html QUERY_STRING= \
		afmts-route > "$BATS_TEST_TMPDIR/raw"
	head -1 "$BATS_TEST_TMPDIR/raw" | grep -q '^Status: 200'
	grep -q '^Content-Type: text/html; charset=utf-8' "$BATS_TEST_TMPDIR/raw"
	sed '1,/^\r$/d' "$BATS_TEST_TMPDIR/raw" > "$BATS_TEST_TMPDIR/status.html"
}

chromium_run() {
	timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
		--no-first-run --disable-extensions --user-data-dir="$BATS_TEST_TMPDIR/profile" \
		--enable-logging=stderr --v=0 "$@" 2> "$BATS_TEST_TMPDIR/chromium.err"
}

# console_clean: no console message and no CSP report in Chromium's log.
console_clean() {
	! grep -E 'CONSOLE|Content Security Policy|Refused to' "$BATS_TEST_TMPDIR/chromium.err" || false
}

@test "the page: every section and provider, figures from the catalog, the report's style, a 30 s refresh" {
	page
	f="$BATS_TEST_TMPDIR/status.html"
	for id in providers out traffic changes; do grep -q "<section id=\"$id\">" "$f"; done
	for p in evil groq nvidia openrouter together; do grep -q "<td data-label=\"Provider\">$p</td>" "$f"; done
	grep -qF '<meta http-equiv="refresh" content="30">' "$f"
	grep -qF "content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\"" "$f"
	# The report's style, borrowed whole.
	sed -n '/<style>/,/<\/style>/p' "$ROOT/reports/report.html" > "$BATS_TEST_TMPDIR/style"
	sed -n '/<style>/,/<\/style>/p' "$f" | diff "$BATS_TEST_TMPDIR/style" -
	# nvidia: 121 free, all added at 12:29; its row says so.
	python3 - "$f" <<'PY'
import re, sys
page = open(sys.argv[1], encoding="utf-8").read()
row = re.search(r'<tr><td data-label="Provider">nvidia</td>(.*?)</tr>', page).group(1)
cells = re.findall(r'data-label="([^"]*)">([^<]*)<', row)
got = dict(cells)
assert got["Free models"] == "121" and got["Became free (24 h)"] == "121", got
assert got["Health"] == "ok", got
PY
	# The hostile models out now, with when they come back; no markup of theirs.
	grep -qF '<td data-label="State">cooldown</td><td class="t" data-label="Back at (UTC)">2026-06-24T13:09:00Z</td>' "$f"
	grep -qF '<td data-label="State">benched</td><td class="t" data-label="Back at (UTC)">2026-06-24T18:58:00Z</td>' "$f"
	! grep -q '<img\|<script\|<svg' "$f" || false
	grep -qF '&lt;img src=x onerror=&quot;' "$f"
	# The last hour's requests: groq's one request, evil's two.
	[ "$(grep -c 'data-label="Requests">1<' "$f")" -eq 3 ]
	# HEAD and a parameter, as the other endpoints answer them.
	run env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=GET PATH_INFO=/status.html QUERY_STRING=a=1 afmts-route
	[[ "$output" == "Status: 400"* ]]
}

@test "Chromium renders the page: no script runs, no console error, no CSP violation" {
	command -v chromium > /dev/null || skip "chromium is not installed (make deps installs it)"
	page
	chromium_run --dump-dom "file://$BATS_TEST_TMPDIR/status.html" > "$BATS_TEST_TMPDIR/dom.html"
	console_clean
	python3 - "$BATS_TEST_TMPDIR/dom.html" "$HOSTILE" <<'PY'
import os, sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["ROOT"] + "/test")
from dom import read

d = read(sys.argv[1])
assert {"providers", "out", "traffic", "changes"} <= d.ids, d.ids
assert d.tags.get("table") == 4, d.tags
for t in ("script", "img", "svg"):
    assert t not in d.tags, t
assert "data-pwned" not in d.body_attrs, "a handler ran"
assert d.title == "AFMTS status", d.title
assert sys.argv[2] in d.text, "the hostile name is not shown as text"
PY
	# The check can fail: the same page with an inline script is refused, and says so.
	sed 's|</body>|<script>document.title = "ran"</script></body>|' "$BATS_TEST_TMPDIR/status.html" \
		> "$BATS_TEST_TMPDIR/scripted.html"
	chromium_run --dump-dom "file://$BATS_TEST_TMPDIR/scripted.html" > /dev/null
	! console_clean
}

@test "Chromium takes screenshots of the page at 1280 px and 390 px, with no console error" {
	command -v chromium > /dev/null || skip "chromium is not installed (make deps installs it)"
	page
	for w in 1280 390; do
		chromium_run --hide-scrollbars --window-size="$w,1600" \
			--screenshot="$BATS_TEST_TMPDIR/status-$w.png" "file://$BATS_TEST_TMPDIR/status.html"
		console_clean
		png_check "$BATS_TEST_TMPDIR/status-$w.png" "$w" 1600
	done
}

@test "afmts-serve answers / with the status page" {
	command -v lighttpd > /dev/null || skip "lighttpd is not installed"
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	TMPDIR="$BATS_TEST_TMPDIR" "$ROOT/schedule/afmts-serve" --listen "127.0.0.1:$port" --db "$DB" --procs 1 \
		2> "$BATS_TEST_TMPDIR/serve.err" 3>&- &
	serve=$!
	for _ in $(seq 100); do grep -q serving "$BATS_TEST_TMPDIR/serve.err" && break; sleep 0.05; done
	curl -s -D "$BATS_TEST_TMPDIR/h" "http://127.0.0.1:$port/" > "$BATS_TEST_TMPDIR/front.html"
	curl -s "http://127.0.0.1:$port/status.html" > "$BATS_TEST_TMPDIR/page.html"
	kill "$serve"
	wait "$serve" || true
	grep -qi '^content-type: text/html' "$BATS_TEST_TMPDIR/h"
	grep -q '<h1>AFMTS: status</h1>' "$BATS_TEST_TMPDIR/front.html"
	grep -q '<h1>AFMTS: status</h1>' "$BATS_TEST_TMPDIR/page.html"
}
