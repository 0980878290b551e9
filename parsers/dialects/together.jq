# Together AI.  /v1/models is a bare array of {id, type, display_name,
# context_length, pricing{input, output}} in USD per million tokens.  The
# legacy /api/models (playground format) names models by "name" and
# "display_type" and prices them in units the descriptor gives as
# legacy_price_unit (USD per million tokens per unit).
$in.provider as $d
| $in.body | afmts_entries
| select(type == "object" and ((.id // .name) | type) == "string")
| (if .id then {unit: ($d.price_unit // "mtok"), kind: .type}
   else {unit: $d.legacy_price_unit, kind: .display_type} end) as $s
| {model: (.id // .name),
   name: (.display_name // .id // .name),
   context_length: (.context_length | afmts_count),
   input_price: (.pricing.input | afmts_price($s.unit)),
   output_price: (.pricing.output | afmts_price($s.unit)),
   extra: {owned_by: (.organization // .creator_organization), kind: $s.kind},
   modalities: {input: ["text"],
                output: (if $s.kind == "image" then ["image"]
                         elif $s.kind == "embedding" then ["embedding"]
                         elif $s.kind == "moderation" or $s.kind == "rerank" then ["classification"]
                         elif $s.kind == "audio" then ["audio"]
                         else ["text"] end)}}
