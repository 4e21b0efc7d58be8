import { z } from 'zod';
import { defineTool } from '../tool.js';
import { Ecosystem, FilterText, Limit, Offset, Severity } from '../schemas.js';
import { CveSummary } from './list-kernel-cves.js';

export const listOsCves = defineTool({
  name: 'monsys_list_os_cves',
  title: 'OS-package CVEs',
  description:
    'Lists open OS-package CVEs (OSV.dev advisories matched against installed apt/dnf/apk/zypper packages), most affected hosts ' +
    'first, with package, fixed version and affected_hosts count. Filter by ecosystem, package name or minimum severity.',
  input: z.object({
    ecosystem: Ecosystem.optional().describe('Package manager: apt, dnf, apk or zypper'),
    package: FilterText(128).optional().describe('Exact package name'),
    min_severity: Severity.optional().describe('Only CVEs of this severity or worse'),
    limit: Limit,
    offset: Offset,
  }),
  output: z.object({ cves: z.array(CveSummary.extend({ ecosystem: Ecosystem })), total: z.number().int() }),
  scope: 'mcp.read',
  minRole: 'viewer',
  readOnly: true,
  route: { method: 'GET', path: '/v1/cves/os' },
});
