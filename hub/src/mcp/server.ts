/**
 * The SDK server for one request (legacy protocol revisions 2024-11-05 … 2025-11-25), built per
 * request for the verified principal so that nothing outlives the HTTP exchange.
 *
 * The low-level `Server` rather than `McpServer.registerTool`: `McpServer` validates arguments with
 * zod itself and answers with its own wording before our handler runs, whereas every call must go
 * through `invokeTool` (one validation, one set of messages, one mcp_call_log row, also for bad input).
 */
import { createRequire } from 'node:module';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import { CallToolRequestSchema, GetPromptRequestSchema, ListPromptsRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Principal } from '../auth/tokens.js';
import type { InvokeDeps } from '../services/invoke.js';
import { CAPABILITIES, INSTRUCTIONS, promptDescriptors } from '../../../shared/mcp.js';
import { getPrompt } from './prompts.js';
import { callTool, listTools } from './tools.js';

const pkg = createRequire(import.meta.url)('../../../package.json') as { version: string };

export const SERVER_INFO = { name: 'monsys-hub', title: 'monsys', version: pkg.version };

/**
 * One JSON Schema validator for every per-request server: the SDK otherwise builds a new Ajv (with its
 * formats) in each Server's constructor, 0.17 ms of every /mcp request, for elicitation we never use.
 */
const VALIDATOR = new AjvJsonSchemaValidator();

export function buildServer(deps: InvokeDeps, principal: Principal): Server {
  const server = new Server(SERVER_INFO, { capabilities: CAPABILITIES, instructions: INSTRUCTIONS, jsonSchemaValidator: VALIDATOR });
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: listTools(principal) }));
  server.setRequestHandler(CallToolRequestSchema, (req) => callTool(deps, principal, req.params.name, req.params.arguments));
  server.setRequestHandler(ListPromptsRequestSchema, () => ({ prompts: promptDescriptors() }));
  server.setRequestHandler(GetPromptRequestSchema, (req) => getPrompt(req.params.name, req.params.arguments));
  return server;
}
