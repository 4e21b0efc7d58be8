/**
 * The audit log: writing events (in the caller's transaction) and monsys_audit_log_search.
 * The search merges audit_log rows with every tool call of mcp_call_log as `mcp_tool_invoked`
 * (the product page: "Visible in the dashboard audit log via monsys_audit_log_search(event_type='mcp_tool_invoked')").
 * It never selects audit_log.body: raw bodies never leave the hub (product page, "Sovereignty + privacy").
 */
import { randomUUID } from 'node:crypto';
import { WINDOW_SECONDS } from '../../../shared/index.js';
import type { Principal } from '../auth/tokens.js';
import type { Queryable } from '../db/types.js';
import type { ToolHandler } from './context.js';
import { containsPattern, iso } from './sql.js';

/** The event type under which tool calls appear in the search. */
export const TOOL_INVOKED_EVENT = 'mcp_tool_invoked';

export interface AuditEvent {
  eventType: string;
  targetType: string;
  targetId: string;
  /** Searchable facts; returned to callers, so nothing free-text an attacker or a user typed. */
  metadata: Record<string, unknown>;
  /** Raw text kept for the dashboard only (e.g. an acknowledgement note); never returned by the search. */
  body?: string | null;
}

/** Writes one audit row as the principal. Pass the transaction that makes the change, so both commit or neither. */
export async function writeAudit(db: Queryable, principal: Principal, e: AuditEvent): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (tenant_id, id, event_type, actor_user_id, actor_email, target_type, target_id, metadata, body)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9)`,
    [principal.tenantId, randomUUID(), e.eventType, principal.userId, principal.email, e.targetType, e.targetId, JSON.stringify(e.metadata), e.body ?? null],
  );
}

interface EventRow {
  id: string;
  occurred_at: Date;
  event_type: string;
  actor_email: string | null;
  target_type: string | null;
  target_id: string | null;
  metadata: Record<string, unknown>;
}

export const auditLogSearch: ToolHandler<'monsys_audit_log_search'> = async (ctx, input) => {
  // Shared parameters: $1 tenant, $2 window in seconds, then the optional filters.
  const params: unknown[] = [ctx.principal.tenantId, WINDOW_SECONDS[input.since]];
  const p = (v: unknown) => (params.push(v), `$${params.length}`);
  const auditConds = [`l.tenant_id = $1`, `l.occurred_at >= now() - make_interval(secs => $2)`];
  const callConds = [`c.tenant_id = $1`, `c.called_at >= now() - make_interval(secs => $2)`];
  if (input.event_type !== undefined) auditConds.push(`l.event_type = ${p(input.event_type)}`);
  if (input.actor_email_contains !== undefined) {
    const pattern = p(containsPattern(input.actor_email_contains));
    auditConds.push(`l.actor_email ILIKE ${pattern} ESCAPE '\\'`);
    callConds.push(`c.actor_email ILIKE ${pattern} ESCAPE '\\'`);
  }
  // Tool calls are one event type; they take part unless another type was asked for.
  const withCalls = input.event_type === undefined || input.event_type === TOOL_INVOKED_EVENT;
  const auditWhere = auditConds.join(' AND ');
  const callWhere = callConds.join(' AND ');

  const countSql = `SELECT ((SELECT count(*) FROM audit_log l WHERE ${auditWhere})
                          + ${withCalls ? `(SELECT count(*) FROM mcp_call_log c WHERE ${callWhere})` : '0'})::int AS n`;
  const countParams = [...params];
  // Each side is cut to limit+offset newest rows by its time index before the merge.
  const top = p(input.limit + input.offset);
  const pageSql = `
    SELECT * FROM (
      (SELECT l.id, l.occurred_at, l.event_type, l.actor_email, l.target_type, l.target_id, l.metadata
         FROM audit_log l WHERE ${auditWhere}
        ORDER BY l.occurred_at DESC, l.id DESC LIMIT ${top})
      ${
        withCalls
          ? `UNION ALL
      (SELECT c.id, c.called_at, '${TOOL_INVOKED_EVENT}'::text, c.actor_email, 'tool'::text, c.tool_name,
              jsonb_build_object('tool_name', c.tool_name, 'door', c.door, 'client_id', c.client_id,
                                 'result_status', c.result_status, 'duration_ms', c.duration_ms, 'args_sha256', c.args_sha256)
         FROM mcp_call_log c WHERE ${callWhere}
        ORDER BY c.called_at DESC, c.id DESC LIMIT ${top})`
          : ''
      }
    ) ev
    ORDER BY ev.occurred_at DESC, ev.id DESC
    LIMIT ${p(input.limit)} OFFSET ${p(input.offset)}`;
  const [count, page] = await Promise.all([
    ctx.db.query<{ n: number }>(countSql, countParams),
    ctx.db.query<EventRow>(pageSql, params),
  ]);
  return {
    events: page.rows.map((r) => ({
      id: r.id,
      occurred_at: iso(r.occurred_at),
      event_type: r.event_type,
      actor_email: r.actor_email,
      target_type: r.target_type,
      target_id: r.target_id,
      metadata: r.metadata ?? {},
    })),
    total: count.rows[0]!.n,
  };
};
