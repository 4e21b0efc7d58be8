/**
 * Databases for tests: a fresh PostgreSQL database on the real server per call, or an
 * embedded PGlite started from a prepared, already-migrated copy (a fresh one takes seconds).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { migrate } from '../../hub/src/db/migrate.js';
import { openPg } from '../../hub/src/db/pg.js';
import { openPglite } from '../../hub/src/db/pglite.js';
import type { Db } from '../../hub/src/db/types.js';
import { PGLITE_TEMPLATE } from './paths.js';

export const DRIVERS = ['pglite', 'pg'] as const;
export type Driver = (typeof DRIVERS)[number];

/** The real PostgreSQL server of the machine (and of CI). Tests on it never skip. */
export const PG_ADMIN_URL = process.env.PG_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDb extends Db {
  /** For pg: the database's URL (to hand to a hub process). */
  url?: string;
}

/** Creates an empty database with a unique name and returns its URL. */
export async function createPgDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `monsys_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A migrated, empty database on the given driver. close() also drops a pg database. */
export async function freshDb(driver: Driver): Promise<TestDb> {
  if (driver === 'pglite') {
    const blob = new Blob([readFileSync(PGLITE_TEMPLATE)]);
    const db = await openPglite({ loadDataDir: blob });
    await migrate(db); // no-op unless migrations were added after the template was built
    return db;
  }
  const created = await createPgDatabase();
  const db = openPg(created.url, { max: 5 });
  await migrate(db);
  return {
    ...db,
    url: created.url,
    async close() {
      await db.close();
      await created.drop();
    },
  };
}

/** A row as the driver returns it. */
export type Row = Record<string, unknown>;

/**
 * Rows as an order-free list of comparable strings (each row's keys sorted, dates as ISO text): for
 * checking a table kept by triggers against the live grouping it stands for.
 */
export function rowSet(rows: Row[]): string[] {
  const key = (r: Row) => JSON.stringify(Object.keys(r).sort().map((k) => [k, r[k] instanceof Date ? (r[k] as Date).toISOString() : r[k]]));
  return rows.map(key).sort();
}
