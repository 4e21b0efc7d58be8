/**
 * The MCP face of the catalogue: tool descriptors generated from `shared/` and the mapping of
 * `invokeTool` outcomes to `tools/call` results. Both protocol eras (the SDK's legacy path and
 * the 2026-07-28 path in modern.ts) call these, so they cannot differ.
 * @see MCP spec 2025-06-18 / 2025-11-25, server/tools
 */
import { findTool, roleAtLeast } from '../../../shared/index.js';
import type { Principal } from '../auth/tokens.js';
import { INTERNAL_ERROR_MESSAGE, ToolError } from '../errors.js';
import { invokeTool, type InvokeDeps } from '../services/invoke.js';
import { toolDescriptors, toolError, toolSuccess, type CallToolResult, type McpTool } from '../../../shared/mcp.js';

export { summarize, type CallToolResult, type McpTool } from '../../../shared/mcp.js';

/** A JSON-RPC error raised by a handler; the SDK's Protocol and modern.ts both send `code` and `message` as given. */
export class RpcError extends Error {
  override name = 'RpcError';
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

/** JSON-RPC codes we use. @see JSON-RPC 2.0 §5.1; MCP 2026-07-28 basic/index "Error Codes" */
export const RPC = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  /** Implementation-defined transport errors, as the SDK's transport uses it (auth, origin, size, rate). */
  server: -32000,
  headerMismatch: -32020,
  unsupportedProtocolVersion: -32022,
} as const;

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
 * One `tools/call`: through `invokeTool` (scope, role, validation, the service, the mcp_call_log row
 * with the token's OAuth client id). Tool errors become `isError` results carrying our own message
 * template; an unknown tool is a JSON-RPC error (-32602), as the tools spec prescribes.
 */
export async function callTool(deps: InvokeDeps, principal: Principal, name: unknown, args: unknown): Promise<CallToolResult> {
  const tool = typeof name === 'string' ? findTool(name) : undefined;
  // The name is not echoed: it is caller-controlled text.
  if (!tool) throw new RpcError(RPC.invalidParams, 'Unknown tool. Call tools/list for the tools this connector offers.');
  if (args !== undefined && (args === null || typeof args !== 'object' || Array.isArray(args))) {
    return toolError('invalid_argument', `Invalid arguments for ${tool.name}: "arguments" must be an object.`);
  }
  try {
    const output = (await invokeTool(deps, principal, tool.name, args ?? {}, 'mcp')) as Record<string, unknown>;
    return toolSuccess(tool, output);
  } catch (err) {
    // invokeTool maps everything to ToolError (our templates); anything else is a bug, reported without its text.
    if (err instanceof ToolError) return toolError(err.code, err.message);
    return toolError('internal_error', INTERNAL_ERROR_MESSAGE);
  }
}
