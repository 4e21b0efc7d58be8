/**
 * Every read tool's SQL can be served by an index: with sequential scans turned off the planner
 * still finds a plan without a sequential scan of any table that grows with the fleet.
 * (At the large benchmark size the real plans are reported by `npm run bench`, docs/performance.md.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainAll, type PlanReport } from '../bench/explain.js';
import { issueAccessToken, verifyAccessToken } from '../hub/src/auth/tokens.js';
import { seedDemo } from '../hub/src/seed/index.js';
import type { ToolName } from '../shared/index.js';
import { freshDb, type TestDb } from './harness/db.js';

describe('query plans', () => {
  let db: TestDb;
  let reports: PlanReport[];

  beforeAll(async () => {
    db = await freshDb('pg');
    await seedDemo(db, { seed: 7 });
    await db.exec('ANALYZE');
    const t = await db.query<{ tenant_id: string; user_id: string }>(
      "SELECT m.tenant_id, m.user_id FROM memberships m JOIN tenants t ON t.id = m.tenant_id WHERE t.slug = 'acme' AND m.role = 'admin' LIMIT 1",
    );
    const { tenant_id, user_id } = t.rows[0]!;
    const principal = await verifyAccessToken(db, (await issueAccessToken(db, { tenantId: tenant_id, userId: user_id, scopes: ['mcp.read'] })).value);
    const agent = (await db.query<{ id: string }>('SELECT id FROM agents WHERE tenant_id = $1 LIMIT 1', [tenant_id])).rows[0]!.id;
    const det = (await db.query<{ id: string }>('SELECT id FROM detected_events WHERE tenant_id = $1 LIMIT 1', [tenant_id])).rows[0]!.id;
    const args = (name: ToolName): Record<string, unknown> =>
      name === 'monsys_get_agent' ? { agent_id: agent } : name === 'monsys_get_detection' ? { detection_id: det } : name === 'monsys_list_detections' ? { since: '7d', src_ip: '185.220.101.42' } : {};
    reports = await explainAll(db.url!, JSON.stringify(principal), args, { forbidSeqScan: true });
  }, 120_000);
  afterAll(async () => db?.close());

  it('captures the SQL of every read tool', () => {
    const tools = new Set(reports.map((r) => r.tool));
    expect(tools.size).toBe(11);
  });

  it('has an index for every query on a table that grows with the fleet', () => {
    const offenders = reports.filter((r) => r.seqScans.length).map((r) => `${r.tool}: ${r.seqScans.join(', ')} in ${r.sql.slice(0, 160)}`);
    expect(offenders).toEqual([]);
  });
});
