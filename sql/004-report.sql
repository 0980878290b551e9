-- Version 4: what afmts-report reads.
--
-- usage_latency holds, per UTC day and model, the exact distribution of the
-- latencies of successful requests (status 2xx or unknown) as a histogram
-- BLOB (see afmts_hist in afmts-track(1)): percentiles come from one row per
-- model and day instead of re-reading the day's usage.  afmts-track and
-- afmts-route --report keep it with usage_daily, in the same transaction.
CREATE TABLE usage_latency (
	day		TEXT NOT NULL,		-- YYYY-MM-DD, UTC
	provider	TEXT NOT NULL,
	model		TEXT NOT NULL,
	hist		BLOB NOT NULL,
	PRIMARY KEY (day, provider, model)
) WITHOUT ROWID;

INSERT INTO usage_latency
SELECT substr(ts, 1, 10), provider, model, afmts_hist(latency_ms)
  FROM usage
 WHERE latency_ms IS NOT NULL AND (status IS NULL OR status BETWEEN 200 AND 299)
 GROUP BY substr(ts, 1, 10), provider, model;
