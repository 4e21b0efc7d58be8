/**
 * The OAuth server's rules (issue #3), on PGlite and PostgreSQL, against an in-process hub:
 * metadata, registration and redirect URIs, PKCE, exact redirect matching and loopback ports,
 * single-use codes (a replay revokes what the code issued), scope subset and role limits,
 * resource/audience, refresh rotation with reuse detection and its grace window, revocation
 * (RFC 7009 endpoint, the product page's SQL, the settings page), TTLs, consent and login rules.
 * The login and consent forms are driven by FormAgent (plain HTTP); oauth-browser.test.ts does
 * the same in Chromium.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../hub/src/auth/passwords.js';
import { loadConfig } from '../hub/src/config.js';
import { createLogger } from '../hub/src/logger.js';
import { startHub, type RunningHub } from '../hub/src/server.js';
import { FormAgent, formOf } from './harness/browser.js';
import { oauthFlow, pkce } from './harness/oauth-flow.js';
import { DRIVERS, freshDb, type TestDb } from './harness/db.js';
import { verifies } from './harness/verifies.js';

const PASSWORD = 'correct horse battery';
const IDS = {
  acme: randomUUID(),
  bank: randomUUID(),
  off: randomUUID(),
  admin: randomUUID(),
  viewer: randomUUID(),
  msp: randomUUID(),
  offUser: randomUUID(),
};

async function fixtures(db: TestDb): Promise<void> {
  const hash = await hashPassword(PASSWORD);
  await db.query(
    `INSERT INTO tenants (id, slug, name, mcp_enabled) VALUES ($1, 'acme', 'Acme', true), ($2, 'eu-bank', 'EU Bank', true), ($3, 'gov', 'Gov Agency', false)`,
    [IDS.acme, IDS.bank, IDS.off],
  );
  await db.query(
    `INSERT INTO users (id, email, name, password_hash) VALUES ($1, 'admin@acme.example', 'Ada', $5), ($2, 'viewer@acme.example', 'Vic', $5),
       ($3, 'tech@msp.example', 'Tess', $5), ($4, 'ops@gov.example', 'Otto', $5)`,
    [IDS.admin, IDS.viewer, IDS.msp, IDS.offUser, hash],
  );
  await db.query(
    `INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $3, 'admin'), ($1, $4, 'viewer'), ($1, $5, 'analyst'), ($2, $5, 'analyst'), ($6, $7, 'admin')`,
    [IDS.acme, IDS.bank, IDS.admin, IDS.viewer, IDS.msp, IDS.off, IDS.offUser],
  );
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe.each(DRIVERS)('OAuth rules on %s', (driver) => {
  let db: TestDb;
  let hub: RunningHub;
  let url: string;

  beforeAll(async () => {
    db = await freshDb(driver);
    await fixtures(db);
    hub = await startHub(loadConfig({}, { port: 0, logLevel: 'silent' }), { db, logger: createLogger('silent') });
    url = hub.url;
  });
  afterAll(async () => {
    await hub?.close();
    await db?.close();
  });

  const { register, token, authorizeUrl, authorize, newClient, tokensFor } = oauthFlow(() => url, { email: 'admin@acme.example', password: PASSWORD });
  /** Uses the token at the door it was issued for (tokens without a resource are for /mcp); 401 once it is dead. */
  const useToken = (accessToken: string) =>
    fetch(`${url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });

  describe('metadata', () => {
    it('serves RFC 8414 metadata at the root with our endpoints, scopes, S256 only and no OpenID fields', async () => {
      verifies('CONNECT-2');
      const res = await fetch(`${url}/.well-known/oauth-authorization-server`);
      expect(res.status).toBe(200);
      const m = (await res.json()) as Record<string, any>;
      expect(m).toMatchObject({
        issuer: url,
        authorization_endpoint: `${url}/mcp/oauth/authorize`,
        token_endpoint: `${url}/mcp/oauth/token`,
        registration_endpoint: `${url}/mcp/oauth/register`,
        revocation_endpoint: `${url}/mcp/oauth/revoke`,
        scopes_supported: ['mcp.read', 'mcp.acknowledge'],
        response_types_supported: ['code'],
        grant_types_supported: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_methods_supported: ['none'],
        code_challenge_methods_supported: ['S256'],
        authorization_response_iss_parameter_supported: true,
        client_id_metadata_document_supported: true,
      });
      for (const oidcOnly of ['userinfo_endpoint', 'id_token_signing_alg_values_supported', 'subject_types_supported', 'claims_supported', 'jwks_uri', 'end_session_endpoint']) {
        expect(m).not.toHaveProperty(oidcOnly);
      }
      // The provider's own OpenID discovery is not exposed.
      expect((await fetch(`${url}/.well-known/openid-configuration`)).status).toBe(404);
    });

    it('serves RFC 9728 protected resource metadata for the hub and for /mcp', async () => {
      verifies('CONNECT-2');
      for (const [path, resource] of [['', url], ['/mcp', `${url}/mcp`]] as const) {
        const m = (await (await fetch(`${url}/.well-known/oauth-protected-resource${path}`)).json()) as Record<string, any>;
        expect(m).toMatchObject({ resource, authorization_servers: [url], scopes_supported: ['mcp.read', 'mcp.acknowledge'], bearer_methods_supported: ['header'] });
      }
    });
  });

  describe('registration', () => {
    it('registers a public client with an mcp_ id and no secret; loopback-only clients become native', async () => {
      const r = await register({ client_name: 'my-script', redirect_uris: ['http://localhost:8080/cb'] });
      expect(r.status).toBe(201);
      expect(r.json.client_id).toMatch(/^mcp_[A-Za-z0-9_-]{22}$/);
      expect(r.json).toMatchObject({ token_endpoint_auth_method: 'none', application_type: 'native', redirect_uris: ['http://localhost:8080/cb'], grant_types: ['authorization_code', 'refresh_token'] });
      expect(r.json).not.toHaveProperty('client_secret');
      expect(r.json).not.toHaveProperty('registration_access_token');
      const web = await register({ client_name: 'claude', redirect_uris: ['https://claude.ai/api/mcp/auth_callback'], token_endpoint_auth_method: 'client_secret_post', scope: 'claudeai' });
      expect(web.status).toBe(201);
      expect(web.json).toMatchObject({ application_type: 'web', token_endpoint_auth_method: 'none' });
      expect(web.json).not.toHaveProperty('client_secret');
      const row = await db.query<{ source: string; client_name: string }>('SELECT source, client_name FROM oauth_clients WHERE client_id = $1', [web.json.client_id]);
      expect(row.rows[0]).toEqual({ source: 'registration', client_name: 'claude' });
    });

    it('registers the scope the MCP SDK sends (scopes_supported), echoes it, drops unknown values, and the client can then authorize', async () => {
      const sdk = await register({ client_name: 'sdk', redirect_uris: ['http://127.0.0.1:33418/cb'], scope: 'mcp.read mcp.acknowledge' });
      expect(sdk.status).toBe(201);
      expect(sdk.json.scope).toBe('mcp.read mcp.acknowledge');
      const mixed = await register({ client_name: 'mixed', redirect_uris: ['https://claude.ai/api/mcp/auth_callback'], scope: 'claudeai mcp.read offline_access' });
      expect([mixed.status, mixed.json.scope]).toEqual([201, 'mcp.read']);
      const none = await register({ client_name: 'none', redirect_uris: ['https://claude.ai/api/mcp/auth_callback'], scope: 'claudeai' });
      expect(none.status).toBe(201);
      expect(none.json).not.toHaveProperty('scope');
      const bad = await register({ client_name: 'bad', redirect_uris: ['https://claude.ai/api/mcp/auth_callback'], scope: 42 });
      expect([bad.status, bad.json.error]).toEqual([400, 'invalid_client_metadata']);
      // A client registered with mcp.read may still step up to mcp.acknowledge.
      const t = await tokensFor({ clientId: mixed.json.client_id, redirectUri: 'https://claude.ai/api/mcp/auth_callback', scope: 'mcp.read mcp.acknowledge' });
      expect(t.scope).toBe('mcp.read mcp.acknowledge');
    });

    it.each([
      [['http://example.com/cb'], 'invalid_redirect_uri'],
      [['https://example.com/cb#frag'], 'invalid_redirect_uri'],
      [['com.example.app:/cb'], 'invalid_redirect_uri'],
      [['javascript:alert(1)'], 'invalid_redirect_uri'],
      [['https://user:pw@example.com/cb'], 'invalid_redirect_uri'],
      [[], 'invalid_redirect_uri'],
    ])('refuses redirect_uris %j with %s', async (uris, error) => {
      const r = await register({ client_name: 'bad', redirect_uris: uris });
      expect(r.status).toBe(400);
      expect(r.json.error).toBe(error);
      expect(typeof r.json.error_description).toBe('string');
    });

    it('rate-limits registrations per client address (429 with Retry-After)', async () => {
      // Fill this window's counter to the limit, as if many registrations had just been made.
      await db.query(
        `INSERT INTO rate_limits (bucket, window_start, hits) SELECT bucket, window_start, 120 FROM rate_limits WHERE bucket LIKE 'register:%'
         ON CONFLICT (bucket, window_start) DO UPDATE SET hits = 120`,
      );
      const r = await register({ client_name: 'one too many', redirect_uris: ['https://app.example/cb'] });
      expect(r.status).toBe(429);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(r.json.error).toBe('temporarily_unavailable');
      await db.query(`DELETE FROM rate_limits WHERE bucket LIKE 'register:%'`);
    });

    it('refuses grant types other than authorization_code and refresh_token', async () => {
      const r = await register({ redirect_uris: ['https://app.example/cb'], grant_types: ['client_credentials'] });
      expect(r).toMatchObject({ status: 400, json: { error: 'invalid_client_metadata' } });
    });
  });

  describe('authorization request', () => {
    let clientId: string;
    beforeAll(async () => {
      clientId = await newClient(['http://127.0.0.1:8080/cb']);
    });

    it('shows an error page, never a redirect, for an unknown client or an unregistered redirect URI', async () => {
      const { challenge } = pkce();
      for (const u of [
        authorizeUrl({ clientId: 'mcp_unknown', redirectUri: 'http://127.0.0.1:8080/cb', challenge }),
        authorizeUrl({ clientId, redirectUri: 'http://127.0.0.1:8080/other', challenge }),
        authorizeUrl({ clientId, redirectUri: 'https://evil.example/cb', challenge }),
      ]) {
        const res = await fetch(u, { redirect: 'manual' });
        expect(res.status).toBe(400);
        expect(res.headers.get('location')).toBeNull();
        expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
        expect(await res.text()).toMatch(/invalid_client|invalid_redirect_uri/);
      }
    });

    it('accepts any port on a loopback redirect URI of a native client (RFC 8252 §7.3), nothing else', async () => {
      const { challenge } = pkce();
      const other = await fetch(authorizeUrl({ clientId, redirectUri: 'http://127.0.0.1:53111/cb', challenge }), { redirect: 'manual' });
      expect(other.status).toBe(303);
      expect(new URL(other.headers.get('location')!, url).pathname).toMatch(/^\/mcp\/oauth\/interaction\//);
      const webClient = await newClient(['https://app.example/cb', 'http://127.0.0.1:9000/cb']);
      const res = await fetch(authorizeUrl({ clientId: webClient, redirectUri: 'http://127.0.0.1:9001/cb', challenge }), { redirect: 'manual' });
      expect(res.status).toBe(400);
    });

    it.each([
      ['no code_challenge', { challenge: undefined }, 'invalid_request'],
      ['the plain method', { method: 'plain' }, 'invalid_request'],
      ['an unknown scope', { scope: 'mcp.read admin' }, 'invalid_scope'],
      ['an unknown resource', { resource: 'https://elsewhere.example/mcp' }, 'invalid_target'],
    ])('redirects with an RFC 6749 error, state and iss for %s', async (_name, p, error) => {
      const { challenge } = pkce();
      const res = await fetch(authorizeUrl({ clientId, redirectUri: 'http://127.0.0.1:8080/cb', challenge, ...p }), { redirect: 'manual' });
      expect(res.status).toBe(303);
      const loc = new URL(res.headers.get('location')!);
      expect(loc.origin + loc.pathname).toBe('http://127.0.0.1:8080/cb');
      expect(loc.searchParams.get('error')).toBe(error);
      expect(loc.searchParams.get('state')).toBe('st-123');
      expect(loc.searchParams.get('iss')).toBe(url);
    });
  });

  describe('code and token', () => {
    it('issues mat_/mrt_ tokens (1 h, no-store) bound to user, tenant, client and audience, stored only as hashes', async () => {
      verifies('CONNECT-4');
      const t = await tokensFor();
      expect(t.access_token).toMatch(/^mat_[A-Za-z0-9_-]{43}$/);
      expect(t.refresh_token).toMatch(/^mrt_[A-Za-z0-9_-]{43}$/);
      expect(t).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'mcp.read mcp.acknowledge' });
      const row = await db.query<Record<string, any>>(
        `SELECT tenant_id, user_id, client_id, grant_id, scopes, audience, extract(epoch FROM expires_at - created_at)::int AS ttl FROM mcp_access_tokens WHERE token_sha256 = $1`,
        [sha256(t.access_token)],
      );
      expect(row.rows[0]).toMatchObject({ tenant_id: IDS.acme, user_id: IDS.admin, client_id: t.clientId, scopes: ['mcp.read', 'mcp.acknowledge'], audience: `${url}/mcp` });
      expect(Math.abs(row.rows[0]!.ttl - 3600)).toBeLessThanOrEqual(2);
      expect(row.rows[0]!.grant_id).toBeTruthy();
      // No stored row anywhere contains a raw token or code value.
      for (const table of ['oauth_codes', 'oauth_refresh_tokens', 'oauth_grants', 'oauth_sessions', 'oauth_interactions', 'oauth_misc', 'mcp_access_tokens', 'audit_log']) {
        const dump = (await db.query<{ t: string }>(`SELECT coalesce(string_agg(x::text, ' '), '') AS t FROM ${table} x`)).rows[0]!.t;
        for (const secret of [t.access_token, t.refresh_token, t.code]) expect(dump.includes(secret), `${table} holds a raw credential`).toBe(false);
      }
      const r = await useToken(t.access_token);
      expect([401, 403]).not.toContain(r.status);
    });

    it('sends Cache-Control: no-store and RFC 6749 errors from the token endpoint', async () => {
      const t = await token({ grant_type: 'authorization_code', code: 'nope', redirect_uri: 'http://127.0.0.1:8080/cb', client_id: await newClient(), code_verifier: 'x'.repeat(43) });
      expect(t.status).toBe(400);
      expect(t.json.error).toBe('invalid_grant');
      expect(typeof t.json.error_description).toBe('string');
      expect(t.headers.get('cache-control')).toContain('no-store');
      const bad = await token({ grant_type: 'password', username: 'a', password: 'b', client_id: await newClient() });
      expect(bad.json.error).toBe('unsupported_grant_type');
    });

    it('refuses a wrong PKCE verifier and a different redirect_uri', async () => {
      const redirectUri = 'http://127.0.0.1:8080/cb';
      const clientId = await newClient([redirectUri]);
      for (const mutate of [{ code_verifier: pkce().verifier }, { redirect_uri: 'http://127.0.0.1:8081/cb' }]) {
        const { verifier, challenge } = pkce();
        const { location } = await authorize(authorizeUrl({ clientId, redirectUri, challenge }));
        const t = await token({ grant_type: 'authorization_code', code: location!.searchParams.get('code')!, redirect_uri: redirectUri, client_id: clientId, code_verifier: verifier, ...mutate });
        expect(t.status).toBe(400);
        expect(t.json.error).toBe('invalid_grant');
      }
    });

    it('returns state and iss (RFC 9207) with the code', async () => {
      const clientId = await newClient();
      const { location } = await authorize(authorizeUrl({ clientId, redirectUri: 'http://127.0.0.1:8080/cb', challenge: pkce().challenge, state: 'xyz' }));
      expect(location!.searchParams.get('state')).toBe('xyz');
      expect(location!.searchParams.get('iss')).toBe(url);
    });

    it('makes codes single-use: a replay fails and revokes the tokens the code issued', async () => {
      const t = await tokensFor();
      expect((await useToken(t.access_token)).status).not.toBe(401);
      const replay = await token({ grant_type: 'authorization_code', code: t.code, redirect_uri: t.redirectUri, client_id: t.clientId, code_verifier: t.verifier });
      expect(replay.status).toBe(400);
      expect(replay.json.error).toBe('invalid_grant');
      expect((await useToken(t.access_token)).status).toBe(401);
      const refresh = await token({ grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: t.clientId });
      expect(refresh.json.error).toBe('invalid_grant');
    });

    it('expires codes after about a minute', async () => {
      const clientId = await newClient();
      const { verifier, challenge } = pkce();
      const { location } = await authorize(authorizeUrl({ clientId, redirectUri: 'http://127.0.0.1:8080/cb', challenge }));
      const code = location!.searchParams.get('code')!;
      const ttl = await db.query<{ s: number }>('SELECT extract(epoch FROM expires_at - now())::int AS s FROM oauth_codes WHERE code_sha256 = $1', [sha256(code)]);
      expect(ttl.rows[0]!.s).toBeGreaterThan(50);
      expect(ttl.rows[0]!.s).toBeLessThanOrEqual(60);
      await db.query(`UPDATE oauth_codes SET expires_at = now() - interval '1 second' WHERE code_sha256 = $1`, [sha256(code)]);
      const t = await token({ grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:8080/cb', client_id: clientId, code_verifier: verifier });
      expect(t.json.error).toBe('invalid_grant');
    });

    it('honours the resource parameter as the audience (RFC 8707)', async () => {
      const t = await tokensFor({ resource: url });
      const row = await db.query<{ audience: string }>('SELECT audience FROM mcp_access_tokens WHERE token_sha256 = $1', [sha256(t.access_token)]);
      expect(row.rows[0]!.audience).toBe(url);
      expect((await useToken(t.access_token)).status).not.toBe(401);
    });

    it('expires access tokens: an expired token is refused with 401', async () => {
      verifies('CONNECT-4');
      const t = await tokensFor();
      await db.query(`UPDATE mcp_access_tokens SET expires_at = now() - interval '1 second' WHERE token_sha256 = $1`, [sha256(t.access_token)]);
      expect((await useToken(t.access_token)).status).toBe(401);
    });
  });

  describe('scopes and roles', () => {
    it('grants only the requested scopes', async () => {
      const t = await tokensFor({ scope: 'mcp.read' });
      expect(t.scope).toBe('mcp.read');
    });

    it('lets the user leave out the write scope at consent (a checkbox), never the read scope', async () => {
      const { page } = await authorize(authorizeUrl({ clientId: await newClient(), redirectUri: 'http://127.0.0.1:8080/cb', challenge: pkce().challenge, scope: 'mcp.read mcp.acknowledge' }), { action: 'deny' });
      expect(page.location?.searchParams.get('error')).toBe('access_denied');
      const t = await tokensFor({ scope: 'mcp.read mcp.acknowledge', untick: ['mcp.acknowledge'] });
      expect(t.scope).toBe('mcp.read');
      const consent = (await authorize(authorizeUrl({ clientId: await newClient(), redirectUri: 'http://127.0.0.1:8080/cb', challenge: pkce().challenge, scope: 'mcp.read mcp.acknowledge' }), { action: 'deny' })).consentHtml!;
      expect(consent).toContain('name="scope:mcp.acknowledge"');
      expect(consent).not.toContain('name="scope:mcp.read"');
      // Only the write scope requested and unticked: nothing to grant, the user is asked again.
      const only = await authorize(authorizeUrl({ clientId: await newClient(), redirectUri: 'http://127.0.0.1:8080/cb', challenge: pkce().challenge, scope: 'mcp.acknowledge' }), { untick: ['mcp.acknowledge'] });
      expect([only.page.res.status, only.location]).toEqual([400, undefined]);
    });

    it('limits the scopes to what the role allows: a viewer cannot get mcp.acknowledge', async () => {
      const t = await tokensFor({ email: 'viewer@acme.example', scope: 'mcp.read mcp.acknowledge' });
      expect(t.scope).toBe('mcp.read');
      const row = await db.query<{ scopes: string[] }>('SELECT scopes FROM mcp_access_tokens WHERE token_sha256 = $1', [sha256(t.access_token)]);
      expect(row.rows[0]!.scopes).toEqual(['mcp.read']);
    });

    it('binds the token to the tenant chosen by a user with several tenants', async () => {
      verifies('TENANT-1', 'AUDIT-3');
      const t = await tokensFor({ email: 'tech@msp.example', tenant: IDS.bank });
      const row = await db.query<{ tenant_id: string }>('SELECT tenant_id FROM mcp_access_tokens WHERE token_sha256 = $1', [sha256(t.access_token)]);
      expect(row.rows[0]!.tenant_id).toBe(IDS.bank);
      const audit = await db.query<{ metadata: Record<string, any>; actor_email: string }>(
        `SELECT metadata, actor_email FROM audit_log WHERE event_type = 'mcp_authorization_granted' AND tenant_id = $1`,
        [IDS.bank],
      );
      expect(audit.rows).toHaveLength(1);
      expect(audit.rows[0]).toMatchObject({ actor_email: 'tech@msp.example', metadata: { client_id: t.clientId, scopes: ['mcp.read', 'mcp.acknowledge'], tenant_id: IDS.bank, tenant_slug: 'eu-bank' } });
    });
  });

  describe('refresh tokens', () => {
    it('rotates on every use; a concurrent reuse within the grace window still gets an answer', async () => {
      verifies('CONNECT-5');
      const t = await tokensFor();
      const [a, b] = await Promise.all([
        token({ grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: t.clientId }),
        token({ grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: t.clientId }),
      ]);
      for (const r of [a, b]) {
        expect(r.status, JSON.stringify(r.json)).toBe(200);
        expect(r.json.refresh_token).toMatch(/^mrt_/);
        expect(r.json.refresh_token).not.toBe(t.refresh_token);
        expect(r.headers.get('cache-control')).toContain('no-store');
        expect((await useToken(r.json.access_token)).status).not.toBe(401);
      }
    });

    it('detects reuse of a rotated refresh token after the grace window and revokes the whole family', async () => {
      verifies('CONNECT-5');
      const t = await tokensFor();
      const r1 = await token({ grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: t.clientId });
      expect(r1.status).toBe(200);
      await db.query(`UPDATE oauth_refresh_tokens SET consumed_at = now() - interval '1 minute' WHERE token_sha256 = $1`, [sha256(t.refresh_token)]);
      const reuse = await token({ grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: t.clientId });
      expect(reuse.status).toBe(400);
      expect(reuse.json.error).toBe('invalid_grant');
      expect((await useToken(t.access_token)).status).toBe(401);
      expect((await useToken(r1.json.access_token)).status).toBe(401);
      const next = await token({ grant_type: 'refresh_token', refresh_token: r1.json.refresh_token, client_id: t.clientId });
      expect(next.json.error).toBe('invalid_grant');
    });

    it('refuses a refresh token presented by another client', async () => {
      const t = await tokensFor();
      const r = await token({ grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: await newClient() });
      expect(r.json.error).toBe('invalid_grant');
    });
  });

  describe('revocation', () => {
    it('revokes an access token through the RFC 7009 endpoint (200 even for unknown tokens)', async () => {
      const t = await tokensFor();
      const res = await fetch(`${url}/mcp/oauth/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: t.access_token, client_id: t.clientId }) });
      expect(res.status).toBe(200);
      expect((await useToken(t.access_token)).status).toBe(401);
      const unknown = await fetch(`${url}/mcp/oauth/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: 'mat_unknown', client_id: t.clientId }) });
      expect(unknown.status).toBe(200);
    });

    it('revoking a refresh token ends the grant: its access token and refresh fail', async () => {
      const t = await tokensFor();
      const res = await fetch(`${url}/mcp/oauth/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: t.refresh_token, token_type_hint: 'refresh_token', client_id: t.clientId }) });
      expect(res.status).toBe(200);
      expect((await useToken(t.access_token)).status).toBe(401);
      expect((await token({ grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: t.clientId })).json.error).toBe('invalid_grant');
    });

    it("the product page's SQL revokes the user's tokens, and refresh cannot bring them back", async () => {
      verifies('SESSION-2');
      const t = await tokensFor({ email: 'viewer@acme.example' });
      expect((await useToken(t.access_token)).status).not.toBe(401);
      await db.query(`UPDATE mcp_access_tokens SET revoked_at=NOW() WHERE user_id='${IDS.viewer}'`);
      expect((await useToken(t.access_token)).status).toBe(401);
      expect((await token({ grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: t.clientId })).json.error).toBe('invalid_grant');
    });

    it('the settings page lists the signed-in user\u2019s tokens and revokes one (CSRF-protected)', async () => {
      const t = await tokensFor({ email: 'tech@msp.example', tenant: IDS.acme });
      const agent = new FormAgent(url);
      let page = await agent.go('/settings/mcp-tokens');
      expect(page.url).toContain('/login');
      const login = formOf(page.html);
      page = await agent.go(login.action, { form: { ...login.fields, email: 'tech@msp.example', password: PASSWORD } });
      expect(page.url).toBe(`${url}/settings/mcp-tokens`);
      expect(page.res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      const id = (await db.query<{ id: string }>('SELECT id FROM mcp_access_tokens WHERE token_sha256 = $1', [sha256(t.access_token)])).rows[0]!.id;
      expect(page.html).toContain(`data-token-id="${id}"`);
      expect(page.html).toContain('rules-test');
      const form = formOf(page.html.slice(page.html.indexOf(`data-token-id="${id}"`)));
      expect(form.action).toBe(`/settings/mcp-tokens/${id}/revoke`);
      // Without the CSRF token, or from another origin: refused.
      expect((await agent.request(form.action, { form: { csrf: 'forged' } })).status).toBe(403);
      expect((await agent.request(form.action, { form: form.fields, headers: { origin: 'https://evil.example' } })).status).toBe(403);
      expect((await useToken(t.access_token)).status).not.toBe(401);
      page = await agent.go(form.action, { form: form.fields });
      expect(page.html).toContain('The token was revoked.');
      expect(page.html).not.toContain(`data-token-id="${id}"`);
      expect((await useToken(t.access_token)).status).toBe(401);
      expect((await token({ grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: t.clientId })).json.error).toBe('invalid_grant');
    });
  });

  describe('login and consent pages', () => {
    it('gives one generic message for a wrong password and an unknown user, and no code', async () => {
      const clientId = await newClient();
      for (const email of ['admin@acme.example', 'nobody@acme.example']) {
        const { page, location } = await authorize(authorizeUrl({ clientId, redirectUri: 'http://127.0.0.1:8080/cb', challenge: pkce().challenge }), { email, password: 'wrong password!' });
        expect(location).toBeUndefined();
        expect(page.res.status).toBe(401);
        expect(page.html).toContain('The e-mail address or password is incorrect.');
      }
    });

    it('rate-limits password attempts per e-mail address', async () => {
      const clientId = await newClient();
      const agent = new FormAgent(url);
      const start = await agent.go(authorizeUrl({ clientId, redirectUri: 'http://127.0.0.1:8080/cb', challenge: pkce().challenge }));
      const { action, fields } = formOf(start.html);
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) statuses.push((await agent.go(action, { form: { ...fields, email: 'ratelimit@acme.example', password: 'nope nope nope' } })).res.status);
      expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
      expect(statuses[10]).toBe(429);
    });

    it('sets the session cookies HttpOnly and SameSite=Lax (not Secure on a plain-http issuer)', async () => {
      const { agent } = await authorize(authorizeUrl({ clientId: await newClient(), redirectUri: 'http://127.0.0.1:8080/cb', challenge: pkce().challenge }), { action: 'deny' });
      for (const name of ['monsys_session', 'monsys_oauth_session', 'monsys_interaction']) {
        const cookie = agent.setCookies.find((c) => c.startsWith(`${name}=`));
        expect(cookie, name).toMatch(/HttpOnly/i);
        expect(cookie, name).toMatch(/SameSite=Lax/i);
      }
    });

    it('shows the client, its redirect host, the scopes in plain words and the data flow from the catalogue', async () => {
      verifies('CONNECT-3', 'PRIV-4');
      const clientId = await newClient(['http://127.0.0.1:8080/cb']);
      const { consentHtml } = await authorize(authorizeUrl({ clientId, redirectUri: 'http://127.0.0.1:8080/cb', challenge: pkce().challenge }), { action: 'deny' });
      expect(consentHtml).toContain('rules-test');
      expect(consentHtml).toContain('127.0.0.1:8080');
      expect(consentHtml).toContain('Read your tenant');
      expect(consentHtml).toContain('Hostnames');
      expect(consentHtml).toContain('IP addresses');
      expect(consentHtml).toContain('Acme');
    });

    it('denial returns access_denied with state and iss, and no code', async () => {
      const clientId = await newClient();
      const { location } = await authorize(authorizeUrl({ clientId, redirectUri: 'http://127.0.0.1:8080/cb', challenge: pkce().challenge }), { action: 'deny' });
      expect(location!.searchParams.get('error')).toBe('access_denied');
      expect(location!.searchParams.get('code')).toBeNull();
      expect(location!.searchParams.get('state')).toBe('st-123');
      expect(location!.searchParams.get('iss')).toBe(url);
    });

    it('an opted-out tenant is told why and gets no code, even when the approval is forced', async () => {
      const clientId = await newClient();
      const agent = new FormAgent(url);
      const { page, consentHtml } = await authorize(authorizeUrl({ clientId, redirectUri: 'http://127.0.0.1:8080/cb', challenge: pkce().challenge }), { agent, email: 'ops@gov.example', tenant: IDS.off });
      expect(consentHtml).toContain('not enabled');
      expect(consentHtml).not.toContain('id="approve"');
      expect(page.location).toBeUndefined();
      expect(page.res.status).toBe(403);
      expect(page.html).toContain('not enabled for Gov Agency');
      expect((await db.query('SELECT 1 FROM oauth_codes WHERE client_id = $1', [clientId])).rows).toHaveLength(0);
    });

    it('refuses a consent post without the CSRF token or from another origin', async () => {
      const clientId = await newClient();
      const agent = new FormAgent(url);
      const page = await agent.go(authorizeUrl({ clientId, redirectUri: 'http://127.0.0.1:8080/cb', challenge: pkce().challenge }));
      const login = formOf(page.html);
      const consent = await agent.go(login.action, { form: { ...login.fields, email: 'admin@acme.example', password: PASSWORD } });
      const { action, fields } = formOf(consent.html);
      expect((await agent.request(action, { form: { tenant: IDS.acme, action: 'approve', csrf: 'x' } })).status).toBe(403);
      expect((await agent.request(action, { form: { ...fields, tenant: IDS.acme, action: 'approve' }, headers: { origin: 'https://evil.example' } })).status).toBe(403);
      // Another browser (no interaction cookie) cannot use the page either.
      expect((await new FormAgent(url).request(action, { form: { ...fields, tenant: IDS.acme, action: 'approve' } })).status).toBe(400);
    });
  });

  describe('client ID metadata documents', () => {
    it('authorizes an https client_id from its (cached) metadata document and shows its hostname', async () => {
      const clientId = 'https://client.example.com/oauth/metadata.json';
      await db.query(
        `INSERT INTO oauth_clients (client_id, source, client_name, metadata, expires_at) VALUES ($1, 'metadata_document', 'Doc Client', $2, now() + interval '1 hour')`,
        [clientId, { client_id: clientId, client_name: 'Doc Client', redirect_uris: ['http://127.0.0.1:8080/cb'], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none', application_type: 'native' }],
      );
      const t = await tokensFor({ clientId });
      expect(t.access_token).toMatch(/^mat_/);
      const { consentHtml } = await authorize(authorizeUrl({ clientId, redirectUri: 'http://127.0.0.1:8080/cb', challenge: pkce().challenge }), { action: 'deny' });
      expect(consentHtml).toContain('client.example.com');
    });

    it('treats an unreachable or private metadata document URL as an unknown client (error page, no redirect)', async () => {
      const res = await fetch(authorizeUrl({ clientId: 'https://127.0.0.1/meta.json', redirectUri: 'http://127.0.0.1:8080/cb', challenge: pkce().challenge }), { redirect: 'manual' });
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
    });
  });
});

describe('oidc-provider pin', () => {
  it('is 8.8.1, whose opaque token ids our mat_/mrt_ values replace (lib/models/formats/opaque.js generateTokenId)', () => {
    const pkg = JSON.parse(readFileSync(new URL('../node_modules/oidc-provider/package.json', import.meta.url), 'utf8')) as { version: string };
    expect(pkg.version).toBe('8.8.1');
    const src = readFileSync(new URL('../node_modules/oidc-provider/lib/models/formats/opaque.js', import.meta.url), 'utf8');
    expect(src).toContain('generateTokenId()');
  });
});
