/**
 * The hot path of the 2025-xx revisions: one `tools/call` request, answered from node:http without
 * Express's routing and body parsing or the SDK's per-request server and transport (a web
 * Request/Response pair, envelope parsing, result re-validation: together more CPU than a cached tool).
 *
 * It serves only a request the full route would hand to our tools/call handler unchanged: a POST to /mcp
 * or / that Express accepts as it is, with a valid token, the tool's scope and budget left, and a single
 * JSON-RPC request for a known tool that the SDK's own schemas accept (JSONRPCRequestSchema,
 * CallToolRequestSchema), not asking for a task, from a client accepting JSON. Anything else
 * (initialize, lists, prompts, notifications, batches, malformed envelopes, tasks, step-up, 429) goes
 * to Express and the SDK, which answer as before. The answer is what the SDK's Protocol sends:
 * `{ result, jsonrpc, id }`. `fast-call.test.ts` compares the two paths request for request, against
 * the SDK (which validates every result against CallToolResultSchema). ADR 0005.
 * @see MCP spec 2025-06-18 / 2025-11-25 basic/transports (Streamable HTTP, JSON response)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type express from 'express';
import { CallToolRequestSchema, JSONRPCRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { findTool } from '../../../shared/index.js';
import { authenticate, doorAudiences } from '../auth/bearer.js';
import type { Principal } from '../auth/tokens.js';
import type { HubDeps } from '../deps.js';
import { INTERNAL_ERROR_MESSAGE } from '../errors.js';
import { errorFields } from '../logger.js';
import { checkRateLimit } from '../http/rate-limit.js';
import { observeRequest, plainJsonBody, readJson, sendJson } from '../http/reply.js';
import type { HubMetrics } from '../metrics.js';
import { allowedOrigins, completeAccept } from './http.js';
import { LEGACY_VERSIONS } from './modern.js';
import { callTool, RPC } from './tools.js';

/** Off only in the test that compares this path with the full route's. */
export const fastPath = { enabled: true };

interface FastCall {
  id: string | number;
  name: string;
  args: Record<string, unknown> | undefined;
}

/** The call when the request is one the fast path answers (see above); undefined for the SDK to answer. */
function fastCall(accept: string, body: unknown): FastCall | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || (body as { method?: unknown }).method !== 'tools/call') return undefined;
  if (!accept.includes('application/json') || !accept.includes('text/event-stream')) return undefined;
  const envelope = JSONRPCRequestSchema.safeParse(body);
  const call = CallToolRequestSchema.safeParse(body);
  if (!envelope.success || !call.success || call.data.params.task !== undefined) return undefined;
  return { id: envelope.data.id, name: call.data.params.name, args: call.data.params.arguments };
}

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
  const audiences = doorAudiences(config.publicUrl, 'mcp');
  const origins = allowedOrigins(config.publicUrl, config.allowedOrigins);
  return (req, res) => {
    if (!fastPath.enabled || req.method !== 'POST' || (req.url !== '/mcp' && req.url !== '/')) return false;
    const h = req.headers;
    if (!plainJsonBody(req, config.limits.maxBodyBytes)) return false;
    if (h.origin !== undefined && !origins.has(h.origin)) return false;
    const version = h['mcp-protocol-version'];
    if (version !== undefined && (Array.isArray(version) || !LEGACY_VERSIONS.includes(version))) return false;
    const route = req.url;
    const internalError = (reqId: string | undefined, err: unknown) => {
      deps.logger.error({ reqId, err: errorFields(err) }, 'mcp request failed');
      if (res.headersSent) return void res.end();
      sendJson(res, 500, { 'Cache-Control': 'no-store' }, { jsonrpc: '2.0', error: { code: RPC.server, message: INTERNAL_ERROR_MESSAGE } });
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
        return sendJson(res, 400, { 'Cache-Control': 'no-store' }, { jsonrpc: '2.0', error: { code: RPC.parseError, message: 'Parse error: the request body is not valid JSON.' } });
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
        // A known tool: callTool answers every outcome as a result (its only JSON-RPC error is an unknown tool).
        sendJson(res, 200, {}, { result: await callTool(deps, principal, c.name, c.args), jsonrpc: '2.0', id: c.id });
      } catch (err) {
        internalError(reqId, err);
      }
    })().catch((err: unknown) => internalError(undefined, err));
    return true;
  };
}
