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
import type express from 'express';
import { CallToolRequestSchema, JSONRPCRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Principal } from '../auth/tokens.js';
import type { InvokeDeps } from '../services/invoke.js';
import { callTool, RpcError } from './tools.js';

/** Off only in the test that compares this path with the SDK's. */
export const fastPath = { enabled: true };

export async function tryFastToolCall(deps: InvokeDeps, principal: Principal, req: express.Request, res: express.Response, body: unknown): Promise<boolean> {
  if (!fastPath.enabled) return false;
  if (typeof body !== 'object' || body === null || Array.isArray(body) || (body as { method?: unknown }).method !== 'tools/call') return false;
  const accept = req.headers.accept ?? '';
  if (!accept.includes('application/json') || !accept.includes('text/event-stream')) return false;
  const envelope = JSONRPCRequestSchema.safeParse(body);
  const call = CallToolRequestSchema.safeParse(body);
  if (!envelope.success || !call.success || call.data.params.task !== undefined) return false;
  const { id } = envelope.data;
  let message: Record<string, unknown>;
  try {
    message = { result: await callTool(deps, principal, call.data.params.name, call.data.params.arguments), jsonrpc: '2.0', id };
  } catch (err) {
    if (!(err instanceof RpcError)) throw err;
    message = { jsonrpc: '2.0', id, error: { code: err.code, message: err.message, ...(err.data !== undefined && { data: err.data }) } };
  }
  res.status(200).json(message);
  return true;
}
