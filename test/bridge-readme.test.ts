/**
 * The README's Claude Desktop steps for the bridge, run as written from a clean clone of this repository:
 * the commands between the `bridge-steps` markers, in a `git clone` of HEAD, as a desktop user (a home of
 * its own, the Secret Service on the standard session-bus path, only the variables a desktop passes), then
 * the written entry started as Claude Desktop starts it, and the README's `doctor` line.
 * The one change: the hub address, which is this test's hub instead of the quick-start hub's fixed port.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canWrap, desktopEnv, wrapAsDesktop } from '../bridge/test/desktop.js';
import { startSecretService } from '../bridge/test/secret-service.js';
import { CATALOGUE } from '../shared/index.js';
import { launchBrowser, type TestBrowser } from './harness/browser.js';
import { spawnHub, type HubProcess } from './harness/hub.js';
import { ROOT } from './harness/paths.js';

const run = promisify(execFile);
const README_HUB = 'http://127.0.0.1:8787';
// The user's npm cache (this machine's), not the throwaway home's empty one: `npm ci` as on a developer's machine.
const NPM_ENV = { npm_config_cache: process.env.npm_config_cache ?? join(process.env.HOME ?? '/root', '.npm'), npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };

/** The shell commands of the README's bridge steps, one per line. */
function readmeSteps(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /<!-- bridge-steps:start -->\s*```sh\n([\s\S]*?)```\s*<!-- bridge-steps:end -->/.exec(readme)?.[1];
  if (!block) throw new Error('README.md has no bridge-steps block');
  return block.split('\n').map((l) => l.trim()).filter(Boolean);
}

let hub: HubProcess;
let bus: Awaited<ReturnType<typeof startSecretService>>;
let browser: TestBrowser;
let clone: string;
let client: Client | undefined;

beforeAll(async () => {
  [hub, bus, browser] = await Promise.all([spawnHub({ before: [['seed']] }), startSecretService({ standardPath: true }), launchBrowser()]);
  clone = join(mkdtempSync(join(tmpdir(), 'readme-clone-')), 'monsys-connector');
  await run('git', ['clone', '--quiet', ROOT, clone]);
}, 180_000);

afterAll(async () => {
  await client?.close().catch(() => undefined);
  await browser?.close();
  await bus?.stop();
  await hub?.stop();
  if (clone) rmSync(join(clone, '..'), { recursive: true, force: true });
});

/** Runs one README line in the clone as the desktop user; plays the user in Chromium when it prints a sign-in URL. */
async function step(line: string): Promise<{ code: number; stderr: string }> {
  const home = bus.env.HOME!;
  const w = wrapAsDesktop('/bin/sh', ['-c', line.replaceAll(README_HUB, hub.url)], { runUser: bus.runUser });
  const proc = spawn(w.command, w.args, { cwd: clone, env: { ...desktopEnv(home), ...NPM_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let signingIn: Promise<void> | undefined;
  proc.stderr.on('data', (d) => {
    stderr += d;
    const url = /(http:\/\/127\.0\.0\.1:\d+\/mcp\/oauth\/authorize\?\S+)/.exec(stderr)?.[1];
    if (url && !signingIn) signingIn = signIn(url);
  });
  proc.stdout.on('data', () => undefined);
  const code = await new Promise<number>((res) => proc.once('exit', (c) => res(c ?? 1)));
  await signingIn;
  return { code, stderr };
}

async function signIn(url: string): Promise<void> {
  const page = await browser.context.newPage();
  try {
    await page.goto(url);
    await page.fill('#email', 'tech@yourmsp.com');
    await page.fill('#password', 'monsys-demo-2026');
    await Promise.all([page.waitForLoadState('load'), page.click('#sign-in')]);
    await page.waitForSelector('#approve');
    // As the README says: the consent page has the profile's tenant chosen already; approve.
    await Promise.all([page.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\/callback\?/), page.click('#approve')]);
  } finally {
    await page.close();
  }
}

describe('the README, from a clean clone', () => {
  it.skipIf(!canWrap() && !process.env.CI)('the bridge steps work as written, and Claude Desktop can start what they install', async () => {
    const steps = readmeSteps();
    expect(steps).toEqual(['npm ci', 'npm run bridge:build', `node bridge/dist/monsys-bridge.mjs install --hub ${README_HUB} --profile acme`]);
    for (const line of steps) {
      const r = await step(line);
      expect(r.code, `${line}\n${r.stderr.slice(-3000)}`).toBe(0);
    }

    const home = bus.env.HOME!;
    const config = JSON.parse(readFileSync(join(home, '.config', 'Claude', 'claude_desktop_config.json'), 'utf8'));
    const entry = config.mcpServers['monsys-acme'] as { command: string; args: string[] };
    expect(entry.args[0]).toBe(join(home, '.local', 'share', 'monsys-bridge', 'versions', '0.1.0', 'monsys-bridge.mjs'));
    const w = wrapAsDesktop(entry.command, entry.args, { runUser: bus.runUser });
    client = new Client({ name: 'readme', version: '1' });
    await client.connect(new StdioClientTransport({ command: w.command, args: w.args, env: desktopEnv(home), stderr: 'pipe' }));
    expect((await client.listTools()).tools).toHaveLength(CATALOGUE.length);
    const kpi = (await client.callTool({ name: 'monsys_kpi_summary', arguments: {} })) as CallToolResult;
    expect(kpi.isError).toBeFalsy();
    expect((kpi.structuredContent as { tenant: string }).tenant).toBe('acme');

    // The README's doctor line passes.
    const doctorLine = /\n(node bridge\/dist\/monsys-bridge\.mjs doctor [^\n]+)\n/.exec(readFileSync(join(ROOT, 'README.md'), 'utf8'))?.[1];
    expect(doctorLine).toBeTruthy();
    const d = await step(doctorLine!);
    expect(d.code, d.stderr).toBe(0);
  }, 600_000);
});
