/**
 * Rate limit of tool calls, per token holder and per tenant (MCP spec 2025-06-18, server/tools
 * "Security Considerations": servers MUST rate limit tool invocations).
 *
 * The counter is the call log itself: `mcp_call_log` already has one row per tool call (every door),
 * indexed by (tenant_id, called_at). Counting the rows of the sliding window keeps no state in the hub
 * process, so every instance behind a load balancer enforces the same budget, and needs no extra table.
 * "Per token" is per token holder: the user and the OAuth client the token was issued to (the call log
 * has no token column), which also stops a client from dodging the limit with a fresh token.
 * Calls refused here write no call-log row, so a refused burst does not extend the wait.
 */
import type { Principal } from '../auth/tokens.js';
import type { Queryable } from '../db/types.js';
import { RateLimitError } from '../errors.js';
import type { McpLimits } from './limits.js';

interface WindowRow {
  mine: number;
  tenant: number;
  mine_reset: number | null;
  tenant_reset: number | null;
}

/** Throws RateLimitError (429 with Retry-After) when `calls` more tool calls would exceed a budget. */
export async function checkRateLimit(db: Queryable, principal: Principal, calls: number, limits: McpLimits): Promise<void> {
  if (calls <= 0) return;
  const r = await db.query<WindowRow>(
    `SELECT count(*) FILTER (WHERE user_id = $2 AND client_id IS NOT DISTINCT FROM $3)::int AS mine,
            count(*)::int AS tenant,
            extract(epoch FROM min(called_at) FILTER (WHERE user_id = $2 AND client_id IS NOT DISTINCT FROM $3)
                               + make_interval(secs => $4) - now())::float8 AS mine_reset,
            extract(epoch FROM min(called_at) + make_interval(secs => $4) - now())::float8 AS tenant_reset
       FROM mcp_call_log
      WHERE tenant_id = $1 AND called_at > now() - make_interval(secs => $4)`,
    [principal.tenantId, principal.userId, principal.clientId, limits.windowSeconds],
  );
  const row = r.rows[0]!;
  // The wait is until the oldest call of the window leaves it: a lower bound, never 0.
  const wait = (reset: number | null) => Math.max(1, Math.ceil(reset ?? limits.windowSeconds));
  if (row.mine + calls > limits.perToken) throw new RateLimitError(wait(row.mine_reset));
  if (row.tenant + calls > limits.perTenant) throw new RateLimitError(wait(row.tenant_reset));
}
