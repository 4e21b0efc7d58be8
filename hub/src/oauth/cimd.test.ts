/** Client ID Metadata Documents: SSRF limits, validation of the document, caching. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../../../test/harness/db.js';
import { checkMetadataUrl, isPrivateAddress, metadataDocumentLoader, metadataFromDocument, MetadataDocumentError } from './cimd.js';

const ID = 'https://client.example.com/oauth/client.json';

describe('SSRF limits', () => {
  it.each(['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fd00::1', 'fe80::1', '::ffff:10.0.0.1', 'not-an-ip'])(
    'treats %s as non-public',
    (a) => expect(isPrivateAddress(a)).toBe(true),
  );
  it.each(['93.184.216.34', '1.1.1.1', '2606:4700:4700::1111'])('treats %s as public', (a) => expect(isPrivateAddress(a)).toBe(false));

  it.each([
    'http://client.example.com/c.json',
    'https://client.example.com/',
    'https://client.example.com:8443/c.json',
    'https://user:pw@client.example.com/c.json',
    'https://client.example.com/c.json#x',
    'https://127.0.0.1/c.json',
    'https://[::1]/c.json',
    'not a url',
  ])('refuses the client_id URL %s before any request', (u) => {
    expect(() => checkMetadataUrl(u)).toThrow(MetadataDocumentError);
  });
});

describe('the document', () => {
  const doc = { client_id: ID, client_name: 'Doc Client', redirect_uris: ['https://client.example.com/cb'] };
  it('becomes a public web client, or native when all redirects are loopback', () => {
    expect(metadataFromDocument(ID, doc)).toMatchObject({ client_id: ID, client_name: 'Doc Client', token_endpoint_auth_method: 'none', application_type: 'web' });
    expect(metadataFromDocument(ID, { ...doc, redirect_uris: ['http://127.0.0.1/cb'] }).application_type).toBe('native');
  });
  it.each([
    ['another client_id', { ...doc, client_id: 'https://evil.example/c.json' }],
    ['a client secret', { ...doc, client_secret: 's' }],
    ['a confidential auth method', { ...doc, token_endpoint_auth_method: 'client_secret_basic' }],
    ['an http redirect', { ...doc, redirect_uris: ['http://client.example.com/cb'] }],
    ['no redirects', { ...doc, redirect_uris: [] }],
    ['not an object', [doc]],
  ])('is refused with %s', (_n, body) => {
    expect(() => metadataFromDocument(ID, body)).toThrow();
  });
});

describe('loader cache', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await freshDb('pglite');
  });
  afterAll(async () => db?.close());

  it('fetches once, caches for at least the minimum time, and refuses bad documents', async () => {
    let fetches = 0;
    const load = metadataDocumentLoader({
      db,
      fetchDocument: async (url) => {
        fetches++;
        if (url.pathname === '/bad.json') return { body: { client_id: 'https://other.example/x' } };
        return { body: { client_id: url.toString(), client_name: 'Cached', redirect_uris: ['https://client.example.com/cb'] }, maxAge: 10 };
      },
    });
    expect((await load(ID))?.client_name).toBe('Cached');
    expect((await load(ID))?.client_name).toBe('Cached');
    expect(fetches).toBe(1);
    const row = await db.query<{ s: number }>(`SELECT extract(epoch FROM expires_at - now())::int AS s FROM oauth_clients WHERE client_id = $1`, [ID]);
    expect(row.rows[0]!.s).toBeGreaterThanOrEqual(290);
    expect(await load('https://client.example.com/bad.json')).toBeUndefined();
    expect(await load('https://10.0.0.1/c.json')).toBeUndefined();
    expect(fetches).toBe(2);
  });
});
