/**
 * A real Secret Service for tests: a private D-Bus session bus (dbus-daemon) with
 * gnome-keyring-daemon's secrets component on it, unlocked, in a throwaway home folder.
 * Debian packages: gnome-keyring, dbus-daemon, dbus-bin (scripts/install-test-deps.sh).
 * Also a bus with no Secret Service on it, for the "no keychain" case.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Bus {
  /** Environment for child processes that should use this bus (and its throwaway home). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

function kill(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    p.once('exit', () => resolve());
    p.kill('SIGTERM');
  });
}

async function startBus(home: string, configFile?: string, listen?: string): Promise<{ proc: ChildProcess; address: string }> {
  const args = [configFile ? `--config-file=${configFile}` : '--session', ...(listen ? [`--address=${listen}`] : []), '--nofork', '--nopidfile', '--print-address=1'];
  const proc = spawn('dbus-daemon', args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: home } });
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('dbus-daemon did not start in 10 s')), 10_000);
    proc.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) {
        clearTimeout(timer);
        resolve(line.trim());
      }
    });
    proc.once('error', (e) => reject(new Error(`cannot run dbus-daemon (install Debian's dbus-daemon): ${e.message}`)));
  });
  return { proc, address };
}

function nameHasOwner(env: Record<string, string>, name: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(
      'dbus-send',
      ['--session', '--dest=org.freedesktop.DBus', '--type=method_call', '--print-reply', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', `string:${name}`],
      { env: { ...process.env, ...env } },
      (err, stdout) => resolve(!err && /boolean true/.test(stdout)),
    );
  });
}

export interface SecretServiceOptions {
  /**
   * Listen where a desktop login puts the bus, `<runtime dir>/bus`, with the runtime dir at
   * `<runUser>/<uid>`: bind `runUser` over /run/user (desktop.ts) and the bus is at the standard path.
   */
  standardPath?: boolean;
}

/** A session bus with an unlocked GNOME Keyring serving org.freedesktop.secrets. */
export async function startSecretService(o: SecretServiceOptions = {}): Promise<Bus & { runUser: string; relock(): Promise<void> }> {
  const home = mkdtempSync(join(tmpdir(), 'bridge-keyring-'));
  const runUser = join(home, 'run-user');
  const runtime = o.standardPath ? join(runUser, String(process.getuid?.() ?? 0)) : join(home, 'run');
  mkdirSync(runtime, { recursive: true, mode: 0o700 });
  const bus = await startBus(home, undefined, o.standardPath ? `unix:path=${join(runtime, 'bus')}` : undefined);
  const env: Record<string, string> = {
    HOME: home,
    XDG_RUNTIME_DIR: runtime,
    XDG_DATA_HOME: join(home, 'data'),
    XDG_CONFIG_HOME: join(home, 'config'),
    DBUS_SESSION_BUS_ADDRESS: bus.address,
  };
  const startKeyring = async (unlock: boolean) => {
    const proc = spawn('gnome-keyring-daemon', ['--foreground', ...(unlock ? ['--unlock'] : []), '--components=secrets'], {
      stdio: ['pipe', 'ignore', 'ignore'],
      env: { ...process.env, ...env },
    });
    proc.once('error', () => undefined);
    // --unlock reads the login keyring's password from stdin (creating the keyring on first use).
    proc.stdin!.end(unlock ? 'test-password' : '');
    const deadline = Date.now() + 15_000;
    while (!(await nameHasOwner(env, 'org.freedesktop.secrets'))) {
      if (proc.exitCode !== null || Date.now() > deadline) {
        await kill(bus.proc);
        throw new Error('gnome-keyring-daemon did not provide org.freedesktop.secrets (install Debian\'s gnome-keyring)');
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return proc;
  };
  let keyring = await startKeyring(true);
  return {
    env,
    runUser,
    /** Restarts the keyring without its password: the login keyring stays locked (and, headless, no prompt can unlock it). */
    async relock() {
      await kill(keyring);
      while (await nameHasOwner(env, 'org.freedesktop.secrets')) await new Promise((r) => setTimeout(r, 50));
      keyring = await startKeyring(false);
    },
    async stop() {
      await kill(keyring);
      await kill(bus.proc);
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** A session bus on which nothing provides a Secret Service, and none can be activated. */
export async function startBusWithoutSecretService(): Promise<Bus> {
  const home = mkdtempSync(join(tmpdir(), 'bridge-nobus-'));
  const config = join(home, 'bus.conf');
  writeFileSync(
    config,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:dir=${home}</listen><auth>EXTERNAL</auth>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy></busconfig>`,
  );
  const bus = await startBus(home, config);
  return {
    env: { HOME: home, XDG_CONFIG_HOME: join(home, 'config'), DBUS_SESSION_BUS_ADDRESS: bus.address },
    async stop() {
      await kill(bus.proc);
      rmSync(home, { recursive: true, force: true });
    },
  };
}
