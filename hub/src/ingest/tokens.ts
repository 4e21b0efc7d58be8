/**
 * Enrollment tokens (`men_…`): what a monsys agent presents to the ingest API. Issued by the hub
 * CLI for one tenant, stored only as SHA-256 (256 random bits need no slow hash), revocable, and
 * bound to the first agent id that uses them. Users' `mat_` tokens are never accepted here, nor
 * these anywhere else: the prefixes keep the two kinds apart.
 */
import { randomUUID } from 'node:crypto';
import { hashToken, newTokenValue } from '../auth/tokens.js';
import type { Queryable } from '../db/types.js';
import { ForbiddenError, UnauthorizedError } from '../errors.js';

export const ENROLLMENT_TOKEN_PREFIX = 'men_';
const SHAPE = /^men_[A-Za-z0-9_-]{43}$/;

export interface AgentPrincipal {
  tokenId: string;
  tenantId: string;
  /** The agent this token speaks for, once bound by its first request. */
  agentId: string | null;
}

export interface EnrollmentTokenInfo {
  id: string;
  name: string;
  agent_id: string | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** Stores a new token's hash for a tenant and returns the raw value (shown once, never stored). */
export async function issueEnrollmentToken(db: Queryable, tenantId: string, name: string): Promise<{ id: string; value: string }> {
  const value = newTokenValue(ENROLLMENT_TOKEN_PREFIX);
  const id = randomUUID();
  await db.query('INSERT INTO enrollment_tokens (id, token_sha256, tenant_id, name) VALUES ($1, $2, $3, $4)', [id, hashToken(value), tenantId, name]);
  return { id, value };
}

/** True when a live token matched and is now revoked. */
export async function revokeEnrollmentToken(db: Queryable, value: string): Promise<boolean> {
  const r = await db.query('UPDATE enrollment_tokens SET revoked_at = now() WHERE token_sha256 = $1 AND revoked_at IS NULL', [hashToken(value)]);
  return r.rowCount > 0;
}

export async function listEnrollmentTokens(db: Queryable, tenantId: string): Promise<EnrollmentTokenInfo[]> {
  const r = await db.query<EnrollmentTokenInfo>(
    'SELECT id, name, agent_id, created_at, last_used_at, revoked_at FROM enrollment_tokens WHERE tenant_id = $1 ORDER BY created_at, id',
    [tenantId],
  );
  return r.rows;
}

/** Resolves `Authorization: Bearer men_…`; one 401 message for missing, unknown and revoked tokens. */
export async function verifyEnrollmentToken(db: Queryable, value: string | undefined): Promise<AgentPrincipal> {
  if (value?.startsWith('mat_')) {
    throw new UnauthorizedError('The ingest API takes an agent enrollment token (men_…), not a user access token. Issue one with: hub enroll issue.');
  }
  const invalid = new UnauthorizedError('The enrollment token is missing, invalid or revoked. Issue a new one with: hub enroll issue.');
  if (!value || !SHAPE.test(value)) throw invalid;
  const r = await db.query<{ id: string; tenant_id: string; agent_id: string | null; stale: boolean }>(
    `SELECT id, tenant_id, agent_id, (last_used_at IS NULL OR last_used_at < now() - interval '60 seconds') AS stale
       FROM enrollment_tokens WHERE token_sha256 = $1 AND revoked_at IS NULL`,
    [hashToken(value)],
  );
  const row = r.rows[0];
  if (!row) throw invalid;
  // Written at most once a minute per token, so a busy agent does not turn every request into a write.
  if (row.stale) await db.query('UPDATE enrollment_tokens SET last_used_at = now() WHERE id = $1', [row.id]);
  return { tokenId: row.id, tenantId: row.tenant_id, agentId: row.agent_id };
}

/** The one message for an agent id this token may not write for: bound elsewhere, or another tenant's. */
export class AgentMismatchError extends ForbiddenError {
  constructor() {
    super('forbidden', 'This enrollment token cannot write for this agent id. Each agent needs its own token (hub enroll issue).', { field: 'agent_id' });
  }
}

/**
 * Checks that the token may write for `agentId` and binds an unbound token to it. Refuses an id
 * bound to another token or enrolled in another tenant (agent ids are unique across the hub).
 */
export async function bindAgent(tx: Queryable, p: AgentPrincipal, agentId: string): Promise<void> {
  if (p.agentId && p.agentId !== agentId) throw new AgentMismatchError();
  const elsewhere = await tx.query('SELECT 1 FROM agents WHERE id = $1 AND tenant_id <> $2', [agentId, p.tenantId]);
  if (elsewhere.rows.length) throw new AgentMismatchError();
  if (!p.agentId) {
    const other = await tx.query('SELECT 1 FROM enrollment_tokens WHERE tenant_id = $1 AND agent_id = $2 AND id <> $3 AND revoked_at IS NULL', [
      p.tenantId,
      agentId,
      p.tokenId,
    ]);
    if (other.rows.length) throw new AgentMismatchError();
    // The row lock makes concurrent first calls take turns: the first binds the token, and the others
    // find it bound (to their id: fine; to another: refused) when their UPDATE re-reads the row.
    const bound = await tx.query('UPDATE enrollment_tokens SET agent_id = $2 WHERE id = $1 AND (agent_id IS NULL OR agent_id = $2)', [p.tokenId, agentId]);
    if (bound.rowCount === 0) throw new AgentMismatchError();
    p.agentId = agentId;
  }
}
