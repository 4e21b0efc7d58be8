/**
 * `monsys-bridge doctor`, the built bundle against a real hub process: one case per failure line, each
 * checked for its line and its fix, and a healthy profile that passes every line.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../bridge/build.js';
import type { Check } from '../bridge/src/cli/doctor.js';
import { FileStore, type StoredToken } from '../bridge/src/token-store.js';
import { canWrap, desktopEnv, wrapAsDesktop } from '../bridge/test/desktop.js';
import { startBusWithoutSecretService, type Bus } from '../bridge/test/secret-service.js';
import { spawnHub, type HubProcess } from './harness/hub.js';
import { ROOT } from './harness/paths.js';

let bundle: string;
let hub: HubProcess;
let noSecrets: Bus;
let base: string;
let acmeToken: string;

beforeAll(async () => {
  [bundle, hub, noSecrets] = await Promise.all([buildBundle(join(ROOT, 'bridge/dist', `doctor-${process.pid}`, 'monsys-bridge.mjs')), spawnHub({ before: [['seed']] }), startBusWithoutSecretService()]);
  acmeToken = (await hub.cli(['token', 'issue', '--tenant', 'acme', '--user', 'tech@yourmsp.com', '--scope', 'mcp.read'])).trim();
  base = mkdtempSync(join(tmpdir(), 'bridge-doctor-'));
}, 180_000);

afterAll(async () => {
  await hub?.stop();
  await noSecrets?.stop();
  if (bundle) rmSync(dirname(bundle), { recursive: true, force: true });
  if (base) rmSync(base, { recursive: true, force: true });
});

interface Case {
  dir: string;
  config: string;
  env: Record<string, string>;
}

let n = 0;
/** A fresh state folder and Claude config; `entry` is written as the profile's server when given. */
function setup(profile: string, entry?: { command: string; args: string[] }): Case {
  const dir = join(base, `c${++n}`);
  const config = join(dir, 'claude_desktop_config.json');
  mkdirSync(dir, { recursive: true });
  if (entry) writeFileSync(config, JSON.stringify({ mcpServers: { [`monsys-${profile}`]: entry } }));
  return { dir, config, env: { MONSYS_BRIDGE_HOME: join(dir, 'state') } };
}

const stored = (c: Case, t: Partial<StoredToken> & { profile: string }) =>
  new FileStore(join(c.env.MONSYS_BRIDGE_HOME!, 'tokens')).set({ hub: hub.url, client_id: 'mcp_doctor', access_token: acmeToken, expires_at: Math.floor(Date.now() / 1000) + 3600, scope: 'mcp.read', ...t });

function doctor(c: Case, args: string[], env: Record<string, string> = {}): Promise<{ code: number; checks: Check[] }> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [bundle, 'doctor', '--json', '--config', c.config, ...args], { env: { ...process.env, ...c.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      try {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, checks: JSON.parse(stdout) as Check[] });
      } catch {
        reject(new Error(`doctor printed no JSON: ${stdout}\n${stderr}`));
      }
    }),
  );
}

const line = (checks: Check[], name: string) => {
  const c = checks.find((x) => x.name === name);
  if (!c) throw new Error(`no "${name}" line in ${JSON.stringify(checks)}`);
  return c;
};

const entryFor = (profile: string) => ({ command: process.execPath, args: [bundle, 'serve', '--hub', hub.url, '--profile', profile, '--insecure-file-store'] });

describe('monsys-bridge doctor', () => {
  it('a healthy profile passes every line and exits 0', async () => {
    const c = setup('acme', entryFor('acme'));
    await stored(c, { profile: 'acme' });
    const r = await doctor(c, ['--hub', hub.url, '--profile', 'acme', '--insecure-file-store']);
    expect(r.checks.filter((x) => x.status === 'fail')).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.checks.map((x) => x.name)).toEqual(['node', 'claude entry', 'entry command', 'entry bundle', 'token store', 'hub', 'token', 'scopes', 'tenant']);
    expect(line(r.checks, 'node').detail).toBe(`${process.execPath} ${process.version}`);
    expect(line(r.checks, 'tenant').detail).toContain('"acme"');
  });

  it('no entry in the Claude config: says to install', async () => {
    const c = setup('acme');
    const r = await doctor(c, ['--hub', hub.url, '--profile', 'acme', '--insecure-file-store']);
    expect(r.code).toBe(1);
    expect(line(r.checks, 'claude entry')).toMatchObject({ status: 'fail', detail: expect.stringContaining('has no "monsys-acme" server'), fix: expect.stringContaining(`install --hub ${hub.url} --profile acme`) });
  });

  it('a Claude config that is not JSON: names the file and leaves it', async () => {
    const c = setup('acme');
    writeFileSync(c.config, '{ "mcpServers": ');
    const r = await doctor(c, ['--hub', hub.url, '--profile', 'acme', '--insecure-file-store']);
    expect(line(r.checks, 'claude entry')).toMatchObject({ status: 'fail', detail: expect.stringContaining('is not valid JSON') });
  });

  it('an entry whose command is not on the PATH Claude Desktop uses (npx with no node): says to reinstall with absolute paths', async () => {
    const c = setup('acme', { command: 'npx', args: ['-y', '@monsys/claude-bridge', 'serve', '--hub', hub.url, '--profile', 'acme'] });
    const emptyBin = mkdtempSync(join(tmpdir(), 'doctor-bin-'));
    const r = await doctor(c, ['--hub', hub.url, '--profile', 'acme', '--insecure-file-store'], { PATH: emptyBin });
    expect(line(r.checks, 'entry command')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining(`"npx" is not on the PATH Claude Desktop uses (${emptyBin})`),
      fix: expect.stringContaining('absolute path of node'),
    });
  });

  it('an entry whose installed bundle is gone: says to install again', async () => {
    const c = setup('acme', { command: process.execPath, args: [join(base, 'gone', 'monsys-bridge.mjs'), 'serve'] });
    const r = await doctor(c, ['--hub', hub.url, '--profile', 'acme', '--insecure-file-store']);
    expect(line(r.checks, 'entry bundle')).toMatchObject({ status: 'fail', detail: expect.stringContaining('is missing'), fix: expect.stringContaining('install') });
  });

  it.skipIf(!canWrap() && !process.env.CI)('no session bus in the desktop environment: the bus line and the keychain line say so', async () => {
    const c = setup('acme', entryFor('acme'));
    const emptyRunUser = mkdtempSync(join(tmpdir(), 'doctor-runuser-'));
    const w = wrapAsDesktop(process.execPath, [bundle, 'doctor', '--json', '--config', c.config, '--hub', hub.url, '--profile', 'acme'], { runUser: emptyRunUser });
    const out = await new Promise<string>((res) => execFile(w.command, w.args, { env: { ...desktopEnv(c.dir), ...c.env } }, (_e, stdout) => res(stdout)));
    const checks = JSON.parse(out) as Check[];
    expect(line(checks, 'session bus')).toMatchObject({ status: 'fail', detail: expect.stringContaining(`no socket at /run/user/${process.getuid!()}/bus`), fix: expect.stringContaining('desktop session') });
    expect(line(checks, 'token store')).toMatchObject({ status: 'fail', detail: expect.stringContaining('no D-Bus session bus') });
  });

  it('a session bus without a Secret Service: the keychain line names it and the fix', async () => {
    const c = setup('acme', entryFor('acme'));
    const r = await doctor(c, ['--hub', hub.url, '--profile', 'acme'], noSecrets.env);
    expect(line(r.checks, 'session bus').status).toBe('ok');
    expect(line(r.checks, 'token store')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/no Secret Service answers.*gnome-keyring/) });
  });

  it('a hub that does not answer: names it and the proxy setting', async () => {
    const c = setup('acme', entryFor('acme'));
    const r = await doctor(c, ['--hub', 'http://127.0.0.1:9', '--profile', 'acme', '--insecure-file-store']);
    expect(line(r.checks, 'hub')).toMatchObject({ status: 'fail', detail: expect.stringContaining('Cannot reach the monsys hub at http://127.0.0.1:9'), fix: expect.stringContaining('HTTPS_PROXY') });
  });

  it('an address that answers but publishes no OAuth metadata: says which URL to give', async () => {
    const c = setup('acme', entryFor('acme'));
    const r = await doctor(c, ['--hub', `${hub.url}/v1`, '--profile', 'acme', '--insecure-file-store']);
    expect(line(r.checks, 'hub')).toMatchObject({ status: 'fail', detail: expect.stringContaining('did not publish usable OAuth metadata'), fix: expect.stringContaining('bare or ending in /mcp') });
  });

  it('not signed in: says how to sign in', async () => {
    const c = setup('acme', entryFor('acme'));
    const r = await doctor(c, ['--hub', hub.url, '--profile', 'acme', '--insecure-file-store']);
    expect(line(r.checks, 'token')).toMatchObject({ status: 'fail', detail: expect.stringContaining('not signed in'), fix: expect.stringContaining(`login --hub ${hub.url} --profile acme --insecure-file-store`) });
  });

  it('an expired token with no refresh token: says to sign in again', async () => {
    const c = setup('acme', entryFor('acme'));
    await stored(c, { profile: 'acme', expires_at: Math.floor(Date.now() / 1000) - 60 });
    const r = await doctor(c, ['--hub', hub.url, '--profile', 'acme', '--insecure-file-store']);
    expect(line(r.checks, 'token')).toMatchObject({ status: 'fail', detail: expect.stringContaining('no refresh token'), fix: expect.stringContaining('login') });
  });

  it('a token without mcp.read: no tool can run', async () => {
    const c = setup('acme', entryFor('acme'));
    await stored(c, { profile: 'acme', scope: 'mcp.acknowledge' });
    const r = await doctor(c, ['--hub', hub.url, '--profile', 'acme', '--insecure-file-store']);
    expect(line(r.checks, 'scopes')).toMatchObject({ status: 'fail', detail: expect.stringContaining('no mcp.read'), fix: expect.stringContaining('login') });
  });

  it('a profile whose token serves another tenant: names both', async () => {
    const c = setup('bank', entryFor('bank'));
    await stored(c, { profile: 'bank' });
    const r = await doctor(c, ['--hub', hub.url, '--profile', 'bank', '--tenant', 'eu-bank', '--insecure-file-store']);
    expect(line(r.checks, 'tenant')).toMatchObject({ status: 'fail', detail: 'profile "bank" is for the tenant "eu-bank", but its token serves "acme"', fix: expect.stringContaining('choosing "eu-bank"') });
  });

  it('a token the hub no longer accepts (revoked): says to sign in again', async () => {
    const c = setup('acme', entryFor('acme'));
    const revoked = (await hub.cli(['token', 'issue', '--tenant', 'acme', '--user', 'tech@yourmsp.com', '--scope', 'mcp.read'])).trim();
    expect((await hub.cli(['token', 'revoke'], revoked)).trim()).toBe('revoked');
    await stored(c, { profile: 'acme', access_token: revoked });
    const r = await doctor(c, ['--hub', hub.url, '--profile', 'acme', '--insecure-file-store']);
    expect(line(r.checks, 'tenant')).toMatchObject({ status: 'fail', detail: expect.stringContaining('no longer accepts'), fix: expect.stringContaining('login') });
  });
});
