/**
 * The tools/call fast path (fast-call.ts) against the SDK's own path, request for request: same
 * status, same JSON-RPC answer. The SDK path validates every result against CallToolResultSchema,
 * so equality also shows the fast path's results are valid.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../../shared/index.js';
import { buildFleet, type Fleet } from '../../../test/harness/fixtures.js';
import { freshDb, type TestDb } from '../../../test/harness/db.js';
import { issueAccessToken } from '../auth/tokens.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { startHub, type RunningHub } from '../server.js';
import { fastPath } from './fast-call.js';

describe('tools/call fast path', () => {
  let db: TestDb;
  let hub: RunningHub;
  let fleet: Fleet;
  let admin: string;
  let viewer: string;

  beforeAll(async () => {
    db = await freshDb('pglite');
    fleet = await buildFleet(db);
    hub = await startHub(loadConfig({}, { port: 0, limits: { maxBodyBytes: 65536, perToken: 0, perTenant: 0, windowSeconds: 60 } }), {
      db,
      logger: createLogger('silent'),
    });
    const token = async (userId: string) =>
      (await issueAccessToken(db, { tenantId: fleet.A.id, userId, scopes: ['mcp.read', 'mcp.acknowledge'] })).value;
    admin = await token(fleet.users.admin.id);
    viewer = await token(fleet.users.viewer.id);
  });
  afterAll(async () => {
    fastPath.enabled = true;
    await hub?.close();
    await db?.close();
  });

  /** One POST; timestamps of when an answer was computed are the only thing allowed to differ. */
  async function post(body: unknown, token = admin, version: string | undefined = '2025-11-25', extra: Record<string, string> = {}, base = hub.url) {
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(version ? { 'mcp-protocol-version': version } : {}),
      ...extra,
    };
    const res = await fetch(`${base}/mcp`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
    const text = (await res.text()).replace(/(\\?"(?:computed_at|generated_at)\\?":\s*\\?")[^"\\]+/g, '$1<time>');
    let json: any = text; // eslint-disable-line @typescript-eslint/no-explicit-any -- compared whole
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // an SSE or plain answer: compared as text
    }
    const keep = ['cache-control', 'www-authenticate', 'retry-after', 'x-content-type-options', 'referrer-policy'];
    return { status: res.status, type: res.headers.get('content-type')?.split(';')[0], headers: Object.fromEntries(keep.map((h) => [h, res.headers.get(h)])), json };
  }

  async function bothWays(body: unknown, token?: string, version?: string, extra?: Record<string, string>, base?: string) {
    fastPath.enabled = false;
    const sdk = await post(body, token, version, extra, base);
    fastPath.enabled = true;
    const fast = await post(body, token, version, extra, base);
    return { sdk, fast };
  }

  const call = (name: unknown, args?: unknown, id: unknown = 7) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });
  const ARGS: Record<string, Record<string, unknown>> = {
    monsys_get_agent: { agent_id: '' },
    monsys_get_detection: { detection_id: '' },
    // Not the call log itself, which each of the two calls adds to.
    monsys_audit_log_search: { event_type: 'user_login', since: '30d' },
  };

  it('answers every read tool exactly as the SDK does', async () => {
    ARGS.monsys_get_agent = { agent_id: fleet.agents.web1 };
    ARGS.monsys_get_detection = { detection_id: fleet.det.brute };
    let compared = 0;
    for (const tool of CATALOGUE.filter((t) => t.annotations.readOnlyHint)) {
      const { sdk, fast } = await bothWays(call(tool.name, ARGS[tool.name] ?? {}));
      expect(sdk.status, tool.name).toBe(200);
      expect(sdk.json.result.isError, `${tool.name}: ${JSON.stringify(sdk.json).slice(0, 300)}`).toBeFalsy();
      expect(fast, tool.name).toEqual(sdk);
      compared++;
    }
    expect(compared).toBe(11);
  });

  it('answers tool errors, protocol errors and odd envelopes exactly as the SDK does', async () => {
    const cases: [string, unknown, string?][] = [
      ['bad argument value', call('monsys_list_detections', { since: 'zq-2d' })],
      ['unknown argument', call('monsys_list_alerts', { bogus: 1 })],
      ['not found', call('monsys_get_agent', { agent_id: '00000000-0000-4000-8000-000000000000' })],
      ['bad id for the acknowledgement', call('monsys_acknowledge_detection', { detection_id: 'nope' })],
      ['role too weak', call('monsys_acknowledge_detection', { detection_id: fleet.det.brute }), viewer],
      ['unknown tool', call('monsys_isolate_network', {})],
      ['string id', call('monsys_list_sla_overview', {}, 'abc')],
      ['no arguments', call('monsys_kpi_summary')],
      ['arguments not an object', call('monsys_kpi_summary', [1])],
      ['name not a string', call(42, {})],
      ['no params', { jsonrpc: '2.0', id: 1, method: 'tools/call' }],
      ['null id', call('monsys_kpi_summary', {}, null)],
      ['wrong jsonrpc', { ...call('monsys_kpi_summary', {}), jsonrpc: '1.0' }],
      ['a task', { ...call('monsys_kpi_summary', {}), params: { name: 'monsys_kpi_summary', arguments: {}, task: { ttl: 1000 } } }],
      ['a batch', [call('monsys_kpi_summary', {})]],
    ];
    for (const [what, body, token] of cases) {
      const { sdk, fast } = await bothWays(body, token);
      expect(fast, what).toEqual(sdk);
    }
    const old = await bothWays(call('monsys_list_sla_overview', {}), admin, '2025-06-18');
    expect(old.fast).toEqual(old.sdk);
  });

  it('leaves everything else to the full route, which answers as before', async () => {
    const readOnly = (await issueAccessToken(db, { tenantId: fleet.A.id, userId: fleet.users.admin.id, scopes: ['mcp.read'] })).value;
    const cases: [string, unknown, string?, string?, Record<string, string>?][] = [
      ['invalid JSON', '{"jsonrpc":', admin],
      ['JSON that is not an object', '"tools/call"', admin],
      ['bad token', call('monsys_kpi_summary', {}), `mat_${'x'.repeat(43)}`],
      ['missing scope: the step-up challenge', call('monsys_acknowledge_detection', { detection_id: fleet.det.brute }), readOnly],
      ['tools/list', { jsonrpc: '2.0', id: 2, method: 'tools/list' }, admin],
      ['initialize', { jsonrpc: '2.0', id: 3, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } }, admin],
      ['a notification', { jsonrpc: '2.0', method: 'notifications/initialized' }, admin],
      ['no protocol version header', call('monsys_kpi_summary', {}), admin, ''],
      ['an unsupported version', call('monsys_kpi_summary', {}), admin, '1999-01-01'],
      ['a foreign Origin', call('monsys_kpi_summary', {}), admin, '2025-11-25', { origin: 'https://evil.example' }],
      ['the hub\u2019s own Origin', call('monsys_kpi_summary', {}), admin, '2025-11-25', { origin: new URL(hub.url).origin }],
      ['SSE only', call('monsys_kpi_summary', {}), admin, '2025-11-25', { accept: 'text/event-stream' }],
      ['no Accept', call('monsys_kpi_summary', {}), admin, '2025-11-25', { accept: '' }],
      ['text/plain', call('monsys_kpi_summary', {}), admin, '2025-11-25', { 'content-type': 'text/plain' }],
      ['oversized', call('monsys_list_alerts', { note: 'x'.repeat(70_000) }), admin],
    ];
    for (const [what, body, token, version, extra] of cases) {
      const { sdk, fast } = await bothWays(body, token, version === '' ? undefined : (version ?? '2025-11-25'), extra);
      expect(fast, what).toEqual(sdk);
    }
  });

  it('answers a rate-limited caller as the full route does', async () => {
    const strict = await startHub(loadConfig({}, { port: 0, limits: { maxBodyBytes: 65536, perToken: 2, perTenant: 0, windowSeconds: 60 } }), { db, logger: createLogger('silent') });
    try {
      const limited = (await issueAccessToken(db, { tenantId: fleet.A.id, userId: fleet.users.analyst.id, scopes: ['mcp.read'] })).value;
      const first = await bothWays(call('monsys_list_sla_overview', {}), limited, undefined, undefined, strict.url);
      expect([first.sdk.status, first.fast.status]).toEqual([200, 200]);
      const { sdk, fast } = await bothWays(call('monsys_list_sla_overview', {}), limited, undefined, undefined, strict.url);
      expect(sdk.status).toBe(429);
      expect(fast).toEqual(sdk);
    } finally {
      await strict.close();
    }
  });
});
