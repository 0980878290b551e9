-- Version 6: a usage row costs two index entries, not five, and its time is
-- a number.
--
-- A usage record is one request: the same request_id at the same second (or,
-- without a request_id, the same fields) is stored once.  That key, (ts,
-- dedupe), is also the time index every window and report reads, so the
-- separate index on ts and the unique index on dedupe alone are gone; and the
-- per-client counts afmts-gateway's daily budgets need are kept per day in
-- usage_clients instead of an index over every row.  ts becomes seconds since
-- the epoch (UTC), and each row names its model by a number too (mid, an id
-- of usage_models): keys of integers compare without reading text, and every
-- window is a range of numbers.

-- Every (provider, model) pair usage has named, numbered.
CREATE TABLE usage_models (
	id		INTEGER PRIMARY KEY,
	provider	TEXT NOT NULL,
	model		TEXT NOT NULL,
	UNIQUE (provider, model)
);
INSERT INTO usage_models (provider, model) SELECT DISTINCT provider, model FROM usage;

CREATE TABLE usage_v6 (
	id		INTEGER PRIMARY KEY,
	ts		INTEGER NOT NULL,	-- seconds since 1970-01-01T00:00:00Z
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
	dedupe		INTEGER NOT NULL,	-- 64-bit digest of request_id, else of the record
	retry_after	INTEGER,	-- seconds the provider asked to wait
	mid		INTEGER NOT NULL,	-- usage_models.id of (provider, model)
	UNIQUE (ts, dedupe)
);
INSERT INTO usage_v6 (id, ts, provider, model, prompt_tokens, completion_tokens, latency_ms,
	status, error, client, request_id, cost, dedupe, retry_after, mid)
SELECT u.id, unixepoch(u.ts), u.provider, u.model, u.prompt_tokens, u.completion_tokens,
	u.latency_ms, u.status, u.error, u.client, u.request_id, u.cost, u.dedupe, u.retry_after, m.id
  FROM usage u JOIN usage_models m ON m.provider = u.provider AND m.model = u.model;
DROP TABLE usage;
ALTER TABLE usage_v6 RENAME TO usage;
CREATE INDEX usage_model_ts ON usage (mid, ts);
CREATE INDEX usage_failures ON usage (provider, ts) WHERE status NOT BETWEEN 200 AND 299;

-- Requests per client (afmts-gateway's client keys) and UTC day.
CREATE TABLE usage_clients (
	client		TEXT NOT NULL,
	day		TEXT NOT NULL,		-- YYYY-MM-DD, UTC
	requests	INTEGER NOT NULL,
	PRIMARY KEY (client, day)
) WITHOUT ROWID;
INSERT INTO usage_clients
SELECT client, date(ts, 'unixepoch'), count(*) FROM usage WHERE client IS NOT NULL GROUP BY 1, 2;
