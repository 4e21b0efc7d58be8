/** Bearer authentication shared by the REST API and /mcp. @see RFC 6750 §2.1 */
import type { Queryable } from '../db/types.js';
import { UnauthorizedError } from '../errors.js';
import { verifyAccessToken, type Principal } from './tokens.js';

/** The token from an `Authorization: Bearer …` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header ?? '');
  return m?.[1];
}

/**
 * The audiences (RFC 8707 resources) a door accepts: a token is good at the door it was issued for.
 * The MCP endpoint is served at /mcp and at the hub's root, so both name it; the REST API (which the
 * desktop bridge calls) is /v1. A token leaked from one kind of client cannot be replayed at the other door.
 */
export function doorAudiences(publicUrl: string, door: 'rest' | 'mcp'): string[] {
  return door === 'mcp' ? [publicUrl, `${publicUrl}/mcp`] : [`${publicUrl}/v1`];
}

/**
 * Verifies the request's token and that it was issued for this door: an OAuth token carries its
 * audience (RFC 8707 resource); tokens minted by `hub token issue` (automation) have none and serve both.
 */
export async function authenticate(db: Queryable, authorization: string | undefined, audiences: readonly string[]): Promise<Principal> {
  const principal = await verifyAccessToken(db, bearerToken(authorization));
  if (principal.audience !== null && !audiences.includes(principal.audience)) throw new UnauthorizedError();
  return principal;
}
