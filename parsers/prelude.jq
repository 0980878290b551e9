# AFMTS prelude: helpers compiled before every dialect (see afmts(7)).
#
# A dialect reads $in.body (the provider's parsed response, or the tree of an
# HTML/XML page; $in.provider is the descriptor, $in.fetch the fetch record)
# and emits one object per model with the fields it can pick out:
#
#   model (required), name, family, context_length, max_output_tokens,
#   input_price, output_price (as the provider gives them: numbers or numeric
#   strings, in the descriptor's price_unit unless the object says its own
#   price_unit), modalities {input, output}, features (the provider's names:
#   parsers/features maps them), limits {rpm, rpd, tpm, tpd}, free and
#   free_reason (for the "dialect" free rule), base_url, and extra, an object
#   of provider-specific fields carried into the record.
#
# afmts-parse then scales prices, applies the descriptor's free rule and
# limits and adds the common fields.  Keep dialects to picking fields: jq
# work per model is what bounds afmts-parse's speed.

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

# The number a table cell writes: "128,000", "14 400", "32k", "1.5M" (k or K
# thousands, M millions).  Separators inside a number group thousands only, so
# two numbers are never glued into one.  When a cell writes one quantity twice
# ("32k tokens: 32768"), the exact figure (no suffix) wins; otherwise the first.
# Null when the cell has no number.
def afmts_cell_num:
  [scan("(?<![0-9A-Za-z.,])([0-9]{1,3}(?:[, \u00a0\u202f][0-9]{3})+|[0-9]+)(\\.[0-9]+)?([kKM])?(?![0-9A-Za-z]|\\.[0-9])")
   | {exact: (.[2] == null),
      n: (((.[0] | gsub("[^0-9]"; "")) + (.[1] // "") | tonumber)
          * ({"k": 1000, "K": 1000, "M": 1000000}[.[2] // ""] // 1) | round)}]
  | (map(select(.exact)) + map(select(.exact | not)))[0].n;

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
