/** The catalogue as a whole: what every door relies on. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CATALOGUE, SCOPES, DATA_KINDS } from './index.js';
import { fieldsOf } from './fields.js';
import { verifies } from '../test/harness/verifies.js';

/** The product page's tool table, in our words (docs/requirements.md). */
const REQUIREMENTS = join(import.meta.dirname, '..', 'docs', 'requirements.md');

describe('tool catalogue', () => {
  it('has exactly the tools of the product page, each on the scope it names', () => {
    const doc = readFileSync(REQUIREMENTS, 'utf8');
    const table = doc.slice(doc.indexOf('<!-- tools:requirements:start -->'), doc.indexOf('<!-- tools:requirements:end -->'));
    const rows = [...table.matchAll(/^\| TOOL-\d+ \| `([a-z_]+)` \| [^|]+ \| `([a-z.]+)` \|$/gm)].map((m) => [m[1], m[2]]);
    expect(rows).toHaveLength(12);
    expect(CATALOGUE.map((t) => [t.name, t.scope]).sort()).toEqual(rows.sort());
  });

  it('declares each tool in a file named after it', () => {
    const files = readdirSync(join(import.meta.dirname, 'tools')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    expect(files.sort()).toEqual(CATALOGUE.map((t) => `${t.name.replace(/^monsys_/, '').replace(/_/g, '-')}.ts`).sort());
  });

  it('has exactly one write tool: acknowledge, reversible (not destructive), idempotent, on its own scope', () => {
    verifies('SAFE-1');
    const writers = CATALOGUE.filter((t) => !t.readOnly);
    expect(writers.map((t) => t.name)).toEqual(['monsys_acknowledge_detection']);
    const ack = writers[0]!;
    expect(ack.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: true });
    expect(ack.scope).toBe('mcp.acknowledge');
    expect(ack.route.method).toBe('POST');
  });

  it('marks every other tool read-only on mcp.read with a GET route, and none destructive', () => {
    for (const t of CATALOGUE.filter((t) => t.readOnly)) {
      expect(t.annotations.readOnlyHint, t.name).toBe(true);
      expect(t.scope, t.name).toBe('mcp.read');
      expect(t.route.method, t.name).toBe('GET');
    }
    for (const t of CATALOGUE) expect(t.annotations.destructiveHint).toBe(false);
  });

  it('offers no destructive action (isolation, kernel update, user lock)', () => {
    verifies('SAFE-2');
    for (const t of CATALOGUE) expect(`${t.name} ${t.description}`).not.toMatch(/isolate|lock user|user lock|reboot|kernel update|execute/i);
  });

  it('writes descriptions for a model: 80 to 600 characters, saying what comes back', () => {
    for (const t of CATALOGUE) {
      expect(t.description.length, t.name).toBeGreaterThanOrEqual(80);
      expect(t.description.length, t.name).toBeLessThanOrEqual(600);
      expect(t.title.length, t.name).toBeLessThanOrEqual(40);
    }
  });

  it('has input and output schemas that convert to JSON Schema objects', () => {
    for (const t of CATALOGUE) {
      const input = z.toJSONSchema(t.input, { io: 'input' }) as { type: string };
      const output = z.toJSONSchema(t.output) as { type: string };
      expect(input.type, t.name).toBe('object');
      expect(output.type, t.name).toBe('object');
    }
  });

  it('fills every route parameter from an input field of the same name', () => {
    for (const t of CATALOGUE) {
      const params = [...t.route.path.matchAll(/:([a-z_]+)/g)].map((m) => m[1]!);
      for (const p of params) expect(Object.keys(t.input.shape), t.name).toContain(p);
      expect(t.route.path).toMatch(/^\/v1\//);
    }
    expect(new Set(CATALOGUE.map((t) => `${t.route.method} ${t.route.path}`)).size).toBe(12);
  });

  it('uses only known scopes and data kinds', () => {
    for (const t of CATALOGUE) {
      expect(Object.keys(SCOPES)).toContain(t.scope);
      for (const k of t.dataFlow) expect(Object.keys(DATA_KINDS)).toContain(k);
      expect(t.dataFlow.length, t.name).toBeGreaterThan(0);
    }
  });

  it('tags every output field with the kind of data it carries to the model', () => {
    for (const t of CATALOGUE) {
      const untagged = fieldsOf(t.output).filter((f) => !f.tag);
      expect(untagged.map((f) => `${t.name}: ${f.path}`)).toEqual([]);
    }
  });

  it('marks attacker-controlled text as untrusted', () => {
    const untrusted = new Set(CATALOGUE.flatMap((t) => t.untrustedFields.map((f) => `${t.name}:${f}`)));
    for (const f of ['monsys_get_detection:detection.process_cmdline', 'monsys_get_detection:detection.user_agent', 'monsys_list_detections:detections[].target_user', 'monsys_get_detection:related_auth_events[].username']) {
      expect(untrusted.has(f), f).toBe(true);
    }
  });

  it('names untrusted fields that exist in the output schema', () => {
    for (const t of CATALOGUE) {
      const schema = JSON.stringify(z.toJSONSchema(t.output));
      for (const f of t.untrustedFields) {
        const leaf = f.split('.').pop()!.replace('[]', '');
        expect(schema, `${t.name}: ${f}`).toContain(`"${leaf}"`);
      }
    }
  });
});
