-- AFMTS catalog, version 3: what afmts-route needs to decide in well under a
-- millisecond.  Usage times become canonical ("YYYY-MM-DDThh:mm:ssZ") so
-- that windows are ranges of an index; per-day totals are kept up to date by
-- whoever adds usage rows; failures have a small index of their own.

ALTER TABLE usage ADD COLUMN retry_after INTEGER;	-- seconds the provider asked to wait

UPDATE usage SET ts = strftime('%Y-%m-%dT%H:%M:%SZ', ts)
 WHERE strftime('%Y-%m-%dT%H:%M:%SZ', ts) IS NOT NULL
   AND ts <> strftime('%Y-%m-%dT%H:%M:%SZ', ts);

-- Requests, errors, tokens and latency of successful requests, per model and
-- UTC day: daily budgets, least-used and fastest read one row, not a day of
-- usage rows.
CREATE TABLE usage_daily (
	provider	TEXT NOT NULL,
	model		TEXT NOT NULL,
	day		TEXT NOT NULL,		-- YYYY-MM-DD, UTC
	requests	INTEGER NOT NULL,
	errors		INTEGER NOT NULL,	-- status 0 or outside 200..299
	prompt_tokens	INTEGER NOT NULL,
	completion_tokens INTEGER NOT NULL,
	latency_sum	INTEGER NOT NULL,	-- of successful requests with a latency
	latency_n	INTEGER NOT NULL,
	PRIMARY KEY (provider, model, day)
) WITHOUT ROWID;
CREATE INDEX usage_daily_day ON usage_daily (day, provider);

INSERT INTO usage_daily
SELECT provider, model, substr(ts, 1, 10), count(*),
       sum(status IS NOT NULL AND status NOT BETWEEN 200 AND 299),
       sum(prompt_tokens), sum(completion_tokens),
       coalesce(sum(CASE WHEN status IS NULL OR status BETWEEN 200 AND 299 THEN latency_ms END), 0),
       count(CASE WHEN status IS NULL OR status BETWEEN 200 AND 299 THEN latency_ms END)
  FROM usage WHERE true GROUP BY provider, model, substr(ts, 1, 10);

-- Failed requests only (few): a provider's key benched by 401/402/403.
CREATE INDEX usage_failures ON usage (provider, ts) WHERE status NOT BETWEEN 200 AND 299;

-- What a provider's x-ratelimit-* headers said, as reported to afmts-route:
-- the latest word per model and kind ('requests' or 'tokens').
CREATE TABLE ratelimits (
	provider	TEXT NOT NULL,
	model		TEXT NOT NULL,
	kind		TEXT NOT NULL,
	lim		INTEGER,
	remaining	INTEGER,
	reset_at	TEXT,
	observed_at	TEXT NOT NULL,
	PRIMARY KEY (provider, model, kind)
) WITHOUT ROWID;

-- Free-first order, walked from the top until enough candidates are found.
CREATE INDEX models_rank ON models (present, free, context_length DESC, provider, model);
DROP INDEX models_free;
