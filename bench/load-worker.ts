/**
 * Runs one autocannon load in its own process, so the load generator never shares an event loop
 * (or a core's time slices, as far as the OS allows) with what it measures. Prints one JSON line.
 * Usage: node --import tsx bench/load-worker.ts '<json options>'
 */
import autocannon from 'autocannon';

interface Options {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  durationSeconds: number;
}

const o = JSON.parse(process.argv[2] ?? '{}') as Options;
const result = await autocannon({
  url: o.url,
  method: o.method ?? 'GET',
  headers: o.headers,
  body: o.body,
  connections: o.connections,
  duration: o.durationSeconds,
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
