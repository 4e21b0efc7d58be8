/**
 * The desktop bridge end to end, as a technician and Claude Desktop use it:
 * a fresh hub process (PostgreSQL, demo data) → the bundled bridge's `install` with --config in a temp
 * folder → the browser sign-in in headless Chromium (the hub's login and consent pages) → the token in a
 * real Secret Service (gnome-keyring on a D-Bus session bus at the standard /run/user/<uid>/bus) → the bridge
 * spawned exactly as the written config says, over stdio with the SDK's StdioClientTransport and only the
 * variables a desktop client passes (bridge/test/desktop.ts): initialize, tools/list, tools/call of every
 * tool → the token revoked in the hub with the product page's SQL → the tool error that says how to sign in again.
 * A second profile for a second tenant runs side by side and is not affected by the first one's revocation.
 */
import { execFile, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../bridge/build.js';
import { canWrap, desktopEnv, wrapAsDesktop } from '../bridge/test/desktop.js';
import { startSecretService, type Bus } from '../bridge/test/secret-service.js';
import { CATALOGUE } from '../shared/index.js';
import { launchBrowser, type TestBrowser } from './harness/browser.js';
import { spawnHub, type HubProcess } from './harness/hub.js';
import { ROOT } from './harness/paths.js';
import { verifies } from './harness/verifies.js';

const EMAIL = 'tech@yourmsp.com';
const PASSWORD = 'monsys-demo-2026';

let hub: HubProcess;
let bus: Bus & { runUser: string };
let browser: TestBrowser;
let sql: pg.Client;
let bundle: string;
let home: string;
let configPath: string;
const clients: Client[] = [];

beforeAll(async () => {
  if (!canWrap()) throw new Error('this test starts the bridge in a private mount namespace (util-linux unshare): run it as root');
  [bundle, hub, bus, browser] = await Promise.all([buildBundle(join(ROOT, 'bridge/dist', `e2e-${process.pid}`, 'monsys-bridge.mjs')), spawnHub({ before: [['seed']] }), startSecretService({ standardPath: true }), launchBrowser()]);
  sql = new pg.Client({ connectionString: hub.databaseUrl });
  await sql.connect();
  // The desktop user's home: the bridge keeps its state in ~/.config/monsys-bridge there.
  home = bus.env.HOME!;
  configPath = join(home, 'Claude', 'claude_desktop_config.json');
}, 180_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await sql?.end();
  await browser?.close();
  await bus?.stop();
  await hub?.stop();
  if (bundle) rmSync(dirname(bundle), { recursive: true, force: true });
});

const installed = (version: string) => join(home, '.local', 'share', 'monsys-bridge', 'versions', version, 'monsys-bridge.mjs');

const tenantId = async (slug: string) => (await sql.query<{ id: string }>('SELECT id FROM tenants WHERE slug = $1', [slug])).rows[0]!.id;

/**
 * Runs a bridge command that signs in, and plays the user in Chromium: it reads the sign-in URL the
 * bridge prints, logs in, chooses the tenant and approves. Resolves when the command has exited.
 */
/** A bridge command run as the desktop user: only the desktop's variables, the session bus found at its standard path. */
function spawnAsDesktop(args: string[]) {
  const run = wrapAsDesktop(process.execPath, [bundle, ...args], { runUser: bus.runUser });
  return spawn(run.command, run.args, { cwd: home, env: desktopEnv(home), stdio: ['ignore', 'pipe', 'pipe'] });
}

interface SignIn {
  code: number;
  stderr: string;
  /** The tenant the consent page had chosen before the user picked one. */
  preselected: string;
  /** What the browser showed at the end. */
  page: string;
}

/** A command line as the user would paste it into a terminal, run as the desktop user. */
function spawnShellAsDesktop(line: string) {
  const run = wrapAsDesktop('/bin/sh', ['-c', line], { runUser: bus.runUser });
  return spawn(run.command, run.args, { cwd: home, env: desktopEnv(home), stdio: ['ignore', 'pipe', 'pipe'] });
}

async function signInWith(args: string[] | { shell: string }, tenantSlug: string, hubUrl = hub.url): Promise<SignIn> {
  const proc = Array.isArray(args) ? spawnAsDesktop([...args, '--hub', hubUrl, '--no-browser']) : spawnShellAsDesktop(args.shell);
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no sign-in URL printed:\n${stderr}`)), 30_000);
    proc.stderr.on('data', (d) => {
      stderr += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/mcp\/oauth\/authorize\?\S+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    proc.once('exit', () => reject(new Error(`bridge exited before printing the URL:\n${stderr}`)));
  });
  const exited = new Promise<number>((resolve) => proc.once('exit', (code) => resolve(code ?? 1)));
  await browser.context.clearCookies();
  const page = await browser.context.newPage();
  try {
    await page.goto(url);
    await page.waitForSelector('#sign-in');
    await page.fill('#email', EMAIL);
    await page.fill('#password', PASSWORD);
    await Promise.all([page.waitForLoadState('load'), page.click('#sign-in')]);
    await page.waitForSelector('#approve');
    const checked = await page.$eval('input[name="tenant"]:checked', (e) => (e as HTMLInputElement).value);
    const preselected = (await sql.query<{ slug: string }>('SELECT slug FROM tenants WHERE id = $1', [checked])).rows[0]!.slug;
    await page.check(`input[name="tenant"][value="${await tenantId(tenantSlug)}"]`);
    await Promise.all([page.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\/callback\?/), page.click('#approve')]);
    const shown = (await page.textContent('body')) ?? '';
    const code = await exited;
    return { code, stderr, preselected, page: shown };
  } finally {
    await page.close();
  }
}

async function storedToken(profile: string): Promise<{ access_token: string; refresh_token?: string; scope: string } | null> {
  const ops = JSON.stringify([{ op: 'get', hub: hub.url, profile }]);
  const out = await new Promise<string>((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bridge/test/keychain-child.ts'), ops], { cwd: ROOT, env: { ...process.env, ...bus.env } });
    let s = '';
    p.stdout.on('data', (d) => (s += d));
    p.once('exit', (code) => (code === 0 ? resolve(s) : reject(new Error('keychain child failed'))));
  });
  return (JSON.parse(out) as [{ access_token: string; scope: string } | null])[0];
}

/** Starts the bridge exactly as claude_desktop_config.json says, with only the variables Claude Desktop passes. */
async function connectAsClaudeDesktop(profile: string): Promise<Client> {
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as { mcpServers: Record<string, { command: string; args: string[]; env?: Record<string, string> }> };
  const entry = config.mcpServers[`monsys-${profile}`]!;
  const run = wrapAsDesktop(entry.command, entry.args, { runUser: bus.runUser });
  const transport = new StdioClientTransport({ command: run.command, args: run.args, env: { ...desktopEnv(home), ...entry.env }, stderr: 'pipe' });
  const client = new Client({ name: 'claude-desktop-e2e', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return client;
}

const call = (c: Client, name: string, args: Record<string, unknown> = {}) => c.callTool({ name, arguments: args }) as Promise<CallToolResult>;
const text = (r: CallToolResult) => r.content.map((x) => (x.type === 'text' ? x.text : '')).join('\n');

describe('bridge end to end', () => {
  let acme: Client;

  it('install: signs in through the browser, keeps the token in the Secret Service, writes the config entry', async () => {
    const r = await signInWith(['install', '--profile', 'acme', '--config', configPath, '--scope', 'mcp.acknowledge'], 'acme');
    expect(r.code, r.stderr).toBe(0);
    expect(r.page).toContain('Signed in to monsys');
    expect(r.stderr).toContain(`Added the "monsys-acme" server in ${configPath}`);
    expect(r.stderr).not.toMatch(/mat_|mrt_/);

    // The entry runs the bridge's own installed copy of this version with the node that ran `install`,
    // both by absolute path: nothing is looked up on Claude Desktop's PATH or in npm's cache.
    const config = JSON.parse(readFileSync(configPath, 'utf8'));
    expect(config.mcpServers['monsys-acme']).toEqual({
      command: process.execPath,
      args: [installed('0.1.0'), 'serve', '--hub', hub.url, '--profile', 'acme'],
    });
    expect(readFileSync(installed('0.1.0'))).toEqual(readFileSync(bundle));
    expect(readdirSync(join(dirname(installed('0.1.0')), 'node_modules/@napi-rs')).sort()).toEqual(['keyring', `keyring-${process.platform}-${process.arch}-gnu`]);

    const t = await storedToken('acme');
    expect(t?.access_token).toMatch(/^mat_[A-Za-z0-9_-]{43}$/);
    expect(t?.refresh_token).toMatch(/^mrt_/);
    expect(t?.scope.split(' ').sort()).toEqual(['mcp.acknowledge', 'mcp.read']);
    // No token in any file: the state folder holds only the client registration.
    const stateDir = join(home, '.config', 'monsys-bridge');
    expect(readdirSync(stateDir)).toEqual(['state.json']);
    expect(readFileSync(join(stateDir, 'state.json'), 'utf8')).not.toMatch(/mat_|mrt_/);
    expect(existsSync(join(stateDir, 'tokens'))).toBe(false);
  });

  it('the spawned bridge initializes, lists the 12 tools and calls each one against the hub', async () => {
    verifies('CONNECT-7');
    acme = await connectAsClaudeDesktop('acme');
    expect(acme.getServerVersion()?.name).toBe('monsys-bridge');
    const { tools } = await acme.listTools();
    expect(tools.map((t) => t.name)).toEqual(CATALOGUE.map((t) => t.name));

    const agents = await call(acme, 'monsys_list_agents', { limit: 5 });
    expect(agents.isError, text(agents)).toBeFalsy();
    const agentId = (agents.structuredContent as { agents: { id: string }[] }).agents[0]!.id;
    const detections = await call(acme, 'monsys_list_detections', { since: '30d', ack: 'open' });
    expect(detections.isError, text(detections)).toBeFalsy();
    const detectionId = (detections.structuredContent as { detections: { id: string }[] }).detections[0]!.id;

    const args: Record<string, Record<string, unknown>> = {
      monsys_get_agent: { agent_id: agentId },
      monsys_get_detection: { detection_id: detectionId },
      monsys_acknowledge_detection: { detection_id: detectionId, note: 'bridge e2e' },
      monsys_list_os_cves: { ecosystem: 'apt' },
      monsys_audit_log_search: { event_type: 'mcp_authorization_granted', since: '24h' },
    };
    for (const tool of CATALOGUE) {
      const r = await call(acme, tool.name, args[tool.name] ?? {});
      expect(r.isError, `${tool.name}: ${text(r)}`).toBeFalsy();
      expect(tool.output.safeParse(r.structuredContent).success, tool.name).toBe(true);
    }
    const kpi = await call(acme, 'monsys_kpi_summary');
    expect((kpi.structuredContent as { tenant: string }).tenant).toBe('acme');
    // The hub logged the bridge's calls under the OAuth client the bridge registered.
    const log = await sql.query<{ n: string }>(
      `SELECT count(*) AS n FROM mcp_call_log l JOIN tenants t ON t.id = l.tenant_id WHERE t.slug = 'acme' AND l.client_id LIKE 'mcp_%'`,
    );
    expect(Number(log.rows[0]!.n)).toBeGreaterThanOrEqual(CATALOGUE.length);
  });

  it('the entry starts with PATH=/usr/bin:/bin and no node or npx there (a GUI app\'s PATH on macOS)', async () => {
    // A node outside the PATH, as nvm or Homebrew install it; `install` run by it writes its path.
    const nodeDir = join(home, 'opt', 'node', 'bin');
    mkdirSync(nodeDir, { recursive: true });
    const node = join(nodeDir, 'node');
    try {
      linkSync(process.execPath, node);
    } catch {
      copyFileSync(process.execPath, node);
      chmodSync(node, 0o755);
    }
    const inst = wrapAsDesktop(node, [bundle, 'install', '--hub', hub.url, '--profile', 'acme', '--config', configPath, '--no-login'], { runUser: bus.runUser });
    const done = spawn(inst.command, inst.args, { cwd: home, env: desktopEnv(home), stdio: 'ignore' });
    expect(await new Promise((res) => done.once('exit', res))).toBe(0);
    const entry = JSON.parse(readFileSync(configPath, 'utf8')).mcpServers['monsys-acme'];
    expect(entry.command).toBe(node);

    const gui = { runUser: bus.runUser, path: '/usr/bin:/bin', hide: ['node', 'npx'] };
    // The test's premise: on that PATH there is no node and no npx.
    const probe = wrapAsDesktop('/bin/sh', ['-c', 'command -v node || command -v npx || echo none'], gui);
    const seen = await new Promise<string>((res) => execFile(probe.command, probe.args, { env: desktopEnv(home, gui.path) }, (_e, out) => res(out.trim())));
    expect(seen).toBe('none');

    const run = wrapAsDesktop(entry.command, entry.args, gui);
    const client = new Client({ name: 'claude-desktop-gui-path', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: run.command, args: run.args, env: { ...desktopEnv(home, gui.path), ...entry.env }, stderr: 'pipe' }));
    clients.push(client);
    expect((await client.listTools()).tools).toHaveLength(CATALOGUE.length);
    const kpi = await call(client, 'monsys_kpi_summary');
    expect(kpi.isError, text(kpi)).toBeFalsy();
    expect((kpi.structuredContent as { tenant: string }).tenant).toBe('acme');
  });

  it('a second profile for a second tenant runs side by side; revoking one leaves the other', async () => {
    // Given the MCP endpoint's URL, as the README gives it to claude.ai users: the same hub.
    const r = await signInWith(['login', '--profile', 'eu-bank'], 'eu-bank', `${hub.url}/mcp/`);
    expect(r.code, r.stderr).toBe(0);
    // The profile asked for its tenant (tenant_hint), and the consent page had it chosen already.
    expect(r.preselected).toBe('eu-bank');
    // `install --no-login` for the second tenant: only the config entry.
    const inst = spawnAsDesktop(['install', '--hub', `${hub.url}/mcp`, '--profile', 'eu-bank', '--config', configPath, '--no-login']);
    expect(await new Promise((res) => inst.once('exit', res))).toBe(0);
    const config = JSON.parse(readFileSync(configPath, 'utf8'));
    expect(Object.keys(config.mcpServers)).toEqual(['monsys-acme', 'monsys-eu-bank']);

    const bank = await connectAsClaudeDesktop('eu-bank');
    const kpi = await call(bank, 'monsys_kpi_summary');
    expect((kpi.structuredContent as { tenant: string }).tenant).toBe('eu-bank');
    expect((await storedToken('acme'))?.access_token).not.toBe((await storedToken('eu-bank'))?.access_token);

    // Revoke only acme's tokens in the hub.
    await sql.query('UPDATE mcp_access_tokens SET revoked_at = now() WHERE tenant_id = $1', [await tenantId('acme')]);
    const denied = await call(acme, 'monsys_kpi_summary');
    expect(denied.isError).toBe(true);
    // The command in the hint is this installation's: its node and installed bundle, by absolute path.
    expect(text(denied)).toContain(`${process.execPath} ${installed('0.1.0')} login --hub ${hub.url} --profile acme`);
    const still = await call(bank, 'monsys_kpi_summary');
    expect(still.isError, text(still)).toBeFalsy();

    // The product page's SQL, as written, for the user: now eu-bank is signed out too.
    const user = (await sql.query<{ id: string }>('SELECT id FROM users WHERE email = $1', [EMAIL])).rows[0]!.id;
    await sql.query(`UPDATE mcp_access_tokens SET revoked_at=NOW() WHERE user_id='${user.replace(/[^0-9a-f-]/g, '')}'`);
    const gone = await call(bank, 'monsys_list_alerts');
    expect(gone.isError).toBe(true);
    expect(text(gone)).toMatch(/expired or was revoked/);
    expect(text(gone)).toContain(`${process.execPath} ${installed('0.1.0')} login --hub ${hub.url} --profile eu-bank`);
  });

  it('a profile is bound to its tenant: choosing another at consent stores nothing, revokes the sign-in, and names both tenants', async () => {
    const live = async () => Number((await sql.query<{ n: string }>('SELECT count(*) AS n FROM mcp_access_tokens WHERE tenant_id = $1 AND revoked_at IS NULL', [await tenantId('acme')])).rows[0]!.n);
    const before = await live();
    const r = await signInWith(['install', '--profile', 'bank', '--tenant', 'eu-bank', '--config', configPath], 'acme');
    expect(r.preselected).toBe('eu-bank');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('In the browser you chose the tenant "acme", but profile "bank" is for the tenant "eu-bank". Nothing was stored and the new sign-in was revoked.');
    expect(r.stderr).toContain(`login --hub ${hub.url} --profile bank --tenant eu-bank`);
    // The browser says so too, instead of "Signed in".
    expect(r.page).toContain('Sign-in not completed');
    expect(r.page).toContain('you chose the tenant "acme"');
    expect(await storedToken('bank')).toBeNull();
    expect(Object.keys(JSON.parse(readFileSync(configPath, 'utf8')).mcpServers)).not.toContain('monsys-bank');
    expect(await live()).toBe(before);

    // The command the message gives works as printed: pasted into a terminal, it signs the profile in to its tenant.
    const printed = /Sign in again and choose "eu-bank": (.+?) — or/.exec(r.stderr)?.[1];
    expect(printed).toMatch(new RegExp(`^${process.execPath} \\S+monsys-bridge\\.mjs login --hub ${hub.url.replace(/[.]/g, '\\.')} --profile bank --tenant eu-bank$`));
    const again = await signInWith({ shell: `${printed} --no-browser` }, 'eu-bank');
    expect(again.code, again.stderr).toBe(0);
    expect(again.preselected).toBe('eu-bank');
    expect(again.stderr).toContain('tenant "eu-bank"');
    expect(await storedToken('bank')).not.toBeNull();
  });

  it('install upgrades every installed entry in place; logout --uninstall removes what install put there', async () => {
    const next = await buildBundle(join(ROOT, 'bridge/dist', `e2e-${process.pid}`, 'next', 'monsys-bridge.mjs'), '0.1.1');
    const inst = wrapAsDesktop(process.execPath, [next, 'install', '--hub', hub.url, '--profile', 'eu-bank', '--config', configPath, '--no-login'], { runUser: bus.runUser });
    const p = spawn(inst.command, inst.args, { cwd: home, env: desktopEnv(home), stdio: 'ignore' });
    expect(await new Promise((res) => p.once('exit', res))).toBe(0);
    const servers = JSON.parse(readFileSync(configPath, 'utf8')).mcpServers;
    expect(servers['monsys-eu-bank'].args[0]).toBe(installed('0.1.1'));
    expect(servers['monsys-acme'].args).toEqual([installed('0.1.1'), 'serve', '--hub', hub.url, '--profile', 'acme']);
    expect(readdirSync(join(home, '.local/share/monsys-bridge/versions'))).toEqual(['0.1.1']);
    const upgraded = await connectAsClaudeDesktop('acme');
    expect(upgraded.getServerVersion()?.version).toBe('0.1.1');
    await upgraded.close();

    const logout = (profile: string) => {
      const w = wrapAsDesktop(process.execPath, [installed('0.1.1'), 'logout', '--uninstall', '--hub', hub.url, '--profile', profile, '--config', configPath], { runUser: bus.runUser });
      const q = spawn(w.command, w.args, { cwd: home, env: desktopEnv(home), stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      q.stderr!.on('data', (d) => (err += d));
      return new Promise<string>((res) => q.once('exit', () => res(err)));
    };
    expect(await logout('acme')).toContain('Kept the installed bridge');
    expect(existsSync(installed('0.1.1'))).toBe(true);
    expect(await logout('eu-bank')).toContain('Removed the installed bridge');
    expect(existsSync(join(home, '.local/share/monsys-bridge'))).toBe(false);
    expect(Object.keys(JSON.parse(readFileSync(configPath, 'utf8')).mcpServers).filter((k) => k.startsWith('monsys-'))).toEqual([]);
    expect(await storedToken('acme')).toBeNull();
  });
});
