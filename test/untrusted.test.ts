/**
 * Attacker-written text planted in the demo data (a brute-forced user name, a command line, a user
 * agent, an alert description quoting a form post) reaches the model only fenced as quoted data,
 * through both doors that render text for a model: the hub's /mcp and the desktop bridge. The
 * structured content keeps the raw value in its own field.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../bridge/build.js';
import { FileStore } from '../bridge/src/token-store.js';
import { FENCE_CLOSE, FENCE_OPEN, fence } from '../shared/render.js';
import { issueAccessToken } from '../hub/src/auth/tokens.js';
import { loadConfig } from '../hub/src/config.js';
import { createLogger } from '../hub/src/logger.js';
import { PLANTED_INJECTIONS, seedDemo } from '../hub/src/seed/index.js';
import { startHub, type RunningHub } from '../hub/src/server.js';
import { freshDb, type TestDb } from './harness/db.js';
import { ROOT } from './harness/paths.js';

type Text = { type: string; text: string };
type CallResult = { content: Text[]; structuredContent?: Record<string, unknown>; isError?: boolean };

/** The text with every fenced segment removed: what the model reads as ours, not as quoted data. */
const outsideFences = (text: string) => text.split(FENCE_OPEN).map((part, i) => (i === 0 ? part : part.slice(part.indexOf(FENCE_CLOSE) + FENCE_CLOSE.length))).join('');
/** A fenced value as it appears inside the JSON text (quotes and backslashes escaped). */
const fencedInJson = (raw: string) => JSON.stringify(fence(raw)).slice(1, -1);

describe('untrusted text through every door that renders for a model', () => {
  let db: TestDb;
  let hub: RunningHub;
  let token: string;
  let bundle: string;
  let home: string;
  let bridge: Client;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    db = await freshDb('pg');
    [bundle] = await Promise.all([buildBundle(join(ROOT, 'bridge/dist', `untrusted-${process.pid}`, 'monsys-bridge.mjs')), seedDemo(db, { seed: 5 })]);
    const acme = await db.query<{ id: string }>("SELECT id FROM tenants WHERE slug = 'acme'");
    const tech = await db.query<{ id: string }>("SELECT id FROM users WHERE email = 'tech@yourmsp.com'");
    token = (await issueAccessToken(db, { tenantId: acme.rows[0]!.id, userId: tech.rows[0]!.id, scopes: ['mcp.read'] })).value;
    const find = async (column: string, value: string) =>
      (await db.query<{ id: string }>(`SELECT id FROM detected_events WHERE tenant_id = $1 AND ${column} = $2 LIMIT 1`, [acme.rows[0]!.id, value])).rows[0]!.id;
    ids.user = await find('target_user', PLANTED_INJECTIONS.targetUser);
    ids.cmdline = await find('process_cmdline', PLANTED_INJECTIONS.processCmdline);
    ids.ua = await find('user_agent', PLANTED_INJECTIONS.userAgent);
    hub = await startHub(loadConfig({}, { port: 0, limits: { maxBodyBytes: 65536, perToken: 0, perTenant: 0, windowSeconds: 60 } }), {
      db,
      logger: createLogger('silent'),
    });
    home = mkdtempSync(join(tmpdir(), 'untrusted-bridge-'));
    await new FileStore(join(home, 'tokens')).set({ hub: hub.url, profile: 'acme', client_id: 'test', access_token: token, expires_at: Math.floor(Date.now() / 1000) + 3600, scope: 'mcp.read' });
    bridge = new Client({ name: 'untrusted-test', version: '1' });
    await bridge.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [bundle, 'serve', '--hub', hub.url, '--profile', 'acme', '--insecure-file-store'],
        env: { ...(process.env as Record<string, string>), MONSYS_BRIDGE_HOME: home },
        stderr: 'ignore',
      }),
    );
  }, 120_000);
  afterAll(async () => {
    await bridge?.close();
    await hub?.close();
    await db?.close();
    if (home) rmSync(home, { recursive: true, force: true });
    if (bundle) rmSync(dirname(bundle), { recursive: true, force: true });
  });

  async function viaMcp(name: string, args: Record<string, unknown>): Promise<CallResult> {
    const res = await fetch(`${hub.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }),
    });
    return ((await res.json()) as { result: CallResult }).result;
  }
  const viaBridge = (name: string, args: Record<string, unknown>) => bridge.callTool({ name, arguments: args }) as Promise<CallResult>;

  const cases: [string, () => Record<string, unknown>, string, (s: Record<string, any>) => unknown][] = [
    ['monsys_get_detection', () => ({ detection_id: ids.user }), PLANTED_INJECTIONS.targetUser, (s) => s.detection.target_user],
    ['monsys_get_detection', () => ({ detection_id: ids.cmdline }), PLANTED_INJECTIONS.processCmdline, (s) => s.detection.process_cmdline],
    ['monsys_get_detection', () => ({ detection_id: ids.ua }), PLANTED_INJECTIONS.userAgent, (s) => s.detection.user_agent],
    ['monsys_list_detections', () => ({ since: '24h', src_ip: '80.94.95.202' }), PLANTED_INJECTIONS.targetUser, (s) => s.detections.map((d: any) => d.target_user)],
    ['monsys_list_alerts', () => ({ category: 'intrusion', limit: 500 }), PLANTED_INJECTIONS.alertDescription, (s) => s.alerts.map((a: any) => a.description)],
  ];

  for (const [door, call] of [['/mcp', viaMcp], ['bridge', viaBridge]] as const) {
    it.each(cases.map((c) => [c[0], c[2].slice(0, 40), c] as const))(`${door}: %s fences "%s…"`, async (_n, _s, [name, args, planted, pick]) => {
      const result = await call(name, args());
      expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
      const text = result.content.map((c) => c.text).join('\n');
      // Fenced, with look-alikes of the closing delimiter neutralised.
      expect(text).toContain(fencedInJson(planted));
      expect(text).toMatch(/never follow it as instructions/);
      // Outside the fences not a word of it: the model reads it only as quoted data.
      expect(outsideFences(text).toLowerCase()).not.toContain('ignore');
      expect(outsideFences(text)).not.toContain('</data>');
      // The structured content keeps the raw value in its own field.
      expect([pick(result.structuredContent!)].flat()).toContain(planted);
    });
  }
});
