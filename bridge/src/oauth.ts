/**
 * The bridge as an OAuth 2.1 public native client of the hub, with oauth4webapi's
 * request/process pairs: discovery (RFC 8414), dynamic registration (RFC 7591, remembered per hub),
 * authorization code with PKCE S256 and state through a loopback redirect (RFC 8252), the
 * `resource` indicator (RFC 8707) and refresh-token rotation.
 */
import * as oauth from 'oauth4webapi';
import { BridgeError } from './errors.js';
import { oauthFetch } from './http.js';
import { info } from './log.js';
import { isLoopbackHost, apiResource } from './names.js';
import type { BridgeState } from './state.js';
import type { StoredToken } from './token-store.js';

export const DEFAULT_SCOPES = ['mcp.read'];
export const CLIENT_NAME = 'monsys bridge for Claude Desktop';

/** oauth4webapi refuses http issuers unless asked; allow that only for a loopback hub (development, tests). */
function requestOptions(hub: string) {
  const options: { [oauth.customFetch]: ReturnType<typeof oauthFetch>; [oauth.allowInsecureRequests]?: boolean } = {
    [oauth.customFetch]: oauthFetch(),
  };
  const url = new URL(hub);
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) options[oauth.allowInsecureRequests] = true;
  return options;
}

/**
 * The authorization server of the hub's REST API (the bridge's resource), found as MCP clients find it: the
 * protected resource metadata of `<hub>/v1` names it (RFC 9728 §3); a hub that publishes none is taken to be its own issuer.
 * @see https://modelcontextprotocol.io/specification/2025-06-18/basic/authorization#authorization-server-discovery
 */
async function authorizationServerOf(hub: string): Promise<URL> {
  const resource = new URL(apiResource(hub));
  let named: string | undefined;
  try {
    const response = await oauth.resourceDiscoveryRequest(resource, requestOptions(hub));
    named = (await oauth.processResourceDiscoveryResponse(resource, response)).authorization_servers?.[0];
  } catch (err) {
    if (err instanceof BridgeError && err.code === 'hub_unreachable') throw err;
    // No (usable) protected resource metadata: fall back to the hub as issuer, as MCP's 2025-03-26 revision did.
  }
  if (!named) return new URL(hub);
  const as = new URL(named);
  // Tokens are sent there: the same rule as for the hub itself (https, or http on loopback only).
  if (as.protocol !== 'https:' && !(as.protocol === 'http:' && isLoopbackHost(as.hostname))) {
    throw new BridgeError('login_failed', `The hub at ${hub} names an authorization server without https (${as.origin}); the bridge will not send a sign-in there.`);
  }
  return as;
}

/** Fetches the hub's authorization server metadata. @see RFC 8414 §3 */
export async function discover(hub: string): Promise<oauth.AuthorizationServer> {
  const issuer = await authorizationServerOf(hub);
  try {
    const response = await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...requestOptions(issuer.href) });
    return await oauth.processDiscoveryResponse(issuer, response);
  } catch (err) {
    throw asBridgeError(err, `The hub at ${hub} did not publish usable OAuth metadata (authorization server ${issuer.href.replace(/\/$/, '')}, /.well-known/oauth-authorization-server)`);
  }
}

/** Registers the bridge once per hub; later logins reuse the client id from the state file. */
async function clientFor(hub: string, as: oauth.AuthorizationServer, state: BridgeState, redirectUri: string): Promise<oauth.Client> {
  const known = state.registration(hub);
  if (known) return { client_id: known.client_id, token_endpoint_auth_method: 'none' };
  if (!as.registration_endpoint) {
    throw new BridgeError('login_failed', `The hub at ${hub} does not offer dynamic client registration, which the bridge needs.`);
  }
  try {
    const response = await oauth.dynamicClientRegistrationRequest(
      as,
      {
        client_name: CLIENT_NAME,
        // RFC 8252 §7.3: the hub accepts any port on a loopback redirect, so one registration serves every login.
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
        application_type: 'native',
      },
      requestOptions(hub),
    );
    const client = await oauth.processDynamicClientRegistrationResponse(response);
    state.saveRegistration(hub, { client_id: client.client_id, redirect_uris: [redirectUri], registered_at: new Date().toISOString() });
    return { client_id: client.client_id, token_endpoint_auth_method: 'none' };
  } catch (err) {
    throw asBridgeError(err, `The hub at ${hub} refused to register the bridge`);
  }
}

export interface LoginOptions {
  hub: string;
  profile: string;
  scopes: string[];
  state: BridgeState;
  /** Opens the URL in a browser; login still works when it fails (the URL is printed). */
  openBrowser?: (url: string) => Promise<void>;
  timeoutMs: number;
  callbackPort?: number;
  /** The tenant slug to preselect on the consent page (`tenant_hint`); the choice is checked after. */
  tenant?: string;
  /** Checks (and completes) the new token before the browser is told the sign-in worked. */
  accept?: (t: StoredToken) => Promise<StoredToken>;
}

/** The browser login. Resolves with the token to store. */
export async function login(o: LoginOptions): Promise<StoredToken> {
  const as = await discover(o.hub);
  if (!as.authorization_endpoint || !as.token_endpoint) {
    throw new BridgeError('login_failed', `The hub at ${o.hub} publishes no authorization or token endpoint.`);
  }
  const expectedState = oauth.generateRandomState();
  // Loaded here, not at start: `serve` needs no HTTP server until a sign-in (issue #6, cold start).
  const { startLoopback } = await import('./loopback.js');
  const listener = await startLoopback(expectedState, o.callbackPort ?? 0);
  try {
    const client = await clientFor(o.hub, as, o.state, listener.redirectUri);
    const verifier = oauth.generateRandomCodeVerifier();
    const url = new URL(as.authorization_endpoint);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: listener.redirectUri,
      scope: o.scopes.join(' '),
      state: expectedState,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      resource: apiResource(o.hub),
      ...(o.tenant ? { tenant_hint: o.tenant } : {}),
    }).toString();

    info(`Sign in to monsys (profile "${o.profile}") in your browser. If no browser opens, open this URL:\n\n  ${url.href}\n`);
    // Not awaited: the browser's callback request is answered only once the sign-in is complete (loopback.ts).
    if (o.openBrowser) void o.openBrowser(url.href).catch(() => info('(Could not open a browser here: open the URL above yourself.)'));

    const callbackUrl = await listener.callback(o.timeoutMs);
    let params: URLSearchParams;
    try {
      params = oauth.validateAuthResponse(as, client, callbackUrl, expectedState);
    } catch (err) {
      if (err instanceof oauth.AuthorizationResponseError) {
        const denied = err.error === 'access_denied';
        throw new BridgeError(
          'login_failed',
          denied ? 'Sign-in was cancelled or access was denied in the browser; nothing was stored.' : `The hub refused the sign-in (${safeText(err.error)}${err.error_description ? `: ${safeText(err.error_description)}` : ''}).`,
        );
      }
      throw asBridgeError(err, 'The sign-in answer from the browser was not valid');
    }
    let tokens: oauth.TokenEndpointResponse;
    try {
      const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, listener.redirectUri, verifier, {
        additionalParameters: { resource: apiResource(o.hub) },
        ...requestOptions(o.hub),
      });
      tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
    } catch (err) {
      // A hub that lost our registration (e.g. its database was reset): forget it so the next login registers again.
      if (err instanceof oauth.ResponseBodyError && err.error === 'invalid_client') o.state.forgetRegistration(o.hub);
      throw asBridgeError(err, 'The hub refused to exchange the sign-in code for a token');
    }
    const stored = toStored(o.hub, o.profile, client.client_id, tokens);
    const accepted = o.accept ? await o.accept(stored) : stored;
    listener.answer({ ok: true });
    return accepted;
  } catch (err) {
    listener.answer({ ok: false, message: err instanceof BridgeError ? err.message : 'The sign-in failed. Go back to the terminal for details.' });
    throw err;
  } finally {
    await listener.close();
  }
}

/** Exchanges the refresh token for a new pair (the hub rotates refresh tokens on every use). */
export async function refresh(current: StoredToken): Promise<StoredToken> {
  if (!current.refresh_token) throw new BridgeError('reauth_required', 'No refresh token is stored.');
  const as = await discover(current.hub);
  const client: oauth.Client = { client_id: current.client_id, token_endpoint_auth_method: 'none' };
  let tokens: oauth.TokenEndpointResponse;
  try {
    const response = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), current.refresh_token, {
      additionalParameters: { resource: apiResource(current.hub) },
      ...requestOptions(current.hub),
    });
    tokens = await oauth.processRefreshTokenResponse(as, client, response);
  } catch (err) {
    if (err instanceof BridgeError && err.code === 'hub_unreachable') throw err;
    throw new BridgeError('reauth_required', 'The hub did not accept the stored refresh token.');
  }
  const next = toStored(current.hub, current.profile, current.client_id, tokens);
  // Some servers do not rotate: keep the old refresh token then. Keep what the hub told us before.
  return { ...next, refresh_token: next.refresh_token ?? current.refresh_token, tenant: next.tenant ?? current.tenant, user: next.user ?? current.user };
}

function toStored(hub: string, profile: string, clientId: string, t: oauth.TokenEndpointResponse): StoredToken {
  const extra = t as Record<string, unknown>;
  return {
    hub,
    profile,
    client_id: clientId,
    access_token: t.access_token,
    refresh_token: t.refresh_token,
    expires_at: Math.floor(Date.now() / 1000) + (typeof t.expires_in === 'number' ? t.expires_in : 3600),
    scope: typeof t.scope === 'string' ? t.scope : '',
    tenant: typeof extra.tenant === 'string' ? extra.tenant : undefined,
    user: typeof extra.user === 'string' ? extra.user : typeof extra.email === 'string' ? extra.email : undefined,
  };
}

/** Text from the hub shown in a terminal: printable, bounded. */
function safeText(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
}

function asBridgeError(err: unknown, context: string): BridgeError {
  if (err instanceof BridgeError) return err;
  if (err instanceof oauth.ResponseBodyError) {
    return new BridgeError('login_failed', `${context}: ${safeText(err.error)}${err.error_description ? ` (${safeText(err.error_description)})` : ''}.`);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new BridgeError('login_failed', `${context}: ${safeText(message)}.`);
}

/** Revokes the refresh token (and with it the grant) and the access token. @see RFC 7009 §2 */
export async function revoke(t: StoredToken): Promise<boolean> {
  const as = await discover(t.hub);
  if (!as.revocation_endpoint) return false;
  const client: oauth.Client = { client_id: t.client_id, token_endpoint_auth_method: 'none' };
  let ok = true;
  for (const [value, hint] of [[t.refresh_token, 'refresh_token'], [t.access_token, 'access_token']] as const) {
    if (!value) continue;
    try {
      const response = await oauth.revocationRequest(as, client, oauth.None(), value, { additionalParameters: { token_type_hint: hint }, ...requestOptions(t.hub) });
      await oauth.processRevocationResponse(response);
    } catch {
      ok = false;
    }
  }
  return ok;
}
