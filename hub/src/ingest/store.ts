/**
 * The writes behind the ingest API. Each request is one transaction: everything in a batch is
 * written, or nothing. Every statement carries the tenant of the verified enrollment token.
 */
import type { Queryable } from '../db/types.js';
import { ToolError, UserInputError } from '../errors.js';
import { fromOsRelease, OS_RELEASE_IDS, type DistroTarget } from '../osv/ecosystems.js';
import { matchAgents } from '../osv/match.js';
import type { Events, Heartbeat, Inventory } from './schemas.js';
import { AgentMismatchError, bindAgent, type AgentPrincipal } from './tokens.js';

function distroOf(osRelease: { id: string; version_id?: string }): DistroTarget {
  const d = fromOsRelease(osRelease.id, osRelease.version_id);
  if (!d) throw new UserInputError(`Invalid field "os_release.id": unsupported distribution; one of ${OS_RELEASE_IDS.join(', ')}.`, 'os_release.id');
  return d;
}

async function requireAgent(tx: Queryable, p: AgentPrincipal, agentId: string): Promise<void> {
  await bindAgent(tx, p, agentId);
  const r = await tx.query('SELECT 1 FROM agents WHERE tenant_id = $1 AND id = $2', [p.tenantId, agentId]);
  if (!r.rows.length) throw new ToolError('not_found', 'Unknown agent: send a heartbeat before its inventory or events.', { field: 'agent_id' });
}

/** Creates or updates the agent; last_seen_at is the hub's clock, not the agent's. */
export async function recordHeartbeat(tx: Queryable, p: AgentPrincipal, h: Heartbeat): Promise<void> {
  await bindAgent(tx, p, h.agent_id);
  const d = distroOf(h.os_release);
  await guardAgentId(() => tx.query(
    `INSERT INTO agents (tenant_id, id, hostname, ip, country_code, os, os_family, kernel_version, tags, status,
                         cpu_pct, mem_pct, disk_pct, last_seen_at, distro, distro_release)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, now(), $14, $15)
     ON CONFLICT (tenant_id, id) DO UPDATE SET
       hostname = excluded.hostname, ip = excluded.ip, country_code = excluded.country_code, os = excluded.os,
       os_family = excluded.os_family, kernel_version = excluded.kernel_version, tags = excluded.tags, status = excluded.status,
       cpu_pct = excluded.cpu_pct, mem_pct = excluded.mem_pct, disk_pct = excluded.disk_pct, last_seen_at = now(),
       distro = excluded.distro, distro_release = excluded.distro_release`,
    [p.tenantId, h.agent_id, h.hostname, h.ip, h.country_code ?? null, h.os, d.family, h.kernel_version, h.tags, h.status,
     h.cpu_pct, h.mem_pct, h.disk_pct, d.distro, d.release],
  ));
}

/**
 * Agent ids are unique across the hub (index agents_id). Two tenants enrolling the same new id at the
 * same moment both pass bindAgent's check; the loser's insert hits the index and is told what a
 * sequential second caller is told.
 */
async function guardAgentId<T>(insert: () => Promise<T>): Promise<T> {
  try {
    return await insert();
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw new AgentMismatchError();
    throw err;
  }
}

/** Replaces the agent's package list and re-matches it against the imported advisories. */
export async function replaceInventory(tx: Queryable, p: AgentPrincipal, inv: Inventory): Promise<{ packages: number; open_advisories: number }> {
  await requireAgent(tx, p, inv.agent_id);
  const d = distroOf(inv.os_release);
  await tx.query('UPDATE agents SET distro = $3, distro_release = $4 WHERE tenant_id = $1 AND id = $2', [p.tenantId, inv.agent_id, d.distro, d.release]);
  await tx.query('DELETE FROM agent_packages WHERE tenant_id = $1 AND agent_id = $2', [p.tenantId, inv.agent_id]);
  const pk = inv.packages;
  // Multi-arch hosts list a name once per architecture; one row per name is kept.
  const inserted = await tx.query(
    `INSERT INTO agent_packages (tenant_id, agent_id, ecosystem, name, version, source_name, source_version)
     SELECT $1, $2, $3, k.name, k.version, k.source, k.source_version
       FROM unnest($4::text[], $5::text[], $6::text[], $7::text[]) AS k(name, version, source, source_version)
     ON CONFLICT (tenant_id, agent_id, ecosystem, name) DO NOTHING`,
    [p.tenantId, inv.agent_id, d.manager, pk.map((x) => x.name), pk.map((x) => x.version), pk.map((x) => x.source ?? null), pk.map((x) => x.source_version ?? null)],
  );
  await matchAgents(tx, p.tenantId, [inv.agent_id]);
  const open = await tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM vuln_matches m JOIN vuln_advisories v ON v.id = m.advisory_id
      WHERE m.tenant_id = $1 AND m.agent_id = $2 AND m.resolved_at IS NULL AND v.withdrawn_at IS NULL`,
    [p.tenantId, inv.agent_id],
  );
  return { packages: inserted.rowCount, open_advisories: open.rows[0]!.n };
}

export interface EventsResult {
  inserted: { detections: number; alerts: number; auth_events: number };
  /** Items whose id was already stored (a retried batch): skipped, not duplicated. */
  duplicates: { detections: number; alerts: number; auth_events: number };
}

/**
 * Stores detections, alerts and auth events; ids already stored are skipped (ON CONFLICT DO NOTHING),
 * so a retried batch adds nothing. Links between auth events and detections must point at ids of this
 * tenant, in the batch or stored before.
 */
export async function storeEvents(tx: Queryable, p: AgentPrincipal, b: Events): Promise<EventsResult> {
  await requireAgent(tx, p, b.agent_id);
  const t = p.tenantId;
  const a = b.agent_id;

  const wantedDetections = new Set(b.auth_events.flatMap((e) => (e.detection_id ? [e.detection_id] : [])));
  const wantedAuth = new Set(b.detections.flatMap((d) => d.auth_event_ids ?? []));
  const batchDetections = new Set(b.detections.map((d) => d.id));
  const batchAuth = new Set(b.auth_events.map((e) => e.id));
  const storedDetections = await existing(tx, 'detected_events', t, [...wantedDetections].filter((id) => !batchDetections.has(id)));
  const storedAuth = await existing(tx, 'auth_events', t, [...wantedAuth].filter((id) => !batchAuth.has(id)));
  b.auth_events.forEach((e, i) => {
    if (e.detection_id && !batchDetections.has(e.detection_id) && !storedDetections.has(e.detection_id)) {
      throw new UserInputError(`Invalid field "auth_events.${i}.detection_id": no such detection in this batch or this tenant.`, `auth_events.${i}.detection_id`);
    }
  });
  b.detections.forEach((d, i) =>
    (d.auth_event_ids ?? []).forEach((id, j) => {
      if (!batchAuth.has(id) && !storedAuth.has(id)) {
        const field = `detections.${i}.auth_event_ids.${j}`;
        throw new UserInputError(`Invalid field "${field}": no such auth event in this batch or this tenant.`, field);
      }
    }),
  );

  const ds = b.detections;
  const det = await tx.query(
    `INSERT INTO detected_events (tenant_id, id, agent_id, kind, severity, title, description, src_ip, src_country,
                                  target_user, process_cmdline, user_agent, detected_at)
     SELECT $1, k.id, $2, k.kind, k.severity, k.title, k.description, k.src_ip, k.src_country, k.target_user, k.cmd, k.ua, k.at
       FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::timestamptz[])
            AS k(id, kind, severity, title, description, src_ip, src_country, target_user, cmd, ua, at)
     ON CONFLICT (tenant_id, id) DO NOTHING`,
    [t, a, ds.map((d) => d.id), ds.map((d) => d.kind), ds.map((d) => d.severity), ds.map((d) => d.title), ds.map((d) => d.description),
     ds.map((d) => d.src_ip ?? null), ds.map((d) => d.src_country ?? null), ds.map((d) => d.target_user ?? null),
     ds.map((d) => d.process_cmdline ?? null), ds.map((d) => d.user_agent ?? null), ds.map((d) => d.detected_at)],
  );

  // One row per id: ON CONFLICT DO UPDATE may not touch a row twice in one statement.
  const as = [...new Map(b.alerts.map((x) => [x.id, x])).values()];
  // A retried alert is skipped, except that an open alert may be reported resolved later under its id.
  const al = await tx.query(
    `INSERT INTO alerts (tenant_id, id, agent_id, severity, category, title, description, status, created_at, resolved_at)
     SELECT $1, k.id, $2, k.severity, k.category, k.title, k.description, k.status, k.created_at,
            CASE WHEN k.status = 'resolved' THEN coalesce(k.resolved_at, now()) END
       FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[], $10::timestamptz[])
            AS k(id, severity, category, title, description, status, created_at, resolved_at)
     ON CONFLICT (tenant_id, id) DO UPDATE SET status = 'resolved', resolved_at = excluded.resolved_at
      WHERE alerts.status = 'open' AND excluded.status = 'resolved' AND alerts.agent_id = excluded.agent_id
     RETURNING (xmax = 0) AS inserted`,
    [t, a, as.map((x) => x.id), as.map((x) => x.severity), as.map((x) => x.category), as.map((x) => x.title), as.map((x) => x.description),
     as.map((x) => x.status), as.map((x) => x.created_at), as.map((x) => x.resolved_at ?? null)],
  );
  const alertsInserted = (al.rows as { inserted: boolean }[]).filter((r) => r.inserted).length;

  const es = b.auth_events;
  const au = await tx.query(
    `INSERT INTO auth_events (tenant_id, id, agent_id, occurred_at, username, src_ip, src_country, method, success, detection_id)
     SELECT $1, k.id, $2, k.at, k.username, k.src_ip, k.src_country, k.method, k.success, k.detection_id
       FROM unnest($3::uuid[], $4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::text[], $9::boolean[], $10::uuid[])
            AS k(id, at, username, src_ip, src_country, method, success, detection_id)
     ON CONFLICT (tenant_id, id) DO NOTHING`,
    [t, a, es.map((e) => e.id), es.map((e) => e.occurred_at), es.map((e) => e.username), es.map((e) => e.src_ip),
     es.map((e) => e.src_country ?? null), es.map((e) => e.method), es.map((e) => e.success), es.map((e) => e.detection_id ?? null)],
  );

  // Links named on the detection side; an event already linked to a detection keeps its link.
  const links = ds.flatMap((d) => (d.auth_event_ids ?? []).map((e) => [d.id, e] as const));
  if (links.length) {
    await tx.query(
      `UPDATE auth_events e SET detection_id = k.detection
         FROM unnest($2::uuid[], $3::uuid[]) AS k(detection, event)
        WHERE e.tenant_id = $1 AND e.id = k.event AND e.detection_id IS NULL`,
      [t, links.map((l) => l[0]), links.map((l) => l[1])],
    );
  }

  return {
    inserted: { detections: det.rowCount, alerts: alertsInserted, auth_events: au.rowCount },
    duplicates: { detections: ds.length - det.rowCount, alerts: b.alerts.length - alertsInserted, auth_events: es.length - au.rowCount },
  };
}

/** Which of `ids` exist in `table` for this tenant. */
async function existing(tx: Queryable, table: 'detected_events' | 'auth_events', tenantId: string, ids: string[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const r = await tx.query<{ id: string }>(`SELECT id FROM ${table} WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [tenantId, ids]);
  return new Set(r.rows.map((x) => x.id));
}
