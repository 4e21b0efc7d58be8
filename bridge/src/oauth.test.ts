/**
 * The browser sign-in as a native public client, against a mocked authorization server (msw) and
 * the real loopback listener: discovery, registration remembered per hub, PKCE S256, state, the
 * resource indicator, scopes, refresh rotation; and the failures: denial, timeout, port in use.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { http, HttpResponse, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HUB, MemoryStore, token } from '../test/fixtures.js';
import { runLogin } from './cli/login.js';
import type { Context } from './cli/options.js';
import { BridgeError } from './errors.js';
import { login, refresh } from './oauth.js';
import { BridgeState } from './state.js';

const mock = setupServer();
beforeAll(() => mock.listen({ onUnhandledRequest: 'error' }));
afterEach(() => mock.resetHandlers());
afterAll(() => mock.close());

interface AsLog {
  registrations: Record<string, unknown>[];
  tokenRequests: URLSearchParams[];
  challenge?: string;
}

/** A minimal RFC 8414 / 7591 / 6749 server that checks what a correct native client must send. */
function authorizationServer(o: { tokenError?: string; noResourceMetadata?: boolean } = {}): AsLog {
  const log: AsLog = { registrations: [], tokenRequests: [] };
  let n = 0;
  mock.use(
    http.get(/^http:\/\/127\.0\.0\.1:\d+\/callback/, () => passthrough()),
    // RFC 9728 §3.1: the metadata of the resource `${HUB}/v1` (the REST API, the bridge's door) lives at the well-known path with /v1 appended.
    http.get(`${HUB}/.well-known/oauth-protected-resource/v1`, () =>
      o.noResourceMetadata ? HttpResponse.json({ error: 'not_found' }, { status: 404 }) : HttpResponse.json({ resource: `${HUB}/v1`, authorization_servers: [HUB] }),
    ),
    http.get(`${HUB}/.well-known/oauth-authorization-server`, () =>
      HttpResponse.json({
        issuer: HUB,
        authorization_endpoint: `${HUB}/mcp/oauth/authorize`,
        token_endpoint: `${HUB}/mcp/oauth/token`,
        registration_endpoint: `${HUB}/mcp/oauth/register`,
        revocation_endpoint: `${HUB}/mcp/oauth/revoke`,
        code_challenge_methods_supported: ['S256'],
        scopes_supported: ['mcp.read', 'mcp.acknowledge'],
        authorization_response_iss_parameter_supported: true,
      }),
    ),
    http.post(`${HUB}/mcp/oauth/register`, async ({ request }) => {
      const body = (await request.json()) as Record<string, unknown>;
      log.registrations.push(body);
      return HttpResponse.json({ ...body, client_id: `mcp_client${log.registrations.length}` }, { status: 201 });
    }),
    http.post(`${HUB}/mcp/oauth/token`, async ({ request }) => {
      const form = new URLSearchParams(await request.text());
      log.tokenRequests.push(form);
      if (o.tokenError) return HttpResponse.json({ error: o.tokenError }, { status: 400 });
      if (form.get('grant_type') === 'authorization_code') {
        const challenge = createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url');
        if (form.get('code') !== 'the-code' || challenge !== log.challenge) return HttpResponse.json({ error: 'invalid_grant' }, { status: 400 });
      } else if (form.get('refresh_token') !== `mrt_${'r'.repeat(43)}`) {
        return HttpResponse.json({ error: 'invalid_grant' }, { status: 400 });
      }
      n++;
      return HttpResponse.json(
        { access_token: `mat_${String(n).repeat(43)}`, token_type: 'Bearer', expires_in: 3600, refresh_token: `mrt_${String(n).repeat(43)}`, scope: 'mcp.read' },
        { headers: { 'Cache-Control': 'no-store' } },
      );
    }),
  );
  return log;
}

/** The "browser": checks the authorization request, then comes back to the loopback redirect. */
function browser(log: AsLog, answer: (url: URL) => Record<string, string> = (u) => ({ code: 'the-code', state: u.searchParams.get('state')!, iss: HUB })) {
  const opened: URL[] = [];
  return {
    opened,
    open: async (href: string) => {
      const url = new URL(href);
      opened.push(url);
      log.challenge = url.searchParams.get('code_challenge') ?? undefined;
      const back = new URL(url.searchParams.get('redirect_uri')!);
      for (const [k, v] of Object.entries(answer(url))) back.searchParams.set(k, v);
      // Like a browser following the redirect, a moment later.
      setTimeout(() => void fetch(back).catch(() => undefined), 20);
    },
  };
}

let state: BridgeState;
let store: MemoryStore;
beforeEach(() => {
  state = new BridgeState(mkdtempSync(join(tmpdir(), 'bridge-state-')));
  store = new MemoryStore();
});
const ctx = (): Context => ({ hub: HUB, profile: 'acme', fileStore: false, stateDir: '', store, state });

describe('login', () => {
  it('registers once per hub, then signs in with PKCE S256, state and the REST API resource', async () => {
    const log = authorizationServer();
    const b = browser(log);
    const first = await login({ hub: HUB, profile: 'acme', scopes: ['mcp.read'], state, timeoutMs: 10_000, openBrowser: b.open });
    expect(log.registrations).toHaveLength(1);
    const reg = log.registrations[0]!;
    expect(reg).toMatchObject({ token_endpoint_auth_method: 'none', application_type: 'native', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] });
    expect((reg.redirect_uris as string[])[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);

    const auth = b.opened[0]!;
    expect(auth.origin + auth.pathname).toBe(`${HUB}/mcp/oauth/authorize`);
    expect(auth.searchParams.get('response_type')).toBe('code');
    expect(auth.searchParams.get('client_id')).toBe('mcp_client1');
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
    expect(auth.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(auth.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(auth.searchParams.get('scope')).toBe('mcp.read');
    expect(auth.searchParams.get('resource')).toBe(`${HUB}/v1`);

    const exchange = log.tokenRequests[0]!;
    expect(exchange.get('grant_type')).toBe('authorization_code');
    expect(exchange.get('client_id')).toBe('mcp_client1');
    expect(exchange.get('redirect_uri')).toBe(auth.searchParams.get('redirect_uri'));
    expect(exchange.get('resource')).toBe(`${HUB}/v1`);
    expect(first).toMatchObject({ hub: HUB, profile: 'acme', client_id: 'mcp_client1', access_token: `mat_${'1'.repeat(43)}`, refresh_token: `mrt_${'1'.repeat(43)}`, scope: 'mcp.read' });
    expect(first.expires_at).toBeGreaterThan(Date.now() / 1000 + 3500);

    // The second login reuses the remembered client (the state file), on a new loopback port.
    const b2 = browser(log);
    await login({ hub: HUB, profile: 'other', scopes: ['mcp.read', 'mcp.acknowledge'], state, timeoutMs: 10_000, openBrowser: b2.open });
    expect(log.registrations).toHaveLength(1);
    expect(b2.opened[0]!.searchParams.get('client_id')).toBe('mcp_client1');
    expect(b2.opened[0]!.searchParams.get('scope')).toBe('mcp.read mcp.acknowledge');
  });

  it('finds the authorization server through the protected resource metadata (RFC 9728), or takes the hub as issuer without it', async () => {
    const AS = 'https://login.monsys.test/tenant-auth';
    mock.use(
      http.get(`${HUB}/.well-known/oauth-protected-resource/v1`, () => HttpResponse.json({ resource: `${HUB}/v1`, authorization_servers: [AS] })),
      http.get('https://login.monsys.test/.well-known/oauth-authorization-server/tenant-auth', () =>
        HttpResponse.json({ issuer: AS, authorization_endpoint: `${AS}/authorize`, token_endpoint: `${AS}/token`, registration_endpoint: `${AS}/register`, code_challenge_methods_supported: ['S256'] }),
      ),
      http.post(`${AS}/register`, () => HttpResponse.json({ client_id: 'mcp_elsewhere', redirect_uris: ['http://127.0.0.1/callback'] }, { status: 201 })),
    );
    const opened: string[] = [];
    await expect(
      login({ hub: HUB, profile: 'acme', scopes: ['mcp.read'], state, timeoutMs: 300, openBrowser: async (u) => void opened.push(u) }),
    ).rejects.toMatchObject({ code: 'login_timeout' });
    expect(opened[0]).toMatch(new RegExp(`^${AS}/authorize\\?`));

    mock.resetHandlers();
    const log = authorizationServer({ noResourceMetadata: true });
    const t = await login({ hub: HUB, profile: 'acme', scopes: ['mcp.read'], state: new BridgeState(mkdtempSync(join(tmpdir(), 'bridge-state-'))), timeoutMs: 10_000, openBrowser: browser(log).open });
    expect(t.access_token).toMatch(/^mat_/);
  });

  it('refuses an authorization server without https named by the resource metadata', async () => {
    mock.use(http.get(`${HUB}/.well-known/oauth-protected-resource/v1`, () => HttpResponse.json({ resource: `${HUB}/v1`, authorization_servers: ['http://evil.test'] })));
    await expect(login({ hub: HUB, profile: 'acme', scopes: ['mcp.read'], state, timeoutMs: 300 })).rejects.toThrow(/names an authorization server without https \(http:\/\/evil\.test\)/);
  });

  it('a forged callback with another state is refused and does not end the sign-in', async () => {
    const log = authorizationServer();
    let forged: number | undefined;
    const open = async (href: string) => {
      const url = new URL(href);
      log.challenge = url.searchParams.get('code_challenge')!;
      const cb = url.searchParams.get('redirect_uri')!;
      forged = (await fetch(`${cb}?code=evil&state=not-the-state`)).status;
      await fetch(`${cb}?code=the-code&state=${url.searchParams.get('state')}&iss=${encodeURIComponent(HUB)}`);
    };
    const t = await login({ hub: HUB, profile: 'acme', scopes: ['mcp.read'], state, timeoutMs: 10_000, openBrowser: open });
    expect(forged).toBe(400);
    expect(t.access_token).toMatch(/^mat_/);
  });

  it('a denial in the browser ends the sign-in with a clear message and stores nothing', async () => {
    const log = authorizationServer();
    const b = browser(log, (u) => ({ error: 'access_denied', state: u.searchParams.get('state')!, iss: HUB }));
    const err = await login({ hub: HUB, profile: 'acme', scopes: ['mcp.read'], state, timeoutMs: 10_000, openBrowser: b.open }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BridgeError);
    expect((err as BridgeError).message).toMatch(/cancelled or access was denied/);
    expect(log.tokenRequests).toHaveLength(0);
  });

  it('times out with a clear message when the browser never comes back, and frees the port', async () => {
    authorizationServer();
    let redirect = '';
    const started = Date.now();
    const err = await login({
      hub: HUB,
      profile: 'acme',
      scopes: ['mcp.read'],
      state,
      timeoutMs: 500,
      openBrowser: async (href) => void (redirect = new URL(href).searchParams.get('redirect_uri')!),
    }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5000);
    expect((err as BridgeError).code).toBe('login_timeout');
    expect((err as BridgeError).message).toMatch(/No answer from the browser within/);
    const port = Number(new URL(redirect).port);
    await expect(listenOn(port).then((close) => void close())).resolves.toBeUndefined();
  });

  it('a callback port in use is reported as such', async () => {
    authorizationServer();
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const err = await login({ hub: HUB, profile: 'acme', scopes: ['mcp.read'], state, timeoutMs: 2000, callbackPort: port }).catch((e: unknown) => e);
      expect((err as BridgeError).code).toBe('port_in_use');
      expect((err as BridgeError).message).toContain(`Port ${port} on 127.0.0.1 is already in use`);
    } finally {
      blocker.close();
    }
  });

  it('forgets a registration the hub no longer knows, so the next login registers again', async () => {
    const log = authorizationServer({ tokenError: 'invalid_client' });
    const b = browser(log);
    const err = await login({ hub: HUB, profile: 'acme', scopes: ['mcp.read'], state, timeoutMs: 10_000, openBrowser: b.open }).catch((e: unknown) => e);
    expect((err as BridgeError).message).toMatch(/invalid_client/);
    expect(state.registration(HUB)).toBeUndefined();
  });

  it('refuses unknown scopes before any request', async () => {
    const err = await runLogin(ctx(), { scope: ['mcp.admin'] }).catch((e: unknown) => e);
    expect((err as BridgeError).message).toBe('Unknown scope "mcp.admin": choose from mcp.read, mcp.acknowledge.');
  });
});

describe('refresh', () => {
  it('sends the refresh token with the resource and keeps the rotated pair', async () => {
    const log = authorizationServer();
    const next = await refresh(token({ tenant: 'acme' }));
    const form = log.tokenRequests[0]!;
    expect(form.get('grant_type')).toBe('refresh_token');
    expect(form.get('refresh_token')).toBe(`mrt_${'r'.repeat(43)}`);
    expect(form.get('client_id')).toBe('mcp_test');
    expect(form.get('resource')).toBe(`${HUB}/v1`);
    expect(next.access_token).toBe(`mat_${'1'.repeat(43)}`);
    expect(next.refresh_token).toBe(`mrt_${'1'.repeat(43)}`);
    expect(next.tenant).toBe('acme');
  });

  it('a refused refresh token means signing in again', async () => {
    authorizationServer();
    const err = await refresh(token({ refresh_token: `mrt_${'x'.repeat(43)}` })).catch((e: unknown) => e);
    expect((err as BridgeError).code).toBe('reauth_required');
  });
});

function listenOn(port: number): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(() => s.close()));
  });
}
