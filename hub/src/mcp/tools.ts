/**
 * The MCP face of the catalogue: tool descriptors generated from `shared/` and the mapping of
 * `invokeTool` outcomes to `tools/call` results. Both protocol eras (the SDK's legacy path and
 * the 2026-07-28 path in modern.ts) call these, so they cannot differ.
 * @see MCP spec 2025-06-18 / 2025-11-25, server/tools
 */
import { z } from 'zod';
import { CATALOGUE, findTool, roleAtLeast, type CatalogueTool } from '../../../shared/index.js';
import type { Principal } from '../auth/tokens.js';
import { ToolError } from '../errors.js';
import { invokeTool, type InvokeDeps } from '../services/invoke.js';
import { renderToolText } from '../../../shared/render.js';

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

type JsonSchema = Record<string, unknown>;

/**
 * JSON Schema for a zod schema, in draft-07 as the SDK's own `McpServer` emits for zod 4
 * (its client validates `structuredContent` with Ajv's draft-07 default). The keywords we use
 * (type, enum, properties, required, pattern, format, min/max, items) mean the same in 2020-12.
 */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-7', io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

export interface McpTool {
  name: string;
  title: string;
  description: string;
  inputSchema: JsonSchema;
  outputSchema: JsonSchema;
  annotations: CatalogueTool['annotations'];
}

/** Computed once: the catalogue does not change while the hub runs. */
const DESCRIPTORS: readonly McpTool[] = CATALOGUE.map((t) => ({
  name: t.name,
  title: t.title,
  description: t.description,
  // strict(): invokeTool refuses unknown arguments, so the schema says so too.
  inputSchema: { type: 'object', ...jsonSchema(t.input.strict(), 'input') },
  outputSchema: jsonSchema(t.output, 'output'),
  annotations: { ...t.annotations },
}));

/**
 * The tools listed to a caller. A tool is listed when the user's role may use it: if the token lacks
 * the tool's scope, the user can step up (re-authorize for that scope, answered by a 403
 * `insufficient_scope` challenge on the call), so listing it is useful; a tool the role forbids
 * can never become usable through this token holder, so it is not listed (docs/adr/0003-mcp-endpoint.md).
 */
export function listTools(principal: Principal): McpTool[] {
  return DESCRIPTORS.filter((d) => roleAtLeast(principal.role, findTool(d.name)!.minRole));
}

export interface CallToolResult {
  [key: string]: unknown;
  content: { type: 'text'; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
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
    return errorResult(`Invalid arguments for ${tool.name}: "arguments" must be an object.`, 'invalid_argument');
  }
  try {
    const output = (await invokeTool(deps, principal, tool.name, args ?? {}, 'mcp')) as Record<string, unknown>;
    return {
      content: [
        { type: 'text', text: summarize(tool, output) },
        // Serialized JSON as well, for clients that show the model only text content, with attacker-controlled
        // fields fenced as quoted data. @see MCP spec 2025-06-18, server/tools "Structured Content"
        { type: 'text', text: renderToolText(tool, output) },
      ],
      structuredContent: output,
    };
  } catch (err) {
    // invokeTool maps everything to ToolError (our templates); anything else is a bug, reported without its text.
    if (err instanceof ToolError) return errorResult(err.message, err.code);
    return errorResult('The monsys hub hit an internal error. It has been logged; retry later.', 'internal_error');
  }
}

function errorResult(message: string, code: string): CallToolResult {
  return { content: [{ type: 'text', text: `Error (${code}): ${message}` }], isError: true };
}

/**
 * A one-line, human-readable digest of an output, derived from its shape: list lengths, totals and
 * top-level figures. It never quotes text fields (those can carry attacker-chosen strings).
 */
export function summarize(tool: Pick<CatalogueTool, 'title'>, output: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(output)) {
    const label = key.replace(/_/g, ' ');
    if (Array.isArray(value)) parts.push(`${value.length} ${label}`);
    else if (typeof value === 'number') parts.push(`${label} ${value}`);
    else if (typeof value === 'boolean') parts.push(`${label}: ${value ? 'yes' : 'no'}`);
    else if (value && typeof value === 'object') {
      const figures = Object.entries(value as Record<string, unknown>).filter(([, v]) => typeof v === 'number');
      if (figures.length) parts.push(`${label}: ${figures.map(([k, v]) => `${k.replace(/_/g, ' ')} ${v}`).join(', ')}`);
    }
  }
  return `${tool.title}: ${parts.join('; ') || 'done'}.`;
}
