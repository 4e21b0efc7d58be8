/**
 * `hub osv import PATH`: reads OSV records from a folder or zip, stores the ones for apt/dnf/apk/zypper
 * ecosystems as vuln_advisories rows, withdraws what OSV withdrew (and, on a full import, what the
 * export no longer contains), then re-matches every tenant's inventories.
 * Idempotent: an unchanged record (same content hash) is not rewritten, and upserts key on stable ids.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Db, Queryable } from '../db/types.js';
import { toAdvisoryRows, type AdvisoryRow } from './advisories.js';
import { osvDistroName } from './ecosystems.js';
import { recomputeMatches, type MatchStats } from './match.js';
import { readOsvSource } from './read.js';
import { OsvRecord } from './schema.js';

export interface ImportOptions {
  /** Only these OSV ecosystems ("Debian", "Debian:12", "Alpine:v3.19"); all supported ones by default. */
  ecosystems?: string[];
  /** The source is a complete export of its ecosystems: records it no longer has are withdrawn. */
  full?: boolean;
  /** Progress lines (the CLI sends them to stderr). */
  log?: (line: string) => void;
  batchSize?: number;
}

export interface ImportStats {
  files: number;
  /** Records that affect a supported ecosystem. */
  records: number;
  imported: number;
  unchanged: number;
  withdrawn: number;
  /** Records withdrawn because a full import no longer contained them. */
  removed: number;
  /** Records of other ecosystems (npm, PyPI, …). */
  skipped: number;
  invalid: number;
  /** The first few invalid files with the reason (file name and field, never contents). */
  problems: string[];
  matches: MatchStats;
}

interface Pending {
  id: string;
  sha: string;
  modified: string | null;
  withdrawn: string | null;
  distros: string[];
  rows: AdvisoryRow[];
}

export async function importOsv(db: Db, path: string, o: ImportOptions = {}): Promise<ImportStats> {
  const log = o.log ?? (() => {});
  const batchSize = o.batchSize ?? 200;
  const runId = randomUUID();
  const stats: ImportStats = { files: 0, records: 0, imported: 0, unchanged: 0, withdrawn: 0, removed: 0, skipped: 0, invalid: 0, problems: [], matches: { opened: 0, resolved: 0 } };
  const seenDistros = new Set<string>();
  await db.query('INSERT INTO osv_imports (id, source, ecosystems, full_import) VALUES ($1, $2, $3, $4)', [runId, path, o.ecosystems ?? [], Boolean(o.full)]);

  const problem = (file: string, why: string) => {
    stats.invalid++;
    if (stats.problems.length < 20) stats.problems.push(`${file}: ${why}`);
  };

  let batch: Pending[] = [];
  const flush = async () => {
    if (!batch.length) return;
    const b = batch;
    batch = [];
    await db.transaction((tx) => storeBatch(tx, b, runId, stats));
    log(`osv import: ${stats.files} files read, ${stats.imported} records imported, ${stats.unchanged} unchanged, ${stats.skipped} skipped`);
  };

  for (const item of readOsvSource(path)) {
    stats.files++;
    if ('error' in item) {
      problem(item.file, item.error);
      continue;
    }
    const parsed = OsvRecord.safeParse(item.json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      problem(item.file, `${issue.path.map(String).join('.') || '(record)'}: ${issue.message}`);
      continue;
    }
    const record = parsed.data;
    const { rows, distros } = toAdvisoryRows(record, o.ecosystems);
    if (!distros.length) {
      stats.skipped++;
      continue;
    }
    for (const d of distros) seenDistros.add(d);
    stats.records++;
    const sha = createHash('sha256').update(JSON.stringify(item.json)).update(JSON.stringify(o.ecosystems ?? [])).digest('hex');
    batch.push({ id: record.id, sha, modified: validDate(record.modified), withdrawn: rows[0]?.withdrawn_at ?? validDate(record.withdrawn), distros, rows });
    if (batch.length >= batchSize) await flush();
  }
  await flush();

  if (o.full) {
    // The scope of a full import: the ecosystems asked for, else the ones the export contained.
    const scope = o.ecosystems?.length ? [...new Set(o.ecosystems.map(osvDistroName))] : [...seenDistros];
    const removed = await db.transaction(async (tx) => {
      const r = await tx.query<{ id: string }>(
        `UPDATE osv_records SET withdrawn_at = now()
          WHERE withdrawn_at IS NULL AND last_import_id IS DISTINCT FROM $1 AND distros <@ $2::text[]
          RETURNING id`,
        [runId, scope],
      );
      const ids = r.rows.map((x) => x.id);
      if (ids.length) await tx.query('UPDATE vuln_advisories SET withdrawn_at = now() WHERE osv_id = ANY($1::text[]) AND withdrawn_at IS NULL', [ids]);
      return ids.length;
    });
    stats.removed = removed;
    if (removed) log(`osv import: ${removed} records no longer in the export were withdrawn`);
  }

  log('osv import: matching inventories of every tenant');
  stats.matches = await recomputeMatches(db);
  const { problems: _p, ...summary } = stats;
  await db.query('UPDATE osv_imports SET finished_at = now(), stats = $2 WHERE id = $1', [runId, JSON.stringify(summary)]);
  log(`osv import: done: ${stats.matches.opened} matches opened, ${stats.matches.resolved} resolved`);
  return stats;
}

async function storeBatch(tx: Queryable, batch: Pending[], runId: string, stats: ImportStats): Promise<void> {
  // A record listed twice in one source: the last copy wins.
  const byId = new Map(batch.map((p) => [p.id, p]));
  const ids = [...byId.keys()];
  const known = new Map(
    (
      await tx.query<{ id: string; content_sha256: string; withdrawn: boolean }>(
        'SELECT id, content_sha256, withdrawn_at IS NOT NULL AS withdrawn FROM osv_records WHERE id = ANY($1::text[])',
        [ids],
      )
    ).rows.map((r) => [r.id, r]),
  );
  // Rewritten when new, changed, or back in the export after a full import had withdrawn it.
  const changed = [...byId.values()].filter((p) => {
    const k = known.get(p.id);
    return !k || k.content_sha256 !== p.sha || (k.withdrawn && !p.withdrawn);
  });
  stats.unchanged += byId.size - changed.length;
  stats.imported += changed.length;
  stats.withdrawn += changed.filter((p) => p.withdrawn).length;

  if (changed.length) {
    await tx.query(
      `INSERT INTO osv_records (id, modified_at, withdrawn_at, distros, content_sha256, last_import_id)
       SELECT k.id, k.modified, k.withdrawn, string_to_array(k.distros, ','), k.sha, $6
         FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::text[], $5::text[]) AS k(id, modified, withdrawn, distros, sha)
       ON CONFLICT (id) DO UPDATE SET modified_at = excluded.modified_at, withdrawn_at = excluded.withdrawn_at, distros = excluded.distros,
              content_sha256 = excluded.content_sha256, last_import_id = excluded.last_import_id, imported_at = now()`,
      [changed.map((p) => p.id), changed.map((p) => p.modified), changed.map((p) => p.withdrawn), changed.map((p) => p.distros.join(',')), changed.map((p) => p.sha), runId],
    );
    const rows = changed.flatMap((p) => p.rows);
    const col = <K extends keyof AdvisoryRow>(k: K) => rows.map((r) => r[k]);
    await tx.query(
      `INSERT INTO vuln_advisories (id, osv_id, cve_id, ecosystem, osv_ecosystem, distro, distro_release, package, is_kernel,
                                    severity, cvss, summary, fixed_version, published_at, withdrawn_at, ranges)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::boolean[],
                            $10::text[], $11::real[], $12::text[], $13::text[], $14::timestamptz[], $15::timestamptz[], $16::jsonb[])
       ON CONFLICT (id) DO UPDATE SET
         cve_id = excluded.cve_id, ecosystem = excluded.ecosystem, osv_ecosystem = excluded.osv_ecosystem, distro = excluded.distro,
         distro_release = excluded.distro_release, package = excluded.package, is_kernel = excluded.is_kernel, severity = excluded.severity,
         cvss = excluded.cvss, summary = excluded.summary, fixed_version = excluded.fixed_version, published_at = excluded.published_at,
         withdrawn_at = excluded.withdrawn_at, ranges = excluded.ranges`,
      [
        col('id'), col('osv_id'), col('cve_id'), col('ecosystem'), col('osv_ecosystem'), col('distro'), col('distro_release'), col('package'),
        col('is_kernel'), col('severity'), col('cvss'), col('summary'), col('fixed_version'), col('published_at'), col('withdrawn_at'),
        rows.map((r) => JSON.stringify(r.ranges)),
      ],
    );
    // Packages or CVEs a changed record no longer lists are withdrawn, not deleted: their history stays.
    await tx.query(
      `UPDATE vuln_advisories SET withdrawn_at = now()
        WHERE osv_id = ANY($1::text[]) AND withdrawn_at IS NULL AND NOT (id = ANY($2::text[]))`,
      [changed.map((p) => p.id), col('id')],
    );
  }
  await tx.query('UPDATE osv_records SET last_import_id = $2 WHERE id = ANY($1::text[])', [ids, runId]);
}

function validDate(s: string | null | undefined): string | null {
  if (!s) return null;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

