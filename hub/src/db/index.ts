/** Opens the hub's database from configuration: PostgreSQL when a URL is given, embedded PGlite otherwise. */
import { openPg } from './pg.js';
import { openPglite } from './pglite.js';
import type { Db } from './types.js';

export * from './types.js';
export { migrate, pendingMigrations } from './migrate.js';
export { DataDirLockedError } from './pglite.js';

export interface DbConfig {
  databaseUrl?: string;
  dataDir: string;
  poolMax?: number;
  pg?: { preparedStatements: boolean; jitOff: boolean };
}

export async function openDb(config: DbConfig): Promise<Db> {
  if (config.databaseUrl) return openPg(config.databaseUrl, { max: config.poolMax, ...config.pg });
  return openPglite({ dataDir: config.dataDir });
}
