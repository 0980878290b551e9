-- Version 12: usage rows answered from the exact-match cache.
--
-- afmts-gateway and afmts-batch, with a cache (AFMTS_CACHE, --cache or
-- "afmts_cache": true), answer a request they have answered before from the
-- cache file without reaching the provider: the row says which provider and
-- model gave the cached answer, status 200, cost 0 and cached = 1.  NULL: an
-- answer the provider gave.  The rolling budgets leave such rows out.
ALTER TABLE usage ADD COLUMN cached INTEGER;
-- The report's count of hits: the day's cached rows alone, not all its rows.
CREATE INDEX usage_cached ON usage (ts) WHERE cached = 1;
