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
 * (3. the hub behind a TLS reverse proxy is in real-clients-tls.test.ts).
 */
import { createHash } from 'node:crypto';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USERS } from '../hub/src/seed/catalog.js';
import type { Db } from '../hub/src/db/types.js';
import { launchBrowser, type TestBrowser } from './harness/browser.js';
import { DRIVERS } from './harness/db.js';
import { spawnHub, type HubProcess } from './harness/hub.js';
import { BrowserOAuthProvider, hubDatabase, withAuthorization, type Person } from './harness/mcp-oauth.js';

const demo = (email: string) => DEMO_USERS.find((u) => u.email === email)!;
const ADMIN: Person = { email: 'admin@acme.example', password: demo('admin@acme.example').password };
const CALLBACK = 'http://127.0.0.1:47913/oauth/callback';
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

describe.each(DRIVERS)('the MCP SDK client with its OAuth flow, hub on %s', (driver) => {
  let hub: HubProcess;
  let db: Db;
  beforeAll(async () => {
    hub = await spawnHub({ driver, before: [['seed']] });
    db = await hubDatabase(hub);
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await hub?.stop();
  });

  async function openDetection(): Promise<string> {
    const r = await db.query<{ id: string }>(
      `SELECT d.id FROM detected_events d JOIN tenants t ON t.id = d.tenant_id WHERE t.slug = 'acme' AND d.acked_at IS NULL ORDER BY d.detected_at DESC LIMIT 1`,
    );
    return r.rows[0]!.id;
  }

  const families = [
    { name: 'v2 client, 2025-11-25 (initialize)', version: '2025-11-25', mode: 'legacy' as const },
    { name: 'v2 client, 2026-07-28 (per-request envelope)', version: '2026-07-28', mode: { pin: '2026-07-28' } },
  ];

  it.each(families)('$name: discovers, registers with the SDK’s scope, authorizes in the browser, calls tools, refreshes, steps up', async ({ version, mode }) => {
    const provider = new BrowserOAuthProvider({ browser, person: { ...ADMIN, onConsent: untickAcknowledgeOnce() }, redirectUrl: CALLBACK });
    const url = new URL(`${hub.url}/mcp`);
    let transport = new StreamableHTTPClientTransport(url, { authProvider: provider});
    const client = new Client({ name: 'sdk-e2e', version: '1.0.0' }, { versionNegotiation: { mode } });
    await withAuthorization(provider, () => transport, async () => {
      // After a failed first connect the SDK wants a fresh transport (and the same provider).
      if (provider.authorizations.length && provider.tokens()) transport = new StreamableHTTPClientTransport(url, { authProvider: provider});
      await client.connect(transport);
    });
    expect(client.getNegotiatedProtocolVersion()).toBe(version);

    // What the SDK did: one registration carrying the challenge's scope, which the hub registered and echoed.
    expect(provider.registrations).toHaveLength(1);
    expect(provider.registrations[0]).toMatchObject({ client_id: expect.stringMatching(/^mcp_/), scope: 'mcp.read mcp.acknowledge' });
    const authUrl = provider.authorizations[0]!;
    expect(authUrl.origin + authUrl.pathname).toBe(`${hub.url}/mcp/oauth/authorize`);
    expect(Object.fromEntries(authUrl.searchParams)).toMatchObject({ code_challenge_method: 'S256', scope: 'mcp.read mcp.acknowledge', resource: `${hub.url}/mcp` });
    // The person left the write out at consent: a read-only token.
    expect(provider.tokens()).toMatchObject({ token_type: 'Bearer', scope: 'mcp.read', refresh_token: expect.stringMatching(/^mrt_/) });

    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toContain('monsys_acknowledge_detection');
    const kpi = await client.callTool({ name: 'monsys_kpi_summary', arguments: {} });
    expect(kpi.isError).toBeFalsy();
    expect(kpi.structuredContent).toHaveProperty('trust_score');

    // An hour later: the client refreshes by itself, no browser.
    const first = provider.tokens()!.access_token;
    await expire(db, first);
    const again = await client.callTool({ name: 'monsys_trust_score', arguments: {} });
    expect(again.isError).toBeFalsy();
    expect(provider.tokens()!.access_token).not.toBe(first);
    expect(provider.authorizations).toHaveLength(1);

    // The one write with a read-only token: 403 insufficient_scope, the SDK steps up, the person approves.
    const id = await openDetection();
    const ack = await withAuthorization(provider, () => transport, () => client.callTool({ name: 'monsys_acknowledge_detection', arguments: { detection_id: id, note: 'sdk step-up' } }));
    expect(ack.isError, text(ack)).toBeFalsy();
    expect(provider.authorizations).toHaveLength(2);
    expect(provider.authorizations[1]!.searchParams.get('scope')!.split(' ').sort()).toEqual(['mcp.acknowledge', 'mcp.read']);
    expect(provider.tokens()!.scope!.split(' ').sort()).toEqual(['mcp.acknowledge', 'mcp.read']);
    const row = await db.query<{ ack_note: string }>('SELECT ack_note FROM detected_events WHERE id = $1', [id]);
    expect(row.rows[0]!.ack_note).toBe('sdk step-up');
    // Every call, the refused one included, is in the call log under the registered client.
    const log = await db.query<{ tool_name: string; result_status: string }>(
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
