/**
 * Query plans of every tool's SQL. The statements are captured by running each tool's service
 * function on a recording database, then explained with their real parameters.
 * Used by the benchmark (EXPLAIN ANALYZE at the large size) and by test/query-plans.test.ts.
 */
import { CATALOGUE, type ToolName } from '../shared/index.js';
import { openPg } from '../hub/src/db/pg.js';
import type { Db } from '../hub/src/db/types.js';
import { recordingDb } from '../hub/src/db/recording.js';
import { HANDLERS } from '../hub/src/services/index.js';

/** Tables that grow with the fleet: a sequential scan of one of these is a bug at scale. */
export const LARGE_TABLES = ['agents', 'alerts', 'detected_events', 'auth_events', 'audit_log', 'mcp_call_log', 'vuln_matches', 'agent_packages', 'sla_observations', 'mcp_access_tokens', 'open_cve_hosts'];

export interface PlanReport {
  tool: ToolName;
  sql: string;
  totalMs: number | null;
  seqScans: string[];
  plan: unknown;
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Actual Total Time'?: number;
  Plans?: PlanNode[];
}

function seqScansOf(node: PlanNode, out: string[] = []): string[] {
  if (node['Node Type'] === 'Seq Scan' && node['Relation Name'] && LARGE_TABLES.includes(node['Relation Name'])) out.push(node['Relation Name']);
  for (const child of node.Plans ?? []) seqScansOf(child, out);
  return out;
}

/** Runs one tool's service function and returns the SELECTs it issued. */
export async function captureStatements(db: Db, principal: unknown, name: ToolName, args: Record<string, unknown>): Promise<{ sql: string; params: unknown[] }[]> {
  const seen: { sql: string; params: unknown[] }[] = [];
  const recording = recordingDb(db, (sql, params) => seen.push({ sql, params }));
  const tool = CATALOGUE.find((t) => t.name === name)!;
  const handler = HANDLERS[name] as (ctx: unknown, input: unknown) => Promise<unknown>;
  await handler({ db: recording, principal }, tool.input.parse(args));
  return seen;
}

export interface ExplainOptions {
  /** EXPLAIN ANALYZE (runs the query) rather than the plan alone. */
  analyze?: boolean;
  /** Turn sequential scans off, so a remaining one proves no usable index exists. */
  forbidSeqScan?: boolean;
  /** Skip the acknowledge write tool (it changes data). */
  tools?: ToolName[];
}

export async function explainAll(
  url: string,
  principalJson: string,
  argsFor: (name: ToolName) => Record<string, unknown>,
  options: ExplainOptions = { analyze: true },
): Promise<PlanReport[]> {
  const db = openPg(url, { max: 1 });
  const principal = JSON.parse(principalJson);
  const reports: PlanReport[] = [];
  try {
    for (const tool of CATALOGUE) {
      if (!tool.readOnly || (options.tools && !options.tools.includes(tool.name))) continue;
      for (const s of await captureStatements(db, principal, tool.name, argsFor(tool.name))) {
        const plan = await db.transaction(async (tx) => {
          if (options.forbidSeqScan) await tx.query('SET LOCAL enable_seqscan = off');
          const r = await tx.query<{ 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time'?: number }] }>(
            `EXPLAIN (${options.analyze ? 'ANALYZE, ' : ''}FORMAT JSON) ${s.sql}`,
            s.params,
          );
          return r.rows[0]!['QUERY PLAN'][0];
        });
        reports.push({ tool: tool.name, sql: s.sql.replace(/\s+/g, ' ').trim(), totalMs: plan['Execution Time'] ?? null, seqScans: seqScansOf(plan.Plan), plan: plan.Plan });
      }
    }
  } finally {
    await db.close();
  }
  return reports;
}
