/**
 * POST /mcp/oauth/register (RFC 7591): open registration of public clients. This guard runs
 * before oidc-provider: it rate-limits, validates redirect URIs by our rules and normalises the
 * request (RFC 7591 §3.2.1 lets the server replace requested values), then the provider
 * registers the client under an `mcp_…` id.
 */
import type { IncomingMessage } from 'node:http';
import express from 'express';
import type Provider from 'oidc-provider';
import { ALL_SCOPES } from '../../../shared/index.js';
import type { Db } from '../db/types.js';
import { OAUTH_PATHS } from './provider.js';
import { admit } from '../http/rate-limit.js';
import { clientIp, registrationLimits } from './web.js';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export class RedirectUriError extends Error {
  override name = 'RedirectUriError';
}

/** http on a loopback host: a native client's redirect (RFC 8252 §7.3), where any port is accepted. */
export function isLoopbackRedirect(uri: string): boolean {
  try {
    const u = new URL(uri);
    return u.protocol === 'http:' && LOOPBACK_HOSTS.has(u.hostname);
  } catch {
    return false;
  }
}

/**
 * Redirect URIs: https, or http on a loopback host for native clients; no fragment (RFC 6749
 * §3.1.2), no other schemes, no credentials. Throws with the reason.
 */
export function validateRedirectUris(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) throw new RedirectUriError('redirect_uris must be a non-empty array');
  if (value.length > 10) throw new RedirectUriError('at most 10 redirect_uris');
  return value.map((v) => {
    if (typeof v !== 'string' || v.length > 2000) throw new RedirectUriError('each redirect URI must be a string');
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      throw new RedirectUriError(`${v} is not an absolute URI`);
    }
    if (v.includes('#')) throw new RedirectUriError(`${v} must not contain a fragment`);
    if (u.username || u.password) throw new RedirectUriError(`${v} must not contain credentials`);
    if (u.protocol === 'https:') return v;
    if (u.protocol === 'http:' && LOOPBACK_HOSTS.has(u.hostname)) return v;
    if (u.protocol === 'http:') throw new RedirectUriError(`${v}: http is allowed only on a loopback address (127.0.0.1, [::1], localhost)`);
    throw new RedirectUriError(`${v}: only https, or http on a loopback address, is allowed`);
  });
}

const ALLOWED_GRANTS = new Set(['authorization_code', 'refresh_token']);

/** A registration request as the provider should see it, and the scope registered for the client. */
export interface NormalisedRegistration {
  /** The client metadata handed to oidc-provider (without `scope`: see below). */
  metadata: Record<string, unknown>;
  /** The requested values this hub supports, space-separated; undefined when none was requested. */
  scope: string | undefined;
}

/**
 * Normalises a registration request; throws RedirectUriError or TypeError with the reason.
 *
 * `scope` (RFC 7591 §2): the values we support are registered and echoed, others (claude.ai sends
 * its own) are dropped rather than refused, as §3.2.1 lets the server replace requested metadata.
 * It is kept out of the provider's metadata, because oidc-provider checks a client's scope against
 * its OpenID scopes, and ours belong to the resource server. The registered scope does not narrow
 * what the client may ask for later: a client that registered `mcp.read` can still step up to
 * `mcp.acknowledge` when a call demands it (MCP authorization, "Scope Challenge Handling"); the
 * consent page and the user's role decide what a token gets.
 */
export function normaliseRegistration(body: unknown): NormalisedRegistration {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new TypeError('the body must be a JSON object');
  const req = { ...(body as Record<string, unknown>) };
  const redirectUris = validateRedirectUris(req.redirect_uris);
  const grants = Array.isArray(req.grant_types) ? req.grant_types.map(String) : ['authorization_code', 'refresh_token'];
  const unsupported = grants.filter((g) => !ALLOWED_GRANTS.has(g));
  if (unsupported.length) throw new TypeError(`unsupported grant_types: ${unsupported.join(', ')} (supported: authorization_code, refresh_token)`);
  if (Array.isArray(req.response_types) && req.response_types.some((r) => r !== 'code')) throw new TypeError('only response_types ["code"] is supported');
  if (req.scope !== undefined && typeof req.scope !== 'string') throw new TypeError('scope must be a string of space-separated values');
  const requested = new Set((req.scope ?? '').split(' '));
  const scopes = ALL_SCOPES.filter((s) => requested.has(s));
  const metadata: Record<string, unknown> = {
    ...req,
    redirect_uris: redirectUris,
    // Every client here is public: PKCE instead of a secret (OAuth 2.1 §2.1).
    token_endpoint_auth_method: 'none',
    grant_types: [...new Set([...grants, 'authorization_code', 'refresh_token'])],
    response_types: ['code'],
    // Native when every redirect is loopback, so that any port is accepted (RFC 8252 §7.3).
    application_type: redirectUris.every(isLoopbackRedirect) ? 'native' : req.application_type === 'native' ? 'native' : 'web',
  };
  for (const k of ['scope', 'client_secret', 'client_id', 'jwks', 'jwks_uri', 'request_uris', 'sector_identifier_uri', 'post_logout_redirect_uris']) delete metadata[k];
  return { metadata, scope: scopes.length ? scopes.join(' ') : undefined };
}

/** The scope registered by this request (set by the guard, read when the provider's answer is sent). */
const registeredScopes = new WeakMap<IncomingMessage, string>();

/**
 * Adds the registered scope to the provider's 201 answer (RFC 7591 §3.2.1: the response holds every
 * registered metadata value). An oidc-provider middleware: it sees the answer before it is written.
 */
export const echoRegisteredScope: Parameters<Provider['use']>[0] = async (ctx, next) => {
  await next();
  if (ctx.method !== 'POST' || ctx.path !== OAUTH_PATHS.registration || ctx.status !== 201) return;
  const scope = registeredScopes.get(ctx.req);
  if (scope && ctx.body && typeof ctx.body === 'object') (ctx.body as Record<string, unknown>).scope = scope;
};

/** Express middleware before the provider's registration endpoint. */
export function registrationGuard(db: Db): express.RequestHandler[] {
  return [
    async (req, res, next) => {
      try {
        const wait = (await admit(db, registrationLimits(clientIp(req)))).retryAfter;
        if (wait) {
          return void res
            .status(429)
            .set({ 'Retry-After': String(wait), 'Cache-Control': 'no-store' })
            .json({ error: 'temporarily_unavailable', error_description: `Too many client registrations from this address. Retry after ${wait} seconds.` });
        }
        next();
      } catch (err) {
        next(err);
      }
    },
    express.raw({ type: () => true, limit: '16kb' }),
    (req, res, next) => {
      const fail = (error: string, description: string) =>
        res.status(400).set('Cache-Control', 'no-store').json({ error, error_description: description });
      if (!req.is('application/json')) return void fail('invalid_request', 'the registration request must be application/json');
      let body: unknown;
      try {
        body = JSON.parse((req.body as Buffer).toString('utf8'));
      } catch {
        return void fail('invalid_request', 'the body is not valid JSON');
      }
      try {
        // Handed on as a Buffer: oidc-provider reads an already-read body from req.body.
        const { metadata, scope } = normaliseRegistration(body);
        if (scope) registeredScopes.set(req, scope);
        req.body = Buffer.from(JSON.stringify(metadata));
      } catch (err) {
        if (err instanceof RedirectUriError) return void fail('invalid_redirect_uri', err.message);
        return void fail('invalid_client_metadata', (err as Error).message);
      }
      next();
    },
  ];
}
