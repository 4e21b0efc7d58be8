/**
 * The REST API's generic guarantees, for each of the 12 routes, on both databases:
 * authentication (missing, malformed, unknown, expired, revoked by the product page's SQL),
 * scope and role, the per-tenant opt-in, bad input naming the field, other tenants' ids,
 * and the mcp_call_log row each call leaves (argument hash only, nothing raw anywhere).
 */
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE, type ToolName } from '../shared/index.js';
import { issueAccessToken } from '../hub/src/auth/tokens.js';
import { loadConfig } from '../hub/src/config.js';
import { createLogger } from '../hub/src/logger.js';
import { startHub, type RunningHub } from '../hub/src/server.js';
import { argumentsHash } from '../hub/src/services/invoke.js';
import { DRIVERS, freshDb, type TestDb } from './harness/db.js';

const A = { tenant: randomUUID(), agent: randomUUID(), detection: randomUUID(), admin: randomUUID(), viewer: randomUUID() };
const B = { tenant: randomUUID(), agent: randomUUID(), detection: randomUUID(), admin: randomUUID() };
const C = { tenant: randomUUID(), admin: randomUUID() };
const CANARY = 'zq-canary-7731';

async function insertFixtures(db: TestDb): Promise<void> {
  await db.query(
    `INSERT INTO tenants (id, slug, name, mcp_enabled) VALUES ($1, 'mx-a', 'A', true), ($2, 'mx-b', 'B', true), ($3, 'mx-c', 'C', false)`,
    [A.tenant, B.tenant, C.tenant],
  );
  await db.query(
    `INSERT INTO users (id, email, name) VALUES ($1, 'admin@a.example', 'a'), ($2, 'viewer@a.example', 'v'), ($3, 'admin@b.example', 'b'), ($4, 'admin@c.example', 'c')`,
    [A.admin, A.viewer, B.admin, C.admin],
  );
  await db.query(
    `INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'admin'), ($1, $3, 'viewer'), ($4, $5, 'admin'), ($6, $7, 'admin')`,
    [A.tenant, A.admin, A.viewer, B.tenant, B.admin, C.tenant, C.admin],
  );
  for (const t of [A, B]) {
    await db.query(
      `INSERT INTO agents (tenant_id, id, hostname, ip, os, os_family, kernel_version, tags, status, last_seen_at)
       VALUES ($1, $2, $3, '10.0.0.5', 'Debian 12', 'debian', '6.1.0-18-amd64', '{prod}', 'online', now())`,
      [t.tenant, t.agent, `web-${t.tenant.slice(0, 4)}`],
    );
    await db.query(
      `INSERT INTO detected_events (tenant_id, id, agent_id, kind, severity, title, description, src_ip, target_user, detected_at)
       VALUES ($1, $2, $3, 'ssh_brute_force', 'high', 'SSH brute force', 'Many failures', '185.220.101.42', 'root', now() - interval '1 hour')`,
      [t.tenant, t.detection, t.agent],
    );
  }
}

/** A call of each tool that is valid for tenant A, and one that is invalid with the field it names. */
const CALLS: Record<ToolName, { ok: () => [string, string, object?]; bad: [string, string, string, object?] }> = {
  monsys_list_agents: { ok: () => ['GET', `/v1/agents?tag=prod&hostname_contains=${CANARY}`], bad: ['GET', '/v1/agents?status=bogus', 'status'] },
  monsys_get_agent: { ok: () => ['GET', `/v1/agents/${A.agent}`], bad: ['GET', '/v1/agents/not-a-uuid', 'agent_id'] },
  monsys_trust_score: { ok: () => ['GET', '/v1/trust-score'], bad: ['GET', '/v1/trust-score?bogus=1', 'bogus'] },
  monsys_list_alerts: { ok: () => ['GET', '/v1/alerts?severity=critical'], bad: ['GET', '/v1/alerts?severity=urgent', 'severity'] },
  monsys_list_detections: { ok: () => ['GET', '/v1/detections?since=7d&ack=open'], bad: ['GET', '/v1/detections?since=2d', 'since'] },
  monsys_get_detection: { ok: () => ['GET', `/v1/detections/${A.detection}`], bad: ['GET', '/v1/detections/123', 'detection_id'] },
  monsys_acknowledge_detection: {
    ok: () => ['POST', `/v1/detections/${A.detection}/acknowledge`, { note: "checked: benign scan" }],
    bad: ['POST', `/v1/detections/${A.detection}/acknowledge`, 'note', { note: 'x'.repeat(501) }],
  },
  monsys_list_kernel_cves: { ok: () => ['GET', '/v1/cves/kernel?min_severity=high'], bad: ['GET', '/v1/cves/kernel?min_severity=worst', 'min_severity'] },
  monsys_list_os_cves: { ok: () => ['GET', '/v1/cves/os?ecosystem=apt'], bad: ['GET', '/v1/cves/os?ecosystem=pip', 'ecosystem'] },
  monsys_list_sla_overview: { ok: () => ['GET', '/v1/sla'], bad: ['GET', '/v1/sla?window=7d', 'window'] },
  monsys_audit_log_search: {
    ok: () => ['GET', `/v1/audit-log?actor_email_contains=${CANARY}`],
    bad: ['GET', '/v1/audit-log?event_type=DROP%20TABLE%20x', 'event_type'],
  },
  monsys_kpi_summary: { ok: () => ['GET', '/v1/kpi-summary'], bad: ['GET', '/v1/kpi-summary?limit=5', 'limit'] },
};

describe.each(DRIVERS)('REST matrix on %s', (driver) => {
  let db: TestDb;
  let hub: RunningHub;
  let logs = '';
  const tokens: Record<string, string> = {};

  async function call(token: string | undefined, method: string, path: string, body?: object) {
    const res = await fetch(hub.url + path, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = (await res.json()) as Record<string, any>;
    return { status: res.status, json, headers: res.headers };
  }

  beforeAll(async () => {
    db = await freshDb(driver);
    await insertFixtures(db);
    const logger = createLogger('debug', { write: (s: string) => void (logs += s) } as never);
    hub = await startHub(loadConfig({}, { port: 0, logLevel: 'debug' }), { db, logger });
    const mint = async (tenantId: string, userId: string, scopes: ('mcp.read' | 'mcp.acknowledge')[], ttlSeconds?: number) =>
      (await issueAccessToken(db, { tenantId, userId, scopes, ttlSeconds })).value;
    tokens.full = await mint(A.tenant, A.admin, ['mcp.read', 'mcp.acknowledge']);
    tokens.readOnly = await mint(A.tenant, A.admin, ['mcp.read']);
    tokens.ackOnly = await mint(A.tenant, A.admin, ['mcp.acknowledge']);
    tokens.viewer = await mint(A.tenant, A.viewer, ['mcp.read', 'mcp.acknowledge']);
    tokens.optedOut = await mint(C.tenant, C.admin, ['mcp.read', 'mcp.acknowledge']);
    tokens.expired = await mint(A.tenant, A.admin, ['mcp.read', 'mcp.acknowledge'], 1);
    tokens.revoked = await mint(A.tenant, A.viewer, ['mcp.read', 'mcp.acknowledge']);
    // The product page's revocation SQL, exactly as written there.
    await db.query(`UPDATE mcp_access_tokens SET revoked_at=NOW() WHERE user_id='${A.viewer}' AND token_sha256 = $1`, [
      createHash('sha256').update(tokens.revoked).digest('hex'),
    ]);
    await db.query("UPDATE mcp_access_tokens SET expires_at = now() - interval '1 second' WHERE expires_at < now() + interval '10 seconds'");
  });
  afterAll(async () => {
    await hub?.close();
    await db?.close();
  });

  describe.each(CATALOGUE.map((t) => t.name))('%s', (name) => {
    const spec = CALLS[name];
    const tool = CATALOGUE.find((t) => t.name === name)!;

    it('answers the valid call with 200 and leaves one mcp_call_log row with the argument hash', async () => {
      const [method, path, body] = spec.ok();
      const before = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM mcp_call_log WHERE tool_name = $1', [name])).rows[0]!.n;
      const r = await call(tokens.full, method, path, body);
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      expect(tool.output.safeParse(r.json).success).toBe(true);
      expect(r.headers.get('cache-control')).toBe('no-store');
      const rows = await db.query<{ args_sha256: string; result_status: string; door: string; actor_email: string; n: number }>(
        'SELECT args_sha256, result_status, door, actor_email FROM mcp_call_log WHERE tool_name = $1 ORDER BY called_at DESC',
        [name],
      );
      expect(rows.rows.length).toBe(before + 1);
      const row = rows.rows[0]!;
      expect(row).toMatchObject({ result_status: 'ok', door: 'rest', actor_email: 'admin@a.example' });
      // The hash is of the parsed, canonical arguments (defaults applied), so it is reproducible.
      const url = new URL(hub.url + path);
      const parsed = tool.input.parse({ ...Object.fromEntries(url.searchParams), ...(body ?? {}), ...pathParams(tool.route.path, url.pathname) });
      expect(row.args_sha256).toBe(argumentsHash(parsed));
    });

    it('rejects a missing token with 401 and a WWW-Authenticate challenge naming the resource metadata', async () => {
      const [method, path, body] = spec.ok();
      const r = await call(undefined, method, path, body);
      expect(r.status).toBe(401);
      expect(r.json.error.code).toBe('invalid_token');
      const challenge = r.headers.get('www-authenticate')!;
      expect(challenge).toMatch(/^Bearer /);
      expect(challenge).toContain(`resource_metadata="${hub.url}/.well-known/oauth-protected-resource/v1"`);
      expect(challenge).not.toContain('error=');
    });

    it.each(['malformed', 'unknown', 'expired', 'revoked'])('rejects a token that is %s with 401 invalid_token', async (kind) => {
      const token = kind === 'malformed' ? 'abc' : kind === 'unknown' ? `mat_${'A'.repeat(43)}` : tokens[kind]!;
      const [method, path, body] = spec.ok();
      const r = await call(token, method, path, body);
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toContain('error="invalid_token"');
      expect(JSON.stringify(r.json)).not.toContain(token);
    });

    it('refuses a token without the scope with 403 insufficient_scope', async () => {
      const [method, path, body] = spec.ok();
      const r = await call(tool.scope === 'mcp.read' ? tokens.ackOnly : tokens.readOnly, method, path, body);
      expect(r.status).toBe(403);
      expect(r.json.error).toMatchObject({ code: 'insufficient_scope', scope: tool.scope });
      expect(r.headers.get('www-authenticate')).toContain(`error="insufficient_scope", scope="${tool.scope}"`);
    });

    it('refuses a tenant that has not opted in with 403 and says why', async () => {
      const [method, path, body] = spec.ok();
      const r = await call(tokens.optedOut, method, path, body);
      expect(r.status).toBe(403);
      expect(r.json.error.code).toBe('tenant_opted_out');
      expect(r.json.error.message).toMatch(/not enabled for this tenant/);
    });

    it('answers bad input with 400 naming the field', async () => {
      const [method, path, field, body] = spec.bad;
      const r = await call(tokens.full, method, path, body);
      expect(r.status).toBe(400);
      expect(r.json.error.code).toBe('invalid_argument');
      expect(r.json.error.field).toBe(field);
      expect(r.json.error.message).toContain(`"${field}"`);
      const last = await db.query<{ result_status: string }>('SELECT result_status FROM mcp_call_log WHERE tool_name = $1 ORDER BY called_at DESC LIMIT 1', [name]);
      expect(last.rows[0]!.result_status).toBe('invalid_argument');
    });

    it(`lets a ${tool.minRole === 'viewer' ? 'viewer' : 'viewer not'} use it`, async () => {
      const [method, path, body] = spec.ok();
      const r = await call(tokens.viewer, method, path, body);
      if (tool.minRole === 'viewer') expect(r.status).toBe(200);
      else {
        expect(r.status).toBe(403);
        expect(r.json.error.code).toBe('forbidden');
      }
    });
  });

  it.each([
    ['GET', () => `/v1/agents/${B.agent}`],
    ['GET', () => `/v1/detections/${B.detection}`],
    ['POST', () => `/v1/detections/${B.detection}/acknowledge`],
  ])("answers another tenant's id with the same 404 as a missing id (%s %s)", async (method, path) => {
    const other = await call(tokens.full, method, path());
    const missing = await call(tokens.full, method, path().replace(/[0-9a-f-]{36}/, randomUUID()));
    expect(other.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(other.json.error.message.replace(/[0-9a-f-]{36}/g, '')).toBe(missing.json.error.message.replace(/[0-9a-f-]{36}/g, ''));
    const b = await db.query<{ acked_at: Date | null }>('SELECT acked_at FROM detected_events WHERE id = $1', [B.detection]);
    expect(b.rows[0]!.acked_at).toBeNull();
  });

  it('filters by another tenant\u2019s host id to nothing', async () => {
    const r = await call(tokens.full, 'GET', `/v1/detections?since=30d&agent_id=${B.agent}`);
    expect(r.status).toBe(200);
    expect(r.json.detections).toEqual([]);
  });

  it('finds the calls in the audit log as mcp_tool_invoked', async () => {
    const r = await call(tokens.full, 'GET', '/v1/audit-log?event_type=mcp_tool_invoked&since=1h&limit=500');
    expect(r.status).toBe(200);
    const tools = new Set(r.json.events.map((e: { metadata: { tool_name: string } }) => e.metadata.tool_name));
    for (const t of CATALOGUE) expect(tools.has(t.name), t.name).toBe(true);
    expect(r.json.events.every((e: { event_type: string }) => e.event_type === 'mcp_tool_invoked')).toBe(true);
  });

  it('answers unknown routes and bad JSON clearly', async () => {
    expect((await call(tokens.full, 'GET', '/v1/nope')).status).toBe(404);
    const res = await fetch(`${hub.url}/v1/detections/${A.detection}/acknowledge`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.full}`, 'content-type': 'application/json' },
      body: '{"note":',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.code).toBe('invalid_json');
    const big = await call(tokens.full, 'POST', `/v1/detections/${A.detection}/acknowledge`, { note: 'x'.repeat(40_000) });
    expect(big.status).toBe(413);
    // Without a valid token the body is never read: the answer is 401, not a parse or size error.
    for (const body of ['{"note":', JSON.stringify({ note: 'x'.repeat(40_000) })]) {
      const anon = await fetch(`${hub.url}/v1/detections/${A.detection}/acknowledge`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(anon.status).toBe(401);
    }
  });

  // Token lookups and call-log rows are group-committed under load (hub/src/db/batch.ts): these check
  // that concurrent requests sharing one lookup or one insert each still get their own answer and row.
  it('answers concurrent calls with mixed tokens each by its own token, and logs one row per authorised call', async () => {
    const fresh = (await issueAccessToken(db, { tenantId: A.tenant, userId: A.admin, scopes: ['mcp.read'] })).value;
    const viewer = (await issueAccessToken(db, { tenantId: A.tenant, userId: A.viewer, scopes: ['mcp.read'] })).value;
    const mix: [string, number][] = [
      [fresh, 200],
      [viewer, 200],
      [tokens.revoked!, 401],
      [tokens.expired!, 401],
      [tokens.optedOut!, 403],
      [`mat_${'x'.repeat(43)}`, 401],
    ];
    const count = async () => (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM mcp_call_log WHERE tool_name = 'monsys_list_sla_overview'")).rows[0]!.n;
    const before = await count();
    const calls = Array.from({ length: 60 }, (_, i) => mix[i % mix.length]!);
    const results = await Promise.all(calls.map(([token]) => call(token, 'GET', '/v1/sla')));
    expect(results.map((r) => r.status)).toEqual(calls.map(([, status]) => status));
    expect(await count()).toBe(before + calls.filter(([, s]) => s === 200).length);
    const ids = await db.query<{ n: number; d: number }>("SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM mcp_call_log WHERE tool_name = 'monsys_list_sla_overview'");
    expect(ids.rows[0]!.d).toBe(ids.rows[0]!.n);
  });

  it('refuses every request sent after a revocation commits, while other requests with that token are in flight', async () => {
    const token = (await issueAccessToken(db, { tenantId: A.tenant, userId: A.admin, scopes: ['mcp.read'] })).value;
    let revokedAt = Infinity;
    const seen: { sentAt: number; status: number }[] = [];
    const worker = async () => {
      for (let i = 0; i < 10; i++) {
        const sentAt = performance.now();
        seen.push({ sentAt, status: (await call(token, 'GET', '/v1/sla')).status });
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, worker));
    while (seen.length < 12) await new Promise((r) => setTimeout(r, 2));
    await db.query('UPDATE mcp_access_tokens SET revoked_at = now() WHERE token_sha256 = $1', [createHash('sha256').update(token).digest('hex')]);
    revokedAt = performance.now();
    await load;
    const after = seen.filter((s) => s.sentAt > revokedAt);
    expect(seen.filter((s) => s.sentAt < revokedAt).some((s) => s.status === 200)).toBe(true);
    expect(after.length).toBeGreaterThan(0);
    expect(after.map((s) => s.status)).toEqual(after.map(() => 401));
  });

  it('stores no raw argument and no raw token anywhere in the database or the logs', async () => {
    const dump = await dumpDatabase(db);
    expect(dump).not.toContain(CANARY);
    expect(logs).not.toContain(CANARY);
    for (const t of Object.values(tokens)) {
      expect(dump).not.toContain(t);
      expect(logs).not.toContain(t);
    }
    expect(logs).toContain('"path":"/v1/kpi-summary"');
  });
});

function pathParams(pattern: string, path: string): Record<string, string> {
  const names = pattern.split('/');
  const values = path.split('/');
  return Object.fromEntries(names.flatMap((n, i) => (n.startsWith(':') ? [[n.slice(1), decodeURIComponent(values[i]!)]] : [])));
}

/** Every row of every table as text: what an attacker with a database copy would see. */
async function dumpDatabase(db: TestDb): Promise<string> {
  const tables = await db.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
  );
  let out = '';
  for (const { table_name } of tables.rows) {
    if (!/^[a-z_0-9]+$/.test(table_name)) continue;
    const rows = await db.query<{ r: string }>(`SELECT t::text AS r FROM ${table_name} t`);
    out += rows.rows.map((r) => r.r).join('\n');
  }
  return out;
}
