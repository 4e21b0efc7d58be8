/**
 * The second review's attacks through a reverse proxy (docs/security.md, "Second review: concurrency
 * and proxies"): a real nginx in front of a real hub, appending the client's address to whatever
 * X-Forwarded-For the client wrote, as many deployments' proxies do.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../hub/src/config.js';
import { spawnHub, type HubProcess } from './harness/hub.js';
import { createTlsProxy, type TlsProxy } from './harness/tls-proxy.js';

describe('TRUST_PROXY', () => {
  it('takes false, a number of proxies (true is one) or their addresses and subnets, and nothing else', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8,fd00::/8' }).trustProxy).toEqual(['loopback', '10.0.0.0/8', 'fd00::/8']);
    for (const bad of ['all', 'yes', '10.0.0.0/33', '10.0.0.300', 'fd00::/129', '12']) {
      expect(() => loadConfig({ TRUST_PROXY: bad }), bad).toThrow(ConfigError);
      expect(() => loadConfig({ TRUST_PROXY: bad }), bad).toThrow(/TRUST_PROXY: must be false, the number of proxies/);
    }
  });
});

describe('behind nginx appending X-Forwarded-For, with TRUST_PROXY=true as docs/deploy.md asks', () => {
  let proxy: TlsProxy;
  let hub: HubProcess;
  beforeAll(async () => {
    proxy = await createTlsProxy();
    hub = await spawnHub({ env: { PUBLIC_URL: proxy.origin, TRUST_PROXY: 'true' } });
    await proxy.start(hub.url, { appendForwardedFor: true });
  }, 120_000);
  afterAll(async () => {
    await hub?.stop();
    await proxy?.stop();
  });

  it('finding 3: 130 registrations, each with an X-Forwarded-For of its own, are cut off at 120 for the one real address', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 130 }, (_, i) =>
        proxy
          .fetch(`${proxy.origin}/mcp/oauth/register`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-forwarded-for': i % 2 ? `198.51.100.${i}` : `198.51.100.${i}, 127.0.0.1` },
            body: JSON.stringify({ client_name: `flood ${i}`, redirect_uris: ['http://127.0.0.1:8080/cb'] }),
          })
          .then(async (r) => (await r.arrayBuffer(), r.status)),
      ),
    );
    expect(statuses.filter((s) => s === 201)).toHaveLength(120);
    expect(statuses.filter((s) => s === 429)).toHaveLength(10);
    expect(statuses.filter((s) => s !== 201 && s !== 429), 'answers that are neither').toEqual([]);
  }, 60_000);

  it('finding 9: /metrics through the same-host proxy is refused, though the proxy connects from loopback', async () => {
    const r = await proxy.fetch(`${proxy.origin}/metrics`);
    expect(r.status).toBe(403);
    expect((await fetch(`${hub.url}/metrics`)).status).toBe(200);
  });
});
