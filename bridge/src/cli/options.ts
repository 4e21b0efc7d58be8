/** Options every command shares, and what they resolve to. */
import { Option, type Command } from 'commander';
import { BridgeError } from '../errors.js';
import { checkProfile, checkTenant, DEFAULT_HUB, DEFAULT_PROFILE, normalizeHubUrl } from '../names.js';
import { stateDir } from '../paths.js';
import { BridgeState } from '../state.js';
import { openStore, type TokenStore } from '../token-store.js';

export interface CommonOptions {
  hub: string;
  profile: string;
  tenant?: string;
  insecureFileStore?: boolean;
}

export function addCommonOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--hub <url>', 'the monsys hub').env('MONSYS_HUB_URL').default(DEFAULT_HUB))
    .addOption(new Option('--profile <name>', 'one profile per tenant, e.g. "acme"').default(DEFAULT_PROFILE))
    .addOption(new Option('--tenant <slug>', 'the tenant this profile is for, when its slug differs from the profile name'))
    .addOption(
      new Option('--insecure-file-store', 'keep the token in a plain file readable only by you (mode 0600) instead of the OS keychain; for machines without one').env(
        'MONSYS_BRIDGE_INSECURE_FILE_STORE',
      ),
    );
}

export interface Context {
  hub: string;
  profile: string;
  /**
   * The tenant the profile serves: --tenant, else the one it was bound to at its first sign-in, else the
   * profile's name; none for the "default" profile before its first sign-in.
   */
  tenant?: string;
  fileStore: boolean;
  stateDir: string;
  store: TokenStore;
  state: BridgeState;
}

export function resolveContext(o: CommonOptions): Context {
  const dir = stateDir();
  const fileStore = Boolean(o.insecureFileStore);
  const hub = normalizeHubUrl(o.hub);
  const profile = checkProfile(o.profile);
  const state = new BridgeState(dir);
  const tenant = o.tenant !== undefined ? checkTenant(o.tenant) : (state.tenantOf(hub, profile) ?? (profile === DEFAULT_PROFILE ? undefined : profile));
  return { hub, profile, tenant, fileStore, stateDir: dir, store: openStore({ insecureFileStore: fileStore, stateDir: dir }), state };
}

export function positiveInt(name: string) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > 86_400) throw new BridgeError('invalid_option', `Invalid ${name} "${raw.slice(0, 20)}": give a whole number.`);
    return n;
  };
}
