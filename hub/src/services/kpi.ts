/**
 * monsys_kpi_summary: the morning briefing in one call. It is the same two statements as
 * the Trust Score (fleet facts, SLA targets), so the snapshot and the score always agree.
 */
import type { ToolHandler } from './context.js';
import { cachedTrust } from './trust.js';

export const kpiSummary: ToolHandler<'monsys_kpi_summary'> = async (ctx) => {
  const { output: trust, facts: f, sla } = await cachedTrust(ctx);
  const slaCount = (status: string) => sla.filter((t) => t.status === status).length;
  return {
    tenant: ctx.principal.tenantSlug,
    trust_score: trust.score,
    trust_score_delta_7d: trust.delta_7d,
    agents: { total: f.agents_total, online: f.agents_online, degraded: f.agents_degraded, offline: f.agents_offline },
    open_alerts: {
      total: f.alerts_critical + f.alerts_high + f.alerts_medium + f.alerts_low + f.alerts_info,
      critical: f.alerts_critical,
      high: f.alerts_high,
      medium: f.alerts_medium,
      low: f.alerts_low,
      info: f.alerts_info,
    },
    detections_24h: { total: f.det_24h_total, open: f.det_24h_open },
    open_kernel_cves: f.kernel_cves,
    open_os_cves: f.os_cves,
    sla: { met: slaCount('met'), at_risk: slaCount('at_risk'), breached: slaCount('breached'), no_data: slaCount('no_data') },
    generated_at: trust.computed_at,
  };
};
