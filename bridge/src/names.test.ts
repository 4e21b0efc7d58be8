/** Derived names and paths: per hub and profile, never shared between tenants. */
import { describe, expect, it } from 'vitest';
import { BridgeError } from './errors.js';
import { checkProfile, keychainService, loginCommand, apiResource, normalizeHubUrl, serverEntryName, shellWord, tokenFileName } from './names.js';
import { cacheDir, claudeConfigPath, stateDir } from './paths.js';

describe('names', () => {
  it('normalizes hub URLs to the issuer form and refuses plain http off loopback', () => {
    expect(normalizeHubUrl('https://api.monsys.ai/')).toBe('https://api.monsys.ai');
    expect(normalizeHubUrl('https://hub.example.com/monsys/')).toBe('https://hub.example.com/monsys');
    expect(normalizeHubUrl('http://127.0.0.1:8787')).toBe('http://127.0.0.1:8787');
    // The MCP endpoint the README gives claude.ai users names the same hub.
    for (const u of ['https://api.monsys.ai/mcp', 'https://api.monsys.ai/mcp/', 'https://api.monsys.ai//']) expect(normalizeHubUrl(u)).toBe('https://api.monsys.ai');
    expect(normalizeHubUrl('https://hub.example.com/monsys/mcp')).toBe('https://hub.example.com/monsys');
    expect(() => normalizeHubUrl('http://api.monsys.ai')).toThrow(/must use https/);
    expect(() => normalizeHubUrl('https://u:p@api.monsys.ai')).toThrow(BridgeError);
    expect(() => normalizeHubUrl('not a url')).toThrow(/Invalid --hub/);
    expect(apiResource('https://api.monsys.ai')).toBe('https://api.monsys.ai/v1');
  });

  it('gives every hub and profile its own keychain item, file and config entry', () => {
    const a = keychainService('https://api.monsys.ai', 'acme');
    expect(a).toBe('monsys-bridge https://api.monsys.ai profile=acme');
    expect(new Set([a, keychainService('https://api.monsys.ai', 'eu-bank'), keychainService('https://eu.monsys.ai', 'acme')]).size).toBe(3);
    expect(tokenFileName('https://api.monsys.ai', 'acme')).toMatch(/^[0-9a-f]{32}\.json$/);
    expect(tokenFileName('https://api.monsys.ai', 'acme')).not.toBe(tokenFileName('https://api.monsys.ai', 'eu-bank'));
    expect(serverEntryName('acme')).toBe('monsys-acme');
    expect(loginCommand('https://api.monsys.ai', 'acme', { invocation: '/usr/bin/node /b/monsys-bridge.mjs' })).toBe('/usr/bin/node /b/monsys-bridge.mjs login --hub https://api.monsys.ai --profile acme');
    expect(loginCommand('https://h', 'bank', { tenant: 'eu-bank', fileStore: true, invocation: 'x' })).toBe('x login --hub https://h --profile bank --tenant eu-bank --insecure-file-store');
    expect(loginCommand('https://h', 'acme', { tenant: 'acme', invocation: 'x' })).toBe('x login --hub https://h --profile acme');
    // From source (these tests), the command runs this checkout's entry point.
    expect(loginCommand('https://api.monsys.ai', 'acme')).toMatch(/^npx tsx \S+\/bridge\/src\/main\.ts login --hub https:\/\/api\.monsys\.ai --profile acme$/);
    expect(shellWord('/Users/a/Library/Application Support/monsys-bridge/versions/0.1.0/monsys-bridge.mjs')).toBe('"/Users/a/Library/Application Support/monsys-bridge/versions/0.1.0/monsys-bridge.mjs"');
    expect(shellWord('C:\\Users\\Jo Smith\\node.exe')).toBe('"C:\\Users\\Jo Smith\\node.exe"');
  });

  it('accepts only plain profile names', () => {
    expect(checkProfile('eu-bank_2')).toBe('eu-bank_2');
    for (const bad of ['', 'Acme', '../x', 'a b', 'x'.repeat(64)]) expect(() => checkProfile(bad)).toThrow(/Invalid profile/);
  });
});

describe('paths', () => {
  it("finds Claude Desktop's config on each platform", () => {
    expect(claudeConfigPath({ HOME: '/Users/t' }, 'darwin')).toBe('/Users/t/Library/Application Support/Claude/claude_desktop_config.json');
    expect(claudeConfigPath({ APPDATA: 'C:\\Users\\t\\AppData\\Roaming' }, 'win32')).toBe('C:\\Users\\t\\AppData\\Roaming\\Claude\\claude_desktop_config.json');
    expect(claudeConfigPath({ HOME: '/home/t' }, 'linux')).toBe('/home/t/.config/Claude/claude_desktop_config.json');
    expect(claudeConfigPath({ HOME: '/home/t', XDG_CONFIG_HOME: '/cfg' }, 'linux')).toBe('/cfg/Claude/claude_desktop_config.json');
    expect(stateDir({ HOME: '/home/t' }, 'linux')).toBe('/home/t/.config/monsys-bridge');
    expect(stateDir({ MONSYS_BRIDGE_HOME: '/x' }, 'linux')).toBe('/x');
  });

  it('keeps the code cache in the per-user cache folder, apart from the state', () => {
    expect(cacheDir({ HOME: '/home/t' }, 'linux')).toBe('/home/t/.cache/monsys-bridge');
    expect(cacheDir({ HOME: '/home/t', XDG_CACHE_HOME: '/c' }, 'linux')).toBe('/c/monsys-bridge');
    expect(cacheDir({ HOME: '/Users/t' }, 'darwin')).toBe('/Users/t/Library/Caches/monsys-bridge');
    expect(cacheDir({ LOCALAPPDATA: 'C:\\Users\\t\\AppData\\Local' }, 'win32')).toBe('C:\\Users\\t\\AppData\\Local\\monsys-bridge\\Cache');
    expect(cacheDir({ MONSYS_BRIDGE_HOME: '/x', HOME: '/home/t' }, 'linux')).toBe('/home/t/.cache/monsys-bridge');
  });
});
