/**
 * Builds `WWW-Authenticate: Bearer …` challenges in one place, with every value quoted and escaped.
 * @see RFC 6750 §3 (error, scope), RFC 9728 §5.1 (resource_metadata)
 */
import { ALL_SCOPES } from '../../../shared/index.js';

export interface BearerChallenge {
  error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope';
  errorDescription?: string;
  scope?: string;
  resourceMetadata?: string;
}

const quote = (v: string) => `"${v.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\r\n]/g, ' ')}"`;

export function bearerChallenge(c: BearerChallenge): string {
  const params: [string, string | undefined][] = [
    ['realm', 'monsys'],
    ['error', c.error],
    ['error_description', c.errorDescription],
    ['scope', c.scope],
    ['resource_metadata', c.resourceMetadata],
  ];
  return 'Bearer ' + params.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${quote(v!)}`).join(', ');
}

/**
 * The 401 challenge: `invalid_token` only when a token was presented (RFC 6750 §3.1), and the scopes a
 * connection asks for, so a client can authorize without a second round trip (MCP authorization,
 * "Scope Selection Strategy": the challenge's scope comes first). The user may still leave the write
 * scope out at consent.
 */
export function authenticationChallenge(tokenSent: boolean, resourceMetadata: string): string {
  return bearerChallenge({ error: tokenSent ? 'invalid_token' : undefined, scope: ALL_SCOPES.join(' '), resourceMetadata });
}
