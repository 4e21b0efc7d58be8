/** Agent ingest API (issue #9). Mounted by app.ts before the /v1 tool routes. */
import type express from 'express';
import type { HubDeps } from '../deps.js';

export function mountIngest(_app: express.Express, _deps: HubDeps): void {
  // Filled in by the ingest work.
}
