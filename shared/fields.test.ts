import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fieldsOf, mapFields, tagged } from './fields.js';
import { Hostname, Ip, QuotedText } from './schemas.js';

describe('field tags', () => {
  const schema = z.object({
    host: Hostname,
    ips: z.array(Ip),
    nested: z.object({ note: QuotedText.nullable().describe('a note') }),
    count: z.number(),
    free: z.string(),
  });

  it('lists every leaf with its tag, looking through wrappers, and leaves untagged strings undefined', () => {
    const f = Object.fromEntries(fieldsOf(schema).map((x) => [x.path, x.tag]));
    expect(f.host).toEqual({ kind: 'hostname' });
    expect(f['ips[]']).toEqual({ kind: 'ip' });
    expect(f['nested.note']).toEqual({ kind: 'alert_text', untrusted: true });
    expect(f.count).toEqual({ kind: 'metric' });
    expect(f.free).toBeUndefined();
  });

  it('maps tagged leaves and copies the rest', () => {
    const value = { host: 'web-01', ips: ['10.0.0.1', '10.0.0.2'], nested: { note: null }, count: 3, free: 'x' };
    const out = mapFields(schema, value, (tag, leaf) => (tag.kind === 'ip' || tag.kind === 'hostname' ? `<${tag.kind}>` : leaf));
    expect(out).toEqual({ host: '<hostname>', ips: ['<ip>', '<ip>'], nested: { note: null }, count: 3, free: 'x' });
    expect(value.host).toBe('web-01');
  });

  it('keeps tags out of the JSON Schema clients see', () => {
    const s = tagged(z.string(), { kind: 'email' });
    expect(JSON.stringify(z.toJSONSchema(z.object({ s })))).not.toContain('email');
  });
});
