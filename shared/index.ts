/**
 * The tool catalogue: the single source of the 12 tools of the product page.
 * The hub's REST routes, its `/mcp` endpoint, the bridge and the README table derive from it.
 */
import { listAgents } from './tools/list-agents.js';
import { getAgent } from './tools/get-agent.js';
import { trustScore } from './tools/trust-score.js';
import { listAlerts } from './tools/list-alerts.js';
import { listDetections } from './tools/list-detections.js';
import { getDetection } from './tools/get-detection.js';
import { acknowledgeDetection } from './tools/acknowledge-detection.js';
import { listKernelCves } from './tools/list-kernel-cves.js';
import { listOsCves } from './tools/list-os-cves.js';
import { listSlaOverview } from './tools/list-sla-overview.js';
import { auditLogSearch } from './tools/audit-log-search.js';
import { kpiSummary } from './tools/kpi-summary.js';

export * from './tool.js';
export * from './schemas.js';

/** All tools, in the product page's order. */
export const CATALOGUE = [
  listAgents,
  getAgent,
  trustScore,
  listAlerts,
  listDetections,
  getDetection,
  acknowledgeDetection,
  listKernelCves,
  listOsCves,
  listSlaOverview,
  auditLogSearch,
  kpiSummary,
] as const;

export type CatalogueTool = (typeof CATALOGUE)[number];
/** The literal union of tool names. */
export type ToolName = CatalogueTool['name'];
export type ToolInput<N extends ToolName> = import('zod').infer<Extract<CatalogueTool, { name: N }>['input']>;
export type ToolOutput<N extends ToolName> = import('zod').infer<Extract<CatalogueTool, { name: N }>['output']>;

const byName = new Map<string, CatalogueTool>(CATALOGUE.map((t) => [t.name, t]));
/** Looks a tool up by name; undefined for names not in the catalogue. */
export function findTool(name: string): CatalogueTool | undefined {
  return byName.get(name);
}

export {
  listAgents, getAgent, trustScore, listAlerts, listDetections, getDetection, acknowledgeDetection,
  listKernelCves, listOsCves, listSlaOverview, auditLogSearch, kpiSummary,
};
