-- Version 9: usage rows whose tokens were estimated.
--
-- A provider that gives no usage for a request (some streams, some local
-- servers) still spends its budget: afmts-gateway then records tokens it
-- estimated (about four bytes a token of the request and of the answer's
-- text) and marks the row with estimated = 1.  NULL: the provider's own count,
-- or what a usage line said.
ALTER TABLE usage ADD COLUMN estimated INTEGER;
