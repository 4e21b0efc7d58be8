/**
 * The requirements gate: after a run of the whole suite, every requirement of docs/requirements.md must
 * have a passing test that verifies it (`verifies()`), and the trace written in the document must be
 * exactly what the run saw, so deleting or breaking a traced test fails `npm test`. The run's trace is
 * written to .test-cache/trace.json for `npm run docs`. Runs of a subset (a file, `-t`) are not judged.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Reporter, TestModule, Vitest } from 'vitest/node';
import { CACHE_DIR, ROOT } from './paths.js';
import { documentedTrace, requirementIds, type TraceLine } from './requirements.js';
import type { RequirementMeta } from './verifies.js';

export const TRACE_FILE = join(CACHE_DIR, 'trace.json');

export default class TraceReporter implements Reporter {
  private vitest?: Vitest;

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  async onTestRunEnd(modules: ReadonlyArray<TestModule>): Promise<void> {
    const all = await this.vitest!.globTestSpecifications();
    const whole = !this.vitest!.config.testNamePattern && modules.length === new Set(all.map((s) => s.moduleId)).size;
    if (!whole) return;

    const seen: TraceLine[] = [];
    for (const m of modules) {
      const file = relative(ROOT, m.moduleId);
      for (const test of m.children.allTests()) {
        if (test.result().state !== 'passed') continue;
        for (const id of (test.meta() as RequirementMeta).requirements ?? []) seen.push([id, `${file} › ${test.fullName}`]);
      }
    }
    mkdirSync(CACHE_DIR, { recursive: true });
    writeFileSync(TRACE_FILE, JSON.stringify(seen, null, 1));

    const key = ([r, t]: TraceLine) => `${r}\t${t}`;
    const got = new Set(seen.map(key));
    const documented = documentedTrace();
    const want = new Set(documented.map(key));
    const problems = [
      ...requirementIds().filter((id) => !seen.some(([r]) => r === id)).map((id) => `${id}: no passing test verifies it`),
      ...documented.filter((l) => !got.has(key(l))).map(([r, t]) => `${r}: the traced test did not pass or no longer verifies it: ${t}`),
      ...seen.filter((l) => !want.has(key(l))).map(([r, t]) => `${r}: verified by a test the trace does not list (run npm run docs): ${t}`),
    ];
    if (!problems.length) {
      process.stdout.write(`\nrequirements: ${requirementIds().length} requirements, ${seen.length} traced tests, all passing\n`);
      return;
    }
    process.stdout.write(`\nrequirements gate failed (docs/requirements.md):\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
    process.exitCode = 1;
  }
}
