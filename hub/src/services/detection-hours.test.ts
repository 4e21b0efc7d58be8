/**
 * detection_hours (migration 006) against the scans it replaces: after each way detections are
 * written (the fixtures' and the seed's inserts, ingest, acknowledgement and its undoing, other
 * updates, cascades from agents and tenants, rollback, TRUNCATE), the counters must equal the live
 * grouping of detected_events; and the Trust Score's detection facts and monsys_list_detections'
 * total, which now read them, must equal the full scans they replaced, around both window edges,
 * in any session time zone. On PostgreSQL, also with concurrent writers.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DRIVERS, freshDb, rowSet, type Row, type TestDb } from '../../../test/harness/db.js';
import { callService, principalFor, withFleetDb, type Fleet } from '../../../test/harness/fixtures.js';
import type { Principal } from '../auth/tokens.js';
import type { Db, Queryable } from '../db/types.js';
import { storeEvents } from '../ingest/store.js';
import { seedDemo } from '../seed/index.js';
import { COUNT_CAP, listDetections, similarCounts, unacknowledgeDetection } from './detections.js';
import { fleetFacts } from './trust.js';

const LIVE_HOURS = `
  SELECT tenant_id::text, date_trunc('hour', detected_at, 'UTC') AS hour, kind, severity,
         count(*) FILTER (WHERE acked_at IS NULL)::int AS n_open,
         count(*) FILTER (WHERE acked_at <= detected_at + interval '24 hours')::int AS n_on_time,
         count(*) FILTER (WHERE acked_at > detected_at + interval '24 hours')::int AS n_late
    FROM detected_events GROUP BY 1, 2, 3, 4`;
/** Counters at zero (every detection of an hour deleted) count nothing and may stay. */
const HOURS = `SELECT tenant_id::text, hour, kind, severity, n_open, n_on_time, n_late FROM detection_hours WHERE (n_open, n_on_time, n_late) <> (0, 0, 0)`;

/** The detection facts as fleetFacts read them before 006: every detection of the 30 days. */
const LIVE_FACTS = `
  SELECT count(*) FILTER (WHERE detected_at >= now() - interval '24 hours')::int AS det_24h_total,
         count(*) FILTER (WHERE detected_at >= now() - interval '24 hours' AND acked_at IS NULL)::int AS det_24h_open,
         count(*) FILTER (WHERE acked_at <= detected_at + interval '24 hours')::int AS det_acked_on_time,
         count(*) FILTER (WHERE acked_at > detected_at + interval '24 hours')::int AS det_acked_late,
         count(*) FILTER (WHERE acked_at IS NULL AND detected_at < now() - interval '24 hours')::int AS det_overdue,
         count(*) FILTER (WHERE acked_at IS NULL AND kind IN ('impossible_travel', 'new_admin_user'))::int AS open_identity
    FROM detected_events WHERE tenant_id = $1 AND detected_at >= now() - interval '30 days'`;

async function expectHoursAreLive(db: Queryable): Promise<number> {
  const live = (await db.query<Row>(LIVE_HOURS)).rows;
  expect(rowSet((await db.query<Row>(HOURS)).rows)).toEqual(rowSet(live));
  return live.length;
}

const FILTERS = (() => {
  const out: Record<string, unknown>[] = [];
  for (const since of ['24h', '7d', '30d'])
    for (const ack of ['open', 'acked', 'all'])
      for (const extra of [{}, { kind: 'ssh_brute_force' }, { severity: 'high' }, { kind: 'impossible_travel', severity: 'critical' }])
        out.push({ since, ack, ...extra });
  return out;
})();

/**
 * In one transaction (one now()): the facts and every filter's total, read as the services read
 * them and by the full scans. Returns how many detections the 30-day window holds.
 */
async function expectReadsAreLive(db: Db, principal: Principal): Promise<number> {
  return db.transaction(async (tx) => {
    const ctx = { db: tx as Db, principal };
    const facts = await fleetFacts(ctx);
    const live = (await tx.query<Row>(LIVE_FACTS, [principal.tenantId])).rows[0]!;
    for (const [k, v] of Object.entries(live)) expect({ [k]: facts[k as keyof typeof facts] }).toEqual({ [k]: v });
    for (const f of FILTERS) {
      const input = { since: f.since, ack: f.ack, kind: f.kind, severity: f.severity, limit: 1, offset: 0 } as Parameters<typeof listDetections>[1];
      const { total } = await listDetections(ctx, input);
      const where = ['tenant_id = $1', `detected_at >= now() - interval '${f.since === '24h' ? '24 hours' : f.since === '7d' ? '7 days' : '30 days'}'`];
      const params: unknown[] = [principal.tenantId];
      if (f.kind) where.push(`kind = $${params.push(f.kind)}`);
      if (f.severity) where.push(`severity = $${params.push(f.severity)}`);
      if (f.ack === 'open') where.push('acked_at IS NULL');
      if (f.ack === 'acked') where.push('acked_at IS NOT NULL');
      const n = (await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM detected_events WHERE ${where.join(' AND ')}`, params)).rows[0]!.n;
      expect({ filter: f, total }).toEqual({ filter: f, total: n });
    }
    // The drill-down's counts, for detections on both sides of the 30-day edge and ahead of now.
    const sample = await tx.query<{ id: string; kind: string; src_ip: string | null; agent_id: string; detected_at: Date }>(
      `SELECT id, kind, src_ip, agent_id, detected_at FROM detected_events WHERE tenant_id = $1
        ORDER BY abs(extract(epoch FROM detected_at - (now() - interval '30 days'))) LIMIT 6`,
      [principal.tenantId],
    );
    const newest = await tx.query<(typeof sample.rows)[number]>(
      'SELECT id, kind, src_ip, agent_id, detected_at FROM detected_events WHERE tenant_id = $1 ORDER BY detected_at DESC LIMIT 3',
      [principal.tenantId],
    );
    for (const d of [...sample.rows, ...newest.rows]) {
      const live = await tx.query<{ same_kind: number; same_ip: number }>(
        `SELECT least((SELECT count(*) FROM detected_events WHERE tenant_id = $1 AND kind = $2 AND id <> $3 AND detected_at >= now() - interval '30 days'), $6)::int AS same_kind,
                least((SELECT count(*) FROM detected_events WHERE tenant_id = $1 AND src_ip = $4 AND agent_id <> $5 AND detected_at >= now() - interval '30 days'), $6)::int AS same_ip`,
        [principal.tenantId, d.kind, d.id, d.src_ip, d.agent_id, COUNT_CAP],
      );
      expect({ id: d.id, ...(await similarCounts(tx, principal.tenantId, d as Parameters<typeof similarCounts>[2])) }).toEqual({ id: d.id, sameKind: live.rows[0]!.same_kind, sameIpOtherHosts: live.rows[0]!.same_ip });
    }
    return facts.det_acked_on_time + facts.det_acked_late + facts.det_overdue + facts.det_24h_total;
  });
}

/**
 * Detections every 7 minutes across both window edges (so whatever the clock, some fall in each
 * edge's partial hour and on both sides of it), a day ahead (an agent's clock), and inside; kinds,
 * severities and acknowledgements (none, within 24 h, later) varied. One statement.
 */
async function edgeDetections(db: Queryable, tenantId: string, agentId: string): Promise<void> {
  await db.query(
    `INSERT INTO detected_events (tenant_id, id, agent_id, kind, severity, title, description, detected_at, acked_at)
     SELECT $1, gen_random_uuid(), $2,
            (ARRAY['ssh_brute_force', 'impossible_travel', 'new_admin_user', 'port_scan'])[1 + i % 4],
            (ARRAY['critical', 'high', 'medium', 'low', 'info'])[1 + i % 5],
            'edge', 'edge', t.at,
            CASE i % 3 WHEN 0 THEN NULL WHEN 1 THEN t.at + interval '2 hours' ELSE t.at + interval '30 hours' END
       FROM (SELECT row_number() OVER () AS i, at FROM (
               SELECT now() - interval '26 hours' + g * interval '7 minutes' AS at FROM generate_series(0, 34) g
               UNION ALL SELECT now() - interval '722 hours' + g * interval '7 minutes' FROM generate_series(0, 34) g
               UNION ALL SELECT now() + interval '20 hours'
               UNION ALL SELECT now() - g * interval '29 hours' FROM generate_series(1, 20) g) s) t`,
    [tenantId, agentId],
  );
}

describe.each(DRIVERS)('detection_hours on %s', (driver) => {
  let db: TestDb;
  let fleet: Fleet;
  let viewer: Principal;
  let analyst: Principal;

  withFleetDb(driver, async (made, built) => {
    db = made;
    fleet = built;
    await edgeDetections(db, fleet.A.id, fleet.agents.web1);
    viewer = principalFor(fleet.A, fleet.users.viewer);
    analyst = principalFor(fleet.A, fleet.users.analyst);
  });

  it('counts the fixture and bulk inserts, and the reads equal the full scans around both window edges', async () => {
    expect(await expectHoursAreLive(db)).toBeGreaterThan(50);
    expect(await expectReadsAreLive(db, viewer)).toBeGreaterThan(60);
    expect(await expectReadsAreLive(db, principalFor(fleet.B, fleet.users.bAdmin))).toBeGreaterThan(0);
  });

  it('buckets by UTC hour in a session with a half-hour time zone', async () => {
    await db.transaction(async (tx) => {
      await tx.query(`SET LOCAL TIME ZONE 'Asia/Kolkata'`);
      await edgeDetections(tx, fleet.A.id, fleet.agents.web2);
      await expectHoursAreLive(tx);
      const facts = await fleetFacts({ db: tx as Db, principal: viewer });
      const live = (await tx.query<Row>(LIVE_FACTS, [fleet.A.id])).rows[0]!;
      expect(facts).toMatchObject(live);
    });
    await expectReadsAreLive(db, viewer);
  });

  it('follows acknowledgements and their undoing, and ignores updates that change no counter', async () => {
    const open = await db.query<{ id: string }>(`SELECT id FROM detected_events WHERE tenant_id = $1 AND acked_at IS NULL ORDER BY detected_at DESC LIMIT 3`, [fleet.A.id]);
    for (const { id } of open.rows) await callService(db, analyst, 'monsys_acknowledge_detection', { detection_id: id, note: 'seen' });
    await expectHoursAreLive(db);
    await unacknowledgeDetection({ db, principal: analyst }, open.rows[0]!.id);
    await expectHoursAreLive(db);
    await db.query(`UPDATE detected_events SET acked_at = detected_at + interval '25 hours' WHERE tenant_id = $1 AND title = 'edge' AND acked_at IS NOT NULL`, [fleet.A.id]);
    await db.query(`UPDATE detected_events SET ack_note = 'noted' WHERE tenant_id = $1`, [fleet.A.id]);
    await db.query(`UPDATE detected_events SET detected_at = detected_at - interval '90 minutes', severity = 'low' WHERE tenant_id = $1 AND kind = 'port_scan'`, [fleet.A.id]);
    await expectHoursAreLive(db);
    await expectReadsAreLive(db, viewer);
  });

  it("stops the drill-down's same-kind count at the cap", async () => {
    await db.query(
      `INSERT INTO detected_events (tenant_id, id, agent_id, kind, severity, title, description, detected_at)
       SELECT $1, gen_random_uuid(), $2, 'malware_hash', 'high', 'cap-test', 'm', now() - g * interval '10 minutes' FROM generate_series(1, $3::int) g`,
      [fleet.A.id, fleet.agents.db1, COUNT_CAP + 5],
    );
    const d = (await db.query<{ id: string; detected_at: Date }>(`SELECT id, detected_at FROM detected_events WHERE title = 'cap-test' LIMIT 1`)).rows[0]!;
    expect(await similarCounts(db, fleet.A.id, { ...d, kind: 'malware_hash', src_ip: null, agent_id: fleet.agents.db1 })).toEqual({ sameKind: COUNT_CAP, sameIpOtherHosts: 0 });
    await db.query(`DELETE FROM detected_events WHERE title = 'cap-test' AND id <> $1 AND detected_at < now() - interval '1 hour'`, [d.id]);
    await expectReadsAreLive(db, viewer);
  });

  it('follows ingest, and a retried batch adds nothing', async () => {
    const agent = { tokenId: randomUUID(), tenantId: fleet.A.id, agentId: fleet.agents.web1 };
    const batch = {
      agent_id: fleet.agents.web1,
      detections: [0, 1, 2].map((i) => ({
        id: randomUUID(),
        kind: 'ssh_brute_force',
        severity: 'high',
        title: `ingested ${i}`,
        description: 'd',
        src_ip: '203.0.113.9',
        detected_at: new Date(Date.now() - i * 3_600_000).toISOString(),
      })),
      alerts: [],
      auth_events: [],
    } as unknown as Parameters<typeof storeEvents>[2];
    await db.transaction((tx) => storeEvents(tx, agent, batch));
    await db.transaction((tx) => storeEvents(tx, agent, batch));
    await expectHoursAreLive(db);
    await expectReadsAreLive(db, viewer);
  });

  it('follows deletions cascading from agents and tenants, and rolls back with its transaction', async () => {
    const before = rowSet((await db.query<Row>(HOURS)).rows);
    await expect(
      db.transaction(async (tx) => {
        await tx.query('DELETE FROM detected_events WHERE tenant_id = $1', [fleet.A.id]);
        expect((await tx.query(`SELECT 1 FROM detection_hours WHERE tenant_id = $1 AND (n_open, n_on_time, n_late) <> (0, 0, 0)`, [fleet.A.id])).rowCount).toBe(0);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(rowSet((await db.query<Row>(HOURS)).rows)).toEqual(before);

    await db.query('DELETE FROM agents WHERE tenant_id = $1 AND id = $2', [fleet.A.id, fleet.agents.web2]);
    await expectHoursAreLive(db);
    await expectReadsAreLive(db, viewer);
    await db.query('DELETE FROM tenants WHERE id = $1', [fleet.B.id]);
    await expectHoursAreLive(db);
    expect((await db.query('SELECT 1 FROM detection_hours WHERE tenant_id = $1', [fleet.B.id])).rowCount).toBe(0);
  });

  it('refuses a counter going negative instead of miscounting', async () => {
    await db.query(`UPDATE detection_hours SET n_open = 0, n_on_time = 0, n_late = 0 WHERE tenant_id = $1`, [fleet.A.id]);
    await expect(db.query('DELETE FROM detected_events WHERE tenant_id = $1', [fleet.A.id])).rejects.toThrow(/fewer than no detections/);
    // Restore by recount, as an operator would (docs: hub/src/db/SCHEMA.md).
    await db.query('DELETE FROM detection_hours');
    await db.query(`INSERT INTO detection_hours ${LIVE_HOURS.replace('tenant_id::text', 'tenant_id')}`);
    await expectHoursAreLive(db);
  });

  it('empties with TRUNCATE, and equals the live grouping after the bulk seed', async () => {
    await db.query('TRUNCATE detected_events CASCADE');
    expect((await db.query('SELECT 1 FROM detection_hours')).rowCount).toBe(0);
    const seeded = await freshDb(driver);
    try {
      await seedDemo(seeded, { scale: 0.05 });
      expect(await expectHoursAreLive(seeded)).toBeGreaterThan(100);
    } finally {
      await seeded.close();
    }
  });
});

describe('detection_hours under concurrent writers (PostgreSQL)', () => {
  let db: TestDb;
  let fleet: Fleet;
  withFleetDb('pg', async (made, built) => {
    db = made;
    fleet = built;
  });

  it('loses no count when writers of one tenant and hour commit at once', async () => {
    await Promise.all(
      Array.from({ length: 8 }, (_, w) =>
        db.transaction(async (tx) => {
          for (let i = 0; i < 5; i++) await edgeDetections(tx, fleet.A.id, w % 2 ? fleet.agents.web1 : fleet.agents.web2);
          await tx.query(`UPDATE detected_events SET acked_at = now() WHERE tenant_id = $1 AND id IN (SELECT id FROM detected_events WHERE tenant_id = $1 AND acked_at IS NULL LIMIT 3)`, [fleet.A.id]);
        }),
      ),
    );
    await expectHoursAreLive(db);
  });

  it('fails a REPEATABLE READ writer that would add to a counter changed since its snapshot', async () => {
    const late = db.transaction(async (tx) => {
      await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      await tx.query('SELECT 1 FROM detection_hours LIMIT 1'); // the snapshot
      await db.transaction((t2) => edgeDetections(t2, fleet.A.id, fleet.agents.web1)); // commits after it
      await edgeDetections(tx, fleet.A.id, fleet.agents.web1);
    });
    await expect(late).rejects.toThrow(/could not serialize/);
    await expectHoursAreLive(db);
  });
});
