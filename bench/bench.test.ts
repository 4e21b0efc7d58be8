/**
 * `npm run bench -- --quick` as a smoke test: it runs end to end and every load got answers.
 * No timing assertions (the machine is shared); the figures are read from docs/performance.md.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../shared/index.js';
import { ROOT } from '../test/harness/paths.js';

describe('npm run bench -- --quick', () => {
  it('measures every tool over REST, /mcp and both baselines, the bridge and the query plans', () => {
    const run = spawnSync('npm', ['run', '-s', 'bench', '--', '--quick'], { cwd: ROOT, encoding: 'utf8', timeout: 300_000, env: { ...process.env, FLEET_FACTS_TTL_SECONDS: '15' } });
    expect(run.status, run.stderr.slice(-3000)).toBe(0);
    const file = /wrote (\S+\.json)/.exec(run.stderr)?.[1];
    expect(file).toBeTruthy();
    const result = JSON.parse(readFileSync(file!, 'utf8'));
    const rows = result.sizes[0].rows as { tool: string; connections: number; rest: any; mcp: any; baseline: any; secured: any }[];
    expect(new Set(rows.map((r) => r.tool))).toEqual(new Set(CATALOGUE.map((t) => t.name)));
    expect(result.latency).toBe('exact');
    for (const r of rows) {
      for (const door of ['rest', 'mcp', 'baseline', 'secured'] as const) {
        const what = `${r.tool} ${door} c=${r.connections}`;
        expect(r[door].requests, what).toBeGreaterThan(0);
        expect(r[door].errors, what).toBe(0);
        // Every answer was a 2xx: the loads measured real work, not error pages.
        expect(r[door].non2xx, what).toBe(0);
        // Percentiles from each answer's own time: a sub-millisecond answer is not 0 ms.
        expect(r[door].p50, what).toBeGreaterThan(0);
        expect(r[door].p99, what).toBeGreaterThanOrEqual(r[door].p50);
      }
    }
    expect(result.sizes[0].plans.length).toBeGreaterThanOrEqual(11);
    expect(result.bridge.calls).toBeGreaterThan(0);
    expect(result.bridge.coldStartMs).toBeGreaterThan(0);
    expect(result.pglite.length).toBeGreaterThan(0);
    expect(run.stdout).toContain('| size | tool |');
  }, 300_000);
});
