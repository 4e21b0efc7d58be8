import { z } from 'zod';
import { defineTool } from '../tool.js';
import { tagged } from '../fields.js';
import { Timestamp } from '../schemas.js';

const count = z.number().int();

export const kpiSummary = defineTool({
  name: 'monsys_kpi_summary',
  title: 'KPI summary',
  description:
    'One-shot fleet snapshot for a morning briefing: Trust Score and its 7-day delta, hosts by status, open alerts by severity, ' +
    'detections in the last 24h (total and still open), open kernel and OS CVEs, and SLA targets by status. Call this first.',
  input: z.object({}),
  output: z.object({
    tenant: tagged(z.string().describe('Tenant slug'), { kind: 'structural' }),
    trust_score: z.number().int(),
    trust_score_delta_7d: z.number().int().nullable(),
    agents: z.object({ total: count, online: count, degraded: count, offline: count }),
    open_alerts: z.object({ total: count, critical: count, high: count, medium: count, low: count, info: count }),
    detections_24h: z.object({ total: count, open: count }),
    open_kernel_cves: count,
    open_os_cves: count,
    sla: z.object({ met: count, at_risk: count, breached: count, no_data: count }),
    generated_at: Timestamp,
  }),
  scope: 'mcp.read',
  minRole: 'viewer',
  readOnly: true,
  route: { method: 'GET', path: '/v1/kpi-summary' },
});
