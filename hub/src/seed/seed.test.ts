/**
 * The demo data on both drivers: deterministic from the seed, every severity, category and
 * detection kind present, the stories the product page's routines rely on, the opted-out
 * tenant, SLA statuses spread, tenants kept apart, and the scale knob.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertCategory, DetectionKind, Id, Severity } from '../../../shared/schemas.js';
import { TRUST_COMPONENTS } from '../../../shared/tools/trust-score.js';
import { DRIVERS, freshDb, type TestDb } from '../../../test/harness/db.js';
import { verifyPassword } from '../auth/passwords.js';
import { slaFigures } from '../services/sla.js';
import { computeTrust } from '../services/trust.js';
import { withDeferredIndexes } from './bulk.js';
import { agentTotal } from './fleet.js';
import { AUDIT_BODY_MARKER, DEMO_ACCOUNTS, bulkVolume, PLANTED_INJECTIONS, SeedError, TOR_EXIT_IP, VOLUME_PER_SCALE, seedDemo, type SeedSummary } from './index.js';

type Q = { query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[] }> };
const one = async <T>(db: Q, sql: string, params: unknown[] = []) => (await db.query<T>(sql, params)).rows[0]!;
const num = async (db: Q, sql: string, params: unknown[] = []) => Number((await one<{ n: number }>(db, sql, params)).n);
const tenantId = (db: Q, slug: string) => one<{ id: string }>(db, 'SELECT id FROM tenants WHERE slug = $1', [slug]).then((r) => r.id);

/** Times as seconds after the seed's own anchor (the oldest tenant's created_at), so two seeds minutes apart compare equal. */
const at = (col: string) => `coalesce(extract(epoch from ${col} - (SELECT min(created_at) FROM tenants))::text, '-')`;
const FINGERPRINTS: Record<string, string> = {
  tenants: `SELECT id || slug || mcp_enabled AS x FROM tenants`,
  users: `SELECT id || email || name AS x FROM users`,
  memberships: `SELECT tenant_id || '/' || user_id || role AS x FROM memberships`,
  agents: `SELECT concat_ws('|', tenant_id, id, hostname, ip, country_code, os, kernel_version, tags::text, status, cpu_pct, mem_pct, disk_pct, ${at('last_seen_at')}) AS x FROM agents`,
  agent_packages: `SELECT concat_ws('|', agent_id, ecosystem, name, version) AS x FROM agent_packages`,
  vuln_matches: `SELECT concat_ws('|', agent_id, advisory_id, installed_version, ${at('first_seen_at')}, ${at('resolved_at')}) AS x FROM vuln_matches`,
  alerts: `SELECT concat_ws('|', id, agent_id, severity, category, title, description, status, ${at('created_at')}, ${at('resolved_at')}) AS x FROM alerts`,
  detected_events: `SELECT concat_ws('|', id, agent_id, kind, severity, title, description, src_ip, src_country, target_user, process_cmdline, user_agent,
                      ${at('detected_at')}, ${at('acked_at')}, acked_by, ack_note) AS x FROM detected_events`,
  auth_events: `SELECT concat_ws('|', id, agent_id, username, src_ip, src_country, method, success, detection_id, ${at('occurred_at')}) AS x FROM auth_events`,
  // Hour buckets and days depend on which hour/day the seed ran in: compared by values in order.
  sla_observations: `SELECT concat_ws('|', target_id, row_number() OVER (PARTITION BY target_id ORDER BY bucket_at), good, total) AS x FROM sla_observations`,
  // Its values are anchored on the live Trust Score at seeding time (windows end at now()), so only the shape is compared.
  trust_score_history: `SELECT concat_ws('|', tenant_id, row_number() OVER (PARTITION BY tenant_id ORDER BY day)) AS x FROM trust_score_history`,
  audit_log: `SELECT concat_ws('|', id, event_type, actor_user_id, actor_email, target_id, metadata::text, ${at('occurred_at')}) AS x FROM audit_log`,
};

async function fingerprint(db: Q): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [table, sql] of Object.entries(FINGERPRINTS)) {
    const r = await one<{ n: number; h: string }>(db, `SELECT count(*)::int AS n, md5(coalesce(string_agg(x, ',' ORDER BY x), '')) AS h FROM (${sql}) t`);
    out[table] = `${r.n}:${r.h}`;
  }
  return out;
}

describe.each(DRIVERS)('demo data on %s', (driver) => {
  let db: TestDb;
  let summary: SeedSummary;
  const logs: string[] = [];

  beforeAll(async () => {
    db = await freshDb(driver);
    summary = await seedDemo(db, { seed: 42, log: (l) => logs.push(l) });
  }, 120_000);
  afterAll(async () => db?.close());

  it('returns counts that match the tables, and reports progress', async () => {
    expect(summary).toMatchObject({ tenants: 3, users: DEMO_ACCOUNTS.length, agents: 550 });
    expect(summary.alerts).toBe(await num(db, 'SELECT count(*)::int AS n FROM alerts'));
    expect(summary.detections).toBe(await num(db, 'SELECT count(*)::int AS n FROM detected_events'));
    expect(summary.authEvents).toBe(await num(db, 'SELECT count(*)::int AS n FROM auth_events'));
    expect(summary.agents).toBe(await num(db, 'SELECT count(*)::int AS n FROM agents'));
    expect(summary.detections).toBeGreaterThanOrEqual(VOLUME_PER_SCALE.detections);
    expect(summary.ms).toBeGreaterThan(0);
    expect(logs.some((l) => /seeded in \d+ ms/.test(l))).toBe(true);
  });

  it('has acme and eu-bank opted in and gov-agency opted out', async () => {
    const r = await db.query<{ slug: string; name: string; mcp_enabled: boolean }>('SELECT slug, name, mcp_enabled FROM tenants ORDER BY slug');
    expect(r.rows).toEqual([
      { slug: 'acme', name: 'Acme Manufacturing', mcp_enabled: true },
      { slug: 'eu-bank', name: 'EU Bank', mcp_enabled: true },
      { slug: 'gov-agency', name: 'Gov Agency', mcp_enabled: false },
    ]);
    // The opted-out tenant still has a fleet, so the opt-out (not empty data) is what blocks it.
    expect(await num(db, "SELECT count(*)::int AS n FROM agents a JOIN tenants t ON t.id = a.tenant_id WHERE t.slug = 'gov-agency'")).toBe(50);
  });

  it('signs in the demo accounts with their roles; the technician is an analyst in acme and eu-bank', async () => {
    expect(DEMO_ACCOUNTS[0]).toMatchObject({ email: 'tech@yourmsp.com', tenants: ['acme', 'eu-bank'] });
    const roles = await db.query<{ email: string; slug: string; role: string }>(
      'SELECT u.email, t.slug, m.role FROM memberships m JOIN users u ON u.id = m.user_id JOIN tenants t ON t.id = m.tenant_id ORDER BY 1, 2',
    );
    expect(roles.rows).toEqual([
      { email: 'admin@acme.example', slug: 'acme', role: 'admin' },
      { email: 'admin@eu-bank.example', slug: 'eu-bank', role: 'admin' },
      { email: 'admin@gov-agency.example', slug: 'gov-agency', role: 'admin' },
      { email: 'tech@yourmsp.com', slug: 'acme', role: 'analyst' },
      { email: 'tech@yourmsp.com', slug: 'eu-bank', role: 'analyst' },
      { email: 'viewer@acme.example', slug: 'acme', role: 'viewer' },
    ]);
    for (const account of DEMO_ACCOUNTS) {
      expect(account.password.length).toBeGreaterThanOrEqual(10);
      const { password_hash } = await one<{ password_hash: string }>(db, 'SELECT password_hash FROM users WHERE email = $1', [account.email]);
      expect(await verifyPassword(account.password, password_hash)).toBe(true);
      expect(await verifyPassword(`${account.password}x`, password_hash)).toBe(false);
      expect(roles.rows.filter((r) => r.email === account.email).map((r) => r.slug)).toEqual(account.tenants);
    }
  });

  it('makes ids that are valid UUIDs for the tool schemas', async () => {
    for (const table of ['tenants', 'users', 'agents', 'alerts', 'detected_events', 'auth_events', 'sla_targets', 'audit_log']) {
      const ids = await db.query<{ id: string }>(`SELECT id::text AS id FROM ${table} ORDER BY id LIMIT 50`);
      for (const { id } of ids.rows) expect(Id.safeParse(id).success, `${table} ${id}`).toBe(true);
    }
  });

  it('gives hosts realistic names, addresses, OS and tags, mostly online', async () => {
    const acme = await tenantId(db, 'acme');
    const hosts = await db.query<{ hostname: string; ip: string; os: string; os_family: string; kernel_version: string; tags: string[]; status: string }>(
      'SELECT hostname, ip, os, os_family, kernel_version, tags, status FROM agents WHERE tenant_id = $1',
      [acme],
    );
    expect(hosts.rows).toHaveLength(300);
    const names = hosts.rows.map((h) => h.hostname);
    expect(names).toContain('web-01.acme.internal');
    expect(names).toContain('bastion-01.acme.internal');
    expect(names.some((n) => /^db-prod-\d\d\.acme\.internal$/.test(n))).toBe(true);
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(hosts.rows.map((h) => h.os_family))).toEqual(new Set(['debian', 'rhel', 'alpine', 'suse']));
    for (const h of hosts.rows) {
      expect(h.os).toMatch({ debian: /Debian|Ubuntu/, rhel: /Red Hat|Rocky/, alpine: /Alpine/, suse: /SUSE/ }[h.os_family]!);
      expect(h.ip).toMatch(/^(10\.20|203\.0\.113|198\.18)\./);
    }
    expect(hosts.rows.some((h) => h.ip.startsWith('203.0.113.'))).toBe(true);
    const tags = new Set(hosts.rows.flatMap((h) => h.tags));
    for (const t of ['prod', 'staging', 'dmz', 'db', 'web', 'k8s', 'windows-jump']) expect(tags).toContain(t);
    const online = hosts.rows.filter((h) => h.status === 'online').length;
    expect(online / hosts.rows.length).toBeGreaterThan(0.75);
    expect(new Set(hosts.rows.map((h) => h.status))).toEqual(new Set(['online', 'degraded', 'offline']));
  });

  it('has alerts of every severity × category, open and resolved', async () => {
    for (const slug of ['acme', 'eu-bank']) {
      const r = await db.query<{ severity: string; category: string; status: string }>(
        'SELECT DISTINCT severity, category, status FROM alerts WHERE tenant_id = $1',
        [await tenantId(db, slug)],
      );
      const seen = new Set(r.rows.map((x) => `${x.severity}/${x.category}/${x.status}`));
      for (const s of Severity.options) for (const c of AlertCategory.options) for (const st of ['open', 'resolved']) expect(seen, `${slug} ${s}/${c}/${st}`).toContain(`${s}/${c}/${st}`);
    }
    const bad = await num(db, "SELECT count(*)::int AS n FROM alerts WHERE (status = 'resolved') <> (resolved_at IS NOT NULL) OR resolved_at > now() OR resolved_at < created_at");
    expect(bad).toBe(0);
  });

  it('spreads detections of every kind over 30 days, most open, acknowledged by members who may', async () => {
    for (const slug of ['acme', 'eu-bank']) {
      const t = await tenantId(db, slug);
      const kinds = await db.query<{ kind: string }>('SELECT DISTINCT kind FROM detected_events WHERE tenant_id = $1', [t]);
      expect(new Set(kinds.rows.map((k) => k.kind))).toEqual(new Set(DetectionKind.options));
      const w = await one<{ d1: number; d7: number; d30: number; all: number; acked: number; future: number }>(
        db,
        `SELECT count(*) FILTER (WHERE detected_at > now() - interval '24 hours')::int AS d1,
                count(*) FILTER (WHERE detected_at > now() - interval '7 days')::int AS d7,
                count(*) FILTER (WHERE detected_at > now() - interval '30 days')::int AS d30,
                count(*)::int AS all, count(acked_at)::int AS acked, count(*) FILTER (WHERE detected_at > now())::int AS future
           FROM detected_events WHERE tenant_id = $1`,
        [t],
      );
      expect(w.d1).toBeGreaterThan(0);
      expect(w.d7).toBeGreaterThan(w.d1 * 3);
      expect(w.d30).toBeGreaterThan(w.d7 * 2);
      expect(w.d30).toBe(w.all);
      expect(w.future).toBe(0);
      expect(w.acked).toBeGreaterThan(0);
      expect(w.acked).toBeLessThan(w.all / 2);
    }
    const strangers = await num(
      db,
      `SELECT count(*)::int AS n FROM detected_events d
        WHERE d.acked_at IS NOT NULL
          AND (d.acked_by IS NULL OR d.ack_note IS NULL OR d.acked_at < d.detected_at OR d.acked_at > now()
               OR NOT EXISTS (SELECT 1 FROM memberships m WHERE m.tenant_id = d.tenant_id AND m.user_id = d.acked_by AND m.role <> 'viewer'))`,
    );
    expect(strangers).toBe(0);
  });

  it('tells the story of 185.220.101.42: brute force on several acme hosts in the last 24h, linked failures, then one success', async () => {
    const acme = await tenantId(db, 'acme');
    const dets = await db.query<{ id: string; hostname: string; detected_at: string; src_country: string }>(
      `SELECT d.id, a.hostname, d.detected_at, d.src_country FROM detected_events d JOIN agents a ON a.tenant_id = d.tenant_id AND a.id = d.agent_id
        WHERE d.tenant_id = $1 AND d.src_ip = $2 AND d.kind = 'ssh_brute_force' AND d.detected_at > now() - interval '24 hours'`,
      [acme, TOR_EXIT_IP],
    );
    expect(new Set(dets.rows.map((d) => d.hostname)).size).toBeGreaterThanOrEqual(3);
    expect(dets.rows.map((d) => d.hostname)).toContain('bastion-01.acme.internal');
    for (const d of dets.rows) {
      expect(d.src_country).toBe('DE');
      const linked = await one<{ failed: number; ok: number; other_ip: number }>(
        db,
        `SELECT count(*) FILTER (WHERE NOT success)::int AS failed, count(*) FILTER (WHERE success)::int AS ok,
                count(*) FILTER (WHERE src_ip <> $3)::int AS other_ip
           FROM auth_events WHERE tenant_id = $1 AND detection_id = $2`,
        [acme, d.id, TOR_EXIT_IP],
      );
      expect(linked.failed).toBeGreaterThanOrEqual(40);
      expect(linked.other_ip).toBe(0);
    }
    const success = await db.query<{ username: string; occurred_at: Date }>(
      `SELECT username, occurred_at FROM auth_events WHERE tenant_id = $1 AND src_ip = $2 AND success AND method = 'ssh_password'`,
      [acme, TOR_EXIT_IP],
    );
    expect(success.rows).toHaveLength(1);
    const firstFailure = await one<{ t: Date }>(db, 'SELECT min(occurred_at) AS t FROM auth_events WHERE tenant_id = $1 AND src_ip = $2 AND NOT success', [acme, TOR_EXIT_IP]);
    expect(new Date(success.rows[0]!.occurred_at).getTime()).toBeGreaterThan(new Date(firstFailure.t).getTime());
    // The recon before it, acknowledged by the MSP technician within the last 24 hours.
    const scan = await one<{ email: string; acked_at: Date }>(
      db,
      `SELECT u.email, d.acked_at FROM detected_events d JOIN users u ON u.id = d.acked_by WHERE d.tenant_id = $1 AND d.src_ip = $2 AND d.kind = 'port_scan'`,
      [acme, TOR_EXIT_IP],
    );
    expect(scan.email).toBe('tech@yourmsp.com');
    expect(Date.now() - new Date(scan.acked_at).getTime()).toBeLessThan(86_400_000);
    // eu-bank saw the same address, in its own rows only.
    const eu = await tenantId(db, 'eu-bank');
    expect(await num(db, 'SELECT count(*)::int AS n FROM detected_events WHERE tenant_id = $1 AND src_ip = $2', [eu, TOR_EXIT_IP])).toBe(1);
  });

  it('has impossible travel (NL then SG within an hour), a new admin user, a piped download, scans and malware', async () => {
    const acme = await tenantId(db, 'acme');
    const travel = await one<{ id: string; target_user: string }>(
      db,
      "SELECT id, target_user FROM detected_events WHERE tenant_id = $1 AND kind = 'impossible_travel' AND src_ip = '103.6.150.77'",
      [acme],
    );
    const hops = await db.query<{ src_country: string; occurred_at: Date; username: string }>(
      'SELECT src_country, occurred_at, username FROM auth_events WHERE tenant_id = $1 AND detection_id = $2 ORDER BY occurred_at',
      [acme, travel.id],
    );
    expect(hops.rows.map((h) => h.src_country)).toEqual(['NL', 'SG']);
    expect(hops.rows.every((h) => h.username === travel.target_user)).toBe(true);
    expect(new Date(hops.rows[1]!.occurred_at).getTime() - new Date(hops.rows[0]!.occurred_at).getTime()).toBeLessThan(3_600_000);

    expect(await num(db, "SELECT count(*)::int AS n FROM detected_events WHERE tenant_id = $1 AND kind = 'new_admin_user' AND target_user = 'svc-backup2'", [acme])).toBe(1);
    const piped = await one<{ user_agent: string }>(
      db,
      "SELECT user_agent FROM detected_events WHERE tenant_id = $1 AND kind = 'suspicious_process' AND title = 'Remote script piped into a shell on web-03' AND process_cmdline LIKE 'curl % | sh'",
      [acme],
    );
    expect(piped.user_agent).toMatch(/^curl\//);
    expect(await num(db, "SELECT count(*)::int AS n FROM detected_events WHERE tenant_id = $1 AND kind = 'port_scan' AND src_ip = '45.155.205.233'", [acme])).toBeGreaterThanOrEqual(2);
    expect(await num(db, "SELECT count(*)::int AS n FROM detected_events WHERE tenant_id = $1 AND kind = 'malware_hash' AND description ~ 'SHA-256 [0-9a-f]{64}'", [acme])).toBeGreaterThan(0);
  });

  it('plants prompt-injection text in attacker-controlled fields', async () => {
    const acme = await tenantId(db, 'acme');
    for (const [column, value] of [
      ['target_user', PLANTED_INJECTIONS.targetUser],
      ['process_cmdline', PLANTED_INJECTIONS.processCmdline],
      ['user_agent', PLANTED_INJECTIONS.userAgent],
    ] as const) {
      expect(await num(db, `SELECT count(*)::int AS n FROM detected_events WHERE tenant_id = $1 AND ${column} = $2`, [acme, value]), column).toBe(1);
      expect(value).toMatch(/ignore (all )?previous instructions/i);
    }
    expect(await num(db, 'SELECT count(*)::int AS n FROM alerts WHERE tenant_id = $1 AND description = $2', [acme, PLANTED_INJECTIONS.alertDescription])).toBe(1);
    expect(await num(db, 'SELECT count(*)::int AS n FROM auth_events WHERE tenant_id = $1 AND username = $2', [acme, PLANTED_INJECTIONS.targetUser])).toBeGreaterThan(0);
  });

  it('never lets a tenant row point at another tenant\u2019s agent, detection or people', async () => {
    const crossings = await num(
      db,
      `SELECT (
         (SELECT count(*) FROM alerts x JOIN agents a ON a.id = x.agent_id WHERE a.tenant_id <> x.tenant_id) +
         (SELECT count(*) FROM detected_events x JOIN agents a ON a.id = x.agent_id WHERE a.tenant_id <> x.tenant_id) +
         (SELECT count(*) FROM auth_events x JOIN agents a ON a.id = x.agent_id WHERE a.tenant_id <> x.tenant_id) +
         (SELECT count(*) FROM agent_packages x JOIN agents a ON a.id = x.agent_id WHERE a.tenant_id <> x.tenant_id) +
         (SELECT count(*) FROM vuln_matches x JOIN agents a ON a.id = x.agent_id WHERE a.tenant_id <> x.tenant_id) +
         (SELECT count(*) FROM auth_events x JOIN detected_events d ON d.id = x.detection_id WHERE d.tenant_id <> x.tenant_id) +
         (SELECT count(*) FROM auth_events x WHERE x.detection_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM detected_events d WHERE d.id = x.detection_id)) +
         (SELECT count(*) FROM audit_log x WHERE NOT EXISTS (SELECT 1 FROM memberships m WHERE m.tenant_id = x.tenant_id AND m.user_id = x.actor_user_id))
       )::int AS n`,
    );
    expect(crossings).toBe(0);
    // Private address plans do not overlap either.
    expect(await num(db, 'SELECT count(*)::int AS n FROM (SELECT ip FROM agents GROUP BY ip HAVING count(DISTINCT tenant_id) > 1) x')).toBe(0);
  });

  it('has kernel and OS-package CVEs in all four ecosystems with meaningful affected-host counts', async () => {
    const eco = await db.query<{ ecosystem: string; kernel: number; pkgs: number }>(
      'SELECT ecosystem, count(*) FILTER (WHERE is_kernel)::int AS kernel, count(*) FILTER (WHERE NOT is_kernel)::int AS pkgs FROM vuln_advisories GROUP BY 1 ORDER BY 1',
    );
    expect(eco.rows.map((r) => r.ecosystem)).toEqual(['apk', 'apt', 'dnf', 'zypper']);
    for (const r of eco.rows) expect(r.kernel > 0 && r.pkgs > 0, r.ecosystem).toBe(true);
    expect(await num(db, "SELECT count(*)::int AS n FROM vuln_advisories WHERE cve_id !~ '^CVE-20[0-9]{2}-[0-9]{4,}$'")).toBe(0);
    // Inventory in the host's own package manager, and every match is against an installed package of that ecosystem.
    const wrong = await num(
      db,
      `SELECT count(*)::int AS n FROM agent_packages p JOIN agents a ON a.tenant_id = p.tenant_id AND a.id = p.agent_id
        WHERE p.ecosystem <> CASE a.os_family WHEN 'debian' THEN 'apt' WHEN 'rhel' THEN 'dnf' WHEN 'alpine' THEN 'apk' ELSE 'zypper' END`,
    );
    expect(wrong).toBe(0);
    const orphan = await num(
      db,
      `SELECT count(*)::int AS n FROM vuln_matches m JOIN vuln_advisories v ON v.id = m.advisory_id
        WHERE m.resolved_at IS NULL AND NOT EXISTS (
          SELECT 1 FROM agent_packages p WHERE p.tenant_id = m.tenant_id AND p.agent_id = m.agent_id AND p.ecosystem = v.ecosystem
             AND p.name = v.package AND p.version = m.installed_version)`,
    );
    expect(orphan).toBe(0);
    const acme = await tenantId(db, 'acme');
    const top = await db.query<{ cve_id: string; is_kernel: boolean; hosts: number }>(
      `SELECT v.cve_id, v.is_kernel, count(DISTINCT m.agent_id)::int AS hosts FROM vuln_matches m JOIN vuln_advisories v ON v.id = m.advisory_id
        WHERE m.tenant_id = $1 AND m.resolved_at IS NULL AND v.withdrawn_at IS NULL GROUP BY 1, 2 ORDER BY 3 DESC`,
      [acme],
    );
    expect(top.rows.find((r) => r.is_kernel)!.hosts).toBeGreaterThan(20);
    expect(top.rows.find((r) => !r.is_kernel)!.hosts).toBeGreaterThan(20);
    expect(await num(db, 'SELECT count(*)::int AS n FROM vuln_matches WHERE tenant_id = $1 AND resolved_at IS NOT NULL', [acme])).toBeGreaterThan(0);
  });

  it('spreads SLA statuses: each tenant has targets met, at risk and breached', async () => {
    for (const slug of ['acme', 'eu-bank', 'gov-agency']) {
      const r = await db.query<{ name: string; target_pct: number; good: number; total: number; hours: number }>(
        `SELECT t.name, t.target_pct::float8 AS target_pct, sum(o.good)::float8 AS good, sum(o.total)::float8 AS total, count(*)::int AS hours
           FROM sla_targets t JOIN sla_observations o ON o.tenant_id = t.tenant_id AND o.target_id = t.id
          WHERE t.tenant_id = $1 AND o.bucket_at > now() - make_interval(days => t.window_days)
          GROUP BY t.name, t.target_pct ORDER BY t.name`,
        [await tenantId(db, slug)],
      );
      expect(r.rows.map((x) => x.name)).toEqual(['API uptime', 'Agent heartbeat availability', 'Alert triage < 15 min', 'Critical patch within 7 days']);
      for (const x of r.rows) expect(x.hours).toBeGreaterThanOrEqual(700);
      const statuses = r.rows.map((x) => slaFigures(x.target_pct, x.good, x.total).status);
      expect(new Set(statuses), slug).toEqual(new Set(['met', 'at_risk', 'breached']));
    }
  });

  it('keeps 30 days of trust score with the six components, ending at the live score, so the 7-day delta tells a trend', async () => {
    for (const [slug, direction] of [['acme', 1], ['eu-bank', -1], ['gov-agency', 0]] as const) {
      const tenant = await one<{ id: string }>(db, 'SELECT id FROM tenants WHERE slug = $1', [slug]);
      const rows = await db.query<{ day: string; score: number; components: Record<string, number> }>(
        "SELECT to_char(day, 'YYYY-MM-DD') AS day, score, components FROM trust_score_history WHERE tenant_id = $1 ORDER BY day",
        [tenant.id],
      );
      expect(rows.rows).toHaveLength(30);
      for (const r of rows.rows) {
        expect(Object.keys(r.components).sort()).toEqual([...TRUST_COMPONENTS].sort());
        expect(r.score).toBeGreaterThanOrEqual(0);
        expect(r.score).toBeLessThanOrEqual(100);
      }
      const weekAgo = new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10);
      expect(rows.rows.map((r) => r.day)).toContain(weekAgo);
      const admin = await one<{ id: string; email: string }>(
        db,
        "SELECT u.id, u.email FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.tenant_id = $1 AND m.role = 'admin'",
        [tenant.id],
      );
      const principal = { tokenId: tenant.id, tenantId: tenant.id, tenantSlug: slug, userId: admin.id, email: admin.email, role: 'admin' as const, scopes: ['mcp.read' as const], clientId: null, audience: null, expiresAt: new Date(Date.now() + 60_000), pseudonymize: false };
      const { output } = await computeTrust({ db, principal });
      const last = rows.rows.at(-1)!;
      expect(Math.abs(output.score - last.score), slug).toBeLessThanOrEqual(1);
      expect(output.delta_7d).not.toBeNull();
      if (direction > 0) expect(output.delta_7d!, slug).toBeGreaterThan(0);
      if (direction < 0) expect(output.delta_7d!, slug).toBeLessThan(0);
    }
  });

  it('has an audit history with raw bodies, including the MSP technician in the last 24 hours', async () => {
    const acme = await tenantId(db, 'acme');
    const types = await db.query<{ event_type: string }>('SELECT DISTINCT event_type FROM audit_log WHERE tenant_id = $1', [acme]);
    for (const t of ['user_login', 'detection_acknowledged', 'settings_changed', 'mcp_authorization_granted']) expect(types.rows.map((x) => x.event_type)).toContain(t);
    expect(await num(db, "SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = $1 AND actor_email ILIKE '%@yourMSP.com' AND occurred_at > now() - interval '24 hours'", [acme])).toBeGreaterThan(0);
    expect(await num(db, 'SELECT count(*)::int AS n FROM audit_log WHERE body IS NULL OR position($1 in body) = 0', [AUDIT_BODY_MARKER])).toBe(0);
    expect(await num(db, "SELECT count(*)::int AS n FROM audit_log WHERE event_type = 'detection_acknowledged'")).toBe(
      await num(db, 'SELECT count(*)::int AS n FROM detected_events WHERE acked_at IS NOT NULL'),
    );
    const gov = await tenantId(db, 'gov-agency');
    expect(await num(db, "SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = $1 AND event_type = 'settings_changed' AND metadata->>'new' = 'false'", [gov])).toBe(1);
  });

  it('refuses to seed a database that has the demo data, leaving it as it was', async () => {
    await expect(seedDemo(db, { seed: 42 })).rejects.toThrow(SeedError);
    await expect(seedDemo(db, { seed: 99 })).rejects.toThrow(/already has demo data/);
    expect(await num(db, 'SELECT count(*)::int AS n FROM detected_events')).toBe(summary.detections);
  });

  it('rejects a bad seed or scale before touching the database', async () => {
    await expect(seedDemo(db, { scale: 0 })).rejects.toThrow(/scale/);
    await expect(seedDemo(db, { scale: Number.NaN })).rejects.toThrow(/scale/);
    await expect(seedDemo(db, { seed: -1 })).rejects.toThrow(/seed/);
    await expect(seedDemo(db, { seed: 1.5 })).rejects.toThrow(/seed/);
  });

  it('rebuilds exactly the indexes it drops for a large load', async () => {
    const indexes = async () =>
      (await db.query<{ d: string }>("SELECT indexname || ': ' || indexdef AS d FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1")).rows.map((r) => r.d);
    const before = await indexes();
    const during = await db.transaction(async (tx) =>
      withDeferredIndexes(tx, ['alerts', 'detected_events', 'auth_events'], () => {}, async () =>
        (await tx.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_indexes WHERE tablename IN ('alerts', 'detected_events', 'auth_events')")).rows[0]!.n,
      ),
    );
    expect(during).toBe(3); // only the primary keys stay while loading
    expect(await indexes()).toEqual(before);
    expect(before.some((d) => d.startsWith('auth_events_src_ip:'))).toBe(true);
  });

  it('is deterministic: the same seed gives the same rows, another seed other rows', async () => {
    const dbs = await Promise.all([freshDb(driver), freshDb(driver), freshDb(driver)]);
    try {
      // A tenth of the volume: the same code paths (stories and bulk SQL) at a fraction of the time.
      const s = await seedDemo(dbs[0]!, { seed: 5, scale: 0.1 });
      await seedDemo(dbs[1]!, { seed: 5, scale: 0.1 });
      await seedDemo(dbs[2]!, { seed: 6, scale: 0.1 });
      const [a, b, c] = await Promise.all(dbs.map(fingerprint));
      expect(b).toEqual(a);
      for (const table of ['tenants', 'users', 'agents', 'alerts', 'detected_events', 'auth_events', 'audit_log']) expect(c![table], table).not.toBe(a![table]);
      expect(a!.detected_events!.split(':')[0]).toBe(String(s.detections));
      expect(s.detections).toBeGreaterThan(VOLUME_PER_SCALE.detections * 0.1);
    } finally {
      await Promise.all(dbs.map((d) => d.close()));
    }
  }, 120_000);

  // The literal check (scale 2 against 1) on PostgreSQL; PGlite checks the same arithmetic at 0.5 against 1, in half the time.
  it('scales the event volume linearly (twice the scale, twice the bulk) and the fleet to the benchmark\u2019s sizes', async () => {
    const other = driver === 'pg' ? 2 : 0.5;
    const db2 = await freshDb(driver);
    try {
      const s2 = await seedDemo(db2, { seed: 42, scale: other });
      const [small, big] = other > 1 ? [summary, s2] : [s2, summary];
      const [vSmall, vBig] = other > 1 ? [bulkVolume(1), bulkVolume(2)] : [bulkVolume(0.5), bulkVolume(1)];
      for (const k of ['alerts', 'detections', 'authEvents'] as const) {
        const bulk = (v: typeof vBig) => Object.values(v).reduce((s, t) => s + t[k], 0);
        // The stories are the same at every scale; everything else is the bulk, proportional to the scale.
        expect(big[k] - small[k], k).toBe(bulk(vBig) - bulk(vSmall));
        expect(Math.abs(bulk(vBig) - 2 * bulk(vSmall)), k).toBeLessThanOrEqual(3);
      }
      expect(big.detections / small.detections).toBeGreaterThan(1.98);
      expect(big.authEvents / small.authEvents).toBeGreaterThan(1.98);
      expect(big.alerts / small.alerts).toBeGreaterThan(1.75);
      expect(s2.detections).toBe(await num(db2, 'SELECT count(*)::int AS n FROM detected_events'));
      expect(s2.authEvents).toBe(await num(db2, 'SELECT count(*)::int AS n FROM auth_events'));
      // Hosts: the demo fleet (550) up to scale 5.5, then 100 per unit: the benchmark's medium (10 ≈ 1k) and large (100 ≈ 10k).
      expect(s2.agents).toBe(550);
      expect([agentTotal(10), agentTotal(100)]).toEqual([1000, 10_000]);
      expect([VOLUME_PER_SCALE.detections * 10, VOLUME_PER_SCALE.authEvents * 10]).toEqual([200_000, 1_000_000]);
    } finally {
      await db2.close();
    }
  }, 180_000);
});
