/**
 * `verifies('TENANT-3', …)` inside a test: the test verifies those requirements of docs/requirements.md.
 * The ids go into the test's metadata, which the trace reporter reads once the run ends; an id that
 * the document does not list fails the test at once.
 */
import { getCurrentTest } from 'vitest/suite';
import { requirementIds } from './requirements.js';

let known: Set<string> | undefined;

export interface RequirementMeta {
  requirements?: string[];
}

export function verifies(...ids: string[]): void {
  known ??= new Set(requirementIds());
  const test = getCurrentTest();
  if (!test) throw new Error('verifies() must be called inside a test');
  for (const id of ids) if (!known.has(id)) throw new Error(`verifies('${id}'): docs/requirements.md lists no such requirement`);
  const meta = test.meta as RequirementMeta;
  meta.requirements = [...new Set([...(meta.requirements ?? []), ...ids])];
}
