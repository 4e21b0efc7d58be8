/**
 * vuln_matches from inventories and OSV advisories. SQL finds the candidate pairs (same manager,
 * same package name — binary or source — same distribution and release); the ecosystem's comparator
 * decides which installed versions lie in an affected interval; SQL then opens and resolves matches
 * as sets. Always per tenant and per batch of agents, each batch in one transaction.
 * Only advisories imported from OSV (osv_id set) are matched here: the demo seed's rows are left alone.
 */
import type { Db, Queryable } from '../db/types.js';
import { COMPARATORS, type PackageManager } from '../versions/index.js';
import { isAffected, type Interval } from './ranges.js';

export interface MatchStats {
  /** Matches created, reopened or whose installed version changed. */
  opened: number;
  resolved: number;
}

interface Candidate {
  agent_id: string;
  advisory_id: string;
  ecosystem: PackageManager;
  version: string;
  ranges: Interval[] | string;
}

/** Re-matches the given agents of one tenant. Runs on the caller's transaction. */
export async function matchAgents(tx: Queryable, tenantId: string, agentIds: string[]): Promise<MatchStats> {
  if (!agentIds.length) return { opened: 0, resolved: 0 };
  const candidates = await tx.query<Candidate>(
    `SELECT p.agent_id, v.id AS advisory_id, v.ecosystem, v.ranges,
            CASE WHEN v.package = p.name THEN p.version ELSE coalesce(p.source_version, p.version) END AS version
       FROM agent_packages p
       JOIN agents a ON a.tenant_id = p.tenant_id AND a.id = p.agent_id
       JOIN vuln_advisories v
         ON v.osv_id IS NOT NULL AND v.withdrawn_at IS NULL
        AND v.ecosystem = p.ecosystem AND v.distro = a.distro
        AND (v.distro_release IS NULL OR v.distro_release = a.distro_release)
        AND (v.package = p.name OR v.package = p.source_name)
      WHERE p.tenant_id = $1 AND p.agent_id = ANY($2::uuid[])`,
    [tenantId, agentIds],
  );

  // An advisory is open on a host when any of its packages (binary or source name) is in range.
  const open = new Map<string, { agent: string; advisory: string; version: string }>();
  for (const c of candidates.rows) {
    const key = `${c.agent_id} ${c.advisory_id}`;
    if (open.has(key)) continue;
    const ranges = (typeof c.ranges === 'string' ? JSON.parse(c.ranges) : c.ranges) as Interval[];
    if (isAffected(c.version, ranges, COMPARATORS[c.ecosystem])) open.set(key, { agent: c.agent_id, advisory: c.advisory_id, version: c.version });
  }
  const rows = [...open.values()];
  const agents = rows.map((r) => r.agent);
  const advisories = rows.map((r) => r.advisory);

  const opened = await tx.query(
    `INSERT INTO vuln_matches (tenant_id, agent_id, advisory_id, installed_version)
     SELECT $1, k.agent, k.advisory, k.version FROM unnest($2::uuid[], $3::text[], $4::text[]) AS k(agent, advisory, version)
     ON CONFLICT (tenant_id, agent_id, advisory_id) DO UPDATE
        SET installed_version = excluded.installed_version, resolved_at = NULL
      WHERE vuln_matches.resolved_at IS NOT NULL OR vuln_matches.installed_version <> excluded.installed_version`,
    [tenantId, agents, advisories, rows.map((r) => r.version)],
  );
  const resolved = await tx.query(
    `UPDATE vuln_matches m SET resolved_at = now()
       FROM vuln_advisories v
      WHERE m.tenant_id = $1 AND m.agent_id = ANY($2::uuid[]) AND m.resolved_at IS NULL
        AND v.id = m.advisory_id AND v.osv_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM unnest($3::uuid[], $4::text[]) AS k(agent, advisory)
                         WHERE k.agent = m.agent_id AND k.advisory = m.advisory_id)`,
    [tenantId, agentIds, agents, advisories],
  );
  return { opened: opened.rowCount, resolved: resolved.rowCount };
}

/** Re-matches every agent of every tenant (or of one tenant), `batchSize` agents per transaction. */
export async function recomputeMatches(db: Db, o: { tenantId?: string; batchSize?: number } = {}): Promise<MatchStats> {
  const batchSize = o.batchSize ?? 250;
  const total: MatchStats = { opened: 0, resolved: 0 };
  const tenants = o.tenantId ? [o.tenantId] : (await db.query<{ id: string }>('SELECT id FROM tenants ORDER BY id')).rows.map((t) => t.id);
  for (const tenantId of tenants) {
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const batch = (
        await db.query<{ id: string }>('SELECT id FROM agents WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3', [tenantId, after, batchSize])
      ).rows.map((r) => r.id);
      if (!batch.length) break;
      const s = await db.transaction((tx) => matchAgents(tx, tenantId, batch));
      total.opened += s.opened;
      total.resolved += s.resolved;
      after = batch[batch.length - 1]!;
    }
  }
  return total;
}
