/**
 * Protocol revision 2026-07-28 (the stateless core: no `initialize`, per-request `_meta`,
 * `server/discover`, `Mcp-Method`/`Mcp-Name` headers, `resultType`, cacheable lists).
 *
 * The SDK on this hub (@modelcontextprotocol/sdk 1.32) implements revisions up to 2025-11-25 only,
 * so requests declaring 2026-07-28 are validated and dispatched here, over the same tool and prompt
 * functions as the SDK path. What this revision adds beyond our methods (subscriptions/listen, MRTR
 * input requests, tasks) is not offered: the methods we do not serve answer -32601 with 404.
 * @see MCP spec 2026-07-28: basic/versioning, basic/transports/streamable-http, schema.ts
 */
import type express from 'express';
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import type { Principal } from '../auth/tokens.js';
import type { InvokeDeps } from '../services/invoke.js';
import { decodeMcpHeader, sanitizeEcho, sendRpcError } from './http.js';
import { getPrompt } from './prompts.js';
import { CAPABILITIES, INSTRUCTIONS, promptDescriptors } from '../../../shared/mcp.js';
import { SERVER_INFO } from './server.js';
import { callTool, listTools, RPC, RpcError } from './tools.js';

/** Revisions served by this module. */
export const MODERN_VERSIONS: readonly string[] = ['2026-07-28'];
/** Revisions served by the SDK's transport (initialize-based). */
export const LEGACY_VERSIONS: readonly string[] = SUPPORTED_PROTOCOL_VERSIONS;
/** Every revision the endpoint answers, newest first. */
export const SERVED_VERSIONS: readonly string[] = [...MODERN_VERSIONS, ...LEGACY_VERSIONS];

const META_VERSION = 'io.modelcontextprotocol/protocolVersion';
const META_CAPABILITIES = 'io.modelcontextprotocol/clientCapabilities';
const META_SERVER = 'io.modelcontextprotocol/serverInfo';
/** Lists may be cached for a minute; the tool list depends on the caller's role, so it is private. */
const LIST_TTL_MS = 60_000;

/** Methods whose `params.name` is mirrored in `Mcp-Name`. */
const NAMED = new Set(['tools/call', 'prompts/get', 'resources/read']);

export interface ModernRequest {
  id: string | number;
  method: string;
  params: Record<string, unknown>;
}

/** The 400 a request with an unknown or unsupported `MCP-Protocol-Version` gets. */
export function sendUnsupportedVersion(res: express.Response, requested: string, id?: string | number): void {
  sendRpcError(res, 400, RPC.unsupportedProtocolVersion, 'Unsupported protocol version', {
    id,
    data: { supported: SERVED_VERSIONS, requested: sanitizeEcho(requested) },
  });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks a 2026-07-28 POST body against its headers (server validation, HeaderMismatch -32020).
 * Returns the request, 'notification' (answered 202 by the caller), or undefined once an error is sent.
 */
export function parseModern(req: express.Request, res: express.Response, body: unknown): ModernRequest | 'notification' | undefined {
  if (!isObject(body) || body.jsonrpc !== '2.0' || typeof body.method !== 'string') {
    sendRpcError(res, 400, RPC.invalidRequest, 'Invalid Request: the body must be one JSON-RPC 2.0 request or notification.', { id: requestIdOf(body) });
    return undefined;
  }
  const id = body.id;
  if (id !== undefined && requestIdOf(body) === undefined) {
    sendRpcError(res, 400, RPC.invalidRequest, 'Invalid Request: the id must be a string or an integer.');
    return undefined;
  }
  const reply = { id: id as string | number | undefined };
  const mismatch = (what: string) => {
    sendRpcError(res, 400, RPC.headerMismatch, `Header mismatch: ${what}`, reply);
    return undefined;
  };
  // Mcp-Method is required on every POST, notifications included. @see basic/transports/streamable-http "Standard Headers"
  if (req.get('mcp-method') !== body.method) return mismatch('the Mcp-Method header is missing or does not match the body\u2019s method.');
  if (id === undefined) return 'notification';
  const params = body.params === undefined ? {} : body.params;
  if (!isObject(params)) {
    sendRpcError(res, 400, RPC.invalidRequest, 'Invalid Request: params must be an object.', reply);
    return undefined;
  }
  // Presence before comparison: a request without the envelope is malformed (-32602), not a header mismatch.
  const meta = params._meta;
  if (!isObject(meta) || typeof meta[META_VERSION] !== 'string') {
    sendRpcError(res, 400, RPC.invalidParams, `Invalid params: _meta["${META_VERSION}"] is required.`, reply);
    return undefined;
  }
  if (!isObject(meta[META_CAPABILITIES])) {
    sendRpcError(res, 400, RPC.invalidParams, `Invalid params: _meta["${META_CAPABILITIES}"] is required.`, reply);
    return undefined;
  }
  if (meta[META_VERSION] !== req.get('mcp-protocol-version')) {
    return mismatch(`the MCP-Protocol-Version header does not match _meta["${META_VERSION}"].`);
  }
  if (NAMED.has(body.method)) {
    const source = body.method === 'resources/read' ? params.uri : params.name;
    if (decodeMcpHeader(req.get('mcp-name')) !== source) return mismatch('the Mcp-Name header is missing or does not match the body.');
  }
  return { id: id as string | number, method: body.method, params };
}

/** The id of a JSON-RPC request body when it is a valid one (a string or an integer); otherwise undefined. */
export function requestIdOf(body: unknown): string | number | undefined {
  const id = isObject(body) ? body.id : undefined;
  return typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id)) ? id : undefined;
}

/** Runs one modern request; RpcError for protocol errors. */
export async function dispatchModern(deps: InvokeDeps, principal: Principal, r: ModernRequest): Promise<Record<string, unknown>> {
  switch (r.method) {
    case 'server/discover':
      return {
        supportedVersions: SERVED_VERSIONS,
        capabilities: CAPABILITIES,
        instructions: INSTRUCTIONS,
        ttlMs: LIST_TTL_MS,
        cacheScope: 'public',
      };
    case 'tools/list':
      return { tools: listTools(principal), ttlMs: LIST_TTL_MS, cacheScope: 'private' };
    case 'tools/call':
      return callTool(deps, principal, r.params.name, r.params.arguments);
    case 'prompts/list':
      return { prompts: promptDescriptors(), ttlMs: LIST_TTL_MS, cacheScope: 'public' };
    case 'prompts/get':
      return getPrompt(r.params.name, r.params.arguments);
    default:
      throw new RpcError(RPC.methodNotFound, 'Method not found');
  }
}

/** Sends a modern result: every result carries `resultType` and names the server in `_meta`. */
export function sendModernResult(res: express.Response, id: string | number, result: Record<string, unknown>): void {
  res
    .status(200)
    .set('Cache-Control', 'no-store')
    .json({ jsonrpc: '2.0', id, result: { ...result, resultType: 'complete', _meta: { [META_SERVER]: SERVER_INFO } } });
}

/** -32601 is a 404 in this revision (it tells a modern client this is a modern server); other errors are 200. */
export function sendModernError(res: express.Response, id: string | number, err: RpcError): void {
  sendRpcError(res, err.code === RPC.methodNotFound ? 404 : 200, err.code, err.message, { id, data: err.data });
}
