# Google AI Studio (Gemini API) v1beta/models: {"models":[...],"nextPageToken"}.
# The id is "name" without "models/".  The listing has no price: the free tier
# is the descriptor's rule.  What a model does is read from its methods.
$in.body
| if (.models | type) == "array" then .models[]
  else error("expected an object with a \"models\" array") end
| select(type == "object" and (.name | type) == "string")
| (.supportedGenerationMethods // []) as $m
| (.name | ltrimstr("models/")) as $id
| {model: $id,
   name: .displayName,
   context_length: .inputTokenLimit,
   max_output_tokens: .outputTokenLimit,
   modalities: (if ($m | afmts_has("predict")) then {input: ["text"], output: ["image"]}
                elif ($m | afmts_has("embedContent")) or ($m | afmts_has("embedText")) then {input: ["text"], output: ["embedding"]}
                elif ($id | test("tts")) then {input: ["text"], output: ["audio"]}
                elif ($id | test("image")) then {input: ["text", "image"], output: ["text", "image"]}
                elif ($id | startswith("gemini-")) then {input: ["text", "image", "audio", "video"], output: ["text"]}
                else {input: ["text"], output: ["text"]} end),
   features: ((if .thinking == true then ["reasoning"] else [] end)
              + (if ($id | startswith("gemini-")) and ($m | afmts_has("generateContent"))
                    and ($id | test("tts|image|embedding") | not)
                 then ["tools", "json_mode"] else [] end)),
   extra: {version}}
