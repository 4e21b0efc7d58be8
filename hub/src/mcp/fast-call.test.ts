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
  async function post(body: unknown, token = admin, version = '2025-11-25') {
    const res = await fetch(`${hub.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': version,
      },
      body: JSON.stringify(body),
    });
    const text = (await res.text()).replace(/(\\?"(?:computed_at|generated_at)\\?":\s*\\?")[^"\\]+/g, '$1<time>');
    return { status: res.status, type: res.headers.get('content-type')?.split(';')[0], json: text ? JSON.parse(text) : null };
  }

  async function bothWays(body: unknown, token?: string, version?: string) {
    fastPath.enabled = false;
    const sdk = await post(body, token, version);
    fastPath.enabled = true;
    const fast = await post(body, token, version);
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
});
