/**
 * The bridge's own per-user installation, which the Claude Desktop entry runs by absolute paths.
 *
 * Claude Desktop starts servers with the PATH a GUI app gets (macOS: /usr/bin:/bin:/usr/sbin:/sbin), where
 * nvm's or Homebrew's node and npx are not, and npm's npx cache is evicted at will. So `install` copies the
 * running bundle and its keychain module (with this platform's native binding) to a versioned folder of
 * the bridge's own, and the entry names the node that ran `install` and that copy: no PATH lookup, no
 * registry at launch, pinned to the installed version.
 *
 *   <root>/versions/<version>/monsys-bridge.mjs
 *   <root>/versions/<version>/node_modules/@napi-rs/keyring[-<platform>]/
 */
import { cpSync, existsSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, posix, sep, win32 } from 'node:path';
import { BridgeError } from './errors.js';

type Env = Record<string, string | undefined>;

export const KEYRING = '@napi-rs/keyring';

/** Where installed versions live: the platform's per-user data folder (MONSYS_BRIDGE_HOME/install when set). */
export function installRoot(env: Env = process.env, platform: NodeJS.Platform = process.platform): string {
  const join = platform === 'win32' ? win32.join : posix.join;
  if (env.MONSYS_BRIDGE_HOME) return join(env.MONSYS_BRIDGE_HOME, 'install');
  const home = (platform === 'win32' ? env.USERPROFILE : env.HOME) || '';
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'monsys-bridge');
  if (platform === 'win32') return join(env.LOCALAPPDATA || join(home, 'AppData', 'Local'), 'monsys-bridge');
  return join(env.XDG_DATA_HOME || join(home, '.local', 'share'), 'monsys-bridge');
}

export const versionsDir = (root = installRoot()) => join(root, 'versions');

/** True when `file` is an installed bundle of ours under `root`. */
export function isInstalledBundle(file: string, root = installRoot()): boolean {
  return file.startsWith(versionsDir(root) + sep) && file.endsWith(`${sep}monsys-bridge.mjs`);
}

/**
 * The bundle that is running: argv[1] through its symlinks (npx and global installs start it through
 * `node_modules/.bin/monsys-bridge`). Undefined when running from source (tsx), which cannot be installed.
 */
export function runningBundle(argv1 = process.argv[1]): string | undefined {
  if (!argv1) return undefined;
  let real: string;
  try {
    real = realpathSync(argv1);
  } catch {
    return undefined;
  }
  return /\.mjs$/.test(real) ? real : undefined;
}

/**
 * The node to write into the entry: the one running now, by a stable link to it when the PATH has one
 * (Homebrew's /opt/homebrew/bin/node outlives `brew upgrade`, its Cellar path does not).
 */
export function nodeForEntry(env: Env = process.env, execPath = process.execPath): string {
  let target: string;
  try {
    target = realpathSync(execPath);
  } catch {
    return execPath;
  }
  const exe = process.platform === 'win32' ? 'node.exe' : 'node';
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, exe);
    try {
      if (realpathSync(candidate) === target) return candidate;
    } catch {
      // not there
    }
  }
  return execPath;
}

/** The keychain module next to `bundle`, and the native binding packages it resolves. */
function keyringPackages(bundle: string): { name: string; dir: string }[] {
  let pkgJson: string;
  try {
    pkgJson = createRequire(bundle).resolve(`${KEYRING}/package.json`);
  } catch {
    throw new BridgeError('invalid_option', `The keychain module ${KEYRING} is not installed next to ${bundle}; reinstall the bridge package (npm installs it as its dependency).`);
  }
  const dir = dirname(pkgJson);
  const optional = Object.keys((JSON.parse(readFileSync(pkgJson, 'utf8')) as { optionalDependencies?: Record<string, string> }).optionalDependencies ?? {});
  const found = [{ name: KEYRING, dir }];
  const req = createRequire(pkgJson);
  for (const name of optional) {
    try {
      found.push({ name, dir: dirname(req.resolve(`${name}/package.json`)) });
    } catch {
      // a binding for another platform: not installed here
    }
  }
  return found;
}

export interface Installed {
  version: string;
  dir: string;
  bundle: string;
  /** False when that version was already installed with the same bundle. */
  copied: boolean;
}

/** Copies the running bundle and its keychain module into `<root>/versions/<version>`. */
export function installVersion(bundle: string, version: string, root = installRoot()): Installed {
  const dir = join(versionsDir(root), version);
  const target = join(dir, 'monsys-bridge.mjs');
  if (bundle === target) return { version, dir, bundle: target, copied: false };
  const same = existsSync(target) && readFileSync(target).equals(readFileSync(bundle)) && existsSync(join(dir, 'node_modules', ...KEYRING.split('/')));
  if (same) return { version, dir, bundle: target, copied: false };
  const staging = `${dir}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  try {
    cpSync(bundle, join(staging, 'monsys-bridge.mjs'));
    for (const p of keyringPackages(bundle)) cpSync(p.dir, join(staging, 'node_modules', ...p.name.split('/')), { recursive: true, dereference: true });
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    if (err instanceof BridgeError) throw err;
    throw new BridgeError(
      'invalid_option',
      `Could not install the bridge in ${dir} (${(err as Error).message.slice(0, 160)}). If Claude Desktop is running a bridge from there, quit it fully and run the command again.`,
    );
  }
  return { version, dir, bundle: target, copied: true };
}

/** Removes installed versions that no entry uses any more; returns the ones removed. */
export function pruneVersions(inUse: string[], root = installRoot()): string[] {
  const dir = versionsDir(root);
  if (!existsSync(dir)) return [];
  const keep = new Set(inUse.filter((b) => isInstalledBundle(b, root)).map((b) => dirname(b)));
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (keep.has(path)) continue;
    rmSync(path, { recursive: true, force: true });
    removed.push(path);
  }
  if (!readdirSync(dir).length) rmSync(dir, { recursive: true, force: true });
  if (existsSync(root) && !readdirSync(root).length) rmSync(root, { recursive: true, force: true });
  return removed;
}
