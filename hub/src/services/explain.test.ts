/**
 * Every statement the services run can be answered through an index led by tenant_id: recorded
 * from real calls of all 12 tools (and the dashboard's un-acknowledge), then EXPLAINed with
 * sequential scans disabled. A plan that still scans a tenant table sequentially, or reads an
 * index without a tenant_id condition (a full index scan), has no tenant-scoped index to use.
 * (bench/explain.ts checks the chosen plans at 2M rows; this catches a missing index path early.)
 */
import { describe, expect, it } from 'vitest';
import { CATALOGUE, type ToolName } from '../../../shared/index.js';
import { DRIVERS, type TestDb } from '../../../test/harness/db.js';
import { callService, principalFor, withFleetDb, type Fleet } from '../../../test/harness/fixtures.js';
import { recordingDb } from '../db/recording.js';
import { unacknowledgeDetection } from './detections.js';

const TENANT_TABLES = [
  'agents', 'alerts', 'detected_events', 'auth_events', 'vuln_matches', 'sla_targets', 'sla_observations',
  'trust_score_history', 'audit_log', 'mcp_call_log', 'open_cves', 'open_cve_hosts',
];
/** Global tables, read by primary key only. */
const GLOBAL_TABLES = ['vuln_advisories', 'users'];
/** The tag filter's GIN index holds no tenant_id (001_init.sql); the planner ANDs it with a tenant index. */
const UNSCOPED_INDEXES_ALLOWED = ['agents_tags'];

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Plans?: PlanNode[];
}

/** Scans that read a table without an index, or a tenant table's index without a tenant_id condition. */
function badScans(node: PlanNode, tableOf: Map<string, string>, out: string[] = []): string[] {
  const type = node['Node Type'];
  const rel = node['Relation Name'];
  if (type === 'Seq Scan' && rel && (TENANT_TABLES.includes(rel) || GLOBAL_TABLES.includes(rel))) out.push(`Seq Scan on ${rel}`);
  const index = node['Index Name'];
  const table = rel ?? (index ? tableOf.get(index) : undefined);
  const onTenantTable = table !== undefined && TENANT_TABLES.includes(table);
  if (/Index/.test(type) && onTenantTable && !UNSCOPED_INDEXES_ALLOWED.includes(index ?? '') && !/tenant_id/.test(node['Index Cond'] ?? '')) {
    out.push(`${type} on ${index ?? rel} without a tenant_id condition`);
  }
  for (const child of node.Plans ?? []) badScans(child, tableOf, out);
  return out;
}

describe.each(DRIVERS)('query plans on %s', (driver) => {
  let db: TestDb;
  let fleet: Fleet;
  let tableOf: Map<string, string>;
  const recorded: { tool: string; sql: string; params: unknown[] }[] = [];

  withFleetDb(driver, async (made, built) => {
    db = made;
    fleet = built;
    const ix = await db.query<{ indexname: string; tablename: string }>(`SELECT indexname, tablename FROM pg_indexes WHERE schemaname = 'public'`);
    tableOf = new Map(ix.rows.map((r) => [r.indexname, r.tablename]));
    const p = principalFor(fleet.A, fleet.users.analyst);
    let current = '';
    const spy = recordingDb(db, (sql, params) => recorded.push({ tool: current, sql, params }));
    // Every filter switched on at least once, so each optional condition is planned.
    const calls: [ToolName, Record<string, unknown>][] = [
      ['monsys_list_agents', {}],
      ['monsys_list_agents', { tag: 'prod', status: 'online', hostname_contains: 'web' }],
      ['monsys_get_agent', { agent_id: fleet.agents.web1 }],
      ['monsys_trust_score', {}],
      ['monsys_list_alerts', {}],
      ['monsys_list_alerts', { severity: 'high', category: 'malware', agent_id: fleet.agents.web1 }],
      ['monsys_list_detections', {}],
      ['monsys_list_detections', { since: '30d', ack: 'open', src_ip: '185.220.101.42', agent_id: fleet.agents.web1, kind: 'ssh_brute_force', severity: 'high' }],
      ['monsys_get_detection', { detection_id: fleet.det.brute }],
      ['monsys_acknowledge_detection', { detection_id: fleet.det.travel }],
      ['monsys_list_kernel_cves', { min_severity: 'high' }],
      ['monsys_list_os_cves', { ecosystem: 'apt', package: 'xz-utils', min_severity: 'low' }],
      ['monsys_list_sla_overview', {}],
      ['monsys_audit_log_search', { since: '7d', actor_email_contains: '@msp' }],
      ['monsys_audit_log_search', { event_type: 'user_login' }],
      ['monsys_kpi_summary', {}],
    ];
    for (const [tool, args] of calls) {
      current = tool;
      await callService(spy, p, tool, args);
    }
    current = 'unacknowledgeDetection';
    await unacknowledgeDetection({ db: spy, principal: p }, fleet.det.travel);
  });

  it('recorded statements from every tool', () => {
    expect(new Set(recorded.map((r) => r.tool))).toEqual(new Set([...CATALOGUE.map((t) => t.name), 'unacknowledgeDetection']));
  });

  async function planOf(sql: string, params: unknown[]): Promise<PlanNode> {
    const plan = await db.transaction(async (tx) => {
      await tx.query('SET LOCAL enable_seqscan = off');
      return (await tx.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${sql.replace(/\s+FOR UPDATE( OF \w+)?\s*$/i, '')}`, params)).rows[0]!['QUERY PLAN'];
    });
    return ((typeof plan === 'string' ? JSON.parse(plan) : plan) as { Plan: PlanNode }[])[0]!.Plan;
  }

  it('flags a statement that is not tenant-scoped (the check itself can fail)', async () => {
    const plan = await planOf('SELECT count(*) FROM auth_events WHERE occurred_at > now() - make_interval(secs => $1)', [60]);
    expect(badScans(plan, tableOf).join()).toMatch(/without a tenant_id condition|Seq Scan on auth_events/);
  });

  it('plans every statement through tenant-scoped indexes', async () => {
    const offenders: string[] = [];
    for (const r of recorded) {
      const scans = badScans(await planOf(r.sql, r.params), tableOf);
      if (scans.length) offenders.push(`${r.tool}: ${scans.join('; ')}\n${r.sql}`);
    }
    expect(offenders).toEqual([]);
  });
});
