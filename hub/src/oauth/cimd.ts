/**
 * Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document; the MCP
 * authorization spec 2025-11-25 prefers them to dynamic registration): the client_id is an
 * https URL, and the hub fetches the client's metadata from it.
 *
 * Fetching a URL chosen by a stranger is an SSRF risk, so: https only, default port only, no
 * credentials in the URL, every resolved address must be public (checked in the DNS lookup the
 * connection actually uses, so a rebinding answer cannot slip through), no redirects, 5 s and
 * 5 kB caps, and the result is cached in oauth_clients for up to a day.
 */
import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import https from 'node:https';
import type { AdapterPayload } from 'oidc-provider';
import type { Queryable } from '../db/types.js';
import { isLoopbackRedirect, validateRedirectUris } from './register.js';

export const CIMD_LIMITS = { bytes: 5 * 1024, timeoutMs: 5000, minCacheSeconds: 300, maxCacheSeconds: 86_400 } as const;

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 3],
] as const) blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['2001:db8::', 32], ['64:ff9b::', 96], ['100::', 64]] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** True for addresses the hub must never fetch from (private, loopback, link-local, …). */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return blocked.check(mapped[1]!, 'ipv4');
    return blocked.check(address, 'ipv6');
  }
  return true;
}

export class MetadataDocumentError extends Error {
  override name = 'MetadataDocumentError';
}

/** Checks the client_id URL itself before any network access. */
export function checkMetadataUrl(clientId: string): URL {
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    throw new MetadataDocumentError('client_id is not a URL');
  }
  if (url.protocol !== 'https:') throw new MetadataDocumentError('client_id URL must use https');
  if (url.username || url.password || url.hash || url.port) throw new MetadataDocumentError('client_id URL must not carry credentials, a fragment or a port');
  if (url.pathname === '/' || url.pathname === '') throw new MetadataDocumentError('client_id URL must have a path');
  if (isIP(url.hostname.replace(/^\[|\]$/g, '')) && isPrivateAddress(url.hostname.replace(/^\[|\]$/g, ''))) throw new MetadataDocumentError('client_id host is not public');
  return url;
}

/** The DNS lookup used for the connection: refuses names that resolve to non-public addresses. */
function publicOnlyLookup(hostname: string, options: object, callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const list = addresses as LookupAddress[];
    if (!list.length || list.some((a) => isPrivateAddress(a.address))) return callback(new MetadataDocumentError('client_id host resolves to a non-public address'), []);
    if ((options as { all?: boolean }).all) return callback(null, list);
    callback(null, list[0]!.address, list[0]!.family);
  });
}

export interface FetchedDocument {
  body: unknown;
  maxAge?: number;
}

/** GET with the caps above. */
export function fetchMetadataDocument(url: URL): Promise<FetchedDocument> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { lookup: publicOnlyLookup as never, timeout: CIMD_LIMITS.timeoutMs, headers: { accept: 'application/json' } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return reject(new MetadataDocumentError(`client metadata document answered HTTP ${res.statusCode}`));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > CIMD_LIMITS.bytes) {
          req.destroy(new MetadataDocumentError('client metadata document is too large'));
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => {
        try {
          const maxAge = /max-age=(\d+)/.exec(res.headers['cache-control'] ?? '')?.[1];
          resolve({ body: JSON.parse(Buffer.concat(chunks).toString('utf8')), maxAge: maxAge ? Number(maxAge) : undefined });
        } catch {
          reject(new MetadataDocumentError('client metadata document is not JSON'));
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new MetadataDocumentError('client metadata document timed out')));
    req.on('error', reject);
  });
}

/**
 * Turns a fetched document into client metadata for the provider: the document must name its
 * own URL as client_id, a public client (no secret), valid redirect URIs.
 */
export function metadataFromDocument(clientId: string, body: unknown): AdapterPayload {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new MetadataDocumentError('client metadata document is not a JSON object');
  const doc = body as Record<string, unknown>;
  if (doc.client_id !== clientId) throw new MetadataDocumentError('client metadata document names a different client_id');
  if ('client_secret' in doc) throw new MetadataDocumentError('client metadata document must not contain a client_secret');
  const method = doc.token_endpoint_auth_method ?? 'none';
  if (method !== 'none') throw new MetadataDocumentError('only public clients (token_endpoint_auth_method "none") are supported');
  const redirectUris = validateRedirectUris(doc.redirect_uris);
  return {
    client_id: clientId,
    client_name: typeof doc.client_name === 'string' ? doc.client_name.slice(0, 200) : new URL(clientId).hostname,
    redirect_uris: redirectUris,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    application_type: redirectUris.every(isLoopbackRedirect) ? 'native' : 'web',
    ...(typeof doc.client_uri === 'string' && doc.client_uri.startsWith('https://') ? { client_uri: doc.client_uri } : {}),
  };
}

export interface MetadataDocumentLoaderOptions {
  db: Queryable;
  /** Replaceable in tests; production fetches over https with the limits above. */
  fetchDocument?: (url: URL) => Promise<FetchedDocument>;
  onError?: (clientId: string, err: unknown) => void;
}

/** The Client adapter's loader: from the cache when fresh, else fetched, validated and cached. */
export function metadataDocumentLoader(o: MetadataDocumentLoaderOptions): (clientId: string) => Promise<AdapterPayload | undefined> {
  const fetchDocument = o.fetchDocument ?? fetchMetadataDocument;
  return async (clientId) => {
    const cached = await o.db.query<{ metadata: AdapterPayload }>(
      `SELECT metadata FROM oauth_clients WHERE client_id = $1 AND source = 'metadata_document' AND expires_at > now()`,
      [clientId],
    );
    if (cached.rows[0]) return cached.rows[0].metadata;
    try {
      const url = checkMetadataUrl(clientId);
      const fetched = await fetchDocument(url);
      const metadata = metadataFromDocument(clientId, fetched.body);
      const ttl = Math.min(CIMD_LIMITS.maxCacheSeconds, Math.max(CIMD_LIMITS.minCacheSeconds, fetched.maxAge ?? 3600));
      await o.db.query(
        `INSERT INTO oauth_clients (client_id, source, client_name, metadata, expires_at)
         VALUES ($1, 'metadata_document', $2, $3, now() + make_interval(secs => $4))
         ON CONFLICT (client_id) DO UPDATE SET metadata = EXCLUDED.metadata, client_name = EXCLUDED.client_name, expires_at = EXCLUDED.expires_at
         WHERE oauth_clients.source = 'metadata_document'`,
        [clientId, metadata.client_name, metadata, ttl],
      );
      return metadata;
    } catch (err) {
      // An unusable document is an unknown client: the authorize endpoint shows invalid_client.
      o.onError?.(clientId, err);
      return undefined;
    }
  };
}
