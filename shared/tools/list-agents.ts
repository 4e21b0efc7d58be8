import { z } from 'zod';
import { defineTool } from '../tool.js';
import { tagged } from '../fields.js';
import { AgentStatus, FilterText, Hostname, Id, Inventory, Ip, Limit, Offset, Timestamp } from '../schemas.js';

export const listAgents = defineTool({
  name: 'monsys_list_agents',
  title: 'List hosts',
  description:
    'Lists the monitored hosts (agents) of the tenant with hostname, IP, OS, kernel, tags, status and number of open alerts. ' +
    'Filter by tag (e.g. "prod", "dmz"), status (online/offline/degraded) or hostname substring. ' +
    'Use it to find a host id for monsys_get_agent, or to answer "which hosts are tagged X / offline".',
  input: z.object({
    tag: FilterText(64).optional().describe('Only hosts carrying this exact tag'),
    status: AgentStatus.optional().describe('Only hosts in this state'),
    hostname_contains: tagged(FilterText(253), { kind: 'hostname' }).optional().describe('Case-insensitive substring of the hostname'),
    limit: Limit,
    offset: Offset,
  }),
  output: z.object({
    agents: z.array(
      z.object({
        id: Id,
        hostname: Hostname,
        ip: Ip,
        os: Inventory,
        kernel_version: Inventory,
        tags: z.array(Inventory),
        status: AgentStatus,
        last_seen_at: Timestamp,
        open_alerts: z.number().int(),
      }),
    ),
    total: z.number().int().describe('Hosts matching the filter, before paging'),
  }),
  scope: 'mcp.read',
  minRole: 'viewer',
  readOnly: true,
  route: { method: 'GET', path: '/v1/agents' },
});
