/**
 * The second outside review's attacks on counts and races, reproduced against a real hub process on
 * PostgreSQL (docs/security.md, "Second review: concurrency and proxies"): parallel password guesses,
 * parallel tool calls, parallel first heartbeats, refresh-token replays, tokens at the wrong door, a
 * call whose log row cannot be written, a sibling app's cookie, agent clocks in the future.
 */
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueEnrollmentToken } from '../hub/src/ingest/tokens.js';
import { sweepExpired } from '../hub/src/oauth/adapter.js';
import { openPg } from '../hub/src/db/pg.js';
import type { Db } from '../hub/src/db/types.js';
import { FormAgent, formOf } from './harness/browser.js';
import { spawnHub, type HubProcess } from './harness/hub.js';
import { oauthFlow } from './harness/oauth-flow.js';

const OWNER = { email: 'owner@acme.example', password: 'correct horse battery staple' };
/** The account the OAuth flows sign in with, so the guessing test's lockout of OWNER does not reach them. */
const ANALYST = { email: 'analyst@acme.example', password: 'an analyst password' };
const INGEST_LIMIT = 20;

/** fetch from another loopback address: another client, as the hub sees it. */
function fetchFrom(localAddress: string): { fetch: typeof globalThis.fetch; close(): Promise<void> } {
  // undici's connect options do not carry localAddress to the socket; a connector of our own does.
  const agent = new Agent({
    connect: (o, cb) => {
      const socket = connect({ host: o.hostname, port: Number(o.port), localAddress });
      socket.once('connect', () => cb(null, socket));
      socket.once('error', (err) => cb(err, null));
    },
  });
  return {
    fetch: ((input: string | URL, init?: RequestInit) => undiciFetch(input, { ...(init as object), dispatcher: agent } as never)) as unknown as typeof globalThis.fetch,
    close: () => agent.close(),
  };
}

/** Waits until the current fixed window has at least `needSeconds` left, so a burst falls in one window. */
async function awayFromWindowEdge(windowSeconds: number, needSeconds: number): Promise<void> {
  const left = windowSeconds - ((Date.now() / 1000) % windowSeconds);
  if (left < needSeconds) await new Promise((r) => setTimeout(r, left * 1000 + 250));
}

const heartbeat = (agentId: string, hostname = 'web-01') => ({
  agent_id: agentId,
  hostname,
  ip: '10.0.4.17',
  os: 'Debian GNU/Linux 12 (bookworm)',
  os_release: { id: 'debian', version_id: '12' },
  kernel_version: '6.1.0-18-amd64',
  cpu_pct: 1,
  mem_pct: 2,
  disk_pct: 3,
});

describe('second review: concurrency against a real hub on PostgreSQL', () => {
  let hub: HubProcess;
  let db: Db;
  let bearer: string;
  /** Another user's token, for the burst: its budget is spent by that test alone. */
  let burstBearer: string;
  const flow = oauthFlow(() => hub.url, ANALYST);

  const ingest = (token: string, path: string, body: object) =>
    fetch(`${hub.url}/v1/ingest/${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  /** A fresh enrollment token (written to the hub's database as `hub enroll issue` does, without a CLI start per token). */
  const enroll = async (slug = 'acme') => {
    const tenant = await db.query<{ id: string }>('SELECT id FROM tenants WHERE slug = $1', [slug]);
    return (await issueEnrollmentToken(db, tenant.rows[0]!.id, `agent-${randomUUID().slice(0, 8)}`)).value;
  };
  const mcpList = (token: string) =>
    fetch(`${hub.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });

  beforeAll(async () => {
    hub = await spawnHub({
      before: [
        ['tenant', 'create', 'acme', 'Acme Manufacturing'],
        ['tenant', 'enable', 'acme'],
        ['tenant', 'create', 'eu-bank', 'EU Bank'],
        ['tenant', 'enable', 'eu-bank'],
      ],
      env: { INGEST_RATE_LIMIT_PER_TOKEN: String(INGEST_LIMIT), MCP_RATE_LIMIT_PER_TENANT: '100000' },
    });
    await hub.cli(['user', 'add', OWNER.email, '--tenant', 'acme', '--role', 'admin', '--password-stdin'], OWNER.password);
    bearer = (await hub.cli(['token', 'issue', '--tenant', 'acme', '--user', OWNER.email, '--scope', 'mcp.read', 'mcp.acknowledge'])).trim();
    await hub.cli(['user', 'add', ANALYST.email, '--tenant', 'acme', '--role', 'analyst', '--password-stdin'], ANALYST.password);
    await hub.cli(['user', 'add', 'burst@acme.example', '--tenant', 'acme', '--role', 'viewer', '--password-stdin'], 'another long password');
    burstBearer = (await hub.cli(['token', 'issue', '--tenant', 'acme', '--user', 'burst@acme.example'])).trim();
    db = await openPg(hub.databaseUrl!, { max: 2 });
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await hub?.stop();
  });

  it('finding 2: of 300 parallel wrong passwords for one account, at most the limit are checked, and the owner still signs in', async () => {
    const attacker = new FormAgent(hub.url);
    const page = await attacker.go('/login');
    const { action, fields } = formOf(page.html);
    const statuses = await Promise.all(
      Array.from({ length: 300 }, (_, i) => attacker.request(action, { form: { ...fields, email: OWNER.email, password: `guess ${i}` } }).then((r) => r.status)),
    );
    const checked = statuses.filter((s) => s === 401).length;
    expect(checked).toBeGreaterThan(0);
    expect(checked).toBeLessThanOrEqual(10);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    // From the attacker's address the account stays closed for the window ...
    const again = await attacker.request(action, { form: { ...fields, email: OWNER.email, password: OWNER.password } });
    expect(again.status).toBe(429);
    // ... and the owner, elsewhere, signs in.
    const elsewhere = fetchFrom('127.0.0.2');
    try {
      const owner = new FormAgent(hub.url, elsewhere.fetch);
      const form = formOf((await owner.go('/login')).html);
      const signedIn = await owner.request(form.action, { form: { ...form.fields, email: OWNER.email, password: OWNER.password } });
      expect(signedIn.status).toBe(303);
      expect(owner.jar.has('monsys_session')).toBe(true);
      // The right password gave its attempt back: signing in often never locks anyone out.
      for (let i = 0; i < 12; i++) {
        const o = new FormAgent(hub.url, elsewhere.fetch);
        const f = formOf((await o.go('/login')).html);
        expect((await o.request(f.action, { form: { ...f.fields, email: OWNER.email, password: OWNER.password } })).status).toBe(303);
      }
    } finally {
      await elsewhere.close();
    }
  }, 120_000);

  it('finding 4: of 400 concurrent calls with one token, no more than the limit of 120 a minute are answered, however many are in flight', async () => {
    await awayFromWindowEdge(60, 20);
    const responses = await Promise.all(Array.from({ length: 400 }, () => fetch(`${hub.url}/v1/trust-score`, { headers: { authorization: `Bearer ${burstBearer}` } })));
    const ok = responses.filter((r) => r.status === 200).length;
    const limited = responses.filter((r) => r.status === 429);
    await Promise.all(responses.map((r) => r.arrayBuffer()));
    expect(ok).toBe(120);
    expect(limited.length).toBe(280);
    expect(Number(limited[0]!.headers.get('retry-after'))).toBeGreaterThan(0);
    // The other door shares the budget: /mcp is refused too.
    const viaMcp = await fetch(`${hub.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${burstBearer}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'monsys_get_trust_score', arguments: {} } }),
    });
    expect(viaMcp.status).toBe(429);
  }, 120_000);

  it('finding 7: ten concurrent first heartbeats with ten agent ids bind the token to one agent; the rest are refused, not created', async () => {
    const token = await enroll();
    const ids = Array.from({ length: 10 }, () => randomUUID());
    const statuses = await Promise.all(ids.map((id) => ingest(token, 'heartbeat', heartbeat(id)).then((r) => r.status)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 403)).toHaveLength(9);
    const created = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM agents WHERE id = ANY($1::uuid[])', [ids]);
    expect(created.rows[0]!.n).toBe(1);
  });

  it('finding 7: two tenants racing to enroll one new agent id get 200 and 403, never a 500', async () => {
    for (let round = 0; round < 8; round++) {
      const [a, b] = await Promise.all([enroll('acme'), enroll('eu-bank')]);
      const id = randomUUID();
      const statuses = await Promise.all([ingest(a, 'heartbeat', heartbeat(id)), ingest(b, 'heartbeat', heartbeat(id))].map((p) => p.then((r) => r.status)));
      expect(statuses.sort()).toEqual([200, 403]);
    }
  });

  it('finding 8: a detection dated in the future is refused naming the field; one agent cannot flood the ingest API', async () => {
    const token = await enroll();
    const agent = randomUUID();
    expect((await ingest(token, 'heartbeat', heartbeat(agent))).status).toBe(200);
    const future = await ingest(token, 'events', {
      agent_id: agent,
      detections: [{ id: randomUUID(), kind: 'port_scan', severity: 'low', title: 'Port scan', description: 'x', detected_at: '2099-01-01T00:00:00Z' }],
    });
    expect(future.status).toBe(400);
    const body = (await future.json()) as { error: { message: string; field: string } };
    expect(body.error.field).toBe('detections.0.detected_at');
    expect(body.error.message).toMatch(/future/);
    const stored = await db.query('SELECT 1 FROM detected_events WHERE agent_id = $1', [agent]);
    expect(stored.rows).toHaveLength(0);

    await awayFromWindowEdge(60, 15);
    const burst = await Promise.all(Array.from({ length: 40 }, () => ingest(token, 'heartbeat', heartbeat(agent)).then((r) => r.status)));
    // Two requests of this window were spent above.
    expect(burst.filter((s) => s === 200)).toHaveLength(INGEST_LIMIT - 2);
    expect(burst.filter((s) => s === 429)).toHaveLength(40 - INGEST_LIMIT + 2);
  });

  it('finding 12: a rotated refresh token answers one concurrent duplicate; replayed further, it ends the grant instead of minting pairs', async () => {
    const t = await flow.tokensFor({ resource: `${hub.url}/v1` });
    const refresh = (rt: string) => flow.token({ grant_type: 'refresh_token', refresh_token: rt, client_id: t.clientId });
    // Two refreshes at once (a client on two egress addresses): both answered.
    const pair = await Promise.all([refresh(t.refresh_token), refresh(t.refresh_token)]);
    expect(pair.map((r) => r.status)).toEqual([200, 200]);
    // Twenty more replays of the same token: none answered, and the whole grant is gone.
    const replays = await Promise.all(Array.from({ length: 20 }, () => refresh(t.refresh_token)));
    expect(replays.filter((r) => r.status === 200)).toHaveLength(0);
    expect(replays.every((r) => r.json.error === 'invalid_grant')).toBe(true);
    const live = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM mcp_access_tokens WHERE client_id = $1 AND revoked_at IS NULL', [t.clientId]);
    expect(live.rows[0]!.n).toBe(0);
    for (const r of pair) expect((await refresh(r.json.refresh_token as string)).json.error).toBe('invalid_grant');
  }, 60_000);

  it('finding 14: a token is good only at the door it was issued for', async () => {
    const forRest = await flow.tokensFor({ resource: `${hub.url}/v1` });
    const forMcp = await flow.tokensFor({ resource: `${hub.url}/mcp` });
    const rest = (token: string) => fetch(`${hub.url}/v1/trust-score`, { headers: { authorization: `Bearer ${token}` } });
    expect((await rest(forRest.access_token)).status).toBe(200);
    expect((await mcpList(forMcp.access_token)).status).toBe(200);
    const wrongAtRest = await rest(forMcp.access_token);
    expect(wrongAtRest.status).toBe(401);
    expect(wrongAtRest.headers.get('www-authenticate')).toContain(`resource_metadata="${hub.url}/.well-known/oauth-protected-resource/v1"`);
    expect((await mcpList(forRest.access_token)).status).toBe(401);
    const prm = (await (await fetch(`${hub.url}/.well-known/oauth-protected-resource/v1`)).json()) as { resource: string };
    expect(prm.resource).toBe(`${hub.url}/v1`);
  }, 60_000);

  it('finding 15: a call whose log row cannot be written is answered with an error, and the hub says so in its log', async () => {
    await db.exec(`CREATE FUNCTION refuse_call_log() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'call log refused by the test'; END $$;
      CREATE TRIGGER refuse_call_log BEFORE INSERT ON mcp_call_log FOR EACH ROW WHEN (NEW.tool_name = 'monsys_kpi_summary') EXECUTE FUNCTION refuse_call_log();`);
    try {
      const r = await fetch(`${hub.url}/v1/kpi-summary`, { headers: { authorization: `Bearer ${bearer}` } });
      const body = (await r.json()) as { error: { code: string; message: string; recorded: boolean } };
      expect(r.status).toBe(503);
      expect(body.error.code).toBe('database_unavailable');
      expect(body.error.recorded).toBe(false);
      expect(body.error.message).toMatch(/could not record this call/);
      await expect.poll(() => hub.logs(), { timeout: 5000 }).toContain('call log row not written');
      // Other tools still log and answer.
      expect((await fetch(`${hub.url}/v1/trust-score`, { headers: { authorization: `Bearer ${bearer}` } })).status).not.toBe(503);
    } finally {
      await db.exec('DROP TRIGGER refuse_call_log ON mcp_call_log; DROP FUNCTION refuse_call_log();');
    }
  });

  it('finding 11: a sibling app cookie with bad percent-encoding does not break sign-in', async () => {
    const agent = new FormAgent(hub.url);
    agent.jar.set('other_app', '%E0%A4%A');
    const page = await agent.go('/login');
    expect(page.res.status).toBe(200);
    const { action, fields } = formOf(page.html);
    const elsewhere = fetchFrom('127.0.0.3');
    try {
      const viaOther = new FormAgent(hub.url, elsewhere.fetch);
      for (const [k, v] of agent.jar) viaOther.jar.set(k, v);
      const signedIn = await viaOther.request(action, { form: { ...fields, email: OWNER.email, password: OWNER.password } });
      expect(signedIn.status).toBe(303);
      const settings = await viaOther.go('/settings/mcp-tokens');
      expect(settings.res.status).toBe(200);
    } finally {
      await elsewhere.close();
    }
  });

  it('finding 3: a registered client nobody connected with is swept after a day; one in use stays', async () => {
    const unused = await flow.newClient();
    const used = await flow.tokensFor({ resource: `${hub.url}/v1` });
    await db.query(`UPDATE oauth_clients SET created_at = now() - interval '2 days' WHERE client_id = ANY($1::text[])`, [[unused, used.clientId]]);
    await sweepExpired(db);
    const left = await db.query<{ client_id: string }>('SELECT client_id FROM oauth_clients WHERE client_id = ANY($1::text[])', [[unused, used.clientId]]);
    expect(left.rows.map((r) => r.client_id)).toEqual([used.clientId]);
  }, 60_000);

  it('finding 9: /metrics answers a loopback operator, not a request a proxy forwarded', async () => {
    expect((await fetch(`${hub.url}/metrics`)).status).toBe(200);
    for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip']) {
      expect((await fetch(`${hub.url}/metrics`, { headers: { [header]: header === 'forwarded' ? 'for=203.0.113.7' : '203.0.113.7' } })).status, header).toBe(403);
    }
  });
});
