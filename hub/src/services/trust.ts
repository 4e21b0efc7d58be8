/**
 * The Trust Score (monsys_trust_score): 0-100, the weighted sum of six components, each
 * 0-100 and computed from the tenant's data. The tools read it through a short per-instance
 * cache (cachedTrust below), because the facts aggregate 30 days of detections, which grows with
 * the fleet while a morning briefing must come back at once. A component with nothing to measure
 * scores 100 and says so.
 *
 *  component           weight  formula
 *  patch_hygiene        0.25   100 × hosts without an open critical/high CVE ÷ hosts
 *  alert_hygiene        0.20   100 × hosts without an open critical/high alert ÷ hosts
 *  detection_response   0.15   100 × detections of the last 30 days acknowledged within 24h
 *                              ÷ (those + acknowledged later + still open after 24h);
 *                              open ones younger than 24h are not yet due and not counted
 *  agent_health         0.15   100 × (online + ½ degraded) ÷ hosts
 *  sla_compliance       0.10   mean over targets with data of their error budget left, clamped to 0-100
 *  identity_security    0.15   100 × (1 − brute-force detections of the last 30 days after which a login
 *                              from the same IP succeeded (±24h) ÷ brute-force detections),
 *                              minus 10 per open impossible-travel or new-admin-user detection, floored at 0
 *
 *  score = round(Σ weight × component); delta_7d = score − trust_score_history.score of
 *  the UTC day 7 days ago (null when that day has no row).
 */
import { TRUST_COMPONENTS } from '../../../shared/tools/trust-score.js';
import type { ToolOutput } from '../../../shared/index.js';
import type { ServiceContext, ToolHandler } from './context.js';
import { slaTargets, type SlaTarget } from './sla.js';
import { firstWholeHour } from './sql.js';

type Component = (typeof TRUST_COMPONENTS)[number];

export const TRUST_WEIGHTS: Record<Component, number> = {
  patch_hygiene: 0.25,
  alert_hygiene: 0.2,
  detection_response: 0.15,
  agent_health: 0.15,
  sla_compliance: 0.1,
  identity_security: 0.15,
};

/** Counts the Trust Score and the KPI summary are made of, read in one statement. */
export interface FleetFacts {
  agents_total: number;
  agents_online: number;
  agents_degraded: number;
  agents_offline: number;
  alerts_critical: number;
  alerts_high: number;
  alerts_medium: number;
  alerts_low: number;
  alerts_info: number;
  hosts_with_critical_alerts: number;
  det_24h_total: number;
  det_24h_open: number;
  det_acked_on_time: number;
  det_acked_late: number;
  det_overdue: number;
  kernel_cves: number;
  os_cves: number;
  hosts_with_critical_cves: number;
  brute_force: number;
  brute_force_breached: number;
  open_identity: number;
  score_7d_ago: number | null;
}

/**
 * One round trip: one CTE per table, each tenant-scoped and each reading through an index. What
 * grows with the fleet is read from what triggers keep (detection_hours, 006; open_cves and
 * open_cve_hosts, 005), so the cost is the tenant's hosts and open alerts, one hour of detections
 * per window edge, and the 30 days' brute-force detections grouped by source address (from
 * detections_brute_force; each address then probed once in auth_events_success_src_ip).
 */
export async function fleetFacts(ctx: ServiceContext): Promise<FleetFacts> {
  const r = await ctx.db.query<FleetFacts>(
    `WITH ag AS (
       SELECT count(*)::int AS agents_total,
              count(*) FILTER (WHERE status = 'online')::int AS agents_online,
              count(*) FILTER (WHERE status = 'degraded')::int AS agents_degraded,
              count(*) FILTER (WHERE status = 'offline')::int AS agents_offline
         FROM agents WHERE tenant_id = $1
     ), al AS (
       SELECT count(*) FILTER (WHERE severity = 'critical')::int AS alerts_critical,
              count(*) FILTER (WHERE severity = 'high')::int AS alerts_high,
              count(*) FILTER (WHERE severity = 'medium')::int AS alerts_medium,
              count(*) FILTER (WHERE severity = 'low')::int AS alerts_low,
              count(*) FILTER (WHERE severity = 'info')::int AS alerts_info,
              count(DISTINCT agent_id) FILTER (WHERE severity IN ('critical', 'high'))::int AS hosts_with_critical_alerts
         FROM alerts WHERE tenant_id = $1 AND status = 'open'
     ), de_rows AS (
       -- Two windows, the last 30 days and the last 24 hours, each counted as whole UTC hours from
       -- the counters (006) plus its partial first hour from the detections themselves. in30 and in24
       -- say which window a row counts in; the 24-hour window's partial hour is inside a whole hour
       -- the 30-day window already counts.
       SELECT true AS in30, h.hour >= ${firstWholeHour("now() - interval '24 hours'")} AS in24,
              h.kind, h.n_open, h.n_on_time, h.n_late
         FROM detection_hours h
        WHERE h.tenant_id = $1 AND h.hour >= ${firstWholeHour("now() - interval '30 days'")}
       UNION ALL
       SELECT d.detected_at < ${firstWholeHour("now() - interval '30 days'")}, d.detected_at >= now() - interval '24 hours',
              d.kind, (d.acked_at IS NULL)::int, coalesce(d.acked_at <= d.detected_at + interval '24 hours', false)::int,
              coalesce(d.acked_at > d.detected_at + interval '24 hours', false)::int
         FROM detected_events d
        WHERE d.tenant_id = $1
          AND (d.detected_at >= now() - interval '30 days' AND d.detected_at < ${firstWholeHour("now() - interval '30 days'")}
            OR d.detected_at >= now() - interval '24 hours' AND d.detected_at < ${firstWholeHour("now() - interval '24 hours'")})
     ), de AS (
       SELECT coalesce(sum(n_open + n_on_time + n_late) FILTER (WHERE in24), 0)::int AS det_24h_total,
              coalesce(sum(n_open) FILTER (WHERE in24), 0)::int AS det_24h_open,
              coalesce(sum(n_on_time) FILTER (WHERE in30), 0)::int AS det_acked_on_time,
              coalesce(sum(n_late) FILTER (WHERE in30), 0)::int AS det_acked_late,
              -- open in the last 30 days but not in the last 24 hours
              (coalesce(sum(n_open) FILTER (WHERE in30), 0) - coalesce(sum(n_open) FILTER (WHERE in24), 0))::int AS det_overdue,
              coalesce(sum(n_open) FILTER (WHERE in30 AND kind IN ('impossible_travel', 'new_admin_user')), 0)::int AS open_identity,
              coalesce(sum(n_open + n_on_time + n_late) FILTER (WHERE in30 AND kind = 'ssh_brute_force'), 0)::int AS brute_force
         FROM de_rows
     ), vu AS (
       -- The CVE counts are the unfiltered lists' totals, one open_cves row per entry; a host with a
       -- critical or high CVE has an open_cve_hosts row of rank 4 or 5 (both 005).
       SELECT (SELECT count(*) FROM open_cves c WHERE c.tenant_id = $1 AND c.is_kernel AND c.min_rank = 1)::int AS kernel_cves,
              (SELECT count(*) FROM open_cves c WHERE c.tenant_id = $1 AND NOT c.is_kernel AND c.min_rank = 1)::int AS os_cves,
              (SELECT count(DISTINCT h.agent_id) FROM open_cve_hosts h WHERE h.tenant_id = $1 AND h.sev_rank >= 4)::int AS hosts_with_critical_cves
     ), bf_ips AS (
       -- Brute force comes from few addresses and many attempts: test each address once for any
       -- successful login near its detections, then test single detections only for those addresses.
       SELECT src_ip, min(detected_at) AS first_at, max(detected_at) AS last_at
         FROM detected_events
        WHERE tenant_id = $1 AND kind = 'ssh_brute_force' AND detected_at >= now() - interval '30 days'
        GROUP BY src_ip
     ), hot_ips AS (
       SELECT b.src_ip FROM bf_ips b
        WHERE EXISTS (
          SELECT 1 FROM auth_events e
           WHERE e.tenant_id = $1 AND e.src_ip = b.src_ip AND e.success
             AND e.occurred_at BETWEEN b.first_at - interval '24 hours' AND b.last_at + interval '24 hours'
        )
     ), bf AS (
       -- The brute-force detections themselves are counted in de, from the counters. LATERAL: read
       -- only the detections of the few hot addresses (detections_src_ip), never all of them again.
       SELECT count(*)::int AS brute_force_breached
         FROM hot_ips hi CROSS JOIN LATERAL (
           SELECT 1 FROM detected_events d
            WHERE d.tenant_id = $1 AND d.src_ip = hi.src_ip AND d.detected_at >= now() - interval '30 days' AND d.kind = 'ssh_brute_force'
              AND EXISTS (
                SELECT 1 FROM auth_events e
                 WHERE e.tenant_id = $1 AND e.src_ip = d.src_ip AND e.success
                   AND e.occurred_at BETWEEN d.detected_at - interval '24 hours' AND d.detected_at + interval '24 hours'
              )
         ) breached
     )
     SELECT ag.*, al.*, de.*, vu.*, bf.*,
            (SELECT h.score FROM trust_score_history h
              WHERE h.tenant_id = $1 AND h.day = (now() AT TIME ZONE 'UTC')::date - 7) AS score_7d_ago
       FROM ag, al, de, vu, bf`,
    [ctx.principal.tenantId],
  );
  return r.rows[0]!;
}

type Components = ToolOutput<'monsys_trust_score'>['components'];

const pct = (part: number, whole: number) => (whole > 0 ? (100 * part) / whole : 100);
const clamp = (x: number) => Math.min(100, Math.max(0, x));

/** The six components from the facts and the SLA targets, in TRUST_COMPONENTS order. Pure. */
export function trustComponents(f: FleetFacts, sla: SlaTarget[]): Components {
  const hosts = f.agents_total;
  const due = f.det_acked_on_time + f.det_acked_late + f.det_overdue;
  const withData = sla.filter((t) => t.error_budget_remaining_pct !== null);
  const slaScore = withData.length ? withData.reduce((s, t) => s + clamp(t.error_budget_remaining_pct!), 0) / withData.length : 100;
  const identity = clamp(pct(f.brute_force - f.brute_force_breached, f.brute_force) - 10 * f.open_identity);

  const raw: Record<Component, [number, string]> = {
    patch_hygiene: [
      pct(hosts - f.hosts_with_critical_cves, hosts),
      hosts ? `${f.hosts_with_critical_cves} of ${hosts} hosts have an open critical or high CVE` : 'No hosts enrolled',
    ],
    alert_hygiene: [
      pct(hosts - f.hosts_with_critical_alerts, hosts),
      hosts ? `${f.hosts_with_critical_alerts} of ${hosts} hosts have an open critical or high alert` : 'No hosts enrolled',
    ],
    detection_response: [
      pct(f.det_acked_on_time, due),
      due
        ? `${f.det_acked_on_time} of ${due} detections due in the last 30 days were acknowledged within 24h (${f.det_acked_late} late, ${f.det_overdue} still open)`
        : 'No detections due for acknowledgement in the last 30 days',
    ],
    agent_health: [
      pct(f.agents_online + f.agents_degraded / 2, hosts),
      hosts ? `${f.agents_online} online, ${f.agents_degraded} degraded, ${f.agents_offline} offline of ${hosts} hosts` : 'No hosts enrolled',
    ],
    sla_compliance: [
      slaScore,
      withData.length
        ? `Mean error budget left over ${withData.length} SLA target(s) with data: ${withData.filter((t) => t.status === 'breached').length} breached, ${withData.filter((t) => t.status === 'at_risk').length} at risk`
        : 'No SLA observations in any target window',
    ],
    identity_security: [
      identity,
      `${f.brute_force_breached} of ${f.brute_force} brute-force detection(s) in 30 days were followed by a successful login from the same IP; ` +
        `${f.open_identity} open impossible-travel/new-admin detection(s)`,
    ],
  };
  return TRUST_COMPONENTS.map((name) => ({
    name,
    score: Math.round(clamp(raw[name][0])),
    weight: TRUST_WEIGHTS[name],
    detail: raw[name][1],
  }));
}

/** score = round(Σ weight × component score). */
export function weightedScore(components: Components): number {
  return Math.round(components.reduce((s, c) => s + c.weight * c.score, 0));
}

/** The score, its components and the 7-day delta, from two statements (facts, SLA). */
export async function computeTrust(ctx: ServiceContext): Promise<{ output: ToolOutput<'monsys_trust_score'>; facts: FleetFacts; sla: SlaTarget[] }> {
  const [facts, sla] = await Promise.all([fleetFacts(ctx), slaTargets(ctx)]);
  const components = trustComponents(facts, sla);
  const score = weightedScore(components);
  return {
    facts,
    sla,
    output: {
      score,
      components,
      delta_7d: facts.score_7d_ago === null ? null : score - facts.score_7d_ago,
      computed_at: new Date().toISOString(),
    },
  };
}

type Trust = Awaited<ReturnType<typeof computeTrust>>;

interface Entry {
  at: number;
  value: Promise<Trust>;
  refreshing: boolean;
}
/** Per database (several hubs can share one process in tests), per tenant. Not state another instance needs: each computes its own. */
const CACHE = new WeakMap<object, Map<string, Entry>>();

/**
 * The Trust Score and its facts, cached per tenant for `ttlMs` (the context's `fleetFactsTtlMs`, from
 * FLEET_FACTS_TTL_SECONDS; absent or 0: always computed). The output's computed_at / generated_at says
 * when it was computed. Once stale it is served one more time
 * while a single refresh runs (stale-while-revalidate), so concurrent callers never queue behind the
 * aggregate; past 4 × ttl it is recomputed before answering.
 */
export async function cachedTrust(ctx: ServiceContext, ttlMs = ctx.fleetFactsTtlMs ?? 0): Promise<Trust> {
  if (ttlMs <= 0) return computeTrust(ctx);
  let perDb = CACHE.get(ctx.db);
  if (!perDb) CACHE.set(ctx.db, (perDb = new Map()));
  const key = ctx.principal.tenantId;
  const now = Date.now();
  const hit = perDb.get(key);
  if (hit && now - hit.at < ttlMs) return hit.value;
  if (hit && now - hit.at < 4 * ttlMs) {
    if (!hit.refreshing) {
      hit.refreshing = true;
      computeTrust(ctx).then(
        (v) => perDb.set(key, { at: Date.now(), value: Promise.resolve(v), refreshing: false }),
        () => (hit.refreshing = false),
      );
    }
    return hit.value;
  }
  const value = computeTrust(ctx);
  perDb.set(key, { at: now, value, refreshing: false });
  value.catch(() => perDb.delete(key));
  return value;
}

/** Drops a tenant's cached score (after a write this instance made, e.g. an acknowledgement). */
export function invalidateTrust(db: object, tenantId: string): void {
  CACHE.get(db)?.delete(tenantId);
}

export const trustScore: ToolHandler<'monsys_trust_score'> = async (ctx) => (await cachedTrust(ctx)).output;
