/**
 * The 12 REST routes over real HTTP on both databases, against the known fleet of
 * test/harness/fixtures.ts: the happy path with value assertions, and every filter as a query
 * parameter. (Authentication, scopes, roles, opt-out, bad input and the call-log row of each
 * route are test/rest-matrix.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueAccessToken } from '../hub/src/auth/tokens.js';
import { loadConfig } from '../hub/src/config.js';
import { createLogger } from '../hub/src/logger.js';
import { startHub, type RunningHub } from '../hub/src/server.js';
import { DRIVERS, freshDb, type TestDb } from './harness/db.js';
import { buildFleet, EXPECTED_KPI, FLEET_EXPECTED, RAW_BODIES, TOR_IP, type Fleet } from './harness/fixtures.js';
import { verifies } from './harness/verifies.js';

describe.each(DRIVERS)('REST tools on %s', (driver) => {
  let db: TestDb;
  let hub: RunningHub;
  let fleet: Fleet;
  let token: string;

  async function get(path: string, query: Record<string, string | number> = {}): Promise<any> {
    const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
    const res = await fetch(`${hub.url}${path}${qs ? `?${qs}` : ''}`, { headers: { authorization: `Bearer ${token}` } });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    return body;
  }

  async function post(path: string, body: object): Promise<any> {
    const res = await fetch(hub.url + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = await res.json();
    expect(res.status, JSON.stringify(json)).toBe(200);
    return json;
  }

  beforeAll(async () => {
    db = await freshDb(driver);
    fleet = await buildFleet(db);
    hub = await startHub(loadConfig({}, { port: 0, logLevel: 'silent' }), { db, logger: createLogger('silent') });
    token = (await issueAccessToken(db, { tenantId: fleet.A.id, userId: fleet.users.analyst.id, scopes: ['mcp.read', 'mcp.acknowledge'] })).value;
  });
  afterAll(async () => {
    await hub?.close();
    await db?.close();
  });

  it('GET /v1/agents lists hosts with open alert counts; tag, status, hostname_contains, limit, offset', async () => {
    verifies('TOOL-1');
    const all = await get('/v1/agents');
    expect(all.total).toBe(5);
    expect(all.agents.map((a: any) => `${a.hostname}:${a.open_alerts}`)).toEqual(['build_01:0', 'buildx01:0', 'db-01:2', 'web-01:2', 'web-02:1']);
    const names = async (q: Record<string, string | number>) => (await get('/v1/agents', q)).agents.map((a: any) => a.hostname);
    expect(await names({ tag: 'dmz' })).toEqual(['web-01']);
    expect(await names({ status: 'offline' })).toEqual(['build_01']);
    expect(await names({ hostname_contains: 'build_' })).toEqual(['build_01']);
    expect(await names({ limit: 1, offset: 4 })).toEqual(['web-02']);
  });

  it('GET /v1/agents/:agent_id returns the host with its open alerts', async () => {
    verifies('TOOL-2');
    const r = await get(`/v1/agents/${fleet.agents.db1}`);
    expect(r.agent).toMatchObject({ hostname: 'db-01', ip: '10.0.1.5', os: 'Rocky Linux 9', os_family: 'rhel', status: 'degraded', tags: ['prod', 'db'] });
    expect(r.open_alerts.map((a: any) => [a.severity, a.title])).toEqual([
      ['medium', 'World-writable config'],
      ['low', 'Password policy'],
    ]);
  });

  it('GET /v1/trust-score returns the score, six components and the 7-day delta', async () => {
    verifies('TOOL-3');
    const r = await get('/v1/trust-score');
    expect(r.score).toBe(FLEET_EXPECTED.score);
    expect(r.delta_7d).toBe(FLEET_EXPECTED.delta7d);
    expect(Object.fromEntries(r.components.map((c: any) => [c.name, c.score]))).toEqual(FLEET_EXPECTED.components);
  });

  it('GET /v1/alerts lists open alerts newest first; severity, category, agent_id, limit, offset', async () => {
    verifies('TOOL-4');
    const r = await get('/v1/alerts');
    expect(r.total).toBe(5);
    expect(r.alerts.map((a: any) => a.title)).toEqual(['Rootkit signature', 'Miner binary', 'World-writable config', 'Reboot', 'Password policy']);
    const titles = async (q: Record<string, string | number>) => (await get('/v1/alerts', q)).alerts.map((a: any) => a.title);
    expect(await titles({ severity: 'high' })).toEqual(['Miner binary']);
    expect(await titles({ category: 'availability' })).toEqual(['Reboot']);
    expect(await titles({ agent_id: fleet.agents.web1 })).toEqual(['Rootkit signature', 'Miner binary']);
    expect(await titles({ agent_id: fleet.agents.bWeb })).toEqual([]);
    expect(await titles({ limit: 2, offset: 3 })).toEqual(['Reboot', 'Password policy']);
  });

  it('GET /v1/detections windows and filters: since, ack, src_ip, agent_id, kind, severity, limit, offset', async () => {
    verifies('TOOL-5');
    const d = fleet.det;
    const ids = async (q: Record<string, string | number>) => (await get('/v1/detections', q)).detections.map((x: any) => x.id);
    expect(await ids({})).toEqual([d.brute, d.travel]);
    expect(await ids({ since: '7d' })).toEqual([d.brute, d.travel, d.process, d.bruteOld]);
    expect(await ids({ since: '30d', ack: 'acked' })).toEqual([d.bruteOld, d.newAdmin]);
    expect(await ids({ since: '30d', ack: 'open' })).toEqual([d.brute, d.travel, d.process]);
    // The product page's routine: detections of the last 7 days from one IP.
    expect(await ids({ since: '7d', src_ip: TOR_IP })).toEqual([d.brute, d.bruteOld]);
    expect(await ids({ since: '30d', agent_id: fleet.agents.buildx })).toEqual([d.process]);
    expect(await ids({ since: '30d', kind: 'impossible_travel' })).toEqual([d.travel]);
    expect(await ids({ since: '30d', severity: 'critical' })).toEqual([d.newAdmin]);
    const page = await get('/v1/detections', { since: '30d', limit: 1, offset: 4 });
    expect(page).toMatchObject({ total: 5, detections: [{ id: d.newAdmin, hostname: 'db-01', target_user: 'backdoor' }] });
  });

  it('GET /v1/detections/:detection_id drills down with related auth events, similar findings and next steps', async () => {
    verifies('TOOL-6');
    const r = await get(`/v1/detections/${fleet.det.brute}`);
    expect(r.detection).toMatchObject({ id: fleet.det.brute, src_ip: TOR_IP, target_user: 'root', acked_by: null });
    expect(r.agent.hostname).toBe('web-01');
    expect(r.related_auth_events).toHaveLength(8);
    expect(r.related_auth_events[0]).toMatchObject({ success: true, src_ip: TOR_IP, username: 'root' });
    expect(r.similar_findings.map((x: any) => x.id)).toEqual([fleet.det.bruteOld]);
    expect(r.suggested_next_steps[0]).toContain('treat the targeted account as compromised');
  });

  it('GET /v1/cves/kernel lists kernel CVEs with affected_hosts; min_severity, limit, offset', async () => {
    verifies('TOOL-8');
    const r = await get('/v1/cves/kernel');
    expect(r.total).toBe(FLEET_EXPECTED.kernelCves);
    expect(r.cves.map((c: any) => [c.cve_id, c.affected_hosts, c.fixed_version])).toEqual([
      ['CVE-2024-1086', 3, '6.1.76-1'],
      ['CVE-2023-0001', 1, null],
    ]);
    expect((await get('/v1/cves/kernel', { min_severity: 'critical' })).cves.map((c: any) => c.cve_id)).toEqual(['CVE-2024-1086']);
    expect(await get('/v1/cves/kernel', { limit: 1, offset: 1 })).toMatchObject({ total: 2, cves: [{ cve_id: 'CVE-2023-0001' }] });
  });

  it('GET /v1/cves/os lists OS-package CVEs; ecosystem, package, min_severity, limit, offset', async () => {
    verifies('TOOL-9');
    const r = await get('/v1/cves/os');
    expect(r.total).toBe(FLEET_EXPECTED.osCves);
    expect(r.cves[0]).toMatchObject({ cve_id: 'CVE-2024-3094', ecosystem: 'apt', package: 'xz-utils', severity: 'critical', cvss: 10, affected_hosts: 3 });
    const keys = async (q: Record<string, string | number>) => (await get('/v1/cves/os', q)).cves.map((c: any) => `${c.cve_id}/${c.ecosystem}/${c.package}`);
    expect(await keys({ ecosystem: 'apk' })).toEqual(['CVE-2023-4911/apk/musl']);
    expect(await keys({ package: 'xz-utils' })).toEqual(['CVE-2024-3094/apt/xz-utils']);
    expect(await keys({ min_severity: 'high', ecosystem: 'apt' })).toEqual(['CVE-2024-3094/apt/xz-utils', 'CVE-2024-6387/apt/openssh-server']);
    expect(await keys({ limit: 1, offset: 2 })).toEqual(['CVE-2024-6387/dnf/openssh-server']);
  });

  it('GET /v1/sla returns every target with observed % and error budget', async () => {
    verifies('TOOL-10');
    const r = await get('/v1/sla');
    expect(r.targets.map((t: any) => [t.name, t.observed_pct, t.error_budget_remaining_pct, t.status])).toEqual([
      ['API availability', 99.5, 50, 'met'],
      ['Backup success', null, null, 'no_data'],
      ['Login latency', 99.92, 20, 'at_risk'],
      ['VPN uptime', 90, -100, 'breached'],
    ]);
  });

  it('GET /v1/kpi-summary returns the morning snapshot', async () => {
    verifies('TOOL-12');
    const r = await get('/v1/kpi-summary');
    expect(r).toMatchObject(EXPECTED_KPI);
  });

  it('GET /v1/audit-log searches events; event_type, actor_email_contains, since, limit, offset — and finds this test’s own calls', async () => {
    verifies('TOOL-11', 'AUDIT-2');
    const ids = async (q: Record<string, string | number>) => (await get('/v1/audit-log', q)).events.map((e: any) => e.id);
    // The product page's routine: what did people of the MSP do in the last 24h?
    expect(await ids({ actor_email_contains: '@msp.example' })).toEqual([fleet.calls.kpi, fleet.audit.grant]);
    expect(await ids({ event_type: 'user_login', since: '7d' })).toEqual([fleet.audit.login, fleet.audit.oldLogin]);
    expect(await ids({ event_type: 'policy_changed', since: '90d' })).toEqual([fleet.audit.ancient]);
    expect(await ids({ event_type: 'user_login', since: '7d', limit: 1, offset: 1 })).toEqual([fleet.audit.oldLogin]);
    // Every REST call above left an mcp_call_log row, searchable as mcp_tool_invoked.
    const mine = await get('/v1/audit-log', { event_type: 'mcp_tool_invoked', actor_email_contains: 'analyst@acme', limit: 500 });
    const tools = new Set(mine.events.map((e: any) => e.metadata.tool_name));
    expect(tools).toEqual(
      new Set([
        'monsys_list_agents', 'monsys_get_agent', 'monsys_trust_score', 'monsys_list_alerts', 'monsys_list_detections', 'monsys_get_detection',
        'monsys_list_kernel_cves', 'monsys_list_os_cves', 'monsys_list_sla_overview', 'monsys_kpi_summary', 'monsys_audit_log_search',
      ]),
    );
    expect(mine.events.every((e: any) => e.metadata.door === 'rest' && e.metadata.result_status === 'ok' && /^[0-9a-f]{64}$/.test(e.metadata.args_sha256))).toBe(true);
    const everything = JSON.stringify(await get('/v1/audit-log', { since: '90d', limit: 500 }));
    for (const body of RAW_BODIES) expect(everything).not.toContain(body);
  });

  it('POST /v1/detections/:detection_id/acknowledge closes it once, idempotently, and audits it', async () => {
    verifies('TOOL-7', 'SAFE-3');
    const first = await post(`/v1/detections/${fleet.det.process}/acknowledge`, { note: 'known cron job' });
    expect(first).toMatchObject({ detection_id: fleet.det.process, acknowledged: true, already_acknowledged: false, acked_by: 'analyst@acme.example' });
    const second = await post(`/v1/detections/${fleet.det.process}/acknowledge`, {});
    expect(second).toEqual({ ...first, already_acknowledged: true });
    expect((await get('/v1/detections', { since: '30d', ack: 'open' })).detections.map((x: any) => x.id)).toEqual([fleet.det.brute, fleet.det.travel]);
    const drill = await get(`/v1/detections/${fleet.det.process}`);
    expect(drill.detection).toMatchObject({ acked_at: first.acked_at, acked_by: 'analyst@acme.example', ack_note: 'known cron job' });
    const audit = await get('/v1/audit-log', { event_type: 'detection_acknowledged' });
    expect(audit.events).toEqual([
      expect.objectContaining({
        actor_email: 'analyst@acme.example', target_type: 'detection', target_id: fleet.det.process,
        metadata: { kind: 'suspicious_process', severity: 'high', with_note: true },
      }),
    ]);
    // The note stays out of audit search results (it is kept in the row's body, which never leaves the hub).
    expect(JSON.stringify(audit)).not.toContain('known cron job');
  });

  it('POST /v1/detections/:detection_id/unacknowledge reopens it through the pipeline, audited; MCP does not offer it', async () => {
    verifies('SAFE-3');
    const id = fleet.det.brute;
    await post(`/v1/detections/${id}/acknowledge`, {});
    expect(await post(`/v1/detections/${id}/unacknowledge`, {})).toEqual({ detection_id: id, reopened: true });
    expect(await post(`/v1/detections/${id}/unacknowledge`, {})).toEqual({ detection_id: id, reopened: false });
    expect((await get(`/v1/detections/${id}`)).detection).toMatchObject({ acked_at: null, acked_by: null });
    const audit = await get('/v1/audit-log', { event_type: 'detection_unacknowledged' });
    expect(audit.events).toEqual([expect.objectContaining({ actor_email: 'analyst@acme.example', target_type: 'detection', target_id: id })]);
    // The pipeline's call-log row, as for any tool call.
    const logged = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM mcp_call_log WHERE tool_name = 'monsys_unacknowledge_detection' AND door = 'rest' AND result_status = 'ok'`,
    );
    expect(logged.rows[0]!.n).toBe(2);
    // Scope and role as for acknowledging: a read-only token and a viewer are refused.
    const as = async (t: string) =>
      fetch(`${hub.url}/v1/detections/${id}/unacknowledge`, { method: 'POST', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' }, body: '{}' });
    const readOnly = (await issueAccessToken(db, { tenantId: fleet.A.id, userId: fleet.users.analyst.id, scopes: ['mcp.read'] })).value;
    expect((await as(readOnly)).status).toBe(403);
    const viewer = (await issueAccessToken(db, { tenantId: fleet.A.id, userId: fleet.users.viewer.id, scopes: ['mcp.read', 'mcp.acknowledge'] })).value;
    const refused = await as(viewer);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/needs analyst/);
    const bad = await fetch(`${hub.url}/v1/detections/not-a-uuid/unacknowledge`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    expect(bad.status).toBe(400);
    // Not a tool: the MCP endpoint neither lists nor runs it.
    const mcp = (method: string, params: object) =>
      fetch(`${hub.url}/mcp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      }).then((r) => r.text());
    expect(await mcp('tools/list', {})).not.toContain('unacknowledge');
    expect(await mcp('tools/call', { name: 'monsys_unacknowledge_detection', arguments: { detection_id: id } })).not.toContain('"reopened"');
  });
});
