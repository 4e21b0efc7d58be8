/**
 * What every answer of the hub shares, whichever door serves it: per-request observation, and the one
 * mapping of the closed error set (errors.ts) to HTTP statuses, `WWW-Authenticate` and `Retry-After`,
 * REST error bodies, JSON-RPC errors and MCP tool error results.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HubDeps } from '../deps.js';
import { DatabaseUnavailableError } from '../db/types.js';
import { InternalError, ToolError, UnavailableError } from '../errors.js';
import { errorFields } from '../logger.js';
import type { HubMetrics } from '../metrics.js';
import { ALL_SCOPES } from '../../../shared/index.js';
import { toolError, type CallToolResult } from '../../../shared/mcp.js';

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

/**
 * An error of the closed set (errors.ts) as every door answers it: HTTP status, headers
 * (`WWW-Authenticate`, `Retry-After`), the stable code, our own message and its details.
 */
export interface ErrorAnswer {
  status: number;
  headers: Record<string, string>;
  code: string;
  message: string;
  details: Record<string, unknown>;
}

export interface ErrorContext {
  /** Whether the request carried a token: `invalid_token` is said only then. @see RFC 6750 §3.1 */
  tokenSent: boolean;
  /** The protected-resource metadata the challenges name. @see RFC 9728 §5.1 */
  resourceMetadata: string;
  /**
   * The scopes the token has, for a step-up challenge that asks for them plus the missing one, so a
   * client that replaces its scopes on step-up keeps what it had.
   * @see MCP spec 2025-11-25 basic/authorization "Scope Challenge Handling"
   */
  granted?: readonly string[];
  reqId?: string;
}

/**
 * The one mapping from errors to answers. Express's and body-parser's own errors for unreadable
 * requests get fixed messages (theirs quote the request); anything outside the closed set is a
 * logged 500 whose text never leaves the hub.
 */
export function mapError(deps: Pick<HubDeps, 'logger'>, err: unknown, ctx: ErrorContext): ErrorAnswer {
  const plain = (status: number, code: string, message: string): ErrorAnswer => ({ status, headers: { 'Cache-Control': 'no-store' }, code, message, details: {} });
  const type = (err as { type?: string } | undefined)?.type;
  let e: ToolError;
  let unreadable: ReturnType<typeof clientError>;
  if (err instanceof ToolError) e = err;
  else if (err instanceof DatabaseUnavailableError) e = UnavailableError.of(err);
  else if (type === 'entity.too.large') return plain(413, 'payload_too_large', 'The request body is too large.');
  else if (type === 'entity.parse.failed') return plain(400, 'invalid_json', 'The request body is not valid JSON.');
  else if ((unreadable = clientError(err))) return plain(unreadable.status, 'invalid_request', unreadable.message);
  else {
    deps.logger.error({ reqId: ctx.reqId, err: errorFields(err) }, 'unhandled error');
    e = new InternalError();
  }
  const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
  if (e.code === 'invalid_token') {
    headers['WWW-Authenticate'] = authenticationChallenge(ctx.tokenSent, ctx.resourceMetadata);
  } else if (e.code === 'insufficient_scope') {
    const missing = String(e.details.scope);
    const scope = ctx.granted ? [...new Set([...ctx.granted, missing])].sort().join(' ') : missing;
    headers['WWW-Authenticate'] = bearerChallenge({ error: 'insufficient_scope', scope, resourceMetadata: ctx.resourceMetadata });
  } else if (e.code === 'rate_limited') {
    headers['Retry-After'] = String(e.details.retry_after);
  } else if (e.code === 'database_unavailable') {
    headers['Retry-After'] = '5';
  }
  return { status: e.status, headers, code: e.code, message: e.message, details: e.details };
}

/** An error as the JSON API answers it: status, headers and body. */
export interface ErrorReply {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** `resourcePath`: the protected resource the request was for ('/v1' for the REST API), named by challenges. */
export function errorReply(deps: HubDeps, err: unknown, tokenSent: boolean, reqId: string | undefined, resourcePath = ''): ErrorReply {
  const a = mapError(deps, err, { tokenSent, reqId, resourceMetadata: resourceMetadataUrl(deps.config.publicUrl, resourcePath) });
  return { status: a.status, headers: a.headers, body: { error: { code: a.code, message: a.message, ...a.details } } };
}

/** JSON-RPC error codes the hub answers with. @see JSON-RPC 2.0 §5.1; MCP 2026-07-28 basic/index "Error Codes" */
export const RPC = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  /** Implementation-defined transport errors, as the SDK's transports use it (auth, origin, size, rate). */
  server: -32000,
} as const;

/**
 * The same answer as a JSON-RPC error response. `id` is left out when there is no request to answer:
 * 2026-07-28 allows only a string or an integer there, never null.
 */
export function rpcErrorBody(a: Pick<ErrorAnswer, 'status' | 'code' | 'message'>, id?: string | number): unknown {
  const rpcCode = a.code === 'invalid_json' ? RPC.parseError : RPC.server;
  const error = { code: rpcCode, message: a.message, data: { code: a.code } };
  return id === undefined ? { jsonrpc: '2.0', error } : { jsonrpc: '2.0', id, error };
}

/** The same answer as an MCP tool error result (`isError`), for errors raised inside a tool call. */
export function toolErrorResult(deps: Pick<HubDeps, 'logger'>, err: unknown): CallToolResult {
  const a = mapError(deps, err, { tokenSent: true, resourceMetadata: '' });
  return toolError(a.code, a.message);
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

/**
 * `WWW-Authenticate: Bearer …` challenges, every value quoted and escaped.
 * @see RFC 6750 §3 (error, scope), RFC 9728 §5.1 (resource_metadata)
 */
export interface BearerChallenge {
  error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope';
  errorDescription?: string;
  scope?: string;
  resourceMetadata?: string;
}

const quote = (v: string) => `"${v.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\r\n]/g, ' ')}"`;

export function bearerChallenge(c: BearerChallenge): string {
  const params: [string, string | undefined][] = [
    ['realm', 'monsys'],
    ['error', c.error],
    ['error_description', c.errorDescription],
    ['scope', c.scope],
    ['resource_metadata', c.resourceMetadata],
  ];
  return 'Bearer ' + params.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${quote(v!)}`).join(', ');
}

/**
 * The 401 challenge: `invalid_token` only when a token was presented (RFC 6750 §3.1), and the scopes a
 * connection asks for, so a client can authorize without a second round trip (MCP authorization,
 * "Scope Selection Strategy": the challenge's scope comes first). The user may still leave the write
 * scope out at consent.
 */
export function authenticationChallenge(tokenSent: boolean, resourceMetadata: string): string {
  return bearerChallenge({ error: tokenSent ? 'invalid_token' : undefined, scope: ALL_SCOPES.join(' '), resourceMetadata });
}
