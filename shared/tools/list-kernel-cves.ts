import { z } from 'zod';
import { defineTool } from '../tool.js';
import { CveText, Limit, Offset, Severity, Timestamp } from '../schemas.js';

export const CveSummary = z.object({
  cve_id: CveText,
  severity: Severity,
  cvss: z.number().nullable(),
  summary: CveText,
  package: CveText,
  fixed_version: CveText.nullable(),
  published_at: Timestamp.nullable(),
  affected_hosts: z.number().int().describe('Hosts of the tenant on which it is open'),
});

export const listKernelCves = defineTool({
  name: 'monsys_list_kernel_cves',
  title: 'Kernel CVEs',
  description:
    'Lists open Linux kernel CVEs across the fleet, most affected hosts and highest severity first, each with the fixed version ' +
    'and the affected_hosts count. Use it to plan kernel patching; the patching itself stays in the dashboard.',
  input: z.object({
    min_severity: Severity.optional().describe('Only CVEs of this severity or worse'),
    limit: Limit,
    offset: Offset,
  }),
  output: z.object({ cves: z.array(CveSummary), total: z.number().int() }),
  scope: 'mcp.read',
  minRole: 'viewer',
  readOnly: true,
  route: { method: 'GET', path: '/v1/cves/kernel' },
});
