/**
 * Open CVEs on the tenant's hosts: monsys_list_kernel_cves and monsys_list_os_cves.
 * A CVE is open on a host while its vuln_matches row has no resolved_at and the advisory
 * is not withdrawn. Advisories that name the same CVE for the same package (e.g. a DSA and
 * the CVE itself) are one entry, with the worst severity and highest CVSS among them.
 *
 * The entries come from open_cves (migration 005), which triggers on vuln_matches and
 * vuln_advisories keep equal to that grouping, one row per entry and min_severity; so a call
 * reads the tenant's entries, not its matches (the measurements are in docs/performance.md).
 */
import type { Severity } from '../../../shared/index.js';
import type { ServiceContext, ToolHandler } from './context.js';
import { iso, rankOf, Where } from './sql.js';

type Ecosystem = 'apt' | 'dnf' | 'apk' | 'zypper';

interface CveQuery {
  kernel: boolean;
  ecosystem?: Ecosystem;
  package?: string;
  min_severity?: Severity;
  limit: number;
  offset: number;
}

interface CveRow {
  cve_id: string | null;
  package: string;
  /** '' for kernel entries, which span ecosystems (listKernelCves drops it). */
  ecosystem: Ecosystem;
  sev_rank: number;
  cvss: number | null;
  summary: string;
  fixed_version: string | null;
  published_at: Date | null;
  affected_hosts: number;
  total: number;
}

const BY_RANK: Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

/** The tools' order; the last key only breaks ties between one CVE and package in two ecosystems. */
const orderBy = (a: string) =>
  `${a}.affected_hosts DESC, ${a}.sev_rank DESC, ${a}.cvss DESC NULLS LAST, ${a}.cve_id, ${a}.package, ${a}.ecosystem`;

/**
 * One statement: the number of entries and the page, both in the order of the open_cves_rank
 * (or, with an ecosystem, open_cves_ecosystem) index. The count is the outer row, so a page past
 * the end still has its total (one row with no entry).
 */
async function openCves(ctx: ServiceContext, q: CveQuery) {
  // No min_severity is rank 1 (info): every entry.
  const w = new Where('o', ctx.principal.tenantId)
    .and(q.kernel ? 'o.is_kernel' : 'NOT o.is_kernel')
    .when(q.min_severity ? rankOf(q.min_severity) : 1, (p) => `o.min_rank = ${p}`)
    .when(q.ecosystem, (p) => `o.ecosystem = ${p}`)
    .when(q.package, (p) => `o.package = ${p}`);
  const r = await ctx.db.query<CveRow>(
    `SELECT p.cve_id, p.package, p.ecosystem, p.sev_rank::int AS sev_rank, p.cvss, p.summary, p.fixed_version, p.published_at,
            p.affected_hosts, c.total
       FROM (SELECT count(*)::int AS total FROM open_cves o WHERE ${w.sql}) c
       LEFT JOIN LATERAL (
         SELECT o.cve_id, o.package, o.ecosystem, o.sev_rank, o.cvss, o.summary, o.fixed_version, o.published_at, o.affected_hosts
           FROM open_cves o WHERE ${w.sql}
          ORDER BY ${orderBy('o')}
          LIMIT ${w.param(q.limit)} OFFSET ${w.param(q.offset)}
       ) p ON true
      ORDER BY ${orderBy('p')}`,
    w.params,
  );
  return {
    total: r.rows[0]?.total ?? 0,
    rows: r.rows
      .filter((c) => c.cve_id !== null)
      .map((c) => ({
        cve_id: c.cve_id!,
        severity: BY_RANK[c.sev_rank - 1]!,
        cvss: c.cvss,
        summary: c.summary,
        package: c.package,
        fixed_version: c.fixed_version,
        published_at: c.published_at ? iso(c.published_at) : null,
        affected_hosts: c.affected_hosts,
        ecosystem: c.ecosystem,
      })),
  };
}

export const listKernelCves: ToolHandler<'monsys_list_kernel_cves'> = async (ctx, input) => {
  const { rows, total } = await openCves(ctx, { kernel: true, ...input });
  return { cves: rows.map(({ ecosystem: _ecosystem, ...c }) => c), total };
};

export const listOsCves: ToolHandler<'monsys_list_os_cves'> = async (ctx, input) => {
  const { rows, total } = await openCves(ctx, { kernel: false, ...input });
  return { cves: rows, total };
};
