/**
 * Suggested next steps for a detection: rules per detection kind, sharpened by facts from
 * the tenant's data (did a login from the source IP succeed after failures? was the IP seen
 * elsewhere?). Steps suggest; they never act (the product page: "Claude can see + summarise
 * + suggest, never execute" — isolation and account locks stay TOTP-gated in the dashboard).
 *
 * Only text we write, plus hostnames and IPs, goes into a step: never a target user name,
 * command line or user agent, which an attacker chose (they reach the model only in their
 * own fields, marked untrusted in the catalogue).
 */
import type { z } from 'zod';
import type { DetectionKind } from '../../../shared/index.js';

type Kind = z.infer<typeof DetectionKind>;

export interface StepFacts {
  kind: Kind;
  hostname: string;
  srcIp: string | null;
  hasTargetUser: boolean;
  /** When it was acknowledged (ISO), or null while open. */
  ackedAt: string | null;
  /** Auth events from the source IP within ±24h of the detection. */
  failedLogins: number;
  /** A login from the source IP succeeded after its first failure in that window. */
  successAfterFailures: boolean;
  /** Other detections (last 30 days) from the same source IP on other hosts. */
  sameIpOtherHosts: number;
  /** Other detections of the same kind in the last 30 days. */
  sameKind: number;
}

const KIND_LABEL: Record<Kind, string> = {
  ssh_brute_force: 'SSH brute-force',
  impossible_travel: 'impossible-travel',
  new_admin_user: 'new-admin-user',
  suspicious_process: 'suspicious-process',
  port_scan: 'port-scan',
  malware_hash: 'malware-hash',
};

/** The steps, most urgent first; always at least one. */
export function suggestNextSteps(f: StepFacts): string[] {
  const ip = f.srcIp ?? 'the source address';
  const host = f.hostname;
  const account = f.hasTargetUser ? 'the targeted account' : 'the affected account';
  const steps: string[] = [];

  if (f.successAfterFailures) {
    steps.push(
      `A login from ${ip} succeeded after ${f.failedLogins} failed attempt(s): treat ${account} as compromised — rotate its password and SSH keys, ` +
        `end its sessions, and review ${host} for persistence (new users, cron jobs, authorized_keys).`,
    );
  }

  switch (f.kind) {
    case 'ssh_brute_force':
      if (!f.successAfterFailures) {
        steps.push(
          `No successful login from ${ip} was seen around the attack: block ${ip} at the firewall (or fail2ban) on ${host} ` +
            `and confirm SSH password authentication is disabled there.`,
        );
      }
      steps.push(`Check whether ${account} needs remote login at all on ${host}; prefer key-only SSH and disable root login.`);
      break;
    case 'impossible_travel':
      steps.push(
        `Confirm with the owner of ${account} whether both logins were theirs (a VPN or travel can explain it); if not, reset its password, ` +
          `revoke its sessions and enforce MFA.`,
      );
      break;
    case 'new_admin_user':
      steps.push(
        `Match the new administrator account on ${host} against a change ticket; if it was not planned, disable it from the dashboard ` +
          `and review what it did since it was created.`,
      );
      break;
    case 'suspicious_process':
      steps.push(
        `Review the process, its parent and its network connections on ${host}; if it is not explained, isolate the host from the dashboard ` +
          `(TOTP-gated) and collect forensic data before rebooting.`,
      );
      break;
    case 'port_scan':
      steps.push(
        `Check whether ${ip} is an authorised scanner; if not, block it at the perimeter and review which services ${host} exposes.`,
      );
      break;
    case 'malware_hash':
      steps.push(
        `Quarantine the file on ${host}, run a full scan, and search the other hosts for the same hash before closing this detection.`,
      );
      break;
  }

  if (f.srcIp && f.sameIpOtherHosts > 0) {
    steps.push(
      `${f.srcIp} appears in ${atLeast(f.sameIpOtherHosts)} other detection(s) on other hosts in the last 30 days: block it fleet-wide rather than per host.`,
    );
  }
  if (f.sameKind >= 3) {
    steps.push(
      `${atLeast(f.sameKind)} other ${KIND_LABEL[f.kind]} detections in the last 30 days: look for a common cause (exposure, a missing rule) across the fleet.`,
    );
  }
  steps.push(
    f.ackedAt
      ? `Already acknowledged at ${f.ackedAt}; reopen it from the dashboard if new activity appears.`
      : 'When the investigation is done, close it with monsys_acknowledge_detection (reversible from the dashboard).',
  );
  return steps;
}

/** The detection counts are capped at 1,000 (detections.ts COUNT_CAP): say so rather than print the cap as a count. */
function atLeast(n: number): string {
  return n >= 1_000 ? 'over 1,000' : String(n);
}
