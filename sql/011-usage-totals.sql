-- Version 11: lifetime totals for GET /metrics.
--
-- Prometheus counters never go down and must survive restarts, so they come
-- from the catalog; usage_totals keeps them per model and status class as
-- rows are added (the usage store's writers keep it with usage_daily, in the
-- same transaction), so a scrape reads one row per model and class instead
-- of the usage rows.  class: '1xx'..'5xx' by the status, 'none' for status 0
-- or another number (no answer), 'unknown' when no status was reported.
-- Latencies are counted into the buckets of afmts-route(1)'s
-- afmts_request_duration_seconds: b50 holds latencies <= 50 ms, b100 those
-- over 50 and <= 100 ms, and so on; latency_n - sum(b*) are over 120 s.
--
-- usage.attempt: which attempt of a gateway request the row was (1 the first
-- model tried, 2 the first fallback...); NULL when not made by afmts-gateway.
ALTER TABLE usage ADD COLUMN attempt INTEGER;

CREATE TABLE usage_totals (
	provider	TEXT NOT NULL,
	model		TEXT NOT NULL,
	class		TEXT NOT NULL,
	requests	INTEGER NOT NULL,
	prompt_tokens	INTEGER NOT NULL,
	completion_tokens INTEGER NOT NULL,
	attempts	INTEGER NOT NULL,	-- rows with an attempt number
	fallbacks	INTEGER NOT NULL,	-- of which attempt > 1
	latency_n	INTEGER NOT NULL,
	latency_sum	INTEGER NOT NULL,	-- milliseconds
	b50 INTEGER NOT NULL, b100 INTEGER NOT NULL, b250 INTEGER NOT NULL,
	b500 INTEGER NOT NULL, b1000 INTEGER NOT NULL, b2500 INTEGER NOT NULL,
	b5000 INTEGER NOT NULL, b10000 INTEGER NOT NULL, b20000 INTEGER NOT NULL,
	b30000 INTEGER NOT NULL, b60000 INTEGER NOT NULL, b120000 INTEGER NOT NULL,
	PRIMARY KEY (provider, model, class)
) WITHOUT ROWID;

INSERT INTO usage_totals
SELECT provider, model,
       CASE WHEN status IS NULL THEN 'unknown'
            WHEN status BETWEEN 100 AND 599 THEN (status / 100) || 'xx' ELSE 'none' END,
       count(*), sum(prompt_tokens), sum(completion_tokens), 0, 0,
       count(latency_ms), coalesce(sum(latency_ms), 0),
       count(CASE WHEN latency_ms <= 50 THEN 1 END),
       count(CASE WHEN latency_ms > 50 AND latency_ms <= 100 THEN 1 END),
       count(CASE WHEN latency_ms > 100 AND latency_ms <= 250 THEN 1 END),
       count(CASE WHEN latency_ms > 250 AND latency_ms <= 500 THEN 1 END),
       count(CASE WHEN latency_ms > 500 AND latency_ms <= 1000 THEN 1 END),
       count(CASE WHEN latency_ms > 1000 AND latency_ms <= 2500 THEN 1 END),
       count(CASE WHEN latency_ms > 2500 AND latency_ms <= 5000 THEN 1 END),
       count(CASE WHEN latency_ms > 5000 AND latency_ms <= 10000 THEN 1 END),
       count(CASE WHEN latency_ms > 10000 AND latency_ms <= 20000 THEN 1 END),
       count(CASE WHEN latency_ms > 20000 AND latency_ms <= 30000 THEN 1 END),
       count(CASE WHEN latency_ms > 30000 AND latency_ms <= 60000 THEN 1 END),
       count(CASE WHEN latency_ms > 60000 AND latency_ms <= 120000 THEN 1 END)
  FROM usage WHERE true GROUP BY 1, 2, 3;
