# Cloudflare Workers AI models/search: the v4 envelope {"success", "errors",
# "result":[{name, task{name}, properties[{property_id, value}]}]}.
$in.body
| if .success == false then error("Cloudflare says: " + ((.errors // []) | map(.message // tostring) | join("; ")))
  elif (.result | type) == "array" then .result[]
  else error("expected a Cloudflare envelope with a \"result\" array") end
| select(type == "object" and (.name | type) == "string")
| ((.properties // []) | map({(.property_id | tostring): .value}) | add // {}) as $p
| (.task.name // "") as $task
| {model: .name,
   context_length: $p.context_window,
   modalities: (if $task == "Text Generation" then {input: ["text"], output: ["text"]}
                elif $task == "Image-to-Text" then {input: ["image"], output: ["text"]}
                elif $task == "Text Embeddings" then {input: ["text"], output: ["embedding"]}
                elif $task == "Text-to-Image" then {input: ["text"], output: ["image"]}
                elif $task == "Automatic Speech Recognition" then {input: ["audio"], output: ["text"]}
                else {input: ["text"], output: [($task | ascii_downcase)]} end),
   features: (if $p.function_calling == "true" or $p.function_calling == true then ["tools"] else [] end),
   extra: {beta: ($p.beta == "true" or $p.beta == true), task: $task}}
