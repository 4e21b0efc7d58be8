/**
 * Rate limit of tool calls, per token holder and per tenant, across every door (MCP spec 2025-06-18,
 * server/tools "Security Considerations": servers MUST rate limit tool invocations).
 *
 * The counter is the call log itself: `mcp_call_log` has one row per tool call, indexed by
 * (tenant_id, called_at). Counting the window's rows keeps no state in the hub process, so every
 * instance behind a load balancer enforces the same budget. Each count stops at the budget
 * (LIMIT), so a check costs at most `budget` index entries however busy the tenant is.
 * "Per token" is per token holder: the user and the OAuth client the token was issued to, which also
 * stops a client from dodging the limit with a fresh token. Refused calls write no row.
 */
import type { Principal } from '../auth/tokens.js';
import type { Queryable } from '../db/types.js';
import { RateLimitError } from '../errors.js';

export interface RateLimits {
  /** Tool calls per token holder per window; 0 turns the limit off (benchmarks). */
  perToken: number;
  /** Tool calls per tenant per window; 0 turns the limit off. */
  perTenant: number;
  windowSeconds: number;
}

/** Throws RateLimitError (429 with Retry-After) when `calls` more tool calls would exceed a budget. */
export async function checkRateLimit(db: Queryable, principal: Principal, calls: number, limits: RateLimits): Promise<void> {
  if (calls <= 0 || (!limits.perToken && !limits.perTenant)) return;
  const mineCap = limits.perToken || 0;
  const tenantCap = limits.perTenant || 0;
  const r = await db.query<{ mine: number; tenant: number }>(
    `SELECT (SELECT count(*) FROM (SELECT 1 FROM mcp_call_log
                                    WHERE tenant_id = $1 AND called_at > now() - make_interval(secs => $4)
                                      AND user_id = $2 AND client_id IS NOT DISTINCT FROM $3
                                    LIMIT $5) m)::int AS mine,
            (SELECT count(*) FROM (SELECT 1 FROM mcp_call_log
                                    WHERE tenant_id = $1 AND called_at > now() - make_interval(secs => $4)
                                    LIMIT $6) t)::int AS tenant`,
    [principal.tenantId, principal.userId, principal.clientId, limits.windowSeconds, mineCap, tenantCap],
  );
  const { mine, tenant } = r.rows[0]!;
  const overMine = mineCap > 0 && mine + calls > mineCap;
  const overTenant = tenantCap > 0 && tenant + calls > tenantCap;
  if (!overMine && !overTenant) return;
  // The wait is until the oldest call of the window leaves it: a lower bound, never 0.
  const w = await db.query<{ reset: number | null }>(
    `SELECT extract(epoch FROM min(called_at) + make_interval(secs => $4) - now())::float8 AS reset
       FROM mcp_call_log
      WHERE tenant_id = $1 AND called_at > now() - make_interval(secs => $4)
        AND ($5 OR (user_id = $2 AND client_id IS NOT DISTINCT FROM $3))`,
    [principal.tenantId, principal.userId, principal.clientId, limits.windowSeconds, !overMine],
  );
  throw new RateLimitError(Math.max(1, Math.ceil(w.rows[0]?.reset ?? limits.windowSeconds)));
}
