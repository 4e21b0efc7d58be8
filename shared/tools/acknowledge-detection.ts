import { z } from 'zod';
import { defineTool } from '../tool.js';
import { tagged } from '../fields.js';
import { Id, Timestamp } from '../schemas.js';

export const acknowledgeDetection = defineTool({
  name: 'monsys_acknowledge_detection',
  title: 'Acknowledge detection',
  description:
    'Closes (acknowledges) one detection after it has been investigated. The only write tool: reversible from the dashboard, ' +
    'idempotent (acknowledging twice keeps the first acknowledgement) and audit-logged. Only call it when the user asked to close it.',
  input: z.object({
    detection_id: Id.describe('Detection id to acknowledge'),
    note: z.string().max(500).optional().describe('Why it is closed (kept in the audit log)'),
  }),
  output: z.object({
    detection_id: Id,
    acknowledged: z.literal(true),
    already_acknowledged: z.boolean().describe('True when it was acknowledged before this call (nothing changed)'),
    acked_at: Timestamp,
    acked_by: tagged(z.string().describe('E-mail of who acknowledged it'), { kind: 'email' }),
  }),
  scope: 'mcp.acknowledge',
  minRole: 'analyst',
  readOnly: false,
  route: { method: 'POST', path: '/v1/detections/:detection_id/acknowledge' },
});
