/**
 * How far V8 lets the heap grow, for the long-running `serve`. Both settings are V8 flags set once `initialize`
 * is answered (cli/serve.ts). The bridge's live heap stays at about 15–20 MiB however many calls it forwards, so
 * the memory it keeps is what V8 lets the heap grow to around that (bench/bridge.ts measures it):
 *
 * - Old generation: V8 grows it to up to four times the live heap before it collects it; after a burst of 10,000
 *   calls RSS sat at ~175 MiB. Twice the live heap (`--heap-growing-percent=100`) brought that to ~120 MiB, for a
 *   few percent more CPU in garbage collection.
 * - Young generation: V8 doubles each semi-space whenever many objects survive a scavenge, up to 16 MiB (Node 20,
 *   22) or 32 MiB (Node 24); a burst of calls takes it there, ~25 MiB of those ~120. `--semi-space-growth-factor=1`
 *   keeps it at the size it has when `initialize` is answered (4 MiB per semi-space): RSS ~100 MiB after 11,000
 *   calls, the same latency per call (almost nothing a call allocates outlives it, so a scavenge is cheap).
 *
 * `--max-semi-space-size`, the documented cap, can only be given when Node starts (a shebang, the .mcpb manifest's
 * args, NODE_OPTIONS), and any V8 flag given then changes V8's flag hash, so that V8 rejects the code cache Node
 * ships for its own modules: each `node:` module the start loads is compiled from source, ~15 ms more cold start
 * (1.7× `node -e 0` to 2.0×). The growth factor, unlike the maximum, is read whenever V8 would grow the young
 * generation, so it works when set at run time (code-cache.test.ts checks that this Node does). A V8 that no
 * longer knew one of these flags would say so on stderr, never on stdout, and keep its default.
 */
import { createRequire } from 'node:module';
import { debug } from './log.js';

export const HEAP_GROWING_PERCENT = 100;
export const SEMI_SPACE_GROWTH_FACTOR = 1;

/**
 * Called once `initialize` is answered: loading node:v8 costs a millisecond of cold start, and a flag set
 * before the code cache is written would make V8 reject that cache on the next start (code-cache.ts).
 * A setting of the same kind given to Node by the user wins.
 */
export function limitHeapGrowth(nodeArgs = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`): void {
  const flags: string[] = [];
  if (!/--heap[-_]growing[-_]percent/.test(nodeArgs)) flags.push(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  if (!/--(max|min)[-_]semi[-_]space[-_]size|--semi[-_]space[-_]growth[-_]factor/.test(nodeArgs)) flags.push(`--semi-space-growth-factor=${SEMI_SPACE_GROWTH_FACTOR}`);
  if (!flags.length) return;
  // require(), not import(): the bundle is a classic script (code-cache.ts).
  const { setFlagsFromString } = createRequire(import.meta.url)('node:v8') as typeof import('node:v8');
  for (const flag of flags) setFlagsFromString(flag);
  debug(`heap growth limited: ${flags.join(' ')}`);
}
