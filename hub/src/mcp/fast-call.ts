/**
 * The hot path of the 2025-xx revisions: one `tools/call` request, answered without building the SDK's
 * per-request server and transport (a web Request/Response pair, envelope parsing, result re-validation:
 * about as much CPU as a cheap tool itself).
 *
 * It serves only a request the SDK would dispatch to our tools/call handler unchanged: a single JSON-RPC
 * request that the SDK's own schemas accept (JSONRPCRequestSchema, CallToolRequestSchema), not asking
 * for a task, from a client accepting JSON. Anything else (initialize, lists, prompts, notifications,
 * batches, malformed envelopes, tasks) returns false and goes to the SDK, which answers as before.
 * The answer is what the SDK's Protocol sends: `{ jsonrpc, id, result }`, or `{ jsonrpc, id, error }` with
 * the handler error's code, message and data. `test/mcp-endpoint.test.ts` compares the two paths call
 * for call, through the SDK (which validates every result against CallToolResultSchema).
 * @see MCP spec 2025-06-18 / 2025-11-25 basic/transports (Streamable HTTP, JSON response)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type express from 'express';
import { CallToolRequestSchema, JSONRPCRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { findTool } from '../../../shared/index.js';
import { authenticate, hubAudiences } from '../auth/bearer.js';
import type { Principal } from '../auth/tokens.js';
import type { HubDeps } from '../deps.js';
import { checkRateLimit } from '../http/rate-limit.js';
import { observeRequest, sendJson } from '../http/reply.js';
import type { HubMetrics } from '../metrics.js';
import type { InvokeDeps } from '../services/invoke.js';
import { allowedOrigins, completeAccept } from './http.js';
import { LEGACY_VERSIONS } from './modern.js';
import { callTool, RPC, RpcError } from './tools.js';

/** Off only in the tests that compare these paths with the SDK's. */
export const fastPath = { enabled: true };

interface FastCall {
  id: string | number;
  name: string;
  args: Record<string, unknown> | undefined;
}

/** The call when the request is one the fast path answers (see above); undefined for the SDK to answer. */
function fastCall(accept: string, body: unknown): FastCall | undefined {
  if (!fastPath.enabled) return undefined;
  if (typeof body !== 'object' || body === null || Array.isArray(body) || (body as { method?: unknown }).method !== 'tools/call') return undefined;
  if (!accept.includes('application/json') || !accept.includes('text/event-stream')) return undefined;
  const envelope = JSONRPCRequestSchema.safeParse(body);
  const call = CallToolRequestSchema.safeParse(body);
  if (!envelope.success || !call.success || call.data.params.task !== undefined) return undefined;
  return { id: envelope.data.id, name: call.data.params.name, args: call.data.params.arguments };
}

/** The JSON-RPC answer, as the SDK's Protocol frames a handler's result or error. */
async function answer(deps: InvokeDeps, principal: Principal, c: FastCall): Promise<Record<string, unknown>> {
  try {
    return { result: await callTool(deps, principal, c.name, c.args), jsonrpc: '2.0', id: c.id };
  } catch (err) {
    if (!(err instanceof RpcError)) throw err;
    return { jsonrpc: '2.0', id: c.id, error: { code: err.code, message: err.message, ...(err.data !== undefined && { data: err.data }) } };
  }
}

/** Inside the Express route (after Origin, token, body, version, scope and rate checks): true once answered. */
export async function tryFastToolCall(deps: InvokeDeps, principal: Principal, req: express.Request, res: express.Response, body: unknown): Promise<boolean> {
  const c = fastCall(req.headers.accept ?? '', body);
  if (!c) return false;
  res.status(200).json(await answer(deps, principal, c));
  return true;
}

const JSON_TYPE = /^application\/json\s*(;\s*charset=utf-8\s*)?$/i;

/**
 * The same answer one layer down, from node:http before Express (whose routing and body parsing cost
 * more CPU than a cached tool). It takes a POST to /mcp or / that Express would accept as it is (JSON
 * of a known length within the limit, no content encoding, an allowed or absent Origin, a 2025-xx or
 * absent protocol version) and whose token is valid, with the scope for the tool and within the rate
 * limit. Anything else goes to Express (`fallback`), with the body already parsed when it was read
 * (body-parser then leaves it as it is), where the full route answers it as before.
 */
export function fastMcp(deps: HubDeps, metrics: HubMetrics, fallback: (req: IncomingMessage, res: ServerResponse) => void): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { config } = deps;
  const audiences = hubAudiences(config.publicUrl);
  const origins = allowedOrigins(config.publicUrl, config.allowedOrigins);
  return (req, res) => {
    if (!fastPath.enabled || req.method !== 'POST' || (req.url !== '/mcp' && req.url !== '/')) return false;
    const h = req.headers;
    const length = Number(h['content-length']);
    if (!JSON_TYPE.test(h['content-type'] ?? '') || h['content-encoding'] !== undefined || !(length > 0 && length <= config.limits.maxBodyBytes)) return false;
    if (h.origin !== undefined && !origins.has(h.origin)) return false;
    const version = h['mcp-protocol-version'];
    if (version !== undefined && (Array.isArray(version) || !LEGACY_VERSIONS.includes(version))) return false;
    const route = req.url;
    const internalError = (reqId: string | undefined, err: unknown) => {
      deps.logger.error({ reqId, err: { name: (err as Error)?.name, message: (err as Error)?.message, stack: (err as Error)?.stack } }, 'mcp request failed');
      if (res.headersSent) return void res.end();
      sendJson(res, 500, { 'Cache-Control': 'no-store' }, { jsonrpc: '2.0', id: null, error: { code: RPC.server, message: 'The monsys hub hit an internal error. It has been logged; retry later.' } });
    };
    void (async () => {
      let principal: Principal;
      try {
        principal = await authenticate(deps.db, h.authorization, audiences);
      } catch {
        return fallback(req, res); // the body is still unread: Express answers as always
      }
      let body: { value: unknown } | undefined;
      try {
        body = await readJson(req);
      } catch {
        return void res.destroy(); // the client went away mid-body
      }
      if (body === undefined) {
        // As the route's error handler answers body-parser's parse failure.
        observeRequest(deps, metrics, req, res, () => route, () => route);
        return sendJson(res, 400, { 'Cache-Control': 'no-store' }, { jsonrpc: '2.0', id: null, error: { code: RPC.parseError, message: 'Parse error: the request body is not valid JSON.' } });
      }
      (req as IncomingMessage & { body?: unknown }).body = body.value;
      completeAccept(req as express.Request);
      const c = fastCall(h.accept ?? '', body.value);
      const tool = c && findTool(c.name);
      if (!c || !tool || !principal.scopes.includes(tool.scope)) return fallback(req, res);
      try {
        await checkRateLimit(deps.db, principal, 1, config.limits);
      } catch {
        return fallback(req, res); // Express checks again and answers 429 (or 503) as always
      }
      const reqId = observeRequest(deps, metrics, req, res, () => route, () => route);
      try {
        sendJson(res, 200, {}, await answer(deps, principal, c));
      } catch (err) {
        internalError(reqId, err);
      }
    })().catch((err: unknown) => internalError(undefined, err));
    return true;
  };
}

/** The request's body as JSON, as body-parser's strict mode reads it (an object or array); undefined when it is not. */
async function readJson(req: IncomingMessage): Promise<{ value: unknown } | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!/^[\x20\x09\x0a\x0d]*[{[]/.test(text)) return undefined;
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}
