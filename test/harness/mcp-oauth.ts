/**
 * The MCP SDK's own OAuth client, as SDK-based clients (Claude Code, IDE clients, mcp-remote, the
 * Inspector) run it: an `OAuthClientProvider` whose `redirectToAuthorization` opens the hub's
 * authorization page in a real Chromium, where a person signs in and approves; the browser's visit to
 * the client's redirect URI is caught, and the test hands its code back with `transport.finishAuth`.
 * Written against the SDK's v2 client interface; the v1 client (`@modelcontextprotocol/sdk`) uses the
 * same shape.
 */
import type { OAuthClientMetadata, OAuthClientProvider, OAuthDiscoveryState, StoredOAuthClientInformation, StoredOAuthTokens } from '@modelcontextprotocol/client';
import type { Page } from 'playwright-core';
import { adminSocketPath, connectAdminSocket } from '../../hub/src/db/admin-socket.js';
import { openPg } from '../../hub/src/db/pg.js';
import type { Db } from '../../hub/src/db/types.js';
import type { TestBrowser } from './browser.js';
import type { HubProcess } from './hub.js';

export interface Person {
  email: string;
  password: string;
  /** What the person does on the consent page before approving (pick a tenant, untick a scope). */
  onConsent?: (page: Page) => Promise<void>;
}

export interface BrowserOAuthOptions {
  browser: TestBrowser;
  person: Person;
  redirectUrl: string;
  /** Registration metadata beyond the redirect URI (client_name, grant types…). */
  metadata?: Partial<OAuthClientMetadata>;
}

/** An in-memory OAuth client whose authorization step is a person in Chromium. */
export class BrowserOAuthProvider implements OAuthClientProvider {
  private info?: StoredOAuthClientInformation;
  private saved?: StoredOAuthTokens;
  private verifier = '';
  private discovery?: OAuthDiscoveryState;
  private pending?: Promise<URLSearchParams>;
  /** Every authorization URL the SDK sent the person to, in order. */
  readonly authorizations: URL[] = [];
  /** Every registration response the SDK stored (one per registration). */
  readonly registrations: StoredOAuthClientInformation[] = [];

  constructor(private readonly o: BrowserOAuthOptions) {}

  get redirectUrl(): string {
    return this.o.redirectUrl;
  }
  get clientMetadata(): OAuthClientMetadata {
    return { client_name: 'sdk-e2e', redirect_uris: [this.o.redirectUrl], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], ...this.o.metadata };
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: StoredOAuthClientInformation) {
    this.info = info;
    this.registrations.push(info);
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: StoredOAuthTokens) {
    this.saved = tokens;
  }
  saveCodeVerifier(v: string) {
    this.verifier = v;
  }
  codeVerifier() {
    return this.verifier;
  }
  // Kept with the verifier, so the SDK can check the callback against the server it started with.
  saveDiscoveryState(state: OAuthDiscoveryState) {
    this.discovery = state;
  }
  discoveryState() {
    return this.discovery;
  }
  redirectToAuthorization(url: URL) {
    this.authorizations.push(url);
    this.pending = approveInBrowser(this.o, url);
  }

  /** The redirect URI's query after the person approved (waits for the browser). */
  async callback(): Promise<URLSearchParams> {
    if (!this.pending) throw new Error('the SDK did not send the person to the authorization page');
    const params = await this.pending;
    this.pending = undefined;
    return params;
  }
}

/** Signs in (when the hub asks), lets the person act on the consent page, approves; resolves with the callback query. */
async function approveInBrowser(o: BrowserOAuthOptions, url: URL): Promise<URLSearchParams> {
  const page = await o.browser.context.newPage();
  try {
    const back = page.waitForRequest((r) => r.url().startsWith(`${o.redirectUrl}?`), { timeout: 30_000 });
    await page.goto(url.toString());
    const first = await page.waitForSelector('#sign-in, #approve');
    if ((await first.getAttribute('id')) === 'sign-in') {
      await page.fill('#email', o.person.email);
      await page.fill('#password', o.person.password);
      await Promise.all([page.waitForSelector('#approve'), page.click('#sign-in')]);
    }
    await o.person.onConsent?.(page);
    await page.click('#approve');
    return new URL((await back).url()).searchParams;
  } finally {
    await page.close();
  }
}

/**
 * Runs `step`; when the SDK answers that the person must authorize first (401 without a usable token,
 * or a 403 step-up), completes the browser flow on `transport` and runs `step` again: what an SDK-based
 * client's host does after `UnauthorizedError`.
 */
export async function withAuthorization<T>(
  provider: BrowserOAuthProvider,
  transport: () => { finishAuth(code: string, iss?: string): Promise<void> },
  step: () => Promise<T>,
): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if ((err as Error)?.name !== 'UnauthorizedError' && !/Unauthorized/.test(String((err as Error)?.message))) throw err;
    const q = await provider.callback();
    const code = q.get('code');
    if (!code) throw new Error(`the authorization ended without a code: ${q.toString()}`);
    await transport().finishAuth(code, q.get('iss') ?? undefined);
    return step();
  }
}

/** The hub's own database, on either driver (PGlite through the running hub's admin socket). */
export async function hubDatabase(hub: HubProcess): Promise<Db> {
  if (hub.dataDir) return connectAdminSocket(adminSocketPath(hub.dataDir));
  return openPg(hub.databaseUrl!, { max: 2 });
}
