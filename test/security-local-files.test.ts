/**
 * Another user on the hub's machine: `npm start` on a fresh embedded-database folder, under the
 * common umask 022, must leave nothing there that anyone but the hub's user can read or write (every
 * tenant's data, the cookie key, password hashes and pseudonym keys live in it), nor after a restart.
 * The quick start's banner carries no live bearer token, and its curl line works as printed.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './harness/paths.js';

/** Every path below `dir` (and `dir` itself) whose mode lets group or others in. */
function notPrivate(dir: string): string[] {
  const bad: string[] = [];
  const walk = (p: string) => {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) return;
    if (st.mode & 0o077) bad.push(`${(st.mode & 0o777).toString(8)} ${p}`);
    if (st.isDirectory()) for (const name of readdirSync(p)) walk(join(p, name));
  };
  walk(dir);
  return bad;
}

function countFiles(dir: string): number {
  return readdirSync(dir, { recursive: true }).length;
}

interface Started {
  proc: ChildProcess;
  stdout: string;
  url: string;
}

/** The environment without a PostgreSQL URL: the embedded database. */
function embeddedEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', ...extra };
  delete env.DATABASE_URL;
  return env;
}

/** `npm start`'s command (tsx hub/src/main.ts start) in a shell with umask 022, as most accounts have. */
async function npmStart(dataDir: string): Promise<Started> {
  const proc = spawn('sh', ['-c', `umask 022 && exec "${process.execPath}" --import tsx hub/src/main.ts start --port 0`], {
    cwd: ROOT,
    env: embeddedEnv({ DATA_DIR: dataDir }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not finish its banner in 150 s:\n${stdout}\n${stderr}`)), 150_000);
    proc.stdout!.on('data', (d) => {
      stdout += d;
      if (stdout.includes('Stop with Ctrl-C.')) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code}:\n${stdout}\n${stderr}`));
    });
  });
  return { proc, stdout, url: /listening on (http:\/\/\S+)/.exec(stdout)![1]! };
}

async function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  await exited;
}

describe('the embedded database folder after npm start, as another local user sees it', () => {
  const base = mkdtempSync(join(tmpdir(), 'monsys-private-'));
  // The folder's parent as a shared place (like a home directory others may list): only the
  // hub's own folder and what it puts beside it may protect the data.
  execFileSync('chmod', ['0755', base]);
  const dataDir = join(base, 'data', 'pglite');
  const running: ChildProcess[] = [];
  afterAll(async () => {
    for (const p of running) await stop(p);
    rmSync(base, { recursive: true, force: true });
  });

  it('is private to the hub’s user on a fresh folder, while running, after stopping and after a restart', async () => {
    const first = await npmStart(dataDir);
    running.push(first.proc);
    expect(countFiles(dataDir)).toBeGreaterThan(100);
    expect(notPrivate(join(base, 'data'))).toEqual([]);
    expect(lstatSync(`${dataDir}.sock`).mode & 0o777).toBe(0o600);

    // The banner's curl line, run as printed (its token is minted through the admin socket).
    expect(first.stdout).not.toMatch(/mat_[A-Za-z0-9_-]{20,}/);
    const curl = /^\s*(curl -H .*)$/m.exec(first.stdout)?.[1];
    expect(curl, first.stdout).toBeDefined();
    const minted = /\$\((npm run -s hub .*?)\)/.exec(curl!)![1]!;
    const token = execFileSync('sh', ['-c', minted], { cwd: ROOT, env: embeddedEnv({}) }).toString().trim();
    expect(token).toMatch(/^mat_/);
    const kpi = await fetch(`${first.url}/v1/kpi-summary`, { headers: { authorization: `Bearer ${token}` } });
    expect(kpi.status).toBe(200);
    expect(notPrivate(join(base, 'data'))).toEqual([]);

    await stop(first.proc);
    expect(notPrivate(join(base, 'data'))).toEqual([]);

    const second = await npmStart(dataDir);
    running.push(second.proc);
    expect(second.stdout).not.toContain('First start');
    expect((await fetch(`${second.url}/healthz`)).status).toBe(200);
    expect(notPrivate(join(base, 'data'))).toEqual([]);
    await stop(second.proc);
    expect(notPrivate(join(base, 'data'))).toEqual([]);
  }, 300_000);
});
