/**
 * The hub's browser sign-in shared by the OAuth login page and /settings/mcp-tokens:
 * password check, the `monsys_session` cookie (only its SHA-256 is stored), CSRF tokens,
 * the Origin check and database-backed rate limits (shared by every hub instance).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type express from 'express';
import type { Queryable } from '../db/types.js';
import { hashToken } from '../auth/tokens.js';
import { verifyPassword } from '../auth/passwords.js';

export const WEB_SESSION_COOKIE = 'monsys_session';
export const WEB_SESSION_TTL_SECONDS = 8 * 3600;

/** The same words for an unknown e-mail and a wrong password, so nothing is learned by trying. */
export const LOGIN_FAILED = 'The e-mail address or password is incorrect.';

export const LIMITS = {
  /** Failed password attempts per e-mail address. */
  loginPerEmail: { limit: 10, windowSeconds: 15 * 60 },
  /** Failed password attempts per client address. */
  loginPerIp: { limit: 100, windowSeconds: 15 * 60 },
  /** Dynamic client registrations per client address. */
  registerPerIp: { limit: 120, windowSeconds: 10 * 60 },
} as const;

export interface WebUser {
  userId: string;
  email: string;
  sessionHash: string;
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

/** Checks an e-mail and password; undefined for an unknown user or a wrong password (same cost either way). */
export async function checkPassword(db: Queryable, email: string, password: string): Promise<{ id: string; email: string } | undefined> {
  const r = await db.query<{ id: string; email: string; password_hash: string | null }>(
    'SELECT id, email, password_hash FROM users WHERE email = $1',
    [email.trim().toLowerCase()],
  );
  const user = r.rows[0];
  const ok = await verifyPassword(password, user?.password_hash);
  return ok && user ? { id: user.id, email: user.email } : undefined;
}

export async function startWebSession(db: Queryable, res: express.Response, userId: string, secure: boolean): Promise<void> {
  const value = randomBytes(32).toString('base64url');
  await db.query(
    `INSERT INTO web_sessions (id_sha256, user_id, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))`,
    [hashToken(value), userId, WEB_SESSION_TTL_SECONDS],
  );
  res.cookie(WEB_SESSION_COOKIE, value, { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: WEB_SESSION_TTL_SECONDS * 1000 });
}

export async function currentWebUser(db: Queryable, req: express.Request): Promise<WebUser | undefined> {
  const value = parseCookies(req.get('cookie'))[WEB_SESSION_COOKIE];
  if (!value) return undefined;
  const sessionHash = hashToken(value);
  const r = await db.query<{ user_id: string; email: string }>(
    `SELECT s.user_id, u.email FROM web_sessions s JOIN users u ON u.id = s.user_id WHERE s.id_sha256 = $1 AND s.expires_at > now()`,
    [sessionHash],
  );
  const row = r.rows[0];
  return row ? { userId: row.user_id, email: row.email, sessionHash } : undefined;
}

/** A CSRF token bound to a purpose and a binding (an interaction id, a session): HMAC, nothing stored. */
export function csrfToken(key: Buffer, purpose: string, binding: string): string {
  return createHmac('sha256', key).update(`${purpose}\0${binding}`).digest('base64url');
}

export function csrfValid(key: Buffer, purpose: string, binding: string, sent: unknown): boolean {
  if (typeof sent !== 'string') return false;
  const want = Buffer.from(csrfToken(key, purpose, binding));
  const got = Buffer.from(sent);
  return got.length === want.length && timingSafeEqual(got, want);
}

/**
 * The Origin check for form posts: a browser sends Origin (or at least Referer) with a POST;
 * when present it must be the hub's own. Clients that send neither still need the CSRF token.
 */
export function sameOrigin(req: express.Request, issuer: string): boolean {
  const own = new URL(issuer).origin;
  const origin = req.get('origin');
  if (origin) return origin === own;
  const referer = req.get('referer');
  if (referer) {
    try {
      return new URL(referer).origin === own;
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * Counts one hit in a fixed window; returns the seconds to wait when over the limit.
 * The counter lives in the database so every hub instance shares it.
 */
export async function rateLimited(db: Queryable, bucket: string, o: { limit: number; windowSeconds: number }): Promise<number | undefined> {
  const r = await db.query<{ hits: number; retry: number }>(
    `INSERT INTO rate_limits (bucket, window_start, hits)
     VALUES ($1, to_timestamp(floor(extract(epoch FROM now()) / $2) * $2), 1)
     ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1
     RETURNING hits, ceil(extract(epoch FROM (window_start + make_interval(secs => $2) - now())))::int AS retry`,
    [bucket, o.windowSeconds],
  );
  const row = r.rows[0]!;
  return row.hits > o.limit ? Math.max(1, Number(row.retry)) : undefined;
}

/** Seconds to wait when the bucket is already over its limit (nothing counted). */
export async function overLimit(db: Queryable, bucket: string, o: { limit: number; windowSeconds: number }): Promise<number | undefined> {
  const r = await db.query<{ hits: number; retry: number }>(
    `SELECT hits, ceil(extract(epoch FROM (window_start + make_interval(secs => $2) - now())))::int AS retry
       FROM rate_limits WHERE bucket = $1 AND window_start = to_timestamp(floor(extract(epoch FROM now()) / $2) * $2)`,
    [bucket, o.windowSeconds],
  );
  const row = r.rows[0];
  return row && row.hits >= o.limit ? Math.max(1, Number(row.retry)) : undefined;
}

/**
 * Password attempts: only failures count, per client address and per e-mail address, so a
 * user who signs in often is never locked out, and guessing is capped.
 */
export const loginLimit = {
  async check(db: Queryable, ip: string, email: string): Promise<number | undefined> {
    return (await overLimit(db, buckets.loginIp(ip), LIMITS.loginPerIp)) ?? (await overLimit(db, buckets.loginEmail(email), LIMITS.loginPerEmail));
  },
  async failed(db: Queryable, ip: string, email: string): Promise<void> {
    await rateLimited(db, buckets.loginIp(ip), LIMITS.loginPerIp);
    await rateLimited(db, buckets.loginEmail(email), LIMITS.loginPerEmail);
  },
};

/** Rate-limit bucket names: e-mail addresses only as a hash. */
export const buckets = {
  loginEmail: (email: string) => `login:email:${hashToken(email.trim().toLowerCase())}`,
  loginIp: (ip: string) => `login:ip:${ip}`,
  registerIp: (ip: string) => `register:ip:${ip}`,
};

export function clientIp(req: express.Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}
