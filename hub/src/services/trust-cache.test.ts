/** The per-instance trust cache: fresh answers within the TTL, one refresh when stale, invalidation on writes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../../../test/harness/db.js';
import { fixtures, principalFor } from '../../../test/harness/fixtures.js';
import { cachedTrust, invalidateTrust } from './trust.js';

describe('trust cache', () => {
  let db: TestDb;
  let ctx: Parameters<typeof cachedTrust>[0];
  let tenant: string;
  const f = () => fixtures(db);

  beforeAll(async () => {
    db = await freshDb('pglite');
    tenant = await f().tenant({ slug: 'cache' });
    const user = await f().user(tenant, { email: 'a@cache.example', role: 'admin' });
    await f().agent(tenant, { hostname: 'h1', ip: '10.0.0.1', tags: [], status: 'online' });
    ctx = { db, principal: principalFor({ id: tenant, slug: 'cache' }, { id: user, email: 'a@cache.example', role: 'admin' }) };
  });
  afterAll(async () => db?.close());

  it('serves the cached facts within the TTL and fresh ones after invalidation', async () => {
    const first = await cachedTrust(ctx, 60_000);
    expect(first.facts.agents_total).toBe(1);
    await f().agent(tenant, { hostname: 'h2', ip: '10.0.0.2', tags: [], status: 'offline' });
    const cached = await cachedTrust(ctx, 60_000);
    expect(cached.facts.agents_total).toBe(1);
    expect(cached.output.computed_at).toBe(first.output.computed_at);
    invalidateTrust(db, tenant);
    expect((await cachedTrust(ctx, 60_000)).facts.agents_total).toBe(2);
  });

  it('serves a stale answer once while one refresh runs, then the refreshed one', async () => {
    // TTL 500 ms: stale after it, recomputed before answering only past 2 s, which a loaded machine's
    // insert and timer cannot reach.
    invalidateTrust(db, tenant);
    await cachedTrust(ctx, 500);
    await f().agent(tenant, { hostname: 'h3', ip: '10.0.0.3', tags: [], status: 'online' });
    await new Promise((r) => setTimeout(r, 600));
    const stale = await cachedTrust(ctx, 500);
    expect(stale.facts.agents_total).toBe(2);
    // The refresh runs in the background; within the stale window later calls see its result.
    let refreshed = stale;
    for (let i = 0; i < 50 && refreshed.facts.agents_total !== 3; i++) {
      await new Promise((r) => setTimeout(r, 10));
      refreshed = await cachedTrust(ctx, 500);
    }
    expect(refreshed.facts.agents_total).toBe(3);
  });

  it('computes every time with a TTL of 0', async () => {
    await f().agent(tenant, { hostname: 'h4', ip: '10.0.0.4', tags: [], status: 'online' });
    expect((await cachedTrust(ctx, 0)).facts.agents_total).toBe(4);
  });
});
