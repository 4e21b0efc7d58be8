/**
 * Hosts, alerts, CVEs, SLAs, the Trust Score and the KPI summary against the known fleet of
 * test/harness/fixtures.ts, on both databases: exact counts, ordering, filters, windows and formulas.
 */
import { describe, expect, it } from 'vitest';
import { DRIVERS, type TestDb } from '../../../test/harness/db.js';
import { callService, EXPECTED_KPI, FLEET_EXPECTED, principalFor, withFleetDb, type Fleet } from '../../../test/harness/fixtures.js';
import type { Principal } from '../auth/tokens.js';
import { NotFoundError } from '../errors.js';
import { slaFigures } from './sla.js';
import { trustComponents, weightedScore, type FleetFacts } from './trust.js';

describe.each(DRIVERS)('fleet services on %s', (driver) => {
  let db: TestDb;
  let fleet: Fleet;
  let pa: Principal; // viewer of tenant A (every read tool allows viewers)
  let pb: Principal;

  withFleetDb(driver, async (made, built) => {
    db = made;
    fleet = built;
    pa = principalFor(fleet.A, fleet.users.viewer);
    pb = principalFor(fleet.B, fleet.users.bAdmin);
  });

  describe('monsys_list_agents', () => {
    it('lists the tenant’s hosts by hostname with their open alert counts and the total', async () => {
      const r = await callService(db, pa, 'monsys_list_agents');
      expect(r.total).toBe(5);
      expect(r.agents.map((a) => [a.hostname, a.open_alerts])).toEqual([
        ['build_01', 0],
        ['buildx01', 0],
        ['db-01', 2],
        ['web-01', 2],
        ['web-02', 1],
      ]);
      const web1 = r.agents.find((a) => a.hostname === 'web-01')!;
      expect(web1).toMatchObject({ id: fleet.agents.web1, ip: '10.0.0.11', tags: ['prod', 'dmz'], status: 'online', kernel_version: '6.1.0-18-amd64' });
      expect(new Date(web1.last_seen_at).toISOString()).toBe(web1.last_seen_at);
    });

    it('filters by exact tag, status and hostname substring (with "_" and "%" literal), and pages', async () => {
      const names = async (args: Record<string, unknown>) => (await callService(db, pa, 'monsys_list_agents', args)).agents.map((a) => a.hostname);
      expect(await names({ tag: 'prod' })).toEqual(['db-01', 'web-01', 'web-02']);
      expect(await names({ tag: 'pro' })).toEqual([]);
      expect(await names({ tag: 'ci', status: 'online' })).toEqual(['buildx01']);
      expect(await names({ status: 'degraded' })).toEqual(['db-01']);
      expect(await names({ hostname_contains: 'WEB' })).toEqual(['web-01', 'web-02']);
      expect(await names({ hostname_contains: 'build_' })).toEqual(['build_01']);
      expect(await names({ hostname_contains: '%' })).toEqual([]);
      const page = await callService(db, pa, 'monsys_list_agents', { limit: 2, offset: 2 });
      expect(page.agents.map((a) => a.hostname)).toEqual(['db-01', 'web-01']);
      expect(page.total).toBe(5);
    });

    it('never shows another tenant’s hosts', async () => {
      const r = await callService(db, pb, 'monsys_list_agents');
      expect(r.agents.map((a) => a.id)).toEqual([fleet.agents.bWeb]);
    });
  });

  describe('monsys_get_agent', () => {
    it('returns the host with CPU/mem/disk and its open alerts, newest first', async () => {
      const r = await callService(db, pa, 'monsys_get_agent', { agent_id: fleet.agents.web1 });
      expect(r.agent).toMatchObject({ hostname: 'web-01', country_code: 'NL', os_family: 'debian', cpu_pct: 71.5, mem_pct: 40, disk_pct: 55 });
      expect(r.open_alerts.map((a) => a.id)).toEqual([fleet.alerts.crit, fleet.alerts.high]);
      const web2 = await callService(db, pa, 'monsys_get_agent', { agent_id: fleet.agents.web2 });
      expect(web2.open_alerts.map((a) => a.title)).toEqual(['Reboot']); // the resolved critical is not open
    });

    it('answers another tenant’s host id exactly like a missing one', async () => {
      const other = callService(db, pa, 'monsys_get_agent', { agent_id: fleet.agents.bWeb });
      await expect(other).rejects.toBeInstanceOf(NotFoundError);
      await expect(other).rejects.toThrow('Host not found in this tenant');
      await expect(callService(db, pa, 'monsys_get_agent', { agent_id: crypto.randomUUID() })).rejects.toThrow('Host not found in this tenant');
    });
  });

  describe('monsys_list_alerts', () => {
    it('lists open alerts only, newest first, with the host name', async () => {
      const r = await callService(db, pa, 'monsys_list_alerts');
      expect(r.total).toBe(5);
      expect(r.alerts.map((a) => a.severity)).toEqual(['critical', 'high', 'medium', 'info', 'low']);
      expect(r.alerts.every((a) => a.status === 'open')).toBe(true);
      expect(r.alerts[0]).toMatchObject({ id: fleet.alerts.crit, hostname: 'web-01', category: 'intrusion', title: 'Rootkit signature' });
    });

    it('filters by severity, category and host, and pages with the total before paging', async () => {
      const ids = async (args: Record<string, unknown>) => (await callService(db, pa, 'monsys_list_alerts', args)).alerts.map((a) => a.id);
      expect(await ids({ severity: 'critical' })).toEqual([fleet.alerts.crit]);
      expect(await ids({ category: 'compliance' })).toEqual([fleet.alerts.low]);
      expect(await ids({ agent_id: fleet.agents.db1 })).toEqual([fleet.alerts.medium, fleet.alerts.low]);
      expect(await ids({ agent_id: fleet.agents.bWeb })).toEqual([]);
      const page = await callService(db, pa, 'monsys_list_alerts', { limit: 1, offset: 1 });
      expect(page.alerts.map((a) => a.id)).toEqual([fleet.alerts.high]);
      expect(page.total).toBe(5);
    });
  });

  describe('CVEs', () => {
    it('groups open kernel CVEs with affected_hosts, most affected first, skipping resolved and withdrawn', async () => {
      const r = await callService(db, pa, 'monsys_list_kernel_cves');
      expect(r.total).toBe(2);
      expect(r.cves).toEqual([
        {
          cve_id: 'CVE-2024-1086', severity: 'critical', cvss: 7.8, summary: 'CVE-2024-1086 in linux', package: 'linux',
          fixed_version: '6.1.76-1', published_at: expect.any(String), affected_hosts: 3,
        },
        expect.objectContaining({ cve_id: 'CVE-2023-0001', severity: 'medium', affected_hosts: 1, fixed_version: null }),
      ]);
      const high = await callService(db, pa, 'monsys_list_kernel_cves', { min_severity: 'high' });
      expect(high.cves.map((c) => c.cve_id)).toEqual(['CVE-2024-1086']);
      expect(high.total).toBe(1);
      // Tenant B has the same CVE on its single host.
      expect((await callService(db, pb, 'monsys_list_kernel_cves')).cves.map((c) => [c.cve_id, c.affected_hosts])).toEqual([
        ['CVE-2024-1086', 1],
        ['CVE-2023-0001', 1],
      ]);
    });

    it('groups OS-package CVEs per CVE, ecosystem and package with the worst severity, and filters', async () => {
      const r = await callService(db, pa, 'monsys_list_os_cves');
      expect(r.total).toBe(4);
      expect(r.cves.map((c) => [c.cve_id, c.ecosystem, c.package, c.severity, c.cvss, c.affected_hosts])).toEqual([
        ['CVE-2024-3094', 'apt', 'xz-utils', 'critical', 10, 3],
        ['CVE-2024-6387', 'apt', 'openssh-server', 'high', 8.1, 2],
        ['CVE-2024-6387', 'dnf', 'openssh-server', 'high', 8.1, 1],
        ['CVE-2023-4911', 'apk', 'musl', 'low', null, 1],
      ]);
      const pick = async (args: Record<string, unknown>) =>
        (await callService(db, pa, 'monsys_list_os_cves', args)).cves.map((c) => `${c.cve_id}/${c.ecosystem}`);
      expect(await pick({ ecosystem: 'dnf' })).toEqual(['CVE-2024-6387/dnf']);
      expect(await pick({ package: 'openssh-server' })).toEqual(['CVE-2024-6387/apt', 'CVE-2024-6387/dnf']);
      expect(await pick({ min_severity: 'high' })).toEqual(['CVE-2024-3094/apt', 'CVE-2024-6387/apt', 'CVE-2024-6387/dnf']);
      expect(await pick({ ecosystem: 'zypper' })).toEqual([]);
      const past = await callService(db, pa, 'monsys_list_os_cves', { offset: 10 });
      expect(past).toEqual({ cves: [], total: 4 });
    });
  });

  describe('monsys_list_sla_overview', () => {
    it('computes observed % and error budget over each target’s own window, by name', async () => {
      const r = await callService(db, pa, 'monsys_list_sla_overview');
      expect(r.targets.map((t) => [t.name, t.target_pct, t.window_days, t.observed_pct, t.error_budget_remaining_pct, t.status])).toEqual([
        ['API availability', 99, 30, 99.5, 50, 'met'],
        ['Backup success', 99.5, 30, null, null, 'no_data'],
        ['Login latency', 99.9, 7, 99.92, 20, 'at_risk'],
        ['VPN uptime', 95, 1, 90, -100, 'breached'],
      ]);
      expect((await callService(db, pb, 'monsys_list_sla_overview')).targets.map((t) => t.name)).toEqual(['B API']);
    });

    it('classifies the budget boundaries: 0 is breached, just under 25% at risk, 25% met', () => {
      expect(slaFigures(99, 990, 1000)).toEqual({ observed_pct: 99, error_budget_remaining_pct: 0, status: 'breached' });
      expect(slaFigures(90, 925, 1000).status).toBe('met'); // exactly 25% left
      expect(slaFigures(90, 924, 1000)).toEqual({ observed_pct: 92.4, error_budget_remaining_pct: 24, status: 'at_risk' });
      expect(slaFigures(99.9, 10, 10)).toEqual({ observed_pct: 100, error_budget_remaining_pct: 100, status: 'met' });
      expect(slaFigures(99, 0, 0).status).toBe('no_data');
    });
  });

  describe('monsys_trust_score', () => {
    it('computes the six components from live data, the weighted score and the 7-day delta', async () => {
      const r = await callService(db, pa, 'monsys_trust_score');
      expect(Object.fromEntries(r.components.map((c) => [c.name, c.score]))).toEqual(FLEET_EXPECTED.components);
      expect(r.components.reduce((s, c) => s + c.weight, 0)).toBeCloseTo(1, 10);
      expect(r.score).toBe(FLEET_EXPECTED.score);
      expect(r.delta_7d).toBe(FLEET_EXPECTED.delta7d); // 50 now − 42 seven days ago (not 99 six days ago)
      const detail = Object.fromEntries(r.components.map((c) => [c.name, c.detail]));
      expect(detail.patch_hygiene).toBe('3 of 5 hosts have an open critical or high CVE');
      expect(detail.detection_response).toBe('1 of 3 detections due in the last 30 days were acknowledged within 24h (1 late, 1 still open)');
      expect(detail.agent_health).toBe('3 online, 1 degraded, 1 offline of 5 hosts');
      expect(detail.identity_security).toContain('1 of 2 brute-force');
    });

    it('has no delta without history, and scores an empty aspect 100 with a reason', async () => {
      const r = await callService(db, pb, 'monsys_trust_score');
      expect(r.delta_7d).toBeNull();
      const c = Object.fromEntries(r.components.map((x) => [x.name, x]));
      // B: one online host with a critical kernel CVE and a critical alert; its one brute force had a success from the IP.
      expect(c.patch_hygiene!.score).toBe(0);
      expect(c.agent_health!.score).toBe(100);
      expect(c.detection_response).toMatchObject({ score: 100, detail: 'No detections due for acknowledgement in the last 30 days' });
      expect(c.identity_security!.score).toBe(0);
      expect(c.sla_compliance!.score).toBe(100);
    });

    it('follows the documented formulas (pure)', () => {
      const zero: FleetFacts = {
        agents_total: 0, agents_online: 0, agents_degraded: 0, agents_offline: 0, alerts_critical: 0, alerts_high: 0, alerts_medium: 0,
        alerts_low: 0, alerts_info: 0, hosts_with_critical_alerts: 0, det_24h_total: 0, det_24h_open: 0, det_acked_on_time: 0,
        det_acked_late: 0, det_overdue: 0, kernel_cves: 0, os_cves: 0, hosts_with_critical_cves: 0, brute_force: 0,
        brute_force_breached: 0, open_identity: 0, score_7d_ago: null,
      };
      const empty = trustComponents(zero, []);
      expect(empty.map((c) => c.score)).toEqual([100, 100, 100, 100, 100, 100]);
      expect(weightedScore(empty)).toBe(100);
      const some = trustComponents({ ...zero, agents_total: 4, agents_offline: 4, open_identity: 3, det_acked_on_time: 1, det_overdue: 3 }, []);
      expect(some.map((c) => c.score)).toEqual([100, 100, 25, 0, 100, 70]);
      // 0.25×100 + 0.2×100 + 0.15×25 + 0 + 0.1×100 + 0.15×70 = 69.25
      expect(weightedScore(some)).toBe(69);
    });
  });

  describe('monsys_kpi_summary', () => {
    it('is one snapshot that agrees with the other tools', async () => {
      const r = await callService(db, pa, 'monsys_kpi_summary');
      expect(r).toMatchObject(EXPECTED_KPI);
      expect(Math.abs(Date.now() - Date.parse(r.generated_at))).toBeLessThan(60_000);
      const b = await callService(db, pb, 'monsys_kpi_summary');
      expect(b).toMatchObject({ tenant: 'eu-bank', agents: { total: 1, online: 1 }, open_alerts: { total: 1, critical: 1 }, detections_24h: { total: 1, open: 1 } });
    });
  });
});
