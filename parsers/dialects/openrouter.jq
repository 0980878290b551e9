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
                  {input: ($a.input_modalities | afmts_words),
                   output: (($a.output_modalities // ["text"]) | afmts_words)}
                elif ($a.modality | type) == "string" and ($a.modality | contains("->")) then
                  ($a.modality | split("->")) as $io
                  | {input: ($io[0] | split("+") | afmts_words), output: ($io[1] | split("+") | afmts_words)}
                elif (.input_modalities | type) == "array" then
                  {input: (.input_modalities | afmts_words),
                   output: ((.output_modalities // ["text"]) | afmts_words)}
                else null end),
   features: [(.supported_parameters // .supported_features // [])[]? | strings | afmts_feature],
   price_variable: ((.pricing.prompt | afmts_num) == -1 or (.pricing.completion | afmts_num) == -1),
   canonical_slug: .canonical_slug,
   expires_at: .expiration_date}
| with_entries(select(.value != null and .value != false or .key == "model"))
