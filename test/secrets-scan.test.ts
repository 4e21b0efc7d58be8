/**
 * Headers and secrets (issue 7). First the HTML pages the hub serves (the landing page at /, the
 * OAuth sign-in and consent pages, the token settings sign-in) carry a CSP with
 * frame-ancestors 'none', nosniff and a Referrer-Policy, and the pages and token responses that
 * involve credentials are no-store. Then, after a full run — an OAuth sign-in that issues real
 * `mat_`/`mrt_` tokens, every tool over REST and over /mcp with unique canary strings in its
 * arguments, bad calls with canaries in values, keys and the URL path — the whole database (every
 * table as text) and every line the hub logged (at trace level) are scanned: no raw token, password
 * or canary may appear. The one exception is by design: acknowledge's `note` is kept (on the
 * detection and in the audit row's body), which the scan must find there and only there.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE, type ToolName } from '../shared/index.js';
import { issueAccessToken } from '../hub/src/auth/tokens.js';
import { loadConfig } from '../hub/src/config.js';
import { createLogger } from '../hub/src/logger.js';
import { DEMO_ACCOUNTS, seedDemo } from '../hub/src/seed/index.js';
import { startHub, type RunningHub } from '../hub/src/server.js';
import { FormAgent, formOf } from './harness/browser.js';
import { oauthFlow } from './harness/oauth-flow.js';
import { freshDb, type TestDb } from './harness/db.js';
import { verifies } from './harness/verifies.js';

const NO_LIMITS = { maxBodyBytes: 65536, perToken: 0, perTenant: 0, windowSeconds: 60 };
const ADMIN = DEMO_ACCOUNTS.find((a) => a.email === 'admin@acme.example')!;

const canaries = new Map<string, string>();
/** A unique string the hub has no reason to keep: lower-case, so it passes every text filter's pattern. */
function canary(label: string): string {
  const value = `cnry_${label.replace(/[^a-z0-9]/g, '_')}_${randomBytes(6).toString('hex')}`;
  canaries.set(value, label);
  return value;
}

function expectPageHeaders(res: Response, what: string, opts: { noStore: boolean }): void {
  const csp = res.headers.get('content-security-policy') ?? '';
  expect(csp, `${what}: CSP`).toMatch(/frame-ancestors 'none'/);
  expect(csp, `${what}: CSP`).toMatch(/default-src 'none'/);
  expect(csp, `${what}: no script allowed`).not.toMatch(/script-src|unsafe-inline/);
  expect(res.headers.get('x-content-type-options'), what).toBe('nosniff');
  expect(res.headers.get('referrer-policy'), what).toMatch(/^(no-referrer|same-origin|strict-origin)/);
  expect(res.headers.get('x-frame-options'), what).toBe('DENY');
  expect(res.headers.get('content-type'), what).toMatch(/^text\/html/);
  if (opts.noStore) expect(res.headers.get('cache-control'), `${what}: no-store`).toMatch(/no-store/);
}

describe('headers, and no raw token or tool argument in the database or the logs after a full run', () => {
  let db: TestDb;
  let hub: RunningHub;
  const logs: string[] = [];
  const secrets: { label: string; value: string }[] = [];
  let staticToken: string;
  let oauthToken: string;
  /** The OAuth token for the REST API (oauthToken is for /mcp). */
  let oauthRestToken: string;
  let agentId: string;
  let detectionIds: string[];
  const NOTE = canary('ack note (stored by design)');
  let calls = 0;
  let pages = 0;

  beforeAll(async () => {
    db = await freshDb('pg');
    await seedDemo(db, { seed: 13, scale: 0.1 });
    const r = await db.query<{ tenant_id: string; id: string }>(
      `SELECT m.tenant_id, u.id FROM users u JOIN memberships m ON m.user_id = u.id JOIN tenants t ON t.id = m.tenant_id
        WHERE u.email = $1 AND t.slug = 'acme'`,
      [ADMIN.email],
    );
    staticToken = (await issueAccessToken(db, { tenantId: r.rows[0]!.tenant_id, userId: r.rows[0]!.id, scopes: ['mcp.read', 'mcp.acknowledge'] })).value;
    secrets.push({ label: 'access token (CLI-issued)', value: staticToken }, { label: 'demo password', value: ADMIN.password });
    agentId = (await db.query<{ id: string }>('SELECT id FROM agents WHERE tenant_id = $1 LIMIT 1', [r.rows[0]!.tenant_id])).rows[0]!.id;
    detectionIds = (await db.query<{ id: string }>('SELECT id FROM detected_events WHERE tenant_id = $1 AND acked_at IS NULL LIMIT 4', [r.rows[0]!.tenant_id])).rows.map((x) => x.id);
    const logger = createLogger('trace', { write: (line: string) => void logs.push(line) });
    hub = await startHub(loadConfig({}, { port: 0, limits: NO_LIMITS }), { db, logger });
  }, 120_000);

  afterAll(async () => {
    // eslint-disable-next-line no-console
    console.log(`[secrets-scan] ${pages} page responses checked; ${calls} tool calls made; ${secrets.length} secrets (${secrets.map((s) => s.label).join(", ")}) and ${canaries.size} canaries searched in ${logs.length} log lines and the database`);
    await hub?.close();
    await db?.close();
  });

  it('serves the landing page with a CSP that forbids framing, nosniff and a Referrer-Policy', async () => {
    const res = await fetch(`${hub.url}/`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expectPageHeaders(res, 'landing page', { noStore: false });
    pages++;
  });

  it('serves the OAuth sign-in and consent pages framing-proof and no-store, and the tokens no-store; sign-in yields real tokens', async () => {
    const redirectUri = 'http://127.0.0.1:8931/cb';
    const reg = await fetch(`${hub.url}/mcp/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'secrets-scan', redirect_uris: [redirectUri] }),
    });
    expect(reg.status).toBe(201);
    expect(reg.headers.get('cache-control')).toMatch(/no-store/);
    const clientId = ((await reg.json()) as { client_id: string }).client_id;
    const verifier = randomBytes(32).toString('base64url');
    const q = new URLSearchParams({
      client_id: clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      state: 'st',
      scope: 'mcp.read mcp.acknowledge',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    const agent = new FormAgent(hub.url);
    let page = await agent.go(`${hub.url}/mcp/oauth/authorize?${q}`);
    expect(page.html).toMatch(/id="sign-in"/);
    expectPageHeaders(page.res, 'OAuth sign-in page', { noStore: true });
    pages++;
    let form = formOf(page.html);
    page = await agent.go(form.action, { form: { ...form.fields, email: ADMIN.email, password: ADMIN.password } });
    expect(page.html).toMatch(/id="approve"/);
    expectPageHeaders(page.res, 'OAuth consent page', { noStore: true });
    pages++;
    form = formOf(page.html);
    const tenant = /name="tenant" value="([^"]+)"[^>]*checked/.exec(page.html)?.[1] ?? /name="tenant" value="([^"]+)"/.exec(page.html)![1]!;
    page = await agent.go(form.action, { form: { ...form.fields, tenant, action: 'approve' } });
    const code = page.location?.searchParams.get('code');
    expect(code, 'redirected back with a code').toBeTruthy();
    for (const cookie of agent.setCookies) {
      expect(cookie, 'cookies are HttpOnly').toMatch(/HttpOnly/i);
      expect(cookie, 'cookies are SameSite').toMatch(/SameSite=(Lax|Strict)/i);
    }
    const tok = await fetch(`${hub.url}/mcp/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: code!, redirect_uri: redirectUri, client_id: clientId, code_verifier: verifier }),
    });
    expect(tok.status).toBe(200);
    // RFC 6749 §5.1: responses carrying tokens MUST be Cache-Control: no-store.
    expect(tok.headers.get('cache-control')).toMatch(/no-store/);
    const t = (await tok.json()) as { access_token: string; refresh_token?: string };
    expect(t.access_token).toMatch(/^mat_/);
    oauthToken = t.access_token;
    secrets.push({ label: 'access token (OAuth)', value: t.access_token }, { label: 'authorization code', value: code! }, { label: 'PKCE verifier', value: verifier });
    if (t.refresh_token) secrets.push({ label: 'refresh token', value: t.refresh_token });
    // A token is good at the door it was issued for: one more, for the REST API.
    const forRest = await oauthFlow(() => hub.url, ADMIN).tokensFor({ clientId, redirectUri, resource: `${hub.url}/v1` });
    oauthRestToken = forRest.access_token as string;
    secrets.push({ label: 'access token (OAuth, REST)', value: oauthRestToken }, { label: 'refresh token (REST)', value: forRest.refresh_token as string });
    // Session cookies are secrets; the interaction cookie only repeats the interaction id that is in the page's URL anyway.
    for (const [name, c] of agent.jar) if (c.length >= 16 && !/interaction/.test(name)) secrets.push({ label: `session cookie ${name}`, value: c });

    // The token settings sign-in page: the same headers.
    const settings = await fetch(`${hub.url}/login`);
    expect(settings.status).toBe(200);
    expectPageHeaders(settings, 'settings sign-in page', { noStore: true });
    pages++;
  });

  it('runs every tool over REST and /mcp (valid and invalid calls, canaries in arguments)', async () => {
    verifies('PRIV-2');
    const valid: Record<ToolName, () => Record<string, unknown>> = {
      monsys_list_agents: () => ({ tag: canary('tag'), hostname_contains: canary('hostname') }),
      monsys_get_agent: () => ({ agent_id: agentId }),
      monsys_trust_score: () => ({}),
      monsys_list_alerts: () => ({ agent_id: agentId, severity: 'high' }),
      monsys_list_detections: () => ({ since: '30d', src_ip: canary('src ip') }),
      monsys_get_detection: () => ({ detection_id: detectionIds[0] }),
      monsys_acknowledge_detection: () => ({ detection_id: detectionIds.shift(), note: NOTE }),
      monsys_list_kernel_cves: () => ({}),
      monsys_list_os_cves: () => ({ package: canary('package') }),
      monsys_list_sla_overview: () => ({}),
      monsys_audit_log_search: () => ({ event_type: canary('event type'), actor_email_contains: canary('actor email') }),
      monsys_kpi_summary: () => ({}),
    };
    const restCall = async (token: string, tool: (typeof CATALOGUE)[number], args: Record<string, unknown>, pathCanary?: string) => {
      calls++;
      const path = tool.route.path.replace(/:([a-z_]+)/g, (_m, k: string) => {
        const v = pathCanary ?? String(args[k]);
        delete args[k];
        return encodeURIComponent(v);
      });
      if (tool.route.method === 'GET') {
        const qs = new URLSearchParams(Object.entries(args).map(([k, v]) => [k, String(v)])).toString();
        return fetch(`${hub.url}${path}${qs ? `?${qs}` : ''}`, { headers: { authorization: `Bearer ${token}` } });
      }
      return fetch(`${hub.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(args) });
    };
    const mcpCall = async (token: string, name: string, args: unknown) => {
      calls++;
      const res = await fetch(`${hub.url}/mcp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }),
      });
      expect(res.status).toBe(200);
      return (await res.json()) as { result: { isError?: boolean; content: { text: string }[] } };
    };

    for (const tool of CATALOGUE) {
      for (const [restToken, mcpToken] of [[staticToken, staticToken], [oauthRestToken, oauthToken]]) {
        const rest = await restCall(restToken!, tool, valid[tool.name]());
        expect(rest.status, `${tool.name} over REST`).toBe(200);
        const mcp = await mcpCall(mcpToken!, tool.name, valid[tool.name]());
        expect(mcp.result.isError, `${tool.name} over /mcp: ${mcp.result.content[0]?.text}`).toBeFalsy();
      }
      // Invalid: a canary as an unknown key and as its value, and (for routes with an id) in the path.
      const bad = () => ({ ...valid[tool.name](), [canary('unknown key')]: canary('unknown value') });
      expect((await restCall(staticToken, tool, bad())).status).toBe(400);
      expect((await mcpCall(oauthToken, tool.name, bad())).result.isError).toBe(true);
      if (tool.route.path.includes(':')) {
        expect((await restCall(staticToken, tool, valid[tool.name](), canary('id in path'))).status).toBe(400);
      }
    }
    // A canary in the bearer slot and in a tool name must not be kept either.
    const fakeToken = `mat_${randomBytes(32).toString('base64url').slice(0, 43)}`;
    secrets.push({ label: 'unknown token presented', value: fakeToken });
    expect((await fetch(`${hub.url}/v1/kpi-summary`, { headers: { authorization: `Bearer ${fakeToken}` } })).status).toBe(401);
    const unknownTool = await fetch(`${hub.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${staticToken}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: canary('tool name'), arguments: { q: canary('args of unknown tool') } } }),
    });
    expect(unknownTool.status).toBe(200);
    calls += 2;
  }, 90_000);

  it('leaves no raw token, password or tool argument in any table; the ack note only where it is kept by design', async () => {
    verifies('AUDIT-4', 'PRIV-2');
    const tables = await db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name",
    );
    expect(tables.rows.length).toBeGreaterThan(20);
    const found: string[] = [];
    const noteFoundIn = new Set<string>();
    for (const { table_name } of tables.rows) {
      const rows = await db.query<{ t: string }>(`SELECT t::text AS t FROM "${table_name}" t`);
      const text = rows.rows.map((r) => r.t).join('\n');
      for (const s of secrets) if (text.includes(s.value)) found.push(`${s.label} in table ${table_name}`);
      for (const [value, label] of canaries) {
        if (!text.includes(value)) continue;
        if (value === NOTE) noteFoundIn.add(table_name);
        else found.push(`tool argument (${label}) in table ${table_name}`);
      }
    }
    expect(found).toEqual([]);
    // Positive control: the scan does see argument text where it is stored on purpose.
    expect([...noteFoundIn].sort()).toEqual(['audit_log', 'detected_events']);
  });

  it('logs no raw token, password, cookie or tool argument (trace level, every line)', async () => {
    await new Promise((r) => setTimeout(r, 50)); // the last request's 'finish' log line
    expect(logs.length).toBeGreaterThan(50);
    const text = logs.join('\n');
    const found: string[] = [];
    for (const s of secrets) if (text.includes(s.value)) found.push(s.label);
    for (const [value, label] of canaries) if (text.includes(value)) found.push(`tool argument (${label})`);
    expect(found, found.length ? logs.filter((l) => [...canaries.keys(), ...secrets.map((s) => s.value)].some((v) => l.includes(v))).slice(0, 5).join('\n') : '').toEqual([]);
  });
});
