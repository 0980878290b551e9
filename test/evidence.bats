#!/usr/bin/env bats
# What "free" rests on and what the free tier does with prompts, from the
# descriptors through afmts-parse and afmts-track to afmts-route: --no-train
# over a catalog of several providers, and --state's evidence per provider.

load helpers

setup() {
	setup_env
	export AFMTS_DB="$BATS_TEST_TMPDIR/c.db"
	{
		fetchline openrouter "$REAL/openrouter/models-dev-2026-05-15.json"
		fetchline gemini "$REAL/gemini/ai-horoscop-2025-11-18.json"
		fetchline groq "$REAL/groq/hacka-re-2025-09-02.extracted.json"
		fetchline cerebras "$REAL/cerebras/flask-app-2025-09-03.data-array.json"
		fetchline ollama "$REAL/ollama/lhep-sochi-2025-11-21.api-tags.extracted.json"
		jq '{object: "list", data: [.]}' "$REAL/mistral/pipedream-test-event.model-object.json" > "$BATS_TEST_TMPDIR/mistral.json"
		fetchline mistral "$BATS_TEST_TMPDIR/mistral.json"
	} | afmts-parse > "$BATS_TEST_TMPDIR/models.jsonl"
	afmts-track < "$BATS_TEST_TMPDIR/models.jsonl" > /dev/null
}

# routed [ARGS]: the provider of every free model afmts-route gives, one a line, sorted.
routed() {
	afmts-route --all --count 1000 --format jsonl "$@" | jq -r .provider | sort
}

@test "--no-train leaves out exactly the models of providers that train on free prompts" {
	# The descriptors say: Gemini and Mistral train on free prompts; Ollama does not; the rest unknown.
	for p in gemini mistral; do
		[ "$(jq -r .data_use.trains_on_prompts "$ROOT/parsers/providers/$p.json")" = true ]
	done
	[ "$(jq -r .data_use.trains_on_prompts "$ROOT/parsers/providers/ollama.json")" = false ]
	# Independently, from the records: free text models whose trains_on_prompts is not true.
	text='select(.type == "model" and .free and any(.modalities.output[]; . == "text"))'
	want=$(jq -r "$text"' | select(.trains_on_prompts != true) | .provider' \
		"$BATS_TEST_TMPDIR/models.jsonl" | sort)
	all=$(jq -r "$text | .provider" "$BATS_TEST_TMPDIR/models.jsonl" | sort)
	[ "$(routed --no-train)" = "$want" ]
	[ "$(routed)" = "$all" ]
	# Not vacuous: both kinds are there, "unknown" (groq, openrouter) is kept, false (ollama) too.
	[ "$(printf '%s\n' "$all" | grep -c -x -e gemini -e mistral)" -gt 0 ]
	[ "$(printf '%s\n' "$want" | grep -c -x -e gemini -e mistral)" -eq 0 ]
	for p in groq openrouter ollama cerebras; do
		printf '%s\n' "$want" | grep -q -x "$p"
	done
	# The snapshot answers as the catalog does.
	afmts-route --refresh
	[ "$(AFMTS_ROUTE_SNAPSHOT=only routed --no-train)" = "$want" ]
	[ "$(AFMTS_ROUTE_SNAPSHOT=off routed --no-train)" = "$want" ]
	# The query string spells it no_train=1; a value but 0 or 1 is refused.
	run afmts-route --no-train --provider gemini
	[ "$status" -ne 0 ]
	[[ "$output" == *"--no-train"* ]]
}

@test "the catalog keeps free_basis, free_checked and trains_on_prompts; --state shows them per provider" {
	[ "$(sqlite3 "$AFMTS_DB" "SELECT DISTINCT free_basis FROM models WHERE provider = 'openrouter' AND free_basis IS NOT NULL ORDER BY 1" | tr '\n' ' ')" = "price_zero variant " ]
	[ "$(sqlite3 "$AFMTS_DB" "SELECT count(*) FROM models WHERE free = 0 AND free_basis IS NOT NULL")" -eq 0 ]
	[ "$(sqlite3 "$AFMTS_DB" "SELECT DISTINCT free_basis, trains_on_prompts FROM models WHERE provider = 'ollama'")" = "local|false" ]
	[ "$(sqlite3 "$AFMTS_DB" "SELECT DISTINCT trains_on_prompts FROM models WHERE provider = 'gemini'")" = true ]
	day=$(jq -r .free.checked "$ROOT/parsers/providers/groq.json")
	run env AFMTS_NOW="${day}T12:00:00Z" afmts-route --state
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -c '.providers[] | select(.name == "groq") | [.free_basis, .free_checked, .evidence_age_days, .trains_on_prompts]')" = \
	  "[\"free_tier\",\"$day\",0,\"unknown\"]" ]
	[ "$(echo "$output" | jq -r '.providers[] | select(.name == "openrouter") | .free_basis')" = "price_zero,variant" ]
	run env AFMTS_NOW=2099-01-01T00:00:00Z afmts-route --state
	[ "$(echo "$output" | jq '.providers[] | select(.name == "groq") | .evidence_age_days > 90')" = true ]
}
