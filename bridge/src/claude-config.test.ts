/** claude_desktop_config.json edits: merge, backup, refusal to overwrite what cannot be parsed, removal. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { addServer, removeServer } from './claude-config.js';
import { BridgeError } from './errors.js';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'claude-config-'));
  path = join(dir, 'Claude', 'claude_desktop_config.json');
});
const entry = (profile: string) => ({ command: 'npx', args: ['-y', '@monsys/claude-bridge', 'serve', '--hub', 'https://api.monsys.ai', '--profile', profile] });
const read = () => JSON.parse(readFileSync(path, 'utf8')) as { mcpServers: Record<string, unknown>; [k: string]: unknown };

describe('addServer', () => {
  it('creates the file (and folder) when there is none, without a backup', () => {
    const change = addServer(path, 'monsys-acme', entry('acme'));
    expect(change).toMatchObject({ action: 'added', backup: undefined, otherServers: [] });
    expect(read()).toEqual({ mcpServers: { 'monsys-acme': entry('acme') } });
  });

  it('merges with other servers and settings, keeping a backup of the previous file', () => {
    const before = { globalShortcut: 'Ctrl+Space', mcpServers: { filesystem: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/tmp'] } } };
    addServer(path, 'seed', { command: 'x', args: [] });
    writeFileSync(path, JSON.stringify(before));
    const change = addServer(path, 'monsys-acme', entry('acme'));
    expect(change.action).toBe('added');
    expect(change.otherServers).toEqual(['filesystem']);
    expect(read()).toEqual({ ...before, mcpServers: { ...before.mcpServers, 'monsys-acme': entry('acme') } });
    expect(JSON.parse(readFileSync(change.backup!, 'utf8'))).toEqual(before);

    // A second tenant is a second entry; the first stays.
    addServer(path, 'monsys-eu-bank', entry('eu-bank'));
    expect(Object.keys(read().mcpServers)).toEqual(['filesystem', 'monsys-acme', 'monsys-eu-bank']);
    // Installing the same again changes nothing and writes no backup.
    const backups = readdirSync(join(dir, 'Claude')).length;
    expect(addServer(path, 'monsys-acme', entry('acme')).action).toBe('unchanged');
    expect(readdirSync(join(dir, 'Claude')).length).toBe(backups);
  });

  it.each([
    ['broken JSON', '{ "mcpServers": { "a": '],
    ['an array', '[]'],
    ['mcpServers not an object', '{ "mcpServers": [1, 2] }'],
  ])('refuses to write over %s and leaves the file as it was', (_what, content) => {
    addServer(path, 'seed', { command: 'x', args: [] });
    writeFileSync(path, content);
    let err: unknown;
    try {
      addServer(path, 'monsys-acme', entry('acme'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BridgeError);
    expect((err as BridgeError).code).toBe('config_unreadable');
    expect((err as BridgeError).message).toContain(path);
    expect((err as BridgeError).message).toMatch(/left untouched/);
    expect(readFileSync(path, 'utf8')).toBe(content);
    expect(readdirSync(join(dir, 'Claude')).filter((f) => f.endsWith('.bak'))).toEqual([]);
  });
});

describe('removeServer', () => {
  it('removes only its own entry, with a backup', () => {
    addServer(path, 'other', { command: 'x', args: [] });
    addServer(path, 'monsys-acme', entry('acme'));
    const change = removeServer(path, 'monsys-acme');
    expect(change.action).toBe('removed');
    expect(read().mcpServers).toEqual({ other: { command: 'x', args: [] } });
    expect(existsSync(change.backup!)).toBe(true);
    expect(removeServer(path, 'monsys-acme').action).toBe('unchanged');
  });
});
