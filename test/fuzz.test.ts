/**
 * Bad input, property-based (issue 7): every tool's arguments fuzzed over REST (query strings, path
 * segments, JSON bodies) and over /mcp (tools/call arguments), and raw JSON-RPC thrown at /mcp
 * (invalid JSON, wrong `jsonrpc`, missing or odd methods, batches, huge ids, wrong params types,
 * every protocol revision header). The answer is always a clear 4xx (with our error code and
 * message), a JSON-RPC error or an `isError` result — never a 5xx, never an internal error, never a
 * hang (each request is bounded by a timeout) — and the hub keeps serving (checked after every
 * property). The hub's own error log must stay empty: an internal error mapped to a tidy answer
 * would still be a bug.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../shared/index.js';
import { issueAccessToken } from '../hub/src/auth/tokens.js';
import { loadConfig } from '../hub/src/config.js';
import { createLogger } from '../hub/src/logger.js';
import { seedDemo } from '../hub/src/seed/index.js';
import { startHub, type RunningHub } from '../hub/src/server.js';
import { freshDb, type TestDb } from './harness/db.js';
import { readBody } from './harness/http.js';

const NO_LIMITS = { maxBodyBytes: 65536, perToken: 0, perTenant: 0, windowSeconds: 60 };
const TIMEOUT_MS = 10_000;
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);

/** Values a careless or hostile client sends: wrong types, huge and odd strings, SQL, numbers at the edges, nesting. */
const SQL = [
  "' OR '1'='1",
  "'; DROP TABLE agents; --",
  "1; SELECT pg_sleep(30)--",
  "' UNION SELECT token_sha256 FROM mcp_access_tokens --",
  '%',
  '_',
  '\\',
  '$1',
  '$$',
  "E'\\x00'",
  '\u0000',
  '\ud800',
  '%00',
  '../../etc/passwd',
  '${jndi:ldap://x}',
  '<script>alert(1)</script>',
  'null',
  'NaN',
  '-1',
  '1e309',
  '9007199254740993',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
];
const nastyString = fc.oneof(
  fc.constantFrom(...SQL),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 4 }),
  fc.integer({ min: 200, max: 70_000 }).map((n) => 'A'.repeat(n)),
  fc.uuid(),
);
const nastyNumber = fc.oneof(
  fc.integer(),
  fc.constantFrom(-1, 0, 1, 501, 2 ** 31, 2 ** 53, 2 ** 64, -(2 ** 63), 1e308, -1e308, 0.5, Number.MIN_VALUE),
  fc.double(),
);
const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: nastyString },
  { weight: 2, arbitrary: nastyNumber },
  fc.boolean(),
  fc.constant(null),
  fc.array(nastyString, { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(nastyString, nastyNumber), { maxKeys: 3 }),
  fc.anything({ maxDepth: 3 }),
);

/** A tool's arguments: its own keys (often), unknown keys (sometimes), each with a hostile value. */
function argsFor(tool: (typeof CATALOGUE)[number]): fc.Arbitrary<Record<string, unknown>> {
  const known = Object.keys(tool.input.shape);
  const key = known.length
    ? fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...known) }, fc.constantFrom('__proto__', 'constructor', 'tenant_id', 'tenant'), fc.string({ maxLength: 12 }))
    : fc.oneof(fc.constantFrom('__proto__', 'tenant_id', 'x'), fc.string({ maxLength: 12 }));
  return fc.dictionary(key, nastyValue, { maxKeys: 4 });
}

/** encodeURIComponent throws on lone surrogates (a test-side limit, not the hub's). */
const wellFormed = (s: string) => s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
const stringify = (v: unknown): string => (typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v)));

interface Answer {
  status: number;
  text: string;
  json: any;
}

describe('fuzzing every tool and raw JSON-RPC (REST and /mcp)', () => {
  let db: TestDb;
  let hub: RunningHub;
  let token: string;
  let detectionId: string;
  const logLines: string[] = [];
  const counts: Record<string, number> = {};
  const statuses: Record<string, number> = {};
  const bump = (k: string, m = counts) => void (m[k] = (m[k] ?? 0) + 1);

  beforeAll(async () => {
    db = await freshDb('pg');
    await seedDemo(db, { seed: 3, scale: 0.2 });
    const r = await db.query<{ tenant_id: string; id: string }>(
      `SELECT m.tenant_id, u.id FROM users u JOIN memberships m ON m.user_id = u.id JOIN tenants t ON t.id = m.tenant_id
        WHERE u.email = 'admin@acme.example' AND t.slug = 'acme'`,
    );
    token = (await issueAccessToken(db, { tenantId: r.rows[0]!.tenant_id, userId: r.rows[0]!.id, scopes: ['mcp.read', 'mcp.acknowledge'] })).value;
    detectionId = (await db.query<{ id: string }>('SELECT id FROM detected_events WHERE tenant_id = $1 LIMIT 1', [r.rows[0]!.tenant_id])).rows[0]!.id;
    const logger = createLogger('warn', { write: (line: string) => void logLines.push(line) });
    hub = await startHub(loadConfig({}, { port: 0, limits: NO_LIMITS }), { db, logger });
  }, 120_000);

  afterAll(async () => {
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    // eslint-disable-next-line no-console
    console.log(`[fuzz] ${total} inputs: ${JSON.stringify(counts)}; HTTP statuses: ${JSON.stringify(statuses)}`);
    await hub?.close();
    await db?.close();
  });

  async function send(method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
    const res = await fetch(hub.url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...init.headers },
      body: init.body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const { text, json } = await readBody(res);
    bump(String(res.status), statuses);
    return { status: res.status, text, json };
  }

  const mcp = (body: string, headers: Record<string, string> = {}) =>
    send('POST', '/mcp', { body, headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } });

  /** A REST answer to bad input: 200 (the input happened to be valid) or a 4xx carrying our error code and message. */
  function expectRestAnswer(a: Answer, what: string): void {
    expect(a.status, `${what} → ${a.status} ${a.text.slice(0, 300)}`).toBeLessThan(500);
    if (a.status === 431 || a.status === 414) return; // Node refuses the request line/headers itself, before the app.
    if (a.status !== 200) {
      expect(a.status, what).toBeGreaterThanOrEqual(400);
      expect(typeof a.json?.error?.code, `${what}: ${a.text.slice(0, 300)}`).toBe('string');
      expect(a.json.error.message.length, what).toBeGreaterThan(10);
      expect(a.json.error.code, what).not.toBe('internal_error');
    }
  }

  /** An /mcp answer: never 5xx; a JSON-RPC error has a numeric code; a tool result is never an internal error. */
  function expectRpcAnswer(a: Answer, what: string): void {
    expect(a.status, `${what} → ${a.status} ${a.text.slice(0, 300)}`).toBeLessThan(500);
    if (a.status === 202 && a.text === '') return; // notifications only
    const messages = Array.isArray(a.json) ? a.json : [a.json];
    for (const m of messages) {
      expect(m?.jsonrpc, `${what}: ${a.text.slice(0, 300)}`).toBe('2.0');
      if (m.error) {
        expect(typeof m.error.code, what).toBe('number');
        expect(typeof m.error.message, what).toBe('string');
        expect(m.error.data?.code, what).not.toBe('internal_error');
      } else if (m.result?.isError) {
        expect(m.result.content[0].text, what).not.toMatch(/internal_error/);
      }
    }
  }

  /** After each property: the hub answers health and a real tool call, and has logged no error. */
  async function stillServing(): Promise<void> {
    expect((await send('GET', '/healthz')).status).toBe(200);
    const kpi = await send('GET', '/v1/kpi-summary');
    expect(kpi.status).toBe(200);
    const errors = logLines.splice(0).filter((l) => JSON.parse(l).level >= 50);
    expect(errors, errors.join('\n').slice(0, 2000)).toEqual([]);
  }

  const opts = { numRuns: RUNS, seed: 424242, endOnFailure: true } as const;

  it('REST: every tool\u2019s arguments in query strings, path segments and JSON bodies', async () => {
    for (const tool of CATALOGUE) {
      await fc.assert(
        fc.asyncProperty(argsFor(tool), nastyString, async (args, segment) => {
          bump(`rest:${tool.name}`);
          let path = tool.route.path;
          const params = new URLSearchParams();
          for (const [k, v] of Object.entries(args)) {
            if (Array.isArray(v)) for (const x of v) params.append(k, stringify(x));
            else params.append(k, stringify(v));
          }
          // Path parameters get a hostile value too (as the raw segment, encoded or not).
          path = path.replace(/:([a-z_]+)/g, () => (segment.length % 2 ? encodeURIComponent(wellFormed(segment)) : segment.replace(/[/?#]/g, '')));
          const qs = params.toString();
          if (tool.route.method === 'GET') {
            const a = await send('GET', qs ? `${path}?${qs}` : path);
            expectRestAnswer(a, `GET ${tool.name} ${JSON.stringify(args).slice(0, 200)}`);
          } else {
            const a = await send('POST', path, { body: JSON.stringify(args), headers: { 'content-type': 'application/json' } });
            expectRestAnswer(a, `POST ${tool.name} ${JSON.stringify(args).slice(0, 200)}`);
          }
        }),
        opts,
      );
      await stillServing();
    }
  }, 300_000);

  it('REST: raw query strings, broken percent-encoding and broken JSON bodies', async () => {
    const raw = fc.string({ unit: fc.constantFrom('%', '&', '=', '[', ']', '+', ';', 'a', '0', 'Z', 'é', '\u00ff', 'C', 'E', '2'), maxLength: 30 });
    const paths = ['/v1/agents', '/v1/detections', '/v1/audit-log', '/v1/cves/os', `/v1/agents/`, `/v1/detections/`];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), raw, async (base, s) => {
        bump('rest:raw-query');
        const path = base.endsWith('/') ? base + s.replace(/[?#]/g, '') : `${base}?${s}`;
        expectRestAnswer(await send('GET', path), `GET ${path}`);
      }),
      opts,
    );
    const body = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
      fc.jsonValue().map((v) => JSON.stringify(v).slice(0, -1)),
      fc.constant('{"note":"' + 'x'.repeat(40_000) + '"}'),
      fc.constant('{"a":'.repeat(5000)),
    );
    const type = fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', 'application/json; charset=latin1');
    await fc.assert(
      fc.asyncProperty(body, type, async (b, t) => {
        bump('rest:raw-body');
        const a = await send('POST', `/v1/detections/${detectionId}/acknowledge`, { body: b, headers: { 'content-type': t } });
        expectRestAnswer(a, `POST ack ${t} ${b.slice(0, 100)}`);
      }),
      opts,
    );
    await stillServing();
  }, 300_000);

  it('OAuth endpoints: registration, token and authorize requests with hostile bodies and parameters', async () => {
    const field = fc.oneof(nastyValue, fc.constantFrom('https://claude.ai/cb', 'http://127.0.0.1:9/cb', 'javascript:alert(1)', 'data:text/html,x', 'authorization_code', 'refresh_token', 'S256', 'plain'));
    const registration = fc.oneof(
      fc.dictionary(fc.constantFrom('client_name', 'redirect_uris', 'grant_types', 'response_types', 'token_endpoint_auth_method', 'scope', 'logo_uri', 'jwks', 'software_statement'), fc.oneof(field, fc.array(field, { maxLength: 3 })), { maxKeys: 6 }).map((o) => JSON.stringify(o)),
      fc.string({ maxLength: 60 }),
      fc.constant(JSON.stringify({ client_name: 'x'.repeat(200_000), redirect_uris: ['https://a.example/cb'] })),
      fc.constant(JSON.stringify({ client_name: 'many', redirect_uris: Array.from({ length: 5000 }, (_, i) => `https://a${i}.example/cb`) })),
    );
    await fc.assert(
      fc.asyncProperty(registration, async (b) => {
        bump('oauth:register');
        const a = await send('POST', '/mcp/oauth/register', { body: b, headers: { 'content-type': 'application/json', authorization: '' } });
        expect(a.status, `register ${b.slice(0, 200)} → ${a.text.slice(0, 300)}`).toBeLessThan(500);
        if (a.status === 201) await db.query('DELETE FROM rate_limits');
      }),
      opts,
    );
    const form = fc.dictionary(
      fc.constantFrom('grant_type', 'code', 'redirect_uri', 'client_id', 'code_verifier', 'refresh_token', 'scope', 'resource', 'token'),
      field.map(stringify).map(wellFormed),
      { maxKeys: 6 },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/mcp/oauth/token', '/mcp/oauth/revoke'), form, async (path, f) => {
        bump('oauth:token');
        const a = await send('POST', path, { body: new URLSearchParams(f).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: '' } });
        expect(a.status, `${path} ${JSON.stringify(f).slice(0, 200)} → ${a.text.slice(0, 300)}`).toBeLessThan(500);
      }),
      opts,
    );
    const query = fc.dictionary(
      fc.constantFrom('client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'code_challenge', 'code_challenge_method', 'resource', 'request_uri', 'prompt'),
      field.map(stringify).map(wellFormed),
      { maxKeys: 7 },
    );
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        bump('oauth:authorize');
        const a = await send('GET', `/mcp/oauth/authorize?${new URLSearchParams(q)}`, { headers: { authorization: '' } });
        expect(a.status, `authorize ${JSON.stringify(q).slice(0, 200)} → ${a.text.slice(0, 300)}`).toBeLessThan(500);
      }),
      opts,
    );
    await stillServing();
  }, 300_000);

  it('/mcp: every tool\u2019s tools/call arguments, on each protocol revision', async () => {
    const versions = fc.constantFrom(undefined, '2025-06-18', '2025-11-25', '2026-07-28');
    for (const tool of CATALOGUE) {
      await fc.assert(
        fc.asyncProperty(fc.oneof({ weight: 5, arbitrary: argsFor(tool) }, nastyValue), versions, async (args, version) => {
          bump(`mcp:${tool.name}`);
          const params: Record<string, unknown> = { name: tool.name, arguments: args };
          const headers: Record<string, string> = {};
          if (version) headers['mcp-protocol-version'] = version;
          if (version === '2026-07-28') {
            params._meta = { 'io.modelcontextprotocol/protocolVersion': version, 'io.modelcontextprotocol/clientCapabilities': {} };
            headers['mcp-method'] = 'tools/call';
            headers['mcp-name'] = tool.name;
          }
          const a = await mcp(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params }), headers);
          expectRpcAnswer(a, `${tool.name} ${version} ${JSON.stringify(args)?.slice(0, 200)}`);
        }),
        opts,
      );
      await stillServing();
    }
  }, 300_000);

  it('/mcp: raw JSON-RPC (invalid JSON, wrong jsonrpc, methods, batches, huge ids, params types)', async () => {
    const id = fc.oneof(fc.integer(), fc.constantFrom(2 ** 64, -(2 ** 64), 1.5, 1e308), fc.string({ maxLength: 20 }), fc.constant('x'.repeat(10_000)), fc.constant(null), nastyValue);
    const method = fc.oneof(
      fc.constantFrom('initialize', 'tools/list', 'tools/call', 'prompts/list', 'prompts/get', 'server/discover', 'ping', 'resources/list', 'notifications/initialized', 'rpc.discover'),
      fc.string({ maxLength: 20 }),
      nastyValue,
    );
    const params = fc.oneof(
      fc.record({ name: fc.oneof(fc.constantFrom(...CATALOGUE.map((t) => t.name), 'investigate-unknown-ip'), nastyValue), arguments: nastyValue }, { requiredKeys: [] }),
      nastyValue,
    );
    const message = fc.record(
      { jsonrpc: fc.oneof({ weight: 3, arbitrary: fc.constant('2.0') }, fc.constantFrom('1.0', '2', 2, null)), id, method, params },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      { weight: 4, arbitrary: message.map((m) => JSON.stringify(m)) },
      { weight: 2, arbitrary: fc.array(message, { maxLength: 12 }).map((b) => JSON.stringify(b)) },
      fc.string({ maxLength: 80 }),
      message.map((m) => JSON.stringify(m).slice(0, -3)),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.constant('['.repeat(3000) + ']'.repeat(3000)),
      fc.constant(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { pad: 'x'.repeat(70_000) } })),
    );
    const version = fc.constantFrom(undefined, '2024-11-05', '2025-06-18', '2025-11-25', '2026-07-28', '1999-01-01', '\u00ff', '');
    const contentType = fc.oneof(
      { weight: 6, arbitrary: fc.constant('application/json') },
      fc.constantFrom('text/plain', 'application/json; charset=utf-16', 'application/json; charset=koi8-r', 'application/x-www-form-urlencoded', 'multipart/form-data'),
    );
    const header = fc.option(fc.oneof(fc.constantFrom('tools/call', 'tools/list', '=?base64?!!?='), fc.string({ unit: 'binary-ascii', maxLength: 20 })), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(body, version, header, header, contentType, async (b, v, mcpMethod, mcpName, ctype) => {
        bump('mcp:raw');
        const headers: Record<string, string> = { 'content-type': ctype };
        if (v !== undefined) headers['mcp-protocol-version'] = v;
        // Header values must be Latin-1 printable for fetch to send them at all.
        if (mcpMethod !== undefined && /^[\x20-\x7e]*$/.test(mcpMethod)) headers['mcp-method'] = mcpMethod;
        if (mcpName !== undefined && /^[\x20-\x7e]*$/.test(mcpName)) headers['mcp-name'] = mcpName;
        const a = await mcp(b, headers);
        if (a.status === 413 || a.status === 400 || a.status === 405 || a.status === 406 || a.status === 415) {
          expect(a.json?.error?.code ?? a.json?.jsonrpc, `${b.slice(0, 200)}: ${a.text.slice(0, 200)}`).toBeDefined();
        }
        expectRpcAnswer(a, `${v} ${b.slice(0, 200)}`);
      }),
      { ...opts, numRuns: RUNS * 4 },
    );
    await stillServing();
  }, 300_000);
});
