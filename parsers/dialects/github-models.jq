# GitHub Models catalog (models.github.ai/catalog/models): a bare array.  Free
# to prototype with; limits come from "rate_limit_tier", mapped to numbers by
# the descriptor's tier_limits.
$in.provider as $d
| $in.body | afmts_entries
| select(type == "object" and (.id | type) == "string")
| {model: .id,
   name: (.name // .id),
   context_length: (.limits.max_input_tokens | afmts_count),
   max_output_tokens: (.limits.max_output_tokens | afmts_count),
   extra: {owned_by: .publisher, rate_limit_tier},
   modalities: {input: ((.supported_input_modalities // ["text"]) | afmts_words),
                output: ((.supported_output_modalities // ["text"]) | afmts_words)},
   features: (.capabilities | afmts_features($K)),
   limits: ($d.tier_limits[.rate_limit_tier // ""] // null)}
| if (.tags // []) | afmts_has("embeddings") then .modalities.output = ["embedding"] else . end
