/** `logout`: revoke and forget the token of a profile; `--uninstall` also removes its Claude Desktop entry. */
import { resolve } from 'node:path';
import { Command } from 'commander';
import { readServers, removeServer } from '../claude-config.js';
import { installRoot, pruneVersions } from '../installation.js';
import { info } from '../log.js';
import { serverEntryName } from '../names.js';
import { revoke } from '../oauth.js';
import { claudeConfigPath } from '../paths.js';
import { addCommonOptions, resolveContext, type CommonOptions } from './options.js';

export function logoutCommand(): Command {
  const cmd = new Command('logout')
    .summary('forget (and revoke) the token of a profile')
    .description(
      'Revokes the profile\'s token at the hub (when it answers) and removes it from the keychain. With --uninstall, also removes the profile\'s server from Claude Desktop\'s config, its tenant binding, and the installed copy of the bridge when no other server uses it.',
    );
  addCommonOptions(cmd)
    .option('--uninstall', 'also remove the "monsys-<profile>" server from claude_desktop_config.json, and the installed bridge once no server uses it')
    .option('--config <path>', 'claude_desktop_config.json to edit (default: Claude Desktop\'s for this system)')
    .action(async (o: CommonOptions & { uninstall?: boolean; config?: string }) => {
      const ctx = resolveContext(o);
      const token = await ctx.store.get(ctx.hub, ctx.profile);
      if (token) {
        // Best effort: a hub that is down must not keep the user from forgetting the token locally.
        const revoked = await revoke(token).catch(() => false);
        await ctx.store.delete(ctx.hub, ctx.profile);
        info(`Removed the token of profile "${ctx.profile}" for ${ctx.hub} from ${ctx.store.description}${revoked ? ' and revoked it at the hub' : ' (the hub could not be told; it expires within the hour)'}.`);
      } else {
        info(`No token was stored for profile "${ctx.profile}" on ${ctx.hub}.`);
      }
      if (o.uninstall) {
        const path = o.config ? resolve(o.config) : claudeConfigPath();
        const name = serverEntryName(ctx.profile);
        const change = removeServer(path, name);
        if (change.action === 'removed') info(`Removed the "${name}" server from ${path} (backup: ${change.backup}). Restart Claude Desktop.`);
        else info(`${path} has no "${name}" server; nothing to remove.`);
        ctx.state.unbindTenant(ctx.hub, ctx.profile);
        const used = Object.values(readServers(path)).map((e) => e?.args?.[0]).filter((a): a is string => typeof a === 'string');
        const removed = pruneVersions(used);
        if (removed.length) info(`Removed the installed bridge (${removed.join(', ')}).`);
        else if (used.some((a) => a.startsWith(installRoot()))) info(`Kept the installed bridge in ${installRoot()}: other servers use it.`);
      }
    });
  return cmd;
}
