/**
 * Discovery documents: RFC 8414 authorization server metadata at the root (the issuer has no
 * path) and RFC 9728 protected resource metadata for the hub, /mcp and the REST API (/v1).
 * Plain OAuth: no OpenID fields (no userinfo, id_token or subject types).
 */
import type express from 'express';
import { ALL_SCOPES } from '../../../shared/index.js';
import { OAUTH_PATHS } from './provider.js';

/** @see RFC 8414 §2 */
export function authorizationServerMetadata(issuer: string): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: issuer + OAUTH_PATHS.authorization,
    token_endpoint: issuer + OAUTH_PATHS.token,
    registration_endpoint: issuer + OAUTH_PATHS.registration,
    revocation_endpoint: issuer + OAUTH_PATHS.revocation,
    scopes_supported: [...ALL_SCOPES],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_methods_supported: ['none'],
    revocation_endpoint_auth_methods_supported: ['none'],
    code_challenge_methods_supported: ['S256'],
    // RFC 9207: the authorization response carries iss.
    authorization_response_iss_parameter_supported: true,
    // draft-ietf-oauth-client-id-metadata-document: an https client_id is fetched as a document.
    client_id_metadata_document_supported: true,
  };
}

/** @see RFC 9728 §2 */
export function protectedResourceMetadata(issuer: string, resource: string): Record<string, unknown> {
  return {
    resource,
    authorization_servers: [issuer],
    scopes_supported: [...ALL_SCOPES],
    bearer_methods_supported: ['header'],
    resource_name: 'monsys',
  };
}

export function mountMetadata(app: express.Express, issuer: string): void {
  const serve = (doc: () => Record<string, unknown>): express.RequestHandler => (_req, res) => {
    // Public documents, fetched by browser-based clients too.
    res.set({ 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'public, max-age=300' }).json(doc());
  };
  app.get('/.well-known/oauth-authorization-server', serve(() => authorizationServerMetadata(issuer)));
  app.get('/.well-known/oauth-protected-resource', serve(() => protectedResourceMetadata(issuer, issuer)));
  app.get('/.well-known/oauth-protected-resource/mcp', serve(() => protectedResourceMetadata(issuer, `${issuer}/mcp`)));
  // The REST API (the desktop bridge's door) is a resource of its own: its tokens are not good at /mcp.
  app.get('/.well-known/oauth-protected-resource/v1', serve(() => protectedResourceMetadata(issuer, `${issuer}/v1`)));
}
