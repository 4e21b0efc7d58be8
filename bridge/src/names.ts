/**
 * Every name the bridge derives from a hub URL and a profile, built here and nowhere else:
 * the keychain service, the Claude Desktop server entry, the token file of the opt-in fallback,
 * and the re-authentication command shown to users.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { BridgeError } from './errors.js';
import { nodeForEntry, runningBundle } from './installation.js';
import { VERSION } from './version.js';

export const PACKAGE_NAME = '@monsys/claude-bridge';
export const DEFAULT_HUB = 'https://api.monsys.ai';
export const DEFAULT_PROFILE = 'default';

/** Profile names end up in keychain services, file names and config keys: keep them plain. */
const PROFILE_SHAPE = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export function checkProfile(profile: string): string {
  if (!PROFILE_SHAPE.test(profile)) {
    throw new BridgeError(
      'invalid_option',
      `Invalid profile "${profile.slice(0, 64)}": use lower-case letters, digits, "-" or "_" (up to 63 characters), e.g. "acme".`,
    );
  }
  return profile;
}

/** Tenant slugs have the shape of profile names (a profile is named after its tenant by default). */
export function checkTenant(slug: string): string {
  if (!PROFILE_SHAPE.test(slug)) throw new BridgeError('invalid_option', `Invalid --tenant "${slug.slice(0, 64)}": give the tenant's slug as the monsys dashboard shows it, e.g. "acme".`);
  return slug;
}

/** Loopback hosts, where plain http is allowed (development and tests only). @see RFC 8252 §7.3 */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]' || hostname === '::1';
}

/**
 * The canonical hub URL: origin plus path without a trailing slash or a final `/mcp`, no query or fragment,
 * so the URL a user has (the bare hub, its MCP endpoint, either with a slash) names the same hub, keychain
 * entry and config entry. The authorization server is found from it through RFC 9728 (oauth.ts).
 * Plain http is refused except on loopback, so a token never travels unencrypted.
 */
export function normalizeHubUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new BridgeError('invalid_option', `Invalid --hub "${raw.slice(0, 200)}": give a URL such as ${DEFAULT_HUB}.`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new BridgeError('invalid_option', `Invalid --hub "${url.origin}": the hub must use https (plain http is allowed only on 127.0.0.1 or localhost).`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new BridgeError('invalid_option', 'Invalid --hub: give only the hub address, without credentials, query or fragment.');
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '').replace(/\/mcp$/, '')}`;
}

/**
 * The resource the bridge's token is bound to: the hub's REST API, the door the bridge calls (the hub
 * refuses a token at a door it was not issued for). @see RFC 8707 §2 (resource parameter)
 */
export function apiResource(hub: string): string {
  return `${hub}/v1`;
}

/** One keychain item per hub and profile, so two tenants (or two hubs) never share a token. */
export function keychainService(hub: string, profile: string): string {
  return `monsys-bridge ${hub} profile=${profile}`;
}
export const KEYCHAIN_ACCOUNT = 'oauth-token';

/** The file of the opt-in plain-file store, named by a hash so hub URLs need no escaping. */
export function tokenFileName(hub: string, profile: string): string {
  return `${createHash('sha256').update(keychainService(hub, profile)).digest('hex').slice(0, 32)}.json`;
}

/** The `mcpServers` key in claude_desktop_config.json: one entry per profile (tenant). */
export function serverEntryName(profile: string): string {
  return `monsys-${profile}`;
}

/** A path as a shell word: quoted when it has spaces or other special characters (macOS "Application Support"). */
export function shellWord(s: string): string {
  // Backslashes stay: Windows paths keep them, and POSIX shells keep a backslash before an ordinary letter.
  return /^[\w@%+=:,./\\-]+$/.test(s) ? s : `"${s.replace(/(["$`])/g, '\\$1')}"`;
}

/**
 * How to run this very bridge from a terminal, so every printed command works for the installation at hand:
 * the node and bundle running now by absolute path (the installed copy, a global or npx install, a checkout's
 * build), or, from source, tsx on this file's entry point. Never a registry name the user may not have.
 */
export function bridgeCommand(): string {
  if (VERSION === '0.0.0-dev') return `npx tsx ${shellWord(fileURLToPath(new URL('./main.ts', import.meta.url)))}`;
  const bundle = runningBundle();
  return bundle ? `${shellWord(nodeForEntry())} ${shellWord(bundle)}` : `npx -y ${PACKAGE_NAME}@${VERSION}`;
}

export interface LoginCommandOptions {
  fileStore?: boolean;
  /** The profile's tenant: named with --tenant when it is not the profile's name (a sign-in may not have bound it yet). */
  tenant?: string;
  invocation?: string;
}

/** The exact command a user runs to sign in again. */
export function loginCommand(hub: string, profile: string, o: LoginCommandOptions = {}): string {
  const tenant = o.tenant && o.tenant !== profile ? ` --tenant ${o.tenant}` : '';
  return `${o.invocation ?? bridgeCommand()} login --hub ${hub} --profile ${profile}${tenant}${o.fileStore ? ' --insecure-file-store' : ''}`;
}
