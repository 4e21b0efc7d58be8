/**
 * The fleet: tenants, people and their roles, agents with their package inventory,
 * the global advisories and which hosts each one is open on. Built in JS (it is at
 * most ~10k hosts) and written with multi-row INSERTs.
 */
import { hashPassword } from '../auth/passwords.js';
import type { Queryable } from '../db/types.js';
import type { Role } from '../../../shared/tool.js';
import {
  ANCHOR_HOSTS,
  BASE_PACKAGES,
  DEMO_USERS,
  HOST_ROLES,
  KERNEL_ADVISORIES,
  OS_PACKAGES,
  OS_VARIANTS,
  TENANTS,
  WITHDRAWN_ADVISORY,
  type OsVariant,
  type TenantSpec,
} from './catalog.js';
import { insertRows, type SeedSource } from './random.js';

const DAY = 86_400_000;

export interface SeededAgent {
  id: string;
  hostname: string;
  role: string;
  ip: string;
  country: string;
  variant: OsVariant;
  tags: string[];
  status: 'online' | 'degraded' | 'offline';
}

export interface SeededTenant {
  spec: TenantSpec;
  id: string;
  agents: SeededAgent[];
  /** Members who acknowledge detections (analysts and admins). */
  responders: { id: string; email: string }[];
  members: { id: string; email: string; role: Role; key: string }[];
}

export interface SeededUser {
  id: string;
  email: string;
  key: string;
}

/** The demo fleet is ~550 hosts; benchmark scales take 100 hosts per scale unit (the benchmark's medium 10 ≈ 1k, large 100 ≈ 10k). */
export function agentTotal(scale: number): number {
  return Math.max(550, Math.round(100 * scale));
}

export function tenantShare(total: number, spec: TenantSpec): number {
  const weights = TENANTS.reduce((s, t) => s + t.weight, 0);
  return Math.max(1, Math.round((total * spec.weight) / weights));
}

export async function seedPeople(tx: Queryable, src: SeedSource, base: number): Promise<{ tenants: SeededTenant[]; users: SeededUser[] }> {
  const tenants: SeededTenant[] = TENANTS.map((spec) => ({ spec, id: src.id(`tenant:${spec.slug}`), agents: [], responders: [], members: [] }));
  await insertRows(
    tx,
    'tenants',
    [['id', 'uuid'], ['slug', 'text'], ['name', 'text'], ['mcp_enabled', 'boolean'], ['created_at', 'timestamptz']],
    tenants.map((t, i) => [t.id, t.spec.slug, t.spec.name, t.spec.mcpEnabled, iso(base - (400 - 30 * i) * DAY)]),
  );
  // scrypt is deliberately slow: one hash per distinct password, computed in parallel.
  const distinct = [...new Set(DEMO_USERS.map((u) => u.password))];
  const hashes = new Map(await Promise.all(distinct.map(async (p) => [p, await hashPassword(p)] as const)));
  const users: SeededUser[] = DEMO_USERS.map((u) => ({ id: src.id(`user:${u.email}`), email: u.email, key: u.key }));
  await insertRows(
    tx,
    'users',
    [['id', 'uuid'], ['email', 'text'], ['name', 'text'], ['password_hash', 'text'], ['created_at', 'timestamptz']],
    DEMO_USERS.map((u, i) => [users[i]!.id, u.email, u.name, hashes.get(u.password)!, iso(base - (300 - 10 * i) * DAY)]),
  );
  const memberships: unknown[][] = [];
  DEMO_USERS.forEach((u, i) => {
    for (const [slug, role] of Object.entries(u.roles)) {
      const tenant = tenants.find((t) => t.spec.slug === slug)!;
      const user = users[i]!;
      tenant.members.push({ id: user.id, email: user.email, role, key: u.key });
      if (role !== 'viewer') tenant.responders.push({ id: user.id, email: user.email });
      memberships.push([tenant.id, user.id, role]);
    }
  });
  await insertRows(tx, 'memberships', [['tenant_id', 'uuid'], ['user_id', 'uuid'], ['role', 'text']], memberships);
  return { tenants, users };
}

/** Private address plan per tenant, so hosts of different tenants never share an address. */
const PRIVATE_NETS = ['10.20', '172.16', '192.168'];
/** Public addresses from the documentation ranges (RFC 5737), one per tenant, then the benchmarking range (RFC 2544). */
const PUBLIC_NETS = ['203.0.113', '198.51.100', '192.0.2'];

function publicIp(tenantIndex: number, k: number): string {
  if (k < 250) return `${PUBLIC_NETS[tenantIndex]}.${k + 1}`;
  const rest = k - 250;
  return `198.18.${tenantIndex * 80 + Math.floor(rest / 250)}.${(rest % 250) + 1}`;
}

export async function seedAgents(tx: Queryable, src: SeedSource, base: number, tenant: SeededTenant, tenantIndex: number, count: number): Promise<number> {
  const rng = src.rng(`agents:${tenant.spec.slug}`);
  const counters = new Map<string, number>();
  let publicHosts = 0;
  const rows: unknown[][] = [];
  const packages: unknown[][] = [];
  const matches: unknown[][] = [];
  const roleWeights = HOST_ROLES.map((r) => [r, r.weight] as const);
  for (let i = 0; i < count; i++) {
    const role = i < ANCHOR_HOSTS.length ? HOST_ROLES.find((r) => r.prefix === ANCHOR_HOSTS[i])! : rng.weighted(roleWeights);
    const n = (counters.get(role.prefix) ?? 0) + 1;
    counters.set(role.prefix, n);
    const anchor = i < ANCHOR_HOSTS.length;
    const hostname = `${role.prefix}-${String(n).padStart(2, '0')}.${tenant.spec.domain}`;
    const id = src.id(`agent:${tenant.spec.slug}:${i}`);
    const variant = OS_VARIANTS[rng.weighted(tenant.spec.os)]!;
    const env = role.tags.includes('prod') || role.tags.includes('staging') ? [] : [anchor ? 'prod' : rng.weighted([['prod', 70], ['staging', 20], ['dev', 10]] as const)];
    const tags = [...env, ...role.tags];
    const ip = role.public ? publicIp(tenantIndex, publicHosts++) : `${PRIVATE_NETS[tenantIndex]}.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;
    const status = anchor ? 'online' : rng.weighted([['online', 88], ['degraded', 7], ['offline', 5]] as const);
    const level = rng.weighted(tenant.spec.patchLevels.map((w, l) => [l, w] as const));
    const kernelLevel = clamp(level + (rng.chance(0.2) ? rng.pick([-1, 1]) : 0));
    const [cpu, mem, disk] = load(rng, status);
    const lastSeen = status === 'online' ? rng.int(5, 55) : status === 'degraded' ? rng.int(30, 300) : rng.int(3600, 5 * 86400);
    const country = rng.weighted(tenant.spec.countries);
    tenant.agents.push({ id, hostname, role: role.prefix, ip, country, variant, tags, status });
    rows.push([
      tenant.id, id, hostname, ip, country, variant.os, variant.family, variant.kernels[kernelLevel]![0], tags, status,
      cpu, mem, disk, iso(base - lastSeen * 1000), iso(base - rng.int(30, 400) * DAY),
    ]);

    // Inventory and the advisories open on it: a host at patch level L has every fix up to L.
    const eco = variant.ecosystem;
    packages.push([tenant.id, id, eco, variant.kernelPackage, variant.kernels[kernelLevel]![1]]);
    for (const adv of KERNEL_ADVISORIES) match(adv.fixedLevel, kernelLevel, adv.cve, variant.kernels[kernelLevel]![1], variant.kernels[adv.fixedLevel - 1]![1]);
    for (const pkg of OS_PACKAGES) {
      const name = pkg.names[eco];
      if (!name) continue;
      const l = clamp(level + (rng.chance(0.25) ? rng.pick([-1, 1]) : 0));
      packages.push([tenant.id, id, eco, name, variant.version(pkg.upstream, l)]);
      for (const adv of pkg.advisories) match(adv.fixedLevel, l, adv.cve, variant.version(pkg.upstream, l), variant.version(pkg.upstream, adv.fixedLevel - 1));
    }
    for (const key of ['bash', 'coreutils', 'systemd', ...(role.packages ?? [])]) {
      const p = BASE_PACKAGES[key]!;
      packages.push([tenant.id, id, eco, p[eco]!, variant.version(p.upstream, 2)]);
    }

    function match(fixedLevel: number, installedLevel: number, cve: string, installed: string, before: string): void {
      const advisory = `${variant.osvPrefix}-${cve}`;
      if (installedLevel < fixedLevel) {
        matches.push([tenant.id, id, advisory, installed, iso(base - rng.int(2, 120) * DAY - rng.int(0, 86399) * 1000), null]);
      } else if (installedLevel > 0 && rng.chance(0.04)) {
        // Patched recently: the match stays, resolved, so "fixed in the last month" has data.
        const seen = rng.int(40, 150);
        matches.push([tenant.id, id, advisory, before, iso(base - seen * DAY), iso(base - rng.int(1, 35) * DAY)]);
      }
    }
  }
  await insertRows(
    tx,
    'agents',
    [
      ['tenant_id', 'uuid'], ['id', 'uuid'], ['hostname', 'text'], ['ip', 'text'], ['country_code', 'text'], ['os', 'text'], ['os_family', 'text'],
      ['kernel_version', 'text'], ['tags', 'text[]'], ['status', 'text'], ['cpu_pct', 'real'], ['mem_pct', 'real'], ['disk_pct', 'real'],
      ['last_seen_at', 'timestamptz'], ['created_at', 'timestamptz'],
    ],
    rows,
  );
  await insertRows(tx, 'agent_packages', [['tenant_id', 'uuid'], ['agent_id', 'uuid'], ['ecosystem', 'text'], ['name', 'text'], ['version', 'text']], packages, 1000);
  await insertRows(
    tx,
    'vuln_matches',
    [['tenant_id', 'uuid'], ['agent_id', 'uuid'], ['advisory_id', 'text'], ['installed_version', 'text'], ['first_seen_at', 'timestamptz'], ['resolved_at', 'timestamptz']],
    matches,
    1000,
  );
  return count;
}

/** Global advisories for every OS variant: kernel and OS packages in all four ecosystems. */
export async function seedAdvisories(tx: Queryable): Promise<number> {
  const rows: unknown[][] = [];
  for (const v of Object.values(OS_VARIANTS)) {
    for (const adv of KERNEL_ADVISORIES) {
      rows.push([`${v.osvPrefix}-${adv.cve}`, adv.cve, v.ecosystem, v.kernelPackage, true, adv.severity, adv.cvss, `Linux kernel: ${adv.summary}`, v.kernels[adv.fixedLevel]![1], adv.published, null]);
    }
    for (const pkg of OS_PACKAGES) {
      const name = pkg.names[v.ecosystem];
      if (!name) continue;
      for (const adv of pkg.advisories) {
        const id = `${v.osvPrefix}-${adv.cve}`;
        rows.push([id, adv.cve, v.ecosystem, name, false, adv.severity, adv.cvss, adv.summary, v.version(pkg.upstream, adv.fixedLevel), adv.published, id === WITHDRAWN_ADVISORY ? '2024-01-10' : null]);
      }
    }
  }
  return insertRows(
    tx,
    'vuln_advisories',
    [
      ['id', 'text'], ['cve_id', 'text'], ['ecosystem', 'text'], ['package', 'text'], ['is_kernel', 'boolean'], ['severity', 'text'], ['cvss', 'real'],
      ['summary', 'text'], ['fixed_version', 'text'], ['published_at', 'timestamptz'], ['withdrawn_at', 'timestamptz'],
    ],
    rows,
  );
}

function load(rng: ReturnType<SeedSource['rng']>, status: SeededAgent['status']): [number, number, number] {
  const r1 = (min: number, max: number) => Math.round((min + rng.next() * (max - min)) * 10) / 10;
  if (status === 'degraded') {
    const hot = rng.int(0, 2);
    return [hot === 0 ? r1(88, 99.5) : r1(20, 70), hot === 1 ? r1(92, 99.5) : r1(30, 80), hot === 2 ? r1(93, 99.8) : r1(20, 80)];
  }
  return [r1(1, 65), r1(18, 82), r1(12, 85)];
}

const clamp = (l: number) => Math.max(0, Math.min(3, l));
export const iso = (ms: number) => new Date(ms).toISOString();
