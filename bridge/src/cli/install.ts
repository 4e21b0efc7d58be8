/** `install`: sign in, then add this profile's server to Claude Desktop's config. */
import { dirname, isAbsolute, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { addServer, checkConfig, readServers, type ServerEntry } from '../claude-config.js';
import { BridgeError } from '../errors.js';
import { installVersion, isInstalledBundle, nodeForEntry, pruneVersions, runningBundle } from '../installation.js';
import { info } from '../log.js';
import { PACKAGE_NAME, serverEntryName, shellWord } from '../names.js';
import { claudeConfigPath } from '../paths.js';
import { VERSION } from '../version.js';
import { addLoginOptions, runLogin, type LoginFlags } from './login.js';
import { addCommonOptions, resolveContext, type CommonOptions, type Context } from './options.js';

export interface InstallFlags {
  config?: string;
  launch: 'installed' | 'npx';
  package?: string;
  login?: boolean;
  tenant?: string;
}

/** `serve` and its options, as the entry runs it. */
function serveArgs(ctx: Context, tenant: string | undefined): string[] {
  return ['serve', '--hub', ctx.hub, '--profile', ctx.profile, ...(tenant ? ['--tenant', tenant] : []), ...(ctx.fileStore ? ['--insecure-file-store'] : [])];
}

const entryEnv = (ctx: Context) => (process.env.MONSYS_BRIDGE_HOME ? { env: { MONSYS_BRIDGE_HOME: ctx.stateDir } } : {});

/**
 * What Claude Desktop will run. `installed` (the default): the node that runs this command and the bridge's
 * installed copy, by absolute paths (installation.ts). `npx`: the package pinned to this version (or a
 * local tarball or folder), for machines whose Claude Desktop has npx and node on its PATH.
 */
export function serverEntry(ctx: Context, flags: Pick<InstallFlags, 'launch' | 'package' | 'tenant'>, installedBundle?: string): ServerEntry {
  const args = serveArgs(ctx, flags.tenant);
  if (flags.launch !== 'npx') {
    if (!installedBundle) throw new Error('serverEntry: no installed bundle');
    return { command: nodeForEntry(), args: [installedBundle, ...args], ...entryEnv(ctx) };
  }
  const spec = flags.package ?? `${PACKAGE_NAME}@${VERSION}`;
  // A local tarball or folder: by absolute path (Claude Desktop starts servers from any directory), and with
  // --package, because npx would take a bare path for a command to execute.
  if (/^(\.|\/|[A-Za-z]:\\)/.test(spec) || spec.endsWith('.tgz')) {
    return { command: 'npx', args: ['-y', '--package', isAbsolute(spec) ? spec : resolve(spec), 'monsys-bridge', ...args], ...entryEnv(ctx) };
  }
  return { command: 'npx', args: ['-y', spec, ...args], ...entryEnv(ctx) };
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
    .addOption(new Option('--launch <how>', 'what the entry runs: the installed copy by absolute paths, or npx (needs node and npx on Claude Desktop\'s PATH)').choices(['installed', 'npx']).default('installed'))
    .option('--package <spec>', `with --launch npx: the package (name, tarball or folder) that npx runs (default: ${PACKAGE_NAME}@<this version>)`)
    .option('--no-login', 'only write the config entry (sign in later with `login`)')
    .action(async (o: CommonOptions & LoginFlags & InstallFlags) => {
      const ctx = resolveContext(o);
      const path = o.config ? resolve(o.config) : claudeConfigPath();
      const bundle = o.launch === 'npx' ? undefined : runningBundle();
      if (o.launch !== 'npx' && !bundle) {
        throw new BridgeError('invalid_option', 'install copies the built bridge (monsys-bridge.mjs), and this is running from source: run the built file (npm run bridge:build), or use --launch npx.');
      }
      // Parse the config before the browser opens: a broken file should stop us before, not after, sign-in.
      checkConfig(path);
      if (o.login !== false) await runLogin(ctx, o);
      else if (o.tenant) ctx.state.bindTenant(ctx.hub, ctx.profile, ctx.tenant!);
      const installed = bundle ? installVersion(bundle, VERSION) : undefined;
      if (installed?.copied) info(`Installed the bridge ${VERSION} in ${installed.dir}.`);
      const entry = serverEntry(ctx, o, installed?.bundle);
      const name = serverEntryName(ctx.profile);
      const change = addServer(path, name, entry);
      if (change.backup) info(`Backed up ${path} to ${change.backup}.`);
      const verb = { added: 'Added', replaced: 'Updated', unchanged: 'Kept', removed: 'Removed' }[change.action];
      info(`${verb} the "${name}" server in ${path}: ${[entry.command, ...entry.args].map(shellWord).join(' ')}`);
      if (installed) upgradeOthers(path, name, entry);
      const others = Object.keys(readServers(path)).filter((k) => k !== name);
      if (others.length) info(`Other servers: ${others.join(', ')}.`);
      info('Restart Claude Desktop (quit it fully, then open it) to load the monsys tools.');
    });
  return cmd;
}

/**
 * The `serve …` part of an entry written by an older install: one running an installed copy, or the npx form
 * (`npx -y @monsys/claude-bridge serve …`), which breaks where Claude Desktop's PATH has no npx.
 */
function olderServeArgs(e: ServerEntry | undefined): string[] | undefined {
  if (!e || !Array.isArray(e.args)) return undefined;
  const serve = e.args.indexOf('serve');
  if (serve < 1) return undefined;
  const before = e.args.slice(0, serve);
  const ours = isInstalledBundle(String(before[0])) || (/(^|[\\/])npx(\.cmd)?$/.test(e.command) && before.some((a) => a === 'monsys-bridge' || a === PACKAGE_NAME || a.startsWith(`${PACKAGE_NAME}@`)));
  return ours ? e.args.slice(serve) : undefined;
}

/** Upgrade in place: the other profiles' entries of the bridge move to this installed copy; unused copies go. */
function upgradeOthers(path: string, current: string, entry: ServerEntry): void {
  for (const [name, other] of Object.entries(readServers(path))) {
    const serve = name === current || other?.args?.[0] === entry.args[0] ? undefined : olderServeArgs(other);
    if (!serve) continue;
    addServer(path, name, { ...other, command: entry.command, args: [entry.args[0]!, ...serve] });
    info(`Moved the "${name}" server to the bridge ${VERSION} installed in ${dirname(entry.args[0]!)}.`);
  }
  const used = Object.values(readServers(path)).map((e) => e?.args?.[0]).filter((a): a is string => typeof a === 'string');
  for (const dir of pruneVersions(used)) info(`Removed ${dir}, which no server uses any more.`);
}
