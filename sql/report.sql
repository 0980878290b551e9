-- The queries of afmts-report.  Not a migration: afmts-report reads this file
-- and runs its statements by name, each starting at a "-- name: NAME" line.
--
-- Parameters (bound by afmts-report):
--   :from, :to   the period, UTC instants "YYYY-MM-DDThh:mm:ssZ", to excluded
--   :trend_to    the last UTC day of the 30-day trends, "YYYY-MM-DD"
-- @USAGE@ is replaced by the CTEs u (per model: requests, errors, tokens) and
-- l (per model: the latency histogram of successful requests) of the period,
-- read from the daily roll-ups when the period is whole UTC days, else from
-- the usage rows (name: usage_from_rollups, usage_from_rows).
--
-- Latency percentiles are nearest-rank (afmts_hist_rank): the smallest latency
-- whose cumulative count reaches p% of the model's successful requests with a
-- latency.  The afmts_* functions are registered by afmts-report.
-- Money is USD; prices are USD per million tokens.
--
-- A model's price_tiers (and a reference's tiers) price a whole request at
-- the highest tier its prompt reaches: the requests of a tiered model that
-- reach a tier are costed one by one from the usage rows (x, in @USAGE@),
-- the others at the base price from the totals.

-- name: refprice_table
CREATE TEMP TABLE refprice (
	name		TEXT PRIMARY KEY,	-- afmts_base() of the reference's model id
	source		TEXT NOT NULL,		-- its key in the reference table
	input_price	REAL NOT NULL,
	output_price	REAL NOT NULL,
	tiers		TEXT			-- JSON, as models.price_tiers, or NULL
) WITHOUT ROWID;

-- name: refprice_add
-- Several references may share a base name: the cheapest wins, so savings are
-- never overstated.
INSERT INTO refprice VALUES (afmts_base(:source), :source, :input, :output, :tiers)
ON CONFLICT (name) DO UPDATE SET source = excluded.source,
	input_price = excluded.input_price, output_price = excluded.output_price,
	tiers = excluded.tiers
WHERE excluded.input_price + excluded.output_price < input_price + output_price;

-- name: free_delta
-- What each run's change events did to a model, grouped per model and
-- observation: dp is +1 when it appeared, -1 when it went; df the same for
-- "present and free".  Counts at an instant T are the catalog's counts now
-- minus the deltas at or after T.
CREATE TEMP VIEW free_delta AS
SELECT provider, model, at,
	max(event IN ('added', 'returned')) - max(event = 'removed') AS dp,
	(CASE WHEN max(event = 'removed') THEN 0
	      ELSE coalesce(max(json_extract(after, '$.free')), 0) END)
	- (CASE WHEN max(event IN ('added', 'returned')) THEN 0
	        ELSE coalesce(max(json_extract(before, '$.free')), 0) END) AS df
  FROM changes
 WHERE event IN ('added', 'removed', 'returned', 'became_free', 'became_paid')
 GROUP BY provider, model, at;

-- name: pricing
-- What a model's tokens cost and what they would have cost: free models cost
-- 0; the reference price is the model's own list price when it is paid, else
-- its paid variant in the catalog (OpenRouter's "x" for "x:free"), else the
-- reference table.  For every model used in the period or the trend window.
CREATE TEMP TABLE pricing AS
WITH k AS (SELECT DISTINCT provider, model FROM usage_daily
	    WHERE day BETWEEN min(substr(:from, 1, 10), date(:trend_to, '-29 days'))
	                  AND max(substr(:to, 1, 10), :trend_to))
SELECT k.provider, k.model, m.free AS free,
	CASE WHEN m.free THEN 0.0 ELSE m.input_price END AS input_price,
	CASE WHEN m.free THEN 0.0 ELSE m.output_price END AS output_price,
	CASE WHEN m.free = 0 AND m.input_price IS NOT NULL AND m.output_price IS NOT NULL
		THEN 'list price'
	     WHEN v.model IS NOT NULL THEN 'paid variant ' || v.model
	     WHEN r.name IS NOT NULL THEN 'reference ' || r.source END AS reference,
	CASE WHEN m.free = 0 AND m.input_price IS NOT NULL AND m.output_price IS NOT NULL
		THEN m.input_price
	     WHEN v.model IS NOT NULL THEN v.input_price ELSE r.input_price END AS ref_input,
	CASE WHEN m.free = 0 AND m.input_price IS NOT NULL AND m.output_price IS NOT NULL
		THEN m.output_price
	     WHEN v.model IS NOT NULL THEN v.output_price ELSE r.output_price END AS ref_output,
	CASE WHEN m.free THEN NULL ELSE m.price_tiers END AS tiers,
	CASE WHEN m.free = 0 AND m.input_price IS NOT NULL AND m.output_price IS NOT NULL
		THEN m.price_tiers
	     WHEN v.model IS NOT NULL THEN v.price_tiers ELSE r.tiers END AS ref_tiers
  FROM k
  LEFT JOIN models m ON m.provider = k.provider AND m.model = k.model
  LEFT JOIN models v ON v.provider = k.provider AND k.model LIKE '%:free'
	AND v.model = substr(k.model, 1, length(k.model) - 5) AND v.free = 0
	AND v.input_price IS NOT NULL AND v.output_price IS NOT NULL
  LEFT JOIN refprice r ON r.name = afmts_base(k.model);

-- name: price_bands
-- The tiers of every model priced, as prompt-size bands: kind 'cost' (what it
-- cost) or 'ref' (what it would have cost), lo <= prompt_tokens < hi (hi NULL:
-- no upper end), with the usage_models id the usage rows name it by.
CREATE TEMP TABLE price_band AS
WITH t AS (SELECT p.provider, p.model, 'cost' AS kind,
		  json_extract(j.value, '$.min_prompt_tokens') AS lo,
		  json_extract(j.value, '$.input_price') AS input_price,
		  json_extract(j.value, '$.output_price') AS output_price
	     FROM pricing p, json_each(p.tiers) j
	   UNION ALL
	   SELECT p.provider, p.model, 'ref', json_extract(j.value, '$.min_prompt_tokens'),
		  json_extract(j.value, '$.input_price'), json_extract(j.value, '$.output_price')
	     FROM pricing p, json_each(p.ref_tiers) j)
SELECT um.id AS mid, t.provider, t.model, t.kind, t.lo,
	lead(t.lo) OVER (PARTITION BY t.provider, t.model, t.kind ORDER BY t.lo) AS hi,
	t.input_price, t.output_price
  FROM t JOIN usage_models um ON um.provider = t.provider AND um.model = t.model;

-- name: usage_costs
-- Appended to @USAGE@: x, per model and kind, the requests of the period that
-- reached a tier (their tokens, and their cost at their tier, in USD times
-- 1e6); uc, u with what its tokens cost and would have cost.
x AS (SELECT b.provider, b.model, b.kind,
	     sum(r.prompt_tokens) AS prompt_tokens, sum(r.completion_tokens) AS completion_tokens,
	     sum(r.prompt_tokens * b.input_price + r.completion_tokens * b.output_price) AS usd_m
	FROM price_band b
	JOIN usage r ON r.mid = b.mid AND r.ts >= unixepoch(:from) AND r.ts < unixepoch(:to)
	 AND r.prompt_tokens >= b.lo AND (b.hi IS NULL OR r.prompt_tokens < b.hi)
       GROUP BY b.provider, b.model, b.kind),
uc AS (SELECT u.*, p.free, p.reference, p.ref_input, p.ref_output,
	      ((u.prompt_tokens - coalesce(xc.prompt_tokens, 0)) * p.input_price
	       + (u.completion_tokens - coalesce(xc.completion_tokens, 0)) * p.output_price
	       + coalesce(xc.usd_m, 0)) / 1e6 AS cost,
	      ((u.prompt_tokens - coalesce(xr.prompt_tokens, 0)) * p.ref_input
	       + (u.completion_tokens - coalesce(xr.completion_tokens, 0)) * p.ref_output
	       + coalesce(xr.usd_m, 0)) / 1e6 AS ref_cost
	 FROM u LEFT JOIN pricing p USING (provider, model)
	 LEFT JOIN x xc ON xc.provider = u.provider AND xc.model = u.model AND xc.kind = 'cost'
	 LEFT JOIN x xr ON xr.provider = u.provider AND xr.model = u.model AND xr.kind = 'ref')

-- name: usage_from_rollups
u AS (SELECT provider, model, sum(requests) AS requests, sum(errors) AS errors,
	     sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens
	FROM usage_daily
       WHERE day >= substr(:from, 1, 10) AND day < substr(:to, 1, 10)
       GROUP BY provider, model),
l AS (SELECT provider, model, afmts_hist_merge(hist) AS hist
	FROM usage_latency
       WHERE day >= substr(:from, 1, 10) AND day < substr(:to, 1, 10)
       GROUP BY provider, model)

-- name: usage_from_rows
u AS (SELECT provider, model, count(*) AS requests,
	     sum(status IS NOT NULL AND status NOT BETWEEN 200 AND 299) AS errors,
	     sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens
	FROM usage
       WHERE ts >= unixepoch(:from) AND ts < unixepoch(:to)
       GROUP BY provider, model),
l AS (SELECT provider, model, afmts_hist(latency_ms) AS hist
	FROM usage
       WHERE ts >= unixepoch(:from) AND ts < unixepoch(:to) AND latency_ms IS NOT NULL
	 AND (status IS NULL OR status BETWEEN 200 AND 299)
       GROUP BY provider, model)

-- name: headline
WITH @USAGE@,
now AS (SELECT sum(present) AS models, sum(present AND free) AS free FROM models),
later AS (SELECT sum(CASE WHEN at >= :to THEN dp END) AS dp_to,
		 sum(CASE WHEN at >= :to THEN df END) AS df_to,
		 sum(df) AS df_from
	    FROM free_delta WHERE at >= :from),
cost AS (SELECT sum(requests) AS requests, sum(prompt_tokens + completion_tokens) AS tokens,
		sum(cost) AS cost, sum(ref_cost - cost) AS savings
	   FROM uc),
-- Requests answered from the exact-match cache: each one a request the providers were spared.
hits AS (SELECT count(*) AS n FROM usage
	  WHERE cached = 1 AND ts >= unixepoch(:from) AND ts < unixepoch(:to))
SELECT coalesce(now.models, 0) - coalesce(later.dp_to, 0) AS models,
	coalesce(now.free, 0) - coalesce(later.df_to, 0) AS free_models,
	coalesce(later.df_from, 0) - coalesce(later.df_to, 0) AS free_change,
	coalesce(cost.requests, 0) AS requests, coalesce(cost.tokens, 0) AS tokens,
	round(coalesce(cost.cost, 0), 6) AS cost_usd, round(coalesce(cost.savings, 0), 6) AS savings_usd,
	hits.n AS cache_hits
  FROM now, later, cost, hits;

-- name: summary
-- Per provider at the end of the period: models offered, free models, free
-- models at its start (the end of the previous day), the change, and the day
-- it was retired (its list gone) if it was by then.
WITH now AS (SELECT provider, sum(present) AS models, sum(present AND free) AS free
	       FROM models GROUP BY provider),
later AS (SELECT provider, sum(CASE WHEN at >= :to THEN dp END) AS dp_to,
		 sum(CASE WHEN at >= :to THEN df END) AS df_to, sum(df) AS df_from
	    FROM free_delta WHERE at >= :from GROUP BY provider),
s AS (SELECT now.provider,
	     now.models - coalesce(later.dp_to, 0) AS models,
	     now.free - coalesce(later.df_to, 0) AS free_models,
	     now.free - coalesce(later.df_from, 0) AS free_models_before
	FROM now LEFT JOIN later USING (provider))
SELECT s.provider, models, free_models, free_models_before,
	free_models - free_models_before AS free_change,
	CASE WHEN p.retired_at < :to THEN p.retired_at END AS retired
  FROM s LEFT JOIN providers p ON p.name = s.provider
 WHERE models > 0 OR free_models_before > 0
 ORDER BY s.provider;

-- name: evidence
-- Per provider with models now: what its free models rest on (free_basis,
-- the distinct values), the day its free rule was checked, how many days
-- before the report's last day (:trend_to) that was, stale when more than
-- 90, and whether its free tier trains on prompts.
SELECT provider,
	(SELECT group_concat(b, ', ') FROM (SELECT DISTINCT free_basis AS b FROM models x
	  WHERE x.provider = m.provider AND x.present = 1 AND x.free_basis IS NOT NULL
	  ORDER BY b)) AS free_basis,
	min(free_checked) AS checked,
	CAST(julianday(:trend_to) - julianday(min(free_checked)) AS INTEGER) AS evidence_age_days,
	CASE WHEN julianday(:trend_to) - julianday(min(free_checked)) > 90 THEN 'stale'
	     WHEN min(free_checked) IS NULL THEN 'none' ELSE 'ok' END AS evidence,
	max(trains_on_prompts) AS trains_on_prompts
  FROM models m WHERE present = 1
 GROUP BY provider ORDER BY provider;

-- name: changes
SELECT at, event, provider, model, before, after
  FROM changes WHERE at >= :from AND at < :to
 ORDER BY at, provider, model, id;

-- name: usage
WITH @USAGE@
SELECT u.provider, u.model, u.requests, u.errors,
	round(1.0 * u.errors / u.requests, 4) AS error_rate,
	u.prompt_tokens, u.completion_tokens,
	afmts_hist_rank(l.hist, 50) AS latency_p50_ms,
	afmts_hist_rank(l.hist, 95) AS latency_p95_ms
  FROM u LEFT JOIN l USING (provider, model)
 ORDER BY u.provider, u.model;

-- name: cost
-- The reference prices shown are the base ones; costs apply the tiers.
WITH @USAGE@
SELECT provider, model, free, prompt_tokens, completion_tokens, round(cost, 6) AS cost_usd,
	reference, ref_input AS reference_input_price, ref_output AS reference_output_price,
	round(ref_cost, 6) AS reference_cost_usd, round(ref_cost - cost, 6) AS savings_usd
  FROM uc
 ORDER BY provider, model;

-- name: trend
-- Free models per provider at the end of each UTC day of the 30 days ending
-- :trend_to, from the first day the catalog observed anything.
WITH RECURSIVE days(day) AS (
	SELECT max(date(:trend_to, '-29 days'),
		   coalesce((SELECT substr(min(at), 1, 10) FROM changes), :trend_to))
	UNION ALL SELECT date(day, '+1 day') FROM days WHERE day < :trend_to),
now AS (SELECT provider, sum(present AND free) AS free FROM models GROUP BY provider),
perday AS (SELECT provider, substr(at, 1, 10) AS day, sum(df) AS df FROM free_delta
	    WHERE at >= date(:trend_to, '-29 days') GROUP BY provider, substr(at, 1, 10))
SELECT days.day, now.provider,
	now.free - coalesce((SELECT sum(df) FROM perday
			      WHERE perday.provider = now.provider AND perday.day > days.day), 0)
		AS free_models
  FROM days, now WHERE days.day <= :trend_to
 ORDER BY days.day, now.provider;

-- name: daily
-- The 30 UTC days ending :trend_to: requests, tokens, cost and savings (the
-- requests that reached a price tier costed one by one, as in usage_costs).
WITH RECURSIVE days(day) AS (
	SELECT date(:trend_to, '-29 days')
	UNION ALL SELECT date(day, '+1 day') FROM days WHERE day < :trend_to),
x AS (SELECT date(r.ts, 'unixepoch') AS day, b.provider, b.model, b.kind,
	     sum(r.prompt_tokens) AS prompt_tokens, sum(r.completion_tokens) AS completion_tokens,
	     sum(r.prompt_tokens * b.input_price + r.completion_tokens * b.output_price) AS usd_m
	FROM price_band b
	JOIN usage r ON r.mid = b.mid AND r.ts >= unixepoch(date(:trend_to, '-29 days'))
	 AND r.ts < unixepoch(date(:trend_to, '+1 day'))
	 AND r.prompt_tokens >= b.lo AND (b.hi IS NULL OR r.prompt_tokens < b.hi)
       GROUP BY 1, 2, 3, 4),
c AS (SELECT d.day, d.requests, d.prompt_tokens, d.completion_tokens,
	     ((d.prompt_tokens - coalesce(xc.prompt_tokens, 0)) * p.input_price
	      + (d.completion_tokens - coalesce(xc.completion_tokens, 0)) * p.output_price
	      + coalesce(xc.usd_m, 0)) / 1e6 AS cost,
	     ((d.prompt_tokens - coalesce(xr.prompt_tokens, 0)) * p.ref_input
	      + (d.completion_tokens - coalesce(xr.completion_tokens, 0)) * p.ref_output
	      + coalesce(xr.usd_m, 0)) / 1e6 AS ref_cost
	FROM usage_daily d
	LEFT JOIN pricing p ON p.provider = d.provider AND p.model = d.model
	LEFT JOIN x xc ON xc.day = d.day AND xc.provider = d.provider AND xc.model = d.model
	 AND xc.kind = 'cost'
	LEFT JOIN x xr ON xr.day = d.day AND xr.provider = d.provider AND xr.model = d.model
	 AND xr.kind = 'ref'
       WHERE d.day BETWEEN date(:trend_to, '-29 days') AND :trend_to)
SELECT days.day, coalesce(sum(c.requests), 0) AS requests,
	coalesce(sum(c.prompt_tokens), 0) AS prompt_tokens,
	coalesce(sum(c.completion_tokens), 0) AS completion_tokens,
	round(coalesce(sum(c.cost), 0), 6) AS cost_usd,
	round(coalesce(sum(c.ref_cost - c.cost), 0), 6) AS savings_usd
  FROM days
  LEFT JOIN c ON c.day = days.day
 GROUP BY days.day ORDER BY days.day;
