# Ollama's /api/tags: {"models":[{name, model, size, details{family, ...}}]}.
# Local models: free, no rate limits.
$in.body
| if (.models | type) == "array" then .models[]
  else error("expected an object with a \"models\" array") end
| select(type == "object" and ((.model // .name) | type) == "string")
| {model: (.model // .name),
   name: .name,
   family: .details.family,
   extra: {parameter_size: .details.parameter_size, quantization: .details.quantization_level,
           size_bytes: .size}}
