-- AFMTS catalog, version 2: usage records and per-run provider health, for
-- afmts-route's budgets and breaker and afmts-report's figures.

-- One row per request made through a model (from usage lines).
CREATE TABLE usage (
	id		INTEGER PRIMARY KEY,
	ts		TEXT NOT NULL,
	provider	TEXT NOT NULL,
	model		TEXT NOT NULL,
	prompt_tokens	INTEGER NOT NULL DEFAULT 0,
	completion_tokens INTEGER NOT NULL DEFAULT 0,
	latency_ms	INTEGER,
	status		INTEGER,
	error		TEXT,
	client		TEXT,
	request_id	TEXT,
	cost		REAL,		-- what the provider said it cost, when it did
	dedupe		INTEGER NOT NULL UNIQUE	-- 64-bit digest of request_id, else of the record
);
CREATE INDEX usage_ts ON usage (ts);
CREATE INDEX usage_model_ts ON usage (provider, model, ts);

-- Each discovery run's outcome per provider: the health history.
CREATE TABLE provider_runs (
	provider	TEXT NOT NULL,
	observed_at	TEXT NOT NULL,
	ok		INTEGER NOT NULL,
	not_modified	INTEGER NOT NULL DEFAULT 0,
	models		INTEGER,
	error_kind	TEXT,
	error		TEXT,
	PRIMARY KEY (provider, observed_at)
) WITHOUT ROWID;
