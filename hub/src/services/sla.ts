/**
 * SLA targets: monsys_list_sla_overview, and the per-target status that the Trust Score
 * and the KPI summary reuse.
 *
 * Over each target's own window (its last window_days days of hourly buckets):
 *   observed %              = 100 × Σgood / Σtotal
 *   error budget remaining % = 100 × (1 − Σbad / ((1 − target/100) × Σtotal)),  bad = total − good
 *   status = no_data (no events), breached (budget ≤ 0), at_risk (budget < 25%), else met.
 */
import type { ToolOutput } from '../../../shared/index.js';
import type { ServiceContext, ToolHandler } from './context.js';

export type SlaTarget = ToolOutput<'monsys_list_sla_overview'>['targets'][number];

/** Below this share of error budget left a target is at risk. */
export const AT_RISK_BUDGET_PCT = 25;

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Pure SLA arithmetic, exported for tests and for the Trust Score. */
export function slaFigures(targetPct: number, good: number, total: number): Pick<SlaTarget, 'observed_pct' | 'error_budget_remaining_pct' | 'status'> {
  if (total <= 0) return { observed_pct: null, error_budget_remaining_pct: null, status: 'no_data' };
  const bad = total - good;
  const allowed = (1 - targetPct / 100) * total;
  // Classified on the figure shown (3 decimals), so float noise cannot make 0% "at risk".
  const budget = round3(100 * (1 - bad / allowed));
  return {
    observed_pct: round3((100 * good) / total),
    error_budget_remaining_pct: budget,
    status: budget <= 0 ? 'breached' : budget < AT_RISK_BUDGET_PCT ? 'at_risk' : 'met',
  };
}

/** Every target of the tenant with its figures, by name. One statement; each sum reads the observation key's range. */
export async function slaTargets(ctx: ServiceContext): Promise<SlaTarget[]> {
  const r = await ctx.db.query<{ id: string; name: string; service: string; target_pct: number; window_days: number; good: number; total: number }>(
    `SELECT t.id, t.name, t.service, t.target_pct::float8 AS target_pct, t.window_days,
            COALESCE(o.good, 0)::float8 AS good, COALESCE(o.total, 0)::float8 AS total
       FROM sla_targets t
       LEFT JOIN LATERAL (
         SELECT sum(s.good) AS good, sum(s.total) AS total
           FROM sla_observations s
          WHERE s.tenant_id = t.tenant_id AND s.target_id = t.id
            AND s.bucket_at >= now() - make_interval(days => t.window_days)
       ) o ON true
      WHERE t.tenant_id = $1
      ORDER BY t.name, t.id`,
    [ctx.principal.tenantId],
  );
  return r.rows.map((t) => ({
    id: t.id,
    name: t.name,
    service: t.service,
    target_pct: t.target_pct,
    window_days: t.window_days,
    ...slaFigures(t.target_pct, t.good, t.total),
  }));
}

export const listSlaOverview: ToolHandler<'monsys_list_sla_overview'> = async (ctx) => ({ targets: await slaTargets(ctx) });
