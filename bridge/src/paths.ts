/**
 * Where the bridge keeps its small non-secret state, and where Claude Desktop keeps its config.
 * @see https://modelcontextprotocol.io/quickstart/user (claude_desktop_config.json locations)
 */
import { homedir } from 'node:os';
import { posix, win32 } from 'node:path';

type Env = Record<string, string | undefined>;

/** The bridge's own folder: registrations per hub, and (only when asked for) the fallback token files. */
export function stateDir(env: Env = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.MONSYS_BRIDGE_HOME) return env.MONSYS_BRIDGE_HOME;
  return joinFor(platform)(userConfigDir(env, platform), 'monsys-bridge');
}

/** Claude Desktop's config file for this platform. */
export function claudeConfigPath(env: Env = process.env, platform: NodeJS.Platform = process.platform): string {
  return joinFor(platform)(userConfigDir(env, platform), 'Claude', 'claude_desktop_config.json');
}

/**
 * The bridge's cache folder: only the compiled-code cache of the launcher (code-cache.ts), which can be deleted
 * at any time. Each platform's per-user cache location, so it stays out of backups and out of the state folder.
 */
export function cacheDir(env: Env = process.env, platform: NodeJS.Platform = process.platform): string {
  const join = joinFor(platform);
  const home = homeOf(env, platform);
  if (platform === 'darwin') return join(home, 'Library', 'Caches', 'monsys-bridge');
  if (platform === 'win32') return join(env.LOCALAPPDATA || join(home, 'AppData', 'Local'), 'monsys-bridge', 'Cache');
  return join(env.XDG_CACHE_HOME || join(home, '.cache'), 'monsys-bridge');
}

const joinFor = (platform: NodeJS.Platform) => (platform === 'win32' ? win32.join : posix.join);
const homeOf = (env: Env, platform: NodeJS.Platform) => (platform === 'win32' ? env.USERPROFILE : env.HOME) || homedir();

function userConfigDir(env: Env, platform: NodeJS.Platform): string {
  const join = joinFor(platform);
  const home = homeOf(env, platform);
  if (platform === 'darwin') return join(home, 'Library', 'Application Support');
  if (platform === 'win32') return env.APPDATA || join(home, 'AppData', 'Roaming');
  return env.XDG_CONFIG_HOME || join(home, '.config');
}
