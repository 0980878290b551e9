-- Version 10: what "free" rests on, and the data use of the free tier.
--
-- free_basis is a model record's member of that name: price_zero (the
-- provider lists a price of 0), variant (a free variant such as ":free"),
-- free_tier (the provider's documented free tier covers it) or local (your
-- own server); NULL when the model is not free.  free_checked is the day
-- (YYYY-MM-DD) the descriptor's free rule was last checked against its
-- source.  trains_on_prompts is 'true', 'false' or 'unknown': whether the
-- provider's free tier may use prompts for training (afmts-route --no-train
-- leaves out 'true').
ALTER TABLE models ADD COLUMN free_basis TEXT;
ALTER TABLE models ADD COLUMN free_checked TEXT;
ALTER TABLE models ADD COLUMN trains_on_prompts TEXT;

UPDATE models SET free_basis = json_extract(record, '$.free_basis'),
	free_checked = json_extract(record, '$.free_checked'),
	trains_on_prompts = CASE json_type(record, '$.trains_on_prompts')
		WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'
		WHEN 'text' THEN json_extract(record, '$.trains_on_prompts') END
 WHERE json_valid(record);
