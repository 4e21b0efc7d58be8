/**
 * Builds the bridge:
 *   node --import tsx bridge/build.ts          → bridge/dist/monsys-bridge.mjs (one file, node20, keychain module external)
 *   node --import tsx bridge/build.ts --mcpb   → also bridge/dist/monsys-<version>-<platform>-<arch>.mcpb, one MCP Bundle
 *                                                per platform (npm run bridge:mcpb)
 * The npm package (`npm pack bridge/`) ships the bundle and depends only on @napi-rs/keyring.
 *
 * The one file is a small launcher (src/launcher.ts) carrying the bridge as a classic script in a string,
 * so that it can be run through a V8 code cache (src/code-cache.ts explains why).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { BUNDLE_PARAMS, IMPORT_META_URL_PARAM } from './src/code-cache.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const DIST = join(HERE, 'dist');
export const BUNDLE = join(DIST, 'monsys-bridge.mjs');

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

/**
 * The platforms a .mcpb is built for, each with the keychain module's native binding for it. mcpb's
 * `platforms` names only the OS, so each architecture gets its own file, named after it.
 */
export const MCPB_TARGETS = [
  { id: 'darwin-arm64', platform: 'darwin', arch: 'arm64', binding: '@napi-rs/keyring-darwin-arm64' },
  { id: 'darwin-x64', platform: 'darwin', arch: 'x64', binding: '@napi-rs/keyring-darwin-x64' },
  { id: 'win32-x64', platform: 'win32', arch: 'x64', binding: '@napi-rs/keyring-win32-x64-msvc' },
  { id: 'linux-x64', platform: 'linux', arch: 'x64', binding: '@napi-rs/keyring-linux-x64-gnu' },
  { id: 'linux-arm64', platform: 'linux', arch: 'arm64', binding: '@napi-rs/keyring-linux-arm64-gnu' },
] as const;
export type McpbTarget = (typeof MCPB_TARGETS)[number];

export const mcpbFile = (t: McpbTarget) => join(DIST, `monsys-${pkg.version}-${t.id}.mcpb`);

/** Fetched binding tarballs, kept between builds. */
const BINDING_CACHE = join(ROOT, 'node_modules', '.cache', 'monsys-bridge-bindings');

/**
 * The binding package of `name`, at the version the keychain module pins, from the npm registry (`npm pack`,
 * cached), checked against the sha512 that package-lock.json records for it: the bytes that ship are the
 * ones the lockfile was reviewed with.
 */
function bindingTarball(name: string): string {
  const keyring = JSON.parse(readFileSync(join(ROOT, 'node_modules', '@napi-rs', 'keyring', 'package.json'), 'utf8')) as { optionalDependencies: Record<string, string> };
  const version = keyring.optionalDependencies[name];
  if (!version) throw new Error(`${name} is not a binding of @napi-rs/keyring`);
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; integrity?: string }> };
  const locked = lock.packages[`node_modules/${name}`];
  if (locked?.version !== version || !locked.integrity?.startsWith('sha512-')) throw new Error(`package-lock.json has no sha512 for ${name}@${version}: run npm install`);
  const file = join(BINDING_CACHE, `${name.replace('@', '').replace('/', '-')}-${version}.tgz`);
  const verified = () => existsSync(file) && `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}` === locked.integrity;
  if (!verified()) {
    mkdirSync(BINDING_CACHE, { recursive: true });
    const out = execFileSync('npm', ['pack', `${name}@${version}`, '--json', '--pack-destination', BINDING_CACHE], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], shell: process.platform === 'win32' });
    const packed = join(BINDING_CACHE, (JSON.parse(out) as [{ filename: string }])[0].filename);
    if (packed !== file) cpSync(packed, file);
    if (!verified()) throw new Error(`${name}@${version} from the registry does not match package-lock.json's integrity`);
  }
  return file;
}

/** The manifest of one platform's bundle: the tools and prompts from the catalogue, the platform, the version. */
async function manifestFor(t: McpbTarget): Promise<Record<string, unknown>> {
  const { CATALOGUE } = await import('../shared/index.js');
  const { PROMPTS } = await import('../shared/prompts.js');
  const manifest = JSON.parse(readFileSync(join(HERE, 'manifest.json'), 'utf8')) as Record<string, unknown> & { compatibility: Record<string, unknown> };
  manifest.version = pkg.version;
  manifest.tools = CATALOGUE.map((tool) => ({ name: tool.name, description: tool.description }));
  // mcpb fills ${arguments.<name>} in a prompt's text; the server's own prompts/list says the same.
  manifest.prompts = PROMPTS.map((p) => ({
    name: p.name,
    description: p.description,
    arguments: p.arguments.map((a) => a.name),
    text: p.text(Object.fromEntries(p.arguments.map((a) => [a.name, `\${arguments.${a.name}}`]))),
  }));
  manifest.compatibility = { ...manifest.compatibility, platforms: [t.platform] };
  return manifest;
}

/** One .mcpb per platform: manifest, icon, the bundle, the keychain module and that platform's binding. */
export async function buildMcpb(targets: readonly McpbTarget[] = MCPB_TARGETS): Promise<string[]> {
  const cli = join(ROOT, 'node_modules', '@anthropic-ai', 'mcpb', 'dist', 'cli', 'cli.js');
  const built: string[] = [];
  for (const t of targets) {
    const stage = join(DIST, 'mcpb', t.id);
    rmSync(stage, { recursive: true, force: true });
    mkdirSync(join(stage, 'server'), { recursive: true });
    cpSync(BUNDLE, join(stage, 'server', 'monsys-bridge.mjs'));
    cpSync(join(HERE, 'icon.png'), join(stage, 'icon.png'));
    writeFileSync(join(stage, 'manifest.json'), JSON.stringify(await manifestFor(t), null, 2) + '\n');
    // The bundle resolves the module from server/../node_modules; the module loads the binding by its package name.
    cpSync(join(ROOT, 'node_modules', '@napi-rs', 'keyring'), join(stage, 'node_modules', '@napi-rs', 'keyring'), { recursive: true });
    const binding = join(stage, 'node_modules', ...t.binding.split('/'));
    mkdirSync(binding, { recursive: true });
    execFileSync('tar', ['-xzf', bindingTarball(t.binding), '-C', binding, '--strip-components=1']);
    const out = mcpbFile(t);
    rmSync(out, { force: true });
    execFileSync(process.execPath, [cli, 'pack', stage, out], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (!existsSync(out)) throw new Error(`mcpb pack produced no ${out}`);
    built.push(out);
  }
  return built;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildBundle();
  if (process.argv.includes('--mcpb')) await buildMcpb();
}
