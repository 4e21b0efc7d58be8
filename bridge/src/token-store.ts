/**
 * Where the OAuth tokens live: the OS keychain (macOS Keychain, Windows Credential Manager, a
 * Secret Service such as GNOME Keyring on Linux) through @napi-rs/keyring (docs/adr/0004), or, only
 * when the user explicitly asks for it, a file readable by the user alone.
 *
 * On Linux the keyring library falls back to the kernel keyring when no Secret Service answers;
 * that store is emptied at reboot, so a token "saved" there is lost silently. Entries are therefore
 * pinned to the Secret Service, and its absence is reported as "no keychain" with the fix.
 */
import { chmodSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { BridgeError } from './errors.js';
import { writePrivateFile } from './files.js';
import { KEYCHAIN_ACCOUNT, keychainService, loginCommand, tokenFileName } from './names.js';
import { findSessionBus, useSessionBus, type SessionBus } from './session-bus.js';

/** What the bridge keeps per hub and profile. Tokens are secrets; the rest is what `status` shows. */
export interface StoredToken {
  hub: string;
  profile: string;
  client_id: string;
  access_token: string;
  refresh_token?: string;
  /** Seconds since the epoch. */
  expires_at: number;
  scope: string;
  /** From the token response or a later hub answer, when the hub reports them. */
  tenant?: string;
  user?: string;
}

export interface TokenStore {
  /** Human name of the store for messages ("the OS keychain", "the file …"). */
  readonly description: string;
  get(hub: string, profile: string): Promise<StoredToken | undefined>;
  set(token: StoredToken): Promise<void>;
  /** True when something was removed. */
  delete(hub: string, profile: string): Promise<boolean>;
}

type KeyringModule = typeof import('@napi-rs/keyring');

/** The OS keychain. The native module is loaded on first use, so `--help` works without it. */
export class KeychainStore implements TokenStore {
  readonly description = 'the OS keychain';
  private keyring?: KeyringModule;
  private bus?: SessionBus;

  private async entry(hub: string, profile: string) {
    if (process.platform === 'linux') this.bus ??= useSessionBus();
    try {
      // require(), not import(): the bundle runs as a classic script (code-cache.ts), which has no import().
      // The module is CommonJS either way, resolved from the bundle's folder as before.
      this.keyring ??= createRequire(import.meta.url)('@napi-rs/keyring') as KeyringModule;
    } catch (err) {
      throw noKeychain(hub, profile, `the keychain module could not be loaded: ${(err as Error).message.slice(0, 120)}`);
    }
    try {
      // Linux: require the Secret Service instead of the silent kernel-keyring fallback.
      return new this.keyring.AsyncEntry(keychainService(hub, profile), KEYCHAIN_ACCOUNT, { linux: { store: 'secret-service' } });
    } catch (err) {
      throw keychainFailure(hub, profile, err, this.bus);
    }
  }

  async get(hub: string, profile: string): Promise<StoredToken | undefined> {
    const entry = await this.entry(hub, profile);
    const raw = await entry.getPassword().catch((err: unknown) => {
      throw keychainFailure(hub, profile, err, this.bus);
    });
    return raw ? parseToken(raw) : undefined;
  }

  async set(token: StoredToken): Promise<void> {
    const entry = await this.entry(token.hub, token.profile);
    await entry.setPassword(JSON.stringify(token)).catch((err: unknown) => {
      throw keychainFailure(token.hub, token.profile, err, this.bus);
    });
  }

  async delete(hub: string, profile: string): Promise<boolean> {
    const entry = await this.entry(hub, profile);
    return entry.deleteCredential().catch((err: unknown) => {
      throw keychainFailure(hub, profile, err, this.bus);
    });
  }
}

/**
 * The explicit opt-in fallback (`--insecure-file-store`): one JSON file per hub and profile,
 * mode 0600 in a 0700 folder. Plain text protected only by file permissions, hence the name.
 */
export class FileStore implements TokenStore {
  readonly description: string;
  constructor(private readonly dir: string) {
    this.description = `a file in ${dir} (readable only by you; --insecure-file-store)`;
  }

  private file(hub: string, profile: string): string {
    return join(this.dir, tokenFileName(hub, profile));
  }

  async get(hub: string, profile: string): Promise<StoredToken | undefined> {
    let raw: string;
    try {
      raw = readFileSync(this.file(hub, profile), 'utf8');
    } catch {
      return undefined;
    }
    return parseToken(raw);
  }

  async set(token: StoredToken): Promise<void> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
    writePrivateFile(this.file(token.hub, token.profile), JSON.stringify(token));
  }

  async delete(hub: string, profile: string): Promise<boolean> {
    const target = this.file(hub, profile);
    try {
      readFileSync(target);
    } catch {
      return false;
    }
    rmSync(target, { force: true });
    return true;
  }
}

function parseToken(raw: string): StoredToken | undefined {
  try {
    const t = JSON.parse(raw) as StoredToken;
    return typeof t.access_token === 'string' && typeof t.client_id === 'string' ? t : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Names the real cause of a keychain failure and its fix. On Linux the D-Bus library's own words tell the
 * three usual cases apart: no session bus to talk to, a bus with no Secret Service on it, a locked keyring.
 */
export function keychainFailure(hub: string, profile: string, err: unknown, bus?: SessionBus): BridgeError {
  const message = (err as Error)?.message ?? String(err);
  const cause = message.replace(/\s+/g, ' ').slice(0, 160);
  if (process.platform === 'linux') bus ??= findSessionBus();
  if (/autolaunch|DBUS_SESSION_BUS_ADDRESS|failed to connect to socket|connection refused|no such file or directory/i.test(message)) {
    const where =
      bus?.source === 'none'
        ? `DBUS_SESSION_BUS_ADDRESS is not set and there is no bus socket at ${bus.looked.join(' or ') || '/run/user/<uid>/bus'}`
        : `the session bus at ${bus?.address ?? process.env.DBUS_SESSION_BUS_ADDRESS ?? '(unknown)'} does not answer`;
    return noKeychain(
      hub,
      profile,
      `no D-Bus session bus: ${where}`,
      'The Secret Service is reached over the D-Bus session bus of your desktop login. Log in to a desktop session on this machine (the bus starts with it); ' +
        'if your bus lives elsewhere, add "DBUS_SESSION_BUS_ADDRESS" with its address to the "env" of the monsys entry in claude_desktop_config.json. ',
    );
  }
  if (/not provided by any \.service files|ServiceUnknown|NameHasNoOwner|org\.freedesktop\.secrets/i.test(message)) {
    return noKeychain(
      hub,
      profile,
      `no Secret Service answers on the session bus ${bus?.address ?? process.env.DBUS_SESSION_BUS_ADDRESS ?? ''}`.trim(),
      'Start a Secret Service on your desktop session: GNOME Keyring (sudo apt-get install gnome-keyring, then log out and in) or KeePassXC with "Secret Service integration" enabled. ',
    );
  }
  if (/locked|prompt was dismissed|dismissed/i.test(message)) {
    return new BridgeError(
      'keychain_locked',
      `Your keyring is locked and the bridge could not ask you to unlock it (${cause}). Unlock it (GNOME: the "Passwords and Keys" app, right-click "Login" → Unlock; macOS: Keychain Access), then retry.`,
    );
  }
  if (/platform|dbus|secret service|no result|not available|no storage access|couldn.t access/i.test(message)) {
    return noKeychain(hub, profile, cause);
  }
  return new BridgeError('keychain_failure', `The OS keychain refused the request (${cause}). Unlock your keychain and retry.`);
}

export function noKeychain(hub: string, profile: string, cause: string, fix?: string): BridgeError {
  const linux = process.platform === 'linux';
  return new BridgeError(
    'no_keychain',
    `No usable OS keychain to keep the monsys token (${cause}). ` +
      (fix ??
        (linux
          ? 'On Linux the bridge needs a Secret Service on your D-Bus session: GNOME Keyring (sudo apt-get install gnome-keyring, then log in to a desktop session) or KeePassXC with its Secret Service integration. '
          : 'Unlock or repair your keychain. ')) +
      `If this machine has none (a headless server), you can keep the token in a file only you can read, in plain text: ${loginCommand(hub, profile, { fileStore: true })}`,
  );
}

export interface StoreOptions {
  insecureFileStore?: boolean;
  stateDir: string;
}

export function openStore(o: StoreOptions): TokenStore {
  return o.insecureFileStore ? new FileStore(join(o.stateDir, 'tokens')) : new KeychainStore();
}
