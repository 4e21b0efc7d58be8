/**
 * Builds the bridge:
 *   node --import tsx bridge/build.ts          → bridge/dist/monsys-bridge.mjs (one file, node20, keychain module external)
 *   node --import tsx bridge/build.ts --mcpb   → also bridge/dist/monsys.mcpb (an MCP Bundle for Claude Desktop)
 * The npm package (`npm pack bridge/`) ships the bundle and depends only on @napi-rs/keyring.
 *
 * The one file is a small launcher (src/launcher.ts) carrying the bridge as a classic script in a string,
 * so that it can be run through a V8 code cache (src/code-cache.ts explains why).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { BUNDLE_PARAMS, IMPORT_META_URL_PARAM } from './src/code-cache.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const DIST = join(HERE, 'dist');
export const BUNDLE = join(DIST, 'monsys-bridge.mjs');
export const MCPB = join(DIST, 'monsys.mcpb');

const pkg = JSON.parse(readFileSync(join(HERE, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };

const COMMON: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  // The keychain module carries a native binary per platform: npm installs the right one.
  external: Object.keys(pkg.dependencies),
  logLevel: 'silent',
};

/**
 * zod's index modules re-export every message locale as a namespace (`z.locales`), which esbuild cannot shake:
 * 40-odd languages, a fifth of the bundle, compiled (or read from the code cache) on every start for nothing.
 * The bridge uses none of them; zod's default, English, is imported by zod itself from its own file.
 */
const ENGLISH_ONLY: Plugin = {
  name: 'zod-english-only',
  setup(b) {
    let used = false;
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (a) => (/[\\/]node_modules[\\/]zod[\\/]v4[\\/]/.test(a.importer) ? ((used = true), { path: join(a.resolveDir, '..', 'locales', 'en.js'), namespace: 'zod-locales' }) : undefined));
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (a) => ({ contents: `export { default as en } from ${JSON.stringify(a.path)};`, loader: 'js', resolveDir: dirname(a.path) }));
    b.onEnd(() => {
      if (!used) return { errors: [{ text: "zod's locales are no longer imported as bridge/build.ts expects: update ENGLISH_ONLY" }] };
    });
  },
};

/**
 * `outfile` lets tests build their own copy (inside the repository, so the keychain module resolves);
 * `version`, a copy that says it is another version (the upgrade test).
 */
export async function buildBundle(outfile = BUNDLE, version = pkg.version): Promise<string> {
  mkdirSync(dirname(outfile), { recursive: true });
  const bridge = await build({
    ...COMMON,
    entryPoints: [join(HERE, 'src/main.ts')],
    format: 'cjs',
    write: false,
    metafile: true,
    define: { __BRIDGE_VERSION__: JSON.stringify(version), 'import.meta.url': IMPORT_META_URL_PARAM },
    plugins: [ENGLISH_ONLY],
  });
  // A classic script has no import(): an external module loaded that way would fail only when first used.
  const dynamic = Object.values(bridge.metafile.inputs).flatMap((i) => i.imports.filter((d) => d.kind === 'dynamic-import' && d.external).map((d) => d.path));
  if (bridge.warnings.length || dynamic.length) {
    throw new Error(`bridge bundle: ${[...bridge.warnings.map((w) => w.text), ...dynamic.map((d) => `import('${d}') of an external module: use require()`)].join('; ')}`);
  }
  // Strict, as the ES modules it comes from (esbuild writes the directive only when a tsconfig asks for it).
  const code = `"use strict";${bridge.outputFiles[0]!.text.replace(/^#!.*\n/, '').replace(/^"use strict";/, '')}`;
  // esbuild leaves non-ASCII characters in regular expressions; \u escapes mean the same there and keep the
  // string one byte per character, which V8 reads faster.
  const source = `(function (${BUNDLE_PARAMS.join(', ')}) {${code.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n})`;
  await build({
    ...COMMON,
    entryPoints: [join(HERE, 'src/launcher.ts')],
    outfile,
    format: 'esm',
    define: {
      __BRIDGE_BUNDLE__: JSON.stringify(source),
      __BRIDGE_BUNDLE_HASH__: JSON.stringify(createHash('sha256').update(source).digest('hex').slice(0, 16)),
    },
    logLevel: 'warning',
  });
  return outfile;
}

/** The .mcpb: manifest (with the tool list derived from the catalogue), the bundle, and the keychain module. */
export async function buildMcpb(): Promise<string> {
  const { CATALOGUE } = await import('../shared/index.js');
  const stage = join(DIST, 'mcpb');
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(join(stage, 'server'), { recursive: true });
  cpSync(BUNDLE, join(stage, 'server', 'monsys-bridge.mjs'));
  const manifest = JSON.parse(readFileSync(join(HERE, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  manifest.version = pkg.version;
  manifest.tools = CATALOGUE.map((t) => ({ name: t.name, description: t.description }));
  writeFileSync(join(stage, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  // The keychain module and the platform binaries present here; the bundle resolves them from server/../node_modules.
  const scope = join(ROOT, 'node_modules', '@napi-rs');
  for (const name of readdirSync(scope).filter((n) => n === 'keyring' || n.startsWith('keyring-'))) {
    cpSync(join(scope, name), join(stage, 'node_modules', '@napi-rs', name), { recursive: true });
  }
  rmSync(MCPB, { force: true });
  const cli = join(ROOT, 'node_modules', '@anthropic-ai', 'mcpb', 'dist', 'cli', 'cli.js');
  execFileSync(process.execPath, [cli, 'pack', stage, MCPB], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (!existsSync(MCPB)) throw new Error('mcpb pack produced no file');
  return MCPB;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildBundle();
  if (process.argv.includes('--mcpb')) await buildMcpb();
}
