import { z } from 'zod';
import { defineTool } from '../tool.js';
import { tagged } from '../fields.js';
import { AuditText, Email, FilterText, Id, Limit, Offset, Timestamp, Window } from '../schemas.js';

export const auditLogSearch = defineTool({
  name: 'monsys_audit_log_search',
  title: 'Audit log search',
  description:
    'Searches the tenant\u2019s audit log by event type (e.g. "mcp_tool_invoked", "mcp_authorization_granted", "detection_acknowledged", ' +
    '"user_login"), actor e-mail substring and time window, newest first. Returns event type, actor, time, target and metadata ' +
    'only; raw audit bodies never leave the hub.',
  input: z.object({
    event_type: FilterText(64).regex(/^[a-z0-9_.]+$/, 'must be lower-case letters, digits, "_" or "."').optional(),
    actor_email_contains: tagged(FilterText(254), { kind: 'email' }).optional().describe('Case-insensitive substring of the actor e-mail, e.g. "@yourmsp.com"'),
    since: Window.default('24h').describe('Look-back window (default 24h)'),
    limit: Limit,
    offset: Offset,
  }),
  output: z.object({
    events: z.array(
      z.object({
        id: Id,
        occurred_at: Timestamp,
        event_type: AuditText,
        actor_email: Email.nullable(),
        target_type: AuditText.nullable(),
        target_id: AuditText.nullable(),
        metadata: tagged(z.record(z.string(), z.unknown()), { kind: 'audit_meta', untrusted: true }),
      }),
    ),
    total: z.number().int(),
  }),
  scope: 'mcp.read',
  minRole: 'analyst',
  readOnly: true,
  route: { method: 'GET', path: '/v1/audit-log' },
});
