-- AFMTS catalog, version 1: providers, models with their history, runs and
-- change events.  Applied by afmts-track inside one transaction; the file
-- name's number is the PRAGMA user_version it brings the catalog to.
-- Times are RFC 3339 UTC text; prices USD per million tokens.

-- One row per afmts-track invocation that wrote something.
CREATE TABLE runs (
	id		INTEGER PRIMARY KEY,
	started_at	TEXT NOT NULL,
	models_seen	INTEGER NOT NULL DEFAULT 0,
	changes		INTEGER NOT NULL DEFAULT 0,
	usage_added	INTEGER NOT NULL DEFAULT 0
);

-- What is known of each provider, and its health as discovery sees it.
CREATE TABLE providers (
	name		TEXT PRIMARY KEY,
	key_env		TEXT,
	base_url	TEXT,
	last_observed_at TEXT,		-- latest complete or failed observation
	last_ok_at	TEXT,
	last_error_at	TEXT,
	last_error_kind	TEXT,
	last_error	TEXT,
	failures	INTEGER NOT NULL DEFAULT 0	-- consecutive failed runs
) WITHOUT ROWID;

-- The current state of every model ever seen.
CREATE TABLE models (
	provider	TEXT NOT NULL,
	model		TEXT NOT NULL,
	name		TEXT,
	family		TEXT,
	context_length	INTEGER,
	max_output_tokens INTEGER,
	input_price	REAL,
	output_price	REAL,
	free		INTEGER NOT NULL,
	free_reason	TEXT,
	modalities	TEXT,		-- JSON {input, output}
	features	TEXT,		-- JSON array
	limits		TEXT,		-- JSON {rpm, rpd, tpm, tpd, scope}
	base_url	TEXT,
	key_env		TEXT,
	record		TEXT NOT NULL,	-- the model record as last seen, without observed_at
	line_digest	INTEGER,	-- digest of the input line that last wrote or confirmed it
	present		INTEGER NOT NULL DEFAULT 1,
	first_seen	TEXT NOT NULL,
	last_seen	TEXT NOT NULL,
	removed_at	TEXT
);
-- Rows are wide (the record is kept whole): a rowid table with a unique key
-- index inserts faster than a WITHOUT ROWID table would.
CREATE UNIQUE INDEX models_key ON models (provider, model);
CREATE INDEX models_free ON models (present, free, context_length);

-- Change events, as printed on afmts-track's standard output: also the
-- history of every model (before and after each change).
CREATE TABLE changes (
	id		INTEGER PRIMARY KEY,
	run		INTEGER NOT NULL REFERENCES runs (id),
	at		TEXT NOT NULL,
	event		TEXT NOT NULL,
	provider	TEXT NOT NULL,
	model		TEXT NOT NULL,
	before		TEXT,		-- JSON
	after		TEXT		-- JSON
);
CREATE INDEX changes_at ON changes (at);
CREATE INDEX changes_model ON changes (model);
