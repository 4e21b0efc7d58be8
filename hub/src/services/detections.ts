/**
 * Detections: monsys_list_detections, monsys_get_detection (drill-down with related auth
 * events, similar findings and next steps), monsys_acknowledge_detection (the only write),
 * and unacknowledgeDetection for people (the console and the REST route; not a tool: the product page keeps the
 * acknowledgement reversible).
 */
import { roleAtLeast, WINDOW_SECONDS, type Severity, type ToolOutput } from '../../../shared/index.js';
import { invalidateTrust } from './trust.js';
import { ForbiddenError, NotFoundError } from '../errors.js';
import type { Queryable } from '../db/types.js';
import type { ServiceContext, ToolHandler } from './context.js';
import { writeAudit } from './audit.js';
import { suggestNextSteps } from './next-steps.js';
import { firstWholeHour, iso, isoOrNull, Where } from './sql.js';

type Summary = ToolOutput<'monsys_list_detections'>['detections'][number];
type Kind = Summary['kind'];

/** Related auth events: same source IP or target user within this distance of detected_at. */
const RELATED_WINDOW = `interval '24 hours'`;
const RELATED_CAP = 50;
/** Similar findings: same kind or source IP, this far back from now. */
const SIMILAR_WINDOW = `interval '30 days'`;
const SIMILAR_WINDOW_SECONDS = WINDOW_SECONDS['30d'];
const SIMILAR_CAP = 20;
/** Counts for the next steps stop here: past it the advice is the same. */
export const COUNT_CAP = 1_000;

interface SummaryRow {
  id: string;
  kind: Kind;
  severity: Severity;
  title: string;
  agent_id: string;
  hostname: string;
  src_ip: string | null;
  src_country: string | null;
  target_user: string | null;
  detected_at: Date;
  acked_at: Date | null;
}

const SUMMARY_COLUMNS = `d.id, d.kind, d.severity, d.title, d.agent_id, a.hostname, d.src_ip, d.src_country, d.target_user, d.detected_at, d.acked_at`;
const WITH_HOST = `JOIN agents a ON a.tenant_id = d.tenant_id AND a.id = d.agent_id`;

function toSummary(r: SummaryRow): Summary {
  return {
    id: r.id,
    kind: r.kind,
    severity: r.severity,
    title: r.title,
    agent_id: r.agent_id,
    hostname: r.hostname,
    src_ip: r.src_ip,
    src_country: r.src_country,
    target_user: r.target_user,
    detected_at: iso(r.detected_at),
    acked_at: isoOrNull(r.acked_at),
  };
}

export const listDetections: ToolHandler<'monsys_list_detections'> = async (ctx: ServiceContext, input) => {
  const w = new Where('d', ctx.principal.tenantId);
  const since = w.bind(WINDOW_SECONDS[input.since], (p) => `d.detected_at >= now() - make_interval(secs => ${p})`);
  w.when(input.src_ip, (p) => `d.src_ip = ${p}`).when(input.agent_id, (p) => `d.agent_id = ${p}`);
  const kind = w.bind(input.kind, (p) => `d.kind = ${p}`);
  const severity = w.bind(input.severity, (p) => `d.severity = ${p}`);
  if (input.ack === 'open') w.and('d.acked_at IS NULL');
  if (input.ack === 'acked') w.and('d.acked_at IS NOT NULL');
  const countParams = [...w.params];
  const countSql =
    input.src_ip === undefined && input.agent_id === undefined
      ? `SELECT ${countFromHours(w.sql, { since, kind, severity, ack: input.ack })}::int AS n`
      : `SELECT count(*)::int AS n FROM detected_events d WHERE ${w.sql}`;
  const pageSql = `SELECT ${SUMMARY_COLUMNS} FROM detected_events d ${WITH_HOST} WHERE ${w.sql}
     ORDER BY d.detected_at DESC, d.id DESC LIMIT ${w.param(input.limit)} OFFSET ${w.param(input.offset)}`;
  const [count, page] = await Promise.all([
    ctx.db.query<{ n: number }>(countSql, countParams),
    ctx.db.query<SummaryRow>(pageSql, w.params),
  ]);
  return { detections: page.rows.map(toSummary), total: count.rows[0]!.n };
};

/**
 * An SQL expression counting the tenant's detections filtered by nothing finer than window, kind,
 * severity and acknowledgement, from the hourly counters (migration 006): the whole UTC hours of the
 * window from detection_hours, and the detections of its partial first hour counted directly
 * (`where`, the same filters on detected_events `d`, bounded to that hour). Exact, and it reads at
 * most one hour of detections however long the window and however large the fleet. `since` (seconds
 * back from now), `kind` and `severity` are placeholders of `where`, whose $1 is the tenant.
 */
function countFromHours(where: string, f: { since?: string; kind?: string; severity?: string; ack: 'open' | 'acked' | 'all' }): string {
  const column = { open: 'h.n_open', acked: 'h.n_on_time + h.n_late', all: 'h.n_open + h.n_on_time + h.n_late' }[f.ack];
  const start = f.since && firstWholeHour(`now() - make_interval(secs => ${f.since})`);
  const hours = ['h.tenant_id = $1'];
  if (start) hours.push(`h.hour >= ${start}`);
  if (f.kind) hours.push(`h.kind = ${f.kind}`);
  if (f.severity) hours.push(`h.severity = ${f.severity}`);
  const whole = `(SELECT coalesce(sum(${column}), 0) FROM detection_hours h WHERE ${hours.join(' AND ')})`;
  const partial = start ? ` + (SELECT count(*) FROM detected_events d WHERE ${where} AND d.detected_at < ${start})` : '';
  return `(${whole}${partial})`;
}

interface DetailRow extends SummaryRow {
  description: string;
  process_cmdline: string | null;
  user_agent: string | null;
  ack_note: string | null;
  acked_by_email: string | null;
  agent_ip: string;
  agent_os: string;
  agent_status: 'online' | 'offline' | 'degraded';
}

interface AuthRow {
  id: string;
  occurred_at: Date;
  username: string;
  src_ip: string;
  src_country: string | null;
  method: 'ssh_password' | 'ssh_key' | 'sudo' | 'rdp' | 'web';
  success: boolean;
  hostname: string;
}

export const getDetection: ToolHandler<'monsys_get_detection'> = async (ctx, input) => {
  const tenantId = ctx.principal.tenantId;
  const r = await ctx.db.query<DetailRow>(
    `SELECT ${SUMMARY_COLUMNS}, d.description, d.process_cmdline, d.user_agent, d.ack_note,
            u.email AS acked_by_email, a.ip AS agent_ip, a.os AS agent_os, a.status AS agent_status
       FROM detected_events d ${WITH_HOST}
       LEFT JOIN users u ON u.id = d.acked_by
      WHERE d.tenant_id = $1 AND d.id = $2`,
    [tenantId, input.detection_id],
  );
  const d = r.rows[0];
  // Another tenant's detection is indistinguishable from a missing one.
  if (!d) throw new NotFoundError('Detection');

  const [related, ipFacts, similar] = await Promise.all([
    relatedAuthEvents(ctx.db, tenantId, d),
    sourceIpFacts(ctx.db, tenantId, d),
    similarFindings(ctx.db, tenantId, d),
  ]);

  const steps = suggestNextSteps({
    kind: d.kind,
    hostname: d.hostname,
    srcIp: d.src_ip,
    hasTargetUser: d.target_user !== null,
    ackedAt: isoOrNull(d.acked_at),
    failedLogins: ipFacts.failures,
    successAfterFailures: ipFacts.successAfterFailures,
    sameIpOtherHosts: similar.sameIpOtherHosts,
    sameKind: similar.sameKind,
  });

  return {
    detection: {
      ...toSummary(d),
      description: d.description,
      process_cmdline: d.process_cmdline,
      user_agent: d.user_agent,
      acked_by: d.acked_by_email,
      ack_note: d.ack_note,
    },
    agent: { id: d.agent_id, hostname: d.hostname, ip: d.agent_ip, os: d.agent_os, status: d.agent_status },
    related_auth_events: related.map((e) => ({
      id: e.id,
      occurred_at: iso(e.occurred_at),
      username: e.username,
      src_ip: e.src_ip,
      src_country: e.src_country,
      method: e.method,
      success: e.success,
      hostname: e.hostname,
    })),
    similar_findings: similar.rows.map(toSummary),
    suggested_next_steps: steps,
  };
};

/**
 * Auth events from the detection's source IP or against its target user within ±24h of it,
 * plus those linked to it by detection_id; newest first, capped. Each branch is one index
 * (auth_events_src_ip, auth_events_username, auth_events_detection).
 */
async function relatedAuthEvents(db: Queryable, tenantId: string, d: DetailRow): Promise<AuthRow[]> {
  const params: unknown[] = [tenantId, d.id, RELATED_CAP];
  const p = (v: unknown) => (params.push(v), `$${params.length}`);
  // Each branch reads only its newest RELATED_CAP rows through its index (a common user name such as a
  // CI account can have thousands of logins in the window); the newest of their union are the newest overall.
  const newest = 'ORDER BY e.occurred_at DESC, e.id DESC LIMIT $3';
  const branches = [`(SELECT e.* FROM auth_events e WHERE e.tenant_id = $1 AND e.detection_id = $2 ${newest})`];
  if (d.src_ip !== null || d.target_user !== null) {
    const at = p(d.detected_at);
    const near = `e.occurred_at BETWEEN ${at}::timestamptz - ${RELATED_WINDOW} AND ${at}::timestamptz + ${RELATED_WINDOW}`;
    if (d.src_ip !== null) branches.push(`(SELECT e.* FROM auth_events e WHERE e.tenant_id = $1 AND e.src_ip = ${p(d.src_ip)} AND ${near} ${newest})`);
    if (d.target_user !== null) {
      branches.push(`(SELECT e.* FROM auth_events e WHERE e.tenant_id = $1 AND e.username = ${p(d.target_user)} AND ${near} ${newest})`);
    }
  }
  const r = await db.query<AuthRow>(
    `SELECT ev.id, ev.occurred_at, ev.username, ev.src_ip, ev.src_country, ev.method, ev.success, a.hostname
       FROM (${branches.join(' UNION ')}) ev
       JOIN agents a ON a.tenant_id = ev.tenant_id AND a.id = ev.agent_id
      ORDER BY ev.occurred_at DESC, ev.id DESC
      LIMIT $3`,
    params,
  );
  return r.rows;
}

/** Failed logins from the source IP within ±24h, and whether one succeeded after the first failure. */
async function sourceIpFacts(db: Queryable, tenantId: string, d: DetailRow): Promise<{ failures: number; successAfterFailures: boolean }> {
  if (d.src_ip === null) return { failures: 0, successAfterFailures: false };
  const r = await db.query<{ failures: number; after: boolean | null }>(
    `SELECT count(*) FILTER (WHERE NOT e.success)::int AS failures,
            max(e.occurred_at) FILTER (WHERE e.success) > min(e.occurred_at) FILTER (WHERE NOT e.success) AS after
       FROM auth_events e
      WHERE e.tenant_id = $1 AND e.src_ip = $2
        AND e.occurred_at BETWEEN $3::timestamptz - ${RELATED_WINDOW} AND $3::timestamptz + ${RELATED_WINDOW}`,
    [tenantId, d.src_ip, d.detected_at],
  );
  const row = r.rows[0]!;
  return { failures: row.failures, successAfterFailures: row.after === true };
}

/**
 * Other detections of the same kind or from the same source IP in the last 30 days, newest
 * first and capped, with counts over all of them (not just the returned page) for the next steps.
 * Each branch reads only its newest rows through its index, and the counts stop at COUNT_CAP
 * (read in index order, so the planner walks the index rather than the table):
 * a common kind can have hundreds of thousands of detections a month on a large fleet.
 */
async function similarFindings(db: Queryable, tenantId: string, d: DetailRow) {
  const recent = `d.detected_at >= now() - ${SIMILAR_WINDOW} AND d.id <> $2`;
  const newest = `ORDER BY d.detected_at DESC, d.id DESC LIMIT $4`;
  const pageParams: unknown[] = [tenantId, d.id, d.kind, SIMILAR_CAP];
  const branches = [`(SELECT d.* FROM detected_events d WHERE d.tenant_id = $1 AND d.kind = $3 AND ${recent} ${newest})`];
  if (d.src_ip !== null) {
    pageParams.push(d.src_ip);
    branches.push(`(SELECT d.* FROM detected_events d WHERE d.tenant_id = $1 AND d.src_ip = $5 AND ${recent} ${newest})`);
  }
  const [page, counts] = await Promise.all([
    db.query<SummaryRow>(
      `SELECT ${SUMMARY_COLUMNS} FROM (${branches.join(' UNION ')}) d ${WITH_HOST}
        ORDER BY d.detected_at DESC, d.id DESC LIMIT $4`,
      pageParams,
    ),
    similarCounts(db, tenantId, d),
  ]);
  return { rows: page.rows, ...counts };
}

/**
 * For the next steps, each stopped at COUNT_CAP: other detections of the same kind in the
 * similar-findings window (from the hourly counters, less this one when it is in the window), and
 * detections from the same source address on other hosts.
 */
export async function similarCounts(
  db: Queryable,
  tenantId: string,
  d: Pick<DetailRow, 'id' | 'kind' | 'src_ip' | 'agent_id' | 'detected_at'>,
): Promise<{ sameKind: number; sameIpOtherHosts: number }> {
  const w = new Where('d', tenantId);
  const since = w.bind(SIMILAR_WINDOW_SECONDS, (p) => `d.detected_at >= now() - make_interval(secs => ${p})`)!;
  const inWindow = `d.detected_at >= now() - make_interval(secs => ${since})`;
  const kind = w.bind(d.kind, (p) => `d.kind = ${p}`);
  const cap = w.param(COUNT_CAP);
  const self = `(${w.param(d.detected_at)}::timestamptz >= now() - make_interval(secs => ${since}))::int`;
  let sameIp = '0';
  if (d.src_ip !== null) {
    sameIp = `(SELECT count(*) FROM (SELECT 1 FROM detected_events d
                WHERE d.tenant_id = $1 AND d.src_ip = ${w.param(d.src_ip)} AND d.agent_id <> ${w.param(d.agent_id)} AND ${inWindow}
                ORDER BY d.detected_at DESC LIMIT ${cap}) c)`;
  }
  const r = await db.query<{ same_kind: number; same_ip_other_hosts: number }>(
    `SELECT least(${countFromHours(w.sql, { since, kind, ack: 'all' })} - ${self}, ${cap})::int AS same_kind, ${sameIp}::int AS same_ip_other_hosts`,
    w.params,
  );
  return { sameKind: r.rows[0]!.same_kind, sameIpOtherHosts: r.rows[0]!.same_ip_other_hosts };
}

interface AckRow {
  acked_at: Date | null;
  acked_by: string | null;
  kind: string;
  severity: string;
}

/**
 * Locks the caller's detection for a change, or throws NotFound (also for another tenant's id).
 * No join here: a concurrent acknowledgement makes this statement re-read the locked row after
 * the wait, and a joined row would not be re-read with it (PostgreSQL's EvalPlanQual), so the
 * acknowledging user is looked up separately.
 */
async function lockDetection(tx: Queryable, tenantId: string, id: string): Promise<AckRow> {
  const r = await tx.query<AckRow>(
    `SELECT acked_at, acked_by, kind, severity FROM detected_events WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
    [tenantId, id],
  );
  if (!r.rows[0]) throw new NotFoundError('Detection');
  return r.rows[0];
}

async function emailOf(tx: Queryable, userId: string | null): Promise<string | null> {
  if (!userId) return null;
  const r = await tx.query<{ email: string }>('SELECT email FROM users WHERE id = $1', [userId]);
  return r.rows[0]?.email ?? null;
}

/**
 * Acknowledges a detection: idempotent (a second call changes nothing and reports the first
 * acknowledgement), and audited as `detection_acknowledged` in the same transaction, so there
 * is never an acknowledgement without its audit row. The note is kept on the detection and
 * in the audit row's body, not in its metadata: audit search results never carry free text.
 */
export const acknowledgeDetection: ToolHandler<'monsys_acknowledge_detection'> = async (ctx, input) => {
  const { principal } = ctx;
  const result = await ctx.db.transaction(async (tx) => {
    const current = await lockDetection(tx, principal.tenantId, input.detection_id);
    if (current.acked_at) {
      return {
        detection_id: input.detection_id,
        acknowledged: true as const,
        already_acknowledged: true,
        acked_at: iso(current.acked_at),
        acked_by: (await emailOf(tx, current.acked_by)) ?? '(unknown user)',
      };
    }
    const note = input.note?.trim() ? input.note : null;
    const u = await tx.query<{ acked_at: Date }>(
      `UPDATE detected_events SET acked_at = now(), acked_by = $3, ack_note = $4
        WHERE tenant_id = $1 AND id = $2
        RETURNING acked_at`,
      [principal.tenantId, input.detection_id, principal.userId, note],
    );
    await writeAudit(tx, principal, {
      eventType: 'detection_acknowledged',
      targetType: 'detection',
      targetId: input.detection_id,
      metadata: { kind: current.kind, severity: current.severity, with_note: note !== null },
      body: note,
    });
    return {
      detection_id: input.detection_id,
      acknowledged: true as const,
      already_acknowledged: false,
      acked_at: iso(u.rows[0]!.acked_at),
      acked_by: principal.email,
    };
  });
  // The next briefing on this instance counts the acknowledgement at once.
  if (!result.already_acknowledged) invalidateTrust(ctx.db, principal.tenantId);
  return result;
};

/**
 * Reopens an acknowledged detection (the console's undo, and POST /v1/detections/:id/unacknowledge; deliberately not an MCP tool).
 * Needs the same role as acknowledging. Idempotent: reopening an open detection changes
 * nothing and writes no audit row. Audited as `detection_unacknowledged` in the same transaction.
 */
export async function unacknowledgeDetection(
  ctx: ServiceContext,
  detectionId: string,
): Promise<{ detection_id: string; reopened: boolean }> {
  const { principal } = ctx;
  if (!roleAtLeast(principal.role, 'analyst')) {
    throw new ForbiddenError('forbidden', `Your role in this tenant (${principal.role}) may not reopen detections; it needs analyst or higher.`);
  }
  return ctx.db.transaction(async (tx) => {
    const current = await lockDetection(tx, principal.tenantId, detectionId);
    if (!current.acked_at) return { detection_id: detectionId, reopened: false };
    await tx.query(
      `UPDATE detected_events SET acked_at = NULL, acked_by = NULL, ack_note = NULL WHERE tenant_id = $1 AND id = $2`,
      [principal.tenantId, detectionId],
    );
    await writeAudit(tx, principal, {
      eventType: 'detection_unacknowledged',
      targetType: 'detection',
      targetId: detectionId,
      metadata: {
        kind: current.kind,
        severity: current.severity,
        previously_acked_at: iso(current.acked_at),
        previously_acked_by: await emailOf(tx, current.acked_by),
      },
    });
    return { detection_id: detectionId, reopened: true };
  }).then((r) => {
    if (r.reopened) invalidateTrust(ctx.db, principal.tenantId);
    return r;
  });
}
