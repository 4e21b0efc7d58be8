/**
 * HTTP-level pieces of the MCP endpoint: JSON-RPC error responses, the Origin check, Accept
 * normalisation and the header value decoding of the 2026-07-28 transport.
 * Error messages are fixed templates: no token, header or argument value is ever echoed.
 */
import type express from 'express';
import { RPC } from './tools.js';

export interface RpcErrorOptions {
  /** The request's id; left out of the reply when there is none (2026-07-28 allows only a string or an integer). */
  id?: string | number;
  data?: unknown;
  headers?: Record<string, string>;
}

/** Sends a JSON-RPC error response with an HTTP status. @see JSON-RPC 2.0 §5 */
export function sendRpcError(res: express.Response, status: number, code: number, message: string, o: RpcErrorOptions = {}): void {
  const error: { code: number; message: string; data?: unknown } = { code, message };
  if (o.data !== undefined) error.data = o.data;
  res
    .status(status)
    .set({ 'Cache-Control': 'no-store', ...o.headers })
    .json(o.id === undefined ? { jsonrpc: '2.0', error } : { jsonrpc: '2.0', id: o.id, error });
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
    if (origin !== undefined && !allowed.has(origin)) {
      return sendRpcError(res, 403, RPC.server, 'Forbidden: this Origin may not call the monsys MCP endpoint.');
    }
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

const SENTINEL = /^=\?base64\?([A-Za-z0-9+/]*={0,2})\?=$/;

/**
 * A header value of the 2026-07-28 transport, with the Base64 sentinel decoded; undefined when the
 * header is absent or malformed.
 * @see MCP spec 2026-07-28, basic/transports/streamable-http "Value Encoding"
 */
export function decodeMcpHeader(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const m = SENTINEL.exec(value);
  if (!m) return /^[\x20-\x7e\t]*$/.test(value) ? value : undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  return decoded;
}

/** Makes a client-sent string safe to put in an error's data (version strings): printable, short. */
export function sanitizeEcho(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '?').slice(0, 40);
}
