/**
 * The connector console in Chromium, against a real hub process on PostgreSQL: each page and action
 * as a tenant admin and as a viewer (who sees and may do less), nothing of another tenant, an
 * axe-core check of every page (no serious or critical violation), and screenshots of every page at
 * 390 px and 1280 px into screenshots/ (ignored by git).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from 'otplib';
import { openPg } from '../hub/src/db/pg.js';
import type { Db } from '../hub/src/db/types.js';
import { FormAgent, formOf, launchBrowser, type TestBrowser } from './harness/browser.js';
import { oauthFlow, pkce } from './harness/oauth-flow.js';
import { spawnHub, type HubProcess } from './harness/hub.js';
import { ROOT } from './harness/paths.js';

const ADMIN = { email: 'admin@acme.example', password: 'admin password long enough' };
const VIEWER = { email: 'viewer@acme.example', password: 'viewer password long enough' };
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const SHOTS = join(ROOT, 'screenshots');

describe('the connector console in Chromium', () => {
  let hub: HubProcess;
  let db: Db;
  let browser: TestBrowser;
  let adminToken: string;
  let viewerToken: string;
  let detection: string;
  /** The admin's authenticator key and unused recovery codes, once set up in the first test. */
  let secret: string | undefined;
  const recovery: string[] = [];
  /** A code for the authenticator step after the last one used (each step's code works once). */
  let nextStep = 0;
  const freshCode = async () => {
    const step = Math.max(nextStep, Math.floor(Date.now() / 30_000));
    nextStep = step + 1;
    return generate({ secret: secret!, epoch: step * 30 });
  };

  const flow = oauthFlow(() => hub.url, ADMIN);
  const rest = (token: string, path: string, init: RequestInit = {}) =>
    fetch(`${hub.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers as object) } });

  beforeAll(async () => {
    hub = await spawnHub({
      before: [
        ['tenant', 'create', 'acme', 'Acme Manufacturing'],
        ['tenant', 'enable', 'acme'],
        ['tenant', 'create', 'eu-bank', 'EU Bank'],
        ['tenant', 'enable', 'eu-bank'],
      ],
    });
    await hub.cli(['user', 'add', ADMIN.email, '--tenant', 'acme', '--role', 'admin', '--password-stdin'], ADMIN.password);
    await hub.cli(['user', 'add', VIEWER.email, '--tenant', 'acme', '--role', 'viewer', '--password-stdin'], VIEWER.password);
    await hub.cli(['user', 'add', 'secret-banker@eu-bank.example', '--tenant', 'eu-bank', '--role', 'admin', '--password-stdin'], 'another password long');
    adminToken = (await hub.cli(['token', 'issue', '--tenant', 'acme', '--user', ADMIN.email, '--scope', 'mcp.read', 'mcp.acknowledge'])).trim();
    viewerToken = (await hub.cli(['token', 'issue', '--tenant', 'acme', '--user', VIEWER.email])).trim();
    await hub.cli(['token', 'issue', '--tenant', 'eu-bank', '--user', 'secret-banker@eu-bank.example']);
    // A host and a detection through the ingest API; the admin acknowledges it over REST.
    const enrollment = (await hub.cli(['enroll', 'issue', '--tenant', 'acme', '--name', 'web-01'])).trim();
    const agent = randomUUID();
    detection = randomUUID();
    const ingest = (path: string, body: object) =>
      fetch(`${hub.url}/v1/ingest/${path}`, { method: 'POST', headers: { authorization: `Bearer ${enrollment}`, 'content-type': 'application/json' }, body: JSON.stringify({ agent_id: agent, ...body }) });
    expect((await ingest('heartbeat', { hostname: 'web-01', ip: '10.0.4.17', os: 'Debian 12', os_release: { id: 'debian', version_id: '12' }, kernel_version: '6.1.0', cpu_pct: 1, mem_pct: 2, disk_pct: 3 })).status).toBe(200);
    expect((await ingest('events', { detections: [{ id: detection, kind: 'port_scan', severity: 'medium', title: 'Port scan from 203.0.113.9', description: 'SYN scan', detected_at: new Date().toISOString() }] })).status).toBe(200);
    expect((await rest(adminToken, `/v1/detections/${detection}/acknowledge`, { method: 'POST', body: '{}' })).status).toBe(200);
    expect((await rest(viewerToken, '/v1/trust-score')).status).toBe(200);
    db = await openPg(hub.databaseUrl!, { max: 2 });
    browser = await launchBrowser({ bypassCSP: true });
    mkdirSync(SHOTS, { recursive: true });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await db?.close();
    await hub?.stop();
  });

  async function signIn(who: { email: string; password: string }): Promise<Page> {
    const page = await browser.context.newPage();
    await browser.context.clearCookies();
    await page.goto(`${hub.url}/console`);
    expect(page.url()).toContain('/login');
    await page.fill('#email', who.email);
    await page.fill('#password', who.password);
    await page.click('#sign-in');
    await page.waitForURL(/\/console\/acme\/connector|\/login\/second-factor/);
    if (page.url().includes('/login/second-factor')) {
      // The password alone opens nothing: the console still sends to sign-in.
      const probe = await browser.context.request.get(`${hub.url}/console/acme/tokens`, { maxRedirects: 0 });
      expect(probe.status()).toBe(303);
      await page.fill('#code', recovery.shift()!);
      await Promise.all([page.waitForURL(/\/console\/acme\/connector/), page.click('#verify')]);
    }
    return page;
  }

  /** axe-core on the page as it is: no serious or critical violation; then the two screenshots. */
  async function check(page: Page, name: string): Promise<void> {
    await page.addScriptTag({ content: AXE });
    const violations = await page.evaluate(async () => {
      const r = await (globalThis as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }> } }).axe.run();
      return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.nodes.length})`);
    });
    expect(violations, `${name}: axe violations`).toEqual([]);
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      // Nothing wider than the screen: the page scrolls vertically only (tables scroll in their own box).
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `${name} at ${width}px overflows`).toBe(true);
      await page.screenshot({ path: join(SHOTS, `${name}-${width}.png`), fullPage: true });
    }
  }

  it('an admin sets up TOTP (QR code, recovery codes); sensitive actions are refused without it and without a fresh code', async () => {
    const page = await signIn(ADMIN);
    // Without two-factor sign-in, the switch is refused and nothing changes.
    await page.click('#toggle-mcp_enabled');
    await page.waitForSelector('#error');
    expect(await page.textContent('#error')).toContain('needs two-factor sign-in');
    expect((await rest(adminToken, '/v1/trust-score')).status).toBe(200);

    await page.goto(`${hub.url}/console/acme/security`);
    await page.click('#start-totp');
    await page.waitForSelector('#qr svg');
    await check(page, 'console-security-setup');
    secret = (await page.textContent('#totp-secret'))!.trim();
    await page.fill('#confirm-code', 'nope12');
    await page.click('#confirm-totp');
    await page.waitForSelector('#error');
    await page.goto(`${hub.url}/console/acme/security`);
    await page.click('#start-totp');
    secret = (await page.textContent('#totp-secret'))!.trim();
    await page.fill('#confirm-code', await freshCode());
    await page.click('#confirm-totp');
    await page.waitForSelector('#recovery-codes');
    recovery.push(...(await page.locator('#recovery-codes code').allTextContents()));
    expect(recovery).toHaveLength(10);
    expect(await page.textContent('#totp .badge')).toBe('on');
    const stored = await db.query<{ code_sha256: string }>('SELECT code_sha256 FROM user_recovery_codes');
    expect(stored.rows.some((r) => recovery.includes(r.code_sha256))).toBe(false);

    // Minutes later (the session's proof made stale), the switch needs a fresh code: none, or a wrong one, is refused.
    await db.query(`UPDATE web_sessions SET second_factor_at = now() - interval '10 minutes'`);
    await page.goto(`${hub.url}/console/acme/connector`);
    await page.click('#toggle-mcp_enabled');
    await page.waitForSelector('#error');
    expect(await page.textContent('#error')).toContain('fresh code');
    await page.fill('#toggle-mcp_enabled-code', '000000');
    await page.click('#toggle-mcp_enabled');
    await page.waitForSelector('#error');
    expect((await rest(adminToken, '/v1/trust-score')).status).toBe(200);
    await page.fill('#toggle-mcp_enabled-code', await freshCode());
    await Promise.all([page.waitForURL(/done=connector-off/), page.click('#toggle-mcp_enabled')]);
    expect((await rest(adminToken, '/v1/trust-score')).status).toBe(403);
    // Fresh for a few minutes: the next switch needs no code.
    await Promise.all([page.waitForURL(/done=connector-on/), page.click('#toggle-mcp_enabled')]);
    await page.close();
  }, 120_000);

  it('signing in to an account with TOTP needs its code after the password, at /login and on the OAuth sign-in', async () => {
    const page = await signIn(ADMIN);
    expect(page.url()).toContain('/console/acme/connector');
    await check(page, 'console-connector');
    await page.close();

    // The OAuth sign-in of a client: password, then the code, then consent.
    const client = await flow.newClient();
    const agent = new FormAgent(hub.url);
    const start = await agent.go(flow.authorizeUrl({ clientId: client, redirectUri: 'http://127.0.0.1:8080/cb', challenge: pkce().challenge }));
    const login = formOf(start.html);
    const second = await agent.go(login.action, { form: { ...login.fields, email: ADMIN.email, password: ADMIN.password } });
    expect(second.html).toContain('id="verify"');
    const codeForm = formOf(second.html);
    const wrong = await agent.go(codeForm.action, { form: { ...codeForm.fields, code: '123456' } });
    expect(wrong.res.status).toBe(401);
    const consent = await agent.go(codeForm.action, { form: { ...formOf(wrong.html).fields, code: recovery.shift()! } });
    expect(consent.html).toContain('id="approve"');
  }, 60_000);

  it('an admin sees and changes the connector settings, and each change is audited with who decided', async () => {
    const page = await signIn(ADMIN);
    await expect.poll(() => page.textContent('#opt-in .badge')).toBe('on');
    expect(await page.textContent('#model-data')).toContain('Hostnames');
    await Promise.all([page.waitForURL(/done=connector-off/), page.click('#toggle-mcp_enabled')]);
    expect(await page.textContent('#notice')).toContain('now off');
    expect(await page.textContent('#decisions')).toContain('connector_disabled');
    expect((await rest(adminToken, '/v1/trust-score')).status).toBe(403);
    expect(await page.textContent('#decisions')).toContain(ADMIN.email);
    await Promise.all([page.waitForURL(/done=connector-on/), page.click('#toggle-mcp_enabled')]);
    expect((await rest(adminToken, '/v1/trust-score')).status).toBe(200);
    await Promise.all([page.waitForURL(/done=sovereignty-on/), page.click('#toggle-pseudonymize')]);
    const agents = (await (await rest(adminToken, '/v1/agents')).json()) as { agents: { hostname: string }[] };
    expect(agents.agents[0]!.hostname).toMatch(/^host-[0-9a-f]{12}$/);
    await Promise.all([page.waitForURL(/done=sovereignty-off/), page.click('#toggle-pseudonymize')]);
    const audit = await db.query<{ event_type: string; actor_email: string | null }>(
      `SELECT event_type, actor_email FROM audit_log WHERE event_type = ANY($1::text[]) ORDER BY occurred_at`,
      [['connector_enabled', 'connector_disabled', 'sovereignty_enabled', 'sovereignty_disabled']],
    );
    // The CLI's `tenant enable` at setup (no actor), then the four changes made here.
    // Two switches in the TOTP test, four here.
    expect(audit.rows.filter((r) => r.actor_email === ADMIN.email).map((r) => r.event_type)).toEqual(['connector_disabled', 'connector_enabled', 'connector_disabled', 'connector_enabled', 'sovereignty_enabled', 'sovereignty_disabled']);
    expect(audit.rows.some((r) => r.actor_email === null && r.event_type === 'connector_enabled')).toBe(true);
    await page.close();
  }, 120_000);

  it('an admin lists every token of the tenant and revokes one; nothing of another tenant shows', async () => {
    const page = await signIn(ADMIN);
    await page.goto(`${hub.url}/console/acme/tokens`);
    await check(page, 'console-tokens');
    const table = (await page.textContent('#tokens'))!;
    expect(table).toContain(ADMIN.email);
    expect(table).toContain(VIEWER.email);
    expect(table).not.toContain('secret-banker');
    await Promise.all([page.waitForURL(/done=revoked/), page.click(`#revoke-user button`)]);
    expect((await rest(viewerToken, '/v1/trust-score')).status).toBe(401);
    await page.goto(`${hub.url}/console/eu-bank/connector`);
    expect(await page.textContent('h1')).toBe('Page not found');
    await page.close();
  }, 60_000);

  it('an admin reads the call log (filtered, never arguments) and reopens an acknowledged detection', async () => {
    const page = await signIn(ADMIN);
    await page.goto(`${hub.url}/console/acme/calls`);
    await check(page, 'console-calls');
    expect(await page.textContent('#calls')).toContain('monsys_acknowledge_detection');
    await page.selectOption('#tool', 'monsys_trust_score');
    await Promise.all([page.waitForURL(/tool=monsys_trust_score/), page.click('form.filters button')]);
    const filtered = (await page.textContent('#calls'))!;
    expect(filtered).toContain('monsys_trust_score');
    expect(filtered).not.toContain('monsys_acknowledge_detection');

    await page.goto(`${hub.url}/console/acme/acknowledgements`);
    await check(page, 'console-acknowledgements');
    expect(await page.textContent('#acknowledged')).toContain('Port scan from 203.0.113.9');
    await Promise.all([page.waitForURL(/done=reopened/), page.click('#acknowledged button')]);
    const drill = (await (await rest(adminToken, `/v1/detections/${detection}`)).json()) as { detection: { acked_at: string | null } };
    expect(drill.detection.acked_at).toBeNull();
    const audit = await db.query('SELECT 1 FROM audit_log WHERE event_type = $1 AND target_id = $2 AND actor_email = $3', ['detection_unacknowledged', detection, ADMIN.email]);
    expect(audit.rows).toHaveLength(1);
    await page.close();
  }, 60_000);

  it('an admin issues an enrollment token (shown once, not in the URL), an agent uses it, and it is revoked', async () => {
    const page = await signIn(ADMIN);
    await page.goto(`${hub.url}/console/acme/agents`);
    await check(page, 'console-agents');
    expect(await page.textContent('#agents')).toContain('web-01');
    await page.fill('#agent-name', 'db-07');
    await page.click('#enroll');
    await page.waitForSelector('#notice');
    const value = /men_[A-Za-z0-9_-]+/.exec((await page.textContent('#notice'))!)?.[0];
    expect(value).toBeTruthy();
    expect(page.url()).not.toContain('men_');
    const hb = (v: string) =>
      fetch(`${hub.url}/v1/ingest/heartbeat`, {
        method: 'POST',
        headers: { authorization: `Bearer ${v}`, 'content-type': 'application/json' },
        body: JSON.stringify({ agent_id: randomUUID(), hostname: 'db-07', ip: '10.0.4.18', os: 'Debian 12', os_release: { id: 'debian' }, kernel_version: '6.1.0', cpu_pct: 1, mem_pct: 2, disk_pct: 3 }),
      });
    expect((await hb(value!)).status).toBe(200);
    await page.goto(`${hub.url}/console/acme/agents`);
    const row = page.locator('#enrollment-tokens tr', { hasText: 'db-07' });
    await Promise.all([page.waitForURL(/done=enrollment-revoked/), row.locator('button').click()]);
    expect((await hb(value!)).status).toBe(401);
    await page.close();
  }, 60_000);

  it('an admin can require TOTP of every member: a member without it sees only the Security page and cannot connect a client', async () => {
    const admin = await signIn(ADMIN);
    await admin.goto(`${hub.url}/console/acme/security`);
    await Promise.all([admin.waitForURL(/done=totp-required/), admin.click('#toggle-require')]);
    const viewer = await signIn(VIEWER);
    expect(await viewer.textContent('#error')).toContain('requires two-factor sign-in');
    expect(await viewer.textContent('h1')).toBe('Security');
    await viewer.goto(`${hub.url}/console/acme/tokens`);
    expect(await viewer.textContent('h1')).toBe('Security');
    await viewer.close();
    // Nor can that member connect a client: the consent is refused and no grant is made.
    const client = await flow.newClient();
    const agent = new FormAgent(hub.url);
    const start = await agent.go(flow.authorizeUrl({ clientId: client, redirectUri: 'http://127.0.0.1:8080/cb', challenge: pkce().challenge }));
    const login = formOf(start.html);
    const consent = await agent.go(login.action, { form: { ...login.fields, email: VIEWER.email, password: VIEWER.password } });
    const form = formOf(consent.html);
    const tenant = /name="tenant" value="([^"]+)"[^>]*checked/.exec(consent.html)![1]!;
    const refused = await agent.go(form.action, { form: { ...form.fields, tenant, action: 'approve' } });
    expect(refused.res.status).toBe(403);
    expect(refused.html).toContain('requires two-factor sign-in');
    expect(refused.location).toBeUndefined();
    const grants = await db.query('SELECT 1 FROM oauth_grants WHERE client_id = $1', [client]);
    expect(grants.rows).toHaveLength(0);
    const again = await signIn(ADMIN);
    await again.goto(`${hub.url}/console/acme/security`);
    await Promise.all([again.waitForURL(/done=totp-not-required/), again.click('#toggle-require')]);
    await again.close();
    const kinds = await db.query<{ event_type: string }>(`SELECT event_type FROM audit_log WHERE event_type LIKE 'totp_%' ORDER BY occurred_at`);
    expect(kinds.rows.map((r) => r.event_type)).toEqual(['totp_enabled', 'totp_required', 'totp_not_required']);
  }, 90_000);

  it('a viewer sees less and may do less: no switches, own tokens and calls only, no enrollment tokens, no reopen; forged forms refused', async () => {
    const page = await signIn(VIEWER);
    await check(page, 'console-connector-viewer');
    expect(await page.locator('#toggle-mcp_enabled').count()).toBe(0);
    expect(await page.textContent('#admin-only')).toContain('Only a tenant admin');
    await page.goto(`${hub.url}/console/acme/tokens`);
    expect(await page.textContent('main')).not.toContain(ADMIN.email);
    await page.goto(`${hub.url}/console/acme/calls`);
    expect(await page.textContent('main')).not.toContain(ADMIN.email);
    await page.goto(`${hub.url}/console/acme/agents`);
    expect(await page.locator('#enrollment-tokens, #enroll').count()).toBe(0);
    await page.goto(`${hub.url}/console/acme/acknowledgements`);
    expect(await page.locator('#acknowledged button').count()).toBe(0);
    // The admin's form, posted by the viewer with the viewer's own CSRF token: refused, nothing changed.
    const csrf = await page.getAttribute('#sign-out + input, form[action="/console/sign-out"] input[name=csrf]', 'value');
    const status = await page.evaluate(async (token) => {
      const r = await fetch('/console/acme/connector', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `csrf=${token}&setting=mcp_enabled&value=off` });
      return r.status;
    }, csrf);
    expect(status).toBe(403);
    expect((await rest(adminToken, '/v1/trust-score')).status).toBe(200);
    // Without the CSRF token: refused too.
    expect(await page.evaluate(async () => (await fetch('/console/acme/tokens/revoke', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=00000000-0000-4000-8000-000000000000' })).status)).toBe(403);
    await page.click('#sign-out');
    await page.waitForURL(/\/login/);
    await page.goto(`${hub.url}/console/acme/tokens`);
    expect(page.url()).toContain('/login');
    await page.close();
  }, 60_000);

  it('gives the landing page, sign-in, second-factor and 404 pages the same look, accessible at both widths', async () => {
    const page = await browser.context.newPage();
    await browser.context.clearCookies();
    for (const [name, path] of [['landing', '/'], ['sign-in', '/login'], ['not-found', '/no/such/page']] as const) {
      const res = await page.goto(`${hub.url}${path}`);
      expect(res!.status(), name).toBe(name === 'not-found' ? 404 : 200);
      expect(await page.locator('link[rel=stylesheet][href="/assets/monsys.css"]').count(), name).toBe(1);
      await check(page, name);
    }
    expect(await page.textContent('h1')).toBe('Page not found');
    // A program asking for JSON gets JSON.
    const json = await fetch(`${hub.url}/no/such/page`, { headers: { accept: 'application/json' } });
    expect([json.status, ((await json.json()) as { error: { code: string } }).error.code]).toEqual([404, 'not_found']);
    await page.close();
  }, 60_000);

  it('serves one stylesheet under a CSP without inline styles or scripts', async () => {
    const css = await fetch(`${hub.url}/assets/monsys.css`);
    expect(css.headers.get('content-type')).toContain('text/css');
    expect(await css.text()).toContain('prefers-color-scheme:dark');
    const page = await fetch(`${hub.url}/login`);
    const html = await page.text();
    expect(html).toContain('/assets/monsys.css');
    expect(html).not.toContain('<style');
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'; style-src 'self'/);
  });
});
