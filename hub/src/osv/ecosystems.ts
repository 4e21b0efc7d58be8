/**
 * Where an OSV ecosystem string and an agent's /etc/os-release meet: both become a
 * (manager, distro, release) triple, and an advisory applies to a host when the triples agree.
 * @see https://ossf.github.io/osv-schema/#defined-ecosystems (e.g. "Debian:12", "Ubuntu:22.04:LTS",
 *      "Alpine:v3.19", "Rocky Linux:9", "AlmaLinux:9", "Red Hat:enterprise_linux:9::appstream",
 *      "SUSE:Linux Enterprise Server 15 SP5", "openSUSE:Leap 15.5", "openSUSE:Tumbleweed")
 * @see os-release(5) for ID and VERSION_ID
 */
import type { PackageManager } from '../versions/index.js';

export type OsFamily = 'debian' | 'rhel' | 'alpine' | 'suse';

export interface DistroTarget {
  manager: PackageManager;
  family: OsFamily;
  /** Our distro key, shared by both sides: 'debian', 'ubuntu', 'alpine', 'rocky', 'almalinux', 'rhel', 'sles', 'opensuse-leap', 'opensuse-tumbleweed'. */
  distro: string;
  /** '12', '22.04', '3.19', '9', '15.5'; null for a rolling release (or an OSV ecosystem without one: any release). */
  release: string | null;
}

interface DistroDef {
  manager: PackageManager;
  family: OsFamily;
  distro: string;
  /** How the release is written in OSV's ecosystem suffix, reduced to our key. */
  osvRelease(suffix: string[]): string | null;
  /** os-release VERSION_ID reduced to the same key. */
  hostRelease(versionId: string): string | null;
}

const major = (v: string) => /^\d+/.exec(v)?.[0] ?? null;
const majorMinor = (v: string) => /^\d+\.\d+/.exec(v)?.[0] ?? major(v);
/** "15 SP5" → "15.5", "15" → "15", "15.5" → "15.5" (SUSE writes service packs both ways). */
const suseRelease = (v: string) => {
  const m = /(\d+)(?:\s*SP(\d+)|\.(\d+))?/i.exec(v);
  return m ? (m[2] ?? m[3] ? `${m[1]}.${m[2] ?? m[3]}` : m[1]!) : null;
};
const firstNumeric = (parts: string[]) => parts.find((p) => /^\d+(\.\d+)*$/.test(p.trim()))?.trim() ?? null;

/** Keyed by the OSV ecosystem name (the part before the first colon). */
const BY_OSV_NAME: Record<string, DistroDef> = {
  Debian: { manager: 'apt', family: 'debian', distro: 'debian', osvRelease: (s) => (s[0] ? major(s[0]) : null), hostRelease: major },
  Ubuntu: { manager: 'apt', family: 'debian', distro: 'ubuntu', osvRelease: firstNumeric, hostRelease: majorMinor },
  Alpine: { manager: 'apk', family: 'alpine', distro: 'alpine', osvRelease: (s) => (s[0] ? majorMinor(s[0].replace(/^v/, '')) : null), hostRelease: majorMinor },
  'Rocky Linux': { manager: 'dnf', family: 'rhel', distro: 'rocky', osvRelease: (s) => (s[0] ? major(s[0]) : null), hostRelease: major },
  AlmaLinux: { manager: 'dnf', family: 'rhel', distro: 'almalinux', osvRelease: (s) => (s[0] ? major(s[0]) : null), hostRelease: major },
  'Red Hat': { manager: 'dnf', family: 'rhel', distro: 'rhel', osvRelease: (s) => (firstNumeric(s) ? major(firstNumeric(s)!) : null), hostRelease: major },
  SUSE: { manager: 'zypper', family: 'suse', distro: 'sles', osvRelease: (s) => (s[0] ? suseRelease(s[0]) : null), hostRelease: suseRelease },
};

/** os-release ID → the same definitions (openSUSE splits into Leap and Tumbleweed). */
const BY_OS_ID: Record<string, DistroDef> = {
  debian: BY_OSV_NAME.Debian!,
  ubuntu: BY_OSV_NAME.Ubuntu!,
  alpine: BY_OSV_NAME.Alpine!,
  rocky: BY_OSV_NAME['Rocky Linux']!,
  almalinux: BY_OSV_NAME.AlmaLinux!,
  rhel: BY_OSV_NAME['Red Hat']!,
  sles: BY_OSV_NAME.SUSE!,
  sled: BY_OSV_NAME.SUSE!,
  'opensuse-leap': { manager: 'zypper', family: 'suse', distro: 'opensuse-leap', osvRelease: () => null, hostRelease: majorMinor },
  'opensuse-tumbleweed': { manager: 'zypper', family: 'suse', distro: 'opensuse-tumbleweed', osvRelease: () => null, hostRelease: () => null },
};

/** Maps an OSV ecosystem string to its target, or null for ecosystems we do not match (npm, PyPI, …). */
export function fromOsvEcosystem(ecosystem: string): DistroTarget | null {
  const [name = '', ...suffix] = ecosystem.split(':');
  if (name === 'openSUSE') {
    const product = suffix.join(':');
    if (/tumbleweed/i.test(product)) return { manager: 'zypper', family: 'suse', distro: 'opensuse-tumbleweed', release: null };
    if (/leap/i.test(product)) return { manager: 'zypper', family: 'suse', distro: 'opensuse-leap', release: majorMinor(product.replace(/^.*?leap\s*/i, '')) };
    return null;
  }
  const def = BY_OSV_NAME[name];
  if (!def) return null;
  return { manager: def.manager, family: def.family, distro: def.distro, release: def.osvRelease(suffix) };
}

/** The OSV ecosystem name (before the first colon), e.g. "Rocky Linux" for "Rocky Linux:9". */
export function osvDistroName(ecosystem: string): string {
  return ecosystem.split(':')[0]!;
}

/** Maps os-release ID and VERSION_ID (as an agent reports them) to the same target, or null when unsupported. */
export function fromOsRelease(id: string, versionId: string | undefined): DistroTarget | null {
  const def = BY_OS_ID[id.toLowerCase()];
  if (!def) return null;
  return { manager: def.manager, family: def.family, distro: def.distro, release: versionId ? def.hostRelease(versionId) : null };
}

/** The supported os-release IDs, for error messages and docs. */
export const OS_RELEASE_IDS = Object.keys(BY_OS_ID);

/**
 * Kernel packages, whose CVEs monsys_list_kernel_cves lists: Debian/Ubuntu source package `linux`
 * and its flavours (linux-aws, linux-hwe-6.5, linux-image-…, linux-signed-…), Alpine's linux-lts/
 * linux-virt, and RPM `kernel`, `kernel-default`, `kernel-rt`, … (not firmware, which is not the kernel).
 */
export function isKernelPackage(name: string): boolean {
  if (name === 'linux') return true;
  if (/^linux-(firmware|libc-dev|tools-common|base|atm|ftpd|logo)/.test(name)) return false;
  if (/^linux-(image|signed|modules|headers|lts|virt|edge|hwe|aws|azure|gcp|gke|gkeop|oracle|raspi|kvm|lowlatency|generic|oem|ibm|intel|nvidia|realtime|rt|riscv|bluefield|xilinx|meta|starfive|lts)(-|$)/.test(name)) return true;
  return /^kernel(-|$)/.test(name) && !/^kernel-firmware/.test(name);
}
