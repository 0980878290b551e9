# Mistral La Plateforme /v1/models: OpenAI envelope whose entries carry
# "capabilities" flags and "max_context_length".  Each alias is its own entry.
$in.body | afmts_entries
| select(type == "object" and (.id | type) == "string")
| (.capabilities // {}) as $c
| {model: .id,
   name: .name,
   context_length: .max_context_length,
   modalities: {input: (["text"] + (if $c.vision then ["image"] else [] end)),
                output: (if $c.completion_chat or $c.completion_fim then ["text"]
                         elif $c.classification then ["classification"]
                         elif (.id | test("embed")) then ["embedding"]
                         else ["text"] end)},
   features: ((if $c.function_calling then ["tools", "json_mode"] else [] end)
              + (if $c.completion_chat then ["chat"] else [] end)
              + (if $c.completion_fim then ["fim"] else [] end)),
   extra: (if .deprecation then {deprecated_at: .deprecation} else null end)}
