/**
 * Limits of the /mcp endpoint, from the environment (validated like hub/src/config.ts does).
 * Defaults suit a person working with Claude; automation may need more (raise them per deployment).
 */
import { z } from 'zod';
import { ConfigError } from '../config.js';

const Env = z.object({
  /** Largest accepted request body. Tool arguments are small; 64 KiB leaves room for batches. */
  MCP_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(10 * 1024 * 1024).default(64 * 1024),
  /** Tool calls per token holder (user + OAuth client) per window, across all doors. */
  MCP_RATE_LIMIT_PER_TOKEN: z.coerce.number().int().min(1).max(1_000_000).default(120),
  /** Tool calls per tenant per window, across all doors. */
  MCP_RATE_LIMIT_PER_TENANT: z.coerce.number().int().min(1).max(10_000_000).default(1200),
  MCP_RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
});

export interface McpLimits {
  maxBodyBytes: number;
  perToken: number;
  perTenant: number;
  windowSeconds: number;
}

export function mcpLimits(env: NodeJS.ProcessEnv = process.env): McpLimits {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    maxBodyBytes: e.MCP_MAX_BODY_BYTES,
    perToken: e.MCP_RATE_LIMIT_PER_TOKEN,
    perTenant: e.MCP_RATE_LIMIT_PER_TENANT,
    windowSeconds: e.MCP_RATE_LIMIT_WINDOW_SECONDS,
  };
}
