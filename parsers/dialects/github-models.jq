# GitHub Models catalog (models.github.ai/catalog/models): a bare array.  Free
# to prototype with; limits come from "rate_limit_tier", mapped to numbers by
# the descriptor's tier_limits.
$in.provider.tier_limits as $tiers
| $in.body | afmts_entries
| select(type == "object" and (.id | type) == "string")
| {model: .id,
   name: .name,
   context_length: .limits.max_input_tokens,
   max_output_tokens: .limits.max_output_tokens,
   modalities: {input: ((.supported_input_modalities // ["text"]) | afmts_words),
                output: (if (.tags // []) | afmts_has("embeddings") then ["embedding"]
                         else ((.supported_output_modalities // ["text"]) | afmts_words) end)},
   features: .capabilities,
   limits: $tiers[.rate_limit_tier // ""],
   extra: {owned_by: .publisher, rate_limit_tier}}
