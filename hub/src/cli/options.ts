import type { Command } from 'commander';
import { loadConfig, type HubConfig } from '../config.js';
import { existsSync } from 'node:fs';
import { openDb, migrate, DataDirLockedError, type Db } from '../db/index.js';
import { adminSocketPath, connectAdminSocket } from '../db/admin-socket.js';

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
  const config = configFrom(cmd);
  let db: Db;
  let running = false;
  try {
    db = await openDb(config);
  } catch (err) {
    // A hub is running on the embedded database: work through its admin socket.
    const socket = adminSocketPath(config.dataDir);
    if (!(err instanceof DataDirLockedError) || !existsSync(socket)) throw err;
    db = await connectAdminSocket(socket);
    running = true;
  }
  try {
    if (!running) await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}
