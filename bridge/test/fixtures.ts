/** Test fixtures for the bridge: an in-memory token store, and valid sample outputs derived from the catalogue's schemas. */
import { z } from 'zod';
import type { CatalogueTool } from '../../shared/index.js';
import type { StoredToken, TokenStore } from '../src/token-store.js';

export const HUB = 'https://hub.monsys.test';

export class MemoryStore implements TokenStore {
  readonly description = 'memory';
  readonly tokens = new Map<string, StoredToken>();
  writes = 0;
  async get(hub: string, profile: string) {
    return this.tokens.get(`${hub} ${profile}`);
  }
  async set(t: StoredToken) {
    this.writes++;
    this.tokens.set(`${t.hub} ${t.profile}`, t);
  }
  async delete(hub: string, profile: string) {
    return this.tokens.delete(`${hub} ${profile}`);
  }
}

export function token(over: Partial<StoredToken> = {}): StoredToken {
  return {
    hub: HUB,
    profile: 'acme',
    client_id: 'mcp_test',
    access_token: `mat_${'a'.repeat(43)}`,
    refresh_token: `mrt_${'r'.repeat(43)}`,
    expires_at: Math.floor(Date.now() / 1000) + 3600,
    scope: 'mcp.read',
    ...over,
  };
}

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  format?: string;
  minItems?: number;
};

function sample(s: JsonSchema): unknown {
  if (s.const !== undefined) return s.const;
  if (s.enum) return s.enum[0];
  if (s.anyOf) return s.anyOf.some((x) => x.type === 'null') ? null : sample(s.anyOf[0]!);
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  switch (type) {
    case 'object':
      return Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, sample(v)]));
    case 'array':
      return Array.from({ length: s.minItems ?? 0 }, () => sample(s.items ?? {}));
    case 'string':
      return s.format === 'uuid' ? '00000000-0000-4000-8000-000000000001' : s.format === 'date-time' ? '2025-01-01T00:00:00.000Z' : 'x';
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      return null;
  }
}

/** A minimal output that satisfies the tool's output schema (checked, so a bad fixture fails loudly). */
export function sampleOutput(tool: CatalogueTool): Record<string, unknown> {
  const value = sample(z.toJSONSchema(tool.output, { io: 'output' }) as JsonSchema) as Record<string, unknown>;
  return tool.output.parse(value) as Record<string, unknown>;
}
