/**
 * "No agent-side data: the connector reads the hub DB, not host resources." Every tool's service, and
 * everything it imports, may reach the hub's database and nothing else: no network client, no child
 * process, no file system. Checked over the import graph of the services, so a new service that
 * reaches out to a monitored host fails here.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifies } from '../../../test/harness/verifies.js';

const FORBIDDEN = /^(node:)?(net|http|https|http2|dgram|tls|dns|child_process|fs|fs\/promises|worker_threads)$|^(undici|pg|@electric-sql\/pglite|open)$/;
const SERVICES = join(import.meta.dirname, 'index.ts');

/** Every module the services reach, with the bare (package or node:) imports of each. */
function importGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const todo = [entry];
  while (todo.length) {
    const file = todo.pop()!;
    if (graph.has(file)) continue;
    const source = readFileSync(file, 'utf8');
    const bare: string[] = [];
    for (const m of source.matchAll(/^\s*import\s+(?!type\b)[^'"]*?['"]([^'"]+)['"]/gm)) {
      const spec = m[1]!;
      if (spec.startsWith('.')) todo.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else bare.push(spec);
    }
    graph.set(file, bare);
  }
  return graph;
}

describe('the tools read the hub’s database only', () => {
  it('no service module, nor anything it imports, opens a network connection, a process or a file', () => {
    verifies('PRIV-1');
    const graph = importGraph(SERVICES);
    expect(graph.size).toBeGreaterThan(10);
    const reaching = [...graph].flatMap(([file, specs]) => specs.filter((s) => FORBIDDEN.test(s)).map((s) => `${file.replace(/^.*\/hub\/src\//, 'hub/src/')}: ${s}`));
    expect(reaching).toEqual([]);
  });
});
