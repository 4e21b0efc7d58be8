/**
 * Client ID Metadata Documents against a stranger who controls the document's server: a server that
 * dribbles its answer one byte a second meets a deadline for the whole fetch (not an idle timeout),
 * fetches in flight are capped, a refused client_id is not fetched again for a while, and IPv6 forms
 * that reach IPv4 or local networks (::127.0.0.1, 6to4, site-local, mapped hex) fail the address check.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CIMD_LIMITS, checkMetadataUrl, fetchMetadataDocument, isPrivateAddress, metadataDocumentLoader, MetadataDocumentError } from '../hub/src/oauth/cimd.js';
import { freshDb, type TestDb } from './harness/db.js';

const HOST = 'client.monsys.test';

describe('IPv6 forms that reach loopback, private IPv4 or local networks', () => {
  it.each([
    ['::127.0.0.1', 'IPv4-compatible loopback'],
    ['::7f00:1', 'IPv4-compatible loopback, hex'],
    ['::a00:1', 'IPv4-compatible 10.0.0.1'],
    ['::8.8.8.8', 'IPv4-compatible (deprecated, never a real host)'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback, hex'],
    ['::ffff:169.254.169.254', 'IPv4-mapped metadata service'],
    ['0:0:0:0:0:ffff:a00:1', 'IPv4-mapped 10.0.0.1, long form'],
    ['2002:7f00:1::1', '6to4 of 127.0.0.1'],
    ['2002:c0a8:101::', '6to4 of 192.168.1.1'],
    ['2002:808:808::1', '6to4 of a public address (deprecated relay)'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
    ['fec0::1', 'site-local'],
    ['feff::1', 'site-local, top of the range'],
    ['64:ff9b:1::a00:1', 'local-use NAT64'],
    ['fe80::1%eth0', 'link-local with a zone'],
  ])('%s (%s) is not public', (address) => expect(isPrivateAddress(address)).toBe(true));

  it.each(['2606:4700:4700::1111', '2a00:1450:4001:82b::200e', '8.8.8.8'])('%s stays public', (address) => expect(isPrivateAddress(address)).toBe(false));

  it.each(['https://[::127.0.0.1]/c', 'https://[::ffff:7f00:1]/c', 'https://[2002:7f00:1::]/c', 'https://[fec0::1]/c'])('refuses client_id %s before any request', (u) => {
    expect(() => checkMetadataUrl(u)).toThrow(MetadataDocumentError);
  });
});

describe('a document server that stalls', () => {
  let dir: string;
  let ca: string;
  let server: Server;
  let port: number;
  const requests: string[] = [];
  const timers = new Set<NodeJS.Timeout>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cimd-slow-'));
    const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    writeFileSync(join(dir, 'ext.cnf'), `subjectAltName=DNS:${HOST}\n`);
    ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', `/CN=${HOST}`, '-addext', `subjectAltName=DNS:${HOST}`, '-keyout', 'key.pem', '-out', 'cert.pem');
    ca = readFileSync(join(dir, 'cert.pem'), 'utf8');
    server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: ca }, (req, res) => {
      requests.push(req.url!);
      const body = JSON.stringify({ client_id: `https://${HOST}${req.url}`, redirect_uris: ['https://client.monsys.test/cb'] });
      if (req.url === '/big.json') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(CIMD_LIMITS.bytes * 4) });
        return res.end(' '.repeat(CIMD_LIMITS.bytes * 4));
      }
      // Headers at once, then one byte a second: never idle for as long as an idle timeout.
      res.writeHead(200, { 'content-type': 'application/json' });
      let i = 0;
      const t = setInterval(() => {
        if (i < body.length) res.write(body[i++]);
        else {
          clearInterval(t);
          res.end();
        }
      }, 1000);
      timers.add(t);
      res.on('close', () => clearInterval(t));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const t of timers) clearInterval(t);
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // The test's own resolver points the name at the local server; the real one refuses loopback.
  const toLocal = ((_h: string, _o: object, cb: (e: Error | null, a: string | { address: string; family: number }[], f?: number) => void) =>
    (_o as { all?: boolean }).all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)) as never;

  it('gives up at the deadline although a byte arrives every second', async () => {
    const started = Date.now();
    const url = new URL(`https://${HOST}:${port}/slow.json`);
    const err = await fetchMetadataDocument(url, { lookup: toLocal, ca }).then(
      () => undefined,
      (e: unknown) => e,
    );
    const took = Date.now() - started;
    expect(requests).toContain('/slow.json');
    expect(String(err)).toMatch(/timed out/);
    expect(took).toBeGreaterThanOrEqual(CIMD_LIMITS.timeoutMs - 200);
    expect(took).toBeLessThan(CIMD_LIMITS.timeoutMs + 1500);
  }, 30_000);

  it('refuses a body over the size cap from its Content-Length, without reading it', async () => {
    const url = new URL(`https://${HOST}:${port}/big.json`);
    await expect(fetchMetadataDocument(url, { lookup: toLocal, ca })).rejects.toThrow(/too large/);
  });
});

describe('the loader under many strangers', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await freshDb('pglite');
  });
  afterAll(async () => db?.close());

  it('runs at most the cap of fetches at once and shares one fetch per client_id', async () => {
    let started = 0;
    const release: (() => void)[] = [];
    const load = metadataDocumentLoader({
      db,
      fetchDocument: (url) => {
        started++;
        return new Promise((resolve) => release.push(() => resolve({ body: { client_id: url.toString(), redirect_uris: ['https://client.example.com/cb'] } })));
      },
    });
    const ids = Array.from({ length: 20 }, (_, i) => `https://c${i}.example.com/c.json`);
    const loads = [...ids, ids[0]!, ids[0]!, ids[1]!].map((id) => load(id));
    await new Promise((r) => setTimeout(r, 200));
    expect(started).toBe(CIMD_LIMITS.concurrent);
    for (const r of release) r();
    const results = await Promise.all(loads);
    expect(results.filter(Boolean).length).toBe(CIMD_LIMITS.concurrent + 3);
    expect(results[20]).toEqual(results[0]);
  });

  it('remembers a refused document instead of fetching it on every request', async () => {
    let fetches = 0;
    const load = metadataDocumentLoader({
      db,
      fetchDocument: async () => {
        fetches++;
        return { body: { client_id: 'https://someone-else.example/c.json' } };
      },
    });
    for (let i = 0; i < 10; i++) expect(await load('https://refused.example.com/c.json')).toBeUndefined();
    expect(fetches).toBe(1);
  });
});
