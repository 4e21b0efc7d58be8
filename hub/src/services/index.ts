/** Tool name → service function. Filled in per domain under services/. */
import type { ToolHandlers } from './context.js';

const notYet = async (): Promise<never> => {
  throw new Error('not implemented');
};

export const HANDLERS: ToolHandlers = {
  monsys_list_agents: notYet,
  monsys_get_agent: notYet,
  monsys_trust_score: notYet,
  monsys_list_alerts: notYet,
  monsys_list_detections: notYet,
  monsys_get_detection: notYet,
  monsys_acknowledge_detection: notYet,
  monsys_list_kernel_cves: notYet,
  monsys_list_os_cves: notYet,
  monsys_list_sla_overview: notYet,
  monsys_audit_log_search: notYet,
  monsys_kpi_summary: notYet,
};
