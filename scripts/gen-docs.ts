/** Regenerates the catalogue-derived parts of README.md. `npm run docs`; a test fails when they drift. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dataFlowMarkdown, replaceBetweenMarkers, scopeListMarkdown, toolTableMarkdown } from '../shared/docs.js';

export const README = join(fileURLToPath(new URL('..', import.meta.url)), 'README.md');

export function renderReadme(text: string): string {
  let out = replaceBetweenMarkers(text, 'tools', toolTableMarkdown());
  out = replaceBetweenMarkers(out, 'scopes', scopeListMarkdown());
  return replaceBetweenMarkers(out, 'dataflow', dataFlowMarkdown());
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const before = readFileSync(README, 'utf8');
  const after = renderReadme(before);
  writeFileSync(README, after);
  process.stdout.write(before === after ? 'README.md is current\n' : 'README.md updated\n');
}
