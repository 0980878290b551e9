#!/usr/bin/env bats
# The loopback double of llama-server and Ollama (test/mock-local) that the
# gateway's local-server tests rely on: each endpoint against the shape of the
# real response it follows, and its slots turning busy and idle.

load helpers

setup() {
	setup_env
	LOG="$BATS_TEST_TMPDIR/local.log"
}

teardown() {
	stop_mock_locals "$BATS_TEST_TMPDIR"
}

# same_keys JSON FIXTURE [PATH]: JSON's keys at jq PATH are the fixture's.
same_keys() {
	local path=${3:-.}
	[ "$(printf '%s' "$1" | jq -c "$path | keys")" = "$(jq -c "$path | keys" "$REAL/$2")" ] ||
		{ echo "keys differ from $2 at $path: $(printf '%s' "$1" | jq -c "$path | keys")"; return 1; }
}

chat() {
	curl -s "$1/v1/chat/completions" -H 'Content-Type: application/json' \
		-d "{\"model\": \"$2\", \"stream\": ${3:-false}, \"messages\": [{\"role\": \"user\", \"content\": \"hello\"}]${4:-}}"
}

slots_busy() {
	curl -s "$1/slots" | jq -c '[.[].is_processing]'
}

@test "llamacpp: /health, /props and /v1/models have the captured shapes, with the options' values" {
	url=$(mock_local "$BATS_TEST_TMPDIR" llamacpp "$LOG" --slots 3 --ctx 16384 --model qwen-local)
	run curl -s -w ' %{http_code}' "$url/health"
	[ "$output" = '{"status":"ok"} 200' ]
	props=$(curl -s "$url/props")
	same_keys "$props" llamacpp/props.json
	same_keys "$props" llamacpp/props.json .default_generation_settings
	same_keys "$props" llamacpp/props.json .modalities
	[ "$(printf '%s' "$props" | jq -c '[.default_generation_settings.n_ctx, .total_slots,
		.model_alias, .model_path, .modalities.vision]')" = '[16384,3,"qwen-local","/models/qwen-local",false]' ]
	models=$(curl -s "$url/v1/models")
	same_keys "$models" llamacpp/models.json
	same_keys "$models" llamacpp/models.json '.data[0]'
	same_keys "$models" llamacpp/models.json '.data[0].meta'
	[ "$(printf '%s' "$models" | jq -r '.data[0].id, .models[0].name')" = "$(printf 'qwen-local\nqwen-local')" ]
	# The trained context stays as captured: only /props tells the running one.
	[ "$(printf '%s' "$models" | jq '.data[0].meta.n_ctx_train')" = 256 ]
}

@test "llamacpp: --vision turns modalities.vision on" {
	url=$(mock_local "$BATS_TEST_TMPDIR" llamacpp "$LOG" --vision)
	[ "$(curl -s "$url/props" | jq -c .modalities)" = '{"vision":true,"audio":false}' ]
}

@test "llamacpp: /health answers 503 with the loading body for --loading seconds, then 200" {
	url=$(mock_local "$BATS_TEST_TMPDIR" llamacpp "$LOG" --loading 1)
	run curl -s -w ' %{http_code}' "$url/health"
	[ "$output" = "$(jq -c . "$REAL/llamacpp/health-loading.json") 503" ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/props")" = 503 ]
	sleep 1.2
	run curl -s -w ' %{http_code}' "$url/health"
	[ "$output" = '{"status":"ok"} 200' ]
}

@test "llamacpp: /slots has one object per slot, idle or busy in the captured shapes, as /_control sets them" {
	url=$(mock_local "$BATS_TEST_TMPDIR" llamacpp "$LOG" --slots 2 --ctx 4096)
	slots=$(curl -s "$url/slots")
	[ "$(printf '%s' "$slots" | jq -c '[.[] | [.id, .n_ctx, .is_processing]]')" = '[[0,4096,false],[1,4096,false]]' ]
	same_keys "$slots" llamacpp/slots-idle.json '.[0]'
	[ "$(curl -s -X POST "$url/_control" -d '{"busy": 1}')" = '{"busy":1}' ]
	slots=$(curl -s "$url/slots")
	[ "$(printf '%s' "$slots" | jq -c '[.[].is_processing]')" = '[true,false]' ]
	same_keys "$slots" llamacpp/slots-busy.json '.[0]'
	same_keys "$slots" llamacpp/slots-busy.json '.[0].next_token[0]'
	curl -s -X POST "$url/_control" -d '{"busy": 5}' > /dev/null
	[ "$(slots_busy "$url")" = '[true,true]' ]
	curl -s -X POST "$url/_control" -d '{"busy": 0}' > /dev/null
	[ "$(slots_busy "$url")" = '[false,false]' ]
	[ "$(curl -s "$url/_stats")" = '{"max_in_flight":0,"served":0,"in_flight":0}' ]
}

@test "llamacpp: a chat answer has the captured shape, with usage and timings" {
	url=$(mock_local "$BATS_TEST_TMPDIR" llamacpp "$LOG" --model m1 --hold-ms 50)
	body=$(chat "$url" anything)
	same_keys "$body" llamacpp/chat.json
	same_keys "$body" llamacpp/chat.json .timings
	[ "$(printf '%s' "$body" | jq -r '.object, .model, .choices[0].message.content, .choices[0].finish_reason')" = \
		"$(printf 'chat.completion\nm1\nyou said: hello\nstop')" ]
	[ "$(printf '%s' "$body" | jq '.usage.total_tokens == .usage.prompt_tokens + .usage.completion_tokens')" = true ]
	[ "$(jq -r 'select(.path == "/v1/chat/completions") | [.model, .stream, .slot, .in_flight, .status] | @csv' "$LOG")" = \
		'"anything",false,0,1,200' ]
}

@test "llamacpp: a stream is chunks, timings last, usage only when asked, then [DONE]" {
	url=$(mock_local "$BATS_TEST_TMPDIR" llamacpp "$LOG" --hold-ms 100)
	chat "$url" m true > "$BATS_TEST_TMPDIR/s1"
	[ "$(tail -n 2 "$BATS_TEST_TMPDIR/s1")" = 'data: [DONE]' ]
	events=$(sed -n 's/^data: \({.*\)/\1/p' "$BATS_TEST_TMPDIR/s1")
	[ "$(printf '%s\n' "$events" | jq -s -c 'map(.object) | unique')" = '["chat.completion.chunk"]' ]
	[ "$(printf '%s\n' "$events" | jq -s -r 'map(.choices[0].delta.content // "") | add')" = 'you said: hello' ]
	[ "$(printf '%s\n' "$events" | jq -s -c 'last | [.choices[0].finish_reason, (.timings | has("predicted_n")), has("usage")]')" = '["stop",true,false]' ]
	chat "$url" m true ', "stream_options": {"include_usage": true}' > "$BATS_TEST_TMPDIR/s2"
	[ "$(sed -n 's/^data: \({.*\)/\1/p' "$BATS_TEST_TMPDIR/s2" | jq -s -c 'last | [.choices, .usage.completion_tokens]')" = '[[],3]' ]
}

@test "6 concurrent streams on 2 slots: never more than 2 in flight, the others wait their turn" {
	url=$(mock_local "$BATS_TEST_TMPDIR" llamacpp "$LOG" --slots 2 --hold-ms 400)
	for i in 1 2 3 4 5 6; do
		chat "$url" m true > "$BATS_TEST_TMPDIR/out$i" &
	done
	sleep 0.2
	[ "$(slots_busy "$url")" = '[true,true]' ]
	[ "$(curl -s "$url/_stats" | jq -c '[.max_in_flight, .in_flight]')" = '[2,2]' ]
	wait
	for i in 1 2 3 4 5 6; do
		[ "$(tail -n 2 "$BATS_TEST_TMPDIR/out$i")" = 'data: [DONE]' ]
	done
	[ "$(curl -s "$url/_stats")" = '{"max_in_flight":2,"served":6,"in_flight":0}' ]
	[ "$(slots_busy "$url")" = '[false,false]' ]
	chats='select(.path == "/v1/chat/completions")'
	[ "$(jq -s "map($chats | .in_flight) | max" "$LOG")" = 2 ]
	# Two ran at once, then two waited one hold, then two waited two.
	[ "$(jq -s -c "map($chats | .start - .arrived |
		if . < 0.2 then 0 elif . < 0.6 then 1 else 2 end) | sort" "$LOG")" = '[0,0,1,1,2,2]' ]
}

@test "a slot held by /_control makes concurrent requests take turns on the other" {
	url=$(mock_local "$BATS_TEST_TMPDIR" llamacpp "$LOG" --slots 2 --hold-ms 200)
	curl -s -X POST "$url/_control" -d '{"busy": 1}' > /dev/null
	chat "$url" m > /dev/null &
	chat "$url" m > /dev/null &
	wait
	[ "$(curl -s "$url/_stats")" = '{"max_in_flight":1,"served":2,"in_flight":0}' ]
	[ "$(jq -s -c 'map(select(.slot != null) | .slot)' "$LOG")" = '[1,1]' ]
}

@test "two doubles run at once, each on its own port, with its own slots" {
	a=$(mock_local "$BATS_TEST_TMPDIR" llamacpp "$LOG" --slots 1 --model a)
	b=$(mock_local "$BATS_TEST_TMPDIR" llamacpp "$LOG" --slots 3 --model b)
	[ "$a" != "$b" ]
	[ "$(curl -s "$a/props" | jq -c '[.model_alias, .total_slots]')" = '["a",1]' ]
	[ "$(curl -s "$b/props" | jq -c '[.model_alias, .total_slots]')" = '["b",3]' ]
	[ "$(find "$BATS_TEST_TMPDIR" -name 'local-*.pid' | wc -l)" -eq 2 ]
}

@test "--down-after: the server vanishes, connections refused" {
	url=$(mock_local "$BATS_TEST_TMPDIR" llamacpp "$LOG" --down-after 0.5)
	[ "$(curl -s "$url/health")" = '{"status":"ok"}' ]
	sleep 0.8
	run curl -s -m 2 "$url/health"
	[ "$status" -eq 7 ]
}

@test "ollama: /, /api/version, /api/tags and /api/ps have the captured shapes" {
	url=$(mock_local "$BATS_TEST_TMPDIR" ollama "$LOG" --model qwen3:8b --ctx 32768)
	[ "$(curl -s "$url/")" = 'Ollama is running' ]
	[ "$(curl -s "$url/api/version")" = "$(jq -c . "$REAL/ollama/version.json")" ]
	tags=$(curl -s "$url/api/tags")
	same_keys "$tags" ollama/tags.json '.models[0]'
	same_keys "$tags" ollama/tags.json '.models[0].details'
	[ "$(printf '%s' "$tags" | jq -c '[.models[] | .name]')" = '["qwen3:8b"]' ]
	ps=$(curl -s "$url/api/ps")
	same_keys "$ps" ollama/ps.json '.models[0]'
	[ "$(printf '%s' "$ps" | jq -c '[.models[] | [.name, .context_length]]')" = '[["qwen3:8b",32768]]' ]
}

@test "ollama: /api/show has the captured shape, the context from --ctx, 404 for another model" {
	url=$(mock_local "$BATS_TEST_TMPDIR" ollama "$LOG" --model smollm2:1.7b --ctx 4096)
	show=$(curl -s "$url/api/show" -d '{"model": "smollm2:1.7b"}')
	same_keys "$show" ollama/show-smollm2-1.7b.json
	[ "$(printf '%s' "$show" | jq -c '[.capabilities, .model_info["llama.context_length"]]')" = '[["completion","tools"],4096]' ]
	run curl -s -w ' %{http_code}' "$url/api/show" -d '{"model": "llama9"}'
	[ "$output" = '{"error":"model '"'"'llama9'"'"' not found"} 404' ]
	vision=$(mock_local "$BATS_TEST_TMPDIR" ollama "$LOG" --model qwen2.5vl:7b --vision --ctx 8192)
	[ "$(curl -s "$vision/api/show" -d '{"model": "qwen2.5vl:7b"}' |
		jq -c '[.capabilities, .model_info["qwen25vl.context_length"]]')" = '[["completion","vision"],8192]' ]
}

@test "ollama: chat answers in Ollama's OpenAI shape, streams, and 404s an unknown model" {
	url=$(mock_local "$BATS_TEST_TMPDIR" ollama "$LOG" --model m:1b --hold-ms 50 --slots 1)
	body=$(chat "$url" m:1b)
	[ "$(printf '%s' "$body" | jq -c '[.object, .model, .system_fingerprint, .choices[0].message.content, (.usage | keys)]')" = \
		'["chat.completion","m:1b","fp_ollama","you said: hello",["completion_tokens","prompt_tokens","total_tokens"]]' ]
	chat "$url" m:1b true > "$BATS_TEST_TMPDIR/s"
	[ "$(tail -n 2 "$BATS_TEST_TMPDIR/s")" = 'data: [DONE]' ]
	[ "$(sed -n 's/^data: \({.*\)/\1/p' "$BATS_TEST_TMPDIR/s" | jq -s -r 'map(.choices[0].delta.content) | add')" = 'you said: hello' ]
	run curl -s -w ' %{http_code}' "$url/v1/chat/completions" -d '{"model": "other", "messages": []}'
	[[ "$output" == *'"message":"model \"other\" not found, try pulling it first"'*' 404' ]]
	[ "$(curl -s "$url/_stats")" = '{"max_in_flight":1,"served":2,"in_flight":0}' ]
}
