/**
 * Operations of the REST API that MCP does not expose: they are for people (the console, scripts),
 * not for the model. Each goes through the same pipeline as a tool (scope, role, rate limit, call-log
 * row, audit row in its service).
 */
import { z } from 'zod';
import { Id } from '../../../shared/schemas.js';
import type { RestRoute } from '../../../shared/tool.js';
import { unacknowledgeDetection } from '../services/detections.js';
import type { Operation, OperationHandler } from '../services/invoke.js';

export interface RestOperation extends Operation {
  route: RestRoute;
  handler: OperationHandler;
}

export const REST_OPERATIONS: RestOperation[] = [
  {
    // The product page's "reversible": reopening a detection that was acknowledged (by a person or by
    // the model), audited as detection_unacknowledged. Deliberately not a tool: the model closes, people reopen.
    name: 'monsys_unacknowledge_detection',
    scope: 'mcp.acknowledge',
    minRole: 'analyst',
    readOnly: false,
    input: z.object({ detection_id: Id }),
    output: z.object({ detection_id: Id, reopened: z.boolean() }),
    route: { method: 'POST', path: '/v1/detections/:detection_id/unacknowledge' },
    handler: ((ctx, input: { detection_id: string }) => unacknowledgeDetection(ctx, input.detection_id)) as OperationHandler,
  },
];
