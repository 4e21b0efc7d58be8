/**
 * The hub's one rate limiter: tool calls (per token holder and per tenant, across every door, as the
 * MCP spec's server/tools "Security Considerations" ask), password attempts, client registrations
 * and agent ingest all reserve their hits here.
 *
 * A limit is a bucket with a cap per fixed window. `admit` adds the hits to every bucket in one
 * statement that only counts while the window has room (`hits + n <= cap`), so checking and counting
 * cannot be separated by other requests: 300 parallel requests against a cap of 10 admit 10, whether
 * they reach one hub or several on the same PostgreSQL. The work is done after admission, so calls
 * still in flight are already counted. When one bucket of a request is full, the hits it took in the
 * others are given back, and the request does nothing.
 */
import type { Principal } from '../auth/tokens.js';
import type { Queryable } from '../db/types.js';
import { RateLimitError } from '../errors.js';

export interface Limit {
  bucket: string;
  /** Hits per window; a cap of 0 turns the limit off. */
  cap: number;
  windowSeconds: number;
}

export interface Admission {
  /** Seconds until the fullest window turns over, when the request was refused. */
  retryAfter?: number;
  /** Gives the hits back (a password that was right, say): they no longer count against the caps. */
  release(): Promise<void>;
}

// Buckets are locked in name order, so two requests sharing buckets cannot deadlock.
const ADMIT = `INSERT INTO rate_limits AS r (bucket, window_start, hits, cap)
  SELECT b, to_timestamp(floor(extract(epoch FROM now()) / s) * s), $3, c
    FROM unnest($1::text[], $2::int[], $4::int[]) AS w (b, s, c)
   ORDER BY b
  ON CONFLICT (bucket, window_start) DO UPDATE SET hits = r.hits + EXCLUDED.hits, cap = EXCLUDED.cap
   WHERE r.hits + EXCLUDED.hits <= EXCLUDED.cap
  RETURNING r.bucket, extract(epoch FROM r.window_start)::float8 AS window_start,
            extract(epoch FROM now())::float8 AS now`;

const RELEASE = `UPDATE rate_limits SET hits = greatest(hits - $3, 0)
  WHERE (bucket, window_start) IN (SELECT b, to_timestamp(w) FROM unnest($1::text[], $2::float8[]) AS x (b, w))`;

/** Reserves `n` hits in every limit (all or none). */
export async function admit(db: Queryable, limits: readonly Limit[], n = 1): Promise<Admission> {
  const live = [...new Map(limits.filter((l) => l.cap > 0).map((l) => [l.bucket, l])).values()];
  if (n <= 0 || live.length === 0) return { release: async () => {} };
  const tooMany = live.filter((l) => n > l.cap);
  if (tooMany.length) return { retryAfter: Math.max(...tooMany.map((l) => l.windowSeconds)), release: async () => {} };

  const r = await db.query<{ bucket: string; window_start: number; now: number }>(ADMIT, [
    live.map((l) => l.bucket),
    live.map((l) => l.windowSeconds),
    n,
    live.map((l) => l.cap),
  ]);
  const taken = r.rows;
  const release = async () => {
    if (taken.length) await db.query(RELEASE, [taken.map((t) => t.bucket), taken.map((t) => t.window_start), n]);
  };
  if (taken.length === live.length) return { release };

  await release();
  const now = taken[0]?.now ?? Date.now() / 1000;
  const full = live.filter((l) => !taken.some((t) => t.bucket === l.bucket));
  const retryAfter = Math.max(...full.map((l) => l.windowSeconds - (now % l.windowSeconds)));
  return { retryAfter: Math.max(1, Math.ceil(retryAfter)), release: async () => {} };
}

export interface RateLimits {
  /** Tool calls per token holder per window; 0 turns the limit off (benchmarks). */
  perToken: number;
  /** Tool calls per tenant per window; 0 turns the limit off. */
  perTenant: number;
  windowSeconds: number;
}

/**
 * The tool-call limits of one principal. "Per token" is per token holder: the user and the OAuth
 * client the token was issued to, so a client cannot dodge the limit with a fresh token.
 */
export function toolCallLimits(principal: Principal, limits: RateLimits): Limit[] {
  return [
    { bucket: `calls:holder:${principal.tenantId}:${principal.userId}:${principal.clientId ?? ''}`, cap: limits.perToken, windowSeconds: limits.windowSeconds },
    { bucket: `calls:tenant:${principal.tenantId}`, cap: limits.perTenant, windowSeconds: limits.windowSeconds },
  ];
}

/** Admits `calls` tool calls or throws RateLimitError (429 with Retry-After); refused calls are not counted. */
export async function checkRateLimit(db: Queryable, principal: Principal, calls: number, limits: RateLimits): Promise<void> {
  const a = await admit(db, toolCallLimits(principal, limits), calls);
  if (a.retryAfter) throw new RateLimitError(a.retryAfter);
}
