/**
 * What ships: `npm pack` of bridge/ gives a small tarball (the one-file bundle, package.json, README)
 * whose only runtime dependency is the keychain module; `npx` from that tarball works offline, `install`
 * writes an entry that runs it, and that entry starts an MCP server over stdio. The .mcpb bundle builds
 * and its manifest passes `mcpb validate` and asks for the hub URL and profile.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBundle, buildMcpb } from '../bridge/build.js';
import { ROOT } from './harness/paths.js';

const run = promisify(execFile);
const OFFLINE = { npm_config_offline: 'true', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };

let dir: string;
let tarball: string;

/**
 * The runs below are offline, as a user's machine that already has the keychain module in its npm
 * cache: `npm ci` stores the module's tarball but not its registry metadata, which npx needs, so the
 * cache is filled here first (for this platform's prebuilt binary too) from the registry.
 */
async function primeNpmCache(): Promise<void> {
  const keyring = JSON.parse(readFileSync(join(ROOT, 'node_modules/@napi-rs/keyring/package.json'), 'utf8')) as {
    version: string;
    optionalDependencies?: Record<string, string>;
  };
  const native = Object.entries(keyring.optionalDependencies ?? {}).filter(([name]) => name.includes(`-${process.platform}-${process.arch}`));
  const specs = [`@napi-rs/keyring@${keyring.version}`, ...native.map(([name, version]) => `${name}@${version}`)];
  await run('npm', ['cache', 'add', ...specs], { env: { ...process.env, npm_config_update_notifier: 'false' } });
}

beforeAll(async () => {
  await primeNpmCache();
  dir = mkdtempSync(join(tmpdir(), 'bridge-pack-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: join(ROOT, 'bridge'), env: { ...process.env, ...OFFLINE } });
  const info = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
  tarball = join(dir, info[0].filename);
}, 120_000);

describe('the npm package', () => {
  it('is small and carries only the bundle, with the keychain module as its only dependency', async () => {
    expect(statSync(tarball).size).toBeLessThan(1_000_000);
    const { stdout } = await run('tar', ['-tzf', tarball]);
    expect(stdout.trim().split('\n').sort()).toEqual(['package/README.md', 'package/dist/monsys-bridge.mjs', 'package/package.json']);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'bridge/package.json'), 'utf8'));
    expect(pkg).toMatchObject({ name: '@monsys/claude-bridge', bin: { 'monsys-bridge': 'dist/monsys-bridge.mjs' }, engines: { node: '>=20' } });
    expect(Object.keys(pkg.dependencies)).toEqual(['@napi-rs/keyring']);
    expect(pkg.devDependencies).toBeUndefined();
  });

  it('runs with npx from the tarball, offline', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'bridge-npx-'));
    const { stdout } = await run('npx', ['-y', '--package', tarball, 'monsys-bridge', '--help'], { cwd, env: { ...process.env, ...OFFLINE } });
    for (const cmd of ['install', 'login', 'status', 'logout', 'serve']) expect(stdout).toContain(cmd);
  }, 120_000);

  it('`install` run through npx copies the bridge out of npm\'s cache and writes an entry that Claude Desktop can start', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'bridge-npx-'));
    const config = join(cwd, 'claude_desktop_config.json');
    const env = { ...process.env, ...OFFLINE, MONSYS_BRIDGE_HOME: join(cwd, 'state') };
    // npx starts it through node_modules/.bin/monsys-bridge, a symlink.
    await run('npx', ['-y', '--package', tarball, 'monsys-bridge', 'install', '--hub', 'https://hub.monsys.test/mcp', '--profile', 'acme', '--config', config, '--no-login'], { cwd, env });
    const entry = JSON.parse(readFileSync(config, 'utf8')).mcpServers['monsys-acme'];
    const copy = join(cwd, 'state', 'install', 'versions', '0.1.0', 'monsys-bridge.mjs');
    expect(entry.command).toBe(process.execPath);
    expect(entry.args).toEqual([copy, 'serve', '--hub', 'https://hub.monsys.test', '--profile', 'acme']);
    expect(readdirSync(join(cwd, 'state', 'install', 'versions', '0.1.0', 'node_modules', '@napi-rs'))).toContain('keyring');

    // --launch npx: the version is pinned, or the given tarball is used by absolute path.
    await run('npx', ['-y', '--package', tarball, 'monsys-bridge', 'install', '--hub', 'https://hub.monsys.test', '--profile', 'pinned', '--config', config, '--no-login', '--launch', 'npx'], { cwd, env });
    expect(JSON.parse(readFileSync(config, 'utf8')).mcpServers['monsys-pinned'].args.slice(0, 2)).toEqual(['-y', '@monsys/claude-bridge@0.1.0']);
    await run('npx', ['-y', '--package', tarball, 'monsys-bridge', 'install', '--hub', 'https://hub.monsys.test', '--profile', 'local', '--config', config, '--no-login', '--launch', 'npx', '--package', tarball], { cwd, env });
    expect(JSON.parse(readFileSync(config, 'utf8')).mcpServers['monsys-local'].args.slice(0, 4)).toEqual(['-y', '--package', tarball, 'monsys-bridge']);

    const transport = new StdioClientTransport({ command: entry.command, args: entry.args, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? cwd, ...OFFLINE, ...entry.env }, stderr: 'pipe' });
    const client = new Client({ name: 'pack-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      expect((await client.listTools()).tools).toHaveLength(12);
      const r = (await client.callTool({ name: 'monsys_kpi_summary', arguments: {} })) as CallToolResult;
      // No keychain in this test's environment, or no token: either way the answer says what to do.
      expect(r.isError).toBe(true);
      expect(r.content[0]).toMatchObject({ type: 'text', text: expect.stringMatching(/login --hub https:\/\/hub\.monsys\.test --profile acme|--insecure-file-store/) });
    } finally {
      await client.close();
    }
  }, 120_000);
});

describe('the MCP Bundle (.mcpb)', () => {
  it('builds, validates, and asks for the hub URL and profile', async () => {
    await buildBundle();
    const file = await buildMcpb();
    expect(statSync(file).size).toBeGreaterThan(100_000);
    const stage = join(ROOT, 'bridge/dist/mcpb');
    const manifest = JSON.parse(readFileSync(join(stage, 'manifest.json'), 'utf8'));
    expect(Object.keys(manifest.user_config)).toEqual(['hub_url', 'profile']);
    expect(manifest.server.mcp_config.args).toEqual(expect.arrayContaining(['${user_config.hub_url}', '${user_config.profile}']));
    expect(manifest.tools.map((t: { name: string }) => t.name)).toHaveLength(12);
    expect(readdirSync(join(stage, 'node_modules/@napi-rs'))).toContain('keyring');
    const cli = join(ROOT, 'node_modules/@anthropic-ai/mcpb/dist/cli/cli.js');
    await run(process.execPath, [cli, 'validate', join(stage, 'manifest.json')]);
    const { stdout } = await run(process.execPath, [join(stage, 'server/monsys-bridge.mjs'), '--version']);
    expect(stdout.trim()).toBe(manifest.version);
  }, 120_000);
});
