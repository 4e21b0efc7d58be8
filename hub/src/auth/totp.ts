/**
 * Two-factor sign-in with TOTP (RFC 6238, 30-second steps, 6 digits, SHA-1: what every
 * authenticator app reads from an otpauth:// QR code), through otplib. One code is accepted
 * once: the accepted time step is stored and a code of that step or an earlier one is refused
 * (RFC 6238 §5.2), atomically, so two parallel requests cannot both use it. Ten recovery codes,
 * stored as SHA-256, each good once. Attempts are limited like passwords (http/rate-limit.ts).
 */
import { randomBytes } from 'node:crypto';
import { generateSecret, generateURI, verify } from 'otplib';
import QRCode from 'qrcode';
import type { Queryable } from '../db/types.js';
import { admit } from '../http/rate-limit.js';
import { hashToken } from './tokens.js';

/** Code attempts per account per 15 minutes (TOTP and recovery codes together). */
export const SECOND_FACTOR_LIMIT = { cap: 10, windowSeconds: 15 * 60 };
/** How long a proved second factor counts as fresh for the console's sensitive actions. */
export const FRESH_SECOND_FACTOR_SECONDS = 5 * 60;
const RECOVERY_CODES = 10;

export async function totpEnabled(db: Queryable, userId: string): Promise<boolean> {
  const r = await db.query('SELECT 1 FROM user_totp WHERE user_id = $1 AND confirmed_at IS NOT NULL', [userId]);
  return r.rows.length > 0;
}

/** A new secret for the user to scan (replacing an unconfirmed one); refused while TOTP is on. */
export async function startEnrolment(db: Queryable, user: { userId: string; email: string }, issuer: string): Promise<{ secret: string; uri: string; qrSvg: string } | undefined> {
  const secret = generateSecret();
  const r = await db.query(
    `INSERT INTO user_totp (user_id, secret) VALUES ($1, $2)
     ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret, created_at = now(), last_time_step = 0 WHERE user_totp.confirmed_at IS NULL`,
    [user.userId, secret],
  );
  if (r.rowCount === 0) return undefined;
  const uri = generateURI({ issuer: `monsys (${new URL(issuer).host})`, label: user.email, secret });
  return { secret, uri, qrSvg: await QRCode.toString(uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }) };
}

/** The first code proves the app has the secret: TOTP is on, and the recovery codes are returned, once. */
export async function confirmEnrolment(db: Queryable, userId: string, code: string): Promise<string[] | undefined> {
  if (!(await acceptCode(db, userId, code, false))) return undefined;
  const codes = Array.from({ length: RECOVERY_CODES }, () => randomBytes(8).toString('hex').replace(/(.{4})(?=.)/g, '$1-'));
  await db.query('DELETE FROM user_recovery_codes WHERE user_id = $1', [userId]);
  await db.query('INSERT INTO user_recovery_codes (user_id, code_sha256) SELECT $1, unnest($2::text[])', [userId, codes.map((c) => hashToken(c))]);
  await db.query('UPDATE user_totp SET confirmed_at = now() WHERE user_id = $1', [userId]);
  return codes;
}

/** Checks a code from the authenticator, or a recovery code (used up); false when wrong, reused or over the limit. */
export async function checkSecondFactor(db: Queryable, userId: string, code: string): Promise<boolean> {
  const attempt = await admit(db, [{ bucket: `second-factor:${userId}`, ...SECOND_FACTOR_LIMIT }]);
  if (attempt.retryAfter) return false;
  const typed = code.trim().toLowerCase();
  const ok = /^\d{6}$/.test(typed)
    ? await acceptCode(db, userId, typed, true)
    : /^[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}$/.test(typed) &&
      (await db.query('UPDATE user_recovery_codes SET used_at = now() WHERE user_id = $1 AND code_sha256 = $2 AND used_at IS NULL', [userId, hashToken(typed)])).rowCount > 0;
  if (ok) await attempt.release();
  return ok;
}

/** Verifies a 6-digit code (one step of clock drift either way) and claims its time step. */
async function acceptCode(db: Queryable, userId: string, code: string, confirmed: boolean): Promise<boolean> {
  if (!/^\d{6}$/.test(code.trim())) return false;
  const r = await db.query<{ secret: string; last_time_step: string }>(
    `SELECT secret, last_time_step FROM user_totp WHERE user_id = $1 AND (confirmed_at IS NOT NULL) = $2`,
    [userId, confirmed],
  );
  const row = r.rows[0];
  if (!row) return false;
  const result = await verify({ secret: row.secret, token: code.trim(), epochTolerance: 30, afterTimeStep: Number(row.last_time_step) });
  // otplib's functional verify answers for HOTP or TOTP; a TOTP result carries its time step.
  if (!result.valid || !('timeStep' in result)) return false;
  const claimed = await db.query('UPDATE user_totp SET last_time_step = $2 WHERE user_id = $1 AND last_time_step < $2', [userId, result.timeStep]);
  return claimed.rowCount > 0;
}

/** Turns TOTP off for the user (after a fresh code): the secret and the recovery codes are deleted. */
export async function disableTotp(db: Queryable, userId: string): Promise<void> {
  await db.query('DELETE FROM user_recovery_codes WHERE user_id = $1', [userId]);
  await db.query('DELETE FROM user_totp WHERE user_id = $1', [userId]);
}
