# llama.cpp's llama-server: GET /v1/models ({"data": [{id, meta: {n_ctx_train,
# ...}}]}) followed by GET /props (the descriptor's "follow"), whose
# default_generation_settings.n_ctx is the context a request gets (a slot's,
# not the model's training length), total_slots how many requests it serves
# at once, modalities what its projector takes in, model_alias the name it
# was given (--alias).  A local server: free, its slots its only limit.
($in.fetch.extra.props // {}) as $p
# The server's root, when the list's URL is its usual one (else the descriptor's base_url).
| (($in.fetch.url | strings | select(test("/v1/models([?].*)?$"))
   | sub("/v1/models([?].*)?$"; "")) // null) as $root
| $in.body | afmts_entries
| select(type == "object" and (.id | type) == "string")
| {model: .id,
   name: (if ($p.model_alias | type) == "string" and $p.model_alias != "" then $p.model_alias
          else .id end),
   context_length: ((($p.default_generation_settings.n_ctx // $p.n_ctx) | afmts_num)
                    // .meta.n_ctx_train),
   modalities: {input: (["text"] + (if $p.modalities.vision == true then ["image"] else [] end)
                        + (if $p.modalities.audio == true then ["audio"] else [] end)),
                output: ["text"]},
   features: ((if $p.modalities.vision == true then ["vision"] else [] end)
              + (if $p.chat_template_caps.supports_tools == true then ["tools"] else [] end)),
   limits: {slots: ($p.total_slots | afmts_num)},
   base_url: (if $root then $root + "/v1" else null end),
   local: (if $root then {kind: "llamacpp", slots_url: ($root + "/slots"),
                         health_url: ($root + "/health")} else null end),
   extra: {n_ctx_train: .meta.n_ctx_train, n_params: .meta.n_params,
           build: $p.build_info}}
