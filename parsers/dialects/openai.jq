# OpenAI-compatible model lists: {"object":"list","data":[...]} or a bare array
# (Groq, Cerebras, NVIDIA, SambaNova, Chutes, Scaleway, llama.cpp, ...).
# Every field but "id" is optional; pricing.prompt/completion (or input/output)
# are in the descriptor's price_unit.  Entries with "active": false are not
# callable and are left out.
$in.body | afmts_entries
| select(type == "object" and (.id | type) == "string" and .active != false)
| {model: .id,
   name: (.display_name // .name),
   context_length: (.context_window // .context_length // .max_context_length
                    // .max_model_len // .meta.n_ctx_train),
   max_output_tokens: (.max_completion_tokens // .max_output_length // .max_output_tokens),
   input_price: (.pricing.prompt // .pricing.input),
   output_price: (.pricing.completion // .pricing.output),
   modalities: (if (.input_modalities | type) == "array"
                then {input: (.input_modalities | afmts_words),
                      output: ((.output_modalities // ["text"]) | afmts_words)}
                else null end),
   features: .supported_features,
   extra: (if .owned_by then {owned_by} else null end)}
