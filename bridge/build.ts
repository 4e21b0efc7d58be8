/**
 * Builds the bridge:
 *   node --import tsx bridge/build.ts          → bridge/dist/monsys-bridge.mjs (one file, node20, keychain module external)
 *   node --import tsx bridge/build.ts --mcpb   → also bridge/dist/monsys.mcpb (an MCP Bundle for Claude Desktop)
 * The npm package (`npm pack bridge/`) ships the bundle and depends only on @napi-rs/keyring.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const DIST = join(HERE, 'dist');
export const BUNDLE = join(DIST, 'monsys-bridge.mjs');
export const MCPB = join(DIST, 'monsys.mcpb');

const pkg = JSON.parse(readFileSync(join(HERE, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };

/** `outfile` lets tests build their own copy (inside the repository, so the keychain module resolves). */
export async function buildBundle(outfile = BUNDLE): Promise<string> {
  mkdirSync(dirname(outfile), { recursive: true });
  await build({
    entryPoints: [join(HERE, 'src/main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    // The keychain module carries a native binary per platform: npm installs the right one.
    external: Object.keys(pkg.dependencies),
    define: { __BRIDGE_VERSION__: JSON.stringify(pkg.version) },
    // Some bundled CommonJS packages call require() for Node built-ins; give the ESM bundle one.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
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
