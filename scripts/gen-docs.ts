/**
 * Regenerates the generated parts of the documents: README.md's catalogue tables (a test fails when
 * they drift) and the trace of docs/requirements.md from the last full `npm test` run (the requirements
 * gate fails a full run whose trace differs). `npm run docs`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dataFlowMarkdown, replaceBetweenMarkers, scopeListMarkdown, toolTableMarkdown } from '../shared/docs.js';
import { REQUIREMENTS_DOC, requirementIds, traceMarkdown, type TraceLine } from '../test/harness/requirements.js';
import { TRACE_FILE } from '../test/harness/trace-reporter.js';

export const README = join(fileURLToPath(new URL('..', import.meta.url)), 'README.md');

export function renderReadme(text: string): string {
  let out = replaceBetweenMarkers(text, 'tools', toolTableMarkdown());
  out = replaceBetweenMarkers(out, 'scopes', scopeListMarkdown());
  return replaceBetweenMarkers(out, 'dataflow', dataFlowMarkdown());
}

function update(path: string, render: (text: string) => string): void {
  const before = readFileSync(path, 'utf8');
  const after = render(before);
  writeFileSync(path, after);
  process.stdout.write(`${path.replace(/^.*\//, '')} ${before === after ? 'is current' : 'updated'}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  update(README, renderReadme);
  if (existsSync(TRACE_FILE)) {
    const trace = JSON.parse(readFileSync(TRACE_FILE, 'utf8')) as TraceLine[];
    update(REQUIREMENTS_DOC, (text) => replaceBetweenMarkers(text, 'trace', traceMarkdown(trace, requirementIds(text))));
  } else {
    process.stdout.write('requirements.md: no trace yet (run the whole suite with npm test first)\n');
  }
}
