import { z } from 'zod';
import { defineTool } from '../tool.js';
import { tagged } from '../fields.js';
import { Country, DetectionKind, FilterText, Hostname, Id, Ip, Limit, Offset, Severity, Timestamp, Title, UserName } from '../schemas.js';

export const DetectionSummary = z.object({
  id: Id,
  kind: DetectionKind,
  severity: Severity,
  title: Title,
  agent_id: Id,
  hostname: Hostname,
  src_ip: Ip.nullable(),
  src_country: Country.nullable(),
  target_user: UserName.nullable(),
  detected_at: Timestamp,
  acked_at: Timestamp.nullable(),
});

export const listDetections = defineTool({
  name: 'monsys_list_detections',
  title: 'Detections',
  description:
    'Lists detected security events (brute force, impossible travel, new admin user, suspicious process, port scan, malware hash) ' +
    'in the last 24h, 7d or 30d, newest first, with source IP, country, target user and host. Filter by acknowledgement state ' +
    '(open/acked/all), source IP, host, kind or severity. Use monsys_get_detection to drill into one.',
  input: z.object({
    since: z.enum(['24h', '7d', '30d']).default('24h').describe('Look-back window (default 24h)'),
    ack: z.enum(['open', 'acked', 'all']).default('all').describe('Acknowledgement state (default all)'),
    src_ip: tagged(FilterText(45), { kind: 'ip' }).optional().describe('Only detections from this exact source IP'),
    agent_id: Id.optional().describe('Only detections on this host'),
    kind: DetectionKind.optional(),
    severity: Severity.optional(),
    limit: Limit,
    offset: Offset,
  }),
  output: z.object({
    detections: z.array(DetectionSummary),
    total: z.number().int().describe('Detections matching the filter, before paging'),
  }),
  scope: 'mcp.read',
  minRole: 'viewer',
  readOnly: true,
  route: { method: 'GET', path: '/v1/detections' },
});
