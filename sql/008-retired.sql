-- Version 8: providers that have gone.
--
-- A provider is retired when its descriptor says so ("retired": a day) or its
-- model list answered 410 Gone: afmts-track then marks its models removed,
-- once, with the reason as the change's "after", and keeps here since when
-- and why.  A provider that lists models again is no longer retired.
ALTER TABLE providers ADD COLUMN retired_at TEXT;
ALTER TABLE providers ADD COLUMN retired_reason TEXT;
