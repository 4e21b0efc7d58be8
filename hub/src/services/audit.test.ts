/**
 * monsys_audit_log_search on both databases: audit_log rows and tool calls (mcp_tool_invoked)
 * merged newest first, the filters and windows, other tenants kept out, and raw bodies never returned.
 */
import { describe, expect, it } from 'vitest';
import { DRIVERS, type TestDb } from '../../../test/harness/db.js';
import { callService, principalFor, RAW_BODIES, withFleetDb, type Fleet } from '../../../test/harness/fixtures.js';
import type { Principal } from '../auth/tokens.js';
import type { Queryable } from '../db/types.js';
import { verifies } from '../../../test/harness/verifies.js';

describe.each(DRIVERS)('monsys_audit_log_search on %s', (driver) => {
  let db: TestDb;
  let fleet: Fleet;
  let analyst: Principal;

  withFleetDb(driver, async (made, built) => {
    db = made;
    fleet = built;
    analyst = principalFor(fleet.A, fleet.users.analyst);
  });

  const search = (args: Record<string, unknown> = {}) => callService(db, analyst, 'monsys_audit_log_search', args);
  const ids = async (args: Record<string, unknown> = {}) => (await search(args)).events.map((e) => e.id);

  it('merges audit rows and tool calls of the last 24h by default, newest first', async () => {
    const r = await search();
    expect(r.events.map((e) => e.id)).toEqual([fleet.audit.login, fleet.calls.kpi, fleet.audit.grant]);
    expect(r.total).toBe(3);
    expect(r.events[0]).toEqual({
      id: fleet.audit.login, occurred_at: expect.any(String), event_type: 'user_login', actor_email: 'admin@acme.example',
      target_type: null, target_id: null, metadata: { ip: '10.0.0.9' },
    });
    expect(r.events[1]).toEqual({
      id: fleet.calls.kpi, occurred_at: expect.any(String), event_type: 'mcp_tool_invoked', actor_email: 'tech@msp.example',
      target_type: 'tool', target_id: 'monsys_kpi_summary',
      metadata: { tool_name: 'monsys_kpi_summary', door: 'rest', client_id: null, result_status: 'ok', duration_ms: 12.5, args_sha256: 'b'.repeat(64) },
    });
  });

  it('widens with since and filters by event type', async () => {
    expect(await ids({ since: '7d' })).toEqual([fleet.audit.login, fleet.calls.kpi, fleet.audit.grant, fleet.calls.notFound, fleet.audit.oldLogin]);
    expect((await search({ since: '90d' })).total).toBe(6);
    expect(await ids({ since: '7d', event_type: 'user_login' })).toEqual([fleet.audit.login, fleet.audit.oldLogin]);
    const calls = await search({ since: '7d', event_type: 'mcp_tool_invoked' });
    expect(calls.events.map((e) => e.id)).toEqual([fleet.calls.kpi, fleet.calls.notFound]);
    expect(calls.events[1]!.metadata).toMatchObject({ door: 'mcp', client_id: 'mcp_abc', result_status: 'not_found', tool_name: 'monsys_get_detection' });
    expect(await ids({ event_type: 'mcp_authorization_granted' })).toEqual([fleet.audit.grant]);
    expect(await ids({ since: '90d', event_type: 'no_such_event' })).toEqual([]);
  });

  it('filters by actor e-mail substring, case-insensitively and with wildcards taken literally', async () => {
    expect(await ids({ actor_email_contains: '@MSP.example' })).toEqual([fleet.calls.kpi, fleet.audit.grant]);
    expect(await ids({ since: '7d', actor_email_contains: 'admin@' })).toEqual([fleet.audit.login, fleet.calls.notFound]);
    expect(await ids({ since: '90d', actor_email_contains: '%' })).toEqual([]);
    expect(await ids({ since: '90d', actor_email_contains: '_' })).toEqual([]);
  });

  it('pages with the total before paging', async () => {
    const r = await search({ since: '7d', limit: 2, offset: 2 });
    expect(r.events.map((e) => e.id)).toEqual([fleet.audit.grant, fleet.calls.notFound]);
    expect(r.total).toBe(5);
  });

  it('never returns another tenant’s events, and never a raw body', async () => {
    verifies('PRIV-3');
    const all = await search({ since: '90d', limit: 500 });
    const text = JSON.stringify(all);
    expect(text).not.toContain(fleet.audit.bLogin);
    expect(text).not.toContain(fleet.calls.b);
    for (const body of RAW_BODIES) expect(text).not.toContain(body);
    expect(all.events.every((e) => !('body' in e))).toBe(true);
  });

  it('never reads the body column at all', async () => {
    verifies('PRIV-3');
    const seen: string[] = [];
    const spy: Queryable = {
      query: (sql, params) => {
        seen.push(sql);
        return db.query(sql, params);
      },
    };
    await callService({ ...db, query: spy.query }, analyst, 'monsys_audit_log_search', { since: '90d' });
    expect(seen.length).toBeGreaterThan(0);
    for (const sql of seen) expect(sql).not.toMatch(/\bbody\b|\*\s+FROM\s+audit_log|\bl\.\*/i);
  });
});
