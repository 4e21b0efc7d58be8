/**
 * Sovereignty mode: with pseudonymize on, no hostname, IP, user name or e-mail address of the
 * tenant appears in any tool output (REST or /mcp), pseudonyms are stable, and the product page's
 * investigation routine still works end to end on pseudonyms.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE, type ToolName } from '../shared/index.js';
import { fieldsOf, mapFields } from '../shared/fields.js';
import { issueAccessToken } from '../hub/src/auth/tokens.js';
import { setTenantPseudonymize } from '../hub/src/admin/accounts.js';
import { loadConfig } from '../hub/src/config.js';
import { createLogger } from '../hub/src/logger.js';
import { seedDemo } from '../hub/src/seed/index.js';
import { startHub, type RunningHub } from '../hub/src/server.js';
import { freshDb, type TestDb } from './harness/db.js';
import { verifies } from './harness/verifies.js';

const PSEUDONYM = /^(host|ip|user|email)-[0-9a-f]{12}$/;

describe('sovereignty mode (pseudonymize)', () => {
  let db: TestDb;
  let hub: RunningHub;
  let token: string;
  let identifiers: string[];
  const outputs = new Map<ToolName, unknown>();

  const get = async (path: string) => {
    const res = await fetch(hub.url + path, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as any;
    expect(res.status, JSON.stringify(body).slice(0, 300)).toBe(200);
    return body;
  };

  beforeAll(async () => {
    db = await freshDb('pg');
    await seedDemo(db, { seed: 11 });
    const acme = await setTenantPseudonymize(db, 'acme', true);
    const u = await db.query<{ id: string }>("SELECT id FROM users WHERE email = 'tech@yourmsp.com'");
    token = (await issueAccessToken(db, { tenantId: acme.id, userId: u.rows[0]!.id, scopes: ['mcp.read', 'mcp.acknowledge'] })).value;
    const ids = await db.query<{ v: string }>(
      `SELECT hostname AS v FROM agents WHERE tenant_id = $1 UNION SELECT split_part(hostname, '.', 1) FROM agents WHERE tenant_id = $1
       UNION SELECT ip FROM agents WHERE tenant_id = $1
       UNION SELECT src_ip FROM detected_events WHERE tenant_id = $1 AND src_ip IS NOT NULL
       UNION SELECT src_ip FROM auth_events WHERE tenant_id = $1
       UNION SELECT u.email FROM users u JOIN memberships m ON m.user_id = u.id WHERE m.tenant_id = $1
       UNION SELECT actor_email FROM audit_log WHERE tenant_id = $1 AND actor_email IS NOT NULL`,
      [acme.id],
    );
    // Short host names like "db-1" are too generic to search for as substrings; the rest must never appear.
    identifiers = ids.rows.map((r) => r.v).filter((v) => v.length >= 7);
    expect(identifiers.length).toBeGreaterThan(100);
    hub = await startHub(loadConfig({}, { port: 0, limits: { maxBodyBytes: 65536, perToken: 0, perTenant: 0, windowSeconds: 60 } }), {
      db,
      logger: createLogger('silent'),
    });

    const agents = await get('/v1/agents?limit=500');
    const detections = await get('/v1/detections?since=30d&limit=500');
    const withIp = detections.detections.find((d: any) => d.src_ip);
    outputs.set('monsys_list_agents', agents);
    outputs.set('monsys_get_agent', await get(`/v1/agents/${agents.agents[0].id}`));
    outputs.set('monsys_trust_score', await get('/v1/trust-score'));
    outputs.set('monsys_list_alerts', await get('/v1/alerts?limit=500'));
    outputs.set('monsys_list_detections', detections);
    outputs.set('monsys_get_detection', await get(`/v1/detections/${withIp.id}`));
    outputs.set('monsys_list_kernel_cves', await get('/v1/cves/kernel?limit=500'));
    outputs.set('monsys_list_os_cves', await get('/v1/cves/os?limit=500'));
    outputs.set('monsys_list_sla_overview', await get('/v1/sla'));
    outputs.set('monsys_audit_log_search', await get('/v1/audit-log?since=30d&limit=500'));
    outputs.set('monsys_kpi_summary', await get('/v1/kpi-summary'));
    const ackRes = await fetch(`${hub.url}/v1/detections/${withIp.id}/acknowledge`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    outputs.set('monsys_acknowledge_detection', await ackRes.json());
  }, 120_000);
  afterAll(async () => {
    await hub?.close();
    await db?.close();
  });

  it('puts a pseudonym in every identifier field of every tool', () => {
    let checked = 0;
    for (const tool of CATALOGUE) {
      mapFields(tool.output, outputs.get(tool.name), (tag, leaf, path) => {
        if (['hostname', 'ip', 'user', 'email'].includes(tag.kind) && typeof leaf === 'string') {
          expect(leaf, `${tool.name} ${path}`).toMatch(PSEUDONYM);
          checked++;
        }
        return leaf;
      });
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('lets no hostname, IP or e-mail address of the tenant appear anywhere in any output', () => {
    verifies('PRIV-5');
    // Pseudonyms out first: "email-04…" would otherwise match a host called "mail-04".
    const text = JSON.stringify([...outputs.values()])
      .replace(/\b(host|ip|user|email)-[0-9a-f]{12}\b/g, '<pseudonym>')
      .toLowerCase();
    const leaked = identifiers.filter((v) => text.includes(v.toLowerCase()));
    expect(leaked).toEqual([]);
  });

  it('keeps pseudonyms stable across answers', () => {
    const list = outputs.get('monsys_list_agents') as any;
    const one = outputs.get('monsys_get_agent') as any;
    expect(one.agent.hostname).toBe(list.agents[0].hostname);
    expect(one.agent.ip).toBe(list.agents[0].ip);
  });

  it('runs the unknown source-IP investigation on pseudonyms', async () => {
    verifies('ROUTINE-2', 'PRIV-5');
    const drill = outputs.get('monsys_get_detection') as any;
    const ip = drill.detection.src_ip as string;
    expect(ip).toMatch(/^ip-/);
    const byIp = await get(`/v1/detections?since=30d&src_ip=${ip}&limit=500`);
    expect(byIp.total).toBeGreaterThan(0);
    expect(byIp.detections.every((d: any) => d.src_ip === ip)).toBe(true);
    expect(byIp.detections.map((d: any) => d.id)).toContain(drill.detection.id);
    const audit = await get('/v1/audit-log?actor_email_contains=@yourmsp.com&since=30d');
    expect(audit.total).toBeGreaterThan(0);
    expect(audit.events.every((e: any) => e.actor_email === null || PSEUDONYM.test(e.actor_email))).toBe(true);
    // A pseudonym the hub never issued finds nothing, rather than being searched for literally.
    expect((await get('/v1/detections?since=30d&src_ip=ip-000000000000')).total).toBe(0);
  });

  it('serves the same pseudonyms over /mcp, in structured and text content', async () => {
    const res = await fetch(`${hub.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'monsys_list_agents', arguments: { limit: 500 } } }),
    });
    const body = (await res.json()) as any;
    expect(body.result.structuredContent.agents[0].hostname).toBe((outputs.get('monsys_list_agents') as any).agents[0].hostname);
    const text = JSON.stringify(body).toLowerCase();
    expect(identifiers.filter((v) => text.includes(v.toLowerCase()))).toEqual([]);
  });

  it('leaves a tenant without the mode untouched', async () => {
    const eu = await db.query<{ id: string }>("SELECT id FROM tenants WHERE slug = 'eu-bank'");
    const u = await db.query<{ id: string }>("SELECT id FROM users WHERE email = 'tech@yourmsp.com'");
    const t = (await issueAccessToken(db, { tenantId: eu.rows[0]!.id, userId: u.rows[0]!.id, scopes: ['mcp.read'] })).value;
    const res = await fetch(`${hub.url}/v1/agents?limit=1`, { headers: { authorization: `Bearer ${t}` } });
    const body = (await res.json()) as any;
    expect(body.agents[0].hostname).not.toMatch(PSEUDONYM);
    expect(fieldsOf(CATALOGUE[0].output).length).toBeGreaterThan(0);
  });
});
