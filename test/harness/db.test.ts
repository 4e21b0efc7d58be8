import { afterAll, describe, expect, it } from 'vitest';
import { createPgDatabase, DRIVERS, freshDb, type TestDb } from './db.js';
import { openPg } from '../../hub/src/db/pg.js';
import { openDb } from '../../hub/src/db/index.js';
import { loadConfig } from '../../hub/src/config.js';
import { CommitOutcomeUnknownError, DatabaseUnavailableError } from '../../hub/src/db/types.js';
import { UnavailableError } from '../../hub/src/errors.js';
import { listMigrations, pendingMigrations, splitStatements } from '../../hub/src/db/migrate.js';

describe.each(DRIVERS)('database on %s', (driver) => {
  let db: TestDb;
  afterAll(async () => db?.close());

  it('applies every migration and reports none pending', async () => {
    db = await freshDb(driver);
    expect(await pendingMigrations(db)).toEqual([]);
    const r = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'mcp_access_tokens'");
    expect(r.rows[0]!.n).toBe(1);
  });

  it('rolls a failed transaction back', async () => {
    const id = '00000000-0000-4000-8000-000000000001';
    await expect(
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO tenants (id, slug, name) VALUES ($1, 'rollback', 'R')", [id]);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await db.query('SELECT 1 FROM tenants WHERE id = $1', [id])).rowCount).toBe(0);
  });
});

describe('PostgreSQL connections', () => {
  it('turn JIT off and prepare statements unless the configuration (PG_JIT_OFF, PG_PREPARED_STATEMENTS) says false', async () => {
    const created = await createPgDatabase();
    const settings = async (env: Record<string, string>) => {
      // As the hub opens it: the environment read by loadConfig, then openDb.
      const db = await openDb({ ...loadConfig(env), databaseUrl: created.url, poolMax: 1 });
      try {
        const jit = (await db.query<{ jit: string }>('SHOW jit')).rows[0]!.jit;
        await db.query('SELECT $1::int AS x', [1]);
        const prepared = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_prepared_statements')).rows[0]!.n;
        return { jit, prepared: prepared > 0 };
      } finally {
        await db.close();
      }
    };
    try {
      expect(await settings({})).toEqual({ jit: 'off', prepared: true });
      expect(await settings({ PG_JIT_OFF: 'false', PG_PREPARED_STATEMENTS: 'false' })).toEqual({ jit: 'on', prepared: false }); // the server's default jit here
    } finally {
      await created.drop();
    }
  });
});

describe('a connection lost in a transaction', () => {
  it('is an unknown outcome during COMMIT, and a plain outage before it', async () => {
    const created = await createPgDatabase();
    const db = openPg(created.url, { max: 2 });
    try {
      // The server process ends itself while committing: a deferred trigger runs inside COMMIT.
      await db.query('CREATE TABLE t (x int)');
      await db.query(`CREATE FUNCTION die() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NULL; END $$`);
      await db.query('CREATE CONSTRAINT TRIGGER die AFTER INSERT ON t DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION die()');
      const atCommit = await db.transaction((tx) => tx.query('INSERT INTO t VALUES (1)')).catch((e: unknown) => e);
      expect(atCommit).toBeInstanceOf(CommitOutcomeUnknownError);
      expect(UnavailableError.of(atCommit as CommitOutcomeUnknownError)).toMatchObject({ details: { outcome: 'unknown' }, message: expect.stringMatching(/may or may not have been stored/) });

      const before = await db.transaction((tx) => tx.query('SELECT pg_terminate_backend(pg_backend_pid())')).catch((e: unknown) => e);
      expect(before).toBeInstanceOf(DatabaseUnavailableError);
      expect(before).not.toBeInstanceOf(CommitOutcomeUnknownError);
      expect(UnavailableError.of(before as DatabaseUnavailableError).details).toEqual({});
      // And the hub goes on: a new connection serves the next transaction.
      expect((await db.transaction((tx) => tx.query<{ n: number }>('SELECT count(*)::int AS n FROM t'))).rows[0]!.n).toBe(0);
    } finally {
      await db.close();
      await created.drop();
    }
  });
});

describe('migration files', () => {
  it('split into statements, none ending in a semicolon', () => {
    for (const m of listMigrations()) {
      for (const s of splitStatements(m.sql)) expect(s.endsWith(';')).toBe(false);
      expect(splitStatements(m.sql).length).toBeGreaterThan(0);
    }
  });

  it('keep semicolons inside function bodies, strings, quoted names and comments', () => {
    const sql = [
      '-- a comment; with a semicolon',
      "CREATE TABLE \"odd;name\" (note text DEFAULT 'it''s; fine');",
      'CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$',
      'BEGIN',
      "  PERFORM 1; /* inside; the body */",
      '  RETURN NULL;',
      'END $$;',
      'CREATE FUNCTION g() RETURNS text LANGUAGE sql AS $body$ SELECT $$;$$::text $body$; /* a; comment */ SELECT $1',
    ].join('\n');
    expect(splitStatements(sql)).toEqual([
      "CREATE TABLE \"odd;name\" (note text DEFAULT 'it''s; fine')",
      'CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  PERFORM 1; /* inside; the body */\n  RETURN NULL;\nEND $$',
      'CREATE FUNCTION g() RETURNS text LANGUAGE sql AS $body$ SELECT $$;$$::text $body$',
      'SELECT $1',
    ]);
  });

  it('refuses a file with an unterminated quote or comment', () => {
    expect(() => splitStatements('CREATE FUNCTION f() AS $$ BEGIN;')).toThrow(/unterminated \$\$ quote/);
    expect(() => splitStatements("SELECT 'open;")).toThrow(/unterminated ' quote/);
    expect(() => splitStatements('SELECT 1; /* open')).toThrow(/unterminated \/\* comment/);
  });
});
