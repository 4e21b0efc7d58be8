import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../shared/index.js';
import { README, renderReadme } from './gen-docs.js';
import { verifies } from '../test/harness/verifies.js';

describe('README', () => {
  const text = readFileSync(README, 'utf8');

  it('has the tool table and scopes exactly as the catalogue generates them (run `npm run docs` when this fails)', () => {
    verifies('PRIV-4');
    expect(text).toBe(renderReadme(text));
  });

  it('lists every tool of the catalogue', () => {
    for (const t of CATALOGUE) expect(text).toContain(`\`${t.name}\``);
  });
});
