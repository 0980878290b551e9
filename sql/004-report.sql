-- Version 4: what afmts-report reads.
--
-- usage_latency counts, per UTC day and model, the successful requests (status
-- 2xx or unknown) that took each latency: exact percentiles come from a few
-- thousand rows instead of re-reading the day's usage.  afmts-track and
-- afmts-route --report keep it with usage_daily, in the same transaction.
CREATE TABLE usage_latency (
	day		TEXT NOT NULL,		-- YYYY-MM-DD, UTC
	provider	TEXT NOT NULL,
	model		TEXT NOT NULL,
	latency_ms	INTEGER NOT NULL,
	n		INTEGER NOT NULL,
	PRIMARY KEY (day, provider, model, latency_ms)
) WITHOUT ROWID;

INSERT INTO usage_latency
SELECT substr(ts, 1, 10), provider, model, latency_ms, count(*)
  FROM usage
 WHERE latency_ms IS NOT NULL AND (status IS NULL OR status BETWEEN 200 AND 299)
 GROUP BY substr(ts, 1, 10), provider, model, latency_ms;
