/**
 * The oidc-provider instance (8.8.1, pinned: see docs/adr/0002-oauth-server.md): plain OAuth 2.1
 * for the MCP resource, no OpenID Connect. The protocol mechanics (authorization, PKCE, codes,
 * token endpoint, refresh rotation, revocation, registration) are the library's; this file is
 * the policy: endpoints under /mcp/oauth, scopes from the catalogue, S256 only, `mat_`/`mrt_`
 * token values, 1 h access tokens, audiences limited to this hub's resources, and a consent
 * step on every authorization so that each grant is bound to the tenant chosen there.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider, { errors, interactionPolicy, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { ALL_SCOPES } from '../../../shared/index.js';
import { ACCESS_TOKEN_PREFIX, ACCESS_TOKEN_TTL_SECONDS, REFRESH_TOKEN_PREFIX, newTokenValue } from '../auth/tokens.js';
import type { TrustProxy } from '../config.js';
import type { Db } from '../db/types.js';
import { createAdapterFactory, type AdapterOptions } from './adapter.js';
import { errorPage, pageHeaders } from './pages.js';

export const OAUTH_PATHS = {
  authorization: '/mcp/oauth/authorize',
  token: '/mcp/oauth/token',
  registration: '/mcp/oauth/register',
  revocation: '/mcp/oauth/revoke',
  interaction: '/mcp/oauth/interaction',
} as const;

export const TTL = {
  AccessToken: ACCESS_TOKEN_TTL_SECONDS,
  /** "valid about a minute" */
  AuthorizationCode: 60,
  /** Sliding: each rotation issues a new one for another 30 days, within the grant's lifetime. */
  RefreshToken: 30 * 24 * 3600,
  Grant: 90 * 24 * 3600,
  Interaction: 15 * 60,
  Session: 8 * 3600,
} as const;

/** Scopes a client may ask for besides ours: `offline_access` is accepted and ignored (refresh tokens are always issued). */
const TOLERATED_SCOPES = new Set(['offline_access']);

/**
 * The resources a token may be issued for (RFC 8707): the MCP endpoint, the hub as a whole and the
 * REST API — exactly the audiences hub/src/auth/bearer.ts accepts. The MCP endpoint is the default.
 */
export function hubResources(issuer: string): { default: string; all: string[] } {
  return { default: `${issuer}/mcp`, all: [`${issuer}/mcp`, issuer, `${issuer}/v1`] };
}

/** Normalises a resource indicator (a trailing slash is not a different resource); undefined when not ours. */
export function matchResource(issuer: string, indicator: string): string | undefined {
  const normalised = indicator.replace(/\/+$/, '');
  return hubResources(issuer).all.find((r) => r === normalised);
}

export interface ProviderOptions extends AdapterOptions {
  issuer: string;
  db: Db;
  cookieKeys: string[];
  trustProxy: TrustProxy;
}

export function createProvider(o: ProviderOptions): Provider {
  const { issuer, db } = o;
  const resources = hubResources(issuer);

  const policy = interactionPolicy.base();
  // Every authorization goes through the consent page, even when an older grant would cover it:
  // that is where the tenant is chosen and the grant bound to it (one connector per tenant).
  policy.get('consent')!.checks.add(
    new interactionPolicy.Check('tenant_choice', 'each authorization is approved for one tenant', (ctx) =>
      ctx.oidc.result && 'consent' in ctx.oidc.result ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT,
    ),
  );

  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  // No JWTs are issued (opaque tokens, no ID tokens); the provider still wants a signing key.
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), use: 'sig', alg: 'ES256' };

  const configuration = {
    adapter: createAdapterFactory(db, o),
    clients: [],
    jwks: { keys: [jwk] },
    async findAccount(_ctx: unknown, id: string) {
      const r = await db.query('SELECT 1 FROM users WHERE id = $1', [id]);
      if (!r.rows[0]) return undefined;
      return { accountId: id, claims: async () => ({ sub: id }) };
    },
    // Our scopes belong to the resource server (getResourceServerInfo below), not to OpenID.
    scopes: ['offline_access'],
    claims: { openid: ['sub'] },
    routes: {
      authorization: OAUTH_PATHS.authorization,
      token: OAUTH_PATHS.token,
      registration: OAUTH_PATHS.registration,
      revocation: OAUTH_PATHS.revocation,
      // Disabled features still need distinct paths under our prefix.
      jwks: '/mcp/oauth/jwks',
      userinfo: '/mcp/oauth/userinfo',
      introspection: '/mcp/oauth/introspect',
      end_session: '/mcp/oauth/logout',
      code_verification: '/mcp/oauth/device',
      device_authorization: '/mcp/oauth/device/auth',
      pushed_authorization_request: '/mcp/oauth/par',
      backchannel_authentication: '/mcp/oauth/backchannel',
    },
    responseTypes: ['code'],
    // A client bound to one tenant (the desktop bridge's profile) names it; the consent page preselects it.
    extraParams: ['tenant_hint'],
    pkce: { methods: ['S256'], required: () => true },
    clientAuthMethods: ['none'],
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      id_token_signed_response_alg: 'ES256',
    },
    enabledJWA: { idTokenSigningAlgValues: ['ES256'] },
    features: {
      devInteractions: { enabled: false },
      registration: {
        enabled: true,
        initialAccessToken: false,
        issueRegistrationAccessToken: false,
        idFactory: () => `mcp_${randomBytes(16).toString('base64url')}`,
      },
      revocation: { enabled: true },
      userinfo: { enabled: false },
      introspection: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      resourceIndicators: {
        enabled: true,
        // RFC 8707 §2: without a resource parameter the token is for the MCP endpoint.
        defaultResource: () => resources.default,
        useGrantedResource: () => true,
        getResourceServerInfo(ctx: KoaContextWithOIDC, indicator: string) {
          const audience = matchResource(issuer, indicator);
          if (!audience) throw new errors.InvalidTarget('the resource is not served by this hub');
          if (ctx.oidc.route === 'authorization') rejectUnknownScopes(ctx.oidc.params?.scope as string | undefined);
          return { scope: ALL_SCOPES.join(' '), audience, accessTokenTTL: TTL.AccessToken, accessTokenFormat: 'opaque' as const };
        },
      },
    },
    ttl: { ...TTL, IdToken: 3600 },
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(t: string): boolean }) => client.grantTypeAllowed('refresh_token'),
    // Tokens outlive the browser session that approved them.
    expiresWithSession: async () => false,
    // Only the grant made by this authorization's consent step counts (see the policy above).
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const grantId = ctx.oidc.result?.consent?.grantId;
      return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
    interactions: {
      policy,
      url: (_ctx: unknown, interaction: { uid: string }) => `${OAUTH_PATHS.interaction}/${interaction.uid}`,
    },
    cookies: {
      keys: o.cookieKeys,
      names: { session: 'monsys_oauth_session', interaction: 'monsys_interaction', resume: 'monsys_interaction_resume' },
      // Lax: the authorization request arrives as a top-level navigation from the client's site.
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    // Public clients with PKCE: token, registration and revocation may be called from browsers.
    clientBasedCORS: () => true,
    async renderError(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }) {
      for (const [k, v] of Object.entries(pageHeaders())) ctx.set(k, v);
      ctx.type = 'html';
      ctx.body = errorPage(out.error, out.error_description ?? 'The authorization request could not be processed.');
    },
  } as unknown as Configuration;

  const provider = new Provider(issuer, configuration);
  // Koa reads X-Forwarded-Proto/Host when proxied; ctx.ip takes as many X-Forwarded-For hops as are trusted.
  provider.proxy = o.trustProxy !== false;
  if (typeof o.trustProxy === 'number') (provider as unknown as { maxIpsCount: number }).maxIpsCount = o.trustProxy;
  wrapTokenIds(provider);
  return provider;
}

/**
 * Token values: `mat_`/`mrt_` + 32 random bytes in base64url, the shape hub/src/auth/tokens.ts
 * verifies. oidc-provider 8.x generates opaque ids in each model's prototype `generateTokenId`
 * (lib/models/formats/opaque.js); a test (oauth-rules) pins this behaviour.
 */
function wrapTokenIds(provider: Provider): void {
  type Model = { prototype: { generateTokenId(this: unknown, ...args: unknown[]): string } };
  const models = provider as unknown as Record<'AccessToken' | 'RefreshToken', Model>;
  for (const [model, prefix] of [[models.AccessToken, ACCESS_TOKEN_PREFIX], [models.RefreshToken, REFRESH_TOKEN_PREFIX]] as const) {
    const original = model.prototype.generateTokenId;
    model.prototype.generateTokenId = function (this: unknown, ...args: unknown[]) {
      // The original also records the token's format (access tokens resolve it per resource server).
      original.apply(this, args);
      return newTokenValue(prefix);
    };
  }
}

/** RFC 6749 §3.3: requested scopes must be a subset of ours; an unknown one is `invalid_scope`. */
function rejectUnknownScopes(scope: string | undefined): void {
  for (const s of (scope ?? '').split(' ').filter(Boolean)) {
    if (!(ALL_SCOPES as string[]).includes(s) && !TOLERATED_SCOPES.has(s)) {
      throw new errors.InvalidScope(`the scope "${s}" is not supported; supported scopes: ${ALL_SCOPES.join(' ')}`, s);
    }
  }
}
