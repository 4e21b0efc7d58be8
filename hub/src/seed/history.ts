/**
 * Thirty days of history per tenant: SLA targets with hourly observations (tuned so
 * each tenant has targets met, at risk and breached), the daily trust score with its
 * six components, and the audit log (logins, settings, connector grants, and one
 * detection_acknowledged event per acknowledged detection).
 */
import type { Queryable } from '../db/types.js';
import { TRUST_COMPONENTS } from '../../../shared/tools/trust-score.js';
import { TRUST_WEIGHTS } from '../services/trust.js';
import { iso, type SeededTenant } from './fleet.js';
import { insertRows, sqlUuid, type Rng, type SeedSource } from './random.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WINDOW_HOURS = 30 * 24;

/** Every raw audit body carries this header line, so tests can prove no tool ever returns a body. */
export const AUDIT_BODY_MARKER = 'X-Monsys-Raw-Body: raw-audit-body';

interface SlaSpec {
  name: string;
  service: string;
  target: number;
  /** Events per hour for a tenant with `agents` hosts. */
  perHour: (rng: Rng, agents: number) => number;
}

const SLA_TARGETS: readonly SlaSpec[] = [
  { name: 'Agent heartbeat availability', service: 'agents', target: 99.9, perHour: (_r, agents) => agents * 60 },
  { name: 'Alert triage < 15 min', service: 'soc', target: 95, perHour: (r) => r.int(2, 14) },
  { name: 'Critical patch within 7 days', service: 'patching', target: 90, perHour: (r) => r.int(1, 6) },
  { name: 'API uptime', service: 'api', target: 99.95, perHour: (r) => r.int(3000, 9000) },
];

/**
 * Observed % per tenant and target, in SLA_TARGETS order. With at_risk meaning under 25% of the
 * error budget left (shared/tools/list-sla-overview.ts), each tenant gets met, at_risk and breached.
 */
const SLA_OBSERVED: Readonly<Record<string, readonly number[]>> = {
  acme: [99.96, 95.6, 84.5, 99.99], // met (60% budget), at_risk (12%), breached, met (80%)
  'eu-bank': [99.915, 97.8, 93.5, 99.93], // at_risk (15%), met (56%), met (35%), breached
  'gov-agency': [99.97, 93.1, 91.2, 99.99], // met, breached, at_risk (12%), met
};

export async function seedSla(tx: Queryable, src: SeedSource, base: number, tenants: SeededTenant[]): Promise<number> {
  const lastHour = Math.floor(base / HOUR) * HOUR - HOUR;
  const targets: unknown[][] = [];
  const observations: unknown[][] = [];
  for (const tenant of tenants) {
    const rng = src.rng(`sla:${tenant.spec.slug}`);
    SLA_TARGETS.forEach((spec, i) => {
      const id = src.id(`sla:${tenant.spec.slug}:${i}`);
      targets.push([tenant.id, id, spec.name, spec.service, spec.target, 30]);
      const totals = Array.from({ length: WINDOW_HOURS }, () => spec.perHour(rng, tenant.agents.length));
      const bad = spreadFailures(rng, totals, SLA_OBSERVED[tenant.spec.slug]![i]!);
      totals.forEach((total, h) => observations.push([tenant.id, id, iso(lastHour - h * HOUR), total - bad[h]!, total]));
    });
  }
  await insertRows(tx, 'sla_targets', [['tenant_id', 'uuid'], ['id', 'uuid'], ['name', 'text'], ['service', 'text'], ['target_pct', 'numeric'], ['window_days', 'int']], targets);
  await insertRows(tx, 'sla_observations', [['tenant_id', 'uuid'], ['target_id', 'uuid'], ['bucket_at', 'timestamptz'], ['good', 'bigint'], ['total', 'bigint']], observations, 1000);
  return observations.length;
}

/** Bad events per hour so that the window as a whole observes exactly `observedPct`: a few incident hours, the rest spread. */
function spreadFailures(rng: Rng, totals: number[], observedPct: number): number[] {
  const sum = totals.reduce((s, t) => s + t, 0);
  const badTotal = Math.round(sum * (1 - observedPct / 100));
  const bad = totals.map(() => 0);
  let left = badTotal;
  for (let i = 0; i < 3 && left > 0; i++) {
    const h = rng.int(0, totals.length - 1);
    const take = Math.min(Math.floor((totals[h]! - bad[h]!) / 2), Math.floor(badTotal * 0.15), left);
    bad[h]! += take;
    left -= take;
  }
  const spread = left;
  totals.forEach((t, h) => {
    const add = Math.min(t - bad[h]!, Math.floor((spread * t) / sum), left);
    bad[h]! += add;
    left -= add;
  });
  for (let h = 0; left > 0; h = (h + 1) % totals.length) {
    if (bad[h]! < totals[h]!) {
      bad[h]! += 1;
      left -= 1;
    }
  }
  return bad;
}

/** A component score per name, as trust_score_history.components stores it. */
export type ComponentScores = Record<(typeof TRUST_COMPONENTS)[number], number>;

/**
 * How far each component was from today's value 29 days ago, per tenant: acme has been
 * improving, eu-bank slipping, gov-agency steady. Today's row is the live score itself
 * (computed by the Trust Score service from the seeded data), so the tool's 7-day delta
 * tells this trend rather than a jump between made-up history and live data.
 */
const TRUST_DRIFT: Readonly<Record<string, number>> = { acme: -10, 'eu-bank': 9, 'gov-agency': 0 };

export async function seedTrustHistory(
  tx: Queryable,
  src: SeedSource,
  base: number,
  tenants: SeededTenant[],
  live: (tenant: SeededTenant) => Promise<ComponentScores>,
): Promise<number> {
  const rows: unknown[][] = [];
  for (const tenant of tenants) {
    const rng = src.rng(`trust:${tenant.spec.slug}`);
    const today = await live(tenant);
    const drift = TRUST_DRIFT[tenant.spec.slug] ?? 0;
    for (let k = 29; k >= 0; k--) {
      const components = Object.fromEntries(
        TRUST_COMPONENTS.map((name) => [name, k === 0 ? today[name] : clamp(Math.round(today[name] + (drift * k) / 29 + rng.int(-1, 1)))]),
      ) as ComponentScores;
      const score = clamp(Math.round(TRUST_COMPONENTS.reduce((s, name) => s + TRUST_WEIGHTS[name] * components[name], 0)));
      rows.push([tenant.id, new Date(base - k * DAY).toISOString().slice(0, 10), score, JSON.stringify(components)]);
    }
  }
  return insertRows(tx, 'trust_score_history', [['tenant_id', 'uuid'], ['day', 'date'], ['score', 'int'], ['components', 'jsonb']], rows);
}

const BROWSERS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
];

/** Where each demo person signs in from (their office egress). */
const HOME_IP: Readonly<Record<string, string>> = {
  tech: '91.198.174.20',
  'acme-admin': '145.53.12.21',
  'acme-viewer': '145.53.12.48',
  'eubank-admin': '193.108.44.17',
  'gov-admin': '147.181.9.30',
};

/** Connector and settings history per tenant: [days ago, actor key, event type, target type, target id, metadata]. */
const ADMIN_EVENTS: Readonly<Record<string, readonly (readonly [number, string, string, string, string, Record<string, unknown>])[]>> = {
  acme: [
    [25, 'acme-admin', 'settings_changed', 'tenant', 'acme', { setting: 'mcp_enabled', old: false, new: true }],
    [24, 'acme-admin', 'mcp_authorization_granted', 'oauth_client', 'claude-ai', { client_name: 'Claude', scopes: ['mcp.read', 'mcp.acknowledge'], redirect_host: 'claude.ai' }],
    [10, 'tech', 'mcp_authorization_granted', 'oauth_client', 'claude-desktop-bridge', { client_name: 'monsys Claude bridge', scopes: ['mcp.read', 'mcp.acknowledge'], redirect_host: '127.0.0.1' }],
    [8, 'acme-admin', 'settings_changed', 'alert_rule', 'ssh_brute_force', { setting: 'threshold_failed_logins', old: 20, new: 10 }],
    [3, 'acme-admin', 'settings_changed', 'tenant', 'acme', { setting: 'maintenance_window', old: null, new: 'Sun 02:00-04:00 CET' }],
  ],
  'eu-bank': [
    [20, 'eubank-admin', 'settings_changed', 'tenant', 'eu-bank', { setting: 'mcp_enabled', old: false, new: true }],
    [9, 'tech', 'mcp_authorization_granted', 'oauth_client', 'claude-ai', { client_name: 'Claude', scopes: ['mcp.read'], redirect_host: 'claude.ai' }],
    [4, 'eubank-admin', 'settings_changed', 'tenant', 'eu-bank', { setting: 'audit_retention_days', old: 90, new: 365 }],
  ],
  'gov-agency': [
    [27, 'gov-admin', 'settings_changed', 'tenant', 'gov-agency', { setting: 'mcp_enabled', old: false, new: true }],
    [26, 'gov-admin', 'mcp_authorization_granted', 'oauth_client', 'claude-ai', { client_name: 'Claude', scopes: ['mcp.read'], redirect_host: 'claude.ai' }],
    [18, 'gov-admin', 'settings_changed', 'tenant', 'gov-agency', { setting: 'mcp_enabled', old: true, new: false, reason: 'Sovereignty policy: no tenant data to processors outside the EU' }],
    [18, 'gov-admin', 'mcp_tokens_revoked', 'tenant', 'gov-agency', { count: 1, reason: 'tenant opted out of the connector' }],
  ],
};

const AUDIT_COLUMNS = [
  ['tenant_id', 'uuid'], ['id', 'uuid'], ['occurred_at', 'timestamptz'], ['event_type', 'text'], ['actor_user_id', 'uuid'], ['actor_email', 'text'],
  ['target_type', 'text'], ['target_id', 'text'], ['metadata', 'jsonb'], ['body', 'text'],
] as const;

function rawBody(method: string, path: string, json: Record<string, unknown>): string {
  return `${method} ${path} HTTP/1.1\r\nHost: monsys.yourmsp.com\r\n${AUDIT_BODY_MARKER}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(json)}`;
}

export async function seedAudit(tx: Queryable, src: SeedSource, base: number, tenants: SeededTenant[]): Promise<number> {
  const rows: unknown[][] = [];
  for (const tenant of tenants) {
    const rng = src.rng(`audit:${tenant.spec.slug}`);
    let n = 0;
    const push = (at: number, type: string, actor: SeededTenant['members'][number], targetType: string | null, targetId: string | null, metadata: Record<string, unknown>, body: string) =>
      rows.push([tenant.id, src.id(`audit:${tenant.spec.slug}:${n++}`), iso(at), type, actor.id, actor.email, targetType, targetId, JSON.stringify(metadata), body]);
    for (const member of tenant.members) {
      const ip = HOME_IP[member.key] ?? tenant.spec.office.prefix + '.1';
      const ua = rng.pick(BROWSERS);
      for (let k = 29; k >= 0; k--) {
        const weekday = new Date(base - k * DAY).getUTCDay();
        // The technician signs in every morning; the routine of the product page looks at the last 24 hours.
        const today = k === 0 && member.key === 'tech';
        if (!today && (weekday === 0 || weekday === 6 || !rng.chance(member.key === 'tech' ? 0.95 : 0.7))) continue;
        const at = today ? base - 2 * HOUR - rng.int(0, 30) * 60_000 : base - k * DAY - rng.int(0, 10 * 60) * 60_000;
        if (rng.chance(0.06)) {
          push(at - 60_000, 'user_login_failed', member, 'user', member.id, { ip, user_agent: ua, reason: 'bad_password' }, rawBody('POST', '/login', { email: member.email, password: '[redacted]' }));
        }
        push(at, 'user_login', member, 'user', member.id, { ip, user_agent: ua, method: 'password', mfa: true }, rawBody('POST', '/login', { email: member.email, password: '[redacted]' }));
      }
    }
    for (const [daysAgo, key, type, targetType, targetId, metadata] of ADMIN_EVENTS[tenant.spec.slug] ?? []) {
      const actor = tenant.members.find((m) => m.key === key)!;
      const at = base - daysAgo * DAY - rng.int(60, 8 * 60) * 60_000;
      push(at, type, actor, targetType, targetId, metadata, rawBody('POST', `/api/v1/${type.replace(/_/g, '-')}`, { ...metadata, csrf: 'f3a9c1…' }));
    }
  }
  return insertRows(tx, 'audit_log', AUDIT_COLUMNS, rows);
}

/** One detection_acknowledged event per acknowledged detection (story and bulk alike), derived in SQL. */
export async function seedAckAudit(tx: Queryable, seed: number): Promise<number> {
  const r = await tx.query(
    `INSERT INTO audit_log (tenant_id, id, occurred_at, event_type, actor_user_id, actor_email, target_type, target_id, metadata, body)
     SELECT d.tenant_id, ${sqlUuid('h.m')}, d.acked_at, 'detection_acknowledged', d.acked_by, u.email, 'detection', d.id::text,
            jsonb_build_object('kind', d.kind, 'severity', d.severity, 'note', d.ack_note, 'via', 'dashboard'),
            'POST /api/v1/detections/' || d.id || '/ack HTTP/1.1' || chr(13) || chr(10) || $2::text || chr(13) || chr(10) || chr(13) || chr(10)
              || json_build_object('note', d.ack_note)::text
     FROM detected_events d JOIN users u ON u.id = d.acked_by
     CROSS JOIN LATERAL (SELECT md5($1::text || d.id::text) AS m) h
     WHERE d.acked_at IS NOT NULL`,
    [`${seed}:audit:ack:`, AUDIT_BODY_MARKER],
  );
  return r.rowCount;
}

const clamp = (v: number) => Math.max(0, Math.min(100, v));
