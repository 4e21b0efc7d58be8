import type { Command } from 'commander';
import { loadConfig, type HubConfig } from '../config.js';
import { openDb, migrate, type Db } from '../db/index.js';

/** Configuration from the environment plus the program's global flags. */
export function configFrom(cmd: Command, overrides: Partial<HubConfig> = {}): HubConfig {
  const g = cmd.optsWithGlobals<{ databaseUrl?: string; dataDir?: string }>();
  return loadConfig(process.env, {
    ...(g.databaseUrl ? { databaseUrl: g.databaseUrl } : {}),
    ...(g.dataDir ? { dataDir: g.dataDir } : {}),
    ...overrides,
  });
}

/** Opens and migrates the configured database, runs `fn`, and closes it whatever happens. */
export async function withDb<T>(cmd: Command, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openDb(configFrom(cmd));
  try {
    await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}
