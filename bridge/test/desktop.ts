/**
 * Starting a process as a Linux desktop MCP client does: only the variables the MCP SDK's
 * StdioClientTransport passes (HOME, LOGNAME, PATH, SHELL, TERM, USER), with the login's session bus at
 * the standard path /run/user/<uid>/bus, and optionally a PATH on which there is no node or npx.
 *
 * The standard path is real: the process runs in its own mount namespace (util-linux `unshare`, which
 * needs root or user namespaces) where the test's run-user folder is bound over /run/user, so tests that
 * run side by side each see their own bus. The no-node case binds an empty file over node and npx in
 * the PATH folders, in that namespace only.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/** The environment Claude Desktop gives a local MCP server. */
export function desktopEnv(home: string, path = process.env.PATH ?? '/usr/bin:/bin'): Record<string, string> {
  const user = userInfo().username;
  return { HOME: home, LOGNAME: user, PATH: path, SHELL: '/bin/sh', TERM: 'dumb', USER: user };
}

export interface WrapOptions {
  /** Bound over /run/user inside the namespace (see startSecretService's standardPath). */
  runUser: string;
  /** Hide these programs in every folder of `path` (default: none). */
  hide?: string[];
  path?: string;
}

/** `unshare` before the command: a private mount namespace with /run/user (and hidden programs) bound. */
export function wrapAsDesktop(command: string, args: string[], o: WrapOptions): { command: string; args: string[] } {
  const hidden: string[] = [];
  for (const dir of (o.path ?? '').split(':').filter(Boolean)) for (const name of o.hide ?? []) if (existsSync(join(dir, name))) hidden.push(realpathSync(join(dir, name)));
  const empty = join(mkdtempSync(join(tmpdir(), 'desktop-empty-')), 'empty');
  writeFileSync(empty, '', { mode: 0o644 });
  const script = [
    'set -e',
    `mount --bind ${JSON.stringify(o.runUser)} /run/user`,
    ...[...new Set(hidden)].map((h) => `mount --bind ${JSON.stringify(empty)} ${JSON.stringify(h)}`),
    'exec "$@"',
  ].join('\n');
  return { command: '/usr/bin/unshare', args: ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', script, 'desktop', command, ...args] };
}

/**
 * Whether this machine can run the wrapper (root, util-linux unshare). Tests that need
 * it skip elsewhere, never in CI (`CI` set): there they run, and fail if the machine cannot.
 */
export function canWrap(): boolean {
  try {
    execFileSync('/usr/bin/unshare', ['--mount', '--propagation', 'private', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
