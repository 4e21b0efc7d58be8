/**
 * What agents send, validated with zod. Objects are strict, so a misspelt field is an error that
 * names it rather than data silently dropped. Ids of events are chosen by the agent (UUIDs), which
 * makes a retried batch idempotent. Limits keep one request's work bounded.
 */
import { z } from 'zod';
import { AlertCategory, AuthMethod, DetectionKind, Severity } from '../../../shared/schemas.js';

/** Caps per request (documented in docs/ingest.md). */
export const LIMITS = {
  heartbeatBytes: '16kb',
  inventoryBytes: '4mb',
  eventsBytes: '1mb',
  packages: 20_000,
  /** Detections + alerts + auth events in one events batch. */
  events: 1_000,
  tags: 32,
} as const;

const Ip = z.union([z.ipv4(), z.ipv6()], { error: 'must be an IPv4 or IPv6 address' });
/** How far ahead of the hub's clock an agent's clock may run before its times are refused. */
export const CLOCK_SKEW_SECONDS = 300;
/**
 * A time the agent observed: never in the future (beyond clock skew), or a detection dated 2099 would
 * head every "newest first" list and every "last 24 h" window for ever.
 */
const Time = z.iso
  .datetime({ offset: true })
  .refine((v) => Date.parse(v) <= Date.now() + CLOCK_SKEW_SECONDS * 1000, `must not be in the future (more than ${CLOCK_SKEW_SECONDS / 60} minutes ahead of the hub's clock)`);
const Country = z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as "DE"');
const text = (max: number) => z.string().min(1).max(max);

/** /etc/os-release's ID and VERSION_ID: how packages are matched against OSV ecosystems. */
export const OsRelease = z.strictObject({
  id: z.string().min(1).max(64),
  version_id: z.string().max(64).optional(),
});

export const Heartbeat = z.strictObject({
  agent_id: z.uuid(),
  hostname: text(253),
  ip: Ip,
  country_code: Country.optional(),
  os: text(200),
  os_release: OsRelease,
  kernel_version: text(200),
  tags: z.array(z.string().min(1).max(64)).max(LIMITS.tags).default([]),
  cpu_pct: z.number().min(0).max(100),
  mem_pct: z.number().min(0).max(100),
  disk_pct: z.number().min(0).max(100),
  /** The agent may report itself degraded; offline is the hub's call, from last_seen_at. */
  status: z.enum(['online', 'degraded']).default('online'),
});
export type Heartbeat = z.infer<typeof Heartbeat>;

const Package = z.strictObject({
  name: text(256),
  version: text(256),
  /** The source package (dpkg's ${source:Package}, apk's origin): Debian, Ubuntu and Alpine advisories name these. */
  source: text(256).optional(),
  source_version: text(256).optional(),
});

export const Inventory = z.strictObject({
  agent_id: z.uuid(),
  os_release: OsRelease,
  packages: z.array(Package).max(LIMITS.packages),
});
export type Inventory = z.infer<typeof Inventory>;

const Detection = z.strictObject({
  id: z.uuid(),
  /** The kinds the tools know (shared/schemas.ts): anything else could not be shown by monsys_get_detection. */
  kind: DetectionKind,
  severity: Severity,
  title: text(300),
  description: z.string().max(8000),
  src_ip: Ip.optional(),
  src_country: Country.optional(),
  target_user: text(256).optional(),
  process_cmdline: z.string().max(8192).optional(),
  user_agent: z.string().max(2048).optional(),
  detected_at: Time,
  /** Auth events (already sent, or in this batch) that this detection was raised from. */
  auth_event_ids: z.array(z.uuid()).max(LIMITS.events).optional(),
});

const Alert = z.strictObject({
  id: z.uuid(),
  severity: Severity,
  category: AlertCategory,
  title: text(300),
  description: z.string().max(8000),
  status: z.enum(['open', 'resolved']).default('open'),
  created_at: Time,
  resolved_at: Time.optional(),
});

const AuthEvent = z.strictObject({
  id: z.uuid(),
  occurred_at: Time,
  username: text(256),
  src_ip: Ip,
  src_country: Country.optional(),
  method: AuthMethod,
  success: z.boolean(),
  /** The detection (already sent, or in this batch) this event belongs to. */
  detection_id: z.uuid().optional(),
});

export const Events = z
  .strictObject({
    agent_id: z.uuid(),
    detections: z.array(Detection).default([]),
    alerts: z.array(Alert).default([]),
    auth_events: z.array(AuthEvent).default([]),
  })
  .refine((b) => b.detections.length + b.alerts.length + b.auth_events.length <= LIMITS.events, {
    message: `at most ${LIMITS.events} items per batch (detections + alerts + auth_events); split the batch`,
    path: ['detections'],
  });
export type Events = z.infer<typeof Events>;
