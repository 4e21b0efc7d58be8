-- 007: counts that parallel requests cannot slip past.
--
-- Every limit of the hub reserves its hits in rate_limits before the work it limits
-- (hub/src/http/rate-limit.ts). The cap travels with the row so that one INSERT … ON CONFLICT can
-- add a hit only while the window has room for it: the check and the count are one statement, and
-- requests in flight are counted the moment they are admitted.
ALTER TABLE rate_limits ADD COLUMN cap integer;

-- A rotated refresh token answers at most one duplicate within the grace window (a concurrent
-- refresh); the count is claimed atomically with the rotation (hub/src/oauth/adapter.ts).
ALTER TABLE oauth_refresh_tokens ADD COLUMN grace_uses integer NOT NULL DEFAULT 0;
