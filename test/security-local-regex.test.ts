/**
 * Every regular expression in the hub's and the catalogue's code runs in linear time on any input:
 * the literals are found by parsing the sources (so a new one is checked without being listed
 * here), and fast-check feeds each adversarial strings of 100 KB built from the characters the
 * pattern cares about (long repeats across character-class boundaries, with a tail that makes the
 * match fail late). A backtracking pattern such as the old e-mail one takes seconds on these; a
 * linear one a millisecond or so. The patterns built at run time (pseudonymisation's dictionary)
 * and zod's formats applied to ingest and tool input are checked the same way.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Pseudonymizer } from '../hub/src/privacy/pseudonymize.js';
import { ROOT } from './harness/paths.js';

const SIZE = 100_000;
const BUDGET_MS = 50;

interface Literal {
  where: string;
  re: RegExp;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Every regular expression literal in the code, with where it is. */
function regexLiterals(): Literal[] {
  const found: Literal[] = [];
  for (const file of [...sources(join(ROOT, 'hub/src')), ...sources(join(ROOT, 'shared'))]) {
    const text = readFileSync(file, 'utf8');
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node) => {
      if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
        const literal = node.getText(sf);
        const end = literal.lastIndexOf('/');
        const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
        found.push({ where: `${relative(ROOT, file)}:${line + 1} ${literal}`, re: new RegExp(literal.slice(1, end), literal.slice(end + 1)) });
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return found;
}

const BASE = ['a', 'Z', '0', '9', '.', '-', '_', '@', ':', '/', ' ', '\t', '\n', '<', '>', '=', ';', '%', '"', "'", '\\', '\u00e9', '\u0000', '\u200b', '\u{e0041}'];

/** The characters a pattern mentions, plus a sample for each shorthand class, plus the base set. */
function alphabetOf(re: RegExp): string[] {
  const chars = new Set(BASE);
  for (const c of re.source.replace(/\\[dDwWsSbB]/g, '')) if (c >= ' ' && c <= '~') chars.add(c);
  return [...chars];
}

/** The literal text an anchored pattern must start with, so the adversarial part gets reached. */
function anchoredPrefix(re: RegExp): string {
  const m = /^\^((?:\\.|[A-Za-z0-9 _\-/=:,])*)/.exec(re.source);
  return m ? m[1]!.replace(/\\(.)/g, '$1') : '';
}

/** Scans the whole input (every match, as a global replace does), returning the milliseconds it took. */
function scan(re: RegExp, input: string): number {
  const all = new RegExp(re.source, re.flags.replace('y', '').replace('g', '') + 'g');
  const t = performance.now();
  input.replace(all, '');
  return performance.now() - t;
}

/** A second timing when the first is over budget, so a GC pause is not mistaken for backtracking. */
const timed = (run: () => number) => {
  const first = run();
  return first < BUDGET_MS ? first : Math.min(first, run());
};

function adversarial(alphabet: string[], prefix: string, size = SIZE) {
  return fc
    .tuple(fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 4 }), fc.constantFrom('', ...alphabet))
    .map(([piece, tail]) => {
      const unit = piece.join('');
      return prefix + unit.repeat(Math.ceil(size / unit.length)).slice(0, size) + tail;
    });
}

function assertLinear(label: string, re: RegExp, size = SIZE): void {
  const result = fc.check(
    fc.property(adversarial(alphabetOf(re), anchoredPrefix(re), size), (input) => {
      const ms = timed(() => scan(re, input));
      if (ms >= BUDGET_MS) throw new Error(`${label}: ${ms.toFixed(0)} ms on ${JSON.stringify(input.slice(0, 40))}… (${input.length} chars)`);
    }),
    // No shrinking: each try of a slow pattern costs seconds, and the first counterexample says enough.
    { numRuns: 40, seed: 17, endOnFailure: true },
  );
  if (result.failed) throw new Error((result.errorInstance as Error)?.message ?? `${label}: failed`);
}

describe('regular expressions on outside text run in linear time', () => {
  const literals = regexLiterals();

  it('finds the patterns in the sources', () => {
    expect(literals.length).toBeGreaterThan(40);
    expect(literals.some((l) => l.where.startsWith('hub/src/privacy/pseudonymize.ts'))).toBe(true);
    expect(literals.some((l) => l.where.startsWith('shared/render.ts'))).toBe(true);
  });

  it('catches a backtracking pattern (the e-mail pattern pseudonymisation used before)', () => {
    // A fifth of the size is enough: quadratic time is still several times the budget.
    expect(() => assertLinear('old e-mail', /\b[^\s@"'<>]+@[^\s@"'<>]+\.[a-z]{2,}\b/gi, SIZE / 5)).toThrow(/old e-mail: \d+ ms on/);
  }, 120_000);

  it('every literal in hub/src and shared/ scans 100 KB of adversarial text within 50 ms', () => {
    for (const l of literals) assertLinear(l.where, l.re);
  }, 300_000);

  it('zod formats applied to ingest and tool input', () => {
    const formats: [string, z.ZodType][] = [
      ['uuid', z.uuid()],
      ['ipv4', z.ipv4()],
      ['ipv6', z.ipv6()],
      ['iso datetime', z.iso.datetime({ offset: true })],
      ['email', z.email()],
    ];
    for (const [name, schema] of formats) {
      fc.assert(
        fc.property(adversarial([...BASE, 'f', 'T', '+', 'Z'], ''), (input) => {
          const ms = timed(() => {
            const t = performance.now();
            schema.safeParse(input);
            return performance.now() - t;
          });
          if (ms >= BUDGET_MS) throw new Error(`zod ${name}: ${ms.toFixed(0)} ms`);
        }),
        { numRuns: 30, seed: 17 },
      );
    }
  }, 120_000);

  it('pseudonymisation’s dictionary pattern, with hostnames an attacker reported', async () => {
    const evil = Array.from({ length: 300 }, (_, i) => ({ hostname: `${'a.'.repeat(100)}x${i}`, ip: `10.0.${i >> 8}.${i & 255}` }));
    const db = {
      query: async (sql: string) => (sql.includes('pseudonym_key') ? { rows: [{ pseudonym_key: Buffer.alloc(32, 1) }], rowCount: 1 } : { rows: evil, rowCount: evil.length }),
    };
    const p = await Pseudonymizer.forTenant(db as never, 't');
    for (const text of ['a.'.repeat(SIZE / 2), 'a@'.repeat(SIZE / 2), `${'x'.repeat(SIZE)}@`, 'a:'.repeat(SIZE / 2), '1.'.repeat(SIZE / 2)]) {
      const t = performance.now();
      p.scrub(text);
      // Replacing 50 000 addresses shaped like IPs mints as many HMACs: a budget per output, not per pattern.
      expect(performance.now() - t, JSON.stringify(text.slice(0, 10))).toBeLessThan(500);
    }
  }, 60_000);
});
