/**
 * Fleet data in, end to end on both databases: agents enroll, send heartbeats, inventories and
 * events over HTTP to an in-process hub, and the tools (REST routes with a user's mat_ token) show
 * them; OSV fixture advisories are imported, matched against the inventories with each ecosystem's
 * ordering, and a re-import withdraws what OSV withdrew or dropped.
 */
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueAccessToken } from '../hub/src/auth/tokens.js';
import { loadConfig } from '../hub/src/config.js';
import { issueEnrollmentToken } from '../hub/src/ingest/tokens.js';
import { createLogger } from '../hub/src/logger.js';
import { importOsv } from '../hub/src/osv/import.js';
import { startHub, type RunningHub } from '../hub/src/server.js';
import { DRIVERS, freshDb, type TestDb } from './harness/db.js';
import { runHubCli } from './harness/hub.js';
import { ROOT } from './harness/paths.js';

const FIXTURES = join(ROOT, 'hub/src/osv/fixtures');
const hours = (h: number) => new Date(Date.now() - h * 3600_000).toISOString();

/** One host per distribution, with packages chosen against the fixture advisories. */
const HOSTS = {
  deb1: { os_release: { id: 'debian', version_id: '12' }, packages: [
    { name: 'openssl', version: '3.0.11-1~deb12u2' }, // < 3.0.14-1~deb12u2: affected
    { name: 'linux-image-6.1.0-18-amd64', version: '6.1.76-1', source: 'linux', source_version: '6.1.76-1' }, // kernel, < 6.1.85-1
    { name: 'bind9', version: '1:9.18.19-1~deb12u1' }, // < 1:9.18.24-1
    { name: 'curl', version: '7.88.1-10+deb12u4' }, // only a withdrawn advisory
  ] },
  deb2: { os_release: { id: 'debian', version_id: '12' }, packages: [
    { name: 'openssl', version: '3.0.14-1~deb12u2' }, // fixed
    { name: 'libssl3', version: '3.0.11-1~deb12u2', source: 'openssl' }, // affected through its source package
    { name: 'bind9', version: '1:9.18.28-1~deb12u2' }, // fixed
  ] },
  deb11: { os_release: { id: 'debian', version_id: '11' }, packages: [{ name: 'openssl', version: '1.1.1w-0+deb11u1' }] },
  ubu: { os_release: { id: 'ubuntu', version_id: '22.04' }, packages: [{ name: 'curl', version: '7.81.0-1ubuntu1.15' }] },
  alp: { os_release: { id: 'alpine', version_id: '3.19.1' }, packages: [
    { name: 'openssl', version: '3.1.4-r3' },
    { name: 'busybox', version: '1.36.1-r15' },
    { name: 'musl', version: '1.2.4_git20230717-r5' }, // exactly the fixed version
  ] },
  rocky: { os_release: { id: 'rocky', version_id: '9.3' }, packages: [
    { name: 'openssl-libs', version: '1:3.0.7-25.el9_3' },
    { name: 'kernel', version: '5.14.0-362.24.1.el9_3' },
    { name: 'sudo', version: '1.9.5p2-9.el9' }, // only an AlmaLinux advisory: not this host
  ] },
  sles: { os_release: { id: 'sles', version_id: '15.5' }, packages: [{ name: 'kernel-default', version: '5.14.21-150500.55.49.1' }] },
} as const;
type HostName = keyof typeof HOSTS;

describe.each(DRIVERS)('ingest on %s', (driver) => {
  let db: TestDb;
  let hub: RunningHub;
  const T = { a: '', b: '' };
  const users = { a: randomUUID(), b: randomUUID() };
  const mat = { a: '', b: '' };
  const agents = Object.fromEntries(Object.keys(HOSTS).map((h) => [h, randomUUID()])) as Record<HostName, string>;
  const men = {} as Record<HostName | 'b1', string>;
  const agentB = randomUUID();

  async function post(token: string | undefined, path: string, body: unknown, raw?: string) {
    const res = await fetch(`${hub.url}/v1/ingest/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: raw ?? JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, any> };
  }
  async function get(token: string, path: string) {
    const res = await fetch(hub.url + path, { headers: { authorization: `Bearer ${token}` } });
    const json = (await res.json()) as Record<string, any>;
    expect(res.status, JSON.stringify(json)).toBe(200);
    return json;
  }
  const heartbeat = (agent: string, host: string, osRelease: { id: string; version_id: string }, extra: object = {}) => ({
    agent_id: agent, hostname: host, ip: '10.1.0.7', os: `${osRelease.id} ${osRelease.version_id}`, os_release: osRelease,
    kernel_version: '6.1.0-18-amd64', tags: ['prod', 'ingest'], cpu_pct: 12.5, mem_pct: 40, disk_pct: 71, ...extra,
  });
  const count = async (table: string, tenant: string) =>
    (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1`, [tenant])).rows[0]!.n;

  beforeAll(async () => {
    db = await freshDb(driver);
    T.a = randomUUID();
    T.b = randomUUID();
    await db.query(`INSERT INTO tenants (id, slug, name, mcp_enabled) VALUES ($1, 'ing-a', 'A', true), ($2, 'ing-b', 'B', true)`, [T.a, T.b]);
    await db.query(`INSERT INTO users (id, email, name) VALUES ($1, 'a@ing.example', 'a'), ($2, 'b@ing.example', 'b')`, [users.a, users.b]);
    await db.query(`INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'analyst'), ($3, $4, 'analyst')`, [T.a, users.a, T.b, users.b]);
    hub = await startHub(loadConfig({}, { port: 0, logLevel: 'warn' }), { db, logger: createLogger('warn', { write: () => {} } as never) });
    mat.a = (await issueAccessToken(db, { tenantId: T.a, userId: users.a, scopes: ['mcp.read'] })).value;
    mat.b = (await issueAccessToken(db, { tenantId: T.b, userId: users.b, scopes: ['mcp.read'] })).value;
    for (const h of Object.keys(HOSTS) as HostName[]) men[h] = (await issueEnrollmentToken(db, T.a, h)).value;
    men.b1 = (await issueEnrollmentToken(db, T.b, 'b1')).value;
  });
  afterAll(async () => {
    await hub?.close();
    await db?.close();
  });

  if (driver === 'pg') {
    it('enrolls with the CLI: issue prints only a men_ token, list shows it without its value, revoke reads stdin', async () => {
      const env = { DATABASE_URL: db.url! };
      const token = (await runHubCli(['enroll', 'issue', '--tenant', 'ing-a', '--name', 'cli-host'], env)).trim();
      expect(token).toMatch(/^men_[A-Za-z0-9_-]{43}$/);
      const agent = randomUUID();
      const r = await post(token, 'heartbeat', heartbeat(agent, 'cli-host', { id: 'debian', version_id: '12' }));
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      const list = await runHubCli(['enroll', 'list', '--tenant', 'ing-a'], env);
      expect(list).toContain('cli-host\tactive');
      expect(list).toContain(agent);
      expect(list).not.toContain(token);
      const stored = await db.query('SELECT 1 FROM enrollment_tokens WHERE token_sha256 = $1', [token]);
      expect(stored.rowCount).toBe(0);
      expect((await runHubCli(['enroll', 'revoke'], env, `${token}\n`)).trim()).toBe('revoked');
      expect((await post(token, 'heartbeat', heartbeat(agent, 'cli-host', { id: 'debian', version_id: '12' }))).status).toBe(401);
      await db.query('DELETE FROM agents WHERE id = $1', [agent]);
    }, 60_000);
  }

  it('refuses requests without an enrollment token, and users\' mat_ tokens, with 401', async () => {
    const body = heartbeat(agents.deb1, 'deb1', HOSTS.deb1.os_release);
    expect((await post(undefined, 'heartbeat', body)).status).toBe(401);
    const withMat = await post(mat.a, 'heartbeat', body);
    expect(withMat.status).toBe(401);
    expect(withMat.json.error.message).toMatch(/enrollment token \(men_…\), not a user access token/);
    expect((await post(`men_${'x'.repeat(43)}`, 'heartbeat', body)).status).toBe(401);
    expect(await count('agents', T.a)).toBe(0);
  });

  it('creates agents from heartbeats and the tools list them', async () => {
    for (const h of Object.keys(HOSTS) as HostName[]) {
      const r = await post(men[h], 'heartbeat', heartbeat(agents[h], h, HOSTS[h].os_release));
      expect(r.status, JSON.stringify(r.json)).toBe(200);
    }
    // A second heartbeat updates the same agent.
    const again = await post(men.deb1, 'heartbeat', heartbeat(agents.deb1, 'deb1', HOSTS.deb1.os_release, { cpu_pct: 93, status: 'degraded' }));
    expect(again.status).toBe(200);
    const list = await get(mat.a, '/v1/agents?tag=ingest');
    expect(list.total).toBe(7);
    const one = await get(mat.a, `/v1/agents/${agents.deb1}`);
    expect(one.agent).toMatchObject({ hostname: 'deb1', status: 'degraded', os_family: 'debian', cpu_pct: 93, tags: ['prod', 'ingest'] });
    expect((await get(mat.b, '/v1/agents')).total).toBe(0);
  });

  it('binds a token to its agent and a tenant to its agents: no writing for another agent or into another tenant', async () => {
    // deb2's token speaking for deb1.
    const r1 = await post(men.deb2, 'heartbeat', heartbeat(agents.deb1, 'evil', HOSTS.deb1.os_release));
    expect(r1.status).toBe(403);
    // Tenant B's token with tenant A's agent id: heartbeat, inventory and events all refused.
    for (const [path, body] of [
      ['heartbeat', heartbeat(agents.deb1, 'evil', HOSTS.deb1.os_release)],
      ['inventory', { agent_id: agents.deb1, os_release: HOSTS.deb1.os_release, packages: [] }],
      ['events', { agent_id: agents.deb1, alerts: [] }],
    ] as const) {
      const r = await post(men.b1, path, body);
      expect(r.status, path).toBe(403);
    }
    const a = await db.query<{ hostname: string; tenant_id: string }>('SELECT hostname, tenant_id FROM agents WHERE id = $1', [agents.deb1]);
    expect(a.rows).toEqual([{ hostname: 'deb1', tenant_id: T.a }]);
    // B's own agent works, and stays in B.
    expect((await post(men.b1, 'heartbeat', heartbeat(agentB, 'b-web', { id: 'debian', version_id: '12' }))).status).toBe(200);
    expect((await get(mat.b, '/v1/agents')).total).toBe(1);
  });

  const detection = randomUUID();
  const auth = [randomUUID(), randomUUID(), randomUUID()];
  const alert = randomUUID();
  const batch = () => ({
    agent_id: agents.deb1,
    detections: [{ id: detection, kind: 'ssh_brute_force', severity: 'high', title: 'SSH brute force against root', description: '40 failures in 2 minutes',
      src_ip: '185.220.101.42', src_country: 'DE', target_user: 'root', detected_at: hours(1), auth_event_ids: [auth[2]] }],
    alerts: [{ id: alert, severity: 'critical', category: 'intrusion', title: 'Root login from Tor exit', description: 'after brute force', created_at: hours(1) }],
    auth_events: [
      { id: auth[0], occurred_at: hours(1.1), username: 'root', src_ip: '185.220.101.42', method: 'ssh_password', success: false, detection_id: detection },
      { id: auth[1], occurred_at: hours(1.05), username: 'root', src_ip: '185.220.101.42', method: 'ssh_password', success: true, detection_id: detection },
      // Linked from the detection's side; an unrelated source address, so only the link relates it.
      { id: auth[2], occurred_at: hours(20), username: 'deploy', src_ip: '10.9.9.9', method: 'ssh_key', success: true },
    ],
  });

  it('stores a batch of events, links auth events to the detection, and the tools show them', async () => {
    const r = await post(men.deb1, 'events', batch());
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json.inserted).toEqual({ detections: 1, alerts: 1, auth_events: 3 });
    const list = await get(mat.a, '/v1/detections?since=24h');
    expect(list.detections.map((d: { id: string }) => d.id)).toEqual([detection]);
    const d = await get(mat.a, `/v1/detections/${detection}`);
    expect(d.related_auth_events.map((e: { id: string }) => e.id).sort()).toEqual([...auth].sort());
    const alerts = await get(mat.a, '/v1/alerts?severity=critical');
    expect(alerts.alerts.map((x: { id: string }) => x.id)).toEqual([alert]);
    const linked = await db.query<{ id: string }>('SELECT id FROM auth_events WHERE tenant_id = $1 AND detection_id = $2 ORDER BY id', [T.a, detection]);
    expect(linked.rows.map((x) => x.id)).toEqual([...auth].sort());
  });

  it('creates no duplicates when a batch is retried', async () => {
    const r = await post(men.deb1, 'events', batch());
    expect(r.status).toBe(200);
    expect(r.json.inserted).toEqual({ detections: 0, alerts: 0, auth_events: 0 });
    expect(r.json.duplicates).toEqual({ detections: 1, alerts: 1, auth_events: 3 });
    expect([await count('detected_events', T.a), await count('alerts', T.a), await count('auth_events', T.a)]).toEqual([1, 1, 3]);
    // The same ids from tenant B are B's own rows, and link to nothing of A's.
    const fromB = await post(men.b1, 'events', { agent_id: agentB, auth_events: [{ ...batch().auth_events[0], detection_id: detection }] });
    expect(fromB.status).toBe(400);
    expect(fromB.json.error.field).toBe('auth_events.0.detection_id');
    expect(await count('auth_events', T.b)).toBe(0);
  });

  it('rejects a bad batch with 400 naming the field, and writes nothing of it', async () => {
    const fresh = () => ({
      agent_id: agents.deb2,
      detections: [{ ...batch().detections[0], id: randomUUID(), auth_event_ids: [] }],
      alerts: [{ ...batch().alerts[0], id: randomUUID() }],
      auth_events: [{ ...batch().auth_events[2], id: randomUUID() }, { ...batch().auth_events[2], id: randomUUID() }],
    });
    const cases: [object, string][] = [
      [{ ...fresh(), auth_events: [fresh().auth_events[0], { ...fresh().auth_events[1], method: 'telnet' }] }, 'auth_events.1.method'],
      [{ ...fresh(), alerts: [{ ...fresh().alerts[0], created_at: 'yesterday' }] }, 'alerts.0.created_at'],
      [{ ...fresh(), detections: [{ ...fresh().detections[0], src_ip: '999.1.1.1' }] }, 'detections.0.src_ip'],
      [{ ...fresh(), detections: [{ ...fresh().detections[0], colour: 'red' }] }, 'detections.0.colour'],
      [{ ...fresh(), detections: [{ ...fresh().detections[0], auth_event_ids: [randomUUID()] }] }, 'detections.0.auth_event_ids.0'],
      [{ ...fresh(), agent_id: 'not-a-uuid' }, 'agent_id'],
      [{ ...fresh(), auth_events: Array.from({ length: 1001 }, () => ({ ...fresh().auth_events[0], id: randomUUID() })) }, 'detections'],
    ];
    const before = [await count('detected_events', T.a), await count('alerts', T.a), await count('auth_events', T.a)];
    for (const [body, field] of cases) {
      const r = await post(men.deb2, 'events', body);
      expect(r.status, field).toBe(400);
      expect(r.json.error.code).toBe('invalid_argument');
      expect(r.json.error.field).toBe(field);
      expect(r.json.error.message).toContain(field);
    }
    expect([await count('detected_events', T.a), await count('alerts', T.a), await count('auth_events', T.a)]).toEqual(before);
    expect((await post(men.deb2, 'events', null, '{"agent_id":')).status).toBe(400);
    const big = await post(men.deb2, 'events', null, JSON.stringify({ agent_id: agents.deb2, pad: 'x'.repeat(1_100_000) }));
    expect(big.status).toBe(413);
    const inv = await post(men.deb2, 'inventory', { agent_id: agents.deb2, os_release: { id: 'gentoo' }, packages: [] });
    expect(inv.json.error?.field).toBe('os_release.id');
  });

  it('imports OSV advisories and matches them with each ecosystem\'s version ordering', async () => {
    // Two hosts report before the import (matched by the import), the rest after (matched on upload).
    for (const h of ['deb1', 'ubu'] as HostName[]) {
      const r = await post(men[h], 'inventory', { agent_id: agents[h], os_release: HOSTS[h].os_release, packages: HOSTS[h].packages });
      expect(r.status, JSON.stringify(r.json)).toBe(200);
    }
    const stats = await importOsv(db, FIXTURES);
    expect(stats).toMatchObject({ files: 15, records: 13, imported: 13, withdrawn: 1, skipped: 1, invalid: 1 });
    for (const h of ['deb2', 'deb11', 'alp', 'rocky', 'sles'] as HostName[]) {
      const r = await post(men[h], 'inventory', { agent_id: agents[h], os_release: HOSTS[h].os_release, packages: HOSTS[h].packages });
      expect(r.status, JSON.stringify(r.json)).toBe(200);
    }
    expect((await post(men.b1, 'inventory', { agent_id: agentB, os_release: { id: 'debian', version_id: '12' }, packages: [{ name: 'openssl', version: '3.0.9-1' }] })).json.open_advisories).toBe(2);

    const os = await get(mat.a, '/v1/cves/os?limit=50');
    const seen = os.cves.map((c: any) => `${c.cve_id} ${c.package} ${c.ecosystem} ${c.affected_hosts}`).sort();
    expect(seen).toEqual([
      'CVE-2023-42366 busybox apk 1',
      'CVE-2023-50387 bind9 apt 1',
      'CVE-2023-5678 openssl-libs dnf 1',
      'CVE-2024-0727 openssl apk 1',
      'CVE-2024-2398 curl apt 1',
      'CVE-2024-5535 openssl apt 3',
      'CVE-2024-6119 openssl apt 3',
    ]);
    const openssl = os.cves.find((c: any) => c.cve_id === 'CVE-2024-5535');
    expect(openssl).toMatchObject({ severity: 'critical', cvss: 9.1 });
    expect(['3.0.14-1~deb12u2', '1.1.1w-0+deb11u2']).toContain(openssl.fixed_version);
    const kernel = await get(mat.a, '/v1/cves/kernel');
    expect(kernel.cves.map((c: any) => `${c.cve_id} ${c.package} ${c.affected_hosts} ${c.severity}`).sort()).toEqual([
      'CVE-2023-6040 kernel 1 high',
      'CVE-2024-1086 kernel-default 1 high',
      'CVE-2024-26925 linux 1 medium',
    ]);
    expect((await get(mat.a, '/v1/cves/os?ecosystem=apk')).total).toBe(2);
    // Tenant B sees its own host only.
    const b = await get(mat.b, '/v1/cves/os');
    expect(b.cves.map((c: any) => `${c.cve_id} ${c.affected_hosts}`).sort()).toEqual(['CVE-2024-5535 1', 'CVE-2024-6119 1']);

    // Importing the same export again changes nothing.
    const again = await importOsv(db, FIXTURES);
    expect(again).toMatchObject({ imported: 0, unchanged: 13, matches: { opened: 0, resolved: 0 } });
  });

  it('an upgrade resolves the host\'s match on its next inventory', async () => {
    const upgraded = HOSTS.ubu.packages.map((p) => ({ ...p, version: '7.81.0-1ubuntu1.16' }));
    const r = await post(men.ubu, 'inventory', { agent_id: agents.ubu, os_release: HOSTS.ubu.os_release, packages: upgraded });
    expect(r.json.open_advisories).toBe(0);
    const os = await get(mat.a, '/v1/cves/os?ecosystem=apt');
    expect(os.cves.map((c: any) => c.cve_id)).not.toContain('CVE-2024-2398');
  });

  it('a re-import with an advisory withdrawn, and a full re-import missing one, removes them from the tools', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'osv-reimport-'));
    try {
      cpSync(FIXTURES, dir, { recursive: true });
      const file = join(dir, 'Debian/DSA-5750-1.json');
      writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), withdrawn: '2024-09-02T00:00:00Z' }));
      rmSync(join(dir, 'Alpine/ALPINE-CVE-2023-42366.json'));
      const s = await importOsv(db, dir, { full: true });
      expect(s).toMatchObject({ imported: 1, withdrawn: 1, removed: 1 });
      // Per (host, advisory row): 2 CVEs × (deb1, deb2, deb11 in A and b-web in B) for openssl, and busybox on alp.
      expect(s.matches.resolved).toBe(2 * 4 + 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const os = await get(mat.a, '/v1/cves/os?limit=50');
    const ids = os.cves.map((c: any) => c.cve_id).sort();
    expect(ids).toEqual(['CVE-2023-50387', 'CVE-2023-5678', 'CVE-2024-0727']);
    expect((await get(mat.b, '/v1/cves/os')).total).toBe(0);
    const open = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM vuln_matches m JOIN vuln_advisories v ON v.id = m.advisory_id WHERE v.osv_id = 'DSA-5750-1' AND m.resolved_at IS NULL`,
    );
    expect(open.rows[0]!.n).toBe(0);
  });
});
