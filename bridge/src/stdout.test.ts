/**
 * Stdout discipline: under `serve`, stdout carries JSON-RPC only (MCP stdio transport), so no module
 * that `serve` loads may print there. The module list is derived from the imports, not kept by hand.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(SRC, '..', '..');

/** Our own modules reachable from `entry` through relative imports (static and dynamic). */
function reachable(entry: string): string[] {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const code = readFileSync(file, 'utf8');
    for (const m of code.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
      queue.push(resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')));
    }
  }
  return [...seen].map((f) => relative(ROOT, f)).sort();
}

const PRINTS = /console\.(log|info|debug|table|dir)\s*\(|process\.stdout\.write|process\.stdout\b/;

describe('serve writes nothing but JSON-RPC to stdout', () => {
  // The shipped file starts in the launcher, which runs main.ts (build.ts).
  const modules = [...new Set([...reachable(join(SRC, 'launcher.ts')), ...reachable(join(SRC, 'main.ts'))])];

  it('finds the server code through the imports', () => {
    expect(modules).toEqual(
      expect.arrayContaining(['bridge/src/launcher.ts', 'bridge/src/code-cache.ts', 'bridge/src/cli/serve.ts', 'bridge/src/server.ts', 'bridge/src/hub-client.ts', 'bridge/src/session.ts', 'shared/index.ts']),
    );
  });

  // `status` and `doctor` answer on stdout; they are never loaded by `serve` (checked below).
  const ANSWERS = ['bridge/src/cli/status.ts', 'bridge/src/cli/doctor.ts'];
  it.each(modules.filter((m) => !ANSWERS.includes(m)))('%s has no console.log or stdout write', (m) => {
    const code = readFileSync(join(ROOT, m), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    expect(code).not.toMatch(PRINTS);
  });

  it('only `status` and `doctor` print to stdout, and serve does not load them as a side effect', () => {
    expect(readFileSync(join(SRC, 'cli/status.ts'), 'utf8')).toMatch(/process\.stdout\.write/);
    expect(reachable(join(SRC, 'cli/serve.ts'))).not.toContain('bridge/src/cli/status.ts');
    expect(reachable(join(SRC, 'cli/serve.ts'))).not.toContain('bridge/src/cli/doctor.ts');
  });
});
