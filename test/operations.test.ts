/** Operations: health and readiness (also with the database down), Prometheus metrics, graceful shutdown. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueAccessToken } from '../hub/src/auth/tokens.js';
import { loadConfig, ConfigError } from '../hub/src/config.js';
import { DatabaseUnavailableError, type Db } from '../hub/src/db/types.js';
import { createLogger } from '../hub/src/logger.js';
import { startHub, type RunningHub } from '../hub/src/server.js';
import { freshDb, type TestDb } from './harness/db.js';

/** A database that can be made to fail or to stall, to test what the hub does then. */
function controllable(db: Db) {
  const state = { down: false, delayMs: 0 };
  const wrapped: Db = {
    ...db,
    async query(sql, params) {
      if (state.down) throw new DatabaseUnavailableError('down');
      if (state.delayMs) await new Promise((r) => setTimeout(r, state.delayMs));
      return db.query(sql, params);
    },
    transaction: (fn) => (state.down ? Promise.reject(new DatabaseUnavailableError('down')) : db.transaction(fn)),
  };
  return { db: wrapped, state };
}

describe('operations', () => {
  let base: TestDb;
  let hub: RunningHub;
  let ctl: ReturnType<typeof controllable>;
  let token: string;
  const silent = createLogger('silent');

  beforeAll(async () => {
    base = await freshDb('pg');
    const tenant = randomUUID();
    const user = randomUUID();
    await base.query("INSERT INTO tenants (id, slug, name, mcp_enabled) VALUES ($1, 'ops', 'Ops', true)", [tenant]);
    await base.query("INSERT INTO users (id, email, name) VALUES ($1, 'ops@ops.example', 'Ops')", [user]);
    await base.query("INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'admin')", [tenant, user]);
    token = (await issueAccessToken(base, { tenantId: tenant, userId: user, scopes: ['mcp.read'] })).value;
    ctl = controllable(base);
    hub = await startHub(loadConfig({}, { port: 0 }), { db: ctl.db, logger: silent });
  });
  afterAll(async () => {
    await hub?.close();
    await base?.close();
  });

  it('answers /healthz and /readyz while the database is up', async () => {
    expect(await (await fetch(`${hub.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${hub.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('fails /readyz and answers tool calls with 503 + Retry-After while the database is down, and recovers', async () => {
    ctl.state.down = true;
    try {
      const ready = await fetch(`${hub.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { reason: string }).reason).toBe('database unreachable');
      const call = await fetch(`${hub.url}/v1/agents`, { headers: { authorization: `Bearer ${token}` } });
      expect(call.status).toBe(503);
      expect(call.headers.get('retry-after')).toBe('5');
      const body = (await call.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('database_unavailable');
      expect(body.error.message).toMatch(/cannot reach its database/);
      expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
    } finally {
      ctl.state.down = false;
    }
    expect((await fetch(`${hub.url}/readyz`)).status).toBe(200);
  });

  it('serves Prometheus metrics with request, tool and pool series to loopback callers', async () => {
    await fetch(`${hub.url}/v1/agents`, { headers: { authorization: `Bearer ${token}` } });
    const res = await fetch(`${hub.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const name of [
      'monsys_http_requests_total',
      'monsys_http_request_duration_seconds_bucket',
      'monsys_tool_calls_total',
      'monsys_tool_call_duration_seconds_bucket',
      'monsys_db_pool_connections',
      'monsys_hub_process_resident_memory_bytes',
    ]) {
      expect(text, name).toContain(name);
    }
    expect(text).toMatch(/monsys_tool_calls_total\{tool="monsys_list_agents",door="rest",status="[a-z_]+"\} \d+/);
    expect(text).toContain('route="/v1/agents"');
    expect(text).not.toContain(token);
  });

  it('drains an in-flight request on shutdown, then stops accepting', async () => {
    const db2 = controllable(base);
    const hub2 = await startHub(loadConfig({}, { port: 0 }), { db: db2.db, logger: silent });
    db2.state.delayMs = 300;
    const started = Date.now();
    const inFlight = fetch(`${hub2.url}/v1/agents`, { headers: { authorization: `Bearer ${token}` } });
    await new Promise((r) => setTimeout(r, 150));
    const closed = hub2.close();
    const res = await inFlight;
    // The answer arrived whole after close() began: it was drained, not cut.
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { agents: unknown[] }).agents).toEqual([]);
    await closed;
    await expect(fetch(`${hub2.url}/healthz`)).rejects.toThrow();
  });

  it('refuses invalid configuration with a message naming the variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL: must be a postgres:\/\/ URL/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => loadConfig({ FLEET_FACTS_TTL_SECONDS: 'soon' })).toThrow(/FLEET_FACTS_TTL_SECONDS/);
    expect(() => loadConfig({ FLEET_FACTS_TTL_SECONDS: '-1' })).toThrow(/FLEET_FACTS_TTL_SECONDS/);
    expect(() => loadConfig({ PG_JIT_OFF: 'no' })).toThrow(/PG_JIT_OFF/);
    expect(() => loadConfig({ PG_PREPARED_STATEMENTS: '0' })).toThrow(/PG_PREPARED_STATEMENTS/);
    expect(loadConfig({ FLEET_FACTS_TTL_SECONDS: '30' }).fleetFactsTtlMs).toBe(30_000);
    expect(loadConfig({}).pg).toEqual({ preparedStatements: true, jitOff: true });
    expect(loadConfig({ PORT: '9000', PUBLIC_URL: 'https://api.example.com/' }).publicUrl).toBe('https://api.example.com');
  });
});
