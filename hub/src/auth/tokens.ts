/**
 * Access tokens (`mat_…`): opaque, 256 bits of randomness, stored only as their SHA-256.
 * Token lookup lives here and nowhere else: the REST API, `/mcp` and the OAuth server's
 * storage adapter all go through these functions.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Queryable } from '../db/types.js';
import { Batcher, batcherPer } from '../db/batch.js';
import { ALL_SCOPES, type Role, type Scope } from '../../../shared/index.js';
import { TenantOptedOutError, UnauthorizedError } from '../errors.js';

export const ACCESS_TOKEN_PREFIX = 'mat_';
export const REFRESH_TOKEN_PREFIX = 'mrt_';
/** Token TTL: 1 hour, as the product page states. */
export const ACCESS_TOKEN_TTL_SECONDS = 3600;

/** The verified identity behind a request. The tenant comes from here, never from arguments. */
export interface Principal {
  tokenId: string;
  tenantId: string;
  tenantSlug: string;
  userId: string;
  email: string;
  role: Role;
  scopes: Scope[];
  clientId: string | null;
  audience: string | null;
  expiresAt: Date;
  pseudonymize: boolean;
}

/** A new token value: prefix + 32 random bytes in base64url (256 bits). */
export function newTokenValue(prefix: string): string {
  return prefix + randomBytes(32).toString('base64url');
}

/** SHA-256 hex. A slow hash is not needed: the input is 256 random bits, not a password. */
export function hashToken(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

const TOKEN_SHAPE = /^mat_[A-Za-z0-9_-]{43}$/;

export interface IssueTokenOptions {
  tenantId: string;
  userId: string;
  scopes: Scope[];
  clientId?: string | null;
  grantId?: string | null;
  audience?: string | null;
  ttlSeconds?: number;
  /** Supply the value (the OAuth server generates its own); a fresh one is made otherwise. */
  value?: string;
}

/** Stores a token's hash and returns the raw value, which is shown once and never stored. */
export async function issueAccessToken(db: Queryable, o: IssueTokenOptions): Promise<{ value: string; id: string; expiresAt: Date }> {
  const value = o.value ?? newTokenValue(ACCESS_TOKEN_PREFIX);
  const id = randomUUID();
  const ttl = o.ttlSeconds ?? ACCESS_TOKEN_TTL_SECONDS;
  const scopes = [...new Set(o.scopes)].filter((s) => ALL_SCOPES.includes(s));
  const r = await db.query<{ expires_at: Date }>(
    `INSERT INTO mcp_access_tokens (id, token_sha256, tenant_id, user_id, client_id, grant_id, scopes, audience, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() + make_interval(secs => $9))
     RETURNING expires_at`,
    [id, hashToken(value), o.tenantId, o.userId, o.clientId ?? null, o.grantId ?? null, scopes, o.audience ?? null, ttl],
  );
  return { value, id, expiresAt: r.rows[0]!.expires_at };
}

interface TokenRow {
  token_sha256: string;
  id: string;
  tenant_id: string;
  slug: string;
  user_id: string;
  email: string;
  role: Role | null;
  scopes: string[];
  client_id: string | null;
  audience: string | null;
  expires_at: Date;
  revoked_at: Date | null;
  mcp_enabled: boolean;
  pseudonymize: boolean;
  stale: boolean;
}

/** Live tokens by hash, for every request waiting on a lookup in one statement (see db/batch.ts). */
const lookups = batcherPer((db: Queryable) =>
  new Batcher<string, TokenRow | undefined>(async (hashes) => {
    const r = await db.query<TokenRow>(
      `SELECT t.token_sha256, t.id, t.tenant_id, tn.slug, t.user_id, u.email, m.role, t.scopes, t.client_id, t.audience,
              t.expires_at, t.revoked_at, tn.mcp_enabled, tn.pseudonymize,
              (t.last_used_at IS NULL OR t.last_used_at < now() - interval '60 seconds') AS stale
         FROM mcp_access_tokens t
         JOIN tenants tn ON tn.id = t.tenant_id
         JOIN users u ON u.id = t.user_id
         LEFT JOIN memberships m ON m.tenant_id = t.tenant_id AND m.user_id = t.user_id
        WHERE t.token_sha256 = ANY($1::text[]) AND t.revoked_at IS NULL AND t.expires_at > now()`,
      [[...new Set(hashes)]],
    );
    const found = new Map(r.rows.map((row) => [row.token_sha256, row]));
    return hashes.map((h) => found.get(h));
  }),
);

/**
 * Resolves a bearer token to its principal, or throws: 401 when missing, malformed,
 * unknown, expired or revoked (one message for all, so nothing is learned by probing);
 * 403 when the tenant has not opted in to the connector. Read from the database on every call,
 * so a revocation (including the product page's SQL) holds from the next request on.
 */
export async function verifyAccessToken(db: Queryable, value: string | undefined): Promise<Principal> {
  if (!value || !TOKEN_SHAPE.test(value)) throw new UnauthorizedError();
  const row = await lookups(db).run(hashToken(value));
  // A user removed from the tenant keeps no access through old tokens.
  if (!row || !row.role) throw new UnauthorizedError();
  if (!row.mcp_enabled) throw new TenantOptedOutError();
  if (row.stale) {
    // last_used_at is for the token list; written at most once a minute per token to keep reads cheap
    // (and once per batch: requests answered by the same lookup share this row).
    row.stale = false;
    await db.query('UPDATE mcp_access_tokens SET last_used_at = now() WHERE id = $1', [row.id]);
  }
  return {
    tokenId: row.id,
    tenantId: row.tenant_id,
    tenantSlug: row.slug,
    userId: row.user_id,
    email: row.email,
    role: row.role,
    scopes: row.scopes.filter((s): s is Scope => ALL_SCOPES.includes(s as Scope)),
    clientId: row.client_id,
    audience: row.audience,
    expiresAt: row.expires_at,
    pseudonymize: row.pseudonymize,
  };
}

/** Revokes one token by its raw value; true when a live token was revoked. */
export async function revokeAccessToken(db: Queryable, value: string): Promise<boolean> {
  const r = await db.query('UPDATE mcp_access_tokens SET revoked_at = now() WHERE token_sha256 = $1 AND revoked_at IS NULL', [
    hashToken(value),
  ]);
  return r.rowCount > 0;
}
