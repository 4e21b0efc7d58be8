/**
 * The desktop bridge under faults and hostile input (issue #7), as it ships: the esbuild bundle,
 * spawned over stdio against a real hub process on PostgreSQL with the demo data. The token comes
 * from `hub token issue` and sits in the opt-in file store (`--insecure-file-store`), so no browser
 * or keychain is needed.
 *
 * - Hub faults: frozen (SIGSTOP: the bridge's `--timeout` bounds the call), killed with a call in
 *   flight, down, killed while a burst of calls runs; every call ends as a success or a clear
 *   `isError` tool result, the bridge stays up, and once a hub is back on the same port and the
 *   same database the next call succeeds.
 * - Stdin fuzz: raw lines (invalid JSON, wrong jsonrpc, batches, huge ids, unknown methods, wrong
 *   param types, very long lines, binary garbage), fixed and generated with fast-check: the bridge
 *   never exits, stdout carries only JSON-RPC lines, and it keeps answering.
 * - File scan: after `install --no-login` and a serving run with debug logging, no raw `mat_`/`mrt_`
 *   value in Claude's config, its backup, or the bridge's folder outside the token file (0600 in a
 *   0700 folder), and none on the bridge's stderr or in `status`.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../bridge/build.js';
import { tokenFileName } from '../bridge/src/names.js';
import { FileStore } from '../bridge/src/token-store.js';
import { DEMO_ACCOUNTS } from '../hub/src/seed/index.js';
import { CATALOGUE } from '../shared/index.js';
import { FormAgent, formOf } from './harness/browser.js';
import { spawnHub, type HubProcess } from './harness/hub.js';
import { ROOT } from './harness/paths.js';

const TIMEOUT_S = 2;
/** Rate limits off: the fuzz forwards hundreds of generated tool calls. */
const HUB_ENV = { MCP_RATE_LIMIT_PER_TOKEN: '0', MCP_RATE_LIMIT_PER_TENANT: '0' };
const TOKEN_RE = /m[ar]t_[A-Za-z0-9_-]{43}/g;

let bundle: string;
let hub: HubProcess;
let port: number;
let token: string;
let home: string;
const extraHubs: HubProcess[] = [];
const clients: Client[] = [];

beforeAll(async () => {
  [bundle, hub] = await Promise.all([
    buildBundle(join(ROOT, 'bridge/dist', `faults-${process.pid}`, 'monsys-bridge.mjs')),
    spawnHub({ before: [['seed']], env: HUB_ENV }),
  ]);
  port = Number(new URL(hub.url).port);
  token = (await hub.cli(['token', 'issue', '--tenant', 'acme', '--user', 'tech@yourmsp.com', '--scope', 'mcp.read', 'mcp.acknowledge'])).trim();
  expect(token).toMatch(/^mat_[A-Za-z0-9_-]{43}$/);
  home = mkdtempSync(join(tmpdir(), 'bridge-faults-'));
}, 180_000);

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  for (const h of extraHubs) await h.stop().catch(() => undefined);
  await hub?.stop();
  if (bundle) rmSync(dirname(bundle), { recursive: true, force: true });
  if (home) rmSync(home, { recursive: true, force: true });
});

/** The file store the bridge reads with --insecure-file-store, holding the CLI-issued token. */
async function storeToken(stateDir: string, profile: string): Promise<void> {
  await new FileStore(join(stateDir, 'tokens')).set({
    hub: hub.url,
    profile,
    client_id: 'faults-test',
    access_token: token,
    expires_at: Math.floor(Date.now() / 1000) + 86_400,
    scope: 'mcp.read mcp.acknowledge',
  });
}

const serveArgs = (profile: string) => [bundle, 'serve', '--hub', hub.url, '--profile', profile, '--insecure-file-store', '--timeout', String(TIMEOUT_S)];

const textOf = (r: CallToolResult) => (r.content as { type: string; text?: string }[]).map((c) => c.text ?? '').join('\n');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('hub faults seen through the bridge', () => {
  let client: Client;
  let transport: StdioClientTransport;
  let stderr = '';
  const kpi = { name: 'monsys_kpi_summary', arguments: {} };

  beforeAll(async () => {
    const stateDir = join(home, 'faults');
    await storeToken(stateDir, 'faults');
    transport = new StdioClientTransport({
      command: process.execPath,
      args: serveArgs('faults'),
      env: { ...(process.env as Record<string, string>), MONSYS_BRIDGE_HOME: stateDir },
      stderr: 'pipe',
    });
    transport.stderr!.on('data', (d) => (stderr += d));
    client = new Client({ name: 'bridge-faults', version: '1' });
    clients.push(client);
    await client.connect(transport);
  });

  /** A tool call timed from the client's side; every fault must still end in a tool result. */
  async function timedCall(call = kpi): Promise<{ result: CallToolResult; ms: number }> {
    const t = performance.now();
    const result = (await client.callTool(call)) as CallToolResult;
    return { result, ms: performance.now() - t };
  }

  function expectHubUnreachable(r: CallToolResult): void {
    expect(r.isError, textOf(r)).toBe(true);
    expect(textOf(r)).toMatch(/^Error \(hub_unreachable\): (Cannot reach|The monsys hub at) .*http:\/\/127\.0\.0\.1:\d+.*retry/i);
  }

  async function restartHub(): Promise<HubProcess> {
    const next = await spawnHub({ databaseUrl: hub.databaseUrl, port, env: HUB_ENV });
    extraHubs.push(next);
    expect(next.url).toBe(hub.url);
    return next;
  }

  it('answers a clear tool error within its time limit when the hub hangs, is killed mid-call or is down, and serves again once a hub is back', async () => {
    const pid = transport.pid!;
    const before = await timedCall();
    expect(before.result.isError, textOf(before.result)).toBeFalsy();
    expect(JSON.parse(textOf(before.result).slice(textOf(before.result).indexOf('{')))).toHaveProperty('tenant');

    // 1. Frozen hub: the TCP connection is accepted by the kernel, nothing answers; --timeout bounds the call.
    process.kill(hub.proc.pid!, 'SIGSTOP');
    const frozen = await timedCall();
    expectHubUnreachable(frozen.result);
    expect(textOf(frozen.result)).toContain(`did not answer within ${TIMEOUT_S} s`);
    expect(frozen.ms).toBeGreaterThanOrEqual(TIMEOUT_S * 1000 - 50);
    expect(frozen.ms).toBeLessThan(TIMEOUT_S * 1000 + 1500);

    // 2. Killed mid-call: a request sent and unanswered (the hub is still frozen) when SIGKILL lands.
    const inFlight = timedCall();
    await new Promise((r) => setTimeout(r, 300));
    const killedAt = performance.now();
    const exited = new Promise((r) => hub.proc.once('exit', r));
    process.kill(hub.proc.pid!, 'SIGKILL');
    await exited;
    const killed = await inFlight;
    expectHubUnreachable(killed.result);
    // The reset ends the call at once, well before the bridge's own time limit.
    expect(performance.now() - killedAt).toBeLessThan(TIMEOUT_S * 1000);

    // 3. Down: connection refused, answered at once.
    const down = await timedCall();
    expectHubUnreachable(down.result);
    expect(textOf(down.result)).toContain('ECONNREFUSED');
    expect(down.ms).toBeLessThan(1000);
    expect(alive(pid)).toBe(true);

    // 4. A hub back on the same port and database: the next call succeeds, same bridge process.
    const hub2 = await restartHub();
    const back = await timedCall();
    expect(back.result.isError, textOf(back.result)).toBeFalsy();
    expect(transport.pid).toBe(pid);

    // 5. Killed while a burst of calls runs through the bridge: each call is a success or a clear tool error.
    const calls = ['monsys_kpi_summary', 'monsys_list_agents', 'monsys_list_alerts', 'monsys_list_detections', 'monsys_trust_score']
      .flatMap((name) => Array.from({ length: 4 }, () => ({ name, arguments: {} })));
    let done = 0;
    const burst = Promise.all(calls.map((c) => timedCall(c).finally(() => done++)));
    // Kill as soon as the first answer is back: the rest are in flight (queued or running in the hub).
    while (done === 0) await new Promise((r) => setTimeout(r, 2));
    const exited2 = new Promise((r) => hub2.proc.once('exit', r));
    hub2.proc.kill('SIGKILL');
    await exited2;
    const results = await burst;
    let ok = 0;
    for (const { result, ms } of results) {
      expect(ms).toBeLessThan(TIMEOUT_S * 1000 + 1500);
      if (result.isError) expect(textOf(result)).toMatch(/^Error \((hub_unreachable|hub_error)\): /);
      else ok++;
    }
    const failed = results.length - ok;
    expect(ok).toBeGreaterThanOrEqual(1);
    expect(alive(pid)).toBe(true);

    const hub3 = await restartHub();
    const again = await timedCall({ name: 'monsys_list_agents', arguments: {} });
    expect(again.result.isError, textOf(again.result)).toBeFalsy();
    expect(transport.pid).toBe(pid);
    expect((await client.listTools()).tools).toHaveLength(CATALOGUE.length);

    // Nothing unexpected on the bridge's stderr (no stack, no "unexpected error"), and no token.
    expect(stderr).not.toMatch(/unexpected error|at .*\.mjs:\d+|Error:/);
    expect(stderr).not.toContain(token);
    // hub3 stays up on the hub's URL for the other tests (stopped in afterAll).
    console.log(`[bridge-faults] 5 hub fault scenarios (frozen, killed mid-call, down, restarted ×2, killed under a burst of ${results.length} calls: ${ok} answered, ${failed} clear tool errors)`);
  }, 60_000);
});

/** A bridge on raw pipes: every stdout line recorded, answers awaited by id. */
class RawBridge {
  readonly proc: ChildProcessWithoutNullStreams;
  readonly lines: string[] = [];
  stderr = '';
  private partial = '';
  private waiters = new Map<string, (m: Record<string, unknown>) => void>();

  constructor(args: string[], env: Record<string, string>) {
    this.proc = spawn(process.execPath, args, { env: { ...(process.env as Record<string, string>), ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stderr.on('data', (d) => (this.stderr += d));
    // A bridge that died must fail the test by name, not as an EPIPE from a later write.
    this.proc.stdin.on('error', () => undefined);
    this.proc.once('exit', (code, signal) => {
      for (const w of this.waiters.values()) w({ exited: { code, signal } });
      this.waiters.clear();
    });
    this.proc.stdout.on('data', (d: Buffer) => {
      const parts = (this.partial + d.toString('utf8')).split('\n');
      this.partial = parts.pop()!;
      for (const line of parts) {
        this.lines.push(line);
        try {
          const m = JSON.parse(line) as Record<string, unknown>;
          const w = this.waiters.get(JSON.stringify(m.id));
          if (w) {
            this.waiters.delete(JSON.stringify(m.id));
            w(m);
          }
        } catch {
          // Checked after the run: every line must parse.
        }
      }
    });
  }

  async write(data: string | Buffer): Promise<void> {
    if (!this.proc.stdin.write(data)) await new Promise((r) => this.proc.stdin.once('drain', r));
  }

  /** Sends a request and waits for the answer with its id. */
  request(id: string, method: string, params: object = {}, timeoutMs = 15_000): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${method} (${id}) in ${timeoutMs} ms; exit ${this.proc.exitCode}; stderr:\n${this.stderr.slice(-2000)}`)), timeoutMs);
      this.waiters.set(JSON.stringify(id), (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      void this.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
    });
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.stdin.end();
    await exited;
  }
}

/** A JSON-RPC 2.0 message as the MCP stdio transport allows on stdout: a response, an error or a notification. */
function isJsonRpcLine(line: string): boolean {
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return false;
  }
  if (!m || typeof m !== 'object' || Array.isArray(m) || m.jsonrpc !== '2.0') return false;
  if ('id' in m) {
    const idOk = typeof m.id === 'string' || (typeof m.id === 'number' && Number.isFinite(m.id));
    const e = m.error as { code?: unknown; message?: unknown } | undefined;
    return idOk && (('result' in m && typeof m.result === 'object' && m.result !== null) || (typeof e?.code === 'number' && typeof e.message === 'string'));
  }
  return typeof m.method === 'string';
}

const TOOL_NAMES = CATALOGUE.map((t) => t.name);
const METHODS = ['tools/list', 'tools/call', 'prompts/list', 'prompts/get', 'ping', 'initialize', 'resources/list', 'completion/complete', 'logging/setLevel', 'notifications/cancelled', 'notifications/initialized', '__proto__', 'constructor', 'toString', 'tools/call/', ''];

/** Fixed nasty inputs, each written as one or more lines. */
function fixedCases(): (string | Buffer)[] {
  const call = (params: unknown, id: unknown = 1) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params });
  return [
    '',
    '   ',
    '{',
    '}',
    'null',
    '[]',
    '[{}]',
    '"just a string"',
    '12345',
    'true',
    '{"jsonrpc":"2.0"}',
    '{"jsonrpc":"1.0","id":1,"method":"tools/list"}',
    '{"jsonrpc":2,"id":1,"method":"tools/list"}',
    '{"id":1,"method":"tools/list"}',
    '{"jsonrpc":"2.0","id":1}',
    '{"jsonrpc":"2.0","id":null,"method":"tools/list"}',
    '{"jsonrpc":"2.0","id":{},"method":"tools/list"}',
    '{"jsonrpc":"2.0","id":[1],"method":"tools/list"}',
    '{"jsonrpc":"2.0","id":1.5,"method":"tools/list"}',
    '{"jsonrpc":"2.0","id":1e400,"method":"tools/list"}',
    `{"jsonrpc":"2.0","id":${'9'.repeat(400)},"method":"tools/list"}`,
    '{"jsonrpc":"2.0","id":9007199254740993,"method":"ping"}',
    '{"jsonrpc":"2.0","id":-1,"method":"ping"}',
    JSON.stringify({ jsonrpc: '2.0', id: 'x'.repeat(100_000), method: 'ping' }),
    '{"jsonrpc":"2.0","id":2,"method":"no/such/method"}',
    '{"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":"file:///etc/passwd"}}',
    '{"jsonrpc":"2.0","id":4,"method":"tools/list","params":"not an object"}',
    '{"jsonrpc":"2.0","id":5,"method":"tools/list","params":[1,2,3]}',
    '{"jsonrpc":"2.0","id":6,"method":"tools/list","params":{"cursor":{"$gt":""}}}',
    call('monsys_kpi_summary', 7),
    call({ name: 42 }, 8),
    call({ name: 'monsys_kpi_summary', arguments: 'not an object' }, 9),
    call({ name: 'monsys_kpi_summary', arguments: [1, 2] }, 10),
    call({ name: 'no_such_tool', arguments: {} }, 11),
    call({ name: '__proto__', arguments: {} }, 12),
    call({ name: 'monsys_get_agent', arguments: { agent_id: "' OR 1=1 --" } }, 13),
    call({ name: 'monsys_get_agent', arguments: { agent_id: '../../v1/kpi-summary' } }, 14),
    call({ name: 'monsys_get_agent', arguments: { agent_id: null } }, 15),
    call({ name: 'monsys_list_agents', arguments: { __proto__: { admin: true }, tenant_id: 'other' } }, 16),
    call({ name: 'monsys_list_agents', arguments: { search: 'A'.repeat(200_000) } }, 17),
    call({ name: 'monsys_acknowledge_detection', arguments: { detection_id: 'nope', note: 'x'.repeat(1_000_000) } }, 18),
    JSON.stringify([{ jsonrpc: '2.0', id: 19, method: 'ping' }, { jsonrpc: '2.0', id: 20, method: 'tools/list' }]),
    JSON.stringify(Array.from({ length: 500 }, (_, i) => ({ jsonrpc: '2.0', id: 1000 + i, method: 'ping' }))),
    '{"jsonrpc":"2.0","id":21,"result":{}}',
    '{"jsonrpc":"2.0","id":22,"error":{"code":-1,"message":"x"}}',
    '{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7}}',
    '{"jsonrpc":"2.0","method":"notifications/cancelled","params":"x"}',
    '{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":"x"}}',
    '{"jsonrpc":"2.0","id":23,"method":"initialize","params":{"protocolVersion":"1999-01-01","capabilities":"x"}}',
    '{"jsonrpc":"2.0","id":24,"method":"prompts/get","params":{"name":"x".repeat(3)}}',
    '{"jsonrpc":"2.0","id":25,"method":"prompts/get","params":{"name":"constructor"}}',
    `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`,
    `${'['.repeat(100_000)}`,
    '{"jsonrpc":"2.0","id":26,"method":"ping"}\r',
    '\u0000\u0001\u0002{"jsonrpc":"2.0"}',
    '\ud800\udfff\ud800',
    '\u2028\u2029{"jsonrpc":"2.0","id":27,"method":"ping"}',
    '\ufeff{"jsonrpc":"2.0","id":28,"method":"ping"}',
    Buffer.from([0xff, 0xfe, 0xfd, 0x00, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x90, 0x28, 0xbc]),
    Buffer.alloc(64 * 1024, 0x00),
    'A'.repeat(1024 * 1024),
    JSON.stringify({ jsonrpc: '2.0', id: 29, method: 'ping', params: { pad: 'p'.repeat(5 * 1024 * 1024) } }),
    'B'.repeat(11 * 1024 * 1024),
  ];
}

/** Generated inputs: JSON-RPC-shaped messages with hostile fields, random JSON, random text and bytes. */
const hostileParams = fc.oneof(
  fc.record(
    {
      name: fc.oneof(fc.constantFrom(...TOOL_NAMES), fc.string({ maxLength: 30 }), fc.integer()),
      arguments: fc.oneof(fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }), fc.jsonValue({ maxDepth: 1 })),
      _meta: fc.jsonValue({ maxDepth: 1 }),
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue({ maxDepth: 3 }),
);

const fuzzLine: fc.Arbitrary<string | Buffer> = fc.oneof(
  // Well-formed requests with hostile methods and params: these reach the handlers (and the hub).
  {
    weight: 3,
    arbitrary: fc
      .record({ id: fc.oneof(fc.integer(), fc.string({ maxLength: 40 })), method: fc.constantFrom(...METHODS), params: hostileParams }, { requiredKeys: ['id', 'method'] })
      .map((m) => JSON.stringify({ jsonrpc: '2.0', ...m })),
  },
  fc
    .record(
      {
        jsonrpc: fc.oneof(fc.constant('2.0'), fc.constant('2.0'), fc.string(), fc.integer(), fc.constant(null)),
        id: fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 200 }), fc.constant(null), fc.constant(Number.MAX_SAFE_INTEGER), fc.array(fc.integer(), { maxLength: 3 })),
        method: fc.oneof(fc.constantFrom(...METHODS), fc.string({ maxLength: 40 })),
        params: hostileParams,
      },
      { requiredKeys: [] },
    )
    .map((m) => JSON.stringify(m)),
  fc.array(fc.record({ jsonrpc: fc.constant('2.0'), id: fc.integer(), method: fc.constantFrom(...METHODS) }), { minLength: 1, maxLength: 5 }).map((b) => JSON.stringify(b)),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
);

const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 300);

describe('stdin fuzz', () => {
  it('never exits, writes only JSON-RPC lines on stdout, and keeps answering', async () => {
    const stateDir = join(home, 'fuzz');
    await storeToken(stateDir, 'fuzz');
    const bridge = new RawBridge(serveArgs('fuzz'), { MONSYS_BRIDGE_HOME: stateDir });
    try {
      const init = await bridge.request('init', 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'fuzz', version: '1' } });
      expect(init.result).toHaveProperty('serverInfo');
      await bridge.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');

      const inputs: (string | Buffer)[] = [...fixedCases(), ...fc.sample(fuzzLine, { numRuns: FUZZ_RUNS, seed: 7007 })];
      let pings = 0;
      for (let i = 0; i < inputs.length; i++) {
        const input = inputs[i]!;
        await bridge.write(Buffer.isBuffer(input) ? Buffer.concat([input, Buffer.from('\n')]) : `${input}\n`);
        // Every 20 inputs (and after each large one) the bridge must still answer.
        if (i % 20 === 19 || input.length > 50_000) {
          const pong = await bridge.request(`ping-${pings++}`, 'ping');
          const what = `after input ${i}: ${JSON.stringify(Buffer.isBuffer(input) ? input.subarray(0, 80).toString('latin1') : input).slice(0, 100)}`;
          expect(pong, what).toMatchObject({ result: {} });
        }
      }
      const list = await bridge.request('final', 'tools/list');
      expect((list.result as { tools: unknown[] }).tools).toHaveLength(CATALOGUE.length);
      const call = await bridge.request('final-call', 'tools/call', { name: 'monsys_kpi_summary', arguments: {} });
      expect((call.result as CallToolResult).isError).toBeFalsy();
      // Let answers to forwarded calls arrive before the check.
      await new Promise((r) => setTimeout(r, 500));
      expect(bridge.proc.exitCode).toBeNull();
      expect(bridge.proc.signalCode).toBeNull();

      const bad = bridge.lines.filter((l) => !isJsonRpcLine(l));
      expect(bad.map((l) => l.slice(0, 200))).toEqual([]);
      const answers = bridge.lines.map((l) => JSON.parse(l) as { error?: { code: number }; result?: CallToolResult });
      const errors = answers.filter((a) => a.error).length;
      const toolErrors = answers.filter((a) => a.result?.isError).length;
      expect(bridge.stderr).not.toContain(token);
      // The two lines over the bridge's 4 MiB limit were dropped and reported; nothing else reached stderr.
      expect(bridge.stderr.trim().split('\n')).toEqual(['Ignored a message from the client longer than 4 MiB.', 'Ignored a message from the client longer than 4 MiB.']);
      console.log(
        `[bridge-faults] stdin fuzz: ${inputs.length} inputs (${inputs.length - FUZZ_RUNS} fixed, ${FUZZ_RUNS} generated) + ${pings} pings; ` +
          `${bridge.lines.length} stdout lines, all JSON-RPC (${errors} JSON-RPC errors, ${toolErrors} isError tool results); bridge alive`,
      );
    } finally {
      await bridge.stop();
    }
  }, 60_000);
});

/** Runs a bridge command to completion. */
function runBridge(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [bundle, ...args], { env: { ...(process.env as Record<string, string>), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.once('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/**
 * A real OAuth pair (mat_ + mrt_) for the demo technician in acme, through the hub's own pages
 * (plain HTTP with the harness's cookie jar), so that the bridge has a refresh token to rotate.
 */
async function oauthPair(): Promise<{ client_id: string; access_token: string; refresh_token: string; scope: string }> {
  const redirectUri = 'http://127.0.0.1:9/cb';
  const reg = await fetch(`${hub.url}/mcp/oauth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_name: 'scan', redirect_uris: [redirectUri] }) });
  const clientId = ((await reg.json()) as { client_id: string }).client_id;
  const verifier = randomBytes(32).toString('base64url');
  // For the REST API, the bridge's door (and the resource its refresh asks for).
  const q = new URLSearchParams({ client_id: clientId, redirect_uri: redirectUri, response_type: 'code', state: 's', code_challenge_method: 'S256', code_challenge: createHash('sha256').update(verifier).digest('base64url'), resource: `${hub.url}/v1` });
  const agent = new FormAgent(hub.url);
  let page = await agent.go(`/mcp/oauth/authorize?${q}`);
  const login = formOf(page.html);
  const demo = DEMO_ACCOUNTS.find((a) => a.tenants.includes('acme'))!;
  page = await agent.go(login.action, { form: { ...login.fields, email: demo.email, password: demo.password } });
  const consent = formOf(page.html);
  const acme = /name="tenant" value="([^"]+)"[^>]*> Acme/i.exec(page.html)?.[1];
  expect(acme, 'acme on the consent page').toBeTruthy();
  page = await agent.go(consent.action, { form: { ...consent.fields, tenant: acme!, action: 'approve' } });
  const code = page.location?.searchParams.get('code');
  expect(code, 'authorization code').toBeTruthy();
  const res = await fetch(`${hub.url}/mcp/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: code!, redirect_uri: redirectUri, client_id: clientId, code_verifier: verifier }),
  });
  const t = (await res.json()) as { access_token: string; refresh_token: string; scope: string };
  expect(t.refresh_token).toMatch(/^mrt_/);
  return { client_id: clientId, ...t };
}

/** Every file under `dir`, with its text (latin1: any byte sequence is searchable). */
function filesUnder(dir: string): { path: string; text: string }[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .map((path) => ({ path, text: readFileSync(path, 'latin1') }));
}

describe("the bridge's files and logs", () => {
  it('keep raw tokens only in the explicit file store (0600 in a 0700 folder): not in Claude\u2019s config, state or stderr', async () => {
    const base = join(home, 'scan');
    const stateDir = join(base, 'bridge-state');
    const configPath = join(base, 'Claude', 'claude_desktop_config.json');
    mkdirSync(dirname(configPath), { recursive: true });
    writeFileSync(configPath, JSON.stringify({ mcpServers: { other: { command: 'other-server', args: ['--x'] } }, globalShortcut: 'Ctrl+Space' }, null, 2));
    const env = { MONSYS_BRIDGE_HOME: stateDir, MONSYS_BRIDGE_DEBUG: '1' };
    const logs: string[] = [];

    // install --no-login: only the config entry, pointing at the file store.
    const install = await runBridge(['install', '--no-login', '--insecure-file-store', '--config', configPath, '--hub', hub.url, '--profile', 'scan'], env);
    expect(install.code, install.stderr).toBe(0);
    logs.push(install.stdout, install.stderr);
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as { mcpServers: Record<string, { command: string; args: string[]; env?: Record<string, string> }> };
    const entry = config.mcpServers['monsys-scan']!;
    expect(entry.args).toEqual(expect.arrayContaining(['serve', '--insecure-file-store', '--profile', 'scan']));
    expect(config.mcpServers.other).toEqual({ command: 'other-server', args: ['--x'] });

    // A signed-in state without a browser: a real OAuth pair, already expired, so the bridge's first call refreshes
    // it and writes the rotated pair through its own file store.
    const first = await oauthPair();
    await new FileStore(join(stateDir, 'tokens')).set({ hub: hub.url, profile: 'scan', ...first, expires_at: Math.floor(Date.now() / 1000) - 10 });

    const transport = new StdioClientTransport({ command: entry.command, args: entry.args, env: { ...(process.env as Record<string, string>), ...entry.env, MONSYS_BRIDGE_DEBUG: '1' }, stderr: 'pipe' });
    let serveErr = '';
    transport.stderr!.on('data', (d) => (serveErr += d));
    const client = new Client({ name: 'bridge-scan', version: '1' });
    clients.push(client);
    await client.connect(transport);
    let calls = 0;
    for (const tool of CATALOGUE) {
      await client.callTool({ name: tool.name, arguments: {} });
      calls++;
    }
    const bad = (await client.callTool({ name: 'monsys_get_agent', arguments: { agent_id: '00000000-0000-4000-8000-000000000000' } })) as CallToolResult;
    expect(bad.isError).toBe(true);
    calls++;
    await client.close();
    expect(serveErr).toContain('access token refreshed');
    logs.push(serveErr);

    const status = await runBridge(['status', '--insecure-file-store', '--hub', hub.url, '--profile', 'scan'], env);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/signed in\s+yes/);
    logs.push(status.stdout, status.stderr);

    const tokenFile = join(stateDir, 'tokens', tokenFileName(hub.url, 'scan'));
    const stored = JSON.parse(readFileSync(tokenFile, 'utf8')) as { access_token: string; refresh_token: string };
    expect(stored.access_token).not.toBe(first.access_token);
    expect(stored.refresh_token).not.toBe(first.refresh_token);
    const secrets = [first.access_token, first.refresh_token, stored.access_token, stored.refresh_token, token];

    // Every file under Claude's folder and the bridge's: token-shaped values only in the token file, and only the current pair.
    const files = filesUnder(base);
    expect(files.map((f) => f.path)).toEqual(expect.arrayContaining([configPath, tokenFile]));
    expect(files.filter((f) => f.path.endsWith('.tmp')).map((f) => f.path)).toEqual([]);
    const found = files.flatMap((f) => [...f.text.matchAll(TOKEN_RE)].map((m) => ({ path: f.path, value: m[0] })));
    expect(found).toEqual(expect.arrayContaining([{ path: tokenFile, value: stored.access_token }, { path: tokenFile, value: stored.refresh_token }]));
    expect(found.filter((f) => f.path !== tokenFile)).toEqual([]);
    expect(found).toHaveLength(2);
    for (const f of files) for (const s of [first.access_token, first.refresh_token, token]) expect(f.text.includes(s), f.path).toBe(false);

    // Permissions of the explicit file store.
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(tokenFile)).mode & 0o777).toBe(0o700);
    expect(statSync(configPath).mode & 0o077).toBe(0);

    // Logs (debug on): no token, no token-shaped value.
    const allLogs = logs.join('\n');
    expect(allLogs.match(TOKEN_RE)).toBeNull();
    for (const s of secrets) expect(allLogs.includes(s)).toBe(false);
    console.log(`[bridge-faults] file scan: ${files.length} files, ${calls} tool calls with debug logging, 1 refresh; ${secrets.length} secrets searched in files and ${allLogs.length} bytes of output: only the token file holds tokens`);
  }, 60_000);
});
