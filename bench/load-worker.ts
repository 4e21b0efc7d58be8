/**
 * Runs autocannon loads in a process of its own, so the load generator never shares an event loop
 * with what it measures. Long-lived: one JSON job per stdin line, one JSON result per stdout line.
 *
 * Latency percentiles come from every 2xx answer's own time (autocannon's hrtime per request, as its
 * 'response' event gives it), not from autocannon's histogram, which keeps whole milliseconds: a
 * 1.9 ms answer was "1", so a p50 growing from 1.4 to 2.6 ms read as 1 → 3 (3×).
 * Usage: node --import tsx bench/load-worker.ts
 */
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';

interface Job {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  durationSeconds: number;
  /** A fixed number of requests instead of a duration. */
  amount?: number;
}

/** The nearest-rank percentile of sorted values, in ms to the microsecond; 0 for none. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const v = sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  return Math.round(v * 1000) / 1000;
}

for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const o = JSON.parse(line) as Job;
  const times: number[] = [];
  const sampleMs = o.amount ? 1000 : Math.min(1000, o.durationSeconds * 1000);
  const run = autocannon({
    url: o.url,
    method: o.method ?? 'GET',
    headers: o.headers,
    body: o.body,
    connections: o.connections,
    ...(o.amount ? { amount: o.amount } : { duration: o.durationSeconds }),
    // autocannon counts requests per sample and stops at the first sample after the duration: a load
    // shorter than the default second needs samples as short.
    sampleInt: sampleMs,
    pipelining: 1,
  });
  run.on('response', (_client, statusCode, _bytes, ms) => {
    if (statusCode >= 200 && statusCode < 300) times.push(ms);
  });
  const result = await run;
  const sorted = Float64Array.from(times).sort();
  process.stdout.write(
    JSON.stringify({
      rps: (result.requests.average * 1000) / sampleMs,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      requests: result.requests.total,
      non2xx: result.non2xx,
      errors: result.errors + result.timeouts,
    }) + '\n',
  );
}
