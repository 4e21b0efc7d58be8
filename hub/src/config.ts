/** Hub configuration, read from the environment (and CLI flags) once at start and validated. */
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { z } from 'zod';

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  DATA_DIR: z.string().min(1).default('.data/pglite'),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * Which X-Forwarded-For hops to believe (Express's `trust proxy`, proxy-addr semantics): `false`,
   * the number of proxies in front (`true` is one), or their addresses and subnets. Never "every hop":
   * the left-most entries are whatever the client wrote.
   */
  TRUST_PROXY: z.string().default('false').transform((v, ctx) => {
    const trust = parseTrustProxy(v);
    if (trust === undefined) {
      ctx.addIssue({ code: 'custom', message: 'must be false, the number of proxies in front of the hub (true is 1), or a comma-separated list of their addresses or subnets (loopback, 10.0.0.0/8, fd00::/8)' });
      return z.NEVER;
    }
    return trust;
  }),
  /** Allowed browser origins for /mcp besides the hub's own (comma-separated). */
  MCP_ALLOWED_ORIGINS: z.string().default('https://claude.ai,https://claude.com'),
  /** Largest accepted /mcp request body. Tool arguments are small; 64 KiB leaves room for batches. */
  MCP_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(10 * 1024 * 1024).default(64 * 1024),
  /** Tool calls per token holder (user + OAuth client) per window, across all doors; 0 = off. */
  MCP_RATE_LIMIT_PER_TOKEN: z.coerce.number().int().min(0).max(1_000_000).default(120),
  /** Tool calls per tenant per window, across all doors; 0 = off. */
  MCP_RATE_LIMIT_PER_TENANT: z.coerce.number().int().min(0).max(10_000_000).default(1200),
  MCP_RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /** Ingest API requests per enrollment token (one agent) per minute; 0 = off. */
  INGEST_RATE_LIMIT_PER_TOKEN: z.coerce.number().int().min(0).max(1_000_000).default(120),
  /** When set, /metrics needs it as a bearer token; otherwise /metrics answers loopback clients only. */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Seconds a computed Trust Score / KPI snapshot serves (stale-while-revalidate); 0 = always live. */
  FLEET_FACTS_TTL_SECONDS: z.coerce.number().int().min(0).max(3600).default(15),
  /** Prepare parameterised statements per PostgreSQL connection; `false` behind a pooler that cannot keep them. */
  PG_PREPARED_STATEMENTS: z.enum(['true', 'false']).default('true'),
  /** Send `-c jit=off` when connecting; `false` behind a pooler that refuses startup options. */
  PG_JIT_OFF: z.enum(['true', 'false']).default('true'),
});

export interface HubConfig {
  port: number;
  host: string;
  /** The hub's external base URL (issuer, resource identifiers), without a trailing slash. */
  publicUrl: string;
  databaseUrl?: string;
  dataDir: string;
  poolMax: number;
  /** PostgreSQL connection options (db/pg.ts). */
  pg: { preparedStatements: boolean; jitOff: boolean };
  /** How long a computed Trust Score / KPI snapshot serves, in ms (services/trust.ts); 0 = always live. */
  fleetFactsTtlMs: number;
  logLevel: z.infer<typeof Env>['LOG_LEVEL'];
  /** Express's `trust proxy`: false, a hop count, or the proxies' addresses and subnets. */
  trustProxy: TrustProxy;
  allowedOrigins: string[];
  metricsToken?: string;
  limits: { maxBodyBytes: number; perToken: number; perTenant: number; windowSeconds: number };
  /** Ingest API requests per enrollment token per window. */
  ingestLimit: { perToken: number; windowSeconds: number };
}

export type TrustProxy = false | number | string[];

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function parseTrustProxy(raw: string): TrustProxy | undefined {
  const v = raw.trim().toLowerCase();
  if (v === 'false' || v === '0' || v === '') return false;
  if (v === 'true') return 1;
  if (/^[1-9]$/.test(v)) return Number(v);
  const list = v.split(',').map((s) => s.trim()).filter(Boolean);
  const valid = list.every((item) => {
    if (PROXY_NAMES.has(item)) return true;
    const [addr, bits, extra] = item.split('/');
    const family = isIP(addr ?? '');
    if (!family || extra !== undefined) return false;
    return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
  });
  return valid && list.length ? list : undefined;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<HubConfig> = {}): HubConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const port = overrides.port ?? e.PORT;
  const host = overrides.host ?? e.HOST;
  const publicUrl = (overrides.publicUrl ?? e.PUBLIC_URL ?? `http://${host === '0.0.0.0' ? 'localhost' : host}:${port}`).replace(/\/+$/, '');
  return {
    port,
    host,
    publicUrl,
    databaseUrl: overrides.databaseUrl ?? e.DATABASE_URL,
    dataDir: resolve(overrides.dataDir ?? e.DATA_DIR),
    poolMax: overrides.poolMax ?? e.DB_POOL_MAX,
    pg: overrides.pg ?? { preparedStatements: e.PG_PREPARED_STATEMENTS === 'true', jitOff: e.PG_JIT_OFF === 'true' },
    fleetFactsTtlMs: overrides.fleetFactsTtlMs ?? e.FLEET_FACTS_TTL_SECONDS * 1000,
    logLevel: overrides.logLevel ?? e.LOG_LEVEL,
    trustProxy: overrides.trustProxy ?? e.TRUST_PROXY,
    metricsToken: overrides.metricsToken ?? e.METRICS_TOKEN,
    limits: overrides.limits ?? {
      maxBodyBytes: e.MCP_MAX_BODY_BYTES,
      perToken: e.MCP_RATE_LIMIT_PER_TOKEN,
      perTenant: e.MCP_RATE_LIMIT_PER_TENANT,
      windowSeconds: e.MCP_RATE_LIMIT_WINDOW_SECONDS,
    },
    ingestLimit: overrides.ingestLimit ?? { perToken: e.INGEST_RATE_LIMIT_PER_TOKEN, windowSeconds: 60 },
    allowedOrigins: overrides.allowedOrigins ?? e.MCP_ALLOWED_ORIGINS.split(',').map((s) => s.trim()).filter(Boolean),
  };
}
