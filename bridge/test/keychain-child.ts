/**
 * Runs token-store operations in a child process, so each test picks its D-Bus session through the
 * environment: `node --import tsx bridge/test/keychain-child.ts '<json ops>'`; prints one JSON line.
 */
import { BridgeError } from '../src/errors.js';
import { KeychainStore, type StoredToken } from '../src/token-store.js';

type Op = { op: 'set'; token: StoredToken } | { op: 'get' | 'delete'; hub: string; profile: string };

const store = new KeychainStore();
const results: unknown[] = [];
for (const o of JSON.parse(process.argv[2] ?? '[]') as Op[]) {
  try {
    if (o.op === 'set') results.push(await store.set(o.token).then(() => 'ok'));
    else if (o.op === 'get') results.push((await store.get(o.hub, o.profile)) ?? null);
    else results.push(await store.delete(o.hub, o.profile));
  } catch (err) {
    results.push({ error: err instanceof BridgeError ? err.code : 'unexpected', message: (err as Error).message });
  }
}
process.stdout.write(JSON.stringify(results) + '\n');
