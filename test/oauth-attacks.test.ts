/**
 * Attacks on the OAuth server that its rule tests (oauth-rules, oauth-browser) leave open (issue #7,
 * docs/security.md): scope escalation at the token and refresh endpoints, PKCE downgrades, open
 * redirects through redirect_uri tricks, registration abuse (huge bodies, hostile schemes, really
 * registering past the per-address limit), the consent page framed by another page in Chromium,
 * and Secure cookies when the hub runs behind an https proxy. In-process hub on PostgreSQL; the
 * login and consent forms are driven with the harness's cookie jar (FormAgent).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, createTenant } from '../hub/src/admin/accounts.js';
import { loadConfig } from '../hub/src/config.js';
import { createLogger } from '../hub/src/logger.js';
import { LIMITS } from '../hub/src/oauth/web.js';
import { startHub, type RunningHub } from '../hub/src/server.js';
import { FormAgent, formOf, launchBrowser } from './harness/browser.js';
import { freshDb, type TestDb } from './harness/db.js';
import { readBody } from './harness/http.js';

const PASSWORD = 'attack-test-password';
const REDIRECT = 'http://127.0.0.1:8080/cb';
const WEB_REDIRECT = 'https://app.example/cb';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

let db: TestDb;
let hub: RunningHub;
let url: string;
/** Attack cases tried, by area, for docs/security.md. */
const tried: Record<string, number> = {};
const count = (area: string, n = 1) => (tried[area] = (tried[area] ?? 0) + n);

beforeAll(async () => {
  db = await freshDb('pg');
  await createTenant(db, { slug: 'acme', name: 'Acme', mcpEnabled: true });
  await addUser(db, { email: 'admin@acme.example', password: PASSWORD, tenantSlug: 'acme', role: 'admin' });
  await addUser(db, { email: 'viewer@acme.example', password: PASSWORD, tenantSlug: 'acme', role: 'viewer' });
  hub = await startHub(loadConfig({}, { port: 0, logLevel: 'silent' }), { db, logger: createLogger('silent') });
  url = hub.url;
});

afterAll(async () => {
  console.log(`[oauth-attacks] cases tried: ${JSON.stringify(tried)}; total ${Object.values(tried).reduce((a, b) => a + b, 0)}`);
  await hub?.close();
  await db?.close();
});

async function register(body: unknown, raw?: string): Promise<{ status: number; json: Record<string, any>; headers: Headers }> {
  const res = await fetch(`${url}/mcp/oauth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw ?? JSON.stringify(body) });
  const { text, json } = await readBody(res);
  return { status: res.status, json: (json as Record<string, any> | undefined) ?? { unparsed: text.slice(0, 200) }, headers: res.headers };
}

async function newClient(redirectUris = [REDIRECT]): Promise<string> {
  const r = await register({ client_name: 'attack-test', redirect_uris: redirectUris });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return r.json.client_id as string;
}

async function token(form: Record<string, string>): Promise<{ status: number; json: Record<string, any> }> {
  const res = await fetch(`${url}/mcp/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

function authorizeUrl(p: Record<string, string | undefined>, base = url): string {
  const q = new URLSearchParams({ response_type: 'code', state: 'st-1' });
  for (const [k, v] of Object.entries(p)) if (v !== undefined) q.set(k, v);
  return `${base}/mcp/oauth/authorize?${q}`;
}

/** Authorize → login → consent (approve, the pre-selected tenant); returns the code and its verifier. */
async function codeFor(o: { email?: string; scope?: string; clientId?: string } = {}): Promise<{ code: string; verifier: string; clientId: string }> {
  const clientId = o.clientId ?? (await newClient());
  const { verifier, challenge } = pkce();
  const agent = new FormAgent(url);
  // Tokens for the REST API, the door canAcknowledge() opens.
  let page = await agent.go(authorizeUrl({ client_id: clientId, redirect_uri: REDIRECT, code_challenge: challenge, code_challenge_method: 'S256', scope: o.scope, resource: `${url}/v1` }));
  const login = formOf(page.html);
  page = await agent.go(login.action, { form: { ...login.fields, email: o.email ?? 'admin@acme.example', password: PASSWORD } });
  const consent = formOf(page.html);
  const tenant = /name="tenant" value="([^"]+)"/.exec(page.html)![1]!;
  page = await agent.go(consent.action, { form: { ...consent.fields, tenant, action: 'approve' } });
  const code = page.location?.searchParams.get('code');
  expect(code, 'an authorization code').toBeTruthy();
  return { code: code!, verifier, clientId };
}

async function tokensFor(o: { email?: string; scope?: string } = {}): Promise<Record<string, any>> {
  const c = await codeFor(o);
  const t = await token({ grant_type: 'authorization_code', code: c.code, redirect_uri: REDIRECT, client_id: c.clientId, code_verifier: c.verifier });
  expect(t.status, JSON.stringify(t.json)).toBe(200);
  return { ...t.json, clientId: c.clientId };
}

const storedScopes = async (accessToken: string) =>
  (await db.query<{ scopes: string[] }>('SELECT scopes FROM mcp_access_tokens WHERE token_sha256 = $1', [sha256(accessToken)])).rows[0]?.scopes;

/** What the token really opens: acknowledging needs mcp.acknowledge; a missing scope is 403 before the id is looked up. */
async function canAcknowledge(accessToken: string): Promise<boolean> {
  const res = await fetch(`${url}/v1/detections/${randomUUID()}/acknowledge`, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
    body: '{}',
  });
  const body = (await res.json()) as { error?: { code?: string } };
  expect([403, 404], JSON.stringify(body)).toContain(res.status);
  return res.status !== 403;
}

describe('scope escalation at the token endpoint', () => {
  it('a scope parameter on the code exchange cannot widen what was granted', async () => {
    for (const [email, scope, granted] of [
      ['admin@acme.example', 'mcp.read', ['mcp.read']],
      ['viewer@acme.example', 'mcp.read mcp.acknowledge', ['mcp.read']],
    ] as const) {
      const c = await codeFor({ email, scope });
      const t = await token({ grant_type: 'authorization_code', code: c.code, redirect_uri: REDIRECT, client_id: c.clientId, code_verifier: c.verifier, scope: 'mcp.read mcp.acknowledge' });
      count('scope escalation');
      if (t.status === 200) {
        expect(t.json.scope.split(' ').sort()).toEqual([...granted]);
        expect(await storedScopes(t.json.access_token)).toEqual([...granted]);
        expect(await canAcknowledge(t.json.access_token)).toBe(false);
      } else {
        expect(t.status).toBe(400);
        expect(t.json.error).toMatch(/invalid_scope|invalid_request/);
      }
    }
  });

  it('a refresh asking for a scope outside the grant is refused; a narrower one is reduced, never widened', async () => {
    // The viewer asked for both; the role allowed mcp.read only.
    const viewer = await tokensFor({ email: 'viewer@acme.example', scope: 'mcp.read mcp.acknowledge' });
    expect(viewer.scope).toBe('mcp.read');
    for (const scope of ['mcp.acknowledge', 'mcp.read mcp.acknowledge', 'admin', 'mcp.read offline_access admin', 'openid mcp.acknowledge']) {
      const r = await token({ grant_type: 'refresh_token', refresh_token: viewer.refresh_token, client_id: viewer.clientId, scope });
      count('scope escalation');
      expect(r.status, `${scope}: ${JSON.stringify(r.json)}`).toBe(400);
      expect(r.json.error, scope).toBe('invalid_scope');
      expect(r.json).not.toHaveProperty('access_token');
    }
    // The refusals did not burn the refresh token, and it still gives only what was granted.
    const same = await token({ grant_type: 'refresh_token', refresh_token: viewer.refresh_token, client_id: viewer.clientId });
    expect(same.status, JSON.stringify(same.json)).toBe(200);
    expect(same.json.scope).toBe('mcp.read');
    expect(await canAcknowledge(same.json.access_token)).toBe(false);

    // An admin who asked for mcp.read only cannot pick up mcp.acknowledge at refresh.
    const narrow = await tokensFor({ scope: 'mcp.read' });
    const up = await token({ grant_type: 'refresh_token', refresh_token: narrow.refresh_token, client_id: narrow.clientId, scope: 'mcp.read mcp.acknowledge' });
    count('scope escalation');
    expect(up.status).toBe(400);
    expect(up.json.error).toBe('invalid_scope');

    // Down-scoping is allowed (RFC 6749 §6): the new access token carries the narrower scope only.
    const full = await tokensFor({ scope: 'mcp.read mcp.acknowledge' });
    expect(await canAcknowledge(full.access_token)).toBe(true);
    const down = await token({ grant_type: 'refresh_token', refresh_token: full.refresh_token, client_id: full.clientId, scope: 'mcp.read' });
    count('scope escalation');
    expect(down.status, JSON.stringify(down.json)).toBe(200);
    expect(down.json.scope).toBe('mcp.read');
    expect(await storedScopes(down.json.access_token)).toEqual(['mcp.read']);
    expect(await canAcknowledge(down.json.access_token)).toBe(false);
  });
});

describe('PKCE downgrades at authorize', () => {
  it('refuses the plain method, a missing challenge and a challenge without a method; a code cannot be redeemed without its verifier', async () => {
    const clientId = await newClient();
    const { verifier, challenge } = pkce();
    for (const p of [
      { code_challenge: verifier, code_challenge_method: 'plain' },
      { code_challenge: challenge, code_challenge_method: 'plain' },
      {},
      { code_challenge_method: 'S256' },
      // RFC 7636 §4.3: no method means plain.
      { code_challenge: verifier },
      { code_challenge: challenge, code_challenge_method: 's256' },
      { code_challenge: 'short', code_challenge_method: 'S256' },
    ]) {
      const res = await fetch(authorizeUrl({ client_id: clientId, redirect_uri: REDIRECT, ...p }), { redirect: 'manual' });
      count('PKCE');
      // The client and redirect URI are valid, so the error goes back to the client (RFC 6749 §4.1.2.1), without a code.
      expect(res.status, JSON.stringify(p)).toBe(303);
      const loc = new URL(res.headers.get('location')!);
      expect(loc.origin + loc.pathname).toBe(REDIRECT);
      expect(loc.searchParams.get('error'), JSON.stringify(p)).toBe('invalid_request');
      expect(loc.searchParams.get('code')).toBeNull();
    }
    const c = await codeFor({ clientId });
    for (const form of [{}, { code_verifier: pkce().verifier }, { code_verifier: '' }] as Record<string, string>[]) {
      const t = await token({ grant_type: 'authorization_code', code: c.code, redirect_uri: REDIRECT, client_id: clientId, ...form });
      count('PKCE');
      expect(t.status).toBe(400);
      expect(t.json.error).toMatch(/invalid_grant|invalid_request/);
    }
  });
});

describe('open redirects through redirect_uri', () => {
  it('shows an error page, never a redirect, for every variation of a registered URI', async () => {
    const native = await newClient([REDIRECT]);
    const web = await newClient([WEB_REDIRECT]);
    const { challenge } = pkce();
    const tricks: [string, string][] = [
      [web, 'https://app.example/cb/'],
      [web, 'https://app.example/cb/../evil'],
      [web, 'https://app.example/cb/%2e%2e/evil'],
      [web, 'https://app.example/cb%2F..%2Fevil'],
      [web, 'https://app.example/cbx'],
      [web, 'https://app.example/cb?next=https://evil.example'],
      [web, 'https://app.example/cb#@evil.example'],
      [web, 'https://app.example/cb\\@evil.example'],
      [web, 'https://app.example:444/cb'],
      [web, 'https://app.example:8443/cb'],
      [web, 'http://app.example/cb'],
      [web, 'https://app.example.evil.example/cb'],
      [web, 'https://evil.example/app.example/cb'],
      [web, 'https://app.example@evil.example/cb'],
      [web, 'https://evil.example@app.example/cb'],
      [web, 'https://app.example%40evil.example/cb'],
      [web, '//evil.example/cb'],
      [web, '/cb'],
      [web, 'javascript:alert(1)//https://app.example/cb'],
      [web, 'data:text/html,https://app.example/cb'],
      [web, 'http://127.0.0.1:9000/cb'],
      [native, 'http://127.0.0.1:8080/cb/../../evil'],
      [native, 'http://127.0.0.1:8080/cbx'],
      [native, 'http://127.0.0.1:8080/cb/x'],
      [native, 'https://127.0.0.1:8080/cb'],
      [native, 'http://127.0.0.1.evil.example:8080/cb'],
      [native, 'http://127.0.0.1:8080@evil.example/cb'],
      [native, 'http://evil.example#@127.0.0.1:8080/cb'],
      [native, 'http://evil.example:8080/cb'],
      [native, 'http://localhost.evil.example:8080/cb'],
      [native, 'http://user@127.0.0.1:8080/cb'],
      [native, 'http://127.0.0.2:8080/cb'],
    ];
    for (const [clientId, redirectUri] of tricks) {
      const res = await fetch(authorizeUrl({ client_id: clientId, redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: 'S256' }), { redirect: 'manual' });
      count('open redirect');
      const html = await res.text();
      expect(res.status, redirectUri).toBe(400);
      expect(res.headers.get('location'), redirectUri).toBeNull();
      expect(html, redirectUri).toContain('This authorization request cannot continue');
      expect(html).toMatch(/invalid_redirect_uri|invalid_request/);
    }
    // A second redirect_uri (before or after the registered one): refused (RFC 6749 §3.1, parameters must not
    // repeat); the error may only go to the client's one registered URI, never to the other value.
    for (const order of [
      [WEB_REDIRECT, 'https://evil.example/cb'],
      ['https://evil.example/cb', WEB_REDIRECT],
    ]) {
      const q = new URLSearchParams({ client_id: web, response_type: 'code', code_challenge: challenge, code_challenge_method: 'S256' });
      for (const r of order) q.append('redirect_uri', r);
      const res = await fetch(`${url}/mcp/oauth/authorize?${q}`, { redirect: 'manual' });
      count('open redirect');
      const location = res.headers.get('location');
      if (location) {
        const loc = new URL(location);
        expect(loc.origin + loc.pathname).toBe(WEB_REDIRECT);
        expect(loc.searchParams.get('error')).toBe('invalid_request');
        expect(loc.searchParams.get('code')).toBeNull();
      } else expect(res.status).toBe(400);
    }
  });
});

describe('registration abuse', () => {
  it('refuses huge bodies with 413, chunked or not', async () => {
    const big = JSON.stringify({ client_name: 'x'.repeat(20_000), redirect_uris: [WEB_REDIRECT] });
    const manyUris = JSON.stringify({ redirect_uris: Array.from({ length: 5_000 }, (_, i) => `https://app.example/cb${i}`) });
    const huge = JSON.stringify({ client_name: 'y'.repeat(5 * 1024 * 1024), redirect_uris: [WEB_REDIRECT] });
    for (const body of [big, manyUris, huge]) {
      const r = await register(undefined, body);
      count('registration abuse');
      expect(r.status, `${body.length} bytes`).toBe(413);
      expect(r.headers.get('content-type')).toMatch(/json/);
    }
    // Without a Content-Length: a streamed body is cut off at the same limit.
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 64; i++) c.enqueue(new TextEncoder().encode('z'.repeat(16 * 1024)));
        c.close();
      },
    });
    const res = await fetch(`${url}/mcp/oauth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit);
    count('registration abuse');
    expect(res.status).toBe(413);
  });

  it.each([
    'javascript:alert(document.cookie)',
    'JavaScript:alert(1)',
    ' javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox(1)',
    'file:///etc/passwd',
    'ftp://app.example/cb',
    'ws://127.0.0.1/cb',
    'http://app.example/cb',
    'https://app.example/cb#',
    'https://app.example/cb#frag',
    '#frag',
    '/relative/cb',
    '//app.example/cb',
    'https://user:pass@app.example/cb',
    'https://user@app.example/cb',
    'com.example.app:/cb',
    'about:blank',
    'blob:https://app.example/uuid',
  ])('refuses the redirect URI %j with invalid_redirect_uri', async (uri) => {
    const r = await register({ client_name: 'bad', redirect_uris: [WEB_REDIRECT, uri] });
    count('registration abuse');
    expect(r.status, JSON.stringify(r.json)).toBe(400);
    expect(r.json.error).toBe('invalid_redirect_uri');
  });
});

describe('registration flood from one address', () => {
  it(`registers exactly ${LIMITS.registerPerIp.limit} clients per window, then answers 429 with Retry-After`, async () => {
    const { limit, windowSeconds } = LIMITS.registerPerIp;
    // Start inside one fixed window: a window ending mid-loop would reset the counter.
    const left = windowSeconds - ((Date.now() / 1000) % windowSeconds);
    if (left < 15) await new Promise((r) => setTimeout(r, left * 1000 + 500));
    await db.query(`DELETE FROM rate_limits WHERE bucket LIKE 'register:%'`);
    const before = Number((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM oauth_clients')).rows[0]!.n);
    let created = 0;
    let refused: Awaited<ReturnType<typeof register>> | undefined;
    for (let i = 0; i < limit + 5 && !refused; i++) {
      const r = await register({ client_name: `flood-${i}`, redirect_uris: [WEB_REDIRECT] });
      count('registration abuse');
      if (r.status === 201) created++;
      else refused = r;
    }
    expect(created).toBe(limit);
    expect(refused?.status).toBe(429);
    const retry = Number(refused!.headers.get('retry-after'));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(windowSeconds);
    expect(refused!.json).toMatchObject({ error: 'temporarily_unavailable' });
    expect(refused!.json.error_description).toContain(`Retry after ${retry} seconds`);
    // Still refused, and nothing registered past the limit.
    const again = await register({ client_name: 'one more', redirect_uris: [WEB_REDIRECT] });
    count('registration abuse');
    expect(again.status).toBe(429);
    const after = Number((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM oauth_clients')).rows[0]!.n);
    expect(after - before).toBe(limit);
    await db.query(`DELETE FROM rate_limits WHERE bucket LIKE 'register:%'`);
  }, 60_000);
});

describe('Secure cookies behind an https proxy', () => {
  it('marks every session cookie Secure when the issuer is https and the proxy says X-Forwarded-Proto: https', async () => {
    const issuer = 'https://hub.example';
    const proxied = await startHub(loadConfig({ PUBLIC_URL: issuer, TRUST_PROXY: 'true' }, { port: 0, logLevel: 'silent' }), { db, logger: createLogger('silent') });
    try {
      const local = `http://127.0.0.1:${proxied.port}`;
      const agent = new FormAgent(local);
      const proxy = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'hub.example' };
      /** One browser step through the proxy: follows the hub's redirects (absolute ones name the issuer). */
      async function step(path: string, form?: Record<string, string>): Promise<{ res: Response; html: string; location?: URL }> {
        let res = await agent.request(`${local}${path}`, { form, headers: form ? { ...proxy, origin: issuer } : proxy });
        for (let hops = 0; hops < 10 && res.status >= 300 && res.status < 400; hops++) {
          const next = new URL(res.headers.get('location')!, issuer);
          if (next.origin !== issuer) return { res, html: '', location: next };
          res = await agent.request(`${local}${next.pathname}${next.search}`, { headers: proxy });
        }
        return { res, html: await res.text() };
      }
      const clientId = await newClient();
      const { challenge } = pkce();
      const q = new URL(authorizeUrl({ client_id: clientId, redirect_uri: REDIRECT, code_challenge: challenge, code_challenge_method: 'S256' }, issuer));
      let page = await step(`${q.pathname}${q.search}`);
      const login = formOf(page.html);
      page = await step(login.action, { ...login.fields, email: 'admin@acme.example', password: PASSWORD });
      expect(page.html).toContain('id="approve"');
      const consent = formOf(page.html);
      const tenant = /name="tenant" value="([^"]+)"/.exec(page.html)![1]!;
      page = await step(consent.action, { ...consent.fields, tenant, action: 'approve' });
      expect(page.location?.searchParams.get('code')).toBeTruthy();
      expect(page.location?.searchParams.get('iss')).toBe(issuer);

      const names = ['monsys_session', 'monsys_oauth_session', 'monsys_interaction', 'monsys_interaction_resume'];
      for (const name of names) {
        const lines = agent.setCookies.filter((c) => c.startsWith(`${name}=`) && !/=;|max-age=0|expires=Thu, 01 Jan 1970/i.test(c));
        expect(lines.length, `${name} set`).toBeGreaterThan(0);
        count('secure cookies');
        for (const line of lines) {
          expect(line, name).toMatch(/;\s*secure/i);
          expect(line, name).toMatch(/;\s*httponly/i);
          expect(line, name).toMatch(/;\s*samesite=lax/i);
        }
      }
    } finally {
      await proxied.close();
    }
  });
});

describe('the consent page in a frame', () => {
  it('is not rendered inside another page in Chromium (frame-ancestors)', async () => {
    const browser = await launchBrowser();
    let framer: Server | undefined;
    try {
      const page = await browser.context.newPage();
      await page.goto(authorizeUrl({ client_id: await newClient(), redirect_uri: REDIRECT, code_challenge: pkce().challenge, code_challenge_method: 'S256' }));
      await page.fill('#email', 'admin@acme.example');
      await page.fill('#password', PASSWORD);
      await Promise.all([page.waitForSelector('#approve'), page.click('#sign-in')]);
      const consentUrl = page.url();

      // The attacker's page, on another port of 127.0.0.1: the same site, so the browser even sends the
      // SameSite=Lax interaction cookie with the framed request. A control frame shows framing works.
      framer = createServer((req, res) => {
        res.setHeader('content-type', 'text/html');
        res.end(req.url === '/control' ? '<p id="ok">framed</p>' : `<iframe id="consent" src="${consentUrl}"></iframe><iframe id="control" src="/control"></iframe>`);
      });
      await new Promise<void>((r) => framer!.listen(0, '127.0.0.1', r));
      const attacker = await browser.context.newPage();
      const messages: string[] = [];
      attacker.on('console', (m) => messages.push(m.text()));
      const framed = attacker.waitForResponse((r) => r.url() === consentUrl);
      await attacker.goto(`http://127.0.0.1:${(framer.address() as AddressInfo).port}/`);
      const response = await framed;
      // The hub did answer with the consent form: only the browser's enforcement of its headers stops it.
      expect(response.status()).toBe(200);
      expect(response.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
      await (await (await attacker.$('#control'))!.contentFrame())!.waitForSelector('#ok');
      await attacker.waitForTimeout(200);
      // Chromium replaced the framed consent page by its error page: no frame holds the hub's page or its form.
      const frames = attacker.frames().filter((f) => f !== attacker.mainFrame());
      expect(frames.map((f) => f.url()).sort()).toEqual(['chrome-error://chromewebdata/', `http://127.0.0.1:${(framer.address() as AddressInfo).port}/control`]);
      for (const f of frames) expect(await f.$('#approve, form, #sign-in')).toBeNull();
      expect(messages.join('\n')).toMatch(/violates the following Content Security Policy directive: "frame-ancestors 'none'"/);
      count('framing');
      // The interaction was live all along: top-level, the same URL still shows the form.
      await page.reload();
      expect(await page.$('#approve')).not.toBeNull();
    } finally {
      await browser.close();
      framer?.closeAllConnections();
      await new Promise((r) => (framer ? framer.close(r) : r(undefined)));
    }
  }, 60_000);
});
