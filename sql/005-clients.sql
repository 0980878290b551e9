-- Version 5: afmts-gateway's client keys have daily request budgets, counted
-- over the usage rows that name the client.
CREATE INDEX usage_client ON usage (client, ts) WHERE client IS NOT NULL;
