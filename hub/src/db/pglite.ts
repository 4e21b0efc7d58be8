import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import lockfile from 'proper-lockfile';
import type { Db, Queryable, QueryResult } from './types.js';

/** Raised when another hub process holds the embedded database folder. */
export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
}

function wrap(pg: Pick<PGlite, 'query'>): Queryable {
  return {
    async query<T>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
      const r = await pg.query<T>(sql, params as unknown[]);
      // PGlite reports affectedRows 0 for a SELECT; PostgreSQL counts the rows returned. Match pg.
      return { rows: r.rows, rowCount: r.rows.length || r.affectedRows || 0 };
    },
  };
}

export interface PgliteOptions {
  /** Folder on disk; omitted means in memory. */
  dataDir?: string;
  /** A tarball from `dumpPglite`, to start from a prepared copy instead of initialising (tests). */
  loadDataDir?: Blob;
}

/**
 * Opens embedded PostgreSQL. PGlite itself does not stop a second process from
 * opening the same folder (which would corrupt it), so we hold a lock file beside it.
 */
export async function openPglite(options: PgliteOptions = {}): Promise<Db & { dump(): Promise<Blob> }> {
  let release: (() => Promise<void>) | undefined;
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    try {
      release = await lockfile.lock(options.dataDir, { stale: 15_000, update: 5_000, lockfilePath: `${options.dataDir}.lock` });
    } catch (err) {
      if ((err as { code?: string }).code === 'ELOCKED') {
        throw new DataDirLockedError(
          `The embedded database folder ${options.dataDir} is in use by another hub process. ` +
            'Stop that hub, or give this one its own folder with --data-dir (or DATABASE_URL for PostgreSQL).',
        );
      }
      throw err;
    }
  }
  let pg: PGlite;
  try {
    pg = new PGlite({ dataDir: options.dataDir, loadDataDir: options.loadDataDir });
    await pg.waitReady;
  } catch (err) {
    await release?.();
    throw err;
  }
  const q = wrap(pg);
  return {
    driver: 'pglite',
    query: q.query,
    async exec(sql) {
      await pg.exec(sql);
    },
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    dump: async () => (await pg.dumpDataDir('none')) as Blob,
    async close() {
      await pg.close();
      await release?.();
    },
  };
}
