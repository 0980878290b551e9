#!/usr/bin/env bats
# The HTML report in a real browser: headless Chromium (Debian's package)
# loads it from a file, and the test reads the DOM it built and a screenshot.

load helpers
load report-helpers

setup() {
	setup_env
	command -v chromium > /dev/null || skip "chromium is not installed (make deps installs it)"
	report_catalog
	# Model names that would run script if the report let them be markup.
	jq -n -c '
		["<img src=x onerror=\"document.body.setAttribute(&quot;data-pwned&quot;,1)\">",
		 "<script>document.title=\"pwned\"</script>",
		 "<svg onload=\"document.body.setAttribute(&quot;data-pwned&quot;,2)\">"][]
		| {type: "usage", ts: "2025-05-23T12:00:00Z", provider: "groq", model: .,
		   prompt_tokens: 1, completion_tokens: 1, latency_ms: 10, status: 200}' |
		afmts-track > /dev/null
	afmts-report --day 2025-05-23 -o "$BATS_TEST_TMPDIR/report.html"
}

# chromium ARGS...: headless, sandboxless (root in CI), no network, a fresh profile.
chromium_run() {
	timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
		--no-first-run --disable-extensions --user-data-dir="$BATS_TEST_TMPDIR/profile" \
		"$@" 2> "$BATS_TEST_TMPDIR/chromium.err"
}

@test "Chromium renders every section and chart, the hostile names stay text, and no script ran" {
	chromium_run --dump-dom "file://$BATS_TEST_TMPDIR/report.html" > "$BATS_TEST_TMPDIR/dom.html"
	dom="$BATS_TEST_TMPDIR/dom.html"
	[ -s "$dom" ]
	# The DOM, parsed by Python: sections, tables, charts, and what is not there.
	python3 - "$dom" "$HOSTILE" <<'PY'
import html.parser, sys

class Dom(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.tags, self.text, self.body_attrs, self.title = set(), {}, [], {}, ""
        self.in_title = False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "body":
            self.body_attrs = a
        self.in_title = tag == "title" and "svg" not in self.tags
    def handle_endtag(self, tag):
        self.in_title = False
    def handle_data(self, data):
        self.text.append(data)
        if self.in_title:
            self.title += data

d = Dom()
d.feed(open(sys.argv[1], encoding="utf-8").read())
text = "".join(d.text)
want = {"headline", "summary", "trend", "changes", "usage", "cost",
        "chart-free", "chart-tokens", "chart-savings"}
assert want <= d.ids, want - d.ids
assert d.tags.get("svg") == 3, d.tags
assert d.tags.get("polyline", 0) >= 2 and d.tags.get("rect", 0) >= 10, d.tags
assert d.tags.get("table") == 4, d.tags
assert "script" not in d.tags, "a script element in the DOM"
assert "img" not in d.tags, "an img element in the DOM"
assert "data-pwned" not in d.body_attrs, "a handler ran"
assert d.title.startswith("AFMTS report"), d.title
assert sys.argv[2] in text, "the hostile name is not shown as text"
assert '<img src=x onerror=' in text
PY
}

@test "Chromium takes a screenshot of the report at phone width" {
	cd "$BATS_TEST_TMPDIR"
	chromium_run --hide-scrollbars --window-size=412,2200 \
		--screenshot="$BATS_TEST_TMPDIR/report.png" "file://$BATS_TEST_TMPDIR/report.html"
	[ -s "$BATS_TEST_TMPDIR/report.png" ]
	# A PNG of that size, and not one colour: the page drew something.
	python3 - "$BATS_TEST_TMPDIR/report.png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n"
w, h = struct.unpack(">II", data[16:24])
assert (w, h) == (412, 2200), (w, h)
pos, idat = 8, b""
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    if kind == b"IDAT":
        idat += data[pos + 8:pos + 8 + n]
    pos += 12 + n
raw = zlib.decompress(idat)
assert len(set(raw)) > 8, "a blank page"
PY
}
