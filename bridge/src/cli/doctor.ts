/**
 * `doctor`: checks, one line each, what the bridge needs in the place Claude Desktop runs it, and says for
 * each failing line how to fix it. Its answer goes to stdout; exit 1 when a line failed.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { Command } from 'commander';
import { readServer, type ServerEntry } from '../claude-config.js';
import { BridgeError } from '../errors.js';
import { drain } from '../http.js';
import { bridgeCommand, loginCommand, serverEntryName } from '../names.js';
import { discover } from '../oauth.js';
import { claudeConfigPath } from '../paths.js';
import { findSessionBus } from '../session-bus.js';
import { Session } from '../session.js';
import type { StoredToken } from '../token-store.js';
import { addCommonOptions, resolveContext, type CommonOptions, type Context } from './options.js';

export interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}

/** The lowest Node.js the bundle runs on (bridge/package.json engines). */
export const MIN_NODE_MAJOR = 20;

/**
 * The PATH Claude Desktop starts servers with. macOS GUI apps get launchd's default, not the shell's
 * (nvm, Homebrew and Volta are not on it); on Windows and Linux it inherits the login session's PATH.
 */
export function claudeDesktopPath(platform: NodeJS.Platform = process.platform, env: Record<string, string | undefined> = process.env): string {
  return platform === 'darwin' ? '/usr/bin:/bin:/usr/sbin:/sbin' : (env.PATH ?? env.Path ?? '');
}

export function checkNode(execPath = process.execPath, version = process.version): Check {
  const major = Number(/^v(\d+)/.exec(version)?.[1] ?? 0);
  if (major >= MIN_NODE_MAJOR) return { name: 'node', status: 'ok', detail: `${execPath} ${version}` };
  return { name: 'node', status: 'fail', detail: `${execPath} ${version} is older than Node.js ${MIN_NODE_MAJOR}`, fix: `Install Node.js ${MIN_NODE_MAJOR} or later (https://nodejs.org), then run install again with it.` };
}

function executable(file: string): boolean {
  try {
    accessSync(file, process.platform === 'win32' ? constants.F_OK : constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where `command` resolves on `path`, as the client's spawn would find it. */
export function resolveCommand(command: string, path: string, platform: NodeJS.Platform = process.platform): string | undefined {
  if (isAbsolute(command)) return executable(command) ? command : undefined;
  const exts = platform === 'win32' ? ['', '.exe', '.cmd', '.bat'] : [''];
  for (const dir of path.split(platform === 'win32' ? ';' : delimiter).filter(Boolean)) {
    for (const ext of exts) if (executable(join(dir, command + ext))) return join(dir, command + ext);
  }
  return undefined;
}

export function checkEntry(configPath: string, name: string, entry: ServerEntry | undefined, reinstall: string, guiPath = claudeDesktopPath()): Check[] {
  if (!entry) return [{ name: 'claude entry', status: 'fail', detail: `${configPath} has no "${name}" server`, fix: `Add it with: ${reinstall}` }];
  const checks: Check[] = [{ name: 'claude entry', status: 'ok', detail: `"${name}" in ${configPath}` }];
  const found = resolveCommand(entry.command, guiPath);
  checks.push(
    found
      ? { name: 'entry command', status: 'ok', detail: `${entry.command}${found !== entry.command ? ` (${found} on Claude Desktop's PATH)` : ''}` }
      : {
          name: 'entry command',
          status: 'fail',
          detail: isAbsolute(entry.command) ? `${entry.command} does not exist or is not executable` : `"${entry.command}" is not on the PATH Claude Desktop uses (${guiPath || 'empty'}), so it cannot start the bridge ("spawn ${entry.command} ENOENT", shown as "Connection closed")`,
          fix: `Run install again: it writes the absolute path of node and of the installed bridge: ${reinstall}`,
        },
  );
  const script = entry.args?.[0];
  if (script && /\.m?js$/.test(script)) {
    checks.push(
      existsSync(script)
        ? { name: 'entry bundle', status: 'ok', detail: script }
        : { name: 'entry bundle', status: 'fail', detail: `${script} is missing`, fix: `Install the bridge again: ${reinstall}` },
    );
  }
  return checks;
}

export function checkSessionBus(env: Record<string, string | undefined> = process.env): Check {
  const bus = findSessionBus(env);
  if (bus.source === 'environment') return { name: 'session bus', status: 'ok', detail: `${bus.address} (DBUS_SESSION_BUS_ADDRESS)` };
  if (bus.source === 'socket') return { name: 'session bus', status: 'ok', detail: `${bus.address} (found; Claude Desktop does not pass DBUS_SESSION_BUS_ADDRESS, the bridge looks there)` };
  return {
    name: 'session bus',
    status: 'fail',
    detail: `no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set and there is no socket at ${bus.looked.join(' or ')}`,
    fix: 'Log in to a desktop session on this machine (its session bus carries the Secret Service), or keep the token in a file with --insecure-file-store on a headless machine.',
  };
}

async function checkKeychain(ctx: Context): Promise<{ check: Check; token?: StoredToken; usable: boolean }> {
  try {
    const token = await ctx.store.get(ctx.hub, ctx.profile);
    const check: Check = ctx.fileStore
      ? { name: 'token store', status: 'warn', detail: `${ctx.store.description}: the token is kept in plain text` }
      : { name: 'token store', status: 'ok', detail: ctx.store.description };
    return { check, token, usable: true };
  } catch (err) {
    if (!(err instanceof BridgeError)) throw err;
    return { check: { name: 'token store', status: 'fail', detail: err.message }, usable: false };
  }
}

async function checkHub(ctx: Context): Promise<Check> {
  try {
    const as = await discover(ctx.hub);
    return { name: 'hub', status: 'ok', detail: `${ctx.hub} answers; authorization server ${as.issuer}` };
  } catch (err) {
    if (!(err instanceof BridgeError)) throw err;
    return {
      name: 'hub',
      status: 'fail',
      detail: err.message,
      fix:
        err.code === 'hub_unreachable'
          ? 'Check the --hub address (the one your monsys admin gave you), your network, and behind a corporate proxy set HTTPS_PROXY (and NO_PROXY) in the "env" of the entry.'
          : 'Check the --hub address: give the hub\'s URL (bare or ending in /mcp); the hub must publish its OAuth metadata.',
    };
  }
}

export function checkToken(ctx: Context, token: StoredToken | undefined, now = Date.now() / 1000): Check {
  const relogin = loginCommand(ctx.hub, ctx.profile, { fileStore: ctx.fileStore, tenant: ctx.tenant });
  if (!token) return { name: 'token', status: 'fail', detail: `not signed in for profile "${ctx.profile}" on ${ctx.hub}`, fix: `Sign in: ${relogin}` };
  const expires = new Date(token.expires_at * 1000).toISOString();
  if (token.expires_at > now) return { name: 'token', status: 'ok', detail: `expires ${expires} (in ${Math.round((token.expires_at - now) / 60)} min)${token.refresh_token ? ', renewed automatically' : ''}` };
  if (token.refresh_token) return { name: 'token', status: 'ok', detail: `expired ${expires}; renewed with the refresh token on the next call` };
  return { name: 'token', status: 'fail', detail: `expired ${expires} and no refresh token is stored`, fix: `Sign in again: ${relogin}` };
}

export function checkScopes(ctx: Context, token: StoredToken): Check {
  const scopes = token.scope.split(' ').filter(Boolean);
  if (!scopes.includes('mcp.read')) {
    return { name: 'scopes', status: 'fail', detail: `${scopes.join(' ') || '(none)'}: no mcp.read, so no tool can run`, fix: `Sign in again: ${loginCommand(ctx.hub, ctx.profile, { fileStore: ctx.fileStore, tenant: ctx.tenant })}` };
  }
  if (!scopes.includes('mcp.acknowledge')) return { name: 'scopes', status: 'ok', detail: `${scopes.join(' ')} (acknowledging detections needs mcp.acknowledge: login --scope mcp.acknowledge)` };
  return { name: 'scopes', status: 'ok', detail: scopes.join(' ') };
}

/** The tenant the hub says this token serves, against the one the profile is bound to. */
async function checkTenant(ctx: Context): Promise<Check> {
  const session = new Session(ctx.hub, ctx.profile, ctx.store, ctx.fileStore);
  try {
    const r = await session.get(`${ctx.hub}/v1/kpi-summary`);
    if (r.status === 401) {
      await drain(r);
      return { name: 'tenant', status: 'fail', detail: 'the hub no longer accepts this sign-in (expired or revoked)', fix: `Sign in again: ${loginCommand(ctx.hub, ctx.profile, { fileStore: ctx.fileStore, tenant: ctx.tenant })}` };
    }
    const body = (await r.json().catch(() => ({}))) as { tenant?: unknown };
    if (!r.ok || typeof body.tenant !== 'string') return { name: 'tenant', status: 'fail', detail: `the hub answered HTTP ${r.status} on /v1/kpi-summary`, fix: 'Retry in a minute; if it persists, ask your monsys admin whether the Claude connector is enabled for the tenant.' };
    if (ctx.tenant && body.tenant !== ctx.tenant) {
      return {
        name: 'tenant',
        status: 'fail',
        detail: `profile "${ctx.profile}" is for the tenant "${ctx.tenant}", but its token serves "${body.tenant}"`,
        fix: `Sign out and in again choosing "${ctx.tenant}": ${bridgeCommand()} logout --hub ${ctx.hub} --profile ${ctx.profile}${ctx.fileStore ? ' --insecure-file-store' : ''}, then ${loginCommand(ctx.hub, ctx.profile, { fileStore: ctx.fileStore, tenant: ctx.tenant })}`,
      };
    }
    return { name: 'tenant', status: 'ok', detail: `"${body.tenant}"${ctx.tenant ? ` (profile "${ctx.profile}" is bound to it)` : ''}` };
  } catch (err) {
    if (!(err instanceof BridgeError)) throw err;
    if (err.code === 'reauth_required' || err.code === 'not_logged_in') {
      return { name: 'tenant', status: 'fail', detail: 'the hub no longer accepts this sign-in (expired or revoked)', fix: `Sign in again: ${loginCommand(ctx.hub, ctx.profile, { fileStore: ctx.fileStore, tenant: ctx.tenant })}` };
    }
    return { name: 'tenant', status: 'fail', detail: err.message };
  }
}

export async function runDoctor(ctx: Context, configPath: string): Promise<Check[]> {
  const name = serverEntryName(ctx.profile);
  const reinstall = `${bridgeCommand()} install --hub ${ctx.hub} --profile ${ctx.profile}${ctx.fileStore ? ' --insecure-file-store' : ''}`;
  let entry: ServerEntry | undefined;
  const checks: Check[] = [checkNode()];
  try {
    entry = readServer(configPath, name);
    checks.push(...checkEntry(configPath, name, entry, reinstall));
  } catch (err) {
    if (!(err instanceof BridgeError)) throw err;
    checks.push({ name: 'claude entry', status: 'fail', detail: err.message });
  }
  if (process.platform === 'linux' && !ctx.fileStore) checks.push(checkSessionBus());
  const keychain = await checkKeychain(ctx);
  checks.push(keychain.check);
  const hub = await checkHub(ctx);
  checks.push(hub);
  if (keychain.usable) {
    const token = checkToken(ctx, keychain.token);
    checks.push(token);
    if (keychain.token) checks.push(checkScopes(ctx, keychain.token));
    if (keychain.token && token.status !== 'fail' && hub.status === 'ok') checks.push(await checkTenant(ctx));
  }
  return checks;
}

export function renderChecks(checks: Check[]): string {
  return (
    checks
      .map((c) => `${{ ok: 'ok  ', warn: 'warn', fail: 'FAIL' }[c.status]}  ${c.name.padEnd(13)} ${c.detail}${c.fix ? `\n${' '.repeat(20)}fix: ${c.fix}` : ''}`)
      .join('\n') + '\n'
  );
}

export function doctorCommand(): Command {
  const cmd = new Command('doctor')
    .summary('check everything the bridge needs where Claude Desktop runs it')
    .description(
      'Checks node, the Claude Desktop entry and whether its command resolves on the PATH Claude Desktop uses, the keychain (and on Linux the D-Bus session bus), the hub and its OAuth metadata, the profile\'s tenant, the token and its scopes. Each failing line says how to fix it; exits 1 when one fails.',
    );
  addCommonOptions(cmd)
    .option('--config <path>', 'claude_desktop_config.json to check (default: Claude Desktop\'s for this system)')
    .option('--json', 'print JSON')
    .action(async (o: CommonOptions & { config?: string; json?: boolean }) => {
      const ctx = resolveContext(o);
      const checks = await runDoctor(ctx, o.config ? resolve(o.config) : claudeConfigPath());
      process.stdout.write(o.json ? JSON.stringify(checks, null, 2) + '\n' : renderChecks(checks));
      if (checks.some((c) => c.status === 'fail')) process.exitCode = 1;
    });
  return cmd;
}
