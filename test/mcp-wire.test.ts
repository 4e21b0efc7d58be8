/**
 * The remote MCP endpoint's error replies, checked against the specification's own JSON schemas
 * (test/fixtures/mcp-schema/, as published), on a real hub process: the unsupported-version error
 * keeps the request id, a missing `_meta` envelope is invalid params (not a header mismatch), a
 * notification needs a matching `Mcp-Method`, and an error with no request id to answer leaves `id`
 * out (the schemas allow only a string or an integer there).
 * @see MCP spec 2026-07-28 basic/transports/streamable-http, basic/versioning; schema.ts JSONRPCErrorResponse
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnHub, type HubProcess } from './harness/hub.js';
import { ROOT } from './harness/paths.js';

const REVISIONS = ['2025-11-25', '2026-07-28'] as const;
type Revision = (typeof REVISIONS)[number];
const VERSION_KEY = 'io.modelcontextprotocol/protocolVersion';
const CAPS_KEY = 'io.modelcontextprotocol/clientCapabilities';

const ajv = new Ajv2020({ strict: false, allErrors: true });
for (const r of REVISIONS) ajv.addSchema(JSON.parse(readFileSync(join(ROOT, 'test/fixtures/mcp-schema', `${r}.json`), 'utf8')), r);
const schema = (revision: Revision, def: string): ValidateFunction => ajv.getSchema(`${revision}#/$defs/${def}`)!;

/** Asserts that `body` is valid as the named definition of a revision's schema. */
function expectValid(revision: Revision, def: string, body: unknown): void {
  const validate = schema(revision, def);
  expect(validate, `${revision} defines ${def}`).toBeTypeOf('function');
  const ok = validate(body);
  expect(ok, `${def} (${revision}): ${JSON.stringify(validate.errors)} in ${JSON.stringify(body)}`).toBe(true);
}

let hub: HubProcess;
let token: string;

beforeAll(async () => {
  hub = await spawnHub({
    before: [
      ['tenant', 'create', 'wire', 'Wire Test'],
      ['tenant', 'enable', 'wire'],
      ['user', 'add', 'w@wire.example', '--tenant', 'wire', '--role', 'analyst'],
    ],
  });
  token = (await hub.cli(['token', 'issue', '--tenant', 'wire', '--user', 'w@wire.example'])).trim();
}, 90_000);
afterAll(async () => {
  await hub?.stop();
});

async function post(body: unknown, headers: Record<string, string | undefined> = {}) {
  const h: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}` };
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) delete h[k];
    else h[k] = v;
  }
  const res = await fetch(`${hub.url}/mcp`, { method: 'POST', headers: h, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

const modernHeaders = (method: string) => ({ 'mcp-protocol-version': '2026-07-28', 'mcp-method': method });
const envelope = { [VERSION_KEY]: '2026-07-28', [CAPS_KEY]: {} };

describe('2026-07-28 error replies, validated against the specification schema', () => {
  it('keeps the request id on the unsupported-version error', async () => {
    const r = await post({ jsonrpc: '2.0', id: 301, method: 'tools/list', params: { _meta: { ...envelope, [VERSION_KEY]: '2099-01-01' } } }, { 'mcp-protocol-version': '2099-01-01', 'mcp-method': 'tools/list' });
    expect(r.status).toBe(400);
    expect(r.json.id).toBe(301);
    expectValid('2026-07-28', 'UnsupportedProtocolVersionError', r.json);
    const s = await post({ jsonrpc: '2.0', id: 'req-7', method: 'tools/list' }, { 'mcp-protocol-version': '1999-01-01' });
    expect(s.json.id).toBe('req-7');
    expectValid('2026-07-28', 'UnsupportedProtocolVersionError', s.json);
  });

  it('answers a request without the _meta envelope, or without its protocol version, with invalid params (-32602), before comparing headers', async () => {
    const cases = [
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} },
      { jsonrpc: '2.0', id: 3, method: 'tools/list', params: { _meta: { [CAPS_KEY]: {} } } },
      { jsonrpc: '2.0', id: 4, method: 'tools/list', params: { _meta: { [VERSION_KEY]: 20260728, [CAPS_KEY]: {} } } },
    ];
    for (const body of cases) {
      const r = await post(body, modernHeaders('tools/list'));
      expect([r.status, r.json.id, r.json.error.code], JSON.stringify(body)).toEqual([400, body.id, -32602]);
      expectValid('2026-07-28', 'JSONRPCErrorResponse', r.json);
      expectValid('2026-07-28', 'InvalidParamsError', r.json.error);
    }
    // With the envelope present, a version that differs from the header is the header mismatch.
    const m = await post({ jsonrpc: '2.0', id: 5, method: 'tools/list', params: { _meta: { ...envelope, [VERSION_KEY]: '2025-11-25' } } }, modernHeaders('tools/list'));
    expect([m.status, m.json.id]).toEqual([400, 5]);
    expectValid('2026-07-28', 'HeaderMismatchError', m.json);
  });

  it('requires Mcp-Method on notifications too: missing or mismatched is a 400 header mismatch, matching is 202', async () => {
    const note = { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1, _meta: envelope } };
    const missing = await post(note, { 'mcp-protocol-version': '2026-07-28' });
    expect(missing.status).toBe(400);
    expect(missing.json).not.toHaveProperty('id');
    expectValid('2026-07-28', 'HeaderMismatchError', missing.json);
    const wrong = await post(note, modernHeaders('notifications/progress'));
    expect(wrong.status).toBe(400);
    expectValid('2026-07-28', 'HeaderMismatchError', wrong.json);
    const right = await post(note, modernHeaders('notifications/cancelled'));
    expect([right.status, right.json]).toEqual([202, undefined]);
  });

  it('leaves id out of errors that answer no identifiable request (never "id": null)', async () => {
    const replies = [
      await post('{"jsonrpc":"2.0","id":1,', modernHeaders('tools/list')),
      await post({ jsonrpc: '2.0', id: null, method: 'tools/list', params: { _meta: envelope } }, modernHeaders('tools/list')),
      await post({ jsonrpc: '2.0', id: 1.5, method: 'tools/list', params: { _meta: envelope } }, modernHeaders('tools/list')),
      await post({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: envelope } }, { ...modernHeaders('tools/list'), authorization: undefined }),
      await post({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: envelope } }, { ...modernHeaders('tools/list'), authorization: 'Bearer mat_nope' }),
      await post([1, 2], modernHeaders('tools/list')),
    ];
    for (const r of replies) {
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.json).not.toHaveProperty('id');
      expectValid('2026-07-28', 'JSONRPCErrorResponse', r.json);
    }
  });

  it('also answers 2025-11-25 errors within that revision’s schema', async () => {
    const noToken = await post({ jsonrpc: '2.0', id: 1, method: 'tools/list' }, { authorization: undefined, 'mcp-protocol-version': '2025-11-25' });
    expect(noToken.status).toBe(401);
    expectValid('2025-11-25', 'JSONRPCErrorResponse', noToken.json);
    const bad = await post('{', { 'mcp-protocol-version': '2025-11-25' });
    expect(bad.status).toBe(400);
    expectValid('2025-11-25', 'JSONRPCErrorResponse', bad.json);
    const scope = await fetch(`${hub.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${(await hub.cli(['token', 'issue', '--tenant', 'wire', '--user', 'w@wire.example', '--scope', 'mcp.read'])).trim()}`, 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 44, method: 'tools/call', params: { name: 'monsys_acknowledge_detection', arguments: { detection_id: '00000000-0000-4000-8000-000000000000' } } }),
    });
    const body = await scope.json();
    expect([scope.status, body.id]).toEqual([403, 44]);
    expectValid('2025-11-25', 'JSONRPCErrorResponse', body);
  });
});
