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
import os, sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.environ["ROOT"] + "/test")
from dom import read

d = read(sys.argv[1])
text = d.text
want = {"headline", "summary", "evidence", "trend", "changes", "usage", "cost",
        "chart-free", "chart-tokens", "chart-savings"}
assert want <= d.ids, want - d.ids
assert d.tags.get("svg") == 3, d.tags
assert d.tags.get("polyline", 0) >= 2 and d.tags.get("rect", 0) >= 10, d.tags
assert d.tags.get("table") == 5, d.tags
assert "script" not in d.tags, "a script element in the DOM"
assert "img" not in d.tags, "an img element in the DOM"
assert "data-pwned" not in d.body_attrs, "a handler ran"
assert d.title.startswith("AFMTS report"), d.title
assert sys.argv[2] in text, "the hostile name is not shown as text"
assert '<img src=x onerror=' in text
PY
}

# fit WIDTH: load the report in a WIDTH px wide frame of a test page whose
# script (the report itself has none and forbids any) measures the layout and
# writes what it found into the DOM, which Chromium dumps; the findings, as
# JSON, go to $BATS_TEST_TMPDIR/fit-WIDTH.json.  A cell or a header is shown
# when it has a size and lies inside the window and inside every box that
# could clip or scroll it; a header that is not shown must be the label that
# each cell of its column shows (its ::before content).
fit() {
	local w=$1 page="$BATS_TEST_TMPDIR/fit-$1.html"
	cat > "$page" <<HTML
<!DOCTYPE html>
<html><head><meta charset="utf-8"><style>body { margin: 0 } iframe { border: 0; display: block }</style></head>
<body><iframe id="report" src="report.html" style="width: ${w}px; height: 2000px"></iframe>
<pre id="fit">the check did not run</pre>
<script>
function check(doc, width) {
	var win = doc.defaultView, problems = [], tables = [];

	function shown(el) {
		var r = el.getBoundingClientRect();

		if (r.width < 1 || r.height < 1 || r.left < -0.5 || r.right > width + 0.5)
			return false;
		for (var a = el.parentElement; a && a !== doc.documentElement; a = a.parentElement) {
			var ar = a.getBoundingClientRect();

			if (win.getComputedStyle(a).overflowX !== "visible" &&
			    (r.left < ar.left - 0.5 || r.right > ar.right + 0.5 || ar.width < 1))
				return false;
		}
		return true;
	}
	if (doc.documentElement.scrollWidth > width)
		problems.push("the page is " + doc.documentElement.scrollWidth + " px wide");
	doc.querySelectorAll("table").forEach(function (t) {
		var ths = Array.from(t.querySelectorAll("thead th")), section = t.closest("section").id;
		var heads = ths.map(function (th) { return th.textContent; });

		tables.push({ section: section, headers: heads, header_row_shown: ths.every(shown) });
		ths.forEach(function (th) {
			if (shown(th) && th.scrollWidth > th.clientWidth + 1)
				problems.push(section + ": header " + th.textContent + " overflows");
		});
		t.querySelectorAll("tbody tr").forEach(function (tr, row) {
			tr.querySelectorAll("td:not(.none)").forEach(function (td, i) {
				var where = section + " row " + (row + 1) + " " + heads[i];

				if (!shown(td))
					problems.push(where + ": not shown");
				else if (td.scrollWidth > td.clientWidth + 1)
					problems.push(where + ": overflows its cell");
				if (!shown(ths[i]) &&
				    win.getComputedStyle(td, "::before").content !== JSON.stringify(heads[i]))
					problems.push(where + ": neither its header nor its label is shown");
			});
		});
	});
	return { width: width, page_width: doc.documentElement.scrollWidth, tables: tables,
		problems: problems.slice(0, 20), more_problems: Math.max(0, problems.length - 20) };
}
window.addEventListener("load", function () {
	var out = document.getElementById("fit");

	try {
		out.textContent = JSON.stringify(check(document.getElementById("report").contentDocument, $w));
	} catch (e) {
		out.textContent = "the check failed: " + e;
	}
});
</script></body></html>
HTML
	# File pages may read each other's DOM only with this flag; scrollbars
	# take no room, as on a phone.
	chromium_run --hide-scrollbars --allow-file-access-from-files --window-size="$w,2000" \
		--virtual-time-budget=10000 --dump-dom "file://$page" > "$BATS_TEST_TMPDIR/fit-$w.dom"
	python3 - "$BATS_TEST_TMPDIR/fit-$w.dom" > "$BATS_TEST_TMPDIR/fit-$w.json" <<'PY'
import html, re, sys
m = re.search(r'<pre id="fit">(.*?)</pre>', open(sys.argv[1], encoding="utf-8").read(), re.S)
print(html.unescape(m.group(1)) if m else "no result in the dumped DOM")
PY
}

@test "every table fits a 1280 px and a 390 px window: no column hidden, scrolled away or unlabelled" {
	cd "$BATS_TEST_TMPDIR"
	for w in 1280 390; do
		fit "$w"
		# The problems, if any, name the section, the row and the column.
		jq -e --argjson w "$w" '.width == $w and .page_width <= $w and .problems == [] and .more_problems == 0' \
			"fit-$w.json" || { cat "fit-$w.json"; false; }
		# The four tables, with people's headers.
		[ "$(jq -r '[.tables[].section] | join(" ")' "fit-$w.json")" = "summary evidence changes usage cost" ]
		jq -e '[.tables[].headers[]] | index("Free models") and index("Prompt tokens") and index("p95 latency")' \
			"fit-$w.json"
	done
	# A wide window shows each table's header row; a phone, cards with labels.
	jq -e '.tables | all(.header_row_shown)' fit-1280.json
	jq -e '.tables | all(.header_row_shown | not)' fit-390.json
}

@test "Chromium takes screenshots of the report at 1280 px and at 390 px" {
	cd "$BATS_TEST_TMPDIR"
	for w in 1280 390; do
		chromium_run --hide-scrollbars --window-size="$w,2000" \
			--screenshot="$BATS_TEST_TMPDIR/report-$w.png" "file://$BATS_TEST_TMPDIR/report.html"
		png_check "$BATS_TEST_TMPDIR/report-$w.png" "$w" 2000
	done
}
