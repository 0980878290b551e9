#!/usr/bin/env bats
# afmts-parse on the real provider responses in test/fixtures/real: the model
# and free-model counts are computed here, independently, with the jq command
# line from the raw files; a few known models are checked field by field.

load helpers

setup() {
	setup_env
}

# parse_counts PROVIDER FILE: sets $n and $nfree from afmts-parse's output.
parse_counts() {
	run parse_one "$1" "$2"
	[ "$status" -eq 0 ]
	n=$(printf '%s\n' "$output" | jq -s '[.[] | select(.type == "model")] | length')
	nfree=$(printf '%s\n' "$output" | jq -s '[.[] | select(.type == "model" and .free)] | length')
	provider_line=$(printf '%s\n' "$output" | jq -c 'select(.type == "provider")')
}

# The free rule of OpenRouter as the raw data states it: both prices are 0.
or_expect() {
	want_n=$(jq '(if type == "array" then . else .data end) | map(select(.id | type == "string")) | length' "$1")
	want_free=$(jq '(if type == "array" then . else .data end)
		| map(select((.pricing.prompt | tonumber) == 0 and (.pricing.completion | tonumber) == 0)) | length' "$1")
}

@test "OpenRouter 2024-04 (bare data array, early shape): counts match the raw file" {
	f=$REAL/openrouter/lobe-chat-2024-04-10.data-array.json
	or_expect "$f"
	parse_counts openrouter "$f"
	[ "$n" -eq "$want_n" ]
	[ "$nfree" -eq "$want_free" ]
	[ "$provider_line" = "{\"type\":\"provider\",\"provider\":\"openrouter\",\"ok\":true,\"models\":$want_n,\"observed_at\":\"2026-01-01T00:00:00Z\"}" ]
}

@test "OpenRouter 2025-04-24: counts match the raw file" {
	f=$REAL/openrouter/roo-code-2025-04-24.json
	or_expect "$f"
	parse_counts openrouter "$f"
	[ "$want_n" -gt 300 ]
	[ "$n" -eq "$want_n" ]
	[ "$nfree" -eq "$want_free" ]
}

@test "OpenRouter 2025-05-23: counts match the raw file and known models are exact" {
	f=$REAL/openrouter/roo-code-2025-05-23.json
	or_expect "$f"
	parse_counts openrouter "$f"
	[ "$n" -eq "$want_n" ]
	[ "$nfree" -eq "$want_free" ]
	[ "$(field mistralai/devstral-small:free free)" = true ]
	[ "$(field mistralai/devstral-small:free context_length)" = 131072 ]
	[ "$(field mistralai/devstral-small:free input_price)" = 0 ]
	[ "$(field mistralai/devstral-small:free free_reason)" = "free variant (:free suffix, price 0)" ]
	# A paid model: USD per token in the raw file, per million tokens here.
	raw=$(jq -r '.data[] | select(.id == "anthropic/claude-3.7-sonnet") | [.pricing.prompt, .pricing.completion, .context_length] | @tsv' "$f")
	[ "$(field anthropic/claude-3.7-sonnet input_price)" = 3 ]
	[ "$(field anthropic/claude-3.7-sonnet output_price)" = 15 ]
	[ "$raw" = "$(printf '0.000003\t0.000015\t200000')" ]
	[ "$(field anthropic/claude-3.7-sonnet context_length)" = 200000 ]
	[ "$(field anthropic/claude-3.7-sonnet free)" = false ]
	[ "$(field anthropic/claude-3.7-sonnet features)" = '["reasoning","tools","vision"]' ]
	# A zero-priced model without the :free suffix is free, with its reason.
	[ "$(field google/gemini-2.5-pro-exp-03-25 free)" = true ]
	[ "$(field google/gemini-2.5-pro-exp-03-25 free_reason)" = "price 0 without the :free suffix (router, preview or stealth model)" ]
	# What "free" rests on: a :free variant, or a list price of 0; the rule's day rides along.
	[ "$(field mistralai/devstral-small:free free_basis)" = variant ]
	[ "$(field google/gemini-2.5-pro-exp-03-25 free_basis)" = price_zero ]
	[ "$(field anthropic/claude-3.7-sonnet free_basis)" = null ]
	[ "$(field anthropic/claude-3.7-sonnet free_checked)" = "$(jq -r .free.checked "$ROOT/parsers/providers/openrouter.json")" ]
	[ "$(field anthropic/claude-3.7-sonnet trains_on_prompts)" = unknown ]
	# The router's variable price (-1) is unknown, not negative and not free.
	[ "$(field openrouter/auto input_price)" = null ]
	[ "$(field openrouter/auto price_variable)" = true ]
	[ "$(field openrouter/auto free)" = false ]
}

@test "OpenRouter 2026-05 (zero-valued price keys omitted): counts match the raw file" {
	f=$REAL/openrouter/models-dev-2026-05-15.json
	or_expect "$f"
	parse_counts openrouter "$f"
	[ "$n" -eq "$want_n" ]
	[ "$nfree" -eq "$want_free" ]
	[ "$(field openrouter/free free)" = true ]
	[ "$(field openrouter/free limits)" = '{"rpm":20,"rpd":50,"scope":"provider","day_reset":"utc"}' ]
}

@test "every OpenRouter price is the raw per-token price times a million" {
	f=$REAL/openrouter/roo-code-2025-04-24.json
	parse_counts openrouter "$f"
	bad=$(printf '%s\n' "$output" | jq -s --slurpfile raw "$f" '
		($raw[0].data | map({key: .id, value: .pricing}) | from_entries) as $p
		| [.[] | select(.type == "model" and .input_price != null)
		   | select(((.input_price - ($p[.model].prompt | tonumber) * 1000000) | fabs) > 1e-6
		         or ((.output_price - ($p[.model].completion | tonumber) * 1000000) | fabs) > 1e-6)
		   | .model] | length')
	[ "$bad" -eq 0 ]
}

@test "Groq: every active model, all free, context and output limits exact" {
	f=$REAL/groq/hacka-re-2025-09-02.extracted.json
	parse_counts groq "$f"
	[ "$n" -eq "$(jq '[.data[] | select(.active != false)] | length' "$f")" ]
	[ "$nfree" -eq "$n" ]
	[ "$(field llama-3.1-8b-instant context_length)" = "$(jq '.data[] | select(.id == "llama-3.1-8b-instant") | .context_window' "$f")" ]
	[ "$(field llama-3.1-8b-instant max_output_tokens)" = 131072 ]
	[ "$(field llama-3.1-8b-instant family)" = llama ]
	[ "$(field llama-3.1-8b-instant key_env)" = GROQ_API_KEY ]
	[ "$(field llama-3.1-8b-instant base_url)" = https://api.groq.com/openai/v1 ]
}

@test "Gemini: the descriptor's free-tier pattern decides, as jq applies it to the raw file" {
	f=$REAL/gemini/ai-horoscop-2025-11-18.json
	d=$ROOT/parsers/providers/gemini.json
	pat=$(jq -r .free.pattern "$d")
	ex=$(jq -r .free.exclude "$d")
	parse_counts gemini "$f"
	[ "$n" -eq "$(jq '.models | length' "$f")" ]
	[ "$nfree" -eq "$(jq --arg p "$pat" --arg x "$ex" '[.models[].name | ltrimstr("models/") | select(test($p) and (test($x) | not))] | length' "$f")" ]
	[ "$nfree" -gt 10 ]
	[ "$(field gemini-2.5-flash free)" = true ]
	[ "$(field gemini-2.5-flash context_length)" = 1048576 ]
	[ "$(field gemini-2.5-flash max_output_tokens)" = 65536 ]
	[ "$(field gemini-2.5-pro free)" = false ]
	[ "$(field gemini-2.5-flash free_basis)" = free_tier ]
	[ "$(field gemini-2.5-flash trains_on_prompts)" = true ]
	[ "$(field text-embedding-004 modalities)" = '{"input":["text"],"output":["embedding"]}' ]
}

@test "GitHub Models: every catalog model, free, with limits from its rate tier" {
	f=$REAL/github-models/github-model-list-2025-05-17.json
	parse_counts github-models "$f"
	[ "$n" -eq "$(jq length "$f")" ]
	[ "$nfree" -eq "$n" ]
	[ "$(field openai/gpt-4.1 rate_limit_tier)" = high ]
	[ "$(field openai/gpt-4.1 limits)" = "$(jq -c '.tier_limits.high' "$ROOT/parsers/providers/github-models.json")" ]
	[ "$(field openai/gpt-4.1 features)" = '["vision"]' ]
}

@test "NVIDIA: the /v1/models list rebuilt from the derived snapshot parses whole" {
	f=$REAL/nvidia/autobots-derived-2026-06-24.json
	jq '{object: "list", data: [.models[] | {id, object: "model", created, owned_by: .publisher}]}' "$f" > "$BATS_TEST_TMPDIR/nvidia.json"
	parse_counts nvidia "$BATS_TEST_TMPDIR/nvidia.json"
	[ "$n" -eq "$(jq .total "$f")" ]
	[ "$nfree" -eq "$n" ]
	[ "$(field 01-ai/yi-large owned_by)" = 01-ai ]
}

@test "Cerebras: a bare data array, every model free" {
	f=$REAL/cerebras/flask-app-2025-09-03.data-array.json
	parse_counts cerebras "$f"
	[ "$n" -eq "$(jq length "$f")" ]
	[ "$nfree" -eq "$n" ]
	[ "$(field gpt-oss-120b limits)" = '{"rpm":30,"rpd":14400,"tpm":60000,"tpd":1000000}' ]
}

@test "Mistral: capabilities become features and modalities" {
	f=$REAL/mistral/pipedream-test-event.model-object.json
	jq '{object: "list", data: [.]}' "$f" > "$BATS_TEST_TMPDIR/mistral.json"
	parse_counts mistral "$BATS_TEST_TMPDIR/mistral.json"
	[ "$n" -eq 1 ]
	[ "$(field mistral-ocr-latest context_length)" = "$(jq .max_context_length "$f")" ]
	[ "$(field mistral-ocr-latest features)" = '[]' ]
	[ "$(field mistral-ocr-latest free)" = true ]
}

@test "Together (legacy /api/models): its free tier ended, so no model is free; prices scaled" {
	f=$REAL/together/lobe-chat-2024-05-11.models-info.json
	parse_counts together "$f"
	[ "$n" -eq "$(jq '[.[] | select((.id // .name) | type == "string")] | length' "$f")" ]
	# The list still prices some text models at 0: under the rule of 2026 ("none") they are paid.
	[ "$(jq '[.[] | select(.pricing.input == 0 and .pricing.output == 0)] | length' "$f")" -gt 0 ]
	[ "$nfree" -eq 0 ]
	[ "$(field meta-llama/Llama-3-70b-chat-hf input_price)" = 0.9 ]
	[ "$(field meta-llama/Llama-3-70b-chat-hf free)" = false ]
	[ "$(field HuggingFaceH4/zephyr-7b-beta free)" = false ]
	[ "$(field HuggingFaceH4/zephyr-7b-beta input_price)" = 0 ]
	[ "$(field stabilityai/stable-diffusion-xl-base-1.0 free)" = false ]
}

@test "Ollama /api/tags: local models, family from details" {
	f=$REAL/ollama/lhep-sochi-2025-11-21.api-tags.extracted.json
	parse_counts ollama "$f"
	[ "$n" -eq "$(jq '.models | length' "$f")" ]
	[ "$nfree" -eq "$n" ]
	[ "$(field deepseek-v2.5:latest family)" = deepseek2 ]
	[ "$(field deepseek-v2.5:latest parameter_size)" = 235.7B ]
	[ "$(field deepseek-v2.5:latest base_url)" = http://localhost:11434/v1 ]
	[ "$(field deepseek-v2.5:latest free_basis)" = local ]
	[ "$(field deepseek-v2.5:latest trains_on_prompts)" = false ]
}

@test "all real fixtures in one stream: one provider line each, exit 0" {
	{
		fetchline openrouter "$REAL/openrouter/roo-code-2025-05-23.json"
		fetchline groq "$REAL/groq/hacka-re-2025-09-02.extracted.json"
		fetchline gemini "$REAL/gemini/ai-horoscop-2025-11-18.json"
		fetchline github-models "$REAL/github-models/github-model-list-2025-05-17.json"
		fetchline cerebras "$REAL/cerebras/flask-app-2025-09-03.data-array.json"
		fetchline together "$REAL/together/lobe-chat-2024-05-11.models-info.json"
		fetchline ollama "$REAL/ollama/lhep-sochi-2025-11-21.api-tags.extracted.json"
	} > "$BATS_TEST_TMPDIR/all.jsonl"
	run afmts-parse "$BATS_TEST_TMPDIR/all.jsonl"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq -s -c '[.[] | select(.type == "provider") | .provider]')" = '["openrouter","groq","gemini","github-models","cerebras","together","ollama"]' ]
	[ "$(printf '%s\n' "$output" | jq -s '[.[] | select(.type == "provider" and .ok)] | length')" -eq 7 ]
}

@test "every model record carries the common fields with the right types" {
	{
		fetchline openrouter "$REAL/openrouter/models-dev-2026-05-15.json"
		fetchline gemini "$REAL/gemini/ai-horoscop-2025-11-18.json"
		fetchline together "$REAL/together/lobe-chat-2024-05-11.models-info.json"
	} | { run afmts-parse; echo "$output"; } > "$BATS_TEST_TMPDIR/out.jsonl"
	bad=$(jq -c 'select(.type == "model") | select(
		(.provider | type) != "string" or (.model | type) != "string" or
		(.free | type) != "boolean" or (.observed_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$") | not) or
		(.modalities.input | type) != "array" or (.features | type) != "array" or
		((.context_length | type) != "number" and .context_length != null) or
		((.input_price | type) != "number" and .input_price != null))' "$BATS_TEST_TMPDIR/out.jsonl" | wc -l)
	[ "$bad" -eq 0 ]
	[ "$(grep -c '"type":"model"' "$BATS_TEST_TMPDIR/out.jsonl")" -gt 500 ]
}

@test "Ollama with /api/ps and /api/show (real answers): contexts, capabilities, embed-only models left out" {
	R=$REAL/ollama
	jq -n -c --slurpfile ps "$R/ps.json" --slurpfile sm "$R/show-smollm2-1.7b.json" \
		--slurpfile q "$R/show-qwen2.5vl-7b.json" --slurpfile g "$R/show-gpt-oss-120b-remote.json" \
		'{type: "fetch", provider: "ollama", url: "http://127.0.0.1:11434/api/tags",
		  fetched_at: "2026-12-03T00:00:00Z", status: 200,
		  body: {models: [{name: "smollm2:1.7b"}, {name: "qwen2.5vl:7b"}, {name: "gpt-oss:120b"},
			{name: "nomic-embed-text"}]},
		  extra: {ps: $ps[0], show: {"smollm2:1.7b": $sm[0], "qwen2.5vl:7b": $q[0],
			"gpt-oss:120b": $g[0], "nomic-embed-text": {capabilities: ["embedding"]}}}}' |
		afmts-parse > "$BATS_TEST_TMPDIR/out"
	# Expected, from the raw answers: a loaded model's context from /api/ps; the
	# others' the shorter of the training length and the descriptor's default.
	jq -s -c --slurpfile ps "$R/ps.json" --argjson dflt "$(jq .default_context "$ROOT/parsers/providers/ollama.json")" '
		[.[] | {model: .key, ctx: (first($ps[0].models[] | select(.name == .key) | .context_length)
			// ([.value.model_info | to_entries[] | select(.key | endswith(".context_length")) | .value][0]
			    | [., $dflt] | min)),
			caps: .value.capabilities}]' \
		<(jq -c '{key: "smollm2:1.7b", value: .}' "$R/show-smollm2-1.7b.json"
		  jq -c '{key: "qwen2.5vl:7b", value: .}' "$R/show-qwen2.5vl-7b.json"
		  jq -c '{key: "gpt-oss:120b", value: .}' "$R/show-gpt-oss-120b-remote.json") > "$BATS_TEST_TMPDIR/want"
	[ "$(jq -s -c '[.[] | select(.type == "model") | .model]' "$BATS_TEST_TMPDIR/out")" = '["smollm2:1.7b","qwen2.5vl:7b","gpt-oss:120b"]' ]
	for m in smollm2:1.7b qwen2.5vl:7b gpt-oss:120b; do
		want=$(jq -r --arg m "$m" '.[] | select(.model == $m) | .ctx' "$BATS_TEST_TMPDIR/want")
		got=$(jq -r --arg m "$m" 'select(.model == $m) | .context_length' "$BATS_TEST_TMPDIR/out")
		[ "$got" = "$want" ]
	done
	# smollm2 is loaded (ps.json) with 4096; qwen2.5vl's 128000 is cut to the default.
	[ "$(jq -r 'select(.model == "smollm2:1.7b") | .loaded' "$BATS_TEST_TMPDIR/out")" = true ]
	[ "$(jq -r 'select(.model == "qwen2.5vl:7b") | .context_train' "$BATS_TEST_TMPDIR/out")" = 128000 ]
	[ "$(jq -c 'select(.model == "qwen2.5vl:7b") | [.features, .modalities.input]' "$BATS_TEST_TMPDIR/out")" = '[["vision"],["text","image"]]' ]
	[ "$(jq -c 'select(.model == "gpt-oss:120b") | .features' "$BATS_TEST_TMPDIR/out")" = '["reasoning","tools"]' ]
}

@test "llama.cpp with /props (a real answer): the slot's context, slots and alias, not the training length" {
	R=$REAL/llamacpp
	jq -n -c --slurpfile m "$R/models.json" --slurpfile p "$R/props.json" \
		'{type: "fetch", provider: "llamacpp", url: "http://127.0.0.1:8080/v1/models",
		  fetched_at: "2026-12-03T00:00:00Z", status: 200, body: $m[0], extra: {props: $p[0]}}' |
		afmts-parse > "$BATS_TEST_TMPDIR/out"
	[ "$(jq -s '[.[] | select(.type == "model")] | length' "$BATS_TEST_TMPDIR/out")" = "$(jq '.data | length' "$R/models.json")" ]
	jq -s -e --slurpfile p "$R/props.json" 'map(select(.type == "model")) | length > 0 and all(
		.context_length == $p[0].default_generation_settings.n_ctx and
		.limits.slots == $p[0].total_slots and .name == $p[0].model_alias and
		.local.slots_url == "http://127.0.0.1:8080/slots" and .base_url == "http://127.0.0.1:8080/v1")' \
		"$BATS_TEST_TMPDIR/out"
}
