import type { HubConfig } from './config.js';
import type { Db } from './db/types.js';
import type { Logger } from './logger.js';
import type { HubMetrics } from './metrics.js';

/** What the hub's parts are wired with (main.ts builds it once). */
export interface HubDeps {
  db: Db;
  config: HubConfig;
  logger: Logger;
  metrics?: HubMetrics;
  onInternalError?: (err: unknown, tool: string) => void;
  onCallLogFailure?: (err: unknown, tool: string) => void;
}
