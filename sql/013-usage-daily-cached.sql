-- Version 13: cache hits per model and day, beside usage_daily's totals.
--
-- A request answered from the exact-match cache (usage.cached = 1, version
-- 12) reached no provider: a day's budget is usage_daily's requests and
-- tokens less these, so that a batch rerun from the cache leaves the free
-- models' days untouched.  The reports keep counting them as requests served.
ALTER TABLE usage_daily ADD COLUMN cached INTEGER NOT NULL DEFAULT 0;
ALTER TABLE usage_daily ADD COLUMN cached_tokens INTEGER NOT NULL DEFAULT 0;

WITH hits AS (
	SELECT provider, model, date(ts, 'unixepoch') AS day, count(*) AS n,
	       sum(prompt_tokens + completion_tokens) AS tokens
	  FROM usage WHERE cached = 1 GROUP BY 1, 2, 3
)
UPDATE usage_daily SET cached = hits.n, cached_tokens = hits.tokens
  FROM hits
 WHERE usage_daily.provider = hits.provider AND usage_daily.model = hits.model
   AND usage_daily.day = hits.day;
