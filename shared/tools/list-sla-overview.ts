import { z } from 'zod';
import { defineTool } from '../tool.js';
import { ConfigName, Id } from '../schemas.js';

export const listSlaOverview = defineTool({
  name: 'monsys_list_sla_overview',
  title: 'SLA overview',
  description:
    'Lists every SLA target of the tenant with its target %, the observed % over its window, and the remaining error budget ' +
    '(100% = untouched, 0% or less = breached), plus a status of met, at_risk (under 25% budget left) or breached.',
  input: z.object({}),
  output: z.object({
    targets: z.array(
      z.object({
        id: Id,
        name: ConfigName,
        service: ConfigName,
        target_pct: z.number(),
        window_days: z.number().int(),
        observed_pct: z.number().nullable().describe('null when there were no observations in the window'),
        error_budget_remaining_pct: z.number().nullable(),
        status: z.enum(['met', 'at_risk', 'breached', 'no_data']),
      }),
    ),
  }),
  scope: 'mcp.read',
  minRole: 'viewer',
  readOnly: true,
  route: { method: 'GET', path: '/v1/sla' },
});
