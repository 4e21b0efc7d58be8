import { z } from 'zod';
import { defineTool } from '../tool.js';
import { AgentStatus, AlertSummary, Country, Hostname, Id, Inventory, Ip, Timestamp } from '../schemas.js';

export const getAgent = defineTool({
  name: 'monsys_get_agent',
  title: 'Host detail',
  description:
    'Returns one host in detail: hostname, IP, country, OS and kernel, tags, status, last seen, current CPU/memory/disk use (percent) ' +
    'and its open alerts. Use after monsys_list_agents or when an alert or detection names an agent_id.',
  input: z.object({ agent_id: Id.describe('Host id (from monsys_list_agents, an alert or a detection)') }),
  output: z.object({
    agent: z.object({
      id: Id,
      hostname: Hostname,
      ip: Ip,
      country_code: Country.nullable(),
      os: Inventory,
      os_family: Inventory,
      kernel_version: Inventory,
      tags: z.array(Inventory),
      status: AgentStatus,
      last_seen_at: Timestamp,
      cpu_pct: z.number(),
      mem_pct: z.number(),
      disk_pct: z.number(),
    }),
    open_alerts: z.array(AlertSummary),
  }),
  scope: 'mcp.read',
  minRole: 'viewer',
  readOnly: true,
  route: { method: 'GET', path: '/v1/agents/:agent_id' },
});
