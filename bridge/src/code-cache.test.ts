/**
 * The shipped file and its code cache (code-cache.ts), spawned as Claude Desktop spawns it: the first
 * start writes the cache after `initialize`, later starts use it, and a damaged, truncated or rejected
 * cache never stops the bridge (V8 would crash on damaged data: the digest check is what prevents it).
 * A start from the cache still lists the tools, signs its calls with the stored token, and touches
 * the keychain only when a call needs it.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTool } from '../../shared/index.js';
import { buildBundle } from '../build.js';
import { sampleOutput, token } from '../test/fixtures.js';
import { FileStore } from './token-store.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OUT = join(ROOT, 'bridge/dist', `code-cache-${process.pid}`);
const ACCESS = `mat_${'c'.repeat(43)}`;

let bundle: string;
let home: string;
let hub: Server;
let hubUrl: string;
const seenAuth: (string | undefined)[] = [];

beforeAll(async () => {
  bundle = await buildBundle(join(OUT, 'monsys-bridge.mjs'));
  home = mkdtempSync(join(tmpdir(), 'bridge-code-cache-'));
  const output = JSON.stringify(sampleOutput(findTool('monsys_kpi_summary')!));
  hub = createServer((req, res) => {
    seenAuth.push(req.headers.authorization);
    res.writeHead(200, { 'content-type': 'application/json' }).end(output);
  });
  await new Promise<void>((resolve) => hub.listen(0, '127.0.0.1', resolve));
  hubUrl = `http://127.0.0.1:${(hub.address() as AddressInfo).port}`;
  await new FileStore(join(home, 'state', 'tokens')).set(token({ hub: hubUrl, profile: 'acme', access_token: ACCESS }));
}, 60_000);

afterAll(async () => {
  await new Promise((resolve) => hub.close(resolve));
  rmSync(OUT, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

const cacheDir = (name: string) => join(home, name, 'monsys-bridge');
const cacheFiles = (name: string) => readdirSync(cacheDir(name)).filter((f) => f.endsWith('.v8cache'));

interface Started {
  client: Client;
  stderr: () => string;
}

/** `serve` as Claude Desktop starts it: no D-Bus session (so no keychain), debug lines on stderr. */
async function start(cache: string, o: { fileStore?: boolean; env?: Record<string, string>; nodeArgs?: string[] } = {}): Promise<Started> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [...(o.nodeArgs ?? []), bundle, 'serve', '--hub', hubUrl, '--profile', 'acme', ...(o.fileStore ? ['--insecure-file-store'] : [])],
    env: { PATH: process.env.PATH ?? '', HOME: home, XDG_CACHE_HOME: join(home, cache), MONSYS_BRIDGE_HOME: join(home, 'state'), MONSYS_BRIDGE_DEBUG: '1', ...o.env },
    stderr: 'pipe',
  });
  let err = '';
  transport.stderr!.on('data', (d) => (err += d));
  const client = new Client({ name: 'code-cache-test', version: '1' });
  await client.connect(transport);
  return { client, stderr: () => err };
}

/** Starts, checks that the server answers, stops; returns stderr. */
async function startAndStop(cache: string, o: Parameters<typeof start>[1] = {}): Promise<string> {
  const { client, stderr } = await start(cache, o);
  expect(client.getServerVersion()?.name).toBe('monsys-bridge');
  expect((await client.listTools()).tools).toHaveLength(12);
  await client.close();
  return stderr();
}

describe('the code cache', () => {
  it('is written by the first start, after initialize, and used by the next', async () => {
    const first = await startAndStop('c1');
    expect(first).toContain('no code cache yet');
    expect(first).toMatch(/code cache written \(\d+ bytes\)/);
    const [file] = cacheFiles('c1');
    expect(file).toBe(`${file!.slice(0, 16)}-node${process.versions.node}-v8-${process.versions.v8}-${process.arch}.v8cache`);
    expect(file).toMatch(/^[0-9a-f]{16}-/);
    expect(statSync(join(cacheDir('c1'), file!)).mode & 0o777).toBe(0o600);
    expect(statSync(cacheDir('c1')).mode & 0o777).toBe(0o700);

    const second = await startAndStop('c1');
    expect(second).toContain('code cache used');
    expect(second).not.toContain('code cache written');
  });

  it('damaged or truncated: ignored, the bridge starts, and a good cache replaces it', async () => {
    await startAndStop('c2');
    const path = join(cacheDir('c2'), cacheFiles('c2')[0]!);
    const good = readFileSync(path);
    const damaged = Buffer.from(good);
    for (let i = damaged.length >> 1; i < (damaged.length >> 1) + 64; i++) damaged[i]! ^= 0x5a;
    for (const bad of [damaged, good.subarray(0, good.length >> 1), good.subarray(0, 10), Buffer.alloc(0)]) {
      writeFileSync(path, bad);
      const err = await startAndStop('c2');
      expect(err).toContain('code cache damaged');
      expect(err).toMatch(/code cache written/);
      expect(await startAndStop('c2')).toContain('code cache used');
    }
  });

  it('rejected by V8 (other flags than when it was written): the bridge starts and writes a new one', async () => {
    await startAndStop('c3');
    const err = await startAndStop('c3', { nodeArgs: ['--no-opt'] });
    expect(err).toContain('code cache rejected by V8');
    expect(err).toMatch(/code cache written/);
  });

  it('keeps the newest three caches of other bundles and drops leftovers of interrupted writes', async () => {
    mkdirSync(cacheDir('c4'), { recursive: true });
    const old = (name: string, ageS: number) => {
      const path = join(cacheDir('c4'), name);
      writeFileSync(path, 'x');
      utimesSync(path, new Date(Date.now() - ageS * 1000), new Date(Date.now() - ageS * 1000));
    };
    for (let i = 1; i <= 5; i++) old(`${String(i).repeat(16)}-node0-x64.v8cache`, i * 60);
    old('a.v8cache.123.tmp', 120);
    old('b.v8cache.456.tmp', 1);
    await startAndStop('c4');
    const current = cacheFiles('c4').filter((f) => f.includes(`-node${process.versions.node}-`));
    expect(current).toHaveLength(1);
    expect(readdirSync(cacheDir('c4')).filter((f) => f !== current[0]).sort()).toEqual([
      '1111111111111111-node0-x64.v8cache',
      '2222222222222222-node0-x64.v8cache',
      '3333333333333333-node0-x64.v8cache',
      'b.v8cache.456.tmp',
    ]);
  });

  it('cannot be written (the cache folder is a file): the bridge starts and serves all the same', async () => {
    writeFileSync(join(home, 'c6'), 'not a folder');
    const err = await startAndStop('c6');
    expect(err).toMatch(/code cache not written: E/);
    expect(await startAndStop('c6')).toContain('no code cache yet');
  });

  it('is not used with MONSYS_BRIDGE_NO_CODE_CACHE=1', async () => {
    const err = await startAndStop('c5', { env: { MONSYS_BRIDGE_NO_CODE_CACHE: '1' } });
    expect(err).not.toContain('code cache');
    expect(() => readdirSync(cacheDir('c5'))).toThrow();
  });
});

describe('a start from the cache', () => {
  it('answers initialize without the keychain, which the first call then needs', async () => {
    await startAndStop('k');
    const { client, stderr } = await start('k');
    const r = (await client.callTool({ name: 'monsys_kpi_summary', arguments: {} })) as CallToolResult;
    await client.close();
    expect(stderr()).toContain('code cache used');
    // No D-Bus session here: the keychain is unusable, and that is only found out by the call.
    expect(r.isError).toBe(true);
    expect(r.content[0]).toMatchObject({ type: 'text', text: expect.stringMatching(/^Error \(no_keychain\): .*--insecure-file-store/) });
  });

  it('forwards a tool call with the stored token', async () => {
    await startAndStop('t', { fileStore: true });
    const { client, stderr } = await start('t', { fileStore: true });
    seenAuth.length = 0;
    const r = (await client.callTool({ name: 'monsys_kpi_summary', arguments: {} })) as CallToolResult;
    await client.close();
    expect(stderr()).toContain('code cache used');
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toEqual(sampleOutput(findTool('monsys_kpi_summary')!));
    expect(seenAuth).toEqual([`Bearer ${ACCESS}`]);
  });
});

describe("serve's heap settings (heap.ts)", () => {
  it('are applied after initialize, without spoiling the code cache, unless Node was given one of the same kind', async () => {
    const first = await startAndStop('h');
    expect(first).toContain('heap growth limited: --heap-growing-percent=100 --semi-space-growth-factor=1');
    expect(first.indexOf('heap growth limited')).toBeGreaterThan(first.indexOf('code cache written'));
    expect(await startAndStop('h')).toMatch(/code cache used[\s\S]*heap growth limited/);
    expect(await startAndStop('h2', { nodeArgs: ['--heap-growing-percent=30'] })).toContain('heap growth limited: --semi-space-growth-factor=1\n');
    expect(await startAndStop('h3', { env: { NODE_OPTIONS: '--max-semi-space-size=4' } })).toContain('heap growth limited: --heap-growing-percent=100\n');
    expect(await startAndStop('h4', { nodeArgs: ['--heap-growing-percent=30', '--semi-space-growth-factor=2'] })).not.toContain('heap growth limited');
  });

  it('rest on V8 reading the young generation\'s growth factor at run time (this Node does)', () => {
    // What heap.ts relies on, checked on the Node running the tests: a future V8 that ignored the setting would
    // leave the bridge as it was before (a young generation of up to 32–64 MiB), and this test says so.
    const youngAfterBurst = (setAtRunTime: boolean) => {
      const script = `
        const v8 = require('node:v8');
        ${setAtRunTime ? "v8.setFlagsFromString('--semi-space-growth-factor=1');" : ''}
        const young = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
        const before = young();
        let keep = [];
        for (let i = 0; i < 2e6; i++) { const o = { i, s: 'x' + i, a: [i, i] }; if (i % 10 === 0) keep.push(o); if (keep.length > 20000) keep = []; }
        process.stdout.write(JSON.stringify({ before, after: young() }));`;
      return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as { before: number; after: number };
    };
    const grown = youngAfterBurst(false);
    expect(grown.after).toBeGreaterThanOrEqual(8 * grown.before);
    const capped = youngAfterBurst(true);
    expect(capped.after).toBeLessThanOrEqual(2 * capped.before);
  });
});
