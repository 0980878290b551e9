-- Version 7: prices that depend on the prompt's size.
--
-- price_tiers is a model record's member of that name, as JSON text: an array
-- of {min_prompt_tokens, input_price, output_price} (USD per million tokens),
-- ascending by min_prompt_tokens, or NULL when the price is flat.  A request
-- whose prompt reaches a tier is priced, whole, at the highest tier it
-- reaches (afmts-report's costs, afmts-route's --max-price).
ALTER TABLE models ADD COLUMN price_tiers TEXT;

UPDATE models SET price_tiers = json_extract(record, '$.price_tiers')
 WHERE json_valid(record) AND json_type(record, '$.price_tiers') = 'array';
