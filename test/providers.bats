#!/usr/bin/env bats
# Every provider descriptor against a response of its provider kept in
# test/fixtures (real/, synthetic/, documented/: their READMEs and SOURCES.md
# say where each comes from): the models and free models afmts-parse finds
# equal the figures jq computes from the raw file on its own, by the
# provider's free rule as its descriptor states it today.

load helpers

setup() {
	setup_env
}

# The table: provider, fixture (under test/fixtures), a jq program giving
# the model count and another the free count, both over the raw file.
# Entries: ".data" lists, ".models" lists, Cloudflare's ".result".
cases() {
	local all='if type == "array" then . else .data end'
	cat <<-EOF
	openrouter	real/openrouter/roo-code-2025-05-23.json	.data | length	[.data[] | select((.pricing.prompt | tonumber) == 0 and (.pricing.completion | tonumber) == 0)] | length
	groq	real/groq/hacka-re-2025-09-02.extracted.json	[.data[] | select(.active != false)] | length	[.data[] | select(.active != false)] | length
	gemini	real/gemini/ai-horoscop-2025-11-18.json	.models | length	[.models[].name | ltrimstr("models/") | select(test("^(gemini-(2\\\\.5|3)-flash|gemini-flash|gemma-|gemini-embedding|text-embedding|embedding-)") and (test("(image|tts|computer-use|thinking-exp|pro)") | not))] | length
	github-models	real/github-models/github-model-list-2025-05-17.json	length	length
	cerebras	real/cerebras/flask-app-2025-09-03.data-array.json	length	length
	together	real/together/lobe-chat-2024-05-11.models-info.json	[.[] | select((.id // .name) | type == "string")] | length	0
	ollama	real/ollama/lhep-sochi-2025-11-21.api-tags.extracted.json	.models | length	.models | length
	chutes	synthetic/chutes.json	$all | length	0
	cloudflare	synthetic/cloudflare.json	.result | length	.result | length
	cohere	synthetic/cohere.json	[.models[] | select(.is_deprecated != true)] | length	[.models[] | select(.is_deprecated != true)] | length
	huggingface	synthetic/huggingface.json	[.data[] | .providers[] | select((.status // "live") == "live")] | length	[.data[] | .providers[] | select((.status // "live") == "live" and .is_free == true)] | length
	llamacpp	synthetic/llamacpp.json	.data | length	.data | length
	sambanova	synthetic/sambanova.json	.data | length	0
	anthropic	documented/anthropic.json	.data | length	0
	ovhcloud	documented/ovhcloud.json	.data | length	.data | length
	scaleway	documented/scaleway.json	.data | length	0
	kilo	documented/kilo.json	.data | length	[.data[] | select(.pricing.prompt == "0" and .pricing.completion == "0")] | length
	ollama-cloud	documented/ollama-cloud.json	.models | length	.models | length
	llmgateway	documented/llmgateway.json	.data | length	[.data[] | select(.pricing.prompt == "0" and .pricing.completion == "0")] | length
	requesty	documented/requesty.json	.data | length	[.data[] | select(.id | endswith(":free"))] | length
	vercel	documented/vercel.json	.data | length	0
	opencode-zen	documented/opencode-zen.json	.data | length	[.data[] | select((.id | endswith("-free")) or .id == "big-pickle")] | length
	codestral	documented/codestral.json	.data | length	.data | length
	fireworks	documented/fireworks.json	.data | length	0
	nebius	documented/nebius.json	.data | length	0
	novita	documented/novita.json	.data | length	0
	hyperbolic	documented/hyperbolic.json	.data | length	0
	alibaba	documented/alibaba.json	.data | length	0
	EOF
}

@test "at least 30 providers, each with a fixture here (or its real list, rebuilt below)" {
	[ "$(ls "$ROOT"/parsers/providers/*.json | wc -l)" -ge 30 ]
	for d in "$ROOT"/parsers/providers/*.json; do
		p=$(basename "$d" .json)
		case $p in
		nvidia|mistral) continue ;;	# rebuilt from their real files in the tests below
		esac
		cases | cut -f 1 | grep -qx "$p" || { echo "no fixture case for $p"; false; }
	done
}

@test "per provider: models and free models from its fixture equal jq's figures" {
	local checked=0 withfree=0
	while IFS=$'\t' read -r p file count free; do
		f=$ROOT/test/fixtures/$file
		want_n=$(jq "$count" "$f")
		want_free=$(jq "$free" "$f")
		out=$(parse_one "$p" "$f")
		n=$(printf '%s\n' "$out" | jq -s '[.[] | select(.type == "model")] | length')
		nfree=$(printf '%s\n' "$out" | jq -s '[.[] | select(.type == "model" and .free)] | length')
		[ "$n" -eq "$want_n" ] && [ "$nfree" -eq "$want_free" ] ||
			{ echo "$p: $n models, $nfree free; jq says $want_n, $want_free"; false; }
		[ "$n" -gt 0 ]
		# Every free model says what it rests on, every model when its rule was checked.
		[ "$(printf '%s\n' "$out" | jq -s '[.[] | select(.type == "model" and .free and .free_basis == null)] | length')" -eq 0 ]
		[ "$(printf '%s\n' "$out" | jq -s --arg d "$(jq -r .free.checked "$ROOT/parsers/providers/$p.json")" \
			'[.[] | select(.type == "model" and .free_checked != $d)] | length')" -eq 0 ]
		checked=$((checked + 1))
		[ "$want_free" -eq 0 ] || withfree=$((withfree + 1))
	done < <(cases)
	[ "$checked" -ge 28 ]
	[ "$withfree" -ge 12 ]
}

@test "NVIDIA and Mistral: their real lists rebuilt as the API sends them" {
	f=$REAL/nvidia/autobots-derived-2026-06-24.json
	jq '{object: "list", data: [.models[] | {id, object: "model", created, owned_by: .publisher}]}' "$f" > "$BATS_TEST_TMPDIR/nvidia.json"
	out=$(parse_one nvidia "$BATS_TEST_TMPDIR/nvidia.json")
	[ "$(printf '%s\n' "$out" | jq -s '[.[] | select(.type == "model" and .free)] | length')" -eq "$(jq .total "$f")" ]
	jq '{object: "list", data: [.]}' "$REAL/mistral/pipedream-test-event.model-object.json" > "$BATS_TEST_TMPDIR/mistral.json"
	out=$(parse_one mistral "$BATS_TEST_TMPDIR/mistral.json")
	[ "$(printf '%s\n' "$out" | jq -s '[.[] | select(.type == "model" and .free)] | length')" -eq 1 ]
}

@test "keyless providers are public and their free models need no key" {
	for p in kilo ovhcloud openrouter; do
		[ "$(jq -r .public "$ROOT/parsers/providers/$p.json")" = true ]
	done
	run env -u KILO_API_KEY afmts-fetch --dry-run --only kilo,ovhcloud
	[ "$status" -eq 0 ]
	[[ "$output" != *Authorization* ]]
}

@test "afmts-providers(7) is what man/mkproviders writes from the descriptors: one section each, lint clean" {
	diff <("$ROOT/man/mkproviders") "$ROOT/man/afmts-providers.7"
	for d in "$ROOT"/parsers/providers/*.json; do
		grep -qx ".Ss $(jq -r .name "$d")" "$ROOT/man/afmts-providers.7"
	done
	# A changed fact shows in the page written from the changed descriptors.
	mkdir "$BATS_TEST_TMPDIR/p"
	cp "$ROOT"/parsers/providers/*.json "$BATS_TEST_TMPDIR/p/"
	jq '.free.checked = "2026-12-31"' "$ROOT/parsers/providers/groq.json" > "$BATS_TEST_TMPDIR/p/groq.json"
	"$ROOT/man/mkproviders" "$BATS_TEST_TMPDIR/p" > "$BATS_TEST_TMPDIR/new.7"
	! diff -q "$BATS_TEST_TMPDIR/new.7" "$ROOT/man/afmts-providers.7"
	grep -q '(checked 2026-12-31)' "$BATS_TEST_TMPDIR/new.7"
	grep -qx '.Dd December 31, 2026' "$BATS_TEST_TMPDIR/new.7"
	run mandoc -Tlint -W warning "$ROOT/man/afmts-providers.7"
	[ "$status" -eq 0 ]
}
