# OpenRouter's /api/v1/models (and the OpenRouter-format catalogs of OVHcloud
# and Cloudflare): prices are decimal strings in USD per token (the
# descriptor's price_unit "token"); "-1" means a variable price (routers),
# which afmts-parse records as unknown with price_variable: true.  Kept lean:
# this runs once per model of the largest list there is.
#
# pricing.overrides (OpenRouter's PricingOverride) are conditional prices: an
# entry with min_prompt_tokens prices a whole request whose prompt reaches it;
# a price it does not restate is inherited (from the tier below, else the
# base price).  Entries with a time window (utc_start, utc_end) are
# promotions, not tiers: left out.
def or_tiers($base):
  [.[]? | objects | select(.min_prompt_tokens != null and .utc_start == null and .utc_end == null)]
  | sort_by(.min_prompt_tokens | afmts_num)
  | reduce .[] as $o ({p: $base.prompt, c: $base.completion, t: []};
      .p = ($o.prompt // .p) | .c = ($o.completion // .c)
      | .t += [{min_prompt_tokens: $o.min_prompt_tokens, input_price: .p, output_price: .c}])
  | .t;
$in.body | afmts_entries
| {model: .id,
   name,
   context_length: (.context_length // .top_provider.context_length),
   max_output_tokens: (.top_provider.max_completion_tokens // .max_output_length),
   input_price: .pricing.prompt,
   output_price: .pricing.completion,
   price_tiers: (if .pricing.overrides then .pricing as $p | $p.overrides | or_tiers($p) else null end),
   modalities: (.architecture
                | if .input_modalities then {input: .input_modalities, output: .output_modalities}
                  elif (.modality | type) == "string" and (.modality | contains("->")) then
                    (.modality | split("->")) as $io
                    | {input: ($io[0] | split("+") | afmts_words), output: ($io[1] | split("+") | afmts_words)}
                  else null end),
   features: (.supported_parameters // .supported_features),
   extra: {canonical_slug, expires_at: .expiration_date}}
