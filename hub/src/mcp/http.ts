/**
 * HTTP-level pieces of the MCP endpoint: the Origin check, Accept normalisation, and the hand-over
 * between Express and the SDK's web-standard Request/Response.
 * Error messages are fixed templates: no token, header or argument value is ever echoed.
 */
import type express from 'express';
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import { RPC } from '../http/reply.js';

/** A JSON-RPC error with no request to answer (origin, method, a notification), with an HTTP status. @see JSON-RPC 2.0 §5 */
export function sendRpcError(res: express.Response, status: number, message: string, headers: Record<string, string> = {}, code: number = RPC.server): void {
  res.status(status).set({ 'Cache-Control': 'no-store', ...headers }).json({ jsonrpc: '2.0', error: { code, message } });
}

/** The id of a JSON-RPC request body when it is a valid one (a string or an integer); otherwise undefined. */
export function requestIdOf(body: unknown): string | number | undefined {
  const id = typeof body === 'object' && body !== null ? (body as { id?: unknown }).id : undefined;
  return typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id)) ? id : undefined;
}

/** The 2025 revisions the SDK's Streamable HTTP transport serves. */
export const LEGACY_VERSIONS: readonly string[] = SUPPORTED_PROTOCOL_VERSIONS.filter((v) => v < '2026-07-28');

/**
 * Whether a 2025-style request (no per-request envelope) names, in `MCP-Protocol-Version`, a
 * revision the legacy transport does not serve. The SDK's legacy transport answers that with a bare
 * -32000 and no request id; its strict modern handler answers the revision's
 * UnsupportedProtocolVersionError (-32022, what is supported, the request's id), so such requests go there.
 * @see MCP spec 2026-07-28 basic/versioning
 */
export function unservedVersion(req: express.Request): boolean {
  const version = req.get('mcp-protocol-version');
  return version !== undefined && !LEGACY_VERSIONS.includes(version);
}

/**
 * A 2026-07-28 notification whose `Mcp-Method` header is missing or differs from its method. The
 * header is required on every POST, notifications included, but the SDK (2.4) checks it on requests
 * only; the error is the one it answers for requests.
 * @see MCP spec 2026-07-28 basic/transports/streamable-http "Standard Headers"
 */
export function notificationHeaderMismatch(req: express.Request, body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || 'id' in body) return false;
  const method = (body as { method?: unknown }).method;
  const version = req.get('mcp-protocol-version');
  return typeof method === 'string' && version !== undefined && !LEGACY_VERSIONS.includes(version) && req.get('mcp-method') !== method;
}

/** The origins allowed to call the endpoint from a browser: the hub's own and the configured ones. */
export function allowedOrigins(publicUrl: string, configured: readonly string[]): Set<string> {
  const out = new Set<string>([new URL(publicUrl).origin]);
  for (const o of configured) {
    try {
      out.add(new URL(o).origin);
    } catch {
      // loadConfig keeps any string; a malformed entry simply allows nothing.
    }
  }
  return out;
}

/**
 * DNS-rebinding protection: a request carrying an `Origin` that is not allowed gets 403.
 * Requests without `Origin` (non-browser clients such as claude.ai's backend or the SDK) pass;
 * they are authenticated by their bearer token.
 * @see MCP spec 2025-06-18 / 2025-11-25, basic/transports "Security Warning"
 */
export function originGuard(allowed: Set<string>): express.RequestHandler {
  return (req, res, next) => {
    const origin = req.get('origin');
    if (origin !== undefined && !allowed.has(origin)) return sendRpcError(res, 403, 'Forbidden: this Origin may not call the monsys MCP endpoint.');
    next();
  };
}

/**
 * Clients MUST accept both JSON and SSE on POST; the SDK's transport answers 406 otherwise. We answer
 * JSON, so a client that accepts JSON (or sends no Accept, as the product page's curl example does) is
 * served: its Accept is completed before the transport sees it.
 */
export function completeAccept(req: express.Request): void {
  const accept = req.headers.accept ?? '';
  if (accept.includes('application/json') && accept.includes('text/event-stream')) return;
  if (accept === '' || /(^|,)\s*(\*\/\*|application\/\*|application\/json)\s*(;|,|$)/.test(accept)) {
    req.headers.accept = 'application/json, text/event-stream';
  }
}

/**
 * Headers the SDK is not given: those of the connection and the already-read body (the body is
 * handed over parsed), and the token, which the pipeline has verified and the SDK never needs.
 */
const NOT_FORWARDED = new Set(['authorization', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'host', 'expect', 'upgrade', 'cookie']);

/** The request as the SDK's web-standard face takes it: method and headers; the body goes as `parsedBody`. */
export function toWebRequest(req: express.Request, url: string): Request {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || NOT_FORWARDED.has(k)) continue;
    headers.set(k, Array.isArray(v) ? v.join(', ') : v);
  }
  return new Request(url, { method: req.method, headers });
}

/**
 * Writes the SDK's answer to the Express response: a JSON body at once, an event stream as it comes.
 * The SDK (2.4) writes `"id": null` into errors that answer no identifiable request, and echoes an
 * id that is not one (1.5), which neither revision's schema allows (RequestId is a string or an
 * integer; the member is optional): such an error is sent without it.
 * @see MCP spec 2026-07-28 schema.ts JSONRPCErrorResponse
 */
export async function sendResponse(res: express.Response, response: Response): Promise<void> {
  res.status(response.status);
  response.headers.forEach((v, k) => res.setHeader(k, v));
  if (!res.hasHeader('cache-control')) res.setHeader('Cache-Control', 'no-store');
  if (!response.body) return void res.end();
  const type = response.headers.get('content-type') ?? '';
  if (response.status >= 400 && type.startsWith('application/json')) {
    const body = (await response.json()) as { id?: unknown };
    if (requestIdOf(body) === undefined) delete body.id;
    return void res.json(body);
  }
  if (!type.startsWith('text/event-stream')) return void res.end(Buffer.from(await response.arrayBuffer()));
  for await (const chunk of response.body) res.write(chunk);
  res.end();
}
