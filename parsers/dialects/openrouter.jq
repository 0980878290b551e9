# OpenRouter's /api/v1/models (and the OpenRouter-format catalogs of OVHcloud
# and Cloudflare): prices are decimal strings in USD per token; "-1" means a
# variable price (routers), kept as unknown with price_variable: true.
$in.body | afmts_entries
| select(type == "object" and (.id | type) == "string")
| (.architecture // {}) as $a
| {model: .id,
   name: (.name // .id),
   context_length: ((.context_length // .top_provider.context_length) | afmts_count),
   max_output_tokens: ((.top_provider.max_completion_tokens // .max_output_length) | afmts_count),
   input_price: (.pricing.prompt | afmts_per_token),
   output_price: (.pricing.completion | afmts_per_token),
   modalities: (if ($a.input_modalities | type) == "array" then
                  {input: $a.input_modalities, output: ($a.output_modalities // ["text"])}
                elif ($a.modality | type) == "string" and ($a.modality | contains("->")) then
                  ($a.modality | split("->")) as $io
                  | {input: ($io[0] | split("+") | afmts_words), output: ($io[1] | split("+") | afmts_words)}
                elif (.input_modalities | type) == "array" then
                  {input: (.input_modalities | afmts_words),
                   output: ((.output_modalities // ["text"]) | afmts_words)}
                else null end),
   features: ((.supported_parameters // .supported_features) | afmts_features($K)),
   extra: ((if .canonical_slug then {canonical_slug} else {} end)
           + (if .expiration_date then {expires_at: .expiration_date} else {} end)
           + (if .pricing.prompt == "-1" or .pricing.completion == "-1"
              then {price_variable: true} else {} end))}
