/**
 * zod-jitless.ts: main.ts loads it before anything else, and then the SDK's protocol schemas parse the
 * first messages without generating code (`new Function`), which the code cache cannot hold.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => vi.unstubAllGlobals());

describe('zod without its JIT', () => {
  it('is the first import of main.ts', () => {
    const imports = [...readFileSync(new URL('./main.ts', import.meta.url), 'utf8').matchAll(/^import .*?'([^']+)';$/gm)].map((m) => m[1]);
    expect(imports[0]).toBe('./zod-jitless.js');
  });

  it('parses initialize and a tool call with the SDK schemas built after it, generating no code', async () => {
    await import('./zod-jitless.js');
    const { CallToolRequestSchema, InitializeRequestSchema, JSONRPCMessageSchema } = await import('@modelcontextprotocol/sdk/types.js');
    const generated = vi.fn();
    vi.stubGlobal('Function', new Proxy(Function, { construct: (target, args) => (generated(), Reflect.construct(target, args)) }));
    const init = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } };
    const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'monsys_kpi_summary', arguments: {} } };
    for (const m of [init, call]) JSONRPCMessageSchema.parse(m);
    InitializeRequestSchema.parse(init);
    CallToolRequestSchema.parse(call);
    expect(CallToolRequestSchema.safeParse({ ...call, params: { name: 5 } }).error?.issues[0]).toMatchObject({ code: 'invalid_type', path: ['params', 'name'] });
    expect(generated).not.toHaveBeenCalled();
  });
});
