/**
 * Every HTTP request of the bridge goes through `hubFetch`: the global `fetch` with an undici
 * dispatcher (a keep-alive Agent, or EnvHttpProxyAgent when a proxy is configured) and a time
 * limit. The global `fetch` rather than `undici.request`, so that msw can intercept it in tests.
 */
import type { Dispatcher } from 'undici';
import { BridgeError } from './errors.js';

/** How long one request to the hub may take before the call fails with a clear message. */
export const DEFAULT_TIMEOUT_MS = 15_000;

let shared: Dispatcher | undefined;

/** HTTPS_PROXY / HTTP_PROXY (and NO_PROXY) in either case select the proxy agent. */
export function proxyConfigured(env: Record<string, string | undefined> = process.env): boolean {
  return Boolean(env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy);
}

/**
 * The dispatcher for hub requests. undici is loaded on first use, not at start: Claude Desktop
 * spawns the bridge for every session, and loading it eagerly was a fifth of the cold start.
 */
export async function dispatcher(): Promise<Dispatcher> {
  if (!shared) {
    const { Agent, EnvHttpProxyAgent } = await import('undici');
    shared ??= proxyConfigured()
      ? new EnvHttpProxyAgent({ keepAliveTimeout: 30_000, connectTimeout: 10_000 })
      : new Agent({ keepAliveTimeout: 30_000, connectTimeout: 10_000 });
  }
  return shared;
}

/** Closes idle keep-alive sockets so a CLI command can exit promptly. */
export async function closeDispatcher(): Promise<void> {
  const d = shared;
  shared = undefined;
  await d?.close().catch(() => undefined);
}

export interface HubFetchOptions extends RequestInit {
  timeoutMs?: number;
}

/**
 * `fetch` with the shared dispatcher and a deadline. Network failures and timeouts become a
 * `hub_unreachable` BridgeError whose message names the hub and the cause, never a hang.
 */
export async function hubFetch(url: string | URL, options: HubFetchOptions = {}): Promise<Response> {
  const { timeoutMs = DEFAULT_TIMEOUT_MS, signal, ...init } = options;
  const deadline = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
  const target = new URL(url);
  try {
    return await fetch(target, { ...init, signal: combined, dispatcher: await dispatcher() } as RequestInit);
  } catch (err) {
    if (deadline.aborted) {
      throw new BridgeError('hub_unreachable', `The monsys hub at ${target.origin} did not answer within ${duration(timeoutMs)}. It may be down or slow; retry in a minute.`);
    }
    throw new BridgeError('hub_unreachable', `Cannot reach the monsys hub at ${target.origin} (${networkCause(err)}). Check the address, your network or proxy settings (HTTPS_PROXY), then retry.`);
  }
}

const duration = (ms: number) => (ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`);

/** A short, safe description of a network failure: its error code, never a response body. */
function networkCause(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return cause.code;
  return (cause?.message ?? (err as Error).message ?? 'network error').slice(0, 120);
}

/** For oauth4webapi's customFetch hook: same dispatcher and deadline. */
export function oauthFetch(timeoutMs = DEFAULT_TIMEOUT_MS) {
  return (url: string, init: RequestInit): Promise<Response> => hubFetch(url, { ...init, timeoutMs });
}

/** Reads and discards a body we do not need, so the keep-alive connection can be reused. */
export async function drain(response: Response): Promise<void> {
  await response.arrayBuffer().catch(() => undefined);
}
