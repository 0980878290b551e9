# AFMTS prelude: compiled before every dialect (see afmts(7)).
#
# A dialect reads $in.body (the provider's parsed response, or the tree of an
# HTML/XML page) and emits one object per model with the fields it knows:
# model, name, family, context_length, max_output_tokens, input_price,
# output_price (USD per million tokens), modalities, features, limits, free.
# afmts_finish then applies the provider's descriptor: its free rule, default
# limits, base URL and the common fields.  Knowledge of providers lives here
# and in the descriptors, never in C.

# The list of entries of an OpenAI-style envelope or a bare array.
def afmts_entries:
  if type == "array" then .[]
  elif type == "object" and (.data | type) == "array" then .data[]
  else error("expected a JSON array or an object with a \"data\" array, got " + type)
  end;

# A number from a number or a numeric string; null otherwise.
def afmts_num:
  if type == "number" then .
  elif type == "string" then (tonumber? // null)
  else null end;

# Round to 6 decimals so per-token prices scaled up do not print as 14.999999999.
def afmts_round6: (. * 1000000 | round) / 1000000;

# A price in USD per token (string or number) as USD per million tokens.
# Negative values mean "variable" (OpenRouter's routers): unknown, so null.
def afmts_per_token:
  afmts_num | if . == null or . < 0 then null else (. * 1000000 | afmts_round6) end;

# A price in USD per million tokens, checked the same way.
def afmts_per_mtok:
  afmts_num | if . == null or . < 0 then null else afmts_round6 end;

# A price scaled by the descriptor's unit: "token" (USD per token), "mtok"
# (USD per million tokens) or a number (multiplier to USD per million tokens).
def afmts_price($unit):
  if $unit == "token" then afmts_per_token
  elif $unit == "mtok" or $unit == null then afmts_per_mtok
  elif ($unit | type) == "number" then (afmts_num | if . == null or . < 0 then null else (. * $unit | afmts_round6) end)
  else error("unknown price_unit " + ($unit | tostring))
  end;

# A positive whole number or null (providers send 0, -1 or strings for "unknown").
def afmts_count:
  afmts_num | if . == null or . <= 0 then null else floor end;

# Does the array hold $x?  (jq 1.6's index/1 on arrays leaks memory: not used.)
def afmts_has($x): any(.[]?; . == $x);

# The position of $x in the array, or null.
def afmts_position($x): first(range(length) as $i | select(.[$i] == $x) | $i) // null;

# Unique, sorted, lower-case words.
def afmts_words: [.[]? | strings | ascii_downcase] | unique;

# Text of an HTML/XML tree node (see afmts-parse(1)): all its text, in order.
def afmts_text:
  if type == "string" then .
  elif type == "object" then [.children[]? | afmts_text] | join("")
  else "" end;

# Every element below (and including) a tree node whose tag is $tag.
def afmts_elements($tag):
  recurse(.children[]? | objects) | select(.tag == $tag);

# Constants computed once per response, bound as $K for the dialect and the
# finishing step: building them per model is what makes jq slow.
def afmts_constants($in):
  {features: {"tools": "tools", "tool_choice": "tools", "function_calling": "tools",
              "tool-calling": "tools", "response_format": "json_mode",
              "structured_outputs": "json_mode", "json_mode": "json_mode",
              "reasoning": "reasoning", "include_reasoning": "reasoning",
              "vision": "vision"},
   text: {input: ["text"], output: ["text"]},
   limits: (($in.provider.limits // {}) | with_entries(select(.value != null))),
   model_limits: ($in.provider.model_limits // {}),
   observed_at: ($in.fetch.fetched_at // $in.now)};

# Feature words from the many names providers give them (tools, json_mode, ...).
def afmts_features($K): [.[]? | strings | $K.features[.] // empty] | unique;

# The descriptor's free rule applied to one finished model: {free, free_reason}.
def afmts_free($rule):
  ($rule.rule // "none") as $r
  | if $r == "all" then
      {free: true, free_reason: ($rule.reason // "the provider's free tier covers every model")}
    elif $r == "zero_price" then
      if .input_price == 0 and .output_price == 0 then
        {free: true, free_reason:
          (if $rule.variant_suffix != null and (.model | endswith($rule.variant_suffix))
           then "free variant (" + $rule.variant_suffix + " suffix, price 0)"
           else ($rule.reason // "price 0") end)}
      else {free: false, free_reason: null} end
    elif $r == "match" then
      if (.model | test($rule.pattern)) and
         ($rule.exclude == null or (.model | test($rule.exclude) | not))
      then {free: true, free_reason: ($rule.reason // "listed in the provider's free tier")}
      else {free: false, free_reason: null} end
    elif $r == "dialect" then
      if .free == true then {free: true, free_reason: (.free_reason // $rule.reason // "marked free by the provider")}
      else {free: false, free_reason: null} end
    elif $r == "none" then {free: false, free_reason: null}
    else error("unknown free rule \"" + ($r | tostring) + "\"")
    end;

# The finishing step every model record goes through, in a fixed field order:
# the descriptor's free rule, limits (provider defaults, then the descriptor's
# per-model ones, then the response's own), base URL and common fields, then
# the dialect's provider-specific fields from .extra.  The family, when the
# dialect gives none, is guessed by afmts-parse from parsers/families.
def afmts_finish($in; $K):
  $in.provider as $d
  | (if (.model | type) == "string" then . else error("a dialect emitted a model without a string id") end)
  | . as $m
  | ($m.modalities // $K.text) as $mod
  | {type: "model", provider: $d.name, model: $m.model,
     name: ($m.name // $m.model), family: $m.family,
     context_length: $m.context_length, max_output_tokens: $m.max_output_tokens,
     input_price: $m.input_price, output_price: $m.output_price}
  + (if $d.free.require_output != null and
        ($mod.output | afmts_has($d.free.require_output) | not)
     then {free: false, free_reason: null}
     else ($m | afmts_free($d.free)) end)
  + {modalities: $mod,
     features: (if $mod.input | afmts_has("image") then ($m.features // []) + ["vision"] | unique
                else $m.features // [] end),
     limits: ($K.limits + ($K.model_limits[$m.model] // {}) + ($m.limits // {})),
     base_url: ($m.base_url // $d.base_url),
     key_env: $d.auth.key_env,
     observed_at: $K.observed_at}
  + ($m.extra // {});
