# OpenRouter's /api/v1/models (and the OpenRouter-format catalogs of OVHcloud
# and Cloudflare): prices are decimal strings in USD per token (the
# descriptor's price_unit "token"); "-1" means a variable price (routers),
# kept as unknown with price_variable: true.
$in.body | afmts_entries
| select(type == "object" and (.id | type) == "string")
| (.architecture // {}) as $a
| {model: .id,
   name: .name,
   context_length: (.context_length // .top_provider.context_length),
   max_output_tokens: (.top_provider.max_completion_tokens // .max_output_length),
   input_price: .pricing.prompt,
   output_price: .pricing.completion,
   modalities: (if ($a.input_modalities | type) == "array" then
                  {input: $a.input_modalities, output: ($a.output_modalities // ["text"])}
                elif ($a.modality | type) == "string" and ($a.modality | contains("->")) then
                  ($a.modality | split("->")) as $io
                  | {input: ($io[0] | split("+") | afmts_words), output: ($io[1] | split("+") | afmts_words)}
                elif (.input_modalities | type) == "array" then
                  {input: .input_modalities, output: (.output_modalities // ["text"])}
                else null end),
   features: (.supported_parameters // .supported_features),
   extra: (if .pricing.prompt == "-1" or .pricing.completion == "-1"
           then {canonical_slug, expires_at: .expiration_date, price_variable: true}
           else {canonical_slug, expires_at: .expiration_date} end)}
