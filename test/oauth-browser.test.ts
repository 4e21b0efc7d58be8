/**
 * The OAuth flow in a real browser (Debian's Chromium via playwright-core) against a real hub
 * process on PostgreSQL: the full flow to a REST call, deny, wrong password, an MSP technician
 * choosing one of two tenants, an opted-out tenant, /settings/mcp-tokens revoking a token that
 * then gets 401, and the product page's "Or via API" curl roundtrip, step by step.
 * One browser and one hub for the file; each scenario starts with no cookies.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../hub/src/auth/passwords.js';
import { launchBrowser, type TestBrowser } from './harness/browser.js';
import { spawnHub, type HubProcess } from './harness/hub.js';
import { verifies } from './harness/verifies.js';

const PASSWORD = 'correct horse battery';
/** The product page's redirect URI, exactly. */
const REDIRECT = 'http://localhost:8080/cb';
const T = { acme: randomUUID(), bank: randomUUID(), gov: randomUUID() };
const U = { admin: randomUUID(), msp: randomUUID(), gov: randomUUID() };

let hub: HubProcess;
let browser: TestBrowser;
let sql: pg.Client;

beforeAll(async () => {
  [hub, browser] = await Promise.all([spawnHub(), launchBrowser()]);
  sql = new pg.Client({ connectionString: hub.databaseUrl });
  await sql.connect();
  const hash = await hashPassword(PASSWORD);
  await sql.query(
    `INSERT INTO tenants (id, slug, name, mcp_enabled) VALUES ($1, 'acme', 'Acme Manufacturing', true), ($2, 'eu-bank', 'EU Bank', true), ($3, 'gov', 'Gov Agency', false)`,
    [T.acme, T.bank, T.gov],
  );
  await sql.query(
    `INSERT INTO users (id, email, name, password_hash) VALUES ($1, 'admin@acme.example', 'Ada', $4), ($2, 'tech@yourmsp.example', 'Tess', $4), ($3, 'ops@gov.example', 'Otto', $4)`,
    [U.admin, U.msp, U.gov, hash],
  );
  await sql.query(
    `INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $4, 'admin'), ($1, $5, 'analyst'), ($2, $5, 'analyst'), ($3, $6, 'admin')`,
    [T.acme, T.bank, T.gov, U.admin, U.msp, U.gov],
  );
  // The OAuth client's redirect URI: answered by the browser itself, so no listener is needed.
  await browser.context.route(/^http:\/\/(localhost|127\.0\.0\.1):8080\//, (route) => route.fulfill({ status: 200, contentType: 'text/plain', body: 'client callback' }));
});

afterAll(async () => {
  await sql?.end();
  await browser?.close();
  await hub?.stop();
});

beforeEach(async () => {
  await browser.context.clearCookies();
});

const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

async function register(): Promise<string> {
  // Step 1 of the product page, as its curl sends it.
  const res = await fetch(`${hub.url}/mcp/oauth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: '{"client_name":"my-script","redirect_uris":["http://localhost:8080/cb"]}',
  });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { client_id: string };
  expect(body.client_id).toMatch(/^mcp_/);
  return body.client_id;
}

/** Step 2's URL, in the product page's parameter order. */
/** For the REST API (resource /v1): these flows check their tokens there, and a token is good only at its door. */
function authorizeUrl(clientId: string, challenge: string, scope = 'mcp.read mcp.acknowledge', state?: string): string {
  return (
    `${hub.url}/mcp/oauth/authorize?client_id=${clientId}&redirect_uri=${REDIRECT}&response_type=code&resource=${encodeURIComponent(`${hub.url}/v1`)}` +
    `&code_challenge=${challenge}&code_challenge_method=S256&scope=${encodeURIComponent(scope)}${state ? `&state=${state}` : ''}`
  );
}

async function logIn(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.waitForSelector('#sign-in');
  await page.fill('#email', email);
  await page.fill('#password', password);
  await Promise.all([page.waitForLoadState('load'), page.click('#sign-in')]);
}

/** Clicks a button and returns the URL the browser lands on at the client's redirect URI. */
async function clickToCallback(page: Page, selector: string): Promise<URL> {
  const [request] = await Promise.all([page.waitForRequest((r) => r.url().startsWith(`${REDIRECT}?`)), page.click(selector)]);
  // Let the navigation finish, so that the next goto on this page is not racing it.
  await page.waitForURL((u) => u.toString().startsWith(`${REDIRECT}?`));
  return new URL(request.url());
}

interface TokenResponse {
  access_token: string;
  refresh_token: string;
  scope: string;
  token_type: string;
  expires_in: number;
}

async function exchange(clientId: string, code: string, verifier: string): Promise<TokenResponse> {
  // Step 3 of the product page: form-encoded, exactly its fields.
  const res = await fetch(`${hub.url}/mcp/oauth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `grant_type=authorization_code&code=${code}&redirect_uri=${REDIRECT}&client_id=${clientId}&code_verifier=${verifier}`,
  });
  expect(res.headers.get('cache-control')).toContain('no-store');
  const body = (await res.json()) as TokenResponse;
  expect(res.status, JSON.stringify(body)).toBe(200);
  expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
  return body;
}

const restStatus = async (token: string, path: string) => (await fetch(`${hub.url}${path}`, { headers: { Authorization: `Bearer ${token}` } })).status;

describe('OAuth in Chromium against a hub process', () => {
  it('full flow: register → authorize → login → consent → code → token → REST call', async () => {
    verifies('CONNECT-3', 'AUDIT-3');
    const clientId = await register();
    const { verifier, challenge } = pkce();
    const page = await browser.context.newPage();
    await page.goto(authorizeUrl(clientId, challenge, 'mcp.read mcp.acknowledge', 'abc'));
    expect(page.url()).toContain('/mcp/oauth/interaction/');
    await logIn(page, 'admin@acme.example');
    await expect(page.textContent('#client')).resolves.toBe('my-script');
    await expect(page.textContent('#redirect-host')).resolves.toBe('localhost:8080');
    await expect(page.textContent('#scopes')).resolves.toContain('mcp.acknowledge');
    await expect(page.textContent('#data-flow')).resolves.toContain('Hostnames');
    const back = await clickToCallback(page, '#approve');
    expect(back.searchParams.get('state')).toBe('abc');
    expect(back.searchParams.get('iss')).toBe(hub.url);
    const tokens = await exchange(clientId, back.searchParams.get('code')!, verifier);
    expect(tokens.access_token).toMatch(/^mat_[A-Za-z0-9_-]{43}$/);
    expect(tokens.refresh_token).toMatch(/^mrt_/);
    expect(tokens.scope).toBe('mcp.read mcp.acknowledge');
    expect(await restStatus(tokens.access_token, '/v1/trust-score')).toBe(200);
    expect(await restStatus(tokens.access_token, '/v1/kpi-summary')).toBe(200);
    const audit = await sql.query(`SELECT metadata FROM audit_log WHERE event_type = 'mcp_authorization_granted' AND tenant_id = $1 AND target_id = $2`, [T.acme, clientId]);
    expect(audit.rows).toHaveLength(1);
    await page.close();
  });

  it('deny: the client gets access_denied and no code', async () => {
    const clientId = await register();
    const page = await browser.context.newPage();
    await page.goto(authorizeUrl(clientId, pkce().challenge, 'mcp.read', 'd1'));
    await logIn(page, 'admin@acme.example');
    const back = await clickToCallback(page, '#deny');
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('code')).toBeNull();
    expect(back.searchParams.get('state')).toBe('d1');
    await page.close();
  });

  it('wrong password: a generic error, still on the login page', async () => {
    const clientId = await register();
    const page = await browser.context.newPage();
    await page.goto(authorizeUrl(clientId, pkce().challenge));
    await logIn(page, 'admin@acme.example', 'not the password');
    await expect(page.textContent('#error')).resolves.toBe('The e-mail address or password is incorrect.');
    expect(await page.$('#approve')).toBeNull();
    expect(await page.inputValue('#email')).toBe('admin@acme.example');
    await page.close();
  });

  it('an MSP technician with two tenants chooses one; the token is bound to it', async () => {
    verifies('TENANT-1');
    const clientId = await register();
    const { verifier, challenge } = pkce();
    const page = await browser.context.newPage();
    await page.goto(authorizeUrl(clientId, challenge));
    await logIn(page, 'tech@yourmsp.example');
    const labels = await page.$$eval('label.tenant', (ls) => ls.map((l) => l.textContent ?? ''));
    expect(labels.some((l) => l.includes('Acme Manufacturing'))).toBe(true);
    expect(labels.some((l) => l.includes('EU Bank'))).toBe(true);
    await page.check(`input[name="tenant"][value="${T.bank}"]`);
    const back = await clickToCallback(page, '#approve');
    const tokens = await exchange(clientId, back.searchParams.get('code')!, verifier);
    const row = await sql.query('SELECT tenant_id FROM mcp_access_tokens WHERE token_sha256 = $1', [createHash('sha256').update(tokens.access_token).digest('hex')]);
    expect(row.rows[0].tenant_id).toBe(T.bank);
    await page.close();
  });

  it('an opted-out tenant sees why and cannot approve', async () => {
    verifies('TENANT-2');
    const clientId = await register();
    const page = await browser.context.newPage();
    await page.goto(authorizeUrl(clientId, pkce().challenge));
    await logIn(page, 'ops@gov.example');
    await expect(page.textContent('#opted-out')).resolves.toContain('not enabled');
    expect(await page.$('#approve')).toBeNull();
    const back = await clickToCallback(page, '#deny');
    expect(back.searchParams.get('code')).toBeNull();
    await page.close();
  });

  it('/settings/mcp-tokens revokes a token, which then gets 401', async () => {
    verifies('SESSION-1');
    const clientId = await register();
    const { verifier, challenge } = pkce();
    const page = await browser.context.newPage();
    await page.goto(authorizeUrl(clientId, challenge, 'mcp.read'));
    await logIn(page, 'admin@acme.example');
    const back = await clickToCallback(page, '#approve');
    const tokens = await exchange(clientId, back.searchParams.get('code')!, verifier);
    expect(await restStatus(tokens.access_token, '/v1/trust-score')).toBe(200);
    // Same browser: the hub session from the OAuth login signs in to the settings page.
    await page.goto(`${hub.url}/settings/mcp-tokens`);
    const id = (await sql.query('SELECT id FROM mcp_access_tokens WHERE token_sha256 = $1', [createHash('sha256').update(tokens.access_token).digest('hex')])).rows[0].id as string;
    const row = page.locator(`tr[data-token-id="${id}"]`);
    await expect(row.textContent()).resolves.toContain('my-script');
    await expect(row.textContent()).resolves.toContain('Acme Manufacturing');
    await expect(row.textContent()).resolves.toContain('mcp.read');
    await Promise.all([page.waitForURL(/revoked=1/), row.locator('button.revoke').click()]);
    await expect(page.textContent('#notice')).resolves.toBe('The token was revoked.');
    expect(await page.$(`tr[data-token-id="${id}"]`)).toBeNull();
    expect(await restStatus(tokens.access_token, '/v1/trust-score')).toBe(401);
    await page.close();
  });

  it("the product page's curl roundtrip, step by step", async () => {
    verifies('CONNECT-6');
    // 1. Register a client.
    const clientId = await register();
    // 2. Browser flow: open the authorize URL, log in, approve → redirect with ?code=.
    const { verifier, challenge } = pkce();
    const page = await browser.context.newPage();
    await page.goto(`${hub.url}/mcp/oauth/authorize?client_id=${clientId}&redirect_uri=http://localhost:8080/cb&response_type=code&code_challenge=${challenge}&code_challenge_method=S256&scope=mcp.read`);
    await logIn(page, 'admin@acme.example');
    const back = await clickToCallback(page, '#approve');
    const code = back.searchParams.get('code')!;
    expect(code).toBeTruthy();
    await page.close();
    // 3. Exchange code for token.
    const { access_token: token } = await exchange(clientId, code, verifier);
    expect(token).toMatch(/^mat_/);
    // 4. Call a tool, with the headers and body curl sends.
    const res = await fetch(`${hub.url}/mcp`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: '*/*' },
      body: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"monsys_kpi_summary","arguments":{}}}',
    });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(text).toContain('"id":1');
    expect(text).not.toContain('"error"');
  });
});
