/** `prompts/get` over the shared routines (shared/prompts.ts); the list is shared/mcp.ts's promptDescriptors(). */
import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import { findPrompt, PromptArgumentError, renderPrompt } from '../../../shared/prompts.js';

/** @see MCP spec 2025-06-18, server/prompts "Error Handling": invalid name or arguments are -32602 */
export function getPrompt(name: unknown, args: unknown) {
  const prompt = typeof name === 'string' ? findPrompt(name) : undefined;
  if (!prompt) throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'Unknown prompt. Call prompts/list for the prompts this connector offers.');
  if (args !== undefined && (args === null || typeof args !== 'object' || Array.isArray(args))) {
    throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'Prompt arguments must be an object of strings.');
  }
  try {
    return renderPrompt(prompt, (args ?? {}) as Record<string, unknown>);
  } catch (err) {
    if (err instanceof PromptArgumentError) throw new ProtocolError(ProtocolErrorCode.InvalidParams, err.message);
    throw err;
  }
}
