/**
 * Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document; the MCP
 * authorization spec 2025-11-25 prefers them to dynamic registration): the client_id is an
 * https URL, and the hub fetches the client's metadata from it.
 *
 * Fetching a URL chosen by a stranger is an SSRF risk, so: https only, default port only, no
 * credentials in the URL, every resolved address must be public (checked in the DNS lookup the
 * connection actually uses, so a rebinding answer cannot slip through), no redirects, a 5 s
 * deadline for the whole fetch and a 5 kB cap, a few fetches at a time, refusals remembered for
 * five minutes, and the result is cached in oauth_clients for up to a day.
 */
import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import https from 'node:https';
import type { AdapterPayload } from 'oidc-provider';
import type { Queryable } from '../db/types.js';
import { isLoopbackRedirect, validateRedirectUris } from './register.js';

export const CIMD_LIMITS = {
  bytes: 5 * 1024,
  /** A deadline for the whole fetch (connect, TLS, headers, body), not an idle timeout. */
  timeoutMs: 5000,
  minCacheSeconds: 300,
  maxCacheSeconds: 86_400,
  /** Fetches in flight at once, across all client_ids; more are refused rather than queued. */
  concurrent: 4,
  /** How long a refused client_id is answered from memory instead of being fetched again. */
  refusalSeconds: 300,
  /** Refusals remembered at most (oldest forgotten first). */
  refusalEntries: 1000,
} as const;

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 3],
] as const) blocked.addSubnet(net, prefix, 'ipv4');
// IPv6 special-purpose blocks (RFC 6890 registry) that are not plain public unicast. Besides the
// usual loopback, ULA, link-local and multicast: site-local fec0::/10 (deprecated, RFC 3879, but
// still routed locally by some stacks), 6to4 2002::/16 and Teredo 2001::/32 (deprecated tunnels that
// carry an IPv4 address, RFC 7526), NAT64 prefixes (which translate to any IPv4 address).
// IPv4-compatible ::/96 and mapped ::ffff:0:0/96 are judged in isPrivateAddress: a BlockList applies
// IPv6 rules for those prefixes to plain IPv4 addresses too.
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8], ['2001:db8::', 32], ['3fff::', 20],
  ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 32], ['2002::', 16], ['5f00::', 16],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** The 16 bytes of an IPv6 address (any textual form isIP accepts, dotted IPv4 tail included). */
function ipv6Bytes(address: string): number[] {
  // The WHATWG URL parser canonicalises IPv6 (a dotted IPv4 tail becomes two hex groups).
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const [head, tail] = canonical.includes('::') ? canonical.split('::') : [canonical, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}

/** How an IPv6 address carries an IPv4 one: mapped (::ffff:a.b.c.d), compatible (::a.b.c.d) or 6to4. */
function embeddedIpv4(address: string): { form: 'mapped' | 'compatible' | '6to4'; v4: string } | undefined {
  const b = ipv6Bytes(address);
  const zeros = b.slice(0, 10).every((x) => x === 0);
  if (zeros && b[10] === 0xff && b[11] === 0xff) return { form: 'mapped', v4: b.slice(12, 16).join('.') };
  if (zeros && b[10] === 0 && b[11] === 0) return { form: 'compatible', v4: b.slice(12, 16).join('.') };
  if (b[0] === 0x20 && b[1] === 0x02) return { form: '6to4', v4: b.slice(2, 6).join('.') };
  return undefined;
}

/** True for addresses the hub must never fetch from (private, loopback, link-local, …). */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) {
    let embedded: ReturnType<typeof embeddedIpv4>;
    try {
      embedded = embeddedIpv4(address);
    } catch {
      return true;
    }
    // A mapped address is the IPv4 address itself. IPv4-compatible addresses are deprecated
    // (RFC 4291 §2.5.5.1) and no public host has one: ::127.0.0.1 is only another way to write
    // loopback. 6to4 is blocked as a whole; its embedded address is checked all the same.
    if (embedded?.form === 'mapped') return blocked.check(embedded.v4, 'ipv4');
    if (embedded?.form === 'compatible') return true;
    if (embedded && blocked.check(embedded.v4, 'ipv4')) return true;
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

export interface FetchOptions {
  /** Replaces the public-only DNS lookup: tests point a name at a local server with it. */
  lookup?: typeof publicOnlyLookup;
  /** Extra CA certificates to trust (tests' local https server). */
  ca?: string;
}

/** GET with the caps above: one deadline for the whole exchange, the body cut off at the size cap. */
export function fetchMetadataDocument(url: URL, options: FetchOptions = {}): Promise<FetchedDocument> {
  const signal = AbortSignal.timeout(CIMD_LIMITS.timeoutMs);
  return new Promise((resolve, reject) => {
    const req = https.get(
      url,
      { lookup: (options.lookup ?? publicOnlyLookup) as never, signal, headers: { accept: 'application/json' }, ...(options.ca ? { ca: options.ca } : {}) },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return reject(new MetadataDocumentError(`client metadata document answered HTTP ${res.statusCode}`));
        }
        if (Number(res.headers['content-length'] ?? 0) > CIMD_LIMITS.bytes) {
          req.destroy();
          return reject(new MetadataDocumentError('client metadata document is too large'));
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
            const maxAge = /max-age=(\d{1,9})/.exec(res.headers['cache-control'] ?? '')?.[1];
            resolve({ body: JSON.parse(Buffer.concat(chunks).toString('utf8')), maxAge: maxAge ? Number(maxAge) : undefined });
          } catch {
            reject(new MetadataDocumentError('client metadata document is not JSON'));
          }
        });
        res.on('error', reject);
        res.on('aborted', () => reject(new MetadataDocumentError('client metadata document timed out')));
      },
    );
    req.on('error', (err) => reject(signal.aborted ? new MetadataDocumentError('client metadata document timed out') : err));
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

/**
 * The Client adapter's loader: from the cache when fresh, else fetched, validated and cached.
 * Refusals are remembered for a while, concurrent loads of one client_id share one fetch, and at
 * most CIMD_LIMITS.concurrent fetches run at once, so strangers cannot make the hub hold open an
 * unbounded number of slow connections.
 */
export function metadataDocumentLoader(o: MetadataDocumentLoaderOptions): (clientId: string) => Promise<AdapterPayload | undefined> {
  const fetchDocument = o.fetchDocument ?? ((url: URL) => fetchMetadataDocument(url));
  const refused = new Map<string, number>();
  const inFlight = new Map<string, Promise<AdapterPayload | undefined>>();
  let fetching = 0;
  const refuse = (clientId: string, err: unknown): undefined => {
    refused.delete(clientId);
    refused.set(clientId, Date.now() + CIMD_LIMITS.refusalSeconds * 1000);
    while (refused.size > CIMD_LIMITS.refusalEntries) refused.delete(refused.keys().next().value!);
    // An unusable document is an unknown client: the authorize endpoint shows invalid_client.
    o.onError?.(clientId, err);
    return undefined;
  };

  async function load(clientId: string): Promise<AdapterPayload | undefined> {
    const cached = await o.db.query<{ metadata: AdapterPayload }>(
      `SELECT metadata FROM oauth_clients WHERE client_id = $1 AND source = 'metadata_document' AND expires_at > now()`,
      [clientId],
    );
    if (cached.rows[0]) return cached.rows[0].metadata;
    const until = refused.get(clientId);
    if (until !== undefined) {
      if (until > Date.now()) return undefined;
      refused.delete(clientId);
    }
    let url: URL;
    try {
      url = checkMetadataUrl(clientId);
    } catch (err) {
      return refuse(clientId, err);
    }
    // Busy is not the document's fault: refused for this request only, not remembered.
    if (fetching >= CIMD_LIMITS.concurrent) {
      o.onError?.(clientId, new MetadataDocumentError('too many client metadata documents are being fetched'));
      return undefined;
    }
    fetching++;
    try {
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
      return refuse(clientId, err);
    } finally {
      fetching--;
    }
  }

  return (clientId) => {
    let pending = inFlight.get(clientId);
    if (!pending) {
      pending = load(clientId).finally(() => inFlight.delete(clientId));
      inFlight.set(clientId, pending);
    }
    return pending;
  };
}
