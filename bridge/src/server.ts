/**
 * The stdio MCP server Claude Desktop spawns. It lists the catalogue's tools and the shared prompts
 * exactly as the hub's remote `/mcp` endpoint does (same names, descriptions, JSON Schemas,
 * annotations; a test compares them with the hub's), and forwards each call to the hub's REST API.
 *
 * The low-level `Server`, as on the hub: the hub validates arguments (one set of field-naming
 * messages, one mcp_call_log row even for bad input), so the bridge forwards them untouched.
 * Stdout belongs to JSON-RPC: nothing here prints.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation';
import {
  CallToolRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListToolsRequestSchema,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';
import { findTool } from '../../shared/index.js';
import { CAPABILITIES, INSTRUCTIONS, promptDescriptors, toolDescriptors } from '../../shared/mcp.js';
import { findPrompt, PromptArgumentError, renderPrompt } from '../../shared/prompts.js';
import { forwardToolCall, type ForwardOptions } from './hub-client.js';
import type { Session } from './session.js';
import { VERSION } from './version.js';

export const SERVER_INFO = { name: 'monsys-bridge', title: 'monsys', version: VERSION };

/**
 * The SDK's default JSON Schema validator (Ajv), built when first asked for: the Server uses it only to check
 * answers to elicitations, which the bridge never sends, and building it was part of every start (issue #6).
 */
function lazyValidator(): jsonSchemaValidator {
  let ajv: AjvJsonSchemaValidator | undefined;
  return { getValidator: (schema) => (ajv ??= new AjvJsonSchemaValidator()).getValidator(schema) };
}

export function createBridgeServer(session: Session, o: ForwardOptions = {}): Server {
  const server = new Server(SERVER_INFO, {
    capabilities: CAPABILITIES,
    instructions: INSTRUCTIONS,
    jsonSchemaValidator: lazyValidator(),
  });

  // Every tool is listed: the hub decides per call (scope and role) and answers with a clear error.
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [...toolDescriptors()] }));
  server.setRequestHandler(CallToolRequestSchema, async (req) => {
    const tool = findTool(req.params.name);
    // The name is caller-controlled text: not echoed. @see MCP spec, server/tools "Error Handling"
    if (!tool) throw new McpError(ErrorCode.InvalidParams, 'Unknown tool. Call tools/list for the tools this connector offers.');
    return forwardToolCall(session, tool, req.params.arguments ?? {}, o);
  });

  server.setRequestHandler(ListPromptsRequestSchema, () => ({ prompts: promptDescriptors() }));
  server.setRequestHandler(GetPromptRequestSchema, (req) => {
    const prompt = findPrompt(req.params.name);
    if (!prompt) throw new McpError(ErrorCode.InvalidParams, 'Unknown prompt. Call prompts/list for the prompts this connector offers.');
    try {
      return renderPrompt(prompt, req.params.arguments ?? {});
    } catch (err) {
      if (err instanceof PromptArgumentError) throw new McpError(ErrorCode.InvalidParams, err.message);
      throw err;
    }
  });
  return server;
}
