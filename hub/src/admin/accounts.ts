/** Administrative operations behind the hub CLI: tenants, users, memberships. */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/types.js';
import { hashPassword } from '../auth/passwords.js';
import type { Role } from '../../../shared/index.js';

export class AdminError extends Error {
  override name = 'AdminError';
}

export interface TenantRow {
  id: string;
  slug: string;
  name: string;
  mcp_enabled: boolean;
  pseudonymize: boolean;
}

export async function findTenant(db: Queryable, slug: string): Promise<TenantRow> {
  const r = await db.query<TenantRow>('SELECT id, slug, name, mcp_enabled, pseudonymize FROM tenants WHERE slug = $1', [slug]);
  if (!r.rows[0]) throw new AdminError(`No tenant with slug "${slug}". List them with: hub tenant list`);
  return r.rows[0];
}

export async function listTenants(db: Queryable): Promise<TenantRow[]> {
  return (await db.query<TenantRow>('SELECT id, slug, name, mcp_enabled, pseudonymize FROM tenants ORDER BY slug')).rows;
}

export async function createTenant(db: Queryable, t: { slug: string; name: string; mcpEnabled?: boolean }): Promise<TenantRow> {
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(t.slug)) throw new AdminError('A tenant slug is lower-case letters, digits and "-", at most 63 characters.');
  const r = await db.query<TenantRow>(
    `INSERT INTO tenants (id, slug, name, mcp_enabled) VALUES ($1, $2, $3, $4)
     ON CONFLICT (slug) DO NOTHING RETURNING id, slug, name, mcp_enabled, pseudonymize`,
    [randomUUID(), t.slug, t.name, t.mcpEnabled ?? false],
  );
  if (!r.rows[0]) throw new AdminError(`A tenant with slug "${t.slug}" exists already.`);
  return r.rows[0];
}

/** The audit events of a tenant's decisions about the connector, written by the console and the CLI alike. */
export const DECISIONS = ['connector_enabled', 'connector_disabled', 'sovereignty_enabled', 'sovereignty_disabled'];

/** An audit row for a decision about the tenant, made in the console (a person) or by the CLI (actor null). */
export async function writeDecision(db: Queryable, tenantId: string, actor: { userId: string; email: string } | null, eventType: string, metadata: object): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (tenant_id, id, event_type, actor_user_id, actor_email, target_type, target_id, metadata)
     VALUES ($1, $2, $3, $4, $5, 'tenant', $7, $6::jsonb)`,
    [tenantId, randomUUID(), eventType, actor?.userId ?? null, actor?.email ?? null, JSON.stringify(metadata), tenantId],
  );
}

/** Turns the per-tenant connector opt-in on or off (audited). Off blocks authorization and every existing token. */
export async function setTenantMcp(db: Queryable, slug: string, enabled: boolean): Promise<TenantRow> {
  const r = await db.query<TenantRow>('UPDATE tenants SET mcp_enabled = $2 WHERE slug = $1 RETURNING id, slug, name, mcp_enabled, pseudonymize', [slug, enabled]);
  if (!r.rows[0]) throw new AdminError(`No tenant with slug "${slug}".`);
  await writeDecision(db, r.rows[0].id, null, enabled ? 'connector_enabled' : 'connector_disabled', { via: 'cli' });
  return r.rows[0];
}

/** Sovereignty mode (audited): identifiers in tool outputs are replaced by stable per-tenant pseudonyms. */
export async function setTenantPseudonymize(db: Queryable, slug: string, on: boolean): Promise<TenantRow> {
  const r = await db.query<TenantRow>('UPDATE tenants SET pseudonymize = $2 WHERE slug = $1 RETURNING id, slug, name, mcp_enabled, pseudonymize', [slug, on]);
  if (!r.rows[0]) throw new AdminError(`No tenant with slug "${slug}".`);
  await writeDecision(db, r.rows[0].id, null, on ? 'sovereignty_enabled' : 'sovereignty_disabled', { via: 'cli' });
  return r.rows[0];
}

export async function findUserByEmail(db: Queryable, email: string): Promise<{ id: string; email: string; name: string }> {
  const r = await db.query<{ id: string; email: string; name: string }>('SELECT id, email, name FROM users WHERE email = $1', [email.toLowerCase()]);
  if (!r.rows[0]) throw new AdminError(`No user with e-mail "${email}".`);
  return r.rows[0];
}

export async function roleOf(db: Queryable, tenantId: string, userId: string): Promise<Role> {
  const r = await db.query<{ role: Role }>('SELECT role FROM memberships WHERE tenant_id = $1 AND user_id = $2', [tenantId, userId]);
  if (!r.rows[0]) throw new AdminError('That user is not a member of that tenant.');
  return r.rows[0].role;
}

/** Creates the user if needed (password set only on creation or when given) and adds the membership. */
export async function addUser(
  db: Queryable,
  u: { email: string; name?: string; password?: string; tenantSlug: string; role: Role },
): Promise<{ id: string; created: boolean }> {
  const email = u.email.toLowerCase();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new AdminError(`"${u.email}" is not an e-mail address.`);
  if (u.password !== undefined && u.password.length < 10) throw new AdminError('A password has at least 10 characters.');
  const tenant = await findTenant(db, u.tenantSlug);
  const hash = u.password === undefined ? null : await hashPassword(u.password);
  const r = await db.query<{ id: string; created: boolean }>(
    `INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, $3, $4)
     ON CONFLICT (email) DO UPDATE SET password_hash = COALESCE(EXCLUDED.password_hash, users.password_hash)
     RETURNING id, (xmax = 0) AS created`,
    [randomUUID(), email, u.name ?? email.split('@')[0]!, hash],
  );
  const user = r.rows[0]!;
  await db.query(
    `INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, $3)
     ON CONFLICT (tenant_id, user_id) DO UPDATE SET role = EXCLUDED.role`,
    [tenant.id, user.id, u.role],
  );
  return user;
}
