/** Value schemas shared by several tools. */
import { z } from 'zod';
import { tagged } from './fields.js';

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

export const Id = tagged(z.uuid(), { kind: 'structural' });
export const Timestamp = tagged(z.string().describe('ISO 8601 timestamp (UTC)'), { kind: 'structural' });

// Output leaves, tagged with the kind of data they carry to the model (shared/fields.ts). Anything an
// agent reports reaches the hub through the ingest API, which takes any text a holder of an
// enrollment token sends, so hostnames, inventory, titles and the text quoting them are untrusted:
// fenced as quoted data for the model (shared/render.ts). Only what the hub validates to a fixed
// shape (IPs, country codes, ids, times, enums) or writes without agent text stays unfenced.
/** Reported by the agent in its heartbeat: any text up to 253 characters. */
export const Hostname = tagged(z.string().max(253), { kind: 'hostname', untrusted: true });
export const Ip = tagged(z.string().max(45), { kind: 'ip' });
export const Country = tagged(z.string(), { kind: 'country' });
/** A user name seen in an attack (a target user, a login name): attacker-chosen text. */
export const UserName = tagged(z.string(), { kind: 'user', untrusted: true });
export const Email = tagged(z.string(), { kind: 'email' });
/** Alert and detection titles: monsys detectors write them from templates, but the ingest API takes any text. */
export const Title = tagged(z.string(), { kind: 'alert_text', untrusted: true });
/** Text that quotes what hosts logged (descriptions, command lines, user agents): attacker-influenced. */
export const QuotedText = tagged(z.string(), { kind: 'alert_text', untrusted: true });
/** Text monsys writes (next steps) that names hosts: the hostnames in it are agent-reported, so it is fenced too. */
export const OurText = tagged(z.string(), { kind: 'alert_text', untrusted: true });
/** Our own explanations (score reasons): no tenant identifiers in them. */
export const Explanation = tagged(z.string(), { kind: 'structural' });
/** OS names, kernel versions and tags as the agent reports them. */
export const Inventory = tagged(z.string(), { kind: 'inventory', untrusted: true });
export const CveText = tagged(z.string(), { kind: 'cve' });
export const ConfigName = tagged(z.string(), { kind: 'config' });
/** Audit targets and metadata carry client names, hostnames and notes that outsiders chose. */
export const AuditText = tagged(z.string(), { kind: 'audit_meta', untrusted: true });

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
  title: Title,
  description: QuotedText,
  status: z.enum(['open', 'resolved']),
  created_at: Timestamp,
});
