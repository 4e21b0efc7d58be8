/**
 * The SDK server for one request, built for the verified principal so that nothing outlives the HTTP
 * exchange. The same factory serves every revision: the SDK's per-request path for 2026-07-28 and its
 * stateless Streamable HTTP transport for the 2025 revisions (index.ts).
 *
 * The low-level `Server` rather than `McpServer.registerTool`: `McpServer` validates arguments with
 * zod itself and answers with its own wording before our handler runs, whereas every call must go
 * through the pipeline (one validation, one set of messages, one call-log row, also for bad input).
 * @see MCP spec 2026-07-28 basic/versioning (server/discover), server/tools, server/prompts
 */
import { createRequire } from 'node:module';
import { Server } from '@modelcontextprotocol/server';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/server/validators/ajv';
import type { Principal } from '../auth/tokens.js';
import type { HubDeps } from '../deps.js';
import type { Pipeline } from '../pipeline.js';
import { CAPABILITIES, INSTRUCTIONS, promptDescriptors } from '../../../shared/mcp.js';
import { getPrompt } from './prompts.js';
import { callTool, listTools } from './tools.js';

const pkg = createRequire(import.meta.url)('../../../package.json') as { version: string };

export const SERVER_INFO = { name: 'monsys-hub', title: 'monsys', version: pkg.version };

/**
 * One JSON Schema validator for every per-request server: the SDK otherwise builds a new Ajv (with its
 * formats) in each Server's constructor, for elicitation we never use.
 */
const VALIDATOR = new AjvJsonSchemaValidator();

/**
 * Lists may be cached for a minute (2026-07-28 cacheable results). The tool list depends on the
 * caller's role, so it is private; the prompts and the discovery answer are the same for everyone.
 */
const LIST_TTL_MS = 60_000;
const CACHE_HINTS = {
  'server/discover': { ttlMs: LIST_TTL_MS, cacheScope: 'public' },
  'tools/list': { ttlMs: LIST_TTL_MS, cacheScope: 'private' },
  'prompts/list': { ttlMs: LIST_TTL_MS, cacheScope: 'public' },
} as const;

export function buildServer(deps: Pick<HubDeps, 'logger'>, pipe: Pick<Pipeline, 'invoke'>, principal: Principal): Server {
  const server = new Server(SERVER_INFO, { capabilities: CAPABILITIES, instructions: INSTRUCTIONS, jsonSchemaValidator: VALIDATOR, cacheHints: CACHE_HINTS });
  server.setRequestHandler('tools/list', () => ({ tools: listTools(principal) }) as never);
  server.setRequestHandler('tools/call', (req) => callTool(deps, pipe, principal, req.params.name, req.params.arguments) as never);
  server.setRequestHandler('prompts/list', () => ({ prompts: promptDescriptors() }));
  server.setRequestHandler('prompts/get', (req) => getPrompt(req.params.name, req.params.arguments) as never);
  return server;
}
