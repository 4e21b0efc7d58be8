/** OAuth 2.1 authorization server (issue #3). Mounted by app.ts before the REST API. */
import type express from 'express';
import type { HubDeps } from '../deps.js';

export async function mountOAuth(_app: express.Express, _deps: HubDeps): Promise<{ close(): Promise<void> } | void> {
  // Filled in by the OAuth work.
}
