#!/usr/bin/env bats
# afmts-parse on the documented shapes of providers without a saved real
# response (test/fixtures/synthetic, see its README), on HTML pages, and in
# --dialect mode.

load helpers

setup() {
	setup_env
	SYN=$ROOT/test/fixtures/synthetic
}

@test "Cloudflare: the v4 envelope, properties read, embeddings told apart" {
	run parse_one cloudflare "$SYN/cloudflare.json"
	[ "$status" -eq 0 ]
	[ "$(field @cf/meta/llama-3.1-8b-instruct context_length)" = 7968 ]
	[ "$(field @cf/meta/llama-3.1-8b-instruct features)" = '["tools"]' ]
	[ "$(field @hf/mistral/mistral-7b-instruct-v0.2 beta)" = true ]
	[ "$(field @cf/baai/bge-base-en-v1.5 modalities)" = '{"input":["text"],"output":["embedding"]}' ]
	[ "$(models | jq length)" -eq 3 ]
}

@test "Cloudflare: success false is a provider error with Cloudflare's message" {
	echo '{"success":false,"errors":[{"code":10000,"message":"Authentication error"}],"result":null}' > "$BATS_TEST_TMPDIR/cf.json"
	run parse_one cloudflare "$BATS_TEST_TMPDIR/cf.json"
	[ "$status" -eq 1 ]
	[[ "$output" == *"Authentication error"* ]]
	[[ "$output" == *'"type":"provider","provider":"cloudflare","ok":false'* ]]
}

@test "Hugging Face: one record per live route, free only where the router says is_free" {
	run parse_one huggingface "$SYN/huggingface.json"
	[ "$status" -eq 0 ]
	[ "$(models | jq -c 'map(.model)')" = '["deepseek-ai/DeepSeek-R1:novita","deepseek-ai/DeepSeek-R1:hf-inference","Qwen/Qwen2.5-VL-7B-Instruct:hyperbolic"]' ]
	[ "$(field deepseek-ai/DeepSeek-R1:hf-inference free)" = true ]
	[ "$(field deepseek-ai/DeepSeek-R1:novita free)" = false ]
	[ "$(field deepseek-ai/DeepSeek-R1:novita output_price)" = 2.5 ]
	[ "$(field Qwen/Qwen2.5-VL-7B-Instruct:hyperbolic features)" = '["vision"]' ]
}

@test "Cohere: deprecated models left out, embed models are not chat" {
	run parse_one cohere "$SYN/cohere.json"
	[ "$status" -eq 0 ]
	[ "$(models | jq -c 'map(.model)')" = '["command-r-plus-08-2024","embed-english-v3.0"]' ]
	[ "$(field embed-english-v3.0 modalities)" = '{"input":["text"],"output":["embedding"]}' ]
}

@test "Chutes: prices per million as numbers; its free plan ended, so a price of 0 is not free" {
	run parse_one chutes "$SYN/chutes.json"
	[ "$status" -eq 0 ]
	[ "$(field deepseek-ai/DeepSeek-V3-0324 input_price)" = 0.24 ]
	[ "$(field deepseek-ai/DeepSeek-V3-0324 features)" = '["json_mode","tools"]' ]
	[ "$(field chutesai/Mistral-Small-3.1-24B-Instruct-2503 input_price)" = 0 ]
	[ "$(field chutesai/Mistral-Small-3.1-24B-Instruct-2503 free)" = false ]
	[ "$(field chutesai/Mistral-Small-3.1-24B-Instruct-2503 free_basis)" = null ]
	[ "$(field unsloth/gemma-3-4b-it free)" = false ]
	# Zero priced models, under a price_zero rule, are free with that basis.
	mkdir "$BATS_TEST_TMPDIR/p"
	jq '.free.rule = "zero_price"' "$ROOT/parsers/providers/chutes.json" > "$BATS_TEST_TMPDIR/p/chutes.json"
	fetchline chutes "$SYN/chutes.json" | afmts-parse --providers "$BATS_TEST_TMPDIR/p" > "$BATS_TEST_TMPDIR/out"
	[ "$(jq -r 'select(.model == "chutesai/Mistral-Small-3.1-24B-Instruct-2503") | .free_basis' "$BATS_TEST_TMPDIR/out")" = price_zero ]
	[ "$(jq -r 'select(.model == "unsloth/gemma-3-4b-it") | [.free, .free_basis] | tojson' "$BATS_TEST_TMPDIR/out")" = '[false,null]' ]
}

@test "SambaNova: per-token number prices become per-million" {
	run parse_one sambanova "$SYN/sambanova.json"
	[ "$status" -eq 0 ]
	[ "$(field Meta-Llama-3.3-70B-Instruct input_price)" = 0.6 ]
	[ "$(field Meta-Llama-3.3-70B-Instruct output_price)" = 1.2 ]
	[ "$(field Meta-Llama-3.3-70B-Instruct max_output_tokens)" = 3072 ]
}

@test "llama.cpp: the trained context comes from meta.n_ctx_train" {
	run parse_one llamacpp "$SYN/llamacpp.json"
	[ "$status" -eq 0 ]
	[ "$(field qwen2.5-7b-instruct-q4_k_m.gguf context_length)" = 32768 ]
	[ "$(field qwen2.5-7b-instruct-q4_k_m.gguf free_reason)" = "runs locally" ]
}

@test "an HTML page (body_text) is read through libxml2 into the html-table dialect" {
	jq -Rs -c '{type: "fetch", provider: "htmlprov", fetched_at: "2026-01-01T00:00:00Z",
		status: 200, content_type: "text/html; charset=utf-8", body_text: .}' \
		"$SYN/free-models-page.html" > "$BATS_TEST_TMPDIR/page.jsonl"
	run afmts-parse --providers "$ROOT/test/fixtures/providers" "$BATS_TEST_TMPDIR/page.jsonl"
	[ "$status" -eq 0 ]
	[ "$(models | jq -c 'map(.model)')" = '["llama-3.3-70b","qwen-3-32b","<img src=x onerror=alert(1)>"]' ]
	[ "$(field llama-3.3-70b context_length)" = 128000 ]
	[ "$(field llama-3.3-70b limits)" = '{"rpm":30,"rpd":1000}' ]
	[ "$(field qwen-3-32b limits)" = '{"rpm":60,"rpd":14400}' ]
	[ "$(field llama-3.3-70b free)" = true ]
}

@test "html-table: a cell writing a context twice (\"32k tokens: 32768\") is read as the exact figure, not 3232768" {
	jq -Rs -c '{type: "fetch", provider: "htmlprov", fetched_at: "2026-01-01T00:00:00Z",
		status: 200, content_type: "text/html; charset=utf-8", body_text: .}' \
		"$SYN/free-models-page.html" > "$BATS_TEST_TMPDIR/page.jsonl"
	run afmts-parse --providers "$ROOT/test/fixtures/providers" "$BATS_TEST_TMPDIR/page.jsonl"
	[ "$status" -eq 0 ]
	[ "$(field qwen-3-32b context_length)" = 32768 ]
}

@test "html-table: a cell's number is the number written, k/K thousands, M millions, never two numbers glued" {
	{
		echo '<table><tr><th>Model ID</th><th>Context</th><th>Requests / minute</th><th>Requests / day</th></tr>'
		echo '<tr><td>a</td><td>128K</td><td>30 per minute</td><td>1,000</td></tr>'
		echo '<tr><td>b</td><td>1.5M</td><td>2</td><td>14&#160;400</td></tr>'
		echo '<tr><td>c</td><td>8k / 32k</td><td>60 (1 per second)</td><td>1k</td></tr>'
		echo '<tr><td>d</td><td>2048 tokens (2k)</td><td>none</td><td>v2: 500</td></tr>'
		echo '<tr><td>e</td><td>1,048,576</td><td>10</td><td>1.000.000</td></tr>'
		echo '</table>'
	} > "$BATS_TEST_TMPDIR/cells.html"
	run afmts-parse --providers "$ROOT/test/fixtures/providers" --dialect html-table --provider htmlprov < "$BATS_TEST_TMPDIR/cells.html"
	[ "$status" -eq 0 ]
	[ "$(models | jq -c 'map([.model, .context_length, .limits])')" = '[["a",128000,{"rpm":30,"rpd":1000}],["b",1500000,{"rpm":2,"rpd":14400}],["c",8000,{"rpm":60,"rpd":1000}],["d",2048,{"rpd":500}],["e",1048576,{"rpm":10}]]' ]
}

@test "OpenRouter: pricing.overrides become price_tiers, per million, ascending, unrestated prices inherited" {
	run parse_one openrouter "$SYN/openrouter-overrides.json"
	[ "$status" -eq 0 ]
	[ "$(field google/gemini-2.5-pro-preview price_tiers)" = '[{"min_prompt_tokens":200000,"input_price":2.5,"output_price":15}]' ]
	[ "$(field google/gemini-2.5-pro-preview input_price)" = 1.25 ]
	[ "$(field example/two-tiers price_tiers)" = '[{"min_prompt_tokens":32000,"input_price":2,"output_price":6},{"min_prompt_tokens":128000,"input_price":2,"output_price":8}]' ]
	# a time-window override is a promotion, not a tier; no overrides, no member
	[ "$(field example/promotion price_tiers)" = null ]
	[ "$(field example/flat:free price_tiers)" = null ]
	[ "$(models | jq length)" -eq 4 ]
}

@test "XML bodies never load external entities" {
	cat > "$BATS_TEST_TMPDIR/x.xml" <<'XML'
<?xml version="1.0"?>
<!DOCTYPE html [<!ENTITY ext SYSTEM "file:///etc/passwd">]>
<html><body><table><tr><th>Model ID</th><th>Context</th></tr><tr><td>x-model&ext;</td><td>100</td></tr></table></body></html>
XML
	run afmts-parse --providers "$ROOT/test/fixtures/providers" --dialect html-table --provider htmlprov < "$BATS_TEST_TMPDIR/x.xml"
	[ "$status" -eq 0 ]
	[ "$(models | jq -c 'map(.model)')" = '["x-model"]' ]
	[[ "$output" != *root:* ]]
}

@test "an XML entity bomb is refused with a clear error, not expanded" {
	cat > "$BATS_TEST_TMPDIR/bomb.xml" <<'XML'
<?xml version="1.0"?>
<!DOCTYPE t [<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<t>&d;</t>
XML
	run afmts-parse --providers "$ROOT/test/fixtures/providers" --dialect html-table --provider htmlprov < "$BATS_TEST_TMPDIR/bomb.xml"
	[ "$status" -eq 1 ]
	[[ "$output" == *"afmts-parse: stdin: not well-formed XML"* ]]
	[[ "$output" == *'"provider":"htmlprov","ok":false'* ]]
	[ "${#output}" -lt 1000 ]
}

@test "--dialect reads a raw response from stdin, with the provider of the same name" {
	run afmts-parse --dialect openrouter < "$REAL/openrouter/roo-code-2025-04-24.json"
	[ "$status" -eq 0 ]
	[ "$(models | jq length)" -eq "$(jq '.data | length' "$REAL/openrouter/roo-code-2025-04-24.json")" ]
	[ "$(printf '%s\n' "$output" | tail -n 1 | jq -r '.provider + " " + (.ok | tostring)')" = "openrouter true" ]
}

@test "--dialect reads several concatenated pages as one provider" {
	f=$REAL/gemini/ai-horoscop-2025-11-18.json
	run bash -c "cat '$f' '$f' | afmts-parse --dialect gemini"
	[ "$status" -eq 0 ]
	[ "$(models | jq length)" -eq $(( 2 * $(jq '.models | length' "$f") )) ]
	[ "$(printf '%s\n' "$output" | tail -n 1 | jq .models)" -eq $(( 2 * $(jq '.models | length' "$f") )) ]
}

@test "--dialect with --provider applies that provider's free rule" {
	run afmts-parse --dialect openai --provider groq < "$REAL/cerebras/flask-app-2025-09-03.data-array.json"
	[ "$status" -eq 0 ]
	[ "$(models | jq '[.[] | select(.free and .provider == "groq")] | length')" -eq 9 ]
	run afmts-parse --dialect openai < "$REAL/cerebras/flask-app-2025-09-03.data-array.json"
	[ "$status" -eq 0 ]
	[ "$(models | jq '[.[] | select(.free)] | length')" -eq 0 ]
}
