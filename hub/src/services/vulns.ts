/**
 * Open CVEs on the tenant's hosts: monsys_list_kernel_cves and monsys_list_os_cves.
 * A CVE is open on a host while its vuln_matches row has no resolved_at and the advisory
 * is not withdrawn. Advisories that name the same CVE for the same package (e.g. a DSA and
 * the CVE itself) are one entry, with the worst severity and highest CVSS among them.
 */
import type { Severity } from '../../../shared/index.js';
import type { ServiceContext, ToolHandler } from './context.js';
import { iso, rankOf, severityRank, Where } from './sql.js';

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
  cve_id: string;
  package: string;
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

/** One statement: grouping, the affected-host count, the total number of groups (window count) and the page. */
async function openCves(ctx: ServiceContext, q: CveQuery) {
  const w = new Where('m', ctx.principal.tenantId)
    .and('m.resolved_at IS NULL')
    .and('v.withdrawn_at IS NULL')
    .when(q.kernel, (p) => `v.is_kernel = ${p}`)
    .when(q.ecosystem, (p) => `v.ecosystem = ${p}`)
    .when(q.package, (p) => `v.package = ${p}`)
    .when(q.min_severity && rankOf(q.min_severity), (p) => `${severityRank('v.severity')} >= ${p}`);
  const r = await ctx.db.query<CveRow>(
    `SELECT v.cve_id, v.package, min(v.ecosystem) AS ecosystem,
            max(${severityRank('v.severity')})::int AS sev_rank,
            round(max(v.cvss)::numeric, 1)::float8 AS cvss, min(v.summary) AS summary, max(v.fixed_version) AS fixed_version,
            min(v.published_at) AS published_at,
            count(DISTINCT m.agent_id)::int AS affected_hosts,
            (count(*) OVER ())::int AS total
       FROM vuln_matches m JOIN vuln_advisories v ON v.id = m.advisory_id
      WHERE ${w.sql}
      GROUP BY v.cve_id, v.package${q.kernel ? '' : ', v.ecosystem'}
      ORDER BY affected_hosts DESC, sev_rank DESC, cvss DESC NULLS LAST, v.cve_id, v.package
      LIMIT ${w.param(q.limit)} OFFSET ${w.param(q.offset)}`,
    w.params,
  );
  let total = r.rows[0]?.total;
  if (total === undefined && q.offset > 0) {
    // Paged past the end: the window count came back with no rows, so count the groups alone.
    const c = await ctx.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM vuln_matches m JOIN vuln_advisories v ON v.id = m.advisory_id
         WHERE ${w.sql} GROUP BY v.cve_id, v.package${q.kernel ? '' : ', v.ecosystem'}) g`,
      w.params.slice(0, -2),
    );
    total = c.rows[0]!.n;
  }
  return {
    total: total ?? 0,
    rows: r.rows.map((c) => ({
      cve_id: c.cve_id,
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
