/**
 * oidc-provider's storage, on the hub's database (PostgreSQL or PGlite).
 *
 * - Access tokens go to `mcp_access_tokens` and nowhere else (hub/src/auth/tokens.ts), so the REST
 *   API, /mcp and the product page's `UPDATE mcp_access_tokens SET revoked_at=NOW() …` all see them;
 *   `find` honours `revoked_at`.
 * - Credentials (codes, refresh tokens, session and interaction ids) are stored only as SHA-256;
 *   the value is removed from the stored payload and put back from the caller's argument on find.
 * - A grant is dead once any of its access tokens was revoked (by the RFC 7009 endpoint, the
 *   settings page or the SQL), once its user left the tenant, or once the tenant opted out: its
 *   refresh tokens then stop working too, so revocation is not undone by a refresh.
 * - Refresh-token reuse: a rotated token presented once more within GRACE seconds is answered as if
 *   fresh (a concurrent refresh from a hosted client's several egress addresses); any other reuse,
 *   in the window or after it, revokes the whole grant.
 */
import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { Db, Queryable } from '../db/types.js';
import { hashToken, issueAccessToken } from '../auth/tokens.js';
import { ALL_SCOPES, type Scope } from '../../../shared/index.js';

/** Seconds during which a rotated refresh token still refreshes (concurrent requests). */
export const REFRESH_GRACE_SECONDS = 10;
/** How long a registered client lives without a grant (registration to consent takes minutes). */
export const UNUSED_CLIENT_TTL_SECONDS = 24 * 3600;
/** Duplicates of one rotated refresh token answered within the grace window. */
export const REFRESH_GRACE_ANSWERS = 1;

export interface AdapterOptions {
  /** Resolves an https client_id to a Client ID Metadata Document (cimd.ts). */
  loadMetadataDocument(clientId: string): Promise<AdapterPayload | undefined>;
}

type Payload = AdapterPayload & Record<string, unknown>;

const epoch = (d: Date) => Math.floor(d.getTime() / 1000);
const expiry = (expiresIn: number | undefined) => Math.max(1, Math.floor(expiresIn ?? 3600));

/** Payload without its own id (`jti`): the id is a credential and is stored only hashed. */
function withoutId(payload: Payload): Payload {
  const { jti: _jti, ...rest } = payload;
  return rest as Payload;
}

/** The adapter factory handed to oidc-provider (`adapter` option): one adapter per model name. */
export function createAdapterFactory(db: Db, options: AdapterOptions): (name: string) => Adapter {
  return (name: string) => {
    switch (name) {
      case 'AccessToken':
        return accessTokens(db);
      case 'AuthorizationCode':
        return codes(db);
      case 'RefreshToken':
        return refreshTokens(db);
      case 'Grant':
        return grants(db);
      case 'Client':
        return clients(db, options);
      case 'Session':
        return sessions(db);
      case 'Interaction':
        return interactions(db);
      default:
        return misc(db, name);
    }
  };
}

const unsupported = async (): Promise<undefined> => undefined;

function accessTokens(db: Db): Adapter {
  return {
    async upsert(id, payload, expiresIn) {
      if (!payload.grantId || !payload.accountId) throw new Error('access token without grant or account');
      const grant = await db.query<{ tenant_id: string | null }>('SELECT tenant_id FROM oauth_grants WHERE id = $1', [payload.grantId]);
      const tenantId = grant.rows[0]?.tenant_id;
      // A grant is bound to its tenant on the consent page before any code exists.
      if (!tenantId) throw new errors.InvalidGrant('grant not bound to a tenant');
      const aud = Array.isArray(payload.aud) ? payload.aud[0] : payload.aud;
      await issueAccessToken(db, {
        value: id,
        tenantId,
        userId: payload.accountId,
        clientId: payload.clientId ?? null,
        grantId: payload.grantId,
        scopes: (payload.scope ?? '').split(' ').filter((s): s is Scope => ALL_SCOPES.includes(s as Scope)),
        audience: aud ?? null,
        ttlSeconds: expiry(expiresIn),
      });
    },
    async find(id) {
      const r = await db.query<{ user_id: string; client_id: string | null; grant_id: string | null; scopes: string[]; audience: string | null; created_at: Date; expires_at: Date }>(
        `SELECT user_id, client_id, grant_id, scopes, audience, created_at, expires_at
           FROM mcp_access_tokens WHERE token_sha256 = $1 AND revoked_at IS NULL AND expires_at > now()`,
        [hashToken(id)],
      );
      const row = r.rows[0];
      if (!row) return undefined;
      return {
        jti: id,
        kind: 'AccessToken',
        accountId: row.user_id,
        clientId: row.client_id ?? undefined,
        grantId: row.grant_id ?? undefined,
        scope: row.scopes.join(' '),
        aud: row.audience ?? undefined,
        iat: epoch(row.created_at),
        exp: epoch(row.expires_at),
        expiresWithSession: false,
      };
    },
    async destroy(id) {
      await db.query('UPDATE mcp_access_tokens SET revoked_at = now() WHERE token_sha256 = $1 AND revoked_at IS NULL', [hashToken(id)]);
    },
    async revokeByGrantId(grantId) {
      await db.query('UPDATE mcp_access_tokens SET revoked_at = now() WHERE grant_id = $1 AND revoked_at IS NULL', [grantId]);
    },
    consume: unsupported,
    findByUid: unsupported,
    findByUserCode: unsupported,
  };
}

/** Revokes everything a grant issued (used when a code or a refresh token is replayed). */
export async function revokeGrant(db: Queryable, grantId: string): Promise<void> {
  await db.query('UPDATE mcp_access_tokens SET revoked_at = now() WHERE grant_id = $1 AND revoked_at IS NULL', [grantId]);
  await db.query('DELETE FROM oauth_refresh_tokens WHERE grant_id = $1', [grantId]);
  await db.query('DELETE FROM oauth_codes WHERE grant_id = $1', [grantId]);
  await db.query('DELETE FROM oauth_grants WHERE id = $1', [grantId]);
}

function codes(db: Db): Adapter {
  return {
    async upsert(id, payload, expiresIn) {
      await db.query(
        `INSERT INTO oauth_codes (code_sha256, grant_id, client_id, payload, expires_at)
         VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))
         ON CONFLICT (code_sha256) DO UPDATE SET payload = EXCLUDED.payload`,
        [hashToken(id), payload.grantId, payload.clientId, withoutId(payload as Payload), expiry(expiresIn)],
      );
    },
    async find(id) {
      const r = await db.query<{ payload: Payload; consumed_at: Date | null }>(
        'SELECT payload, consumed_at FROM oauth_codes WHERE code_sha256 = $1 AND expires_at > now()',
        [hashToken(id)],
      );
      const row = r.rows[0];
      if (!row) return undefined;
      return { ...row.payload, jti: id, ...(row.consumed_at ? { consumed: epoch(row.consumed_at) } : {}) };
    },
    async consume(id) {
      // Atomic: of two concurrent exchanges of one code, exactly one wins; the other is a replay.
      const r = await db.query<{ grant_id: string }>(
        'UPDATE oauth_codes SET consumed_at = now() WHERE code_sha256 = $1 AND consumed_at IS NULL RETURNING grant_id',
        [hashToken(id)],
      );
      if (r.rowCount === 0) {
        const g = await db.query<{ grant_id: string }>('SELECT grant_id FROM oauth_codes WHERE code_sha256 = $1', [hashToken(id)]);
        if (g.rows[0]) await revokeGrant(db, g.rows[0].grant_id);
        throw new errors.InvalidGrant('authorization code already consumed');
      }
    },
    async destroy(id) {
      await db.query('DELETE FROM oauth_codes WHERE code_sha256 = $1', [hashToken(id)]);
    },
    async revokeByGrantId(grantId) {
      await db.query('DELETE FROM oauth_codes WHERE grant_id = $1', [grantId]);
    },
    findByUid: unsupported,
    findByUserCode: unsupported,
  };
}

function refreshTokens(db: Db): Adapter {
  return {
    async upsert(id, payload, expiresIn) {
      await db.query(
        `INSERT INTO oauth_refresh_tokens (token_sha256, grant_id, client_id, user_id, payload, expires_at)
         VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))
         ON CONFLICT (token_sha256) DO UPDATE SET payload = EXCLUDED.payload`,
        [hashToken(id), payload.grantId, payload.clientId, payload.accountId, withoutId(payload as Payload), expiry(expiresIn)],
      );
    },
    async find(id) {
      const r = await db.query<{ payload: Payload; consumed_at: Date | null; in_grace: boolean }>(
        `SELECT payload, consumed_at, (consumed_at > now() - make_interval(secs => $2)) AS in_grace
           FROM oauth_refresh_tokens WHERE token_sha256 = $1 AND expires_at > now()`,
        [hashToken(id), REFRESH_GRACE_SECONDS],
      );
      const row = r.rows[0];
      if (!row) return undefined;
      // Within the grace window a rotated token is answered as if fresh (see the file comment).
      const consumed = row.consumed_at && !row.in_grace ? { consumed: epoch(row.consumed_at) } : {};
      return { ...row.payload, jti: id, ...consumed };
    },
    async consume(id) {
      // Rotation, claimed under the row's lock: the first use consumes the token; within the grace
      // window, one more use (a concurrent duplicate) is answered; any further use is a replay, and
      // the whole grant goes, as for a replay after the window.
      const r = await db.query<{ grant_id: string }>(
        `UPDATE oauth_refresh_tokens
            SET grace_uses = grace_uses + (consumed_at IS NOT NULL)::int, consumed_at = coalesce(consumed_at, now())
          WHERE token_sha256 = $1
            AND (consumed_at IS NULL OR (consumed_at > now() - make_interval(secs => $2) AND grace_uses < $3))
          RETURNING grant_id`,
        [hashToken(id), REFRESH_GRACE_SECONDS, REFRESH_GRACE_ANSWERS],
      );
      if (r.rowCount > 0) return;
      const g = await db.query<{ grant_id: string }>('SELECT grant_id FROM oauth_refresh_tokens WHERE token_sha256 = $1', [hashToken(id)]);
      if (g.rows[0]) await revokeGrant(db, g.rows[0].grant_id);
      throw new errors.InvalidGrant('refresh token already used');
    },
    async destroy(id) {
      await db.query('DELETE FROM oauth_refresh_tokens WHERE token_sha256 = $1', [hashToken(id)]);
    },
    async revokeByGrantId(grantId) {
      await db.query('DELETE FROM oauth_refresh_tokens WHERE grant_id = $1', [grantId]);
    },
    findByUid: unsupported,
    findByUserCode: unsupported,
  };
}

function grants(db: Db): Adapter {
  return {
    async upsert(id, payload, expiresIn) {
      await db.query(
        `INSERT INTO oauth_grants (id, user_id, client_id, payload, expires_at)
         VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))
         ON CONFLICT (id) DO UPDATE SET payload = EXCLUDED.payload, expires_at = EXCLUDED.expires_at`,
        [id, payload.accountId, payload.clientId, withoutId(payload as Payload), expiry(expiresIn)],
      );
    },
    async find(id) {
      // Alive only while bound to a tenant that is opted in, the user is still a member,
      // and none of the grant's access tokens has been revoked (see the file comment).
      const r = await db.query<{ payload: Payload }>(
        `SELECT g.payload FROM oauth_grants g
           JOIN tenants tn ON tn.id = g.tenant_id AND tn.mcp_enabled
           JOIN memberships m ON m.tenant_id = g.tenant_id AND m.user_id = g.user_id
          WHERE g.id = $1 AND g.expires_at > now()
            AND NOT EXISTS (SELECT 1 FROM mcp_access_tokens t WHERE t.grant_id = g.id AND t.revoked_at IS NOT NULL)`,
        [id],
      );
      const row = r.rows[0];
      return row ? { ...row.payload, jti: id } : undefined;
    },
    async destroy(id) {
      await revokeGrant(db, id);
    },
    async revokeByGrantId(grantId) {
      await revokeGrant(db, grantId);
    },
    consume: unsupported,
    findByUid: unsupported,
    findByUserCode: unsupported,
  };
}

/** https client ids are Client ID Metadata Documents; anything else was registered here. */
export const isMetadataDocumentId = (id: string) => id.startsWith('https://');

function clients(db: Db, options: AdapterOptions): Adapter {
  return {
    async upsert(id, payload) {
      await db.query(
        `INSERT INTO oauth_clients (client_id, source, client_name, metadata) VALUES ($1, 'registration', $2, $3)
         ON CONFLICT (client_id) DO UPDATE SET metadata = EXCLUDED.metadata, client_name = EXCLUDED.client_name`,
        [id, payload.client_name ?? null, payload],
      );
    },
    async find(id) {
      if (isMetadataDocumentId(id)) return options.loadMetadataDocument(id);
      const r = await db.query<{ metadata: Payload }>(
        `SELECT metadata FROM oauth_clients WHERE client_id = $1 AND source = 'registration'`,
        [id],
      );
      return r.rows[0]?.metadata;
    },
    async destroy(id) {
      await db.query('DELETE FROM oauth_clients WHERE client_id = $1', [id]);
    },
    consume: unsupported,
    revokeByGrantId: unsupported,
    findByUid: unsupported,
    findByUserCode: unsupported,
  };
}

function sessions(db: Db): Adapter {
  return {
    async upsert(id, payload, expiresIn) {
      await db.query(
        `INSERT INTO oauth_sessions (id_sha256, uid, account_id, payload, expires_at)
         VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))
         ON CONFLICT (id_sha256) DO UPDATE SET account_id = EXCLUDED.account_id, payload = EXCLUDED.payload, expires_at = EXCLUDED.expires_at`,
        [hashToken(id), payload.uid, payload.accountId ?? null, withoutId(payload as Payload), expiry(expiresIn)],
      );
    },
    async find(id) {
      const r = await db.query<{ payload: Payload }>('SELECT payload FROM oauth_sessions WHERE id_sha256 = $1 AND expires_at > now()', [hashToken(id)]);
      return r.rows[0] ? { ...r.rows[0].payload, jti: id } : undefined;
    },
    async findByUid(uid) {
      // Used only to compare the principal (interactions, session-bound tokens): no id needed.
      const r = await db.query<{ payload: Payload }>('SELECT payload FROM oauth_sessions WHERE uid = $1 AND expires_at > now()', [uid]);
      return r.rows[0]?.payload;
    },
    async destroy(id) {
      await db.query('DELETE FROM oauth_sessions WHERE id_sha256 = $1', [hashToken(id)]);
    },
    consume: unsupported,
    revokeByGrantId: unsupported,
    findByUserCode: unsupported,
  };
}

function interactions(db: Db): Adapter {
  return {
    async upsert(id, payload, expiresIn) {
      // The provider copies the session cookie value into the interaction; it is never read back.
      const stored = withoutId(payload as Payload);
      if (stored.session) stored.session = { ...stored.session, cookie: undefined };
      await db.query(
        `INSERT INTO oauth_interactions (id_sha256, payload, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))
         ON CONFLICT (id_sha256) DO UPDATE SET payload = EXCLUDED.payload, expires_at = EXCLUDED.expires_at`,
        [hashToken(id), JSON.parse(JSON.stringify(stored)), expiry(expiresIn)],
      );
    },
    async find(id) {
      const r = await db.query<{ payload: Payload }>('SELECT payload FROM oauth_interactions WHERE id_sha256 = $1 AND expires_at > now()', [hashToken(id)]);
      return r.rows[0] ? { ...r.rows[0].payload, jti: id } : undefined;
    },
    async destroy(id) {
      await db.query('DELETE FROM oauth_interactions WHERE id_sha256 = $1', [hashToken(id)]);
    },
    consume: unsupported,
    revokeByGrantId: unsupported,
    findByUid: unsupported,
    findByUserCode: unsupported,
  };
}

function misc(db: Db, model: string): Adapter {
  return {
    async upsert(id, payload, expiresIn) {
      await db.query(
        `INSERT INTO oauth_misc (model, id_sha256, grant_id, payload, expires_at) VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))
         ON CONFLICT (model, id_sha256) DO UPDATE SET payload = EXCLUDED.payload, expires_at = EXCLUDED.expires_at`,
        [model, hashToken(id), payload.grantId ?? null, withoutId(payload as Payload), expiry(expiresIn)],
      );
    },
    async find(id) {
      const r = await db.query<{ payload: Payload; consumed_at: Date | null }>(
        'SELECT payload, consumed_at FROM oauth_misc WHERE model = $1 AND id_sha256 = $2 AND expires_at > now()',
        [model, hashToken(id)],
      );
      const row = r.rows[0];
      if (!row) return undefined;
      return { ...row.payload, jti: id, ...(row.consumed_at ? { consumed: epoch(row.consumed_at) } : {}) };
    },
    async consume(id) {
      await db.query('UPDATE oauth_misc SET consumed_at = now() WHERE model = $1 AND id_sha256 = $2', [model, hashToken(id)]);
    },
    async destroy(id) {
      await db.query('DELETE FROM oauth_misc WHERE model = $1 AND id_sha256 = $2', [model, hashToken(id)]);
    },
    async revokeByGrantId(grantId) {
      await db.query('DELETE FROM oauth_misc WHERE model = $1 AND grant_id = $2', [model, grantId]);
    },
    findByUid: unsupported,
    findByUserCode: unsupported,
  };
}

/** Deletes expired OAuth state; run periodically by the hub (rows are never returned once expired anyway). */
export async function sweepExpired(db: Queryable): Promise<void> {
  for (const table of ['oauth_codes', 'oauth_refresh_tokens', 'oauth_sessions', 'oauth_interactions', 'oauth_misc', 'oauth_grants', 'web_sessions']) {
    await db.query(`DELETE FROM ${table} WHERE expires_at < now() - interval '1 day'`);
  }
  await db.query(`DELETE FROM oauth_clients WHERE expires_at IS NOT NULL AND expires_at < now() - interval '1 day'`);
  // Registration is open (RFC 7591), so a registered client that nobody connected with goes after a
  // day, and one whose grants have all ended goes once its last access token has expired: the table
  // holds the clients in use, however many registrations are sent.
  await db.query(
    `DELETE FROM oauth_clients c
      WHERE c.source = 'registration' AND c.created_at < now() - make_interval(secs => $1)
        AND NOT EXISTS (SELECT 1 FROM oauth_grants g WHERE g.client_id = c.client_id AND g.expires_at > now())
        AND NOT EXISTS (SELECT 1 FROM mcp_access_tokens t WHERE t.client_id = c.client_id AND t.expires_at > now() AND t.revoked_at IS NULL)`,
    [UNUSED_CLIENT_TTL_SECONDS],
  );
  await db.query(`DELETE FROM rate_limits WHERE window_start < now() - interval '1 day'`);
}
