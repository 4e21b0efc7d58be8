/**
 * `npm run bench` — measured speed of the hub at fleet size, with its baselines in the same run.
 * `npm run bench -- --quick` is the smoke run (demo size, short loads; CI runs it).
 * Results: a table on stdout and JSON under bench/results/. See docs/performance.md.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { CATALOGUE, type ToolName } from '../shared/index.js';
import { issueAccessToken, verifyAccessToken } from '../hub/src/auth/tokens.js';
import { migrate } from '../hub/src/db/migrate.js';
import { openPg } from '../hub/src/db/pg.js';
import { HANDLERS } from '../hub/src/services/index.js';
import { computeTrust } from '../hub/src/services/trust.js';
import { DEMO_ACCOUNTS, seedDemo } from '../hub/src/seed/index.js';
import { ROOT } from '../test/harness/paths.js';
import { benchBridge, type BridgeResult } from './bridge.js';
import { explainAll, type PlanReport } from './explain.js';
import { median, peakRssMiB, rssMiB } from './proc.js';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    sizes: { type: 'string' },
    duration: { type: 'string' },
    'pg-url': { type: 'string', default: process.env.PG_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    'no-pglite': { type: 'boolean', default: false },
    /** Comma-separated tool names: a focused run of just those tools (no memory, plan, bridge or PGlite parts). */
    tools: { type: 'string' },
    /** Writes a V8 CPU profile of each hub process into this folder (open in Chrome DevTools). */
    'hub-cpu-prof': { type: 'string' },
  },
});

const SIZES = { small: 1, medium: 10, large: 100 } as const;
type Size = keyof typeof SIZES;
const sizes = (flags.sizes?.split(',') ?? (flags.quick ? ['small'] : ['small', 'medium', 'large'])) as Size[];
const duration = Number(flags.duration ?? (flags.quick ? 1 : 5));
const connectionsList = [1, 32];
const focus = flags.tools?.split(',');
const unknownTool = focus?.find((n) => !CATALOGUE.some((t) => t.name === n));
if (unknownTool) throw new Error(`--tools: no tool named ${unknownTool}`);
const hubFlags = flags['hub-cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${flags['hub-cpu-prof']}`] : [];
const toolsToRun = focus ? CATALOGUE.filter((t) => focus.includes(t.name)) : CATALOGUE;
const log = (s: string) => process.stderr.write(`${s}\n`);

interface Load {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
}

/** One load-generator process for the whole run; jobs go in on stdin, results come back in order. */
const loader = (() => {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/load-worker.ts')], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting: ((l: Load) => void)[] = [];
  let buf = '';
  proc.stdout!.on('data', (d) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      waiting.shift()?.(JSON.parse(line) as Load);
    }
  });
  return {
    run: (job: object, seconds: number) =>
      new Promise<Load>((resolve) => {
        waiting.push(resolve);
        proc.stdin!.write(JSON.stringify({ ...job, durationSeconds: seconds }) + '\n');
      }),
    close: () => proc.stdin!.end(),
  };
})();

type LoadJob = { url: string; method?: string; headers?: Record<string, string>; body?: string; connections: number; amount?: number };

function load(o: LoadJob): Promise<Load> {
  return loader.run(o, duration);
}

/** A slice of a load in turns: half a second in the quick run (four doors per tool within its two minutes). */
const sliceSeconds = flags.quick ? 0.5 : 1;

/**
 * Loads compared with each other, run in turns: `duration` slices of each (one second; quick: half), one of every job
 * after another, so that a slow spell of the shared machine (another tenant of the host) falls on every
 * door alike rather than on whichever ran then. Per job: requests per second over all its slices, the
 * median slice's p50 and p99, and the sums of the counts.
 */
async function loadsInTurn(jobs: LoadJob[]): Promise<Load[]> {
  const slices: Load[][] = jobs.map(() => []);
  for (let round = 0; round < duration; round++) {
    for (const [i, job] of jobs.entries()) slices[i]!.push(await loader.run(job, sliceSeconds));
  }
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return slices.map((ls) => ({
    rps: sum(ls.map((l) => l.rps)) / ls.length,
    p50: median(ls.map((l) => l.p50)),
    p99: median(ls.map((l) => l.p99)),
    requests: sum(ls.map((l) => l.requests)),
    non2xx: sum(ls.map((l) => l.non2xx)),
    errors: sum(ls.map((l) => l.errors)),
  }));
}

function startProcess(args: string[], env: Record<string, string>, ready: RegExp, nodeFlags: string[] = []): Promise<{ proc: ChildProcess; match: RegExpExecArray }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stderr!.on('data', (d) => (err += d));
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = ready.exec(out);
      if (m) resolve({ proc, match: m });
    });
    proc.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${err.slice(-2000)}`)));
  });
}

const stop = (p: ChildProcess) => new Promise<void>((r) => (p.exitCode !== null ? r() : (p.once('exit', () => r()), p.kill('SIGTERM'))));

/** A database per size, seeded once and reused by later runs (the marker table records how). */
async function datasetUrl(size: Size): Promise<{ url: string; seededMs: number | null }> {
  const scale = SIZES[size];
  const name = `monsys_bench_${size}`;
  const admin = new pg.Client({ connectionString: flags['pg-url'] });
  await admin.connect();
  const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount;
  const url = new URL(flags['pg-url']!);
  url.pathname = `/${name}`;
  if (exists) {
    const c = new pg.Client({ connectionString: url.toString() });
    await c.connect();
    const marker = await c.query("SELECT scale FROM bench_meta WHERE scale = $1 AND to_regclass('bench_meta') IS NOT NULL", [scale]).catch(() => ({ rowCount: 0 }));
    await c.end();
    if (marker.rowCount) {
      await admin.end();
      log(`${size}: reusing seeded database ${name}`);
      return { url: url.toString(), seededMs: null };
    }
    await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
  }
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const db = openPg(url.toString(), { max: 4 });
  await migrate(db);
  const t = performance.now();
  const summary = await seedDemo(db, { scale, log: (l) => log(`  ${size}: ${l}`) });
  const seededMs = Math.round(performance.now() - t);
  // A bulk-loaded table has no visibility map yet: vacuum it, as autovacuum would in steady state,
  // so index-only scans are possible as they are on a live hub.
  await db.exec('VACUUM ANALYZE');
  await db.exec('CREATE TABLE bench_meta (scale int NOT NULL)');
  await db.query('INSERT INTO bench_meta VALUES ($1)', [scale]);
  await db.close();
  log(`${size}: seeded ${JSON.stringify(summary)} in ${seededMs} ms`);
  return { url: url.toString(), seededMs };
}

interface Fixture {
  token: string;
  principalJson: string;
  agentId: string;
  detectionId: string;
}

async function fixture(url: string): Promise<Fixture> {
  const db = openPg(url, { max: 2 });
  const t = await db.query<{ tenant_id: string; user_id: string }>(
    `SELECT m.tenant_id, m.user_id FROM memberships m JOIN tenants t ON t.id = m.tenant_id
      WHERE t.slug = 'acme' AND m.role = 'admin' ORDER BY m.user_id LIMIT 1`,
  );
  const { tenant_id, user_id } = t.rows[0]!;
  const token = (await issueAccessToken(db, { tenantId: tenant_id, userId: user_id, scopes: ['mcp.read', 'mcp.acknowledge'], ttlSeconds: 86400 })).value;
  const principal = await verifyAccessToken(db, token);
  const agent = await db.query<{ id: string }>('SELECT id FROM agents WHERE tenant_id = $1 ORDER BY id LIMIT 1', [tenant_id]);
  const det = await db.query<{ id: string }>('SELECT id FROM detected_events WHERE tenant_id = $1 ORDER BY detected_at DESC LIMIT 1', [tenant_id]);
  await db.close();
  return { token, principalJson: JSON.stringify(principal), agentId: agent.rows[0]!.id, detectionId: det.rows[0]!.id };
}

/** The arguments each tool is benchmarked with: the product page's routines where they say. */
function argsFor(name: ToolName, f: Fixture): Record<string, unknown> {
  switch (name) {
    case 'monsys_get_agent':
      return { agent_id: f.agentId };
    case 'monsys_get_detection':
    case 'monsys_acknowledge_detection':
      return { detection_id: f.detectionId };
    case 'monsys_list_detections':
      return { since: '24h', ack: 'open' };
    case 'monsys_list_alerts':
      return { severity: 'critical' };
    case 'monsys_audit_log_search':
      return { event_type: 'mcp_authorization_granted', since: '7d' };
    default:
      return {};
  }
}

function restRequest(base: string, name: ToolName, args: Record<string, unknown>, token: string) {
  const tool = CATALOGUE.find((t) => t.name === name)!;
  let path = tool.route.path;
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(args)) {
    if (path.includes(`:${k}`)) path = path.replace(`:${k}`, encodeURIComponent(String(v)));
    else if (tool.route.method === 'GET') query.set(k, String(v));
  }
  const qs = query.toString();
  return {
    url: `${base}${path}${qs ? `?${qs}` : ''}`,
    method: tool.route.method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: tool.route.method === 'POST' ? JSON.stringify({}) : undefined,
  };
}

function mcpRequest(base: string, name: ToolName, args: Record<string, unknown>, token: string) {
  return {
    url: `${base}/mcp`,
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }),
  };
}

/** The database floor: the same service function (same SQL) timed in a loop straight on `pg`. */
async function dbFloor(url: string, f: Fixture, name: ToolName, n: number): Promise<{ p50: number; rps: number }> {
  // Two connections: computeTrust runs its two statements side by side.
  const db = openPg(url, { max: 2 });
  const tool = CATALOGUE.find((t) => t.name === name)!;
  const input = tool.input.parse(argsFor(name, f));
  // The Trust Score and the KPI summary answer from a short cache; the floor is what their SQL costs.
  const handler =
    name === 'monsys_trust_score' || name === 'monsys_kpi_summary'
      ? (ctx: unknown) => computeTrust(ctx as Parameters<typeof computeTrust>[0])
      : (HANDLERS[name] as (ctx: unknown, input: unknown) => Promise<unknown>);
  const principal = JSON.parse(f.principalJson);
  const times: number[] = [];
  for (let i = 0; i < 3; i++) await handler({ db, principal }, input);
  const start = performance.now();
  // n runs, or as many as fit in 5 s (a slow query at the large size must not stall the run).
  for (let i = 0; i < n && (i < 5 || performance.now() - start < 5000); i++) {
    const t = performance.now();
    await handler({ db, principal }, input);
    times.push(performance.now() - t);
  }
  const total = performance.now() - start;
  await db.close();
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(times.length / 2)]!, rps: (times.length / total) * 1000 };
}

interface ToolRow {
  size: Size;
  tool: ToolName;
  connections: number;
  rest: Load;
  mcp: Load;
  baseline: Load;
  /** The bare baseline plus the token lookup and invokeTool() (validation, call log): bench/baseline-server.ts. */
  secured: Load;
  floor: { p50: number; rps: number };
}

async function benchSize(size: Size) {
  const { url, seededMs } = await datasetUrl(size);
  const f = await fixture(url);
  const hub = await startProcess(['hub/src/main.ts', 'serve', '--port', '0'], { DATABASE_URL: url, LOG_LEVEL: 'warn', DB_POOL_MAX: '10', MCP_RATE_LIMIT_PER_TOKEN: '0', MCP_RATE_LIMIT_PER_TENANT: '0' }, /listening on (http:\/\/\S+)/, hubFlags);
  const base = hub.match[1]!;
  const baseline = await startProcess(['bench/baseline-server.ts', url, f.principalJson], {}, /listening (\d+)/);
  const baselineBase = `http://127.0.0.1:${baseline.match[1]}`;
  const rows: ToolRow[] = [];
  try {
    for (const tool of toolsToRun) {
      const args = argsFor(tool.name, f);
      const floor = await dbFloor(url, f, tool.name, flags.quick ? 50 : 300);
      for (const connections of connectionsList) {
        const q = new URLSearchParams(Object.entries(args).map(([k, v]) => [k, String(v)])).toString();
        const [rest, mcp, bl, secured] = (await loadsInTurn([
          { ...restRequest(base, tool.name, args, f.token), connections },
          { ...mcpRequest(base, tool.name, args, f.token), connections },
          { url: `${baselineBase}/${tool.name}?${q}`, connections },
          { url: `${baselineBase}/secured/${tool.name}?${q}`, headers: { authorization: `Bearer ${f.token}` }, connections },
        ])) as [Load, Load, Load, Load];
        rows.push({ size, tool: tool.name, connections, rest, mcp, baseline: bl, secured, floor });
        log(`${size} ${tool.name} c=${connections}: rest ${rest.rps.toFixed(0)} rps p50 ${fmt(rest.p50, 2)} p99 ${fmt(rest.p99, 1)} | mcp ${mcp.rps.toFixed(0)} | baseline ${bl.rps.toFixed(0)} | secured ${secured.rps.toFixed(0)} | floor p50 ${floor.p50.toFixed(2)} ms${[rest, mcp, bl, secured].some((l) => l.non2xx) ? ` | non-2xx rest ${rest.non2xx} mcp ${mcp.non2xx} baseline ${bl.non2xx} secured ${secured.non2xx}` : ''}`);
      }
    }
    const hubPeakRss = peakRssMiB(hub.proc.pid!);
    if (focus) return { size, seededMs, rows, hubPeakRss, memory: undefined, plans: undefined, bridge: undefined };
    // Memory growth: RSS after the loads above, then after 10,000 more calls (quick: 1,000) of the morning briefing.
    const kpi = restRequest(base, 'monsys_kpi_summary', {}, f.token);
    const before = rssMiB(hub.proc.pid!);
    const growth = await load({ ...kpi, connections: 8, amount: flags.quick ? 1000 : 10_000 });
    const after = rssMiB(hub.proc.pid!);
    const plans = size === 'large' || flags.quick ? await explainAll(url, f.principalJson, (n) => argsFor(n, f)) : undefined;
    let bridge: BridgeResult | { error: string } | undefined;
    if (size === sizes[0]) {
      try {
        bridge = await benchBridge(base, f.token, flags.quick ? 300 : 10_000);
      } catch (err) {
        bridge = { error: (err as Error).message };
        log(`bridge benchmark failed: ${(err as Error).message}`);
      }
    }
    return { size, seededMs, rows, hubPeakRss, memory: { beforeMiB: before, afterMiB: after, calls: growth.requests }, plans, bridge };
  } finally {
    await stop(hub.proc);
    await stop(baseline.proc);
  }
}

async function benchPglite() {
  // The hub on its embedded database at demo size, for comparison with PostgreSQL.
  const dir = join(ROOT, '.scratch', `bench-pglite-${process.pid}`);
  const env = { DATA_DIR: dir, LOG_LEVEL: 'warn', MCP_RATE_LIMIT_PER_TOKEN: '0', MCP_RATE_LIMIT_PER_TENANT: '0' };
  const hub = await startProcess(['hub/src/main.ts', 'start', '--port', '0'], env, /listening on (http:\/\/\S+)/);
  const [, base] = hub.match as unknown as [string, string];
  // The banner prints no token (it would stay in scrollback): mint one through the running hub's admin socket.
  const demo = DEMO_ACCOUNTS[0]!;
  const token = execFileSync(process.execPath, ['--import', 'tsx', 'hub/src/main.ts', 'token', 'issue', '--tenant', demo.tenants[0]!, '--user', demo.email], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  }).trim();
  try {
    const out: { tool: ToolName; connections: number; rest: Load }[] = [];
    for (const name of ['monsys_kpi_summary', 'monsys_list_detections', 'monsys_list_agents'] as ToolName[]) {
      for (const connections of connectionsList) {
        out.push({ tool: name, connections, rest: await load({ ...restRequest(base, name, argsFor(name, {} as Fixture), token), connections }) });
      }
    }
    return out;
  } finally {
    await stop(hub.proc);
  }
}

function fmt(n: number, d = 0) {
  return Number.isFinite(n) ? n.toFixed(d) : '—';
}

async function main() {
  const started = Date.now();
  const results: Record<string, unknown> = {
    when: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    quick: flags.quick,
    durationSeconds: duration,
    // Percentiles from each answer's own time (bench/load-worker.ts); earlier files hold autocannon's whole ms.
    latency: 'exact',
  };
  const perSize = [];
  for (const size of sizes) perSize.push(await benchSize(size));
  results.sizes = perSize;
  if (!flags['no-pglite'] && !focus) results.pglite = await benchPglite();
  const bridge = perSize[0]?.bridge && 'calls' in perSize[0].bridge ? perSize[0].bridge : undefined;
  results.bridge = perSize[0]?.bridge;

  // The table.
  const lines: string[] = [];
  for (const s of perSize) {
    lines.push('| size | tool | conns | REST rps | p50 ms | p99 ms | /mcp rps | baseline rps | baseline p99 ms | REST/baseline | secured baseline rps | REST/secured | MCP/REST | SQL floor p50 ms |');
    lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const r of s.rows) {
      lines.push(
        `| ${r.size} | ${r.tool.replace('monsys_', '')} | ${r.connections} | ${fmt(r.rest.rps)} | ${fmt(r.rest.p50, 2)} | ${fmt(r.rest.p99, 1)} | ${fmt(r.mcp.rps)} | ${fmt(r.baseline.rps)} | ${fmt(r.baseline.p99, 1)} | ${fmt((100 * r.rest.rps) / r.baseline.rps)}% | ${fmt(r.secured.rps)} | ${fmt((100 * r.rest.rps) / r.secured.rps)}% | ${fmt((100 * r.mcp.rps) / r.rest.rps)}% | ${fmt(r.floor.p50, 2)} |`,
      );
    }
    lines.push('');
    lines.push(`${s.size}: ${s.seededMs === null ? 'dataset reused from an earlier run' : `seeded in ${s.seededMs} ms`}; hub peak RSS ${fmt(s.hubPeakRss)} MiB${s.memory ? `; RSS ${fmt(s.memory.beforeMiB)} → ${fmt(s.memory.afterMiB)} MiB over ${s.memory.calls} calls` : ''}`);
    lines.push('');
    if (s.plans) lines.push(`${s.size}: query plans: ${(s.plans as PlanReport[]).filter((p) => p.seqScans.length).length} tool queries with a sequential scan of a large table`, '');
  }
  const pglite = results.pglite as { tool: ToolName; connections: number; rest: Load }[] | undefined;
  if (pglite?.length) {
    const small = perSize.find((s) => s.size === 'small');
    lines.push('PGlite (the embedded database, demo size), against PostgreSQL at the small size in this run:', '');
    lines.push('| tool | conns | PGlite REST rps | p50 ms | p99 ms | PostgreSQL REST rps |', '|---|---|---|---|---|---|');
    for (const r of pglite) {
      const pgRow = small?.rows.find((x) => x.tool === r.tool && x.connections === r.connections);
      lines.push(`| ${r.tool.replace('monsys_', '')} | ${r.connections} | ${fmt(r.rest.rps)} | ${fmt(r.rest.p50, 2)} | ${fmt(r.rest.p99, 1)} | ${pgRow ? fmt(pgRow.rest.rps) : '–'} |`);
    }
    lines.push('');
  }
  if (bridge) {
    lines.push('');
    lines.push(
      `bridge: p50 per call ${fmt(bridge.bridgeP50, 2)} ms vs direct REST ${fmt(bridge.restP50, 2)} ms (added ${fmt(bridge.bridgeP50 - bridge.restP50, 2)} ms); cold start ${fmt(bridge.coldStartMs)} ms vs node -e 0 ${fmt(bridge.nodeStartMs)} ms (${fmt(bridge.coldStartMs / bridge.nodeStartMs, 2)}×; first start of this bundle, before its code cache exists, ${fmt(bridge.firstStartMs)} ms); RSS idle ${fmt(bridge.rssIdleMiB)} MiB, after ${bridge.warmupCalls} calls ${fmt(bridge.rssWarmMiB)} MiB, after ${bridge.calls} more ${fmt(bridge.rssAfterMiB)} MiB`,
    );
  }
  const table = lines.join('\n');
  process.stdout.write(`${table}\n`);
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const file = join(ROOT, 'bench/results', `${flags.quick ? 'quick' : 'full'}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ ...results, table }, null, 2));
  log(`wrote ${file} (${Math.round((Date.now() - started) / 1000)} s)`);
  loader.close();
}

await main();
