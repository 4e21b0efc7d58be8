/**
 * The REST fast path (fast.ts) against Express's router.ts, request for request: same status, same
 * headers that matter, same body — for every tool route and for the bad inputs the REST matrix tries;
 * and the fast path does serve what it should (its counter).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFleet, type Fleet } from '../../../test/harness/fixtures.js';
import { freshDb, type TestDb } from '../../../test/harness/db.js';
import { issueAccessToken } from '../auth/tokens.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { startHub, type RunningHub } from '../server.js';
import { restFastPath } from './fast.js';

const HEADERS = ['content-type', 'cache-control', 'www-authenticate', 'retry-after', 'x-content-type-options', 'referrer-policy', 'allow'];

describe('REST fast path', () => {
  let db: TestDb;
  let hub: RunningHub;
  let strict: RunningHub;
  let fleet: Fleet;
  const tok: Record<string, string> = {};

  beforeAll(async () => {
    db = await freshDb('pglite');
    fleet = await buildFleet(db);
    const config = (perToken: number) => loadConfig({}, { port: 0, limits: { maxBodyBytes: 65536, perToken, perTenant: 0, windowSeconds: 60 } });
    hub = await startHub(config(0), { db, logger: createLogger('silent') });
    strict = await startHub(config(2), { db, logger: createLogger('silent') });
    const mint = async (userId: string, scopes: ('mcp.read' | 'mcp.acknowledge')[], extra = {}) =>
      (await issueAccessToken(db, { tenantId: fleet.A.id, userId, scopes, ...extra })).value;
    tok.admin = await mint(fleet.users.admin.id, ['mcp.read', 'mcp.acknowledge']);
    tok.ackOnly = await mint(fleet.users.admin.id, ['mcp.acknowledge']);
    tok.foreign = await mint(fleet.users.admin.id, ['mcp.read'], { audience: 'https://elsewhere.example/mcp' });
    tok.limited = await mint(fleet.users.analyst.id, ['mcp.read']);
    tok.viewer = await mint(fleet.users.viewer.id, ['mcp.read']);
  });
  afterAll(async () => {
    restFastPath.enabled = true;
    await strict?.close();
    await hub?.close();
    await db?.close();
  });

  async function send(base: string, path: string, headers: Record<string, string>, post?: { body: string; type?: string }) {
    const res = await fetch(base + path, post ? { method: 'POST', headers: { 'content-type': post.type ?? 'application/json', ...headers }, body: post.body } : { headers });
    const text = (await res.text()).replace(/("(?:computed_at|generated_at)":")[^"]+/g, '$1<time>');
    return {
      status: res.status,
      headers: Object.fromEntries(HEADERS.map((h) => [h, res.headers.get(h)])),
      requestId: /^[0-9a-f-]{36}$/.test(res.headers.get('x-request-id') ?? ''),
      body: text,
    };
  }

  /** The request through Express, then through the fast path; `served` is how many of the two the fast path took. */
  async function bothWays(path: string, token?: string, base = hub.url, post?: { body: string; type?: string }) {
    const headers: Record<string, string> = token === undefined ? {} : { authorization: token.startsWith('mat_') ? `Bearer ${token}` : token };
    restFastPath.enabled = false;
    const express = await send(base, path, headers, post);
    restFastPath.enabled = true;
    const before = restFastPath.served;
    const fast = await send(base, path, headers, post);
    return { express, fast, served: restFastPath.served - before };
  }

  it('answers every GET tool route and its bad inputs exactly as Express does', async () => {
    const a = fleet.agents.web1;
    const d = fleet.det.brute;
    // Paths the fast path leaves to Express (not a GET tool route as the catalogue spells it).
    const LEFT_TO_EXPRESS = ['/v1/SLA', '/v1/sla/', '/v1/nope', '/v1/detections/x/acknowledge'];
    const cases: [string, string?][] = [
      ['/v1/agents?tag=prod&limit=2', tok.admin],
      [`/v1/agents/${a}`, tok.admin],
      ['/v1/trust-score', tok.admin],
      ['/v1/alerts?severity=critical', tok.admin],
      ['/v1/detections?since=7d&ack=open', tok.admin],
      [`/v1/detections/${d}`, tok.admin],
      ['/v1/cves/kernel?min_severity=high', tok.admin],
      ['/v1/cves/os?ecosystem=apt', tok.admin],
      ['/v1/sla', tok.admin],
      ['/v1/audit-log?event_type=user_login&since=30d', tok.admin],
      ['/v1/kpi-summary', tok.admin],
      // bad input, unknown and repeated parameters, odd encodings
      ['/v1/agents?status=bogus', tok.admin],
      ['/v1/agents?status=online&status=offline', tok.admin],
      ['/v1/trust-score?bogus=1', tok.admin],
      ['/v1/agents/not-a-uuid', tok.admin],
      ['/v1/agents/%E0%A4%A', tok.admin],
      ['/v1/agents/%E0%A4%A', undefined],
      [`/v1/agents/${a}%2F..`, tok.admin],
      ['/v1/agents/00000000-0000-4000-8000-000000000000', tok.admin],
      ['/v1/detections?since=2d', tok.admin],
      ['/v1/agents?hostname_contains=%25_%5C', tok.admin],
      // authentication and authorization
      ['/v1/sla', undefined],
      ['/v1/sla', ''],
      ['/v1/sla', 'Basic abc'],
      ['/v1/sla', `mat_${'x'.repeat(43)}`],
      ['/v1/sla', tok.ackOnly],
      ['/v1/sla', tok.foreign],
      ...LEFT_TO_EXPRESS.map((path): [string, string?] => [path, tok.admin]),
    ];
    const statuses = new Set<number>();
    for (const [path, token] of cases) {
      const { express, fast, served } = await bothWays(path, token);
      expect(fast, `${path} ${token?.slice(0, 8)}`).toEqual(express);
      expect(served, path).toBe(LEFT_TO_EXPRESS.includes(path) ? 0 : 1);
      statuses.add(fast.status);
    }
    // The cases include successes and each kind of refusal.
    expect([...statuses].sort()).toEqual([200, 400, 401, 403, 404]);
  });

  it('answers the POST route and its bad bodies exactly as Express does', async () => {
    const acked = `/v1/detections/${fleet.det.bruteOld}/acknowledge`; // acknowledged in the fixture: idempotent
    const open = `/v1/detections/${fleet.det.travel}/acknowledge`;
    const json = (body: string) => ({ body });
    const cases: [string, string | undefined, { body: string; type?: string }, served: number][] = [
      [acked, tok.admin, json('{}'), 1],
      [acked, tok.admin, json('{"note":"again"}'), 1],
      [acked, tok.ackOnly, json(' \n{}'), 1],
      [acked, tok.admin, { body: '{}', type: 'application/json; charset=utf-8' }, 1],
      // bad bodies and ids
      [acked, tok.admin, json('{'), 1],
      [acked, tok.admin, json('"just a string"'), 1],
      [acked, tok.admin, json('[1]'), 1],
      [acked, tok.admin, json('null'), 1],
      [acked, tok.admin, json('{"bogus":1}'), 1],
      [acked, tok.admin, json(`{"note":"${'n'.repeat(2000)}"}`), 1],
      ['/v1/detections/not-a-uuid/acknowledge', tok.admin, json('{}'), 1],
      ['/v1/detections/00000000-0000-4000-8000-000000000000/acknowledge', tok.admin, json('{}'), 1],
      [`/v1/detections/${fleet.det.bBrute}/acknowledge`, tok.admin, json('{}'), 1],
      // the token before the body
      [open, undefined, json('{'), 1],
      [open, `mat_${'x'.repeat(43)}`, json('{"note":1}'), 1],
      [open, tok.viewer, json('{}'), 1],
      [open, tok.foreign, json('{}'), 1],
      // bodies the fast path leaves to Express
      [acked, tok.admin, json(`{"note":"${'n'.repeat(40_000)}"}`), 0],
      [acked, tok.admin, { body: '{}', type: 'text/plain' }, 0],
      [acked, tok.admin, { body: '{}', type: 'application/json; charset=latin1' }, 0],
      [`${acked}/`, tok.admin, json('{}'), 0],
    ];
    const statuses = new Set<number>();
    for (const [path, token, post, served] of cases) {
      const r = await bothWays(path, token, hub.url, post);
      expect(r.fast, `${path} ${post.body.slice(0, 20)} ${post.type ?? ''}`).toEqual(r.express);
      expect(r.served, `${path} ${post.body.slice(0, 20)} ${post.type ?? ''}`).toBe(served);
      statuses.add(r.fast.status);
    }
    expect([...statuses].sort()).toEqual([200, 400, 401, 403, 404, 413, 415]);

    // A real acknowledgement each way, of two open detections: the same answer but for the id and time.
    const fresh = await Promise.all([0, 1].map(() => fleet.f.detection(fleet.A.id, fleet.agents.web1, { kind: 'port_scan', severity: 'low', hoursAgo: 1 })));
    const answers: string[] = [];
    for (const [i, id] of fresh.entries()) {
      restFastPath.enabled = i === 1;
      const r = await send(hub.url, `/v1/detections/${id}/acknowledge`, { authorization: `Bearer ${tok.admin}` }, json('{"note":"checked"}'));
      expect(r.status).toBe(200);
      answers.push(r.body.replace(id, '<id>').replace(/"acked_at":"[^"]+"/, '"acked_at":"<time>"'));
    }
    restFastPath.enabled = true;
    expect(answers[1]).toEqual(answers[0]);
    expect(JSON.parse(answers[0]!)).toMatchObject({ acknowledged: true, already_acknowledged: false });
  });

  it('answers a rate-limited caller exactly as Express does', async () => {
    const first = await bothWays('/v1/sla', tok.limited, strict.url);
    expect([first.express.status, first.fast.status]).toEqual([200, 200]);
    const { express, fast } = await bothWays('/v1/sla', tok.limited, strict.url);
    expect(express.status).toBe(429);
    expect(fast).toEqual(express);
  });
});
