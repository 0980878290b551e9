# Hugging Face Inference Providers router /v1/models: each model lists the
# providers serving it.  One record per live route, with the router's
# "MODEL:PROVIDER" id, so that each route keeps its own price and free flag.
$in.body | afmts_entries
| select(type == "object" and (.id | type) == "string")
| . as $m
| (.providers // [])[]
| select(type == "object" and (.provider | type) == "string" and (.status // "live") == "live")
| {model: ($m.id + ":" + .provider),
   name: $m.id,
   context_length: .context_length,
   input_price: .pricing.input,
   output_price: .pricing.output,
   free: (.is_free == true),
   modalities: (if ($m.architecture.input_modalities | type) == "array" then
                  {input: ($m.architecture.input_modalities | afmts_words),
                   output: (($m.architecture.output_modalities // ["text"]) | afmts_words)}
                else null end),
   features: ((if .supports_tools then ["tools"] else [] end)
              + (if .supports_structured_output then ["json_mode"] else [] end)),
   extra: {route: .provider}}
