/**
 * Tenant isolation, property-based (issue 7): on the seeded demo database (acme, eu-bank and the
 * opted-out gov-agency), for random callers — acme's admin and viewer, eu-bank's admin, and the MSP
 * technician who is a member of both — and random ids drawn from every tenant plus ids that exist
 * nowhere, no tool over REST or /mcp ever returns a row of another tenant, and the error for
 * another tenant's id is the very error for an id that does not exist (status, code, message).
 * The product page: "an id from another tenant is 'not found', never data". The connector console
 * (/console) is held to the same: another tenant's pages are the 404 of a tenant that does not exist.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken, issueAccessToken } from '../hub/src/auth/tokens.js';
import { csrfToken } from '../hub/src/oauth/web.js';
import { loadConfig } from '../hub/src/config.js';
import { createLogger } from '../hub/src/logger.js';
import { seedDemo } from '../hub/src/seed/index.js';
import { startHub, type RunningHub } from '../hub/src/server.js';
import { freshDb, type TestDb } from './harness/db.js';
import { verifies } from './harness/verifies.js';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const NO_LIMITS = { maxBodyBytes: 65536, perToken: 0, perTenant: 0, windowSeconds: 60 };

interface Caller {
  label: string;
  tenant: string;
  token: string;
}

/** The id-taking calls: which tool, its REST request and its /mcp arguments for an id. */
const BY_ID = {
  get_agent: { tool: 'monsys_get_agent', kind: 'agent', rest: (id: string) => ['GET', `/v1/agents/${id}`], args: (id: string) => ({ agent_id: id }) },
  get_detection: { tool: 'monsys_get_detection', kind: 'detection', rest: (id: string) => ['GET', `/v1/detections/${id}`], args: (id: string) => ({ detection_id: id }) },
  acknowledge: {
    tool: 'monsys_acknowledge_detection',
    kind: 'detection',
    rest: (id: string) => ['POST', `/v1/detections/${id}/acknowledge`],
    args: (id: string) => ({ detection_id: id }),
  },
  detections_of_agent: {
    tool: 'monsys_list_detections',
    kind: 'agent',
    rest: (id: string) => ['GET', `/v1/detections?since=30d&agent_id=${id}&limit=500`],
    args: (id: string) => ({ since: '30d', agent_id: id, limit: 500 }),
  },
  alerts_of_agent: { tool: 'monsys_list_alerts', kind: 'agent', rest: (id: string) => ['GET', `/v1/alerts?agent_id=${id}&limit=500`], args: (id: string) => ({ agent_id: id, limit: 500 }) },
} as const;
type CallName = keyof typeof BY_ID;

/** What a call answered, reduced to what may be compared between doors and ids. */
interface Outcome {
  ok: boolean;
  status: number;
  code?: string;
  message?: string;
  body: unknown;
}

describe('tenant isolation (property-based, REST and /mcp, seeded demo on PostgreSQL)', () => {
  let db: TestDb;
  let hub: RunningHub;
  const callers: Caller[] = [];
  /** Every row id of the tenant-owned tables → its tenant id. */
  const owner = new Map<string, string>();
  const ids = { agent: new Map<string, string[]>(), detection: new Map<string, string[]>() };
  const tenants = new Map<string, string>();
  const counts = { rest: 0, mcp: 0, foreign: 0, own: 0, missing: 0, filters: 0 };

  beforeAll(async () => {
    db = await freshDb('pg');
    await seedDemo(db, { seed: 7 });
    for (const r of (await db.query<{ id: string; slug: string }>('SELECT id, slug FROM tenants')).rows) tenants.set(r.slug, r.id);
    for (const table of ['agents', 'alerts', 'detected_events', 'auth_events', 'audit_log', 'sla_targets', 'mcp_call_log']) {
      const r = await db.query<{ id: string; tenant_id: string }>(`SELECT id::text, tenant_id::text FROM ${table}`);
      for (const row of r.rows) owner.set(row.id, row.tenant_id);
    }
    for (const [kind, table] of [['agent', 'agents'], ['detection', 'detected_events']] as const) {
      const r = await db.query<{ id: string; tenant_id: string }>(`SELECT id::text, tenant_id::text FROM ${table} ORDER BY id`);
      for (const row of r.rows) ids[kind].set(row.tenant_id, [...(ids[kind].get(row.tenant_id) ?? []), row.id]);
    }
    const member = async (email: string, slug: string, label: string) => {
      const u = await db.query<{ id: string }>('SELECT id FROM users WHERE email = $1', [email]);
      const tenantId = tenants.get(slug)!;
      const t = await issueAccessToken(db, { tenantId, userId: u.rows[0]!.id, scopes: ['mcp.read', 'mcp.acknowledge'] });
      callers.push({ label, tenant: tenantId, token: t.value });
    };
    await member('admin@acme.example', 'acme', 'acme admin');
    await member('viewer@acme.example', 'acme', 'acme viewer');
    await member('admin@eu-bank.example', 'eu-bank', 'eu-bank admin');
    await member('tech@yourmsp.com', 'acme', 'MSP technician in acme');
    await member('tech@yourmsp.com', 'eu-bank', 'MSP technician in eu-bank');
    expect(owner.size).toBeGreaterThan(1000);
    hub = await startHub(loadConfig({}, { port: 0, limits: NO_LIMITS }), { db, logger: createLogger('silent') });
  }, 120_000);

  afterAll(async () => {
    // eslint-disable-next-line no-console
    console.log(`[isolation] calls: ${counts.rest} REST + ${counts.mcp} /mcp; ids of another tenant: ${counts.foreign}, own: ${counts.own}, nowhere: ${counts.missing}; filter cases: ${counts.filters}`);
    await hub?.close();
    await db?.close();
  });

  async function call(caller: Caller, door: 'rest' | 'mcp', name: CallName | 'raw', id: string, raw?: { tool: string; args: Record<string, unknown>; path: string }): Promise<Outcome> {
    const spec = name === 'raw' ? undefined : BY_ID[name];
    const auth = { authorization: `Bearer ${caller.token}` };
    if (door === 'rest') {
      counts.rest++;
      const [method, path] = spec ? spec.rest(id) : ['GET', raw!.path];
      const res = await fetch(hub.url + path, { method, headers: auth, signal: AbortSignal.timeout(15_000) });
      const body = (await res.json()) as { error?: { code: string; message: string } };
      return { ok: res.status === 200, status: res.status, code: body.error?.code, message: body.error?.message, body };
    }
    counts.mcp++;
    const res = await fetch(`${hub.url}/mcp`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: spec?.tool ?? raw!.tool, arguments: spec ? spec.args(id) : raw!.args } }),
      signal: AbortSignal.timeout(15_000),
    });
    const rpc = (await res.json()) as { result?: { isError?: boolean; structuredContent?: unknown; content: { text: string }[] }; error?: unknown };
    expect(rpc.error, JSON.stringify(rpc)).toBeUndefined();
    const result = rpc.result!;
    if (!result.isError) return { ok: true, status: res.status, body: result.structuredContent };
    const m = /^Error \(([a-z_]+)\): (.*)$/s.exec(result.content[0]!.text);
    return { ok: false, status: res.status, code: m?.[1], message: m?.[2], body: result };
  }

  /** Every uuid in a successful answer belongs to the caller's tenant (or to no tenant-owned row). */
  function assertOwnRowsOnly(caller: Caller, body: unknown, what: string): void {
    const text = JSON.stringify(body);
    for (const found of text.match(UUID) ?? []) {
      const t = owner.get(found.toLowerCase());
      if (t !== undefined) expect(t, `${what}: ${found} of another tenant in the answer to ${caller.label}`).toBe(caller.tenant);
    }
  }

  const errorShape = (o: Outcome, id: string) => ({ status: o.status, code: o.code, message: o.message?.split(id).join('<id>') });

  it('never returns another tenant\u2019s row, and another tenant\u2019s id fails exactly like an id that exists nowhere', async () => {
    verifies('TENANT-3');
    const tenantIds = [...tenants.values()];
    const pickId = fc.record({
      source: fc.constantFrom<'other' | 'own' | 'nowhere'>('other', 'own', 'nowhere'),
      tenant: fc.constantFrom(...tenantIds),
      index: fc.nat(),
      fresh: fc.uuid({ version: 4 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...callers),
        fc.constantFrom(...(Object.keys(BY_ID) as CallName[])),
        fc.constantFrom<'rest' | 'mcp'>('rest', 'mcp'),
        pickId,
        async (caller, name, door, pick) => {
          const kind = BY_ID[name].kind;
          let id: string;
          let expectFound: boolean;
          if (pick.source === 'nowhere') {
            id = pick.fresh;
            expectFound = false;
          } else {
            const tenant = pick.source === 'own' ? caller.tenant : pick.tenant === caller.tenant ? tenantIds.find((t) => t !== caller.tenant)! : pick.tenant;
            const pool = ids[kind].get(tenant)!;
            id = pool[pick.index % pool.length]!;
            expectFound = tenant === caller.tenant;
          }
          counts[pick.source === 'other' ? 'foreign' : pick.source === 'own' ? 'own' : 'missing']++;
          const got = await call(caller, door, name, id);
          const listing = name === 'detections_of_agent' || name === 'alerts_of_agent';
          const what = `${caller.label} ${door} ${name} ${id}`;
          if (listing) {
            // A filter by a host that is not the caller's matches nothing: 200 with an empty list.
            expect(got.status, what).toBe(200);
            const body = got.body as { total: number };
            if (!expectFound) expect(body.total, what).toBe(0);
            assertOwnRowsOnly(caller, got.body, what);
            return;
          }
          if (expectFound && !(name === 'acknowledge' && caller.label === 'acme viewer')) {
            expect([got.status, got.ok], `${what}: ${JSON.stringify(got.body).slice(0, 300)}`).toEqual([200, true]);
            expect(JSON.stringify(got.body)).toContain(id);
            assertOwnRowsOnly(caller, got.body, what);
            return;
          }
          expect(got.ok, `${what} answered with data: ${JSON.stringify(got.body).slice(0, 300)}`).toBe(false);
          assertOwnRowsOnly(caller, got.body, what);
          // The same call with an id that exists nowhere: its error must be indistinguishable.
          const fresh = randomUUID();
          const control = await call(caller, door, name, fresh);
          expect(errorShape(got, id), what).toEqual(errorShape(control, fresh));
          if (caller.label !== 'acme viewer' || name !== 'acknowledge') expect(got.code, what).toBe('not_found');
        },
      ),
      { numRuns: 400, seed: 20260728, endOnFailure: true },
    );
    expect(counts.foreign).toBeGreaterThan(30);
  }, 120_000);

  it('answers filters naming another tenant\u2019s host or source IP with an empty list, on both doors', async () => {
    const other = (t: string) => [...tenants.values()].filter((x) => x !== t);
    for (const caller of callers) {
      // Source IPs seen only in another tenant (shared ones, like the Tor exit node, are the caller's data too).
      const r = await db.query<{ src_ip: string }>(
        `SELECT DISTINCT src_ip FROM detected_events d WHERE tenant_id = ANY($1::uuid[]) AND src_ip IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM detected_events o WHERE o.tenant_id = $2 AND o.src_ip = d.src_ip)
          ORDER BY src_ip LIMIT 4`,
        [other(caller.tenant), caller.tenant],
      );
      expect(r.rows.length).toBeGreaterThan(0);
      for (const { src_ip } of r.rows) {
        for (const door of ['rest', 'mcp'] as const) {
          counts.filters++;
          const got = await call(caller, door, 'raw', '', {
            tool: 'monsys_list_detections',
            args: { since: '30d', src_ip },
            path: `/v1/detections?since=30d&src_ip=${encodeURIComponent(src_ip)}`,
          });
          expect([got.status, (got.body as { total: number }).total], `${caller.label} ${door} src_ip=${src_ip}`).toEqual([200, 0]);
        }
      }
      // Another tenant's host as the filter of every list that takes one.
      for (const t of other(caller.tenant)) {
        const agent = ids.agent.get(t)![0]!;
        for (const name of ['detections_of_agent', 'alerts_of_agent'] as const) {
          for (const door of ['rest', 'mcp'] as const) {
            counts.filters++;
            const got = await call(caller, door, name, agent);
            expect([got.status, (got.body as { total: number }).total], `${caller.label} ${door} ${name}`).toEqual([200, 0]);
          }
        }
      }
    }
  }, 60_000);

  it('lists only the caller\u2019s tenant in every list tool, on both doors', async () => {
    verifies('TENANT-3');
    const lists: [string, string, Record<string, unknown>][] = [
      ['monsys_list_agents', '/v1/agents?limit=500', { limit: 500 }],
      ['monsys_list_alerts', '/v1/alerts?limit=500', { limit: 500 }],
      ['monsys_list_detections', '/v1/detections?since=30d&limit=500', { since: '30d', limit: 500 }],
      ['monsys_audit_log_search', '/v1/audit-log?since=90d&limit=500', { since: '90d', limit: 500 }],
      ['monsys_list_sla_overview', '/v1/sla', {}],
    ];
    for (const caller of callers.filter((c) => c.label !== 'acme viewer')) {
      for (const [tool, path, args] of lists) {
        for (const door of ['rest', 'mcp'] as const) {
          const got = await call(caller, door, 'raw', '', { tool, args, path });
          expect(got.status, `${caller.label} ${door} ${tool}`).toBe(200);
          const text = JSON.stringify(got.body);
          expect((text.match(UUID) ?? []).length, `${tool} returns rows`).toBeGreaterThan(0);
          assertOwnRowsOnly(caller, got.body, `${caller.label} ${door} ${tool}`);
        }
      }
    }
  }, 60_000);
  it('the console shows a member only their tenant: another tenant is the 404 of no tenant, its ids are not found', async () => {
    verifies('TENANT-3');
    // Browser sessions for the people above, made as the sign-in makes them (only the hash stored).
    const key = Buffer.from((await db.query<{ value: string }>("SELECT value FROM oauth_secrets WHERE name = 'cookie_key'")).rows[0]!.value, 'base64url');
    const people: { email: string; cookie: string; csrf: string; slugs: string[] }[] = [];
    for (const email of ['admin@acme.example', 'viewer@acme.example', 'admin@eu-bank.example', 'tech@yourmsp.com']) {
      const cookie = randomBytes(32).toString('base64url');
      const u = (await db.query<{ id: string }>('SELECT id FROM users WHERE email = $1', [email])).rows[0]!;
      await db.query(`INSERT INTO web_sessions (id_sha256, user_id, expires_at) VALUES ($1, $2, now() + interval '1 hour')`, [hashToken(cookie), u.id]);
      const slugs = (await db.query<{ slug: string }>('SELECT t.slug FROM memberships m JOIN tenants t ON t.id = m.tenant_id WHERE m.user_id = $1', [u.id])).rows.map((r) => r.slug);
      people.push({ email, cookie, csrf: csrfToken(key, 'console', hashToken(cookie)), slugs });
    }
    const slugs = [...tenants.keys(), 'no-such-tenant'];
    const tabs = ['connector', 'tokens', 'calls', 'acknowledgements', 'agents', 'security'];
    const get = (cookie: string, path: string) => fetch(hub.url + path, { headers: { cookie: `monsys_session=${cookie}` }, redirect: 'manual' });
    const nobody = await (await get(people[0]!.cookie, '/console/no-such-tenant/connector')).text();
    let pages = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat(people.length - 1), fc.constantFrom(...slugs), fc.constantFrom(...tabs), fc.constantFrom(...[...tenants.values()]), async (who, slug, tab, idTenant) => {
        const person = people[who]!;
        const res = await get(person.cookie, `/console/${slug}/${tab}`);
        const html = await res.text();
        pages++;
        if (!person.slugs.includes(slug)) {
          expect(res.status, `${person.email} at ${slug}`).toBe(404);
          expect(html).toBe(nobody);
          return;
        }
        expect([200, 403]).toContain(res.status);
        const own = tenants.get(slug)!;
        for (const found of html.match(UUID) ?? []) {
          const t = owner.get(found.toLowerCase());
          if (t !== undefined) expect(t, `${found} of another tenant on ${slug}/${tab} for ${person.email}`).toBe(own);
        }
        // Reopening a detection of another tenant: the error for an id that exists nowhere.
        const foreign = ids.detection.get(idTenant)?.[0];
        if (foreign && idTenant !== own) {
          const reopen = (detection: string) =>
            fetch(`${hub.url}/console/${slug}/acknowledgements/reopen`, {
              method: 'POST',
              headers: { cookie: `monsys_session=${person.cookie}`, 'content-type': 'application/x-www-form-urlencoded', origin: hub.url },
              body: new URLSearchParams({ csrf: person.csrf, detection }),
              redirect: 'manual',
            });
          const a = await reopen(foreign);
          const b = await reopen(randomUUID());
          expect(a.status).toBe(b.status);
          expect(a.status).not.toBe(303);
        }
      }),
      { numRuns: 120, seed: 20261204, endOnFailure: true },
    );
    expect(pages).toBe(120);
  }, 180_000);
});
