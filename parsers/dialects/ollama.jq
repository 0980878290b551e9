# Ollama: GET /api/tags ({"models": [{name, model, size, details}]}) followed
# (the descriptor's "follow") by GET /api/ps (the models loaded now, each with
# the context_length it runs with) and POST /api/show per model (capabilities
# such as tools, vision, thinking; model_info's ARCH.context_length, the
# training length; parameters, where a Modelfile sets num_ctx).  The context
# a request gets: the loaded model's, else the Modelfile's num_ctx, else the
# server's default (4k below 24 GiB of VRAM, more above: the descriptor's
# default_context) when the training length is longer.  Models that only
# embed (no "completion") are left out.
# Local models: free; no rate limits.
($in.fetch.extra.show // {}) as $show
| [$in.fetch.extra.ps.models | arrays | .[] | objects] as $ps
# The server's root, when the list's URL is its usual one (else the descriptor's base_url).
| (($in.fetch.url | strings | select(test("/api/tags([?].*)?$"))
   | sub("/api/tags([?].*)?$"; "")) // null) as $root
| $in.body
| if (.models | type) == "array" then .models[]
  else error("expected an object with a \"models\" array") end
| select(type == "object" and ((.model // .name) | type) == "string")
| (.model // .name) as $id
| (($show[.name // $id] // $show[$id]) | if type == "object" then . else {} end) as $s
| [$s.capabilities | arrays | .[] | strings] as $caps
| select(($s.capabilities | type) != "array" or ($caps | afmts_has("completion")))
# (No first(...), .[]? nor index(...): jq 1.6 leaks in label/break, in a caught
# error and in an array's indices.)
| ([($s.model_info // {}) | objects | to_entries[]
    | select(.key | endswith(".context_length")) | .value | afmts_num][0]) as $train
| ([$ps[] | select(.name == $id or .model == $id) | .context_length | afmts_num][0]) as $loaded
| ([($s.parameters // "") | strings | splits("\n")
    | capture("^num_ctx\\s+(?<n>[0-9]+)").n | tonumber][0]) as $num_ctx
| {model: $id,
   name: .name,
   family: .details.family,
   context_length: ($loaded // $num_ctx
                    // (($in.provider.default_context // 4096) as $d
                        | if ($train | type) == "number" and $train < $d then $train else $d end)),
   modalities: {input: (["text"] + (if $caps | afmts_has("vision") then ["image"] else [] end)),
                output: ["text"]},
   features: [$caps[] | if . == "thinking" then "reasoning" else . end
              | select(. == "tools" or . == "vision" or . == "reasoning")],
   base_url: (if $root then $root + "/v1" else null end),
   local: (if $root then {kind: "ollama", health_url: ($root + "/api/version")} else null end),
   extra: {parameter_size: .details.parameter_size, quantization: .details.quantization_level,
           size_bytes: .size, loaded: ($loaded != null), context_train: $train}}
