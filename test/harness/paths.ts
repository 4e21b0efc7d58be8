import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CACHE_DIR = join(ROOT, '.test-cache');
/** A migrated, empty PGlite data dir as a tarball, built once per test run by global-setup. */
export const PGLITE_TEMPLATE = join(CACHE_DIR, 'pglite-migrated.tar');
