# Cohere /v1/models: {"models":[{name, endpoints[], context_length,
# is_deprecated}], "next_page_token"}.  Deprecated models are left out.
$in.body
| if (.models | type) == "array" then .models[]
  else error("expected an object with a \"models\" array") end
| select(type == "object" and (.name | type) == "string" and .is_deprecated != true)
| (.endpoints // []) as $e
| {model: .name,
   context_length: .context_length,
   modalities: {input: (["text"] + (if .supports_vision then ["image"] else [] end)),
                output: (if ($e | afmts_has("chat")) or ($e | afmts_has("generate")) then ["text"]
                         elif ($e | afmts_has("embed")) then ["embedding"]
                         elif ($e | afmts_has("rerank")) then ["classification"]
                         else ["text"] end)},
   features: (if ($e | afmts_has("chat")) then ["tools", "json_mode"] else [] end),
   extra: {endpoints: $e}}
