/** Tool name → service function. The behaviour lives in one module per domain under services/. */
import type { ToolHandlers } from './context.js';
import { getAgent, listAgents } from './agents.js';
import { listAlerts } from './alerts.js';
import { auditLogSearch } from './audit.js';
import { acknowledgeDetection, getDetection, listDetections } from './detections.js';
import { kpiSummary } from './kpi.js';
import { listSlaOverview } from './sla.js';
import { trustScore } from './trust.js';
import { listKernelCves, listOsCves } from './vulns.js';

export const HANDLERS: ToolHandlers = {
  monsys_list_agents: listAgents,
  monsys_get_agent: getAgent,
  monsys_trust_score: trustScore,
  monsys_list_alerts: listAlerts,
  monsys_list_detections: listDetections,
  monsys_get_detection: getDetection,
  monsys_acknowledge_detection: acknowledgeDetection,
  monsys_list_kernel_cves: listKernelCves,
  monsys_list_os_cves: listOsCves,
  monsys_list_sla_overview: listSlaOverview,
  monsys_audit_log_search: auditLogSearch,
  monsys_kpi_summary: kpiSummary,
};
