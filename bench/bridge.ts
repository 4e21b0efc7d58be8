/**
 * The bridge's cost, measured against a running hub: added latency per tool call over stdio compared
 * with calling the REST route directly, cold start (spawn → initialize answered) compared with
 * `node -e 0`, and its memory as the hub's is measured: RSS when idle, after a warm-up of 1,000 calls,
 * and after `calls` more (growth is judged on the second span). Runs the bundle that ships (bridge/dist).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { buildBundle } from '../bridge/build.js';
import { FileStore } from '../bridge/src/token-store.js';
import { median, rssMiB } from './proc.js';

export interface BridgeResult {
  bridgeP50: number;
  restP50: number;
  /** Median start with the V8 code cache in place (every start after the first). */
  coldStartMs: number;
  /** The very first start of this bundle: no code cache yet. */
  firstStartMs: number;
  nodeStartMs: number;
  /** RSS once `initialize` is answered, before any call. */
  rssIdleMiB: number;
  /** RSS after the warm-up (`warmupCalls`): where the growth check starts. */
  rssWarmMiB: number;
  /** RSS after the warm-up and `calls` more calls. */
  rssAfterMiB: number;
  warmupCalls: number;
  /** Calls after the warm-up: the latency sample and the growth span. */
  calls: number;
}

/** As the hub's growth run: RSS after 1,000 calls, when the heap has its working size, then after the rest. */
const WARMUP_CALLS = 1000;
/** Bridge starts, each beside a `node -e 0`; the first has no code cache yet, the last one stays up for the calls. */
const STARTS = 8;

export interface BridgeBenchOptions {
  /** Another build of the bridge (comparisons); default: bridge/dist, rebuilt first. */
  bundle?: string;
  /** Node options before the bundle (comparisons). */
  nodeArgs?: string[];
  env?: Record<string, string>;
}


export async function benchBridge(hub: string, token: string, calls: number, o: BridgeBenchOptions = {}): Promise<BridgeResult> {
  // Always the bundle of this checkout (a build failure stops the run): a stale bridge/dist would measure old code.
  const bundle = o.bundle ?? (await buildBundle());
  const home = mkdtempSync(join(tmpdir(), 'monsys-bench-bridge-'));
  try {
    // The opt-in file store stands in for the keychain, so the benchmark needs no desktop session.
    await new FileStore(join(home, 'tokens')).set({
      hub,
      profile: 'bench',
      client_id: 'bench',
      access_token: token,
      expires_at: Math.floor(Date.now() / 1000) + 86_400,
      scope: 'mcp.read mcp.acknowledge',
    });
    // Starts interleaved with `node -e 0`, so both see the same machine. The first start of a bundle has
    // no V8 code cache yet (a fresh cache folder): reported on its own; the median is of the others.
    const env = { ...(process.env as Record<string, string>), ...o.env, MONSYS_BRIDGE_HOME: home, XDG_CACHE_HOME: join(home, 'cache') };
    const nodeTimes: number[] = [];
    const cold: number[] = [];
    let client!: Client;
    let transport!: StdioClientTransport;
    for (let i = 0; i < STARTS; i++) {
      let t = performance.now();
      spawnSync(process.execPath, ['-e', '0']);
      nodeTimes.push(performance.now() - t);
      t = performance.now();
      transport = new StdioClientTransport({
        command: process.execPath,
        args: [...(o.nodeArgs ?? []), bundle, 'serve', '--hub', hub, '--profile', 'bench', '--insecure-file-store'],
        env,
        stderr: 'ignore',
      });
      client = new Client({ name: 'bench', version: '1' });
      await client.connect(transport);
      cold.push(performance.now() - t);
      // The code cache is written when the bridge handles `initialized`; a ping answered after it means it landed.
      if (i === 0) await client.ping();
      if (i < STARTS - 1) await client.close();
    }
    const pid = transport.pid!;
    const rssIdleMiB = rssMiB(pid);

    const call = { name: 'monsys_kpi_summary', arguments: {} };
    // The quick run (a CI smoke test, a few hundred calls) warms up for as long as it measures.
    const warmupCalls = Math.min(WARMUP_CALLS, calls);
    for (let i = 0; i < warmupCalls; i++) await client.callTool(call);
    const rssWarmMiB = rssMiB(pid);
    const bridgeTimes: number[] = [];
    for (let i = 0; i < calls; i++) {
      const t = performance.now();
      await client.callTool(call);
      bridgeTimes.push(performance.now() - t);
    }
    const rssAfterMiB = rssMiB(pid);
    await client.close();

    const restTimes: number[] = [];
    for (let i = 0; i < Math.min(calls, 500) + 20; i++) {
      const t = performance.now();
      const res = await fetch(`${hub}/v1/kpi-summary`, { headers: { authorization: `Bearer ${token}` } });
      await res.text();
      if (i >= 20) restTimes.push(performance.now() - t);
    }
    return {
      bridgeP50: median(bridgeTimes),
      restP50: median(restTimes),
      coldStartMs: median(cold.slice(1)),
      firstStartMs: cold[0]!,
      nodeStartMs: median(nodeTimes),
      rssIdleMiB,
      rssWarmMiB,
      rssAfterMiB,
      warmupCalls,
      calls,
    };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
