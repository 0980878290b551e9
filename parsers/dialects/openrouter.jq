# OpenRouter's /api/v1/models (and the OpenRouter-format catalogs of OVHcloud
# and Cloudflare): prices are decimal strings in USD per token (the
# descriptor's price_unit "token"); "-1" means a variable price (routers),
# which afmts-parse records as unknown with price_variable: true.  Kept lean:
# this runs once per model of the largest list there is.
#
# pricing.overrides (OpenRouter's PricingOverride) are conditional prices:
# an entry applies when the prompt reaches its min_prompt_tokens; among the
# entries that apply, later ones win per price, and a price none restates is
# the base price.  So each threshold is a tier: a whole request whose prompt
# reaches it (and not the next) pays what those rules give there.  Entries
# with a time window (utc_start, utc_end) are promotions, not tiers: left out.
def or_tiers($base):
  [.[]? | objects | select(.utc_start == null and .utc_end == null)
   | . + {m: (.min_prompt_tokens | afmts_num)} | select(.m != null)] as $o
  | [$o[].m] | unique
  | map(. as $t | [$o[] | select(.m <= $t)] as $a
        | {min_prompt_tokens: $t,
           input_price: ([$base.prompt] + [$a[].prompt | select(. != null)] | last),
           output_price: ([$base.completion] + [$a[].completion | select(. != null)] | last)});
# GET /api/v1/key, asked when a key is given (the descriptor's follow step
# "key"), says in data.free_model_daily_requests.limit how many requests a UTC
# day the account's :free models have: 50, or 1,000 once 10 credits were bought
# (openrouter.ai/docs/client-sdks/typescript/models/freemodeldailyrequests and
# /docs/guides/routing/model-variants/free, 2026-12-03; is_free_tier is not
# it).  The account's own figure: limits.learned says so.
([$in.fetch.extra.key | objects | .data | objects | .free_model_daily_requests | objects
  | .limit | numbers | select(. >= 1 and . <= 1000000000 and . == floor)] | .[0]) as $rpd
| $in.body | afmts_entries
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
# Only with the account's figure: the list of every other run pays one test a model.
| if $rpd == null then .
  elif (.model | type) == "string" and (.model | endswith(":free")) then .limits = {rpd: $rpd, learned: "rpd"}
  else . end
