import { afterAll, describe, expect, it } from 'vitest';
import { DRIVERS, freshDb, type TestDb } from './db.js';
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

describe('migration files', () => {
  it('split into statements that each end at a line-final semicolon', () => {
    for (const m of listMigrations()) {
      for (const s of splitStatements(m.sql)) expect(s.endsWith(';')).toBe(false);
      expect(splitStatements(m.sql).length).toBeGreaterThan(0);
    }
  });
});
