/**
 * What the console reads and changes. Every query is scoped by the tenant the signed-in user is a
 * member of (resolved by `membershipsOf`, never taken from a form), and by the user's own id where
 * the role sees only its own rows.
 */
import { ALL_SCOPES, CATALOGUE, DATA_KINDS, roleAtLeast, type DataKind, type Role } from '../../../shared/index.js';
import type { Principal } from '../auth/tokens.js';
import type { Queryable } from '../db/types.js';

export interface Membership {
  id: string;
  slug: string;
  name: string;
  role: Role;
  mcpEnabled: boolean;
  pseudonymize: boolean;
  /** The tenant requires two-factor sign-in of every member. */
  requireTotp: boolean;
}

export async function membershipsOf(db: Queryable, userId: string): Promise<Membership[]> {
  const r = await db.query<{ id: string; slug: string; name: string; role: Role; mcp_enabled: boolean; pseudonymize: boolean; require_totp: boolean }>(
    `SELECT t.id, t.slug, t.name, m.role, t.mcp_enabled, t.pseudonymize, t.require_totp FROM memberships m JOIN tenants t ON t.id = m.tenant_id
      WHERE m.user_id = $1 ORDER BY t.name, t.slug`,
    [userId],
  );
  return r.rows.map((t) => ({ id: t.id, slug: t.slug, name: t.name, role: t.role, mcpEnabled: t.mcp_enabled, pseudonymize: t.pseudonymize, requireTotp: t.require_totp }));
}

/** The signed-in person as a principal of one tenant, for the services (which audit as this user). */
export function consolePrincipal(t: Membership, user: { userId: string; email: string }): Principal {
  return {
    tokenId: '',
    tenantId: t.id,
    tenantSlug: t.slug,
    userId: user.userId,
    email: user.email,
    role: t.role,
    scopes: [...ALL_SCOPES],
    clientId: null,
    audience: null,
    expiresAt: new Date(),
    pseudonymize: false,
  };
}

export const isAdmin = (t: Membership) => roleAtLeast(t.role, 'admin');

/** The kinds of data the model receives through the tools, and the ones sovereignty mode replaces by pseudonyms. */
export const MODEL_DATA = (Object.keys(DATA_KINDS) as DataKind[]).filter((k) => CATALOGUE.some((t) => t.dataFlow.includes(k)));
export const PSEUDONYMISED: DataKind[] = ['hostname', 'ip', 'user', 'email'];

export { DECISIONS } from '../admin/accounts.js';

export async function auditRows(db: Queryable, tenantId: string, types: string[], actorId: string | null, limit = 20) {
  const r = await db.query<{ occurred_at: Date; event_type: string; actor_email: string | null; target_id: string | null; metadata: Record<string, unknown> }>(
    `SELECT occurred_at, event_type, actor_email, target_id, metadata FROM audit_log
      WHERE tenant_id = $1 AND event_type = ANY($2::text[]) AND ($3::uuid IS NULL OR actor_user_id = $3)
      ORDER BY occurred_at DESC LIMIT $4`,
    [tenantId, types, actorId, limit],
  );
  return r.rows;
}

export async function tokensOf(db: Queryable, tenantId: string, userId: string | null) {
  const r = await db.query<{ id: string; email: string; user_id: string; client: string | null; scopes: string[]; created_at: Date; last_used_at: Date | null; expires_at: Date }>(
    `SELECT t.id, u.email, t.user_id, coalesce(c.client_name, t.client_id) AS client, t.scopes, t.created_at, t.last_used_at, t.expires_at
       FROM mcp_access_tokens t JOIN users u ON u.id = t.user_id LEFT JOIN oauth_clients c ON c.client_id = t.client_id
      WHERE t.tenant_id = $1 AND ($2::uuid IS NULL OR t.user_id = $2) AND t.revoked_at IS NULL AND t.expires_at > now()
      ORDER BY t.created_at DESC LIMIT 200`,
    [tenantId, userId],
  );
  return r.rows;
}

/** Revokes live tokens of the tenant (one by id, or every one of a user); returns how many, and their grants. */
export async function revokeTokens(db: Queryable, tenantId: string, o: { id?: string; userId?: string; onlyOf?: string }): Promise<{ revoked: number; grants: string[] }> {
  const r = await db.query<{ grant_id: string | null }>(
    `UPDATE mcp_access_tokens SET revoked_at = now()
      WHERE tenant_id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR id = $2) AND ($3::uuid IS NULL OR user_id = $3) AND ($4::uuid IS NULL OR user_id = $4)
      RETURNING grant_id`,
    [tenantId, o.id ?? null, o.userId ?? null, o.onlyOf ?? null],
  );
  return { revoked: r.rowCount, grants: r.rows.flatMap((row) => (row.grant_id ? [row.grant_id] : [])) };
}

export const CALLS_PAGE = 50;

export async function callsOf(db: Queryable, tenantId: string, f: { userId: string | null; tool?: string; status?: string; page: number }) {
  const r = await db.query<{ called_at: Date; tool_name: string; actor_email: string | null; client: string | null; door: string; result_status: string; duration_ms: number; args_sha256: string }>(
    `SELECT l.called_at, l.tool_name, l.actor_email, coalesce(c.client_name, l.client_id) AS client, l.door, l.result_status, l.duration_ms, l.args_sha256
       FROM mcp_call_log l LEFT JOIN oauth_clients c ON c.client_id = l.client_id
      WHERE l.tenant_id = $1 AND ($2::uuid IS NULL OR l.user_id = $2) AND ($3::text IS NULL OR l.tool_name = $3) AND ($4::text IS NULL OR l.result_status = $4)
      ORDER BY l.called_at DESC LIMIT $5 OFFSET $6`,
    [tenantId, f.userId, f.tool ?? null, f.status ?? null, CALLS_PAGE + 1, f.page * CALLS_PAGE],
  );
  return { rows: r.rows.slice(0, CALLS_PAGE), more: r.rows.length > CALLS_PAGE };
}

export async function acknowledged(db: Queryable, tenantId: string) {
  const r = await db.query<{ id: string; title: string; severity: string; hostname: string; acked_at: Date; acked_by: string | null }>(
    `SELECT d.id, d.title, d.severity, a.hostname, d.acked_at, u.email AS acked_by
       FROM detected_events d JOIN agents a ON a.tenant_id = d.tenant_id AND a.id = d.agent_id LEFT JOIN users u ON u.id = d.acked_by
      WHERE d.tenant_id = $1 AND d.acked_at IS NOT NULL ORDER BY d.acked_at DESC LIMIT 100`,
    [tenantId],
  );
  return r.rows;
}

export async function agentsOf(db: Queryable, tenantId: string) {
  const r = await db.query<{ hostname: string; status: string; last_seen_at: Date | null }>(
    'SELECT hostname, status, last_seen_at FROM agents WHERE tenant_id = $1 ORDER BY hostname LIMIT 500',
    [tenantId],
  );
  return r.rows;
}
