/**
 * The requirement list of docs/requirements.md, read once: the promises and the tool rows, each with its
 * id, and the trace (which tests verify which requirement) as the last full run wrote it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './paths.js';

export const REQUIREMENTS_DOC = join(ROOT, 'docs/requirements.md');

const section = (text: string, name: string): string => {
  const start = text.indexOf(`<!-- ${name}:start -->`);
  const end = text.indexOf(`<!-- ${name}:end -->`);
  if (start < 0 || end < start) throw new Error(`docs/requirements.md has no ${name} section`);
  return text.slice(start, end);
};

/** Every requirement id, in the order of the document. */
export function requirementIds(text = readFileSync(REQUIREMENTS_DOC, 'utf8')): string[] {
  const ids = [section(text, 'requirements'), section(text, 'tools:requirements')].flatMap((s) => [...s.matchAll(/^\| ([A-Z]+-\d+) \|/gm)].map((m) => m[1]!));
  return ids;
}

/** One line of the trace: a requirement and a test that verifies it (`file › title path`). */
export type TraceLine = [requirement: string, test: string];

/** The trace the document holds. */
export function documentedTrace(text = readFileSync(REQUIREMENTS_DOC, 'utf8')): TraceLine[] {
  return [...section(text, 'trace').matchAll(/^- `([A-Z]+-\d+)` — (.+)$/gm)].map((m) => [m[1]!, m[2]!]);
}

/** The trace section as the document writes it, sorted by requirement (document order), then test. */
export function traceMarkdown(lines: TraceLine[], order: string[]): string {
  const rank = new Map(order.map((id, i) => [id, i]));
  const sorted = [...lines].sort(([a, x], [b, y]) => (rank.get(a)! - rank.get(b)!) || (x < y ? -1 : x > y ? 1 : 0));
  return sorted.map(([r, t]) => `- \`${r}\` — ${t}`).join('\n');
}
