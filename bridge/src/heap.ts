/**
 * How far V8 lets the heap grow between full collections, for the long-running `serve`. V8 grows the old
 * generation to up to four times the live heap before it collects it; the bridge's live heap stays at about
 * 15–20 MiB however many calls it forwards, but after a burst of 10,000 calls its RSS sat at ~180 MiB
 * (bench/bridge.ts; docs/performance.md). Twice the live heap brings that to ~125 MiB for a few percent more
 * CPU in garbage collection. (The rest is the young generation, whose 16 MiB semi-spaces can only be capped
 * when Node starts, with a flag that Claude Desktop's launch line does not carry.)
 */
import { createRequire } from 'node:module';
import { debug } from './log.js';

export const HEAP_GROWING_PERCENT = 100;

/**
 * Called once `initialize` is answered: loading node:v8 costs a millisecond of cold start, and a flag set
 * before the code cache is written would make V8 reject that cache on the next start (code-cache.ts).
 * A heap setting given to Node by the user wins.
 */
export function limitHeapGrowth(nodeArgs = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`): void {
  if (/--heap-growing-percent/.test(nodeArgs)) return;
  // require(), not import(): the bundle is a classic script (code-cache.ts).
  const { setFlagsFromString } = createRequire(import.meta.url)('node:v8') as typeof import('node:v8');
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  debug(`heap growth limited to ${HEAP_GROWING_PERCENT}% between full collections`);
}
