/**
 * Runs autocannon loads in a process of its own, so the load generator never shares an event loop
 * with what it measures. Long-lived: one JSON job per stdin line, one JSON result per stdout line.
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

for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const o = JSON.parse(line) as Job;
  const result = await autocannon({
    url: o.url,
    method: o.method ?? 'GET',
    headers: o.headers,
    body: o.body,
    connections: o.connections,
    ...(o.amount ? { amount: o.amount } : { duration: o.durationSeconds }),
    pipelining: 1,
  });
  process.stdout.write(
    JSON.stringify({
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      requests: result.requests.total,
      non2xx: result.non2xx,
      errors: result.errors + result.timeouts,
    }) + '\n',
  );
}
