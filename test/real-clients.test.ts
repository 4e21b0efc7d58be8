/**
 * The clients people use, against a real hub process, with the sign-in and consent done by a person
 * in Chromium:
 * 1. the MCP SDK's own OAuth client (the flow inside Claude Code, IDE clients, mcp-remote and the
 *    Inspector): 401 → protected-resource metadata → authorization-server metadata → registration with
 *    the scope the SDK sends → PKCE → token → tools; then an expired access token refreshed by the
 *    client itself; then the one write with a read-only token → 403 insufficient_scope → step-up.
 *    On the SDK's v2 client for both wire families (2025-11-25 over `initialize`, 2026-07-28 with its
 *    per-request envelope) and on the v1 client (`@modelcontextprotocol/sdk`), on PostgreSQL and PGlite;
 * 2. claude.ai's shape: a web client at claude.ai's (and claude.com's) callback, registered without
 *    `offline_access`, connecting to the bare hub URL, refreshing its token;
 * 3. mcp-remote, the stdio proxy desktop clients run, spawned over stdio;
 * 4. flow 1 again through Debian's nginx terminating TLS in front of the hub, configured as
 *    docs/deploy.md tells operators to.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as StdioClientTransportV1 } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../hub/src/db/types.js';
import { launchBrowser, type TestBrowser } from './harness/browser.js';
import { DRIVERS } from './harness/db.js';
import { spawnHub, type HubProcess } from './harness/hub.js';
import { BrowserOAuthProvider, hubDatabase, withAuthorization, type Person } from './harness/mcp-oauth.js';
import { createTlsProxy, type TlsProxy } from './harness/tls-proxy.js';
import { verifies } from './harness/verifies.js';

const ADMIN: Person = { email: 'admin@acme.example', password: 'acme admin password 1' };

/** The hub CLI steps that make the tenant, its admin and the connector opt-in. */
const TENANT_SETUP = [['tenant', 'create', 'acme', 'Acme Manufacturing'], ['tenant', 'enable', 'acme']];

/**
 * A small fleet through the doors a real hub is fed by: the admin with a password (hub CLI), an
 * enrollment token, an agent's heartbeat and two detections (the ingest API).
 */
async function smallFleet(hub: HubProcess, fetchFn: typeof globalThis.fetch = fetch, origin = hub.url): Promise<void> {
  await hub.cli(['user', 'add', ADMIN.email, '--tenant', 'acme', '--role', 'admin', '--password-stdin'], ADMIN.password);
  const token = (await hub.cli(['enroll', 'issue', '--tenant', 'acme', '--name', 'web-01'])).trim();
  const agent = randomUUID();
  const send = async (path: string, body: object) => {
    const r = await fetchFn(`${origin}/v1/ingest/${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ agent_id: agent, ...body }) });
    expect(r.status, await r.clone().text()).toBe(200);
  };
  await send('heartbeat', { hostname: 'web-01', ip: '10.0.4.17', country_code: 'DE', os: 'Debian GNU/Linux 12 (bookworm)', os_release: { id: 'debian', version_id: '12' }, kernel_version: '6.1.0-18-amd64', tags: ['prod'], cpu_pct: 12, mem_pct: 40, disk_pct: 70 });
  const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
  await send('events', {
    detections: [
      { id: randomUUID(), kind: 'ssh_brute_force', severity: 'high', title: 'SSH brute force against root', description: '40 failed logins in 2 minutes', src_ip: '185.220.101.42', src_country: 'DE', target_user: 'root', detected_at: at(30) },
      { id: randomUUID(), kind: 'port_scan', severity: 'medium', title: 'Port scan', description: 'SYN scan of 1,000 ports', src_ip: '203.0.113.9', src_country: 'NL', detected_at: at(90) },
    ],
  });
}
const CALLBACK = 'http://127.0.0.1:47913/oauth/callback';
/** mcp-remote's own callback listener (a fixed port, as its README allows). */
const MCP_REMOTE_PORT = 47915;
const sha256 = (v: string) => createHash('sha256').update(v).digest('hex');
/** The person leaves the write scope out the first time, and keeps it when asked again (step-up). */
const untickAcknowledgeOnce = (): Person['onConsent'] => {
  let asked = 0;
  return async (page) => {
    if (asked++ === 0) await page.uncheck('input[name="scope:mcp.acknowledge"]');
  };
};

let browser: TestBrowser;

beforeAll(async () => {
  browser = await launchBrowser();
  // The clients' redirect URIs are answered by the browser itself: no listener, no network.
  await browser.context.route(/^(http:\/\/127\.0\.0\.1:47913|https:\/\/claude\.(ai|com))\//, (route) => route.fulfill({ status: 200, contentType: 'text/plain', body: 'client callback' }));
});
afterAll(async () => {
  await browser?.close();
});

/** Makes the stored access token expire, as an hour passing would. */
async function expire(db: Db, accessToken: string): Promise<void> {
  const r = await db.query(`UPDATE mcp_access_tokens SET expires_at = now() - interval '1 second', created_at = now() - interval '1 hour' WHERE token_sha256 = $1`, [sha256(accessToken)]);
  expect(r.rowCount).toBe(1);
}

const text = (r: unknown) => ((r as { content: { type: string; text?: string }[] }).content[0]?.text ?? '') as string;

interface Scenario {
  browser: TestBrowser;
  db: Db;
  /** The MCP endpoint as the client knows it. */
  url: URL;
  mode: 'legacy' | { pin: string };
  version: string;
  fetch?: typeof globalThis.fetch;
}

async function openDetection(db: Db): Promise<string> {
  const r = await db.query<{ id: string }>(
    `SELECT d.id FROM detected_events d JOIN tenants t ON t.id = d.tenant_id WHERE t.slug = 'acme' AND d.acked_at IS NULL ORDER BY d.detected_at DESC LIMIT 1`,
  );
  return r.rows[0]!.id;
}

/**
 * Flow 1 as an SDK-based client runs it: connect (401 → discovery → registration → PKCE in the
 * browser, the person leaving the write out), tools, an expired token refreshed without the person,
 * and the one write stepping up to mcp.acknowledge. Returns the provider for further checks.
 */
async function sdkScenario(o: Scenario): Promise<BrowserOAuthProvider> {
  const provider = new BrowserOAuthProvider({ browser: o.browser, person: { ...ADMIN, onConsent: untickAcknowledgeOnce() }, redirectUrl: CALLBACK });
  const transportFor = () => new StreamableHTTPClientTransport(o.url, { authProvider: provider, ...(o.fetch ? { fetch: o.fetch } : {}) });
  let transport = transportFor();
  const client = new Client({ name: 'sdk-e2e', version: '1.0.0' }, { versionNegotiation: { mode: o.mode } });
  await withAuthorization(provider, () => transport, async () => {
    // After a failed first connect the SDK wants a fresh transport (and the same provider).
    if (provider.tokens()) transport = transportFor();
    await client.connect(transport);
  });
  expect(client.getNegotiatedProtocolVersion()).toBe(o.version);

  // What the SDK did: one registration carrying the challenge's scope, which the hub registered and echoed.
  expect(provider.registrations).toHaveLength(1);
  expect(provider.registrations[0]).toMatchObject({ client_id: expect.stringMatching(/^mcp_/), scope: 'mcp.read mcp.acknowledge' });
  const authUrl = provider.authorizations[0]!;
  expect(authUrl.origin + authUrl.pathname).toBe(`${o.url.origin}/mcp/oauth/authorize`);
  expect(Object.fromEntries(authUrl.searchParams)).toMatchObject({ code_challenge_method: 'S256', scope: 'mcp.read mcp.acknowledge', resource: o.url.toString() });
  // The person left the write out at consent: a read-only token.
  expect(provider.tokens()).toMatchObject({ token_type: 'Bearer', scope: 'mcp.read', refresh_token: expect.stringMatching(/^mrt_/) });

  const tools = await client.listTools();
  expect(tools.tools.map((t) => t.name)).toContain('monsys_acknowledge_detection');
  const kpi = await client.callTool({ name: 'monsys_kpi_summary', arguments: {} });
  expect(kpi.isError).toBeFalsy();
  expect(kpi.structuredContent).toHaveProperty('trust_score');

  // An hour later: the client refreshes by itself, no browser.
  const first = provider.tokens()!.access_token;
  await expire(o.db, first);
  const again = await client.callTool({ name: 'monsys_trust_score', arguments: {} });
  expect(again.isError).toBeFalsy();
  expect(provider.tokens()!.access_token).not.toBe(first);
  expect(provider.authorizations).toHaveLength(1);

  // The one write with a read-only token: 403 insufficient_scope, the SDK steps up, the person approves.
  const id = await openDetection(o.db);
  const ack = await withAuthorization(provider, () => transport, () => client.callTool({ name: 'monsys_acknowledge_detection', arguments: { detection_id: id, note: 'sdk step-up' } }));
  expect(ack.isError, text(ack)).toBeFalsy();
  expect(provider.authorizations).toHaveLength(2);
  expect(provider.authorizations[1]!.searchParams.get('scope')!.split(' ').sort()).toEqual(['mcp.acknowledge', 'mcp.read']);
  expect(provider.tokens()!.scope!.split(' ').sort()).toEqual(['mcp.acknowledge', 'mcp.read']);
  const row = await o.db.query<{ ack_note: string }>('SELECT ack_note FROM detected_events WHERE id = $1', [id]);
  expect(row.rows[0]!.ack_note).toBe('sdk step-up');
  // Every call, the refused one included, is in the call log under the registered client.
  const log = await o.db.query<{ tool_name: string; result_status: string }>(
    'SELECT tool_name, result_status FROM mcp_call_log WHERE client_id = $1 ORDER BY called_at',
    [provider.registrations[0]!.client_id],
  );
  expect(log.rows.map((r) => `${r.tool_name}:${r.result_status}`)).toEqual([
    'monsys_kpi_summary:ok',
    'monsys_trust_score:ok',
    'monsys_acknowledge_detection:insufficient_scope',
    'monsys_acknowledge_detection:ok',
  ]);
  await client.close();
  return provider;
}

const FAMILIES = [
  { name: 'v2 client, 2025-11-25 (initialize)', version: '2025-11-25', mode: 'legacy' as const },
  { name: 'v2 client, 2026-07-28 (per-request envelope)', version: '2026-07-28', mode: { pin: '2026-07-28' } },
];

describe.each(DRIVERS)('the MCP SDK client with its OAuth flow, hub on %s', (driver) => {
  let hub: HubProcess;
  let db: Db;
  beforeAll(async () => {
    hub = await spawnHub({ driver, before: TENANT_SETUP });
    await smallFleet(hub);
    db = await hubDatabase(hub);
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await hub?.stop();
  });

  it.each(FAMILIES)('$name: discovers, registers with the SDK’s scope, authorizes in the browser, calls tools, refreshes, steps up', async ({ version, mode }) => {
    await sdkScenario({ browser, db, url: new URL(`${hub.url}/mcp`), mode, version });
  });

  it('v1 client (@modelcontextprotocol/sdk), 2025-11-25: registers, authorizes, calls tools and refreshes by itself', async () => {
    const provider = new BrowserOAuthProvider({ browser, person: ADMIN, redirectUrl: CALLBACK });
    const url = new URL(`${hub.url}/mcp`);
    let transport = new TransportV1(url, { authProvider: provider as never });
    const client = new ClientV1({ name: 'sdk-v1-e2e', version: '1.0.0' });
    await withAuthorization(provider, () => transport, async () => {
      if (provider.authorizations.length) transport = new TransportV1(url, { authProvider: provider as never });
      await client.connect(transport);
    });
    expect(transport.protocolVersion).toBe('2025-11-25');
    expect(provider.registrations[0]).toMatchObject({ scope: 'mcp.read mcp.acknowledge' });
    expect(provider.tokens()!.scope!.split(' ').sort()).toEqual(['mcp.acknowledge', 'mcp.read']);
    const first = provider.tokens()!.access_token;
    await expire(db, first);
    const r = await client.callTool({ name: 'monsys_list_alerts', arguments: {} });
    expect(r.isError).toBeFalsy();
    expect(provider.tokens()!.access_token).not.toBe(first);
    expect(provider.authorizations).toHaveLength(1);
    await client.close();
  });
});

describe('mcp-remote (the stdio proxy for clients without remote-server support), spawned as a desktop client spawns it', () => {
  let hub: HubProcess;
  let home: string;
  beforeAll(async () => {
    hub = await spawnHub({ before: TENANT_SETUP });
    await smallFleet(hub);
    home = mkdtempSync(join(tmpdir(), 'monsys-mcp-remote-'));
  }, 90_000);
  afterAll(async () => {
    await hub?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('prints the sign-in URL, takes the code at its own loopback listener, then lists and calls tools over stdio', async () => {
    // The README's entry: npx -y mcp-remote <hub>/mcp (here the installed package; a fixed callback port).
    const transport = new StdioClientTransportV1({
      command: process.execPath,
      args: [createRequire(import.meta.url).resolve('mcp-remote/dist/proxy.js'), `${hub.url}/mcp`, String(MCP_REMOTE_PORT), '--allow-http'],
      env: { HOME: home, PATH: process.env.PATH!, MCP_REMOTE_CONFIG_DIR: join(home, '.mcp-auth'), BROWSER: '/bin/true' },
      stderr: 'pipe',
    });
    let stderr = '';
    const signInUrl = new Promise<URL>((resolve) => {
      transport.stderr!.on('data', (d) => {
        stderr += d;
        const m = /Please authorize this client by visiting:\s*(\S+)/.exec(stderr);
        if (m) resolve(new URL(m[1]!));
      });
    });
    const client = new ClientV1({ name: 'desktop-like', version: '1.0.0' });
    const connected = client.connect(transport);
    const url = await signInUrl;
    expect(url.origin + url.pathname).toBe(`${hub.url}/mcp/oauth/authorize`);
    expect(url.searchParams.get('redirect_uri')).toBe(`http://localhost:${MCP_REMOTE_PORT}/oauth/callback`);
    // A person signs in; the browser's visit to the callback reaches mcp-remote's own listener.
    const page = await browser.context.newPage();
    await page.goto(url.toString());
    await page.fill('#email', ADMIN.email);
    await page.fill('#password', ADMIN.password);
    await Promise.all([page.waitForSelector('#approve'), page.click('#sign-in')]);
    await Promise.all([page.waitForURL((u) => u.port === String(MCP_REMOTE_PORT)), page.click('#approve')]);
    await page.close();
    await connected;
    const tools = await client.listTools();
    expect(tools.tools).toHaveLength(12);
    const r = await client.callTool({ name: 'monsys_list_detections', arguments: { since: '24h' } });
    expect(r.isError, JSON.stringify(r)).toBeFalsy();
    expect((r.structuredContent as { detections: unknown[] }).detections).toHaveLength(2);
    // The calls are logged under the client mcp-remote registered for itself.
    const db = await hubDatabase(hub);
    try {
      const rows = await db.query<{ client_name: string }>(`SELECT c.client_name FROM mcp_call_log l JOIN oauth_clients c ON c.client_id = l.client_id WHERE l.tool_name = 'monsys_list_detections'`);
      expect(rows.rows.map((x) => x.client_name)).toEqual([expect.stringMatching(/mcp-remote|MCP CLI/i)]);
    } finally {
      await db.close();
    }
    await client.close();
  });
});

describe('behind a TLS reverse proxy (nginx with the configuration of docs/deploy.md)', () => {
  let proxy: TlsProxy;
  let hub: HubProcess;
  let db: Db;
  let tlsBrowser: TestBrowser;
  beforeAll(async () => {
    proxy = await createTlsProxy();
    hub = await spawnHub({ before: TENANT_SETUP, env: { PUBLIC_URL: proxy.origin, TRUST_PROXY: 'true' } });
    await proxy.start(hub.url);
    await smallFleet(hub, proxy.fetch, proxy.origin);
    db = await hubDatabase(hub);
    tlsBrowser = await launchBrowser({ args: proxy.chromiumArgs, ignoreHTTPSErrors: true });
    await tlsBrowser.context.route(/^http:\/\/127\.0\.0\.1:47913\//, (route) => route.fulfill({ status: 200, contentType: 'text/plain', body: 'client callback' }));
  }, 120_000);
  afterAll(async () => {
    await tlsBrowser?.close();
    await db?.close();
    await hub?.stop();
    await proxy?.stop();
  });

  it('serves flow 1 through the proxy: every URL says https and the public host, cookies are Secure, nothing names the internal address', async () => {
    const internal = new URL(hub.url).host;
    const seen: string[] = [];
    const watching: typeof globalThis.fetch = async (input, init) => {
      const res = await proxy.fetch(input, init);
      const copy = res.clone();
      seen.push(`${String(input)} ${res.status} ${res.headers.get('www-authenticate') ?? ''} ${res.headers.get('location') ?? ''} ${await copy.text()}`);
      return res;
    };
    const provider = await sdkScenario({ browser: tlsBrowser, db, url: new URL(`${proxy.origin}/mcp`), mode: 'legacy', version: '2025-11-25', fetch: watching });

    const as = (await (await proxy.fetch(`${proxy.origin}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(as.issuer).toBe(proxy.origin);
    for (const k of ['authorization_endpoint', 'token_endpoint', 'registration_endpoint', 'revocation_endpoint']) expect(String(as[k]), k).toMatch(new RegExp(`^${proxy.origin}/`));
    const prm = (await (await proxy.fetch(`${proxy.origin}/.well-known/oauth-protected-resource/mcp`)).json()) as Record<string, unknown>;
    expect(prm).toMatchObject({ resource: `${proxy.origin}/mcp`, authorization_servers: [proxy.origin] });
    expect(seen.some((l) => l.includes(`resource_metadata="${proxy.origin}/.well-known/oauth-protected-resource/mcp"`))).toBe(true);
    expect(provider.authorizations.every((u) => u.origin === proxy.origin)).toBe(true);
    // Nothing the client saw, on any answer, names the hub's own address.
    for (const line of seen) expect(line, line.slice(0, 200)).not.toContain(internal);

    // The browser's side: the pages and redirects went through the public origin only, and every hub cookie is Secure.
    const cookies = await tlsBrowser.context.cookies(proxy.origin);
    expect(cookies.length).toBeGreaterThan(0);
    for (const c of cookies) expect([c.name, c.secure]).toEqual([c.name, true]);
    const page = await tlsBrowser.context.newPage();
    const res = await page.goto(`${proxy.origin}/settings/mcp-tokens`);
    expect(res?.status()).toBe(200);
    expect(await page.content()).not.toContain(internal);
    await page.close();
  });
});

describe('claude.ai’s shape: a web client at claude.ai’s callback, the bare hub URL, hourly refresh', () => {
  const PERSON: Person = { email: 'ops@claude-shape.example', password: 'claude shape password 1' };
  let hub: HubProcess;
  beforeAll(async () => {
    hub = await spawnHub({ before: [['tenant', 'create', 'shape', 'Shape Ltd'], ['tenant', 'enable', 'shape']] });
    await hub.cli(['user', 'add', PERSON.email, '--tenant', 'shape', '--role', 'analyst', '--password-stdin'], PERSON.password);
  }, 90_000);
  afterAll(async () => {
    await hub?.stop();
  });

  const rpc = (token: string | undefined, body: object) =>
    fetch(`${hub.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  const form = (body: Record<string, string>) =>
    fetch(`${hub.url}/mcp/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body) });
  const challengeParam = (header: string, name: string) => new RegExp(`${name}="([^"]*)"`).exec(header)?.[1];

  it.each(['https://claude.ai/api/mcp/auth_callback', 'https://claude.com/api/mcp/auth_callback'])('%s: lazy auth from the bare URL, a refresh token without offline_access, a working refresh', async (callback) => {
    verifies('CONNECT-1');
    const list = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
    // The connector URL is the bare hub URL: the first call is unauthenticated and says where to go.
    const first = await rpc(undefined, list);
    expect(first.status).toBe(401);
    const www = first.headers.get('www-authenticate')!;
    const prmUrl = challengeParam(www, 'resource_metadata')!;
    expect(prmUrl).toBe(`${hub.url}/.well-known/oauth-protected-resource`);
    const scope = challengeParam(www, 'scope')!;
    expect(scope).toBe('mcp.read mcp.acknowledge');
    const prm = (await (await fetch(prmUrl)).json()) as { resource: string; authorization_servers: string[] };
    expect(prm.resource).toBe(hub.url);
    const as = (await (await fetch(`${prm.authorization_servers[0]}/.well-known/oauth-authorization-server`)).json()) as Record<string, string>;

    // Registration as claude.ai sends it: its own scope value, a secret-based auth method, no offline_access.
    const reg = await fetch(as.registration_endpoint!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Claude', redirect_uris: [callback], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_post', scope: 'claudeai' }),
    });
    const client = (await reg.json()) as Record<string, string>;
    expect(reg.status, JSON.stringify(client)).toBe(201);
    expect(client).toMatchObject({ application_type: 'web', token_endpoint_auth_method: 'none', redirect_uris: [callback] });
    expect(client).not.toHaveProperty('scope');

    // The authorization request with the challenge's scope (no offline_access) and the resource from the metadata.
    const verifier = 'v'.repeat(20) + Math.random().toString(36).slice(2).padEnd(30, 'x');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const auth = new URL(as.authorization_endpoint!);
    for (const [k, v] of Object.entries({ response_type: 'code', client_id: client.client_id!, redirect_uri: callback, scope, code_challenge: challenge, code_challenge_method: 'S256', state: 'st-1', resource: prm.resource })) auth.searchParams.set(k, v);
    const provider = new BrowserOAuthProvider({ browser, person: PERSON, redirectUrl: callback });
    provider.redirectToAuthorization(auth);
    const back = await provider.callback();
    expect([back.get('state'), back.get('iss')]).toEqual(['st-1', hub.url]);

    const tokenRes = await form({ grant_type: 'authorization_code', code: back.get('code')!, redirect_uri: callback, client_id: client.client_id!, code_verifier: verifier, resource: prm.resource });
    const tokens = (await tokenRes.json()) as Record<string, string | number>;
    expect(tokenRes.status, JSON.stringify(tokens)).toBe(200);
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'mcp.read mcp.acknowledge', refresh_token: expect.stringMatching(/^mrt_/) });
    const listed = await rpc(String(tokens.access_token), list);
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { result: { tools: unknown[] } }).result.tools).toHaveLength(12);

    // An hour later claude.ai refreshes; the new pair works and the old refresh token is spent.
    const refreshed = await form({ grant_type: 'refresh_token', refresh_token: String(tokens.refresh_token), client_id: client.client_id!, resource: prm.resource });
    const next = (await refreshed.json()) as Record<string, string>;
    expect(refreshed.status, JSON.stringify(next)).toBe(200);
    expect(next.refresh_token).toMatch(/^mrt_/);
    expect(next.refresh_token).not.toBe(tokens.refresh_token);
    const call = await rpc(next.access_token, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'monsys_kpi_summary', arguments: {} } });
    expect(call.status).toBe(200);
    expect(((await call.json()) as { result: { isError?: boolean } }).result.isError).toBeFalsy();
  });
});
