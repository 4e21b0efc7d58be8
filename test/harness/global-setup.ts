/** Runs once before all test files: builds the migrated PGlite template (seconds, so only once). */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { migrate } from '../../hub/src/db/migrate.js';
import { openPglite } from '../../hub/src/db/pglite.js';
import { CACHE_DIR, PGLITE_TEMPLATE } from './paths.js';

export default async function setup(): Promise<void> {
  mkdirSync(CACHE_DIR, { recursive: true });
  const db = await openPglite();
  await migrate(db);
  const blob = await db.dump();
  // Written aside and renamed: several test runs may build it at once.
  const tmp = `${PGLITE_TEMPLATE}.${process.pid}`;
  writeFileSync(tmp, Buffer.from(await blob.arrayBuffer()));
  renameSync(tmp, PGLITE_TEMPLATE);
  await db.close();
}
