import { z } from 'zod';
import { defineTool } from '../tool.js';
import { Explanation, Timestamp } from '../schemas.js';

export const TRUST_COMPONENTS = [
  'patch_hygiene',
  'alert_hygiene',
  'detection_response',
  'agent_health',
  'sla_compliance',
  'identity_security',
] as const;

export const trustScore = defineTool({
  name: 'monsys_trust_score',
  title: 'Trust Score',
  description:
    'Returns the tenant\u2019s current Trust Score (0-100), its 6 weighted components (patch hygiene, alert hygiene, detection response, ' +
    'agent health, SLA compliance, identity security; each 0-100 with a one-line reason) and the change against 7 days ago. ' +
    'Use it to explain why the score is what it is and which component to work on first.',
  input: z.object({}),
  output: z.object({
    score: z.number().int().min(0).max(100),
    components: z
      .array(
        z.object({
          name: z.enum(TRUST_COMPONENTS),
          score: z.number().int().min(0).max(100),
          weight: z.number().describe('Share of the total score (weights sum to 1)'),
          detail: Explanation,
        }),
      )
      .length(6),
    delta_7d: z.number().int().nullable().describe('Score now minus the score 7 days ago; null when there is no history'),
    computed_at: Timestamp,
  }),
  scope: 'mcp.read',
  minRole: 'viewer',
  readOnly: true,
  route: { method: 'GET', path: '/v1/trust-score' },
});
