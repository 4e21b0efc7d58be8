/**
 * Claude Desktop's `claude_desktop_config.json`: adds or removes one `mcpServers` entry, keeping
 * every other server and setting, writing a timestamped backup first, and refusing to touch a
 * file it cannot parse (a user's hand-edited config is theirs to fix, not ours to overwrite).
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { BridgeError } from './errors.js';
import { writePrivateFile } from './files.js';

export interface ServerEntry {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

interface ConfigFile {
  mcpServers?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface ConfigChange {
  path: string;
  /** The backup of the previous file, when there was one. */
  backup?: string;
  action: 'added' | 'replaced' | 'removed' | 'unchanged';
  otherServers: string[];
}

function readConfig(path: string): ConfigFile | undefined {
  if (!existsSync(path)) return undefined;
  const raw = readFileSync(path, 'utf8');
  if (raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new BridgeError(
      'config_unreadable',
      `${path} is not valid JSON (${(err as Error).message.slice(0, 120)}), so it was left untouched. Fix or move the file, then run the command again.`,
    );
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new BridgeError('config_unreadable', `${path} does not hold a JSON object, so it was left untouched. Fix or move the file, then run the command again.`);
  }
  const config = parsed as ConfigFile;
  if (config.mcpServers !== undefined && (typeof config.mcpServers !== 'object' || config.mcpServers === null || Array.isArray(config.mcpServers))) {
    throw new BridgeError('config_unreadable', `"mcpServers" in ${path} is not an object, so the file was left untouched. Fix it, then run the command again.`);
  }
  return config;
}

function backupAndWrite(path: string, config: ConfigFile, existed: boolean): string | undefined {
  mkdirSync(dirname(path), { recursive: true });
  let backup: string | undefined;
  if (existed) {
    backup = `${path}.${new Date().toISOString().replace(/[:.]/g, '-')}.bak`;
    copyFileSync(path, backup);
  }
  writePrivateFile(path, JSON.stringify(config, null, 2) + '\n');
  return backup;
}

export function addServer(path: string, name: string, entry: ServerEntry): ConfigChange {
  const existing = readConfig(path);
  const config: ConfigFile = existing ?? {};
  const servers = { ...(config.mcpServers ?? {}) };
  const before = servers[name];
  const otherServers = Object.keys(servers).filter((k) => k !== name);
  if (before !== undefined && JSON.stringify(before) === JSON.stringify(entry)) {
    return { path, action: 'unchanged', otherServers };
  }
  servers[name] = entry;
  const backup = backupAndWrite(path, { ...config, mcpServers: servers }, existing !== undefined);
  return { path, backup, action: before === undefined ? 'added' : 'replaced', otherServers };
}

export function removeServer(path: string, name: string): ConfigChange {
  const existing = readConfig(path);
  const servers = { ...(existing?.mcpServers ?? {}) };
  const otherServers = Object.keys(servers).filter((k) => k !== name);
  if (!existing || !(name in servers)) return { path, action: 'unchanged', otherServers };
  delete servers[name];
  const backup = backupAndWrite(path, { ...existing, mcpServers: servers }, true);
  return { path, backup, action: 'removed', otherServers };
}

/** Every `mcpServers` entry of the file (none when it does not exist). */
export function readServers(path: string): Record<string, ServerEntry> {
  return (readConfig(path)?.mcpServers ?? {}) as Record<string, ServerEntry>;
}

export function readServer(path: string, name: string): ServerEntry | undefined {
  return readConfig(path)?.mcpServers?.[name] as ServerEntry | undefined;
}

/** Parses the file as `addServer` would, without writing: errors surface before the sign-in. */
export function checkConfig(path: string): void {
  readConfig(path);
}
