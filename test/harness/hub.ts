/**
 * A real hub process for end-to-end tests: `node --import tsx hub/src/main.ts serve --port 0`,
 * on a fresh PostgreSQL database (default), an existing one (`databaseUrl`, never dropped by
 * stop()), or its own embedded data folder. `port` pins the port, e.g. to restart a killed hub
 * where its clients expect it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPgDatabase, type Driver } from './db.js';
import { ROOT } from './paths.js';

export interface HubProcess {
  url: string;
  proc: ChildProcess;
  /** Everything the hub wrote to stderr (its JSON logs), for assertions. */
  logs(): string;
  /** The database URL (pg driver) the hub uses, to share with a second hub or to inspect. */
  databaseUrl?: string;
  dataDir?: string;
  /** Runs a hub CLI command against the same database; resolves with stdout. */
  cli(args: string[], stdin?: string): Promise<string>;
  stop(): Promise<void>;
}

export interface SpawnHubOptions {
  driver?: Driver;
  /** Reuse a database (e.g. a second hub on the same PostgreSQL). */
  databaseUrl?: string;
  env?: Record<string, string>;
  /** Extra commands run before serving, e.g. [['seed']]. */
  before?: string[][];
  /** Listen on this port (e.g. a restarted hub on its predecessor's port); default 0, any free port. */
  port?: number;
}

const TSX = ['--import', 'tsx'];
const MAIN = join(ROOT, 'hub/src/main.ts');

export function runHubCli(args: string[], env: Record<string, string>, stdin?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...TSX, MAIN, ...args], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn', ...env } });
    let out = '';
    let errOut = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (errOut += d));
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`hub ${args.join(' ')} exited ${code}: ${errOut}`))));
    p.stdin.end(stdin ?? '');
  });
}

export async function spawnHub(options: SpawnHubOptions = {}): Promise<HubProcess> {
  const driver = options.driver ?? 'pg';
  let dropDb: (() => Promise<void>) | undefined;
  let dataDir: string | undefined;
  const env: Record<string, string> = { LOG_LEVEL: 'info', ...options.env };
  if (driver === 'pg') {
    if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
    else {
      const created = await createPgDatabase();
      env.DATABASE_URL = created.url;
      dropDb = created.drop;
    }
  } else {
    dataDir = mkdtempSync(join(tmpdir(), 'monsys-hub-'));
    env.DATA_DIR = join(dataDir, 'db');
  }
  for (const cmd of options.before ?? []) await runHubCli(cmd, env);

  const proc = spawn(process.execPath, [...TSX, MAIN, 'serve', '--port', String(options.port ?? 0)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logs = '';
  proc.stderr!.on('data', (d) => (logs += d));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`hub did not start in 60 s:\n${logs}`)), 60_000);
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`hub exited with ${code} before listening:\n${logs}`));
    });
  });
  return {
    url,
    proc,
    logs: () => logs,
    databaseUrl: env.DATABASE_URL,
    dataDir: env.DATA_DIR,
    cli: (args, stdin) => runHubCli(args, env, stdin),
    async stop() {
      // A hub killed by a signal (a fault test's SIGKILL) has exited with exitCode null.
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      await dropDb?.();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
