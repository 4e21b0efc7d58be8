/** Hosts: monsys_list_agents and monsys_get_agent. */
import type { ServiceContext, ToolHandler } from './context.js';
import { NotFoundError } from '../errors.js';
import { openAlertsOf } from './alerts.js';
import { containsPattern, iso, Where } from './sql.js';

type Status = 'online' | 'offline' | 'degraded';

interface AgentRow {
  id: string;
  hostname: string;
  ip: string;
  country_code: string | null;
  os: string;
  os_family: string;
  kernel_version: string;
  tags: string[];
  status: Status;
  last_seen_at: Date;
  cpu_pct: number;
  mem_pct: number;
  disk_pct: number;
}

export const listAgents: ToolHandler<'monsys_list_agents'> = async (ctx: ServiceContext, input) => {
  const w = new Where('a', ctx.principal.tenantId)
    // tags @> ARRAY[x] is what the GIN index agents_tags answers.
    .when(input.tag, (p) => `a.tags @> ARRAY[${p}::text]`)
    .when(input.status, (p) => `a.status = ${p}`)
    .when(input.hostname_contains && containsPattern(input.hostname_contains), (p) => `a.hostname ILIKE ${p} ESCAPE '\\'`);
  const countSql = `SELECT count(*)::int AS n FROM agents a WHERE ${w.sql}`;
  const countParams = [...w.params];
  const pageSql = `
    SELECT a.id, a.hostname, a.ip, a.os, a.kernel_version, a.tags, a.status, a.last_seen_at,
           (SELECT count(*)::int FROM alerts al
             WHERE al.tenant_id = a.tenant_id AND al.agent_id = a.id AND al.status = 'open') AS open_alerts
      FROM agents a
     WHERE ${w.sql}
     ORDER BY a.hostname, a.id
     LIMIT ${w.param(input.limit)} OFFSET ${w.param(input.offset)}`;
  const [count, page] = await Promise.all([
    ctx.db.query<{ n: number }>(countSql, countParams),
    ctx.db.query<AgentRow & { open_alerts: number }>(pageSql, w.params),
  ]);
  return {
    agents: page.rows.map((r) => ({
      id: r.id,
      hostname: r.hostname,
      ip: r.ip,
      os: r.os,
      kernel_version: r.kernel_version,
      tags: r.tags,
      status: r.status,
      last_seen_at: iso(r.last_seen_at),
      open_alerts: r.open_alerts,
    })),
    total: count.rows[0]!.n,
  };
};

export const getAgent: ToolHandler<'monsys_get_agent'> = async (ctx, input) => {
  const tenantId = ctx.principal.tenantId;
  const r = await ctx.db.query<AgentRow>(
    `SELECT id, hostname, ip, country_code, os, os_family, kernel_version, tags, status, last_seen_at, cpu_pct, mem_pct, disk_pct
       FROM agents WHERE tenant_id = $1 AND id = $2`,
    [tenantId, input.agent_id],
  );
  const a = r.rows[0];
  // Another tenant's host is indistinguishable from a missing one.
  if (!a) throw new NotFoundError('Host');
  return {
    agent: {
      id: a.id,
      hostname: a.hostname,
      ip: a.ip,
      country_code: a.country_code,
      os: a.os,
      os_family: a.os_family,
      kernel_version: a.kernel_version,
      tags: a.tags,
      status: a.status,
      last_seen_at: iso(a.last_seen_at),
      cpu_pct: a.cpu_pct,
      mem_pct: a.mem_pct,
      disk_pct: a.disk_pct,
    },
    open_alerts: await openAlertsOf(ctx.db, tenantId, a.id),
  };
};
