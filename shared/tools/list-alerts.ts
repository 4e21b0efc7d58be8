import { z } from 'zod';
import { defineTool } from '../tool.js';
import { AlertCategory, AlertSummary, Id, Limit, Offset, Severity } from '../schemas.js';

export const listAlerts = defineTool({
  name: 'monsys_list_alerts',
  title: 'Open alerts',
  description:
    'Lists open alerts, newest first, with severity, category, host and title. Filter by severity, category or host (agent_id). ' +
    'Use it for "what is on fire", e.g. open critical alerts, or all open alerts of one host.',
  input: z.object({
    severity: Severity.optional().describe('Only this severity'),
    category: AlertCategory.optional().describe('Only this category'),
    agent_id: Id.optional().describe('Only alerts of this host'),
    limit: Limit,
    offset: Offset,
  }),
  output: z.object({
    alerts: z.array(AlertSummary),
    total: z.number().int().describe('Open alerts matching the filter, before paging'),
  }),
  scope: 'mcp.read',
  minRole: 'viewer',
  readOnly: true,
  route: { method: 'GET', path: '/v1/alerts' },
});
