/** Remote MCP endpoint for claude.ai (issue #4). Mounted by app.ts. */
import type express from 'express';
import type { HubDeps } from '../deps.js';

export function mountMcp(_app: express.Express, _deps: HubDeps): void {
  // Filled in by the remote MCP work.
}
