#!/usr/bin/env bats
# afmts-parse on bad input: each problem is one clear line on stderr naming
# the line or provider, the other providers still come out, the exit code is 1.

load helpers

setup() {
	setup_env
	GOOD_GROQ=$(fetchline groq "$REAL/groq/hacka-re-2025-09-02.extracted.json")
	GOOD_CEREBRAS=$(fetchline cerebras "$REAL/cerebras/flask-app-2025-09-03.data-array.json")
	NGROQ=$(jq '[.data[] | select(.active != false)] | length' "$REAL/groq/hacka-re-2025-09-02.extracted.json")
}

# run_parse FILE: afmts-parse FILE, stdout and stderr apart.
run_parse() {
	afmts-parse "$@" > "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/err" && status=0 || status=$?
	out=$(cat "$BATS_TEST_TMPDIR/out")
	err=$(cat "$BATS_TEST_TMPDIR/err")
}

count_models() {
	printf '%s\n' "$out" | jq -s --arg p "$1" '[.[] | select(.type == "model" and .provider == $p)] | length'
}

provider_of() {
	printf '%s\n' "$out" | jq -c --arg p "$1" 'select(.type == "provider" and .provider == $p) | del(.type, .provider, .observed_at)'
}

@test "a truncated fetch line is named by its line number; the others come out" {
	{
		echo "$GOOD_GROQ"
		fetchline openrouter "$REAL/openrouter/roo-code-2025-05-23.json" | head -c 50000
		echo
		echo "$GOOD_CEREBRAS"
	} > "$BATS_TEST_TMPDIR/in"
	run_parse "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 1 ]
	[ "$(count_models groq)" -eq "$NGROQ" ]
	[ "$(count_models cerebras)" -eq 9 ]
	[ "$(echo "$err" | wc -l)" -eq 1 ]
	[[ "$err" == "afmts-parse: $BATS_TEST_TMPDIR/in:2: malformed JSON: "* ]]
}

@test "a line that is not JSON is reported with its line number" {
	printf '%s\nthis is not json\n%s\n' "$GOOD_GROQ" "$GOOD_CEREBRAS" > "$BATS_TEST_TMPDIR/in"
	run_parse < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 1 ]
	[[ "$err" == "afmts-parse: stdin:2: malformed JSON: "* ]]
	[ "$(count_models groq)" -eq "$NGROQ" ]
	[ "$(count_models cerebras)" -eq 9 ]
}

@test "a body of the wrong shape fails that provider only, with the dialect's reason" {
	printf '%s\n{"type":"fetch","provider":"openrouter","status":200,"fetched_at":"2026-01-01T00:00:00Z","body":{"data":"gone"}}\n%s\n' \
		"$GOOD_GROQ" "$GOOD_CEREBRAS" > "$BATS_TEST_TMPDIR/in"
	run_parse < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 1 ]
	[ "$(echo "$err" | wc -l)" -eq 1 ]
	[[ "$err" == "afmts-parse: stdin:2: provider openrouter: dialect openrouter: "* ]]
	[ "$(count_models openrouter)" -eq 0 ]
	[ "$(provider_of openrouter | jq -r '.ok, .error.kind')" = "$(printf 'false\nparse')" ]
	[ "$(count_models groq)" -eq "$NGROQ" ]
	[ "$(provider_of cerebras | jq .ok)" = true ]
}

@test "an unknown provider is named; the others come out" {
	printf '%s\n{"type":"fetch","provider":"nosuch","status":200,"body":[]}\n' "$GOOD_GROQ" > "$BATS_TEST_TMPDIR/in"
	run_parse < "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 1 ]
	[ "$err" = "afmts-parse: stdin:2: unknown provider 'nosuch' (no descriptor nosuch.json)" ]
	[ "$(provider_of nosuch | jq -r .error.kind)" = unknown_provider ]
	[ "$(count_models groq)" -eq "$NGROQ" ]
}

@test "an empty input file is an error, not an empty success" {
	: > "$BATS_TEST_TMPDIR/empty"
	run_parse "$BATS_TEST_TMPDIR/empty"
	[ "$status" -eq 1 ]
	[ "$err" = "afmts-parse: no input: nothing to parse" ]
	[ -z "$out" ]
	run_parse --dialect openrouter < "$BATS_TEST_TMPDIR/empty"
	[ "$status" -eq 1 ]
	[ "$err" = "afmts-parse: no input: nothing to parse" ]
	# Its provider record must not say "observed, zero models": that would remove them all.
	[ "$(printf '%s\n' "$out" | jq -c '[.ok, .models, .error.kind]')" = '[false,0,"bad_body"]' ]
}

@test "an empty response body fails its provider" {
	echo '{"type":"fetch","provider":"ollama","status":200,"body_text":""}' > "$BATS_TEST_TMPDIR/in"
	echo "$GOOD_GROQ" >> "$BATS_TEST_TMPDIR/in"
	run_parse "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 1 ]
	[ "$err" = "afmts-parse: $BATS_TEST_TMPDIR/in:1: provider ollama: empty response body" ]
	[ "$(count_models groq)" -eq "$NGROQ" ]
}

@test "a fetch error (timeout) keeps its error in the provider line" {
	printf '%s\n' '{"type":"fetch","provider":"groq","status":0,"error":{"kind":"timeout","message":"no answer in 30 s"}}' "$GOOD_CEREBRAS" > "$BATS_TEST_TMPDIR/in"
	run_parse "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 1 ]
	[ "$(provider_of groq)" = '{"ok":false,"models":0,"error":{"kind":"timeout","message":"no answer in 30 s"}}' ]
	[[ "$err" == *"provider groq: no answer in 30 s" ]]
	[ "$(count_models cerebras)" -eq 9 ]
}

@test "an HTTP error status without a body fails its provider" {
	echo '{"type":"fetch","provider":"groq","status":503}' > "$BATS_TEST_TMPDIR/in"
	run_parse "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 1 ]
	[ "$(provider_of groq | jq -c .error)" = '{"kind":"http","message":"HTTP status 503"}' ]
}

@test "304 Not Modified is success meaning unchanged, never an empty list" {
	echo '{"type":"fetch","provider":"groq","status":304,"not_modified":true}' > "$BATS_TEST_TMPDIR/in"
	AFMTS_NOW=2026-11-23T06:00:00Z run_parse "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	[ "$out" = '{"type":"provider","provider":"groq","ok":true,"models":0,"observed_at":"2026-11-23T06:00:00Z","not_modified":true}' ]
	[ -z "$err" ]
}

@test "records of another type and lines that are not objects are reported" {
	printf '%s\n' '{"type":"usage","model":"x"}' '[1,2]' '"str"' "$GOOD_CEREBRAS" > "$BATS_TEST_TMPDIR/in"
	run_parse "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 1 ]
	[ "$(echo "$err" | wc -l)" -eq 3 ]
	[[ "$err" == *":1: not a fetch record"* ]]
	[[ "$err" == *":2: not a JSON object"* ]]
	[ "$(count_models cerebras)" -eq 9 ]
}

@test "hostile model ids are skipped, named, and mark the provider incomplete" {
	printf '%s' '{"type":"fetch","provider":"cerebras","status":200,"body":{"data":[
		{"id":"good-one"},{"id":"bad\u0007bell\nnewline"},{"id":""},{"id":"'"$(head -c 600 /dev/zero | tr '\0' x)"'"},
		{"id":"<script>alert(1)</script>\"'"'"',&"},{"id":"x; DROP TABLE models;--"}]}}' | tr -d '\n\t' > "$BATS_TEST_TMPDIR/in"
	echo >> "$BATS_TEST_TMPDIR/in"
	run_parse "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$out" | jq -r 'select(.type == "model") | .model')" = "$(printf '%s\n' good-one '<script>alert(1)</script>"'"'"',&' 'x; DROP TABLE models;--')" ]
	[ "$(provider_of cerebras)" = '{"ok":false,"models":3,"skipped":3}' ]
	[ "$(echo "$err" | wc -l)" -eq 3 ]
	[[ "$err" == *"provider cerebras: model 2 skipped: \"model\" must be a string of 1 to 512 bytes without control characters"* ]]
}

@test "a line over --max-line is skipped and named; the next line is read" {
	printf '%s\n%s\n' "$(fetchline openrouter "$REAL/openrouter/roo-code-2025-05-23.json")" "$GOOD_CEREBRAS" > "$BATS_TEST_TMPDIR/in"
	run_parse --max-line 100000 "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 1 ]
	[ "$err" = "afmts-parse: $BATS_TEST_TMPDIR/in:1: line longer than 100000 bytes, skipped" ]
	[ "$(count_models cerebras)" -eq 9 ]
}

@test "a broken user descriptor is reported and the shipped ones still work" {
	mkdir -p "$XDG_CONFIG_HOME/afmts/providers"
	echo '{"name":"groq","dialect":"openai","models_url":"ftp://x"}' > "$XDG_CONFIG_HOME/afmts/providers/groq.json"
	echo '{nope' > "$XDG_CONFIG_HOME/afmts/providers/mine.json"
	echo "$GOOD_CEREBRAS" > "$BATS_TEST_TMPDIR/in"
	run_parse "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 1 ]
	[[ "$err" == *"providers/groq.json: bad descriptor: \"models_url\" must be an http(s) URL"* ]]
	[[ "$err" == *"providers/mine.json: "* ]]
	[ "$(count_models cerebras)" -eq 9 ]
}

@test "a dialect with a jq syntax error fails its providers with the file named" {
	mkdir -p "$XDG_CONFIG_HOME/afmts/dialects"
	echo '.data[] | {model: .id' > "$XDG_CONFIG_HOME/afmts/dialects/openai.jq"
	printf '%s\n' "$GOOD_CEREBRAS" "$(fetchline ollama "$REAL/ollama/lhep-sochi-2025-11-21.api-tags.extracted.json")" > "$BATS_TEST_TMPDIR/in"
	run_parse "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 1 ]
	[[ "$err" == *"dialects/openai.jq: dialect openai: "* ]]
	[ "$(provider_of cerebras | jq -c '[.ok, .error.kind]')" = '[false,"parse"]' ]
	[ "$(count_models ollama)" -eq 4 ]
}

@test "usage errors exit 2 with the synopsis; --help and --version exit 0" {
	run afmts-parse --no-such-option
	[ "$status" -eq 2 ]
	[[ "$output" == *"usage: afmts-parse"* ]]
	run afmts-parse --provider groq
	[ "$status" -eq 2 ]
	run afmts-parse --only 'Bad Name' < /dev/null
	[ "$status" -eq 2 ]
	run afmts-parse --providers /nonexistent/dir < /dev/null
	[ "$status" -eq 4 ]
	[[ "$output" == *"/nonexistent/dir: No such file or directory"* ]]
	run afmts-parse --max-line 12x
	[ "$status" -eq 2 ]
	run afmts-parse --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--dialect NAME"* ]]
	run afmts-parse --version
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^afmts-parse\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "--only keeps the named providers; --providers overrides a shipped descriptor" {
	printf '%s\n' "$GOOD_GROQ" "$GOOD_CEREBRAS" > "$BATS_TEST_TMPDIR/in"
	run_parse --only cerebras "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	[ "$(count_models groq)" -eq 0 ]
	[ "$(count_models cerebras)" -eq 9 ]
	mkdir "$BATS_TEST_TMPDIR/mine"
	jq '.free |= (.rule = "none")' "$ROOT/parsers/providers/cerebras.json" > "$BATS_TEST_TMPDIR/mine/cerebras.json"
	run_parse --providers "$BATS_TEST_TMPDIR/mine" "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$out" | jq -s '[.[] | select(.provider == "cerebras" and .free)] | length')" -eq 0 ]
	[ "$(printf '%s\n' "$out" | jq -s '[.[] | select(.provider == "groq" and .free)] | length')" -eq "$NGROQ" ]
}

@test "a user's ~/.jq cannot change how providers are read" {
	echo 'def afmts_entries: error("hijacked");' > "$HOME/.jq"
	echo "$GOOD_CEREBRAS" > "$BATS_TEST_TMPDIR/in"
	run_parse "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	[ "$(count_models cerebras)" -eq 9 ]
}

@test "a canary API key in the environment never reaches the output" {
	export OPENROUTER_API_KEY=sk-or-canary-7f3a9c GROQ_API_KEY=gsk-canary-7f3a9c
	fetchline openrouter "$REAL/openrouter/roo-code-2025-05-23.json" > "$BATS_TEST_TMPDIR/in"
	echo "$GOOD_GROQ" >> "$BATS_TEST_TMPDIR/in"
	run_parse "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	! grep -q canary-7f3a9c "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/err" || false
	grep -q '"key_env":"OPENROUTER_API_KEY"' "$BATS_TEST_TMPDIR/out"
}

@test "valgrind finds no leak and no error in a run over good and bad input" {
	command -v valgrind >/dev/null || skip "valgrind is not installed"
	[ -z "${AFMTS_ASAN:-}" ] || skip "the programs are built with AddressSanitizer (make asan checks leaks itself)"
	{
		echo "$GOOD_GROQ"
		echo 'not json'
		echo '{"type":"fetch","provider":"openrouter","status":200,"body":{"data":"gone"}}'
		fetchline gemini "$REAL/gemini/ai-horoscop-2025-11-18.json"
		jq -Rs -c '{type: "fetch", provider: "htmlprov", status: 200, content_type: "text/html", body_text: .}' \
			"$ROOT/test/fixtures/synthetic/free-models-page.html"
	} > "$BATS_TEST_TMPDIR/in"
	run valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
		"$ROOT/bin/afmts-parse" --providers "$ROOT/test/fixtures/providers" "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 1 ]
	[[ "$output" != *"definitely lost"* ]]
	[[ "$output" != *"Invalid read"* ]]
}

@test "a response's records come out before the input ends (streaming, flushed)" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	afmts-parse < "$BATS_TEST_TMPDIR/fifo" > "$BATS_TEST_TMPDIR/out" &
	pid=$!
	exec 7> "$BATS_TEST_TMPDIR/fifo"
	echo "$GOOD_CEREBRAS" >&7
	for _ in $(seq 100); do
		[ "$(grep -c '"type":"model"' "$BATS_TEST_TMPDIR/out" || true)" -eq 9 ] && break
		sleep 0.05
	done
	n=$(grep -c '"type":"model"' "$BATS_TEST_TMPDIR/out" || true)
	kill -0 "$pid"
	exec 7>&-
	wait "$pid"
	[ "$n" -eq 9 ]
	[ "$(tail -n 1 "$BATS_TEST_TMPDIR/out")" = '{"type":"provider","provider":"cerebras","ok":true,"models":9,"observed_at":"2026-01-01T00:00:00Z"}' ]
}

@test "every shipped descriptor carries its evidence: none is refused" {
	echo "$GOOD_CEREBRAS" > "$BATS_TEST_TMPDIR/in"
	run_parse "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	[ -z "$err" ]
}

@test "a descriptor without the source or the day of a fact is refused, the file named" {
	echo "$GOOD_CEREBRAS" > "$BATS_TEST_TMPDIR/in"
	mkdir "$BATS_TEST_TMPDIR/mine"
	d=$ROOT/parsers/providers/cerebras.json
	for cut in 'del(.free.source)' 'del(.free.checked)' 'del(.limits.source)' \
		'.limits.checked = "last week"' 'del(.data_use)' 'del(.data_use.checked)' \
		'.data_use.trains_on_prompts = "maybe"'; do
		jq "$cut" "$d" > "$BATS_TEST_TMPDIR/mine/cerebras.json"
		run_parse --providers "$BATS_TEST_TMPDIR/mine" "$BATS_TEST_TMPDIR/in"
		[ "$status" -eq 1 ]
		[[ "$err" == *"mine/cerebras.json: bad descriptor: "* ]]
	done
	# The same descriptor whole is taken.
	cp "$d" "$BATS_TEST_TMPDIR/mine/cerebras.json"
	run_parse --providers "$BATS_TEST_TMPDIR/mine" "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	[ "$(count_models cerebras)" -eq 9 ]
}
