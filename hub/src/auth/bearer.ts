/** Bearer authentication shared by the REST API and /mcp. @see RFC 6750 §2.1 */
import type { Queryable } from '../db/types.js';
import { UnauthorizedError } from '../errors.js';
import { verifyAccessToken, type Principal } from './tokens.js';

/** The token from an `Authorization: Bearer …` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header ?? '');
  return m?.[1];
}

/** The resources a token of this hub may name as its audience (RFC 8707): the hub, its MCP endpoint, its REST API. */
export function hubAudiences(publicUrl: string): string[] {
  return [publicUrl, `${publicUrl}/mcp`, `${publicUrl}/v1`];
}

/**
 * Verifies the request's token and that it was issued for this hub: an OAuth token
 * carries its audience (RFC 8707 resource); tokens minted by `hub token issue` have none.
 */
export async function authenticate(db: Queryable, authorization: string | undefined, audiences: readonly string[]): Promise<Principal> {
  const principal = await verifyAccessToken(db, bearerToken(authorization));
  if (principal.audience !== null && !audiences.includes(principal.audience)) throw new UnauthorizedError();
  return principal;
}
