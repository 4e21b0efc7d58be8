/** Open alerts: monsys_list_alerts, and the open alerts shown with a host (monsys_get_agent). */
import type { ToolOutput } from '../../../shared/index.js';
import type { Queryable } from '../db/types.js';
import type { ServiceContext, ToolHandler } from './context.js';
import { iso, Where } from './sql.js';

type AlertSummary = ToolOutput<'monsys_list_alerts'>['alerts'][number];
type AlertRow = Omit<AlertSummary, 'created_at'> & { created_at: Date };

const ALERT_COLUMNS = `al.id, al.agent_id, ag.hostname, al.severity, al.category, al.title, al.description, al.status, al.created_at`;
const ALERT_FROM = `alerts al JOIN agents ag ON ag.tenant_id = al.tenant_id AND ag.id = al.agent_id`;

function toSummary(r: AlertRow): AlertSummary {
  return {
    id: r.id,
    agent_id: r.agent_id,
    hostname: r.hostname,
    severity: r.severity,
    category: r.category,
    title: r.title,
    description: r.description,
    status: r.status,
    created_at: iso(r.created_at),
  };
}

/** The open alerts of one host (already known to be the caller's), newest first. */
export async function openAlertsOf(db: Queryable, tenantId: string, agentId: string, limit = 100) {
  const r = await db.query<AlertRow>(
    `SELECT ${ALERT_COLUMNS} FROM ${ALERT_FROM}
      WHERE al.tenant_id = $1 AND al.agent_id = $2 AND al.status = 'open'
      ORDER BY al.created_at DESC, al.id DESC LIMIT $3`,
    [tenantId, agentId, limit],
  );
  return r.rows.map(toSummary);
}

export const listAlerts: ToolHandler<'monsys_list_alerts'> = async (ctx: ServiceContext, input) => {
  const w = new Where('al', ctx.principal.tenantId)
    .and(`al.status = 'open'`)
    .when(input.severity, (p) => `al.severity = ${p}`)
    .when(input.category, (p) => `al.category = ${p}`)
    .when(input.agent_id, (p) => `al.agent_id = ${p}`);
  const countSql = `SELECT count(*)::int AS n FROM alerts al WHERE ${w.sql}`;
  const countParams = [...w.params];
  const pageSql = `SELECT ${ALERT_COLUMNS} FROM ${ALERT_FROM} WHERE ${w.sql}
     ORDER BY al.created_at DESC, al.id DESC LIMIT ${w.param(input.limit)} OFFSET ${w.param(input.offset)}`;
  const [count, page] = await Promise.all([
    ctx.db.query<{ n: number }>(countSql, countParams),
    ctx.db.query<AlertRow>(pageSql, w.params),
  ]);
  return { alerts: page.rows.map(toSummary), total: count.rows[0]!.n };
};
