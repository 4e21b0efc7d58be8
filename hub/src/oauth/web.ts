/**
 * The hub's browser sign-in shared by the OAuth login page and /settings/mcp-tokens:
 * password check, the `monsys_session` cookie (only its SHA-256 is stored), CSRF tokens,
 * the Origin check and the limits on password attempts and registrations (counted by http/rate-limit.ts).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { parse as parseCookie } from 'cookie';
import type express from 'express';
import type { Queryable } from '../db/types.js';
import type { Limit } from '../http/rate-limit.js';
import { hashToken } from '../auth/tokens.js';
import { verifyPassword } from '../auth/passwords.js';

export const WEB_SESSION_COOKIE = 'monsys_session';
export const WEB_SESSION_TTL_SECONDS = 8 * 3600;

/** The same words for an unknown e-mail and a wrong password, so nothing is learned by trying. */
export const LOGIN_FAILED = 'The e-mail address or password is incorrect.';

export const LIMITS = {
  /** Failed password attempts per account from one client address. */
  loginPerAccountAndIp: { limit: 10, windowSeconds: 15 * 60 },
  /** Failed password attempts per client address. */
  loginPerIp: { limit: 100, windowSeconds: 15 * 60 },
  /** Dynamic client registrations per client address. */
  registerPerIp: { limit: 120, windowSeconds: 10 * 60 },
} as const;

export interface WebUser {
  userId: string;
  email: string;
  sessionHash: string;
  /** When this session last proved the account's second factor (null: never). */
  secondFactorAt: Date | null;
}

/** The request's cookies. A value that is not valid percent-encoding is kept as sent, never an error: a sibling app's cookie cannot break sign-in. */
export function requestCookies(req: express.Request): Record<string, string | undefined> {
  return parseCookie(req.get('cookie') ?? '');
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

/**
 * Starts a browser session. `pending`: the password was right but the account has two-factor
 * sign-in, so the session counts for nothing until its code is proved (proveSecondFactor).
 */
export async function startWebSession(db: Queryable, res: express.Response, userId: string, secure: boolean, pending = false): Promise<void> {
  const value = randomBytes(32).toString('base64url');
  await db.query(
    `INSERT INTO web_sessions (id_sha256, user_id, expires_at, pending) VALUES ($1, $2, now() + make_interval(secs => $3), $4)`,
    [hashToken(value), userId, pending ? SECOND_FACTOR_WAIT_SECONDS : WEB_SESSION_TTL_SECONDS, pending],
  );
  res.cookie(WEB_SESSION_COOKIE, value, { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: WEB_SESSION_TTL_SECONDS * 1000 });
}

/** How long a signed-in password waits for its second factor. */
const SECOND_FACTOR_WAIT_SECONDS = 10 * 60;

/** The signed-in user; `pending: true` finds a session that still waits for its second factor instead. */
export async function currentWebUser(db: Queryable, req: express.Request, o: { pending?: boolean } = {}): Promise<WebUser | undefined> {
  const value = requestCookies(req)[WEB_SESSION_COOKIE];
  if (!value) return undefined;
  const sessionHash = hashToken(value);
  const r = await db.query<{ user_id: string; email: string; second_factor_at: Date | null }>(
    `SELECT s.user_id, u.email, s.second_factor_at FROM web_sessions s JOIN users u ON u.id = s.user_id
      WHERE s.id_sha256 = $1 AND s.expires_at > now() AND s.pending = $2`,
    [sessionHash, o.pending ?? false],
  );
  const row = r.rows[0];
  return row ? { userId: row.user_id, email: row.email, sessionHash, secondFactorAt: row.second_factor_at } : undefined;
}

/** The session proved its second factor now: it counts (for its full lifetime) and is fresh for sensitive actions. */
export async function proveSecondFactor(db: Queryable, sessionHash: string): Promise<void> {
  await db.query(
    `UPDATE web_sessions SET expires_at = CASE WHEN pending THEN now() + make_interval(secs => $2) ELSE expires_at END, pending = false, second_factor_at = now()
      WHERE id_sha256 = $1`,
    [sessionHash, WEB_SESSION_TTL_SECONDS],
  );
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
 * Password attempts, per client address and per account-and-address. An attempt is admitted (and
 * counted) before its password is checked, so parallel guesses cannot outrun the count; the right
 * password gives its attempt back, so only failures add up. Counting per account-and-address rather
 * than per account means a guesser elsewhere cannot lock the owner out of their own account.
 */
export function loginLimits(ip: string, email: string): Limit[] {
  const address = addressKey(ip);
  return [
    { bucket: `login:ip:${address}`, cap: LIMITS.loginPerIp.limit, windowSeconds: LIMITS.loginPerIp.windowSeconds },
    {
      bucket: `login:account-ip:${hashToken(`${email.trim().toLowerCase()}\0${address}`)}`,
      cap: LIMITS.loginPerAccountAndIp.limit,
      windowSeconds: LIMITS.loginPerAccountAndIp.windowSeconds,
    },
  ];
}

export function registrationLimits(ip: string): Limit[] {
  return [{ bucket: `register:ip:${addressKey(ip)}`, cap: LIMITS.registerPerIp.limit, windowSeconds: LIMITS.registerPerIp.windowSeconds }];
}

/**
 * The address a limit counts: an IPv4 address as it is, an IPv6 address by its /64, which is what
 * one subscriber is given (counting single IPv6 addresses would give each attacker 2^64 budgets).
 */
export function addressKey(ip: string): string {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (v4) return v4[1]!;
  if (isIP(ip) !== 6) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/** The client's address as the trusted proxies (TRUST_PROXY) report it, else the TCP peer. */
export function clientIp(req: express.Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}
