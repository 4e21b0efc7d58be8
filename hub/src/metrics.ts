/**
 * Prometheus metrics (prom-client), one registry per hub so several hubs can live in one test process.
 * Labels are bounded sets (tool names, doors, error codes, route patterns): never ids or user input.
 */
import client from 'prom-client';
import type { Db } from './db/types.js';

export interface HubMetrics {
  registry: client.Registry;
  httpRequests: client.Counter<'method' | 'route' | 'status'>;
  httpDuration: client.Histogram<'method' | 'route'>;
  toolCalls: client.Counter<'tool' | 'door' | 'status'>;
  toolDuration: client.Histogram<'tool' | 'door'>;
}

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export function createMetrics(db?: Db & { poolStats?: () => { total: number; idle: number; waiting: number } }): HubMetrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'monsys_hub_' });
  const m: HubMetrics = {
    registry,
    httpRequests: new client.Counter({
      name: 'monsys_http_requests_total',
      help: 'HTTP requests by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new client.Histogram({
      name: 'monsys_http_request_duration_seconds',
      help: 'HTTP request latency by method and route pattern',
      labelNames: ['method', 'route'],
      buckets: BUCKETS,
      registers: [registry],
    }),
    toolCalls: new client.Counter({
      name: 'monsys_tool_calls_total',
      help: 'Tool calls by tool, door (rest, mcp) and result status (ok or an error code)',
      labelNames: ['tool', 'door', 'status'],
      registers: [registry],
    }),
    toolDuration: new client.Histogram({
      name: 'monsys_tool_call_duration_seconds',
      help: 'Tool call latency by tool and door',
      labelNames: ['tool', 'door'],
      buckets: BUCKETS,
      registers: [registry],
    }),
  };
  if (db?.poolStats) {
    const stats = db.poolStats;
    new client.Gauge({
      name: 'monsys_db_pool_connections',
      help: 'PostgreSQL pool connections by state',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        const s = stats();
        this.set({ state: 'total' }, s.total);
        this.set({ state: 'idle' }, s.idle);
        this.set({ state: 'waiting' }, s.waiting);
      },
    });
  }
  return m;
}
