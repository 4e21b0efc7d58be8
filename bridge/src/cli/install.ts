/** `install`: sign in, then add this profile's server to Claude Desktop's config. */
import { realpathSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { addServer, checkConfig, type ServerEntry } from '../claude-config.js';
import { BridgeError } from '../errors.js';
import { info } from '../log.js';
import { PACKAGE_NAME, serverEntryName } from '../names.js';
import { claudeConfigPath } from '../paths.js';
import { addLoginOptions, runLogin, type LoginFlags } from './login.js';
import { addCommonOptions, resolveContext, type CommonOptions, type Context } from './options.js';

export interface InstallFlags {
  config?: string;
  launch: 'npx' | 'node';
  package: string;
  login?: boolean;
}

/**
 * What Claude Desktop will run. `npx` (the default) fetches the published package; `node` runs the
 * bundle that is running now by its absolute path (for a package installed from a local tarball).
 */
export function serverEntry(ctx: Context, flags: Pick<InstallFlags, 'launch' | 'package'>, script = process.argv[1]): ServerEntry {
  const serveArgs = ['serve', '--hub', ctx.hub, '--profile', ctx.profile, ...(ctx.fileStore ? ['--insecure-file-store'] : [])];
  const env = process.env.MONSYS_BRIDGE_HOME ? { MONSYS_BRIDGE_HOME: ctx.stateDir } : undefined;
  if (flags.launch === 'node') {
    if (!script || !/\.(m|c)?js$/.test(script)) {
      throw new BridgeError('invalid_option', '--launch node needs the bundled bridge (run it from the installed package, not from source).');
    }
    return { command: process.execPath, args: [realpathSync(script), ...serveArgs], ...(env ? { env } : {}) };
  }
  // A local tarball or folder: by absolute path (Claude Desktop starts servers from any directory), and with
  // --package, because npx would take a bare path for a command to execute.
  if (/^(\.|\/|[A-Za-z]:\\)/.test(flags.package) || flags.package.endsWith('.tgz')) {
    const spec = isAbsolute(flags.package) ? flags.package : resolve(flags.package);
    return { command: 'npx', args: ['-y', '--package', spec, 'monsys-bridge', ...serveArgs], ...(env ? { env } : {}) };
  }
  return { command: 'npx', args: ['-y', flags.package, ...serveArgs], ...(env ? { env } : {}) };
}

export function installCommand(): Command {
  const cmd = new Command('install')
    .summary('sign in and add monsys to Claude Desktop')
    .description(
      'Signs in (like `login`), then adds a "monsys-<profile>" server to claude_desktop_config.json, keeping your other ' +
        'servers and writing a backup first. Restart Claude Desktop afterwards. Run it once per tenant with a different --profile.',
    );
  addLoginOptions(addCommonOptions(cmd))
    .option('--config <path>', 'claude_desktop_config.json to edit (default: Claude Desktop\'s for this system)')
    .addOption(new Option('--launch <how>', 'how Claude Desktop starts the bridge').choices(['npx', 'node']).default('npx'))
    .option('--package <spec>', 'package (name, tarball or folder) that npx runs', PACKAGE_NAME)
    .option('--no-login', 'only write the config entry (sign in later with `login`)')
    .action(async (o: CommonOptions & LoginFlags & InstallFlags) => {
      const ctx = resolveContext(o);
      const path = o.config ? resolve(o.config) : claudeConfigPath();
      const entry = serverEntry(ctx, o);
      // Parse the config before the browser opens: a broken file should stop us before, not after, sign-in.
      checkConfig(path);
      if (o.login !== false) await runLogin(ctx, o);
      const name = serverEntryName(ctx.profile);
      const change = addServer(path, name, entry);
      if (change.backup) info(`Backed up ${path} to ${change.backup}.`);
      const verb = { added: 'Added', replaced: 'Updated', unchanged: 'Kept', removed: 'Removed' }[change.action];
      info(`${verb} the "${name}" server in ${path}: ${entry.command} ${entry.args.join(' ')}`);
      if (change.otherServers.length) info(`Other servers left as they were: ${change.otherServers.join(', ')}.`);
      info('Restart Claude Desktop (quit it fully, then open it) to load the monsys tools.');
    });
  return cmd;
}
