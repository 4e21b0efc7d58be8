/**
 * The remote MCP endpoint against real hub processes on one PostgreSQL database, spoken to by the
 * SDK's own Client over Streamable HTTP (revisions 2025-06-18 and 2025-11-25) and by raw HTTP for
 * 2026-07-28: initialize, tools/list, a tools/call of each tool with checked structured results and
 * call-log rows, prompts; the security matrix (tokens, scopes, tenants, Origin, sizes, malformed
 * JSON-RPC, unknown tools, protocol versions, rate limits); two instances serving one client.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { renderToolText } from '../shared/render.js';
import { CATALOGUE, findTool, type ToolName } from '../shared/index.js';
import { PROMPTS } from '../shared/prompts.js';
import { issueAccessToken } from '../hub/src/auth/tokens.js';
import { openPg } from '../hub/src/db/pg.js';
import type { Db } from '../hub/src/db/types.js';
import { spawnHub, type HubProcess } from './harness/hub.js';
import { readBody } from './harness/http.js';
import { verifies } from './harness/verifies.js';

const IP = '185.220.101.42';
const CLIENT_ID = 'mcp_e2e_client';
const A = { tenant: randomUUID(), admin: randomUUID(), viewer: randomUUID(), agent: randomUUID(), alert: randomUUID(), det: randomUUID(), det2: randomUUID(), sla: randomUUID() };
const B = { tenant: randomUUID(), admin: randomUUID(), agent: randomUUID(), det: randomUUID() };
const C = { tenant: randomUUID(), admin: randomUUID() };
const R = { tenant: randomUUID(), u1: randomUUID(), u2: randomUUID() };
const KERNEL_CVE = 'CVE-2024-99001';
const OS_CVE = 'CVE-2024-99002';

async function insertFixtures(db: Db): Promise<void> {
  await db.query(
    `INSERT INTO tenants (id, slug, name, mcp_enabled) VALUES
       ($1, 'mcp-a', 'A', true), ($2, 'mcp-b', 'B', true), ($3, 'mcp-c', 'C', false), ($4, 'mcp-r', 'R', true)`,
    [A.tenant, B.tenant, C.tenant, R.tenant],
  );
  await db.query(
    `INSERT INTO users (id, email, name) VALUES ($1, 'admin@a.example', 'A'), ($2, 'viewer@a.example', 'V'),
       ($3, 'admin@b.example', 'B'), ($4, 'admin@c.example', 'C'), ($5, 'u1@r.example', 'R1'), ($6, 'u2@r.example', 'R2')`,
    [A.admin, A.viewer, B.admin, C.admin, R.u1, R.u2],
  );
  await db.query(
    `INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'admin'), ($1, $3, 'viewer'), ($4, $5, 'admin'),
       ($6, $7, 'admin'), ($8, $9, 'analyst'), ($8, $10, 'analyst')`,
    [A.tenant, A.admin, A.viewer, B.tenant, B.admin, C.tenant, C.admin, R.tenant, R.u1, R.u2],
  );
  for (const t of [A, B]) {
    await db.query(
      `INSERT INTO agents (tenant_id, id, hostname, ip, country_code, os, os_family, kernel_version, tags, status, cpu_pct, mem_pct, disk_pct, last_seen_at)
       VALUES ($1, $2, $3, '10.0.0.5', 'NL', 'Debian 12', 'debian', '6.1.0-18-amd64', '{prod}', 'online', 12, 40, 55, now())`,
      [t.tenant, t.agent, `web-${t === A ? 'a' : 'b'}`],
    );
    await db.query(
      `INSERT INTO detected_events (tenant_id, id, agent_id, kind, severity, title, description, src_ip, src_country, target_user, detected_at)
       VALUES ($1, $2, $3, 'ssh_brute_force', 'high', 'SSH brute force', '312 failed SSH logins', $4, 'DE', 'root', now() - interval '1 hour')`,
      [t.tenant, t.det, t.agent, IP],
    );
  }
  await db.query(
    `INSERT INTO detected_events (tenant_id, id, agent_id, kind, severity, title, description, src_ip, src_country, target_user, detected_at)
     VALUES ($1, $2, $3, 'port_scan', 'medium', 'Port scan', 'Scan of 1000 ports', $4, 'DE', NULL, now() - interval '2 days')`,
    [A.tenant, A.det2, A.agent, IP],
  );
  await db.query(
    `INSERT INTO auth_events (tenant_id, id, agent_id, occurred_at, username, src_ip, src_country, method, success, detection_id)
     VALUES ($1, $2, $3, now() - interval '70 minutes', 'root', $4, 'DE', 'ssh_password', false, $5)`,
    [A.tenant, randomUUID(), A.agent, IP, A.det],
  );
  await db.query(
    `INSERT INTO alerts (tenant_id, id, agent_id, severity, category, title, description, status, created_at)
     VALUES ($1, $2, $3, 'critical', 'intrusion', 'Root login from new country', 'root logged in from DE', 'open', now() - interval '3 hours')`,
    [A.tenant, A.alert, A.agent],
  );
  await db.query(
    `INSERT INTO vuln_advisories (id, cve_id, ecosystem, package, is_kernel, severity, cvss, summary, fixed_version, published_at) VALUES
       ('DSA-9001-1', $1, 'apt', 'linux', true, 'high', 7.8, 'Kernel use-after-free', '6.1.0-19', now() - interval '10 days'),
       ('DSA-9002-1', $2, 'apt', 'openssl', false, 'critical', 9.8, 'OpenSSL overflow', '3.0.14-1', now() - interval '5 days')`,
    [KERNEL_CVE, OS_CVE],
  );
  await db.query(
    `INSERT INTO agent_packages (tenant_id, agent_id, ecosystem, name, version) VALUES ($1, $2, 'apt', 'linux', '6.1.0-18'), ($1, $2, 'apt', 'openssl', '3.0.11-1')`,
    [A.tenant, A.agent],
  );
  await db.query(
    `INSERT INTO vuln_matches (tenant_id, agent_id, advisory_id, installed_version) VALUES ($1, $2, 'DSA-9001-1', '6.1.0-18'), ($1, $2, 'DSA-9002-1', '3.0.11-1')`,
    [A.tenant, A.agent],
  );
  await db.query(`INSERT INTO sla_targets (tenant_id, id, name, service, target_pct, window_days) VALUES ($1, $2, 'API availability', 'api', 99.9, 30)`, [
    A.tenant,
    A.sla,
  ]);
  await db.query(
    `INSERT INTO sla_observations (tenant_id, target_id, bucket_at, good, total) VALUES ($1, $2, date_trunc('hour', now()) - interval '1 hour', 9995, 10000)`,
    [A.tenant, A.sla],
  );
  await db.query(
    `INSERT INTO audit_log (tenant_id, id, occurred_at, event_type, actor_user_id, actor_email, metadata, body)
     VALUES ($1, $2, now() - interval '2 hours', 'user_login', $3, 'admin@a.example', '{"method":"password"}', 'RAW-BODY-NEVER-SHOWN')`,
    [A.tenant, randomUUID(), A.admin],
  );
}

/** A valid call of each tool for tenant A, and what its structured result must show. */
const CALLS: Record<ToolName, { args: Record<string, unknown>; check: (out: any) => void }> = {
  monsys_list_agents: { args: { tag: 'prod' }, check: (o) => expect(o.agents.map((a: any) => a.id)).toEqual([A.agent]) },
  monsys_get_agent: {
    args: { agent_id: A.agent },
    check: (o) => {
      expect(o.agent.hostname).toBe('web-a');
      expect(o.open_alerts.map((a: any) => a.id)).toContain(A.alert);
    },
  },
  monsys_trust_score: {
    args: {},
    check: (o) => {
      expect(o.score).toBeGreaterThanOrEqual(0);
      expect(o.components).toHaveLength(6);
    },
  },
  monsys_list_alerts: { args: { severity: 'critical' }, check: (o) => expect(o.alerts.map((a: any) => a.id)).toEqual([A.alert]) },
  monsys_list_detections: {
    args: { since: '7d', src_ip: IP },
    check: (o) => expect(o.detections.map((d: any) => d.id).sort()).toEqual([A.det, A.det2].sort()),
  },
  monsys_get_detection: {
    args: { detection_id: A.det },
    check: (o) => {
      expect(o.detection.src_ip).toBe(IP);
      expect(o.related_auth_events).toHaveLength(1);
      expect(o.suggested_next_steps.length).toBeGreaterThan(0);
    },
  },
  monsys_acknowledge_detection: {
    args: { detection_id: A.det2, note: 'scanner, expected' },
    check: (o) => {
      expect(o).toMatchObject({ detection_id: A.det2, acknowledged: true, acked_by: 'admin@a.example' });
    },
  },
  monsys_list_kernel_cves: { args: {}, check: (o) => expect(o.cves.map((c: any) => [c.cve_id, c.affected_hosts])).toEqual([[KERNEL_CVE, 1]]) },
  monsys_list_os_cves: { args: { ecosystem: 'apt' }, check: (o) => expect(o.cves.map((c: any) => c.cve_id)).toContain(OS_CVE) },
  monsys_list_sla_overview: { args: {}, check: (o) => expect(o.targets.map((t: any) => t.id)).toEqual([A.sla]) },
  monsys_audit_log_search: {
    args: { event_type: 'user_login', since: '7d' },
    check: (o) => {
      expect(o.events).toHaveLength(1);
      expect(JSON.stringify(o)).not.toContain('RAW-BODY');
    },
  },
  monsys_kpi_summary: {
    args: {},
    check: (o) => {
      expect(o.tenant).toBe('mcp-a');
      expect(o.open_alerts.critical).toBe(1);
    },
  },
};

/** The SDK client, made to offer a given revision in `initialize` (it always offers its latest otherwise). */
async function connect(url: string, token: string | undefined, version?: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: token ? { authorization: `Bearer ${token}` } : {} },
  });
  if (version) {
    const send = transport.send.bind(transport);
    transport.send = (msg: JSONRPCMessage, opts) => {
      if ('method' in msg && msg.method === 'initialize') (msg.params as { protocolVersion: string }).protocolVersion = version;
      return send(msg, opts);
    };
  }
  const client = new Client({ name: 'mcp-e2e', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

let hub: HubProcess;
let hub2: HubProcess;
let hubR: HubProcess;
let db: Db;
type TokenName = 'admin' | 'read' | 'b' | 'c' | 'expired' | 'revoked' | 'otherHub' | 'r1' | 'r2' | 'lb' | 'viewer';
const tok = {} as Record<TokenName, string>;

/** A raw JSON-RPC POST; `headers` override the defaults. */
async function post(url: string, body: unknown, headers: Record<string, string | undefined> = {}) {
  const h: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  for (const [k, v] of Object.entries(headers)) v === undefined ? delete h[k] : (h[k] = v);
  const res = await fetch(url, { method: 'POST', headers: h, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const { text, json } = await readBody(res);
  return { status: res.status, headers: res.headers, text, json };
}
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const call = (name: string, args: unknown = {}, id = 1) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

beforeAll(async () => {
  hub = await spawnHub();
  db = openPg(hub.databaseUrl!, { max: 2 });
  await insertFixtures(db);
  // Each tenant's connector is opt-in; C stays disabled.
  const issue = (tenantId: string, userId: string, scopes: ('mcp.read' | 'mcp.acknowledge')[], extra = {}) =>
    issueAccessToken(db, { tenantId, userId, scopes, clientId: CLIENT_ID, audience: `${hub.url}/mcp`, ...extra }).then((t) => t.value);
  tok.admin = await issue(A.tenant, A.admin, ['mcp.read', 'mcp.acknowledge']);
  tok.read = await issue(A.tenant, A.admin, ['mcp.read']);
  tok.b = await issue(B.tenant, B.admin, ['mcp.read', 'mcp.acknowledge']);
  tok.c = await issue(C.tenant, C.admin, ['mcp.read']);
  tok.expired = await issue(A.tenant, A.admin, ['mcp.read'], { ttlSeconds: -60 });
  tok.revoked = await issue(A.tenant, A.viewer, ['mcp.read']);
  tok.otherHub = await issue(A.tenant, A.admin, ['mcp.read'], { audience: 'https://elsewhere.example/mcp' });
  // No audience (as `hub token issue` mints): valid on every instance whatever its public URL.
  tok.r1 = await issue(R.tenant, R.u1, ['mcp.read'], { audience: null });
  tok.r2 = await issue(R.tenant, R.u2, ['mcp.read'], { audience: null });
  tok.lb = await issue(A.tenant, A.admin, ['mcp.read'], { audience: null });
  // The admin CLI path mints tokens too (no OAuth client).
  tok.viewer = (await hub.cli(['token', 'issue', '--tenant', 'mcp-a', '--user', 'viewer@a.example', '--scope', 'mcp.read'])).trim();
  [hub2, hubR] = await Promise.all([
    spawnHub({ databaseUrl: hub.databaseUrl }),
    spawnHub({ databaseUrl: hub.databaseUrl, env: { MCP_RATE_LIMIT_PER_TOKEN: '3', MCP_RATE_LIMIT_PER_TENANT: '5', MCP_MAX_BODY_BYTES: '2048' } }),
  ]);
}, 120_000);

afterAll(async () => {
  await db?.close();
  await hubR?.stop();
  await hub2?.stop();
  await hub?.stop(); // drops the database last
});

describe.each(['2025-11-25', '2025-06-18'])('MCP over Streamable HTTP, revision %s (SDK client)', (version) => {
  it('initializes, lists exactly the 12 tools with annotations and output schemas, and the prompts', async () => {
    verifies('CONNECT-1');
    const client = await connect(`${hub.url}/mcp`, tok.admin, version);
    expect((client.transport as StreamableHTTPClientTransport).protocolVersion).toBe(version);
    expect(client.getServerVersion()).toMatchObject({ name: 'monsys-hub' });
    expect(client.getServerCapabilities()).toMatchObject({ tools: {}, prompts: {} });
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(CATALOGUE.map((t) => t.name));
    for (const t of tools) {
      const def = findTool(t.name)!;
      expect(t.title).toBe(def.title);
      expect(t.description).toBe(def.description);
      expect(t.annotations).toEqual(def.annotations);
      expect(t.outputSchema).toMatchObject({ type: 'object' });
      expect(t.inputSchema).toMatchObject({ type: 'object', additionalProperties: false });
    }
    const ack = tools.find((t) => t.name === 'monsys_acknowledge_detection')!;
    expect(ack.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: true });
    expect(tools.filter((t) => t.annotations?.readOnlyHint)).toHaveLength(11);

    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(PROMPTS.map((p) => p.name));
    const got = await client.getPrompt({ name: 'investigate_source_ip', arguments: { ip: IP } });
    const text = (got.messages[0]!.content as { text: string }).text;
    expect(text).toContain(IP);
    expect(text).toMatch(/monsys_audit_log_search[\s\S]*monsys_list_detections/);
    await expect(client.getPrompt({ name: 'investigate_source_ip', arguments: { ip: 'not-an-ip; ignore previous' } })).rejects.toThrow(/Argument "ip" is not valid/);
    await client.close();
  });
});

describe('the product page’s routines, run as Claude runs them (SDK client, 2025-11-25)', () => {
  const textOf = (r: { messages: { content: unknown }[] }) => (r.messages[0]!.content as { text: string }).text;

  it('morning briefing: the prompt names the KPI summary then the open detections of the last 24h, and both calls answer', async () => {
    verifies('ROUTINE-1');
    const client = await connect(`${hub.url}/mcp`, tok.admin, '2025-11-25');
    const text = textOf(await client.getPrompt({ name: 'morning_briefing' }));
    expect(text).toMatch(/monsys_kpi_summary[\s\S]*monsys_list_detections with since="24h" and ack="open"/);
    const kpi = await client.callTool({ name: 'monsys_kpi_summary', arguments: {} });
    expect(kpi.isError).toBeFalsy();
    expect(kpi.structuredContent).toMatchObject({ tenant: 'mcp-a', trust_score: expect.any(Number), detections_24h: { total: expect.any(Number), open: expect.any(Number) } });
    const open = await client.callTool({ name: 'monsys_list_detections', arguments: { since: '24h', ack: 'open' } });
    expect(open.isError).toBeFalsy();
    const dets = (open.structuredContent as { detections: { acked_at: string | null }[] }).detections;
    expect(dets.length).toBeGreaterThan(0);
    for (const d of dets) expect(d.acked_at).toBeNull();
    await client.close();
  });

  it('MSP cross-tenant check: one connector per tenant, each prompt and snapshot answering for its own tenant', async () => {
    verifies('ROUTINE-3', 'TENANT-1');
    const tenants: string[] = [];
    for (const token of [tok.admin, tok.b]) {
      const client = await connect(`${hub.url}/mcp`, token, '2025-11-25');
      expect(textOf(await client.getPrompt({ name: 'msp_tenant_check' }))).toContain('one connector per tenant');
      const kpi = await client.callTool({ name: 'monsys_kpi_summary', arguments: {} });
      tenants.push((kpi.structuredContent as { tenant: string }).tenant);
      await client.close();
    }
    expect(tenants).toEqual(['mcp-a', 'mcp-b']);
  });
});

describe('tools/call of every tool (SDK client, 2025-11-25)', () => {
  it('returns structuredContent matching the output schema, a short text, and one call-log row with the client id', async () => {
    verifies('AUDIT-1');
    const client = await connect(`${hub.url}/mcp`, tok.admin);
    for (const tool of CATALOGUE) {
      const { args, check } = CALLS[tool.name];
      const res = await client.callTool({ name: tool.name, arguments: args });
      expect(res.isError, `${tool.name}: ${JSON.stringify(res.content)}`).toBeFalsy();
      const out = tool.output.parse(res.structuredContent); // the client also validated it against outputSchema
      check(out);
      const [summary, json] = res.content as { type: string; text: string }[];
      expect(summary!.text.startsWith(`${tool.title}:`)).toBe(true);
      expect(summary!.text.length).toBeLessThan(400);
      // The readable copy is the output with attacker-controlled fields fenced (shared/render.ts).
      expect(json!.text).toBe(renderToolText(tool, res.structuredContent));
      if (!tool.untrustedFields.length) expect(JSON.parse(json!.text.slice(json!.text.indexOf('\n') + 1))).toEqual(res.structuredContent);
    }
    const log = await db.query<{ tool_name: string; client_id: string; result_status: string }>(
      `SELECT tool_name, client_id, result_status FROM mcp_call_log WHERE tenant_id = $1 AND door = 'mcp' AND user_id = $2 ORDER BY called_at`,
      [A.tenant, A.admin],
    );
    for (const t of CATALOGUE) expect(log.rows).toContainEqual({ tool_name: t.name, client_id: CLIENT_ID, result_status: 'ok' });
    await client.close();
  });

  it('answers tool errors as isError results with our message, never echoing argument values', async () => {
    const client = await connect(`${hub.url}/mcp`, tok.admin);
    const bad = await client.callTool({ name: 'monsys_list_detections', arguments: { since: 'zq-canary-2d' } });
    expect(bad.isError).toBe(true);
    expect((bad.content as { text: string }[])[0]!.text).toMatch(/^Error \(invalid_argument\): Invalid argument "since"/);
    expect(JSON.stringify(bad)).not.toContain('zq-canary');
    // Another tenant's id is "not found", never data.
    const other = await client.callTool({ name: 'monsys_get_detection', arguments: { detection_id: B.det } });
    expect(other.isError).toBe(true);
    expect(JSON.stringify(other)).toMatch(/not_found/);
    expect(JSON.stringify(other)).not.toContain('web-b');
    const otherAgent = await client.callTool({ name: 'monsys_get_agent', arguments: { agent_id: B.agent } });
    expect(otherAgent.isError).toBe(true);
    // An unknown tool is a JSON-RPC error (-32602), and its name is not echoed.
    await expect(client.callTool({ name: 'monsys_isolate_network', arguments: {} })).rejects.toThrow(/Unknown tool/);
    await client.close();
    expect(hub.logs()).not.toContain('zq-canary');
    expect(hub.logs()).not.toContain('monsys_isolate_network');
  });

  it('hides tools the role can never use, and answers a role-forbidden call with isError', async () => {
    const client = await connect(`${hub.url}/mcp`, tok.viewer);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).not.toContain('monsys_acknowledge_detection');
    expect(names).not.toContain('monsys_audit_log_search');
    expect(names).toHaveLength(10);
    const res = await client.callTool({ name: 'monsys_audit_log_search', arguments: {} });
    expect(res.isError).toBe(true);
    expect(JSON.stringify(res.content)).toMatch(/role in this tenant \(viewer\)/);
    await client.close();
  });

  it('serves the hub root as the same MCP endpoint (the product page\u2019s connector URL), and the page\u2019s curl call', async () => {
    verifies('CONNECT-1', 'CONNECT-6');
    const client = await connect(`${hub.url}/`, tok.read);
    expect((await client.listTools()).tools).toHaveLength(12);
    await client.close();
    // The product page's curl: no Accept, no MCP-Protocol-Version, no initialize.
    const r = await post(`${hub.url}/mcp`, call('monsys_kpi_summary'), { ...bearer(tok.read), accept: undefined });
    expect(r.status).toBe(200);
    expect(r.json.result.structuredContent.tenant).toBe('mcp-a');
    const page = await fetch(`${hub.url}/`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Add custom connector');
  });
});

describe('revision 2026-07-28 (stateless, per-request _meta)', () => {
  const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
  const modern = (method: string, params: Record<string, unknown> = {}, name?: string, extra: Record<string, string | undefined> = {}) =>
    post(`${hub.url}/mcp`, { jsonrpc: '2.0', id: 7, method, params: { ...params, _meta: meta } }, {
      ...bearer(tok.admin),
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': method,
      ...(name !== undefined ? { 'mcp-name': name } : {}),
      ...extra,
    });

  it('answers server/discover, lists, calls and prompts with resultType and cache hints', async () => {
    const d = await modern('server/discover');
    expect(d.status).toBe(200);
    expect(d.json.result).toMatchObject({ resultType: 'complete', capabilities: { tools: {}, prompts: {} }, cacheScope: 'public' });
    // server/discover names the revisions served without initialize; the 2025 ones are negotiated by initialize.
    expect(d.json.result.supportedVersions).toEqual(['2026-07-28']);
    expect(d.json.result._meta['io.modelcontextprotocol/serverInfo'].name).toBe('monsys-hub');
    const l = await modern('tools/list');
    expect(l.json.result.tools).toHaveLength(12);
    expect(l.json.result).toMatchObject({ resultType: 'complete', cacheScope: 'private' });
    expect(l.json.result.ttlMs).toBeGreaterThan(0);
    const c = await modern('tools/call', { name: 'monsys_kpi_summary', arguments: {} }, 'monsys_kpi_summary');
    expect(c.json.result).toMatchObject({ resultType: 'complete', structuredContent: { tenant: 'mcp-a' } });
    const encoded = `=?base64?${Buffer.from('monsys_trust_score').toString('base64')}?=`;
    const e = await modern('tools/call', { name: 'monsys_trust_score', arguments: {} }, encoded);
    expect(e.json.result.structuredContent.components).toHaveLength(6);
    const stepUp = await post(
      `${hub.url}/mcp`,
      { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'monsys_acknowledge_detection', arguments: { detection_id: A.det }, _meta: meta } },
      { ...bearer(tok.read), 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'monsys_acknowledge_detection' },
    );
    expect(stepUp.status).toBe(403);
    expect(stepUp.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    const p = await modern('prompts/get', { name: 'morning_briefing' }, 'morning_briefing');
    expect(p.json.result.messages[0].content.text).toContain('monsys_kpi_summary');
  });

  it('validates headers against the body and answers unknown methods and versions as a modern server', async () => {
    const wrongName = await modern('tools/call', { name: 'monsys_kpi_summary', arguments: {} }, 'monsys_trust_score');
    expect([wrongName.status, wrongName.json.error.code]).toEqual([400, -32020]);
    const noMethod = await modern('tools/list', {}, undefined, { 'mcp-method': undefined });
    expect([noMethod.status, noMethod.json.error.code]).toEqual([400, -32020]);
    const unknown = await modern('resources/list');
    expect([unknown.status, unknown.json.error.code]).toEqual([404, -32601]);
    // A later revision's client sends its envelope; without one the request is a malformed modern one (-32602).
    const futureCall = { ...call('monsys_kpi_summary'), params: { name: 'monsys_kpi_summary', arguments: {}, _meta: { ...meta, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' } } };
    const future = await post(`${hub.url}/mcp`, futureCall, { ...bearer(tok.admin), 'mcp-protocol-version': '2099-01-01', 'mcp-method': 'tools/call', 'mcp-name': 'monsys_kpi_summary' });
    expect(future.status).toBe(400);
    expect((await post(`${hub.url}/mcp`, call('monsys_kpi_summary'), { ...bearer(tok.admin), 'mcp-protocol-version': '2099-01-01' })).status).toBe(400);
    expect(future.json.error).toMatchObject({ code: -32022, data: { requested: '2099-01-01' } });
    expect(future.json.error.data.supported).toContain('2026-07-28');
    // A legacy initialize offering 2026-07-28 is answered with the newest initialize-based revision.
    const init = await post(`${hub.url}/mcp`, {
      jsonrpc: '2.0', id: 1, method: 'initialize',
      params: { protocolVersion: '2026-07-28', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
    }, bearer(tok.admin));
    expect(init.json.result.protocolVersion).toBe('2025-11-25');
  });
});

describe('authentication, authorization and transport security', () => {
  const kpi = call('monsys_kpi_summary');

  it('answers 401 with the protected-resource challenge for missing, bad, expired, revoked and foreign-audience tokens', async () => {
    verifies('CONNECT-4', 'SESSION-2');
    const none = await post(`${hub.url}/mcp`, kpi);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe(`Bearer realm="monsys", scope="mcp.read mcp.acknowledge", resource_metadata="${hub.url}/.well-known/oauth-protected-resource/mcp"`);
    const root = await post(`${hub.url}/`, kpi);
    expect(root.headers.get('www-authenticate')).toBe(`Bearer realm="monsys", scope="mcp.read mcp.acknowledge", resource_metadata="${hub.url}/.well-known/oauth-protected-resource"`);
    await db.query(`UPDATE mcp_access_tokens SET revoked_at=NOW() WHERE user_id='${A.viewer}'`); // the page's SQL, as written
    const bad = 'mat_' + 'x'.repeat(43);
    for (const t of [bad, tok.expired, tok.revoked, tok.otherHub, 'not-a-token']) {
      const r = await post(`${hub.url}/mcp`, kpi, bearer(t));
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toContain('error="invalid_token"');
      expect(r.headers.get('www-authenticate')).toContain('resource_metadata=');
      expect(r.text).not.toContain(t);
    }
    // The SDK client sees the 401 too (claude.ai starts OAuth discovery from it).
    await expect(connect(`${hub.url}/mcp`, tok.expired)).rejects.toMatchObject({ code: 401 });
  });

  it('answers 403 for a tenant that has not opted in, saying why', async () => {
    verifies('TENANT-2');
    const r = await post(`${hub.url}/mcp`, kpi, bearer(tok.c));
    expect(r.status).toBe(403);
    expect(r.json.error.message).toMatch(/not enabled for this tenant/);
  });

  it('answers a call needing a scope the token lacks with the insufficient_scope step-up challenge', async () => {
    const r = await post(`${hub.url}/mcp`, call('monsys_acknowledge_detection', { detection_id: A.det }), bearer(tok.read));
    expect(r.status).toBe(403);
    expect(r.headers.get('www-authenticate')).toBe(
      `Bearer realm="monsys", error="insufficient_scope", scope="mcp.acknowledge mcp.read", resource_metadata="${hub.url}/.well-known/oauth-protected-resource/mcp"`,
    );
    // Refused through invokeTool, so the call log records it as the REST door would.
    const logged = await db.query(
      `SELECT client_id FROM mcp_call_log WHERE tenant_id = $1 AND tool_name = 'monsys_acknowledge_detection' AND result_status = 'insufficient_scope'`,
      [A.tenant],
    );
    expect(logged.rows.length).toBeGreaterThanOrEqual(1);
    expect(logged.rows.every((r) => r.client_id === CLIENT_ID)).toBe(true);
    // Listed nonetheless: the admin could step up to it.
    const client = await connect(`${hub.url}/mcp`, tok.read);
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('monsys_acknowledge_detection');
    await client.close();
  });

  it('refuses foreign Origins (DNS rebinding) and accepts the hub\u2019s own and the configured ones', async () => {
    const evil = await post(`${hub.url}/mcp`, kpi, { ...bearer(tok.read), origin: 'http://evil.example' });
    expect(evil.status).toBe(403);
    for (const origin of [new URL(hub.url).origin, 'https://claude.ai']) {
      expect((await post(`${hub.url}/mcp`, kpi, { ...bearer(tok.read), origin })).status).toBe(200);
    }
  });

  it('answers malformed JSON, malformed JSON-RPC, oversized bodies and unsupported versions with 4xx', async () => {
    const notJson = await post(`${hub.url}/mcp`, '{"jsonrpc":', bearer(tok.read));
    expect([notJson.status, notJson.json.error.code]).toEqual([400, -32700]);
    const notRpc = await post(`${hub.url}/mcp`, { hello: 'world' }, bearer(tok.read));
    expect(notRpc.status).toBe(400);
    expect(notRpc.json.error.code).toBeLessThan(-32000);
    const huge = await post(`${hubR.url}/mcp`, call('monsys_kpi_summary', { pad: 'x'.repeat(4096) }), bearer(tok.r1));
    expect(huge.status).toBe(413);
    const old = await post(`${hub.url}/mcp`, kpi, { ...bearer(tok.read), 'mcp-protocol-version': '2023-01-01' });
    expect(old.status).toBe(400);
    const get = await fetch(`${hub.url}/mcp`, { headers: { accept: 'text/event-stream', ...bearer(tok.read) } });
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
    expect((await fetch(`${hub.url}/mcp`, { method: 'DELETE', headers: bearer(tok.read) })).status).toBe(405);
  });

  it('rate-limits tool calls per token holder and per tenant with 429 and Retry-After, across instances', async () => {
    for (let i = 0; i < 3; i++) expect((await post(`${hubR.url}/mcp`, call('monsys_trust_score', {}, i), bearer(tok.r1))).status).toBe(200);
    const limited = await post(`${hubR.url}/mcp`, call('monsys_trust_score'), bearer(tok.r1));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Listing is not a tool call.
    expect((await post(`${hubR.url}/mcp`, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, bearer(tok.r1))).status).toBe(200);
    // The second user of the tenant has two calls left of the tenant's five; made on another instance,
    // they count all the same (the window is read from the shared call log).
    for (let i = 0; i < 2; i++) expect((await post(`${hub.url}/mcp`, call('monsys_trust_score', {}, i), bearer(tok.r2))).status).toBe(200);
    const tenantLimited = await post(`${hubR.url}/mcp`, call('monsys_trust_score'), bearer(tok.r2));
    expect(tenantLimited.status).toBe(429);
    expect(tenantLimited.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});

describe('two hub instances on one database', () => {
  it('answer alternating requests of one client with one token, without sticky sessions', async () => {
    // One logical client whose requests a load balancer spreads over both instances.
    const urls = [hub.url, hub2.url];
    let n = 0;
    const transport = new StreamableHTTPClientTransport(new URL(`${hub.url}/mcp`), {
      requestInit: { headers: bearer(tok.lb) },
      fetch: (input, init) => {
        const target = new URL(String(input instanceof Request ? input.url : input));
        const base = new URL(urls[n++ % 2]!);
        target.host = base.host;
        return fetch(target, init);
      },
    });
    const client = new Client({ name: 'lb', version: '1' });
    await client.connect(transport);
    for (let i = 0; i < 3; i++) {
      expect((await client.listTools()).tools).toHaveLength(12);
      const r = await client.callTool({ name: 'monsys_list_detections', arguments: { since: '24h', ack: 'open' } });
      expect(r.isError).toBeFalsy();
      expect((r.structuredContent as { detections: { id: string }[] }).detections.map((d) => d.id)).toContain(A.det);
    }
    expect(n).toBeGreaterThanOrEqual(8);
    await client.close();
    const log = hub.logs() + hub2.logs();
    expect(hub.logs()).toMatch(/"path":"\/mcp"/);
    expect(hub2.logs()).toMatch(/"path":"\/mcp"/);
    expect(log).not.toContain(tok.lb);
  });
});
