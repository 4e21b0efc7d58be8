import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
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
 * Makes the folder and everything below it readable and writable by the hub's user only.
 * PGlite's file system layer sets modes of its own (its initial files 0666, its relation cache
 * files 0644) whatever the process umask, so modes are set after opening and again on closing.
 * Symbolic links are left alone (chmod would follow them out of the folder).
 */
export function makePrivate(dir: string): void {
  chmodIfPresent(dir, 0o700);
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (!st || st.isSymbolicLink()) continue;
    if (st.isDirectory()) makePrivate(path);
    else if ((st.mode & 0o777) !== 0o600) chmodIfPresent(path, 0o600);
  }
}

/** chmod that tolerates a file the database removed meanwhile (a temporary file, an old WAL segment). */
function chmodIfPresent(path: string, mode: number): void {
  try {
    chmodSync(path, mode);
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT') throw err;
  }
}

/**
 * Opens embedded PostgreSQL. PGlite itself does not stop a second process from
 * opening the same folder (which would corrupt it), so we hold a lock file beside it.
 *
 * The folder holds every tenant's data, the cookie key, password hashes and pseudonym keys, so it is
 * private to the hub's user: created 0700, its files 0600, and the process umask narrowed to 077 so
 * that what the hub creates beside it (the lock, the admin socket) is private from the first moment.
 */
export async function openPglite(options: PgliteOptions = {}): Promise<Db & { dump(): Promise<Blob> }> {
  let release: (() => Promise<void>) | undefined;
  if (options.dataDir) {
    // Worker threads cannot change the umask; the modes set below still hold there.
    if (isMainThread) process.umask(0o077);
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    // A folder made by an older hub, or by hand, under a wider umask.
    chmodSync(options.dataDir, 0o700);
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
    if (options.dataDir) makePrivate(options.dataDir);
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
      if (options.dataDir) makePrivate(options.dataDir);
      await release?.();
    },
  };
}
