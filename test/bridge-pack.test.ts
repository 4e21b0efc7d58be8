/**
 * What ships: `npm pack` of bridge/ gives a small tarball (the one-file bundle, package.json, README)
 * whose only runtime dependency is the keychain module; `npx` from that tarball works offline, `install`
 * writes an entry that runs it, and that entry starts an MCP server over stdio. One .mcpb per platform builds,
 * each carrying that platform's keychain binding (checked down to the binary's header), and its manifest
 * passes `mcpb validate`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBundle, buildMcpb, MCPB_TARGETS, mcpbFile } from '../bridge/build.js';
import { CATALOGUE } from '../shared/index.js';
import { PROMPTS } from '../shared/prompts.js';
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
    // What an older install wrote for another tenant, and a server that is not ours.
    const oldNpx = { command: 'npx', args: ['-y', '@monsys/claude-bridge', 'serve', '--hub', 'https://hub.monsys.test', '--profile', 'old'] };
    const other = { command: 'npx', args: ['-y', 'some-other-mcp', 'serve'] };
    writeFileSync(config, JSON.stringify({ mcpServers: { 'monsys-old': oldNpx, other } }));
    // npx starts it through node_modules/.bin/monsys-bridge, a symlink.
    await run('npx', ['-y', '--package', tarball, 'monsys-bridge', 'install', '--hub', 'https://hub.monsys.test/mcp', '--profile', 'acme', '--config', config, '--no-login'], { cwd, env });
    const entry = JSON.parse(readFileSync(config, 'utf8')).mcpServers['monsys-acme'];
    const copy = join(cwd, 'state', 'install', 'versions', '0.1.0', 'monsys-bridge.mjs');
    expect(entry.command).toBe(process.execPath);
    expect(entry.args).toEqual([copy, 'serve', '--hub', 'https://hub.monsys.test', '--profile', 'acme']);
    expect(readdirSync(join(cwd, 'state', 'install', 'versions', '0.1.0', 'node_modules', '@napi-rs'))).toContain('keyring');
    // Upgraded in place: the old npx entry now runs the installed copy too; the other server is untouched.
    const after = JSON.parse(readFileSync(config, 'utf8')).mcpServers;
    expect(after['monsys-old']).toEqual({ command: process.execPath, args: [copy, 'serve', '--hub', 'https://hub.monsys.test', '--profile', 'old'] });
    expect(after.other).toEqual(other);

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

/** The CPU a native binary was built for, from its header (ELF e_machine, Mach-O cputype, PE machine). */
function binaryTarget(b: Buffer): { format: string; arch: string } {
  if (b.readUInt32BE(0) === 0x7f454c46) return { format: 'elf', arch: ({ 0x3e: 'x64', 0xb7: 'arm64' } as Record<number, string>)[b.readUInt16LE(18)] ?? 'other' };
  if (b.readUInt32LE(0) === 0xfeedfacf) return { format: 'macho', arch: ({ 0x01000007: 'x64', 0x0100000c: 'arm64' } as Record<number, string>)[b.readUInt32LE(4)] ?? 'other' };
  if (b.toString('latin1', 0, 2) === 'MZ') {
    const pe = b.readUInt32LE(0x3c);
    return { format: 'pe', arch: ({ 0x8664: 'x64', 0xaa64: 'arm64' } as Record<number, string>)[b.readUInt16LE(pe + 4)] ?? 'other' };
  }
  return { format: 'unknown', arch: 'other' };
}

const FORMAT: Record<string, string> = { linux: 'elf', darwin: 'macho', win32: 'pe' };

describe('the MCP Bundles (.mcpb), one per platform', () => {
  let files: string[];
  beforeAll(async () => {
    await buildBundle();
    files = await buildMcpb();
  }, 300_000);

  it('are built for darwin-arm64, darwin-x64, win32-x64, linux-x64 and linux-arm64', () => {
    expect(files.map((f) => basename(f))).toEqual(MCPB_TARGETS.map((t) => `monsys-0.1.0-${t.id}.mcpb`));
  });

  it.each(MCPB_TARGETS.map((t) => [t.id, t] as const))('%s: the zip carries exactly its platform\'s keychain binding, and mcpb validate accepts its manifest', async (_id, t) => {
    const file = mcpbFile(t);
    const { stdout: listing } = await run('unzip', ['-Z1', file], { maxBuffer: 16 * 2 ** 20 });
    const entries = listing.trim().split('\n');
    for (const f of ['manifest.json', 'icon.png', 'server/monsys-bridge.mjs', 'node_modules/@napi-rs/keyring/package.json', `node_modules/${t.binding}/package.json`]) expect(entries).toContain(f);
    const bindings = [...new Set(entries.map((e) => /^node_modules\/@napi-rs\/(keyring-[^/]+)\//.exec(e)?.[1]).filter(Boolean))];
    expect(bindings).toEqual([t.binding.replace('@napi-rs/', '')]);

    const out = mkdtempSync(join(tmpdir(), `mcpb-${t.id}-`));
    await run('unzip', ['-q', file, '-d', out]);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    const binding = JSON.parse(readFileSync(join(out, 'node_modules', t.binding, 'package.json'), 'utf8')) as { os: string[]; cpu: string[]; main: string };
    // The binding's own os/cpu fields are the platform the manifest claims, and so is the binary itself.
    expect(manifest.compatibility.platforms).toEqual([t.platform]);
    expect(binding.os).toEqual(manifest.compatibility.platforms);
    expect(binding.cpu).toEqual([t.arch]);
    expect(binaryTarget(readFileSync(join(out, 'node_modules', t.binding, binding.main)))).toEqual({ format: FORMAT[t.platform], arch: t.arch });

    const cli = join(ROOT, 'node_modules/@anthropic-ai/mcpb/dist/cli/cli.js');
    await run(process.execPath, [cli, 'validate', join(out, 'manifest.json')]);
    expect(manifest).toMatchObject({
      version: '0.1.0',
      icon: 'icon.png',
      repository: { type: 'git', url: expect.stringMatching(/^https:\/\//) },
      support: expect.stringMatching(/^https:\/\//),
      privacy_policies: [expect.stringMatching(/^https:\/\//)],
      compatibility: { claude_desktop: expect.any(String), runtimes: { node: '>=20.0.0' } },
    });
    expect(readFileSync(join(out, 'icon.png')).subarray(1, 4).toString()).toBe('PNG');
    expect(Object.keys(manifest.user_config)).toEqual(['hub_url', 'profile']);
    expect(manifest.server.mcp_config.args).toEqual(expect.arrayContaining(['${user_config.hub_url}', '${user_config.profile}']));
    expect(manifest.tools.map((x: { name: string }) => x.name)).toEqual(CATALOGUE.map((x) => x.name));
    expect(manifest.prompts.map((x: { name: string }) => x.name)).toEqual(PROMPTS.map((x) => x.name));
    expect(manifest.prompts.find((x: { name: string }) => x.name === 'investigate_source_ip')?.text).toContain('${arguments.ip}');

    if (t.platform === process.platform && t.arch === process.arch) {
      // The one this machine can run: it starts from the unpacked bundle and loads its binding.
      const { stdout } = await run(process.execPath, [join(out, 'server/monsys-bridge.mjs'), '--version']);
      expect(stdout.trim()).toBe('0.1.0');
      await run(process.execPath, ['-e', `require(${JSON.stringify(join(out, 'node_modules/@napi-rs/keyring'))})`]);
      // Started as Claude Desktop starts an extension: the manifest's command line with its placeholders filled.
      const fill = (a: string) => a.replace('${__dirname}', out).replace('${user_config.hub_url}', 'https://hub.monsys.test').replace('${user_config.profile}', 'acme');
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: (manifest.server.mcp_config.args as string[]).map(fill),
        env: { HOME: mkdtempSync(join(tmpdir(), 'mcpb-home-')), PATH: process.env.PATH ?? '' },
        stderr: 'pipe',
      });
      const client = new Client({ name: 'mcpb-test', version: '1.0.0' });
      await client.connect(transport);
      try {
        expect((await client.listTools()).tools.map((x) => x.name)).toEqual(CATALOGUE.map((x) => x.name));
        expect((await client.listPrompts()).prompts.map((x) => x.name)).toEqual(PROMPTS.map((x) => x.name));
      } finally {
        await client.close();
      }
    }
  }, 120_000);
});
