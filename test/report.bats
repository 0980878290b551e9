#!/usr/bin/env bats
# afmts-report: every figure checked against an independent computation over
# the same raw provider files and usage lines (jq, sqlite3, python3).

load helpers
load report-helpers

setup_file() {
	export BATS_NO_PARALLELIZE_WITHIN_FILE=true
}

setup() {
	setup_env
	report_catalog
}

# The usage section computed with jq from the usage lines of one UTC day:
# provider,model,requests,errors,prompt,completion,p50,p95 (nearest rank).
jq_usage() {
	jq -s -r --arg day "$1" '
		def rank(p): . as $s | ($s | length) as $n
			| if $n == 0 then "" else $s[(((p * $n) | ceil) - 1)] | tostring end;
		map(select(.ts | startswith($day)))
		| group_by([.provider, .model])[]
		| (map(select(.status >= 200 and .status < 300) | .latency_ms) | sort) as $lat
		| [.[0].provider, .[0].model, length,
		   (map(select(.status < 200 or .status > 299)) | length),
		   (map(.prompt_tokens) | add), (map(.completion_tokens) | add),
		   ($lat | rank(0.5)), ($lat | rank(0.95))]
		| map(tostring) | join("|")' "$BATS_TEST_TMPDIR/usage.jsonl" | LC_ALL=C sort
}

# afmts-report's CSV with the CR of its CRLF line ends taken off, for bats' lines.
csv() {
	afmts-report --format csv "$@" | tr -d '\r'
}

# The same columns from afmts-report's CSV, through python's csv module.
csv_usage() {
	afmts-report --day "$1" --format csv --section usage "${@:2}" | python3 -c '
import csv, sys
rows = list(csv.DictReader(sys.stdin))
for r in rows:
    print("|".join([r["provider"], r["model"], r["requests"], r["errors"], r["prompt_tokens"],
        r["completion_tokens"], r["latency_p50_ms"], r["latency_p95_ms"]]))' | LC_ALL=C sort
}

@test "usage per model equals jq over the usage lines: requests, errors, tokens, p50, p95" {
	expected=$(jq_usage 2025-05-23)
	[ "$(printf '%s\n' "$expected" | wc -l)" -eq 5 ]
	[ "$(csv_usage 2025-05-23)" = "$expected" ]
	# Error rate: errors / requests, four decimals.
	afmts-report --day 2025-05-23 --format json --section usage |
		jq -e -s 'all(.[]; (.error_rate - ((.errors / .requests) * 10000 | round / 10000) | fabs) < 1e-9)'
}

@test "the daily roll-ups and the usage rows give the same report" {
	for s in headline summary usage cost daily; do
		diff <(afmts-report --day 2025-05-23 --format csv --section $s) \
		     <(afmts-report --day 2025-05-23 --format csv --section $s --from-usage)
	done
	# One latency histogram per day and model with a successful request.
	[ "$(sqlite3 "$AFMTS_DB" "select count(*) from usage_latency")" = \
	  "$(sqlite3 "$AFMTS_DB" "select count(*) from (select distinct date(ts, 'unixepoch'), provider, model from usage where latency_ms is not null and status between 200 and 299)")" ]
}

@test "cost and savings equal the prices of the raw provider file and the reference table" {
	tsv="$ROOT/reports/reference-prices.tsv"
	# Expected per model: cost at the catalog price (0 when free), reference
	# price: own list price, else the paid variant, else the cheapest
	# reference entry of the same base name.
	expected=$(jq -s -r --slurpfile orf "$OR/$OR_B" --rawfile tsv "$tsv" '
		def mtok: tonumber * 1000000;
		def base: ascii_downcase | sub(":free$"; "") | split("/") | last;
		($orf[0].data | map({key: .id, value: {in: (.pricing.prompt | mtok),
			out: (.pricing.completion | mtok)}}) | from_entries) as $price
		| ($tsv | split("\n") | map(select(length > 0 and (startswith("#") | not)) | split("\t"))
		   | map({key: (.[0] | base), in: (.[1] | tonumber), out: (.[2] | tonumber)})
		   | group_by(.key) | map({key: .[0].key, value: (min_by(.in + .out))}) | from_entries) as $ref
		| map(select(.ts | startswith("2025-05-23")))
		| group_by([.provider, .model])[]
		| .[0] as $r | (map(.prompt_tokens) | add) as $pt | (map(.completion_tokens) | add) as $ct
		| (if $r.provider == "groq" then (if $r.model == "not-in-the-catalog" then null else {in: 0, out: 0} end)
		   else $price[$r.model] end) as $own
		| (if $own == null then null elif $own.in == 0 and $own.out == 0 then 0
		   else ($pt * $own.in + $ct * $own.out) / 1e6 end) as $cost
		| (if $own != null and ($own.in > 0 or $own.out > 0) then $own
		   elif ($r.model | endswith(":free")) and $price[$r.model | sub(":free$"; "")] != null
		   then $price[$r.model | sub(":free$"; "")]
		   else $ref[$r.model | base] end) as $refp
		| (if $refp == null then null else ($pt * $refp.in + $ct * $refp.out) / 1e6 end) as $refcost
		| [$r.provider, $r.model,
		   (if $cost == null then "" else ($cost * 1e6 | round) end),
		   (if $refcost == null then "" else ($refcost * 1e6 | round) end),
		   (if $cost == null or $refcost == null then "" else (($refcost - $cost) * 1e6 | round) end)]
		| map(tostring) | join("|")' "$BATS_TEST_TMPDIR/usage.jsonl" | LC_ALL=C sort)
	got=$(afmts-report --day 2025-05-23 --format json --section cost | jq -r '
		def micro: if . == null then "" else (. * 1e6 | round) end;
		[.provider, .model, (.cost_usd | micro), (.reference_cost_usd | micro), (.savings_usd | micro)]
		| map(tostring) | join("|")' | LC_ALL=C sort)
	[ "$got" = "$expected" ]
	# Each kind of reference is exercised.
	refs=$(afmts-report --day 2025-05-23 --format json --section cost | jq -r '.reference // "none"' | cut -d ' ' -f 1,2 | sort -u | tr '\n' ,)
	[ "$refs" = "list price,none,paid variant,reference groq/llama-3.3-70b-versatile," ]
	# The headline's totals are the sums of the table.
	afmts-report --day 2025-05-23 --format json | jq -e -s '
		(map(select(.section == "cost")) | map(.savings_usd // 0) | add) as $s
		| (map(select(.section == "headline"))[0].savings_usd - $s | fabs) < 1e-5'
}

@test "free models per provider and the trend equal counts of the raw snapshots" {
	free_a=$(jq '[.data[] | select((.pricing.prompt | tonumber) == 0 and (.pricing.completion | tonumber) == 0)] | length' "$OR/$OR_A")
	free_b=$(jq '[.data[] | select((.pricing.prompt | tonumber) == 0 and (.pricing.completion | tonumber) == 0)] | length' "$OR/$OR_B")
	all_b=$(jq '.data | length' "$OR/$OR_B")
	groq_n=$(jq 'select(.type == "model") | .model' "$BATS_TEST_TMPDIR/g.jsonl" | wc -l)
	[ "$free_a" -ne "$free_b" ]
	run csv --day 2025-05-23 --section summary
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "provider,models,free_models,free_models_before,free_change,retired" ]
	[ "${lines[1]}" = "groq,$groq_n,$groq_n,0,$groq_n," ]
	[ "${lines[2]}" = "openrouter,$all_b,$free_b,$free_a,$((free_b - free_a))," ]
	# The trend: snapshot a's count until 2025-05-22, then b's.
	run csv --day 2025-05-23 --section trend
	[[ "$output" == *"2025-04-24,openrouter,$free_a"* ]]
	[[ "$output" == *"2025-05-22,openrouter,$free_a"* ]]
	[[ "$output" == *"2025-05-23,openrouter,$free_b"* ]]
	[[ "$output" != *"2025-04-23,"* ]]	# nothing before the first observation
	# A day before the second snapshot sees the first.
	run csv --day 2025-05-01 --section summary
	[ "${lines[1]}" = "openrouter,$(jq '.data | length' "$OR/$OR_A"),$free_a,$free_a,0," ]
	# The changes section lists the second run's events of that day.
	n=$(sqlite3 "$AFMTS_DB" "select count(*) from changes where at like '2025-05-23%'")
	[ "$(afmts-report --day 2025-05-23 --format json --section changes | wc -l)" -eq "$n" ]
}

@test "a model named like markup is escaped in HTML, Markdown and JSON, and quoted in CSV" {
	run afmts-report --day 2025-05-23 --format html
	[ "$status" -eq 0 ]
	[[ "$output" == *'&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;,&amp;'* ]]
	[[ "$output" != *'<script'* ]]
	run afmts-report --day 2025-05-23 --format csv --section usage
	[[ "$output" == *'"<script>alert(1)</script>""'"'"',&",'* ]]
	afmts-report --day 2025-05-23 --format csv --section usage > "$BATS_TEST_TMPDIR/u.csv"
	python3 -c 'import csv, sys; rows = list(csv.reader(open(sys.argv[1], newline=""))); assert any(r[1] == sys.argv[2] for r in rows), rows' \
		"$BATS_TEST_TMPDIR/u.csv" "$HOSTILE"
	# sqlite3 imports it: one row a model, the name intact.
	sqlite3 "$BATS_TEST_TMPDIR/import.db" ".import --csv $BATS_TEST_TMPDIR/u.csv u"
	[ "$(sqlite3 "$BATS_TEST_TMPDIR/import.db" 'select count(*) from u')" -eq 5 ]
	[ "$(sqlite3 "$BATS_TEST_TMPDIR/import.db" "select count(*) from u where model = '$(printf '%s' "$HOSTILE" | sed "s/'/''/g")'")" -eq 1 ]
	run afmts-report --day 2025-05-23 --format md --section usage
	[[ "$output" == *'&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;,&amp;'* ]]
	afmts-report --day 2025-05-23 --format json | jq -e -s --arg h "$HOSTILE" 'any(.[]; .model == $h)'
}

@test "a CSV field with a comma and quotes is one RFC 4180 field" {
	weird='a,b "c", d'
	jq -n -c --arg m "$weird" '{type: "usage", ts: "2025-05-23T10:00:00Z", provider: "groq", model: $m, prompt_tokens: 1, completion_tokens: 2, latency_ms: 3, status: 200}' |
		afmts-track > /dev/null
	afmts-report --day 2025-05-23 --format csv --section usage > "$BATS_TEST_TMPDIR/u.csv"
	grep -q $'^groq,"a,b ""c"", d",1,0,0,1,2,3,3\r$' "$BATS_TEST_TMPDIR/u.csv"
	python3 -c 'import csv, sys; rows = list(csv.reader(open(sys.argv[1], newline=""))); assert [r for r in rows if r[1] == sys.argv[2]], rows; assert all(len(r) == len(rows[0]) for r in rows)' \
		"$BATS_TEST_TMPDIR/u.csv" "$weird"
}

@test "a model id like a spreadsheet formula is text in CSV; numbers stay numbers" {
	for m in '=HYPERLINK("http://evil.example/","click")' '+1+2' '-2+3' '@SUM(A1)'; do
		jq -n -c --arg m "$m" '{type: "usage", ts: "2025-05-23T10:00:00Z", provider: "groq", model: $m, prompt_tokens: 1, completion_tokens: 2, latency_ms: 3, status: 200}'
	done | afmts-track > /dev/null
	afmts-report --day 2025-05-23 --format csv --section usage > "$BATS_TEST_TMPDIR/u.csv"
	grep -q $'^groq,"\'=HYPERLINK(""http://evil.example/"",""click"")",1,' "$BATS_TEST_TMPDIR/u.csv"
	grep -q $'^groq,\'+1+2,1,' "$BATS_TEST_TMPDIR/u.csv"
	grep -q $'^groq,\'-2+3,1,' "$BATS_TEST_TMPDIR/u.csv"
	grep -q $'^groq,\'@SUM(A1),1,' "$BATS_TEST_TMPDIR/u.csv"
	# No cell of any section starts a formula, and every number is a number.
	for s in summary usage; do
		afmts-report --day 2025-05-23 --format csv --section $s | python3 -c '
import csv, sys
for row in list(csv.reader(sys.stdin))[1:]:
    for cell in row:
        assert not cell[:1] in ("=", "+", "@", "\t", "\r") and not (cell[:1] == "-" and not cell[1:2].isdigit()), row'
	done
}

@test "--tz counts a local day: an evening in UTC is the next morning in Tokyo" {
	# 2025-05-22T23:30Z is 2025-05-23 08:30 in Asia/Tokyo (UTC+9), and the
	# Tokyo day 2025-05-23 ends at 2025-05-23T15:00Z.
	got=$(afmts-report --day 2025-05-23 --tz Asia/Tokyo --format json --section usage |
		jq -r 'select(.model == "llama-3.3-70b-versatile") | .requests')
	want=$(jq -s '[.[] | select(.model == "llama-3.3-70b-versatile" and .ts >= "2025-05-22T15:00:00Z" and .ts < "2025-05-23T15:00:00Z")] | length' "$BATS_TEST_TMPDIR/usage.jsonl")
	[ "$got" -eq "$want" ]
	run afmts-report --day 2025-05-23 --tz Asia/Tokyo --format html
	[[ "$output" == *"2025-05-23 (Asia/Tokyo)"* ]]
	run afmts-report --tz Not/AZone
	[ "$status" -eq 2 ]
	[ "$output" = "afmts-report: --tz Not/AZone: not a time zone (a name such as Europe/Paris, as in /usr/share/zoneinfo)" ]
}

@test "a range adds up its days; the default is yesterday" {
	got=$(afmts-report --from 2025-05-22 --to 2025-05-24 --format json --section usage |
		jq -s 'map(.requests) | add')
	[ "$got" -eq "$(wc -l < "$BATS_TEST_TMPDIR/usage.jsonl")" ]
	AFMTS_NOW=2025-05-24T09:00:00Z run afmts-report --format json --section headline
	[ "$(printf '%s\n' "$output" | jq .requests)" -eq 109 ]
	AFMTS_NOW=2025-05-24T09:00:00Z run afmts-report --format html
	[[ "$output" == *"2025-05-23 (UTC)"* ]]
}

@test "the HTML report is one page with every section and three charts, no script, no external resource" {
	afmts-report --day 2025-05-23 -o "$BATS_TEST_TMPDIR/r.html"
	f="$BATS_TEST_TMPDIR/r.html"
	for id in headline summary trend changes usage cost chart-free chart-tokens chart-savings; do
		grep -q "id=\"$id\"" "$f"
	done
	[ "$(grep -c '<svg ' "$f")" -eq 3 ]
	[ "$(grep -c '<polyline ' "$f")" -ge 2 ]
	grep -q '<rect x=' "$f"
	# (bats ignores the status of "! grep" but for the last command: run it.)
	run grep -qi '<script\|src=\|href=\|@import\|url(' "$f"
	[ "$status" -eq 1 ]
	grep -q "Content-Security-Policy\" content=\"default-src 'none'" "$f"
	python3 -c 'import html.parser, sys; p = html.parser.HTMLParser(); p.feed(open(sys.argv[1]).read()); p.close()' "$f"
}

@test "the page heads its columns in words and writes figures grouped with units; CSV, JSON and Markdown keep the machine names" {
	afmts-report --day 2025-05-23 -o "$BATS_TEST_TMPDIR/r.html"
	f="$BATS_TEST_TMPDIR/r.html"
	for label in "Free models" "Free at start" "Prompt tokens" "Completion tokens" "p50 latency" \
		"p95 latency" "Error rate" "Cost" "Saved"; do
		grep -q "<th scope=\"col\"[^>]*>$label</th>" "$f"
	done
	# No header of the page is a machine name.
	run grep -q '<th[^>]*>[a-z0-9]*_[a-z0-9_]*</th>' "$f"
	[ "$status" -eq 1 ]
	# One model's figures as the page must write them (computed here from the
	# JSON): thousands grouped by commas, latency in ms or s, rates in %,
	# dollars; each cell carries its column's label.
	afmts-report --day 2025-05-23 --format json > "$BATS_TEST_TMPDIR/r.jsonl"
	python3 - "$f" "$BATS_TEST_TMPDIR/r.jsonl" <<'PY'
import json, math, sys
page = open(sys.argv[1], encoding="utf-8").read()
rows = [json.loads(l) for l in open(sys.argv[2])]
usage = next(r for r in rows if r["section"] == "usage" and r["model"] == "llama-3.3-70b-versatile")
cost = next(r for r in rows if r["section"] == "cost" and r["model"] == "qwen/qwen3-8b")
head = next(r for r in rows if r["section"] == "headline")

def cell(label, text):
    want = 'data-label="%s">%s</td>' % (label, text)
    assert want in page, want

def ms(v):
    return "%d ms" % v if v < 1000 else "%.2f s" % (v / 1000) if v < 9995 else "%.1f s" % (v / 1000)

# Cents from a dollar up; below, three significant digits (two to six decimals).
def usd(v):
    if v == 0:
        return "$0"
    if v >= 1:
        return "${:,.2f}".format(v)
    s = "%.*f" % (min(6, max(2, 2 - math.floor(math.log10(v)))), v)
    while s[-1] == "0" and len(s.split(".")[1]) > 2:
        s = s[:-1]
    return "$" + s

assert usage["prompt_tokens"] >= 1000 and usage["errors"] > 0, usage
cell("Prompt tokens", "{:,}".format(usage["prompt_tokens"]))
cell("Completion tokens", "{:,}".format(usage["completion_tokens"]))
cell("Requests", str(usage["requests"]))
cell("Error rate", ("%.2f" % (usage["error_rate"] * 100)).rstrip("0").rstrip(".") + "%")
cell("p50 latency", ms(usage["latency_p50_ms"]))
cell("p95 latency", ms(usage["latency_p95_ms"]))
assert cost["cost_usd"] > 0, cost
for key, label in [("cost_usd", "Cost"), ("reference_cost_usd", "At paid prices"), ("savings_usd", "Saved")]:
    cell(label, usd(cost[key]))
assert '<span class="v">%s</span>' % "{:,}".format(head["tokens"]) in page
assert head["tokens"] >= 1000
PY
	# The machine names, as before: CSV's header row, JSON's keys, Markdown's header.
	run csv --day 2025-05-23 --section usage
	[ "${lines[0]}" = "provider,model,requests,errors,error_rate,prompt_tokens,completion_tokens,latency_p50_ms,latency_p95_ms" ]
	# and plain numbers: no grouping, no unit.
	prompt=$(jq -r 'select(.section == "usage" and .model == "llama-3.3-70b-versatile") | .prompt_tokens' "$BATS_TEST_TMPDIR/r.jsonl")
	[[ "$output" == *$'\n'"groq,llama-3.3-70b-versatile,53,"*",$prompt,"* ]]
	run csv --day 2025-05-23 --section cost
	[ "${lines[0]}" = "provider,model,free,prompt_tokens,completion_tokens,cost_usd,reference,reference_input_price,reference_output_price,reference_cost_usd,savings_usd" ]
	[ "$(jq -r 'select(.section == "usage") | keys_unsorted | join(",")' "$BATS_TEST_TMPDIR/r.jsonl" | sort -u)" = \
	  "section,provider,model,requests,errors,error_rate,prompt_tokens,completion_tokens,latency_p50_ms,latency_p95_ms" ]
	run afmts-report --day 2025-05-23 --format md --section usage
	[ "${lines[0]}" = '| provider | model | requests | errors | error\_rate | prompt\_tokens | completion\_tokens | latency\_p50\_ms | latency\_p95\_ms |' ]
}

@test "markdown and JSON hold every section" {
	run afmts-report --day 2025-05-23 --format md
	[ "$status" -eq 0 ]
	for s in headline summary evidence changes usage cost trend daily; do
		[[ "$output" == *"## $s"* ]]
	done
	[ "$(afmts-report --day 2025-05-23 --format json | jq -r .section | sort -u | tr '\n' ' ')" = \
	  "changes cost daily evidence headline summary trend usage " ]
	# daily: the 30 days ending on the day, tokens equal to usage_daily's.
	afmts-report --day 2025-05-23 --format json --section daily > "$BATS_TEST_TMPDIR/d"
	[ "$(wc -l < "$BATS_TEST_TMPDIR/d")" -eq 30 ]
	[ "$(jq -r 'select(.day == "2025-05-22") | .prompt_tokens' "$BATS_TEST_TMPDIR/d")" -eq 1000 ]
}

@test "errors: bad options, a missing or old catalog, an unwritable output; nothing half-written" {
	run afmts-report --day 2025-02-30
	[ "$status" -eq 2 ]
	[ "$output" = "afmts-report: 2025-02-30: not a day (YYYY-MM-DD)" ]
	run afmts-report --format csv
	[ "$status" -eq 2 ]
	[[ "$output" == "afmts-report: csv holds one table: name it with --section"* ]]
	run afmts-report --format pdf
	[ "$status" -eq 2 ]
	run afmts-report --section html
	[ "$status" -eq 2 ]
	run afmts-report --from 2025-05-02 --to 2025-05-01
	[ "$status" -eq 2 ]
	run afmts-report --from 2024-01-01 --to 2025-05-01
	[ "$status" -eq 2 ]
	[[ "$output" == *"at most 366 days"* ]]
	run afmts-report --day 2025-05-23 --db "$BATS_TEST_TMPDIR/none.db"
	[ "$status" -eq 3 ]
	[[ "$output" == *"not found"* ]]
	sqlite3 "$BATS_TEST_TMPDIR/old.db" 'pragma user_version = 3; create table t (x)'
	run afmts-report --day 2025-05-23 --db "$BATS_TEST_TMPDIR/old.db"
	[ "$status" -eq 4 ]
	[[ "$output" == *"schema version 3, this program needs 13: run afmts-track once to upgrade it"* ]]
	run afmts-report --day 2025-05-23 -o "$BATS_TEST_TMPDIR/no/such/dir/r.html"
	[ "$status" -eq 4 ]
	# A broken template fails the run and leaves no output file behind.
	mkdir -p "$BATS_TEST_TMPDIR/data"
	cp -r "$ROOT/sql" "$ROOT/reports" "$BATS_TEST_TMPDIR/data/"
	printf '<p>{{nonsense}}</p>\n' > "$BATS_TEST_TMPDIR/data/reports/report.html"
	AFMTS_DATADIR="$BATS_TEST_TMPDIR/data" run afmts-report --day 2025-05-23 -o "$BATS_TEST_TMPDIR/r.html"
	[ "$status" -eq 4 ]
	[ "$output" = "afmts-report: report template: unknown slot {{nonsense}}" ]
	[ ! -e "$BATS_TEST_TMPDIR/r.html" ]
	[ -z "$(ls "$BATS_TEST_TMPDIR" | grep 'r.html')" ]
	# The catalog is only read.
	run afmts-report --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--from-usage"* ]]
}

@test "the catalog is opened read-only: a report never writes it" {
	before=$(sqlite3 "$AFMTS_DB" 'pragma data_version; select count(*) from usage; select total_changes()' | md5sum)
	sum_before=$(md5sum < "$AFMTS_DB")
	chmod a-w "$AFMTS_DB"
	afmts-report --day 2025-05-23 > /dev/null
	chmod u+w "$AFMTS_DB"
	[ "$(md5sum < "$AFMTS_DB")" = "$sum_before" ]
	[ -n "$before" ]
}

@test "valgrind: no leaks and no errors in a whole HTML report" {
	[ -z "${AFMTS_ASAN:-}" ] || skip "valgrind does not run under ASan"
	command -v valgrind > /dev/null || skip "valgrind is not installed"
	run valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--error-exitcode=9 afmts-report --day 2025-05-23 -o "$BATS_TEST_TMPDIR/r.html"
	[ "$status" -eq 0 ]
}

@test "usage ingested over several runs adds up to the same report as one run" {
	one=$(afmts-report --day 2025-05-23 --format csv --section usage)
	export AFMTS_DB="$BATS_TEST_TMPDIR/split.db"
	afmts-track < "$BATS_TEST_TMPDIR/a.jsonl" > /dev/null
	cat "$BATS_TEST_TMPDIR/b.jsonl" "$BATS_TEST_TMPDIR/g.jsonl" | afmts-track > /dev/null
	split -l 23 "$BATS_TEST_TMPDIR/usage.jsonl" "$BATS_TEST_TMPDIR/part."
	for f in "$BATS_TEST_TMPDIR"/part.*; do afmts-track < "$f" > /dev/null; done
	[ "$(ls "$BATS_TEST_TMPDIR"/part.* | wc -l)" -gt 3 ]
	[ "$(afmts-report --day 2025-05-23 --format csv --section usage)" = "$one" ]
	# afmts-route --report adds to the same day's histogram.
	AFMTS_NOW=2025-05-23T20:00:00Z afmts-route --report llama-3.3-70b-versatile --provider groq \
		--status 200 --latency 1 --tokens 1,1
	p50=$(afmts-report --day 2025-05-23 --format json --section usage | jq -r 'select(.model == "llama-3.3-70b-versatile") | .requests')
	[ "$p50" -eq "$(( $(printf '%s\n' "$one" | grep '^groq,llama-3.3' | cut -d, -f3) + 1 ))" ]
}

@test "tiered prices: each request is costed whole at the tier its prompt reaches, equal to python over the raw list and usage lines, below, at and above each boundary" {
	export AFMTS_DB="$BATS_TEST_TMPDIR/tiers.db"
	# The synthetic OpenRouter list, plus a free variant of the tiered Gemini model.
	jq '.data += [.data[0] | .id += ":free" | .pricing = {prompt: "0", completion: "0"}]' \
		"$ROOT/test/fixtures/synthetic/openrouter-overrides.json" > "$BATS_TEST_TMPDIR/list.json"
	parse_to openrouter "$BATS_TEST_TMPDIR/list.json" 2026-01-01T00:00:00Z "$BATS_TEST_TMPDIR/m.jsonl"
	afmts-track < "$BATS_TEST_TMPDIR/m.jsonl" > /dev/null
	jq -n -c '[31999, 32000, 32001, 127999, 128000, 128001, 199999, 200000, 200001, 500] as $p
		| ["google/gemini-2.5-pro-preview", "google/gemini-2.5-pro-preview:free", "example/two-tiers",
		   "example/promotion"] as $m
		| range(0; $m | length) as $j | range(0; $p | length) as $i
		| {type: "usage", ts: "2026-01-02T\(10 + $j):\(10 + $i):00Z", provider: "openrouter",
		   model: $m[$j], prompt_tokens: $p[$i], completion_tokens: (1000 + 37 * $i),
		   latency_ms: 100, status: 200, request_id: "t\($j)-\($i)"}' > "$BATS_TEST_TMPDIR/u.jsonl"
	afmts-track < "$BATS_TEST_TMPDIR/u.jsonl" > /dev/null
	# Independently: OpenRouter's rule over the raw list (the overrides whose
	# min_prompt_tokens the prompt reaches apply, later ones win per price,
	# the whole request at those prices), per-token prices, summed per model.
	python3 - "$BATS_TEST_TMPDIR/list.json" "$BATS_TEST_TMPDIR/u.jsonl" > "$BATS_TEST_TMPDIR/want" <<'PY'
import json, sys
models = {m["id"]: m["pricing"] for m in json.load(open(sys.argv[1]))["data"]}
def price(p, prompt):
    i, o = float(p["prompt"]), float(p["completion"])
    for ov in p.get("overrides", []):
        if "utc_start" in ov or ov.get("min_prompt_tokens", 10**12) > prompt:
            continue
        i = float(ov.get("prompt", i)) if "prompt" in ov else i
        o = float(ov.get("completion", o)) if "completion" in ov else o
    return i, o
tot = {}
for line in open(sys.argv[2]):
    u = json.loads(line)
    m, pt, ct = u["model"], u["prompt_tokens"], u["completion_tokens"]
    i, o = price(models[m], pt)
    paid = models[m[:-5]] if m.endswith(":free") else models[m]
    ri, ro = price(paid, pt)
    c, r = tot.get(m, (0.0, 0.0))
    tot[m] = (c + pt * i + ct * o, r + pt * ri + ct * ro)
for m in sorted(tot):
    print(m, "%.6f" % tot[m][0], "%.6f" % tot[m][1])
print("total", "%.6f" % sum(c for c, r in tot.values()), "%.6f" % sum(r - c for c, r in tot.values()))
PY
	for src in "" --from-usage; do
		# shellcheck disable=SC2086
		afmts-report --day 2026-01-02 --format json $src | jq -r '
			select(.section == "cost") | [.model, .cost_usd, .reference_cost_usd] | @tsv' |
			LC_ALL=C sort > "$BATS_TEST_TMPDIR/got"
		# shellcheck disable=SC2086
		afmts-report --day 2026-01-02 --format json $src | jq -r '
			select(.section == "headline") | ["total", .cost_usd, .savings_usd] | @tsv' >> "$BATS_TEST_TMPDIR/got"
		python3 - "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got" <<'PY'
import sys
want = [l.split() for l in open(sys.argv[1])]
got = [l.split() for l in open(sys.argv[2])]
assert [w[0] for w in want] == [g[0] for g in got], (want, got)
for w, g in zip(want, got):
    for a, b in zip(w[1:], g[1:]):
        assert abs(float(a) - float(b)) < 2e-6, (w, g)
PY
	done
	# The day's line of the daily chart agrees with the headline.
	afmts-report --day 2026-01-02 --format json | jq -e -s '
		(map(select(.section == "headline"))[0]) as $h
		| (map(select(.section == "daily" and .day == "2026-01-02"))[0]) as $d
		| ($d.cost_usd - $h.cost_usd | fabs) < 2e-6 and ($d.savings_usd - $h.savings_usd | fabs) < 2e-6'
	# A tier made a difference: at base prices the Gemini model would cost less.
	[ "$(jq -r 'select(.model == "google/gemini-2.5-pro-preview" and .prompt_tokens >= 200000)' "$BATS_TEST_TMPDIR/u.jsonl" | jq -s length)" -eq 2 ]
}

@test "a reference price from LiteLLM with a long-prompt tier prices savings at it, as python over LiteLLM's raw list says" {
	export AFMTS_DB="$BATS_TEST_TMPDIR/ref.db"
	m=anthropic/claude-sonnet-4-5-20250929:free
	jq -n -c --arg m "$m" '{type: "model", provider: "openrouter", model: $m, name: "x",
		input_price: 0, output_price: 0, free: true, observed_at: "2026-01-01T00:00:00Z"}' | afmts-track > /dev/null
	jq -n -c --arg m "$m" '[1000, 200000, 200001, 250000] | to_entries[] | .key as $i | .value as $p
		| {type: "usage", ts: "2026-01-02T12:1\($i):00Z",
		   provider: "openrouter", model: $m, prompt_tokens: $p, completion_tokens: 2000,
		   latency_ms: 100, status: 200, request_id: "r\($p)"}' > "$BATS_TEST_TMPDIR/u.jsonl"
	afmts-track < "$BATS_TEST_TMPDIR/u.jsonl" > /dev/null
	want=$(python3 - "$REAL/reference/litellm-model_prices_and_context_window.json" "$BATS_TEST_TMPDIR/u.jsonl" <<'PY'
import json, re, sys
lit = json.load(open(sys.argv[1]))
base = "claude-sonnet-4-5-20250929"
cands = sorted((v["input_cost_per_token"] + v["output_cost_per_token"], k) for k, v in lit.items()
    if isinstance(v, dict) and v.get("mode") == "chat" and k.lower().split("/")[-1] == base
    and isinstance(v.get("input_cost_per_token"), (int, float))
    and isinstance(v.get("output_cost_per_token"), (int, float)))
v = lit[cands[0][1]]
total = 0.0
for line in open(sys.argv[2]):
    u = json.loads(line)
    i, o, best = v["input_cost_per_token"], v["output_cost_per_token"], -1
    for key in v:
        m = re.fullmatch(r"input_cost_per_token_above_(\d+)k_tokens", key)
        if m and u["prompt_tokens"] > int(m.group(1)) * 1000 and int(m.group(1)) > best:
            best = int(m.group(1))
            i, o = v[key], v["output_cost_per_token_above_%sk_tokens" % m.group(1)]
    total += u["prompt_tokens"] * i + u["completion_tokens"] * o
print("%.6f" % total)
PY
)
	got=$(afmts-report --day 2026-01-02 --format json --section cost | jq -r '.savings_usd')
	python3 -c 'import sys; assert abs(float(sys.argv[1]) - float(sys.argv[2])) < 2e-6, sys.argv' "$want" "$got"
	# At the base price alone the two requests above 200k would be cheaper.
	[ "$(afmts-report --day 2026-01-02 --format json --section cost | jq -r '.reference')" != null ]
}

@test "evidence: per provider the basis of its free models and the age of its rule, stale past 90 days" {
	# Groq's free rule last checked on 2026-08-01 (a user's descriptor says so), OpenRouter's as shipped.
	mkdir -p "$XDG_CONFIG_HOME/afmts/providers"
	jq '.free.checked = "2026-08-01"' "$ROOT/parsers/providers/groq.json" \
		> "$XDG_CONFIG_HOME/afmts/providers/groq.json"
	parse_to groq "$REAL/groq/hacka-re-2025-09-02.extracted.json" 2026-12-01T00:00:00Z \
		"$BATS_TEST_TMPDIR/g2.jsonl"
	afmts-track < "$BATS_TEST_TMPDIR/g2.jsonl" > /dev/null
	or_day=$(jq -r .free.checked "$ROOT/parsers/providers/openrouter.json")
	ev() { afmts-report --day "$1" --format json --section evidence | jq -r --arg p "$2" "select(.provider == \$p) | $3"; }
	[ "$(ev 2026-10-30 groq '[.free_basis, .checked, .evidence_age_days, .evidence] | @tsv')" = \
	  "$(printf 'free_tier\t2026-08-01\t90\tok')" ]
	[ "$(ev 2026-10-31 groq '[.evidence_age_days, .evidence] | @tsv')" = "$(printf '91\tstale')" ]
	[ "$(ev 2026-10-31 groq .trains_on_prompts)" = unknown ]
	# OpenRouter: free variants and zero-priced models, its rule checked on its own day.
	[ "$(ev "$or_day" openrouter '[.free_basis, .checked, .evidence_age_days, .evidence] | @tsv')" = \
	  "$(printf 'price_zero, variant\t%s\t0\tok' "$or_day")" ]
	# The HTML page has the section, stale flagged.
	afmts-report --day 2026-10-31 --format html > "$BATS_TEST_TMPDIR/r.html"
	grep -q 'id="evidence"' "$BATS_TEST_TMPDIR/r.html"
	grep -q 'stale' "$BATS_TEST_TMPDIR/r.html"
}
