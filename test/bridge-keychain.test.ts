/**
 * The bridge's token storage against a REAL Secret Service (gnome-keyring-daemon on a private
 * D-Bus session bus), and without one: on Linux the keyring library would otherwise fall back to
 * the kernel keyring (lost at reboot) in silence; the bridge must say "no keychain" and name the fix.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canWrap, desktopEnv, wrapAsDesktop } from '../bridge/test/desktop.js';
import { startBusWithoutSecretService, startSecretService, type Bus } from '../bridge/test/secret-service.js';
import type { StoredToken } from '../bridge/src/token-store.js';
import { ROOT } from './harness/paths.js';

function run(file: string, args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(ROOT, file), ...args], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function ops(env: Record<string, string>, list: unknown[]): Promise<unknown[]> {
  const r = await run('bridge/test/keychain-child.ts', [JSON.stringify(list)], env);
  if (r.code !== 0) throw new Error(`keychain child failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as unknown[];
}

const HUB_A = 'https://api.monsys.ai';
const HUB_B = 'https://eu.monsys.ai';
const tok = (hub: string, profile: string, n: string): StoredToken => ({
  hub,
  profile,
  client_id: 'mcp_x',
  access_token: `mat_${n.repeat(43)}`,
  refresh_token: `mrt_${n.repeat(43)}`,
  expires_at: 2_000_000_000,
  scope: 'mcp.read',
});

describe('with a real Secret Service', () => {
  let bus: Awaited<ReturnType<typeof startSecretService>>;
  beforeAll(async () => {
    bus = await startSecretService();
  });
  afterAll(async () => {
    await bus?.stop();
  });

  it('stores, reads back in another process, and deletes a token', async () => {
    const t = tok(HUB_A, 'acme', 'a');
    expect(await ops(bus.env, [{ op: 'set', token: t }])).toEqual(['ok']);
    expect(await ops(bus.env, [{ op: 'get', hub: HUB_A, profile: 'acme' }])).toEqual([t]);
    expect(await ops(bus.env, [{ op: 'delete', hub: HUB_A, profile: 'acme' }, { op: 'get', hub: HUB_A, profile: 'acme' }, { op: 'delete', hub: HUB_A, profile: 'acme' }])).toEqual([
      true,
      null,
      false,
    ]);
  });

  it('keeps two tenants (profiles) and two hubs side by side with no cross-over', async () => {
    const acme = tok(HUB_A, 'acme', 'a');
    const bank = tok(HUB_A, 'eu-bank', 'b');
    const otherHub = tok(HUB_B, 'acme', 'c');
    await ops(bus.env, [{ op: 'set', token: acme }, { op: 'set', token: bank }, { op: 'set', token: otherHub }]);
    expect(
      await ops(bus.env, [
        { op: 'get', hub: HUB_A, profile: 'acme' },
        { op: 'get', hub: HUB_A, profile: 'eu-bank' },
        { op: 'get', hub: HUB_B, profile: 'acme' },
        { op: 'get', hub: HUB_B, profile: 'eu-bank' },
      ]),
    ).toEqual([acme, bank, otherHub, null]);
    // Logging out of one tenant leaves the other.
    expect(await ops(bus.env, [{ op: 'delete', hub: HUB_A, profile: 'acme' }, { op: 'get', hub: HUB_A, profile: 'eu-bank' }])).toEqual([true, bank]);
  });

  it('`status` shows the stored sign-in of one profile and not the other', async () => {
    await ops(bus.env, [{ op: 'set', token: { ...tok('http://127.0.0.1:9', 'acme', 'd'), tenant: 'acme' } }]);
    const env = { ...bus.env, MONSYS_BRIDGE_HOME: join(bus.env.HOME!, 'bridge') };
    const acme = await run('bridge/src/main.ts', ['status', '--hub', 'http://127.0.0.1:9', '--profile', 'acme', '--json'], env);
    const bank = await run('bridge/src/main.ts', ['status', '--hub', 'http://127.0.0.1:9', '--profile', 'eu-bank', '--json'], env);
    expect(JSON.parse(acme.stdout)).toMatchObject({ profile: 'acme', signed_in: true, tenant: 'acme', scopes: ['mcp.read'], store: 'the OS keychain', hub_answers: false });
    expect(JSON.parse(bank.stdout)).toMatchObject({ profile: 'eu-bank', signed_in: false, tenant: null });
    expect(acme.stdout).not.toContain('mat_');
  });

  // Last in this group: the keyring stays locked afterwards.
  it('a locked keyring is named as locked, with how to unlock it', async () => {
    await ops(bus.env, [{ op: 'set', token: tok(HUB_A, 'locked', 'l') }]);
    await bus.relock();
    const [r] = (await ops(bus.env, [{ op: 'get', hub: HUB_A, profile: 'locked' }])) as [{ error: string; message: string }];
    expect(r.error).toBe('keychain_locked');
    expect(r.message).toMatch(/^Your keyring is locked/);
    expect(r.message).toContain('Unlock');
  });
});

describe('without a Secret Service', () => {
  let bus: Bus;
  beforeAll(async () => {
    bus = await startBusWithoutSecretService();
  });
  afterAll(async () => {
    await bus?.stop();
  });

  it.each([
    ['a session bus with no Secret Service on it', () => bus.env, [/no Secret Service answers on the session bus unix:/, /gnome-keyring/]],
    ['a bus address where no bus answers', () => ({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' }), [/no D-Bus session bus: the session bus at unix:path=\/nonexistent\/bus does not answer/, /DBUS_SESSION_BUS_ADDRESS/]],
  ] as const)('%s is "no keychain", with the cause and the fix named, and nothing is stored', async (_what, env, says) => {
    const results = (await ops(env(), [{ op: 'set', token: tok(HUB_A, 'acme', 'a') }, { op: 'get', hub: HUB_A, profile: 'acme' }])) as { error: string; message: string }[];
    for (const r of results) {
      expect(r.error).toBe('no_keychain');
      for (const s of says) expect(r.message).toMatch(s);
      expect(r.message).toContain('--insecure-file-store');
    }
  });

  it.skipIf(!canWrap() && !process.env.CI)('no session bus at all (no address, no socket at the standard paths) is named as such, not as a missing keyring', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'bridge-runuser-'));
    const home = mkdtempSync(join(tmpdir(), 'bridge-home-'));
    const w = wrapAsDesktop(process.execPath, ['--import', 'tsx', join(ROOT, 'bridge/test/keychain-child.ts'), JSON.stringify([{ op: 'get', hub: HUB_A, profile: 'acme' }])], { runUser: empty });
    const out = await new Promise<string>((resolve) => execFile(w.command, w.args, { cwd: ROOT, env: desktopEnv(home) }, (_e, stdout) => resolve(stdout)));
    const [r] = JSON.parse(out) as [{ error: string; message: string }];
    expect(r.error).toBe('no_keychain');
    expect(r.message).toContain(`no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set and there is no bus socket at /run/user/${process.getuid!()}/bus`);
    expect(r.message).toContain('Log in to a desktop session');
    expect(r.message).not.toContain('apt-get install gnome-keyring');
  });

  it('`login` stops before the browser and never writes a plain-text token on its own', async () => {
    const home = mkdtempSync(join(tmpdir(), 'bridge-home-'));
    const r = await run('bridge/src/main.ts', ['login', '--hub', 'http://127.0.0.1:9', '--profile', 'acme', '--no-browser'], { ...bus.env, MONSYS_BRIDGE_HOME: home });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^monsys-bridge: No usable OS keychain/);
    expect(r.stderr).toContain('bridge/src/main.ts login --hub http://127.0.0.1:9 --profile acme --insecure-file-store');
    expect(r.stderr).not.toContain('Sign in to monsys');
    expect(existsSync(join(home, 'tokens')) ? readdirSync(join(home, 'tokens')) : []).toEqual([]);
  });
});
