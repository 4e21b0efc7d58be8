/** The opt-in file store: only when asked for, one file per hub and profile, readable by the user alone. */
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { token } from '../test/fixtures.js';
import { FileStore, KeychainStore, openStore } from './token-store.js';

describe('token stores', () => {
  it('uses the OS keychain unless the file store is asked for', () => {
    expect(openStore({ stateDir: '/x' })).toBeInstanceOf(KeychainStore);
    expect(openStore({ stateDir: '/x', insecureFileStore: true })).toBeInstanceOf(FileStore);
  });

  it('writes mode 0600 files in a 0700 folder, per hub and profile', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'bridge-files-')), 'tokens');
    const store = new FileStore(dir);
    const acme = token({ profile: 'acme' });
    const bank = token({ profile: 'eu-bank', access_token: `mat_${'z'.repeat(43)}` });
    await store.set(acme);
    await store.set(bank);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const files = readdirSync(dir);
    expect(files).toHaveLength(2);
    for (const f of files) expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
    expect(await store.get(acme.hub, 'acme')).toEqual(acme);
    expect(await store.get(acme.hub, 'eu-bank')).toEqual(bank);
    expect(await store.delete(acme.hub, 'acme')).toBe(true);
    expect(await store.get(acme.hub, 'acme')).toBeUndefined();
    expect(await store.delete(acme.hub, 'acme')).toBe(false);
    expect(await store.get(acme.hub, 'eu-bank')).toEqual(bank);
  });
});
