/**
 * What every JSON answer of the hub shares, whichever path serves it (Express, or the REST fast path in
 * rest/fast.ts): per-request observation and the mapping of errors to HTTP answers.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HubDeps } from '../deps.js';
import { DatabaseUnavailableError } from '../db/types.js';
import { InternalError, ToolError, UnavailableError } from '../errors.js';
import { errorFields } from '../logger.js';
import type { HubMetrics } from '../metrics.js';
import { authenticationChallenge, bearerChallenge } from './challenge.js';

/** Where clients find the protected-resource metadata for a resource path. @see RFC 9728 §3.1 */
export function resourceMetadataUrl(publicUrl: string, resourcePath = ''): string {
  return `${publicUrl}/.well-known/oauth-protected-resource${resourcePath}`;
}

/**
 * Per request, whichever path serves it: a request id, the headers every answer carries, and on finish
 * one log line and the HTTP metrics. Method, path pattern, status, duration: never headers, bodies or
 * query values. A tool route logs its pattern (/v1/agents/:agent_id): path segments are tool
 * arguments, which are never logged; the metrics label is the pattern too, so ids never become labels.
 */
export function observeRequest(deps: HubDeps, metrics: HubMetrics, req: IncomingMessage, res: ServerResponse, route: () => string, path: () => string): string {
  const id = randomUUID();
  res.setHeader('X-Request-Id', id);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  const started = performance.now();
  res.on('finish', () => {
    const ms = performance.now() - started;
    deps.logger.info({ reqId: id, method: req.method, path: path(), status: res.statusCode, ms: Math.round(ms) }, 'request');
    metrics.httpRequests.inc({ method: req.method, route: route(), status: String(res.statusCode) });
    metrics.httpDuration.observe({ method: req.method, route: route() }, ms / 1000);
  });
  return id;
}

/**
 * Errors Express and body-parser raise for requests they cannot read (URIError from a path parameter's
 * percent-encoding; http-errors with `expose` for unsupported charsets and encodings, aborted bodies).
 * Their own messages quote the request, so each gets a fixed one. Undefined for anything else.
 */
export function clientError(err: unknown): { status: number; message: string } | undefined {
  if (err instanceof URIError) return { status: 400, message: 'The request URL is not valid percent-encoding.' };
  const e = err as { status?: unknown; expose?: unknown; type?: unknown };
  if (typeof e?.status !== 'number' || e.status < 400 || e.status > 499 || e.expose !== true) return undefined;
  if (e.type === 'charset.unsupported' || e.type === 'encoding.unsupported') return { status: 415, message: 'The request body\u2019s charset or content encoding is not supported; send UTF-8 JSON.' };
  return { status: e.status, message: 'The request could not be read.' };
}

/** An error as the JSON API answers it: status, headers and body. */
export interface ErrorReply {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/**
 * The one place that turns errors into HTTP responses for the JSON API (Express's error handler and the
 * fast path both answer with it). Unexpected errors are logged here, without the request.
 */
/** `resourcePath`: the protected resource the request was for ('/v1' for the REST API), named by challenges. */
export function errorReply(deps: HubDeps, err: unknown, tokenSent: boolean, reqId: string | undefined, resourcePath = ''): ErrorReply {
  const plain = (status: number, code: string, message: string): ErrorReply => ({ status, headers: { 'Cache-Control': 'no-store' }, body: { error: { code, message } } });
  let e: ToolError;
  let unreadable: ReturnType<typeof clientError>;
  if (err instanceof ToolError) e = err;
  else if (err instanceof DatabaseUnavailableError) e = UnavailableError.of(err);
  else if ((err as { type?: string }).type === 'entity.too.large') return plain(413, 'payload_too_large', 'The request body is too large.');
  else if ((err as { type?: string }).type === 'entity.parse.failed') return plain(400, 'invalid_json', 'The request body is not valid JSON.');
  else if ((unreadable = clientError(err))) {
    // The request itself is unreadable (a path segment that is not valid percent-encoding, a body in a
    // charset or encoding we do not read): the client's fault, answered without echoing any of it.
    return plain(unreadable.status, 'invalid_request', unreadable.message);
  } else {
    deps.logger.error({ reqId, err: errorFields(err) }, 'unhandled error');
    e = new InternalError();
  }
  const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
  const metadata = resourceMetadataUrl(deps.config.publicUrl, resourcePath);
  if (e.code === 'invalid_token') {
    headers['WWW-Authenticate'] = authenticationChallenge(tokenSent, metadata);
  } else if (e.code === 'insufficient_scope') {
    headers['WWW-Authenticate'] = bearerChallenge({ error: 'insufficient_scope', scope: String(e.details.scope), resourceMetadata: metadata });
  } else if (e.code === 'rate_limited') {
    headers['Retry-After'] = String(e.details.retry_after);
  } else if (e.code === 'database_unavailable') {
    headers['Retry-After'] = '5';
  }
  return { status: e.status, headers, body: { error: { code: e.code, message: e.message, ...e.details } } };
}

/**
 * A JSON answer as Express's res.json writes it (content type, length), for the node:http fast paths.
 * Encoded once: the length is the buffer's, where measuring the string and then writing it would walk
 * (and, for text with any non-Latin-1 character, copy) a list's 10–20 KB twice.
 */
export function sendJson(res: ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  const json = Buffer.from(JSON.stringify(body), 'utf8');
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': json.length });
  res.end(json);
}

/** A JSON request body's content type that body-parser reads as it is (UTF-8). */
const JSON_TYPE = /^application\/json\s*(;\s*charset=utf-8\s*)?$/i;

/**
 * Whether the request's body is one the node:http fast paths read themselves (readJson): UTF-8 JSON
 * of a declared length within `limit`, without a content encoding. Any other body is Express's.
 */
export function plainJsonBody(req: IncomingMessage, limit: number): boolean {
  const h = req.headers;
  const length = Number(h['content-length']);
  return JSON_TYPE.test(h['content-type'] ?? '') && h['content-encoding'] === undefined && length > 0 && length <= limit;
}

/**
 * A request's body as JSON, as body-parser's strict mode reads it (an object or array); undefined
 * when it is not that. For the node:http fast paths, which take only bodies of a known length within
 * their limit and without a content encoding.
 */
export async function readJson(req: IncomingMessage): Promise<{ value: unknown } | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!/^[\x20\x09\x0a\x0d]*[{[]/.test(text)) return undefined;
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}
