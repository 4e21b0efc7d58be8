/**
 * The MCP face of the catalogue: tool descriptors generated from `shared/`, and `tools/call` answered
 * through the pipeline. Every protocol revision the SDK serves reaches these through server.ts.
 * @see MCP spec 2025-06-18 / 2025-11-25 / 2026-07-28, server/tools
 */
import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import { findTool, roleAtLeast } from '../../../shared/index.js';
import type { Principal } from '../auth/tokens.js';
import type { HubDeps } from '../deps.js';
import { toolErrorResult } from '../http/reply.js';
import type { Pipeline } from '../pipeline.js';
import { toolDescriptors, toolError, toolSuccess, type CallToolResult, type McpTool } from '../../../shared/mcp.js';

export { summarize, type CallToolResult, type McpTool } from '../../../shared/mcp.js';

/**
 * The tools listed to a caller. A tool is listed when the user's role may use it: if the token lacks
 * the tool's scope, the user can step up (re-authorize for that scope, answered by a 403
 * `insufficient_scope` challenge on the call), so listing it is useful; a tool the role forbids
 * can never become usable through this token holder, so it is not listed (docs/adr/0003-mcp-endpoint.md).
 */
export function listTools(principal: Principal): McpTool[] {
  return toolDescriptors().filter((d) => roleAtLeast(principal.role, findTool(d.name)!.minRole));
}

/**
 * One admitted `tools/call` (the door ran the pipeline's admit step): the pipeline's invoke step,
 * its outcome as a result. Tool errors become `isError` results carrying our own message template;
 * an unknown tool is a JSON-RPC error (-32602), as the tools spec prescribes.
 */
export async function callTool(deps: Pick<HubDeps, 'logger'>, pipe: Pick<Pipeline, 'invoke'>, principal: Principal, name: unknown, args: unknown): Promise<CallToolResult> {
  const tool = typeof name === 'string' ? findTool(name) : undefined;
  // The name is not echoed: it is caller-controlled text.
  if (!tool) throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'Unknown tool. Call tools/list for the tools this connector offers.');
  if (args !== undefined && (args === null || typeof args !== 'object' || Array.isArray(args))) {
    return toolError('invalid_argument', `Invalid arguments for ${tool.name}: "arguments" must be an object.`);
  }
  try {
    return toolSuccess(tool, (await pipe.invoke(principal, tool.name, args ?? {})) as Record<string, unknown>);
  } catch (err) {
    return toolErrorResult(deps, err);
  }
}
