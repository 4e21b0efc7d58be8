/**
 * open_cves (migration 005) against the grouping it replaces: after each way vuln_matches and
 * vuln_advisories change (rows written directly, as the seed and the fixtures do; OSV import and
 * inventory matching; cascades from agents, advisories and tenants), the rollup must equal the
 * aggregate of the live rows that vulns.ts computed per request before, for every tenant, both
 * lists and every min_severity (and open_cve_hosts each host's worst rank per entry). On
 * PostgreSQL, also with two writers of one entry at once.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DRIVERS, freshDb, rowSet, type Row, type TestDb } from '../../../test/harness/db.js';
import { callService, principalFor, withFleetDb, type Fleet } from '../../../test/harness/fixtures.js';
import { ROOT } from '../../../test/harness/paths.js';
import type { Queryable } from '../db/types.js';
import { importOsv } from '../osv/import.js';
import { matchAgents } from '../osv/match.js';
import { seedDemo } from '../seed/index.js';

const OSV_FIXTURES = join(ROOT, 'hub/src/osv/fixtures');
const RANK = `array_position(ARRAY['info','low','medium','high','critical']::text[], v.severity)`;

/**
 * The query vulns.ts ran per call before 005 (filters applied to advisories, then grouped), once
 * per tenant, list (kernel or OS) and min_severity rank, in the columns of open_cves (whose
 * kernel entries have ecosystem '').
 */
const LIVE = `
  SELECT t.id::text AS tenant_id, k.kernel AS is_kernel, r.min_rank, g.*
    FROM tenants t CROSS JOIN (VALUES (true), (false)) k(kernel) CROSS JOIN generate_series(1, 5) r(min_rank)
    CROSS JOIN LATERAL (
      SELECT v.cve_id, v.package, CASE WHEN k.kernel THEN '' ELSE min(v.ecosystem) END AS ecosystem, max(${RANK})::int AS sev_rank,
             round(max(v.cvss)::numeric, 1)::float8 AS cvss, min(v.summary) AS summary, max(v.fixed_version) AS fixed_version,
             min(v.published_at) AS published_at, count(DISTINCT m.agent_id)::int AS affected_hosts
        FROM vuln_matches m JOIN vuln_advisories v ON v.id = m.advisory_id
       WHERE m.tenant_id = t.id AND m.resolved_at IS NULL AND v.withdrawn_at IS NULL AND v.is_kernel = k.kernel AND ${RANK} >= r.min_rank
       GROUP BY v.cve_id, v.package, CASE WHEN k.kernel THEN '' ELSE v.ecosystem END
    ) g`;
const ROLLUP = `
  SELECT tenant_id::text, is_kernel, min_rank::int, cve_id, package, ecosystem, sev_rank::int, cvss, summary, fixed_version,
         published_at, affected_hosts
    FROM open_cves`;
/** Each host's worst rank per entry, from the live rows and as open_cve_hosts keeps it. */
const LIVE_HOSTS = `
  SELECT m.tenant_id::text, v.package, v.cve_id, m.agent_id::text, v.is_kernel, CASE WHEN v.is_kernel THEN '' ELSE v.ecosystem END AS ecosystem,
         max(${RANK})::int AS sev_rank
    FROM vuln_matches m JOIN vuln_advisories v ON v.id = m.advisory_id
   WHERE m.resolved_at IS NULL AND v.withdrawn_at IS NULL
   GROUP BY 1, 2, 3, 4, 5, 6`;
const HOSTS = 'SELECT tenant_id::text, package, cve_id, agent_id::text, is_kernel, ecosystem, sev_rank::int AS sev_rank FROM open_cve_hosts';

async function expectRollupIsLive(db: Queryable): Promise<number> {
  const live = (await db.query<Row>(LIVE)).rows;
  expect(rowSet((await db.query<Row>(ROLLUP)).rows)).toEqual(rowSet(live));
  expect(rowSet((await db.query<Row>(HOSTS)).rows)).toEqual(rowSet((await db.query<Row>(LIVE_HOSTS)).rows));
  return live.length;
}

/** The (is_kernel, min_rank 1) row of one CVE and package in one tenant: what the unfiltered list shows. */
async function entry(db: Queryable, tenantId: string, cve: string, pkg: string) {
  const r = await db.query<{ affected_hosts: number; sev_rank: number; cvss: number | null }>(
    'SELECT affected_hosts, sev_rank::int AS sev_rank, cvss FROM open_cves WHERE tenant_id = $1 AND cve_id = $2 AND package = $3 AND min_rank = 1',
    [tenantId, cve, pkg],
  );
  return r.rows[0];
}

describe.each(DRIVERS)('open_cves on %s', (driver) => {
  let db: TestDb;
  let fleet: Fleet;

  withFleetDb(driver, async (made, built) => {
    db = made;
    fleet = built;
  });

  it('holds the groups of the fixture, one row per min_severity up to the worst', async () => {
    expect(await expectRollupIsLive(db)).toBeGreaterThan(10);
    // xz-utils: the DSA (critical, 2 hosts) and the CVE's own advisory (high, db-01) are one entry
    // of 3 hosts; with min_severity critical only the DSA's 2 hosts count (as before 005).
    const xz = await db.query<{ min_rank: number; affected_hosts: number; cvss: number }>(
      `SELECT min_rank::int AS min_rank, affected_hosts, cvss FROM open_cves WHERE tenant_id = $1 AND cve_id = 'CVE-2024-3094' ORDER BY min_rank`,
      [fleet.A.id],
    );
    expect(xz.rows.map((r) => [r.min_rank, r.affected_hosts, r.cvss])).toEqual([[1, 3, 10], [2, 3, 10], [3, 3, 10], [4, 3, 10], [5, 2, 10]]);
    const p = principalFor(fleet.A, fleet.users.viewer);
    expect((await callService(db, p, 'monsys_list_os_cves', { min_severity: 'critical' })).cves).toMatchObject([{ cve_id: 'CVE-2024-3094', affected_hosts: 2 }]);
  });

  it('follows inserted matches (multi-row, resolved ones and ones of withdrawn advisories included)', async () => {
    const { A, B, agents } = fleet;
    await db.query(
      `INSERT INTO vuln_matches (tenant_id, agent_id, advisory_id, installed_version, resolved_at)
       VALUES ($1, $2, 'ALPINE-1', '1', NULL), ($1, $3, 'ALPINE-1', '1', now()), ($1, $3, 'DSA-K3', '1', NULL), ($4, $5, 'DSA-5000-1', '1', NULL)`,
      [A.id, agents.buildx, agents.db1, B.id, agents.bWeb],
    );
    await expectRollupIsLive(db);
    expect((await entry(db, A.id, 'CVE-2023-4911', 'musl'))?.affected_hosts).toBe(2);
    expect(await entry(db, A.id, 'CVE-2022-9999', 'linux')).toBeUndefined();
    expect((await entry(db, B.id, 'CVE-2024-3094', 'xz-utils'))?.affected_hosts).toBe(1);
  });

  it('follows resolved and reopened matches, and ignores updates that leave them open', async () => {
    const { A, agents } = fleet;
    await db.query(`UPDATE vuln_matches SET resolved_at = now() WHERE tenant_id = $1 AND agent_id = $2 AND advisory_id = 'DSA-5000-1'`, [A.id, agents.web1]);
    await expectRollupIsLive(db);
    expect((await entry(db, A.id, 'CVE-2024-3094', 'xz-utils'))?.affected_hosts).toBe(2);
    // The matcher's upsert: reopens a resolved match, rewrites the version of an open one.
    await db.query(
      `INSERT INTO vuln_matches (tenant_id, agent_id, advisory_id, installed_version) VALUES ($1, $2, 'DSA-5000-1', '2'), ($1, $3, 'DSA-5724-1', '2')
       ON CONFLICT (tenant_id, agent_id, advisory_id) DO UPDATE SET installed_version = excluded.installed_version, resolved_at = NULL`,
      [A.id, agents.web1, agents.web2],
    );
    await expectRollupIsLive(db);
    expect((await entry(db, A.id, 'CVE-2024-3094', 'xz-utils'))?.affected_hosts).toBe(3);
    await db.query(`UPDATE vuln_matches SET resolved_at = now() WHERE tenant_id = $1 AND advisory_id = 'DSA-K1'`, [A.id]);
    await expectRollupIsLive(db);
    expect(await entry(db, A.id, 'CVE-2024-1086', 'linux')).toBeUndefined();
    await db.query(`UPDATE vuln_matches SET resolved_at = NULL WHERE tenant_id = $1 AND advisory_id = 'DSA-K1'`, [A.id]);
    await expectRollupIsLive(db);
  });

  it('follows advisories withdrawn, brought back, re-rated and moved to another package', async () => {
    const { A } = fleet;
    await db.query(`UPDATE vuln_advisories SET withdrawn_at = now() WHERE id = 'DSA-5000-1'`);
    await expectRollupIsLive(db);
    expect(await entry(db, A.id, 'CVE-2024-3094', 'xz-utils')).toMatchObject({ affected_hosts: 1, sev_rank: 4, cvss: 9 });
    await db.query(`UPDATE vuln_advisories SET withdrawn_at = NULL WHERE id = 'DSA-5000-1'`);
    await db.query(`UPDATE vuln_advisories SET withdrawn_at = NULL WHERE id = 'DSA-K3'`);
    await expectRollupIsLive(db);
    expect(await entry(db, A.id, 'CVE-2022-9999', 'linux')).toMatchObject({ affected_hosts: 2 }); // buildx01 (fixture) and db-01 (above)
    // What `hub osv import` does to a changed record: an upsert of every column.
    await db.query(
      `INSERT INTO vuln_advisories (id, cve_id, ecosystem, package, is_kernel, severity, cvss, summary)
       VALUES ('CVE-2024-3094', 'CVE-2024-3094', 'apt', 'xz-utils', false, 'critical', 9.96, 'rescored')
       ON CONFLICT (id) DO UPDATE SET severity = excluded.severity, cvss = excluded.cvss, summary = excluded.summary`,
    );
    await expectRollupIsLive(db);
    expect(await entry(db, A.id, 'CVE-2024-3094', 'xz-utils')).toMatchObject({ affected_hosts: 3, sev_rank: 5, cvss: 10 });
    await db.query(`UPDATE vuln_advisories SET package = 'liblzma5', is_kernel = true WHERE id = 'CVE-2024-3094'`);
    await expectRollupIsLive(db);
    await db.query(`UPDATE vuln_advisories SET package = 'xz-utils', is_kernel = false WHERE id = 'CVE-2024-3094'`);
    await expectRollupIsLive(db);
  });

  it('follows deletions cascading from agents and advisories, and rolls back with its transaction', async () => {
    const { A, f } = fleet;
    const gone = await f.agent(A.id, { hostname: 'gone-01' });
    for (const adv of ['DSA-K1', 'DSA-5000-1', 'RHSA-2024-4312']) await f.match(A.id, gone, adv);
    await expectRollupIsLive(db);
    await db.query('DELETE FROM agents WHERE id = $1', [gone]);
    await expectRollupIsLive(db);
    await f.advisory({ id: 'TMP-1', cve: 'CVE-2024-6387', ecosystem: 'apt', pkg: 'openssh-server', severity: 'critical', cvss: 9.8 });
    await f.match(A.id, fleet.agents.web1, 'TMP-1');
    await f.match(fleet.B.id, fleet.agents.bWeb, 'TMP-1');
    await expectRollupIsLive(db);
    await db.query(`DELETE FROM vuln_advisories WHERE id = 'TMP-1'`);
    await expectRollupIsLive(db);
    const before = rowSet((await db.query<Row>(ROLLUP)).rows);
    await expect(
      db.transaction(async (tx) => {
        await tx.query('DELETE FROM vuln_matches WHERE tenant_id = $1', [A.id]);
        expect((await tx.query('SELECT 1 FROM open_cves WHERE tenant_id = $1', [A.id])).rowCount).toBe(0);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(rowSet((await db.query<Row>(ROLLUP)).rows)).toEqual(before);
  });

  it('follows `hub osv import` and inventory matching: opened, withdrawn, resolved on upgrade', async () => {
    const { A, agents } = fleet;
    await db.query(`UPDATE agents SET distro = 'debian', distro_release = '12' WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [A.id, [agents.web1, agents.web2]]);
    for (const a of [agents.web1, agents.web2]) {
      await db.query(
        `INSERT INTO agent_packages (tenant_id, agent_id, ecosystem, name, version, source_name, source_version)
         VALUES ($1, $2, 'apt', 'openssl', '3.0.11-1~deb12u2', NULL, NULL),
                ($1, $2, 'apt', 'linux-image-6.1.0-18-amd64', '6.1.76-1', 'linux', '6.1.76-1'),
                ($1, $2, 'apt', 'bind9', '1:9.18.19-1~deb12u1', NULL, NULL)`,
        [A.id, a],
      );
    }
    const rows = await expectRollupIsLive(db);
    const stats = await importOsv(db, OSV_FIXTURES);
    expect(stats.matches.opened).toBeGreaterThanOrEqual(8);
    expect(await expectRollupIsLive(db)).toBeGreaterThan(rows);
    expect((await entry(db, A.id, 'CVE-2024-5535', 'openssl'))?.affected_hosts).toBe(2);

    const dir = mkdtempSync(join(tmpdir(), 'open-cves-osv-'));
    try {
      cpSync(OSV_FIXTURES, dir, { recursive: true });
      const file = join(dir, 'Debian/DSA-5750-1.json');
      writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), withdrawn: '2024-09-02T00:00:00Z' }));
      expect(await importOsv(db, dir)).toMatchObject({ withdrawn: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await expectRollupIsLive(db);
    expect(await entry(db, A.id, 'CVE-2024-5535', 'openssl')).toBeUndefined();

    await db.query(`UPDATE agent_packages SET version = '1:9.18.28-1~deb12u2' WHERE tenant_id = $1 AND agent_id = $2 AND name = 'bind9'`, [A.id, agents.web1]);
    const m = await db.transaction((tx) => matchAgents(tx, A.id, [agents.web1]));
    expect(m.resolved).toBeGreaterThan(0);
    await expectRollupIsLive(db);
  });

  it('refuses writes at REPEATABLE READ, where its counts could go stale', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
        await tx.query(`UPDATE vuln_matches SET resolved_at = now() WHERE tenant_id = $1 AND advisory_id = 'DSA-K2'`, [fleet.A.id]);
      }),
    ).rejects.toThrow(/READ COMMITTED/);
    await expectRollupIsLive(db);
  });

  it('drops a deleted tenant’s rows, and every row on TRUNCATE', async () => {
    await db.query('DELETE FROM tenants WHERE id = $1', [fleet.B.id]);
    expect((await db.query('SELECT 1 FROM open_cves WHERE tenant_id = $1', [fleet.B.id])).rowCount).toBe(0);
    expect(await expectRollupIsLive(db)).toBeGreaterThan(0);
    await db.query('TRUNCATE vuln_matches');
    expect(await expectRollupIsLive(db)).toBe(0);
    expect((await db.query('SELECT 1 FROM open_cve_hosts')).rowCount).toBe(0);
  });
});

describe.each(DRIVERS)('open_cves after the demo seed on %s', (driver) => {
  let db: TestDb;
  afterAll(async () => {
    await db?.close();
  });

  it('equals the live grouping after the bulk seed (1,000 matches a statement)', async () => {
    db = await freshDb(driver);
    await seedDemo(db, { scale: 0.01 }); // the fleet (550 hosts, ~3,600 matches) at any scale; little else
    expect(await expectRollupIsLive(db)).toBeGreaterThan(500);
  });
});

/**
 * Two transactions at READ COMMITTED, each seeing only its own uncommitted rows. Without the
 * per-tenant lock the second writer's recount would miss the first one's host.
 */
describe('open_cves with concurrent writers on pg', () => {
  let db: TestDb;
  let fleet: Fleet;

  withFleetDb('pg', async (made, built) => {
    db = made;
    fleet = built;
  });

  /** Runs `first` and `second` in two transactions; `second` starts once `first` has run and commits after it. */
  async function interleaved(first: (tx: Queryable) => Promise<void>, second: (tx: Queryable) => Promise<void>) {
    let firstDone!: () => void;
    let commitFirst!: () => void;
    const ran = new Promise<void>((r) => (firstDone = r));
    const gate = new Promise<void>((r) => (commitFirst = r));
    const t1 = db.transaction(async (tx) => {
      await first(tx);
      firstDone();
      await gate;
    });
    await ran;
    let secondRan = false;
    const t2 = db.transaction(async (tx) => {
      await second(tx);
      secondRan = true;
    });
    await new Promise((r) => setTimeout(r, 300));
    const waited = !secondRan;
    commitFirst();
    await Promise.all([t1, t2]);
    return { waited };
  }

  it('two transactions adding hosts to one group count both', async () => {
    const { A, f } = fleet;
    const [h1, h2] = [await f.agent(A.id, { hostname: 'new-01' }), await f.agent(A.id, { hostname: 'new-02' })];
    const add = (agent: string) => async (tx: Queryable) =>
      void (await tx.query(`INSERT INTO vuln_matches (tenant_id, agent_id, advisory_id, installed_version) VALUES ($1, $2, 'DSA-K1', '1')`, [A.id, agent]));
    expect((await entry(db, A.id, 'CVE-2024-1086', 'linux'))?.affected_hosts).toBe(3);
    const { waited } = await interleaved(add(h1), add(h2));
    expect(waited).toBe(true);
    await expectRollupIsLive(db);
    expect((await entry(db, A.id, 'CVE-2024-1086', 'linux'))?.affected_hosts).toBe(5);
  });

  it('a match added while its advisory is re-rated or brought back is counted with the advisory as committed', async () => {
    const { A, B, agents } = fleet;
    // Advisory first, match second.
    await interleaved(
      async (tx) => void (await tx.query(`UPDATE vuln_advisories SET severity = 'low', cvss = 3.1 WHERE id = 'DSA-K2'`)),
      async (tx) => void (await tx.query(`INSERT INTO vuln_matches (tenant_id, agent_id, advisory_id, installed_version) VALUES ($1, $2, 'DSA-K2', '1')`, [A.id, agents.web2])),
    );
    await expectRollupIsLive(db);
    expect(await entry(db, A.id, 'CVE-2023-0001', 'linux')).toMatchObject({ affected_hosts: 2, sev_rank: 2 });
    // Match first, advisory second: a withdrawn advisory comes back while tenant B gets its first match.
    await interleaved(
      async (tx) => void (await tx.query(`INSERT INTO vuln_matches (tenant_id, agent_id, advisory_id, installed_version) VALUES ($1, $2, 'DSA-K3', '1')`, [B.id, agents.bWeb])),
      async (tx) => void (await tx.query(`UPDATE vuln_advisories SET withdrawn_at = NULL WHERE id = 'DSA-K3'`)),
    );
    await expectRollupIsLive(db);
    expect(await entry(db, B.id, 'CVE-2022-9999', 'linux')).toMatchObject({ affected_hosts: 1 });
  });
});
