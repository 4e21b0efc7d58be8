/**
 * The bridge's cost: added latency per tool call over stdio compared with calling the REST route
 * directly, cold start (spawn → initialize answered) compared with `node -e 0`, and its memory.
 * Filled in once the bridge's bundle exists (bridge/dist).
 */
export interface BridgeResult {
  bridgeP50: number;
  restP50: number;
  coldStartMs: number;
  nodeStartMs: number;
  rssIdleMiB: number;
  rssAfterMiB: number;
  calls: number;
}

export async function benchBridge(_calls: number): Promise<BridgeResult> {
  throw new Error('the bridge benchmark needs the bridge bundle (bridge/dist), which is not built yet');
}
