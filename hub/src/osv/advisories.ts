/**
 * One OSV record → the vuln_advisories rows the tools read: one per (ecosystem, package, CVE),
 * each carrying its affected intervals. Ecosystems outside apt/dnf/apk/zypper are left out.
 */
import type { Severity } from '../../../shared/index.js';
import type { PackageManager } from '../versions/index.js';
import { fromOsvEcosystem, isKernelPackage, osvDistroName } from './ecosystems.js';
import { intervalsOf, type Interval } from './ranges.js';
import type { OsvRecord } from './schema.js';
import { cvss2BaseScore, cvss3BaseScore, severityOfScore, severityOfWord } from './severity.js';

export interface AdvisoryRow {
  id: string;
  osv_id: string;
  cve_id: string;
  ecosystem: PackageManager;
  osv_ecosystem: string;
  distro: string;
  distro_release: string | null;
  package: string;
  is_kernel: boolean;
  severity: Severity;
  cvss: number | null;
  summary: string;
  fixed_version: string | null;
  published_at: string | null;
  withdrawn_at: string | null;
  ranges: Interval[];
}

export interface Transformed {
  /** OSV ecosystem names the record affects among those we import, e.g. ["Debian"]. */
  distros: string[];
  rows: AdvisoryRow[];
}

const CVE = /^CVE-\d{4}-\d{4,}$/;
/** When a record carries no rating at all: shown, never hidden by a min_severity filter below medium. */
const UNRATED: Severity = 'medium';

/** True when `ecosystem` is selected by one of the --ecosystem values ("Debian", "Debian:12", …). */
export function selected(ecosystem: string, filter: readonly string[] | undefined): boolean {
  if (!filter?.length) return true;
  return filter.some((f) => ecosystem === f || ecosystem.startsWith(`${f}:`));
}

export function toAdvisoryRows(r: OsvRecord, filter?: readonly string[]): Transformed {
  const cves = [...new Set([r.id, ...(r.aliases ?? []), ...(r.upstream ?? [])].filter((x) => CVE.test(x)))];
  const { severity, cvss } = rate(r);
  const summary = (r.summary?.trim() || r.details?.trim().split('\n')[0] || r.id).slice(0, 500);
  const withdrawn = r.withdrawn ? isoOrNow(r.withdrawn) : null;
  const published = r.published && !Number.isNaN(Date.parse(r.published)) ? new Date(r.published).toISOString() : null;

  const rows = new Map<string, AdvisoryRow>();
  const distros = new Set<string>();
  for (const a of r.affected ?? []) {
    if (!a.package) continue;
    const { ecosystem, name } = a.package;
    const target = fromOsvEcosystem(ecosystem);
    if (!target || !selected(ecosystem, filter)) continue;
    distros.add(osvDistroName(ecosystem));
    const ranges = (a.ranges ?? []).filter((x) => x.type === 'ECOSYSTEM').flatMap((x) => intervalsOf(x.events));
    // Exact versions listed without a range: each is its own one-version interval.
    for (const v of a.versions ?? []) if (!ranges.length) ranges.push({ introduced: v, fixed: null, last_affected: v });
    if (!ranges.length) continue;
    const fixes = ranges.map((x) => x.fixed).filter((x): x is string => x !== null);
    const rowSeverity = severityOfWord(String(a.ecosystem_specific?.severity ?? a.ecosystem_specific?.urgency ?? '')) ?? severity;
    for (const cve of cves.length ? cves : [r.id]) {
      const id = `${r.id}/${ecosystem}/${name}/${cve}`;
      rows.set(id, {
        id,
        osv_id: r.id,
        cve_id: cve,
        ecosystem: target.manager,
        osv_ecosystem: ecosystem,
        distro: target.distro,
        distro_release: target.release,
        package: name,
        is_kernel: isKernelPackage(name),
        severity: cvss !== null ? severity : rowSeverity,
        cvss,
        summary,
        fixed_version: fixes.length ? fixes[fixes.length - 1]! : null,
        published_at: published,
        withdrawn_at: withdrawn,
        ranges,
      });
    }
  }
  return { distros: [...distros].sort(), rows: [...rows.values()] };
}

/** CVSS vector first (v3 over v2), then a distribution's rating in words, then UNRATED. */
function rate(r: OsvRecord): { severity: Severity; cvss: number | null } {
  const by = (t: RegExp) => r.severity?.find((s) => t.test(s.type))?.score;
  const v3 = by(/^CVSS_V3$/);
  const v2 = by(/^CVSS_V2$/);
  const score = (v3 && cvss3BaseScore(v3)) ?? (v2 && cvss2BaseScore(v2)) ?? null;
  if (typeof score === 'number') return { severity: severityOfScore(score), cvss: score };
  const word =
    severityOfWord(by(/^Ubuntu$/i)) ??
    severityOfWord(typeof r.database_specific?.severity === 'string' ? r.database_specific.severity : undefined) ??
    severityOfWord(by(/.*/));
  return { severity: word ?? UNRATED, cvss: null };
}

function isoOrNow(s: string): string {
  const t = Date.parse(s);
  return new Date(Number.isNaN(t) ? Date.now() : t).toISOString();
}
