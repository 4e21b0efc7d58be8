/** Options every command shares, and what they resolve to. */
import { Option, type Command } from 'commander';
import { BridgeError } from '../errors.js';
import { checkProfile, DEFAULT_HUB, DEFAULT_PROFILE, normalizeHubUrl } from '../names.js';
import { stateDir } from '../paths.js';
import { BridgeState } from '../state.js';
import { openStore, type TokenStore } from '../token-store.js';

export interface CommonOptions {
  hub: string;
  profile: string;
  insecureFileStore?: boolean;
}

export function addCommonOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--hub <url>', 'the monsys hub').env('MONSYS_HUB_URL').default(DEFAULT_HUB))
    .addOption(new Option('--profile <name>', 'one profile per tenant, e.g. "acme"').default(DEFAULT_PROFILE))
    .addOption(
      new Option('--insecure-file-store', 'keep the token in a plain file readable only by you (mode 0600) instead of the OS keychain; for machines without one').env(
        'MONSYS_BRIDGE_INSECURE_FILE_STORE',
      ),
    );
}

export interface Context {
  hub: string;
  profile: string;
  fileStore: boolean;
  stateDir: string;
  store: TokenStore;
  state: BridgeState;
}

export function resolveContext(o: CommonOptions): Context {
  const dir = stateDir();
  const fileStore = Boolean(o.insecureFileStore);
  return {
    hub: normalizeHubUrl(o.hub),
    profile: checkProfile(o.profile),
    fileStore,
    stateDir: dir,
    store: openStore({ insecureFileStore: fileStore, stateDir: dir }),
    state: new BridgeState(dir),
  };
}

export function positiveInt(name: string) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > 86_400) throw new BridgeError('invalid_option', `Invalid ${name} "${raw.slice(0, 20)}": give a whole number.`);
    return n;
  };
}
