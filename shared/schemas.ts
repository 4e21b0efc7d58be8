/** Value schemas shared by several tools. */
import { z } from 'zod';

export const Severity = z.enum(['critical', 'high', 'medium', 'low', 'info']);
export type Severity = z.infer<typeof Severity>;
export const SEVERITY_ORDER: Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

export const AlertCategory = z.enum(['malware', 'intrusion', 'vulnerability', 'configuration', 'availability', 'compliance']);
export const AgentStatus = z.enum(['online', 'offline', 'degraded']);
export const DetectionKind = z.enum([
  'ssh_brute_force',
  'impossible_travel',
  'new_admin_user',
  'suspicious_process',
  'port_scan',
  'malware_hash',
]);
export const Ecosystem = z.enum(['apt', 'dnf', 'apk', 'zypper']);
export const AuthMethod = z.enum(['ssh_password', 'ssh_key', 'sudo', 'rdp', 'web']);

/** Relative look-back windows the tools accept. */
export const Window = z.enum(['1h', '24h', '7d', '30d', '90d']);
export type Window = z.infer<typeof Window>;
export const WINDOW_SECONDS: Record<Window, number> = { '1h': 3600, '24h': 86400, '7d': 604800, '30d': 2592000, '90d': 7776000 };

export const Id = z.uuid();
export const Timestamp = z.string().describe('ISO 8601 timestamp (UTC)');
export const Hostname = z.string().max(253);
export const Ip = z.string().max(45);

/** Page size: callers ask for up to 500 rows; the default keeps answers short for the model. */
export const Limit = z.coerce.number().int().min(1).max(500).default(50).describe('Maximum rows to return (1-500, default 50)');
export const Offset = z.coerce.number().int().min(0).max(1_000_000).default(0).describe('Rows to skip, for paging');

/** A query-string friendly tag or text filter: bounded, no control characters. */
export const FilterText = (max = 200) =>
  z.string().min(1).max(max).regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters');

export const AlertSummary = z.object({
  id: Id,
  agent_id: Id,
  hostname: Hostname,
  severity: Severity,
  category: AlertCategory,
  title: z.string(),
  description: z.string(),
  status: z.enum(['open', 'resolved']),
  created_at: Timestamp,
});
