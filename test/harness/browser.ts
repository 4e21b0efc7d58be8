/**
 * A real browser for end-to-end tests: Debian's Chromium driven by playwright-core.
 * Never a downloaded browser (if /usr/bin/chromium is missing: apt-get install -y chromium).
 * Each launch gets a fresh profile folder, removed on close.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** Extra Chromium flags (e.g. a host-resolver rule for a test host name). */
  args?: string[];
  /** Accept the test CA's certificates (a TLS proxy with a certificate made by the test). */
  ignoreHTTPSErrors?: boolean;
  /** Let the test inject a script (axe-core) into pages whose CSP forbids scripts. */
  bypassCSP?: boolean;
}

/** Launches Chromium with a fresh user-data-dir (a persistent context is how playwright takes one). */
export async function launchBrowser(o: LaunchOptions = {}): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium); tests never download a browser`);
  const userDataDir = mkdtempSync(join(tmpdir(), 'monsys-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, ...(o.args ?? [])],
    ignoreHTTPSErrors: o.ignoreHTTPSErrors,
    bypassCSP: o.bypassCSP,
    timeout: 30_000,
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A script-free browser for the hub's HTML forms (login, consent, token page): a cookie jar,
 * same-origin form posts with an Origin header, redirects followed on the hub and stopped at
 * the first redirect elsewhere (the OAuth client's redirect URI). Fast enough for rule tests on
 * both databases; the real-browser tests use Chromium above.
 */
export class FormAgent {
  readonly jar = new Map<string, string>();
  /** Every Set-Cookie line received, to check cookie attributes. */
  readonly setCookies: string[] = [];
  /** `fetchFn`: e.g. undici's fetch with a dispatcher bound to another local address (another client). */
  constructor(
    readonly origin: string,
    private readonly fetchFn: typeof globalThis.fetch = fetch,
  ) {}

  private store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      this.setCookies.push(line);
      const [pair, ...attrs] = line.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]!) < Date.now()));
      if (expired || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }

  async request(url: string, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.jar.size) headers.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (init.form) {
      body = new URLSearchParams(init.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers.origin ??= this.origin;
    }
    const res = await this.fetchFn(new URL(url, this.origin), { method: init.method ?? (init.form ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    this.store(res);
    return res;
  }

  /** Follows redirects on the hub; returns the last response and its URL (a foreign redirect is returned, not followed). */
  async go(url: string, init: { form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<{ res: Response; url: string; html: string; location?: URL }> {
    let current = new URL(url, this.origin).toString();
    let res = await this.request(current, init);
    for (let hops = 0; hops < 10 && res.status >= 300 && res.status < 400; hops++) {
      const next = new URL(res.headers.get('location')!, current);
      if (next.origin !== this.origin) return { res, url: current, html: '', location: next };
      current = next.toString();
      res = await this.request(current);
    }
    return { res, url: current, html: await res.text() };
  }
}

/** The first POST form of a page: its action, hidden fields and ticked checkboxes (as a browser submits them). */
export function formOf(html: string): { action: string; fields: Record<string, string> } {
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  if (!action) throw new Error(`no form on the page:\n${html.slice(0, 2000)}`);
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) fields[m[1]!] = m[2]!.replace(/&#38;/g, '&');
  for (const m of html.matchAll(/<input type="checkbox" name="([^"]+)" value="([^"]*)"[^>]* checked>/g)) fields[m[1]!] = m[2]!;
  return { action: action.replace(/&#38;/g, '&'), fields };
}
