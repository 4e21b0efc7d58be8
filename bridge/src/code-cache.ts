/**
 * A V8 code cache for the bridge's bundle. Claude Desktop spawns `serve` for every session, and compiling
 * the bundle (1.2 MB of JavaScript) on each start was about a third of the time to `initialize` (issue #6).
 * Node 22 caches compiled modules itself (`module.enableCompileCache()`); Node 20, which the bridge
 * supports, has no such API, and Node's code caches work only for classic scripts (`vm.Script`), not for
 * ES modules. So build.ts emits the bridge as one classic script wrapped like a CommonJS module and embeds
 * it as a string in `monsys-bridge.mjs` (launcher.ts), which runs it here with the cached code when there
 * is a valid cache. `serve` writes the cache once the client has initialized, so that it holds the
 * functions the start ran, not only the top level.
 *
 * One file per bundle and Node version, in the per-user cache folder (paths.ts). V8 checks its own version
 * and flags, but the source only by its length, and release builds do not checksum the data: a damaged
 * file crashes the process. So the file name carries the bundle's hash, and the file starts with the
 * SHA-256 of the data, checked before V8 sees it. Anything wrong means compiling as before and writing a
 * fresh cache. MONSYS_BRIDGE_NO_CODE_CACHE=1 turns the cache off.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { debug } from './log.js';
import { writePrivateFile } from './files.js';
import { cacheDir } from './paths.js';

/** What the bundle's `import.meta.url` becomes: the launcher's URL, passed as the last parameter. */
export const IMPORT_META_URL_PARAM = '__bridge_import_meta_url';
/** The parameters of the function expression the bundle is wrapped in (build.ts), as Node wraps a CommonJS module. */
export const BUNDLE_PARAMS = ['exports', 'require', 'module', '__filename', '__dirname', IMPORT_META_URL_PARAM] as const;

/** How the bundle asks the launcher to write the cache; absent when there is nothing to write. */
const SAVE = Symbol.for('monsys-bridge.save-code-cache');
const DIGEST_BYTES = 32;
/** Caches of other bundles kept besides the current one (say, an .mcpb and an npx copy of another version). */
const KEEP_OTHERS = 3;
const EXTENSION = '.v8cache';

type Env = Record<string, string | undefined>;

export interface BundleOptions {
  /** The wrapped bundle: a function expression taking BUNDLE_PARAMS. */
  source: string;
  /** A hash of `source`, which names its cache file. */
  hash: string;
  /** The launcher's URL: the bundle's `import.meta.url`, and where its `require` resolves from. */
  url: string;
  env?: Env;
}

/**
 * The cache file for this bundle and this Node (and its V8: Electron's Node, say, has another build), or
 * undefined when the cache is turned off.
 */
function codeCacheFile(hash: string, env: Env = process.env): string | undefined {
  if (env.MONSYS_BRIDGE_NO_CODE_CACHE) return undefined;
  return join(cacheDir(env), `${hash}-node${process.versions.node}-v8-${process.versions.v8}-${process.arch}${EXTENSION}`);
}

/** Compiles the bundle, from the cache when there is a valid one, and runs it. */
export function runBundle(o: BundleOptions): void {
  const filename = fileURLToPath(o.url);
  const file = codeCacheFile(o.hash, o.env);
  const cachedData = file ? readCache(file) : undefined;
  const script = new Script(o.source, { filename, cachedData });
  if (file && (!cachedData || script.cachedDataRejected)) {
    debug(cachedData ? 'code cache rejected by V8; a new one is written once the client has initialized' : 'no code cache yet');
    (globalThis as Record<symbol, unknown>)[SAVE] = () => {
      delete (globalThis as Record<symbol, unknown>)[SAVE];
      writeCache(file, () => script.createCachedData());
    };
  } else if (file) debug('code cache used');
  const module = { exports: {} };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, createRequire(filename), module, filename, dirname(filename), o.url);
}

/**
 * Writes the code cache if the launcher has none for this bundle (a no-op otherwise, and when the bridge
 * runs from source). Called by `serve` after `initialize`; only the first start of a bundle pays for it.
 */
export function saveCodeCache(): void {
  const save = (globalThis as Record<symbol, unknown>)[SAVE];
  if (typeof save === 'function') save();
}

function readCache(file: string): Buffer | undefined {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch {
    return undefined;
  }
  const payload = data.subarray(DIGEST_BYTES);
  if (payload.length && sha256(payload).equals(data.subarray(0, DIGEST_BYTES))) return payload;
  debug('code cache damaged; compiling without it');
  return undefined;
}

/** Atomically (a crash or a second bridge never leaves a partial file), readable by the user only. */
function writeCache(file: string, produce: () => Buffer): void {
  try {
    const data = produce();
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writePrivateFile(file, Buffer.concat([sha256(data), data]));
    debug(`code cache written (${data.length} bytes)`);
  } catch (err) {
    debug(`code cache not written: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return;
  }
  prune(file);
}

/**
 * Keeps the newest few caches of other bundles; leftovers of interrupted writes go after a minute. Best effort:
 * another bridge may be pruning too, or (Windows) reading a file.
 */
function prune(current: string): void {
  const dir = dirname(current);
  const files = readdirSync(dir)
    .map((name) => join(dir, name))
    .filter((path) => path !== current && (path.endsWith(EXTENSION) || path.endsWith('.tmp')))
    .flatMap((path) => {
      try {
        return [{ path, mtime: statSync(path).mtimeMs }];
      } catch {
        return [];
      }
    })
    .sort((a, b) => b.mtime - a.mtime);
  const caches = files.filter((f) => f.path.endsWith(EXTENSION));
  const leftovers = files.filter((f) => f.path.endsWith('.tmp') && Date.now() - f.mtime > 60_000);
  for (const f of [...caches.slice(KEEP_OTHERS), ...leftovers]) {
    try {
      rmSync(f.path, { force: true });
    } catch {
      // Still in use: the next write tries again.
    }
  }
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();
