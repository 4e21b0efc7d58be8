/**
 * The authorization code flow driven form by form (no browser): register a client, authorize, sign
 * in, consent, exchange the code. For tests of the OAuth server's rules against a real hub; the
 * browser tests (oauth-browser, real-clients) drive the same pages in Chromium.
 */
import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { FormAgent, formOf } from './browser.js';

export type Json = Record<string, any>;

export const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

export interface Flow {
  agent?: FormAgent;
  email?: string;
  password?: string;
  tenant?: string;
  action?: 'approve' | 'deny';
  /** Optional scopes whose consent checkbox the user unticks. */
  untick?: string[];
}

/** The flow's steps against the hub at `origin()` (a function: the hub may start after this is made). */
export function oauthFlow(origin: () => string, who: { email: string; password: string }) {
  async function register(body: object): Promise<{ status: number; json: Json; headers: Headers }> {
    const res = await fetch(`${origin()}/mcp/oauth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Json, headers: res.headers };
  }

  async function token(form: Record<string, string>): Promise<{ status: number; json: Json; headers: Headers }> {
    const res = await fetch(`${origin()}/mcp/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
    return { status: res.status, json: (await res.json()) as Json, headers: res.headers };
  }

  function authorizeUrl(p: { clientId: string; redirectUri: string; challenge?: string; method?: string; scope?: string; resource?: string; state?: string }): string {
    const q = new URLSearchParams({ client_id: p.clientId, redirect_uri: p.redirectUri, response_type: 'code', state: p.state ?? 'st-123' });
    if (p.challenge !== undefined) q.set('code_challenge', p.challenge);
    if (p.method !== undefined || p.challenge !== undefined) q.set('code_challenge_method', p.method ?? 'S256');
    if (p.scope !== undefined) q.set('scope', p.scope);
    if (p.resource !== undefined) q.set('resource', p.resource);
    return `${origin()}/mcp/oauth/authorize?${q}`;
  }

  /** Drives authorize → login → consent; returns where the browser is sent back to (or the page it stopped on). */
  async function authorize(authUrl: string, f: Flow = {}) {
    const agent = f.agent ?? new FormAgent(origin());
    let page = await agent.go(authUrl);
    if (page.location) return { agent, page, location: page.location };
    if (/id="sign-in"/.test(page.html)) {
      const { action, fields } = formOf(page.html);
      page = await agent.go(action, { form: { ...fields, email: f.email ?? who.email, password: f.password ?? who.password } });
      if (page.location || !/id="approve"|id="deny"/.test(page.html)) return { agent, page, location: page.location };
    }
    const { action, fields } = formOf(page.html);
    const tenant = f.tenant ?? /name="tenant" value="([^"]+)"[^>]*checked/.exec(page.html)?.[1] ?? '';
    const consentHtml = page.html;
    for (const s of f.untick ?? []) delete fields[`scope:${s}`];
    page = await agent.go(action, { form: { ...fields, tenant, action: f.action ?? 'approve' } });
    return { agent, page, location: page.location, consentHtml };
  }

  async function newClient(redirectUris = ['http://127.0.0.1:8080/cb'], extra: object = {}): Promise<string> {
    const r = await register({ client_name: 'rules-test', redirect_uris: redirectUris, ...extra });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    return r.json.client_id as string;
  }

  /** A whole authorization code flow; returns the token response. */
  async function tokensFor(o: { email?: string; tenant?: string; scope?: string; resource?: string; clientId?: string; redirectUri?: string; untick?: string[] } = {}) {
    const redirectUri = o.redirectUri ?? 'http://127.0.0.1:8080/cb';
    const clientId = o.clientId ?? (await newClient([redirectUri]));
    const { verifier, challenge } = pkce();
    const { location } = await authorize(authorizeUrl({ clientId, redirectUri, challenge, scope: o.scope, resource: o.resource }), { email: o.email, tenant: o.tenant, untick: o.untick });
    expect(location, 'redirected back to the client').toBeDefined();
    const code = location!.searchParams.get('code')!;
    expect(code).toBeTruthy();
    const t = await token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: clientId, code_verifier: verifier, ...(o.resource ? { resource: o.resource } : {}) });
    expect(t.status, JSON.stringify(t.json)).toBe(200);
    return { ...t.json, clientId, redirectUri, code, verifier } as Json;
  }

  return { register, token, authorizeUrl, authorize, newClient, tokensFor };
}
