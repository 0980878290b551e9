# Together AI.  /v1/models is a bare array of {id, type, display_name,
# context_length, pricing{input, output}} in USD per million tokens.  The
# legacy /api/models (playground format) names models by "name" and
# "display_type" and prices them in units the descriptor gives as
# legacy_price_unit (USD per million tokens per unit).
$in.provider.legacy_price_unit as $legacy
| $in.body | afmts_entries
| select(type == "object" and ((.id // .name) | type) == "string")
| (if .id then .type else .display_type end) as $kind
| {model: (.id // .name),
   name: (.display_name // .id // .name),
   context_length: .context_length,
   input_price: .pricing.input,
   output_price: .pricing.output,
   price_unit: (if .id then null else $legacy end),
   modalities: {input: ["text"],
                output: (if $kind == "image" then ["image"]
                         elif $kind == "embedding" then ["embedding"]
                         elif $kind == "moderation" or $kind == "rerank" then ["classification"]
                         elif $kind == "audio" then ["audio"]
                         else ["text"] end)},
   extra: {owned_by: (.organization // .creator_organization), kind: $kind}}
