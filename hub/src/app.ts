/** The hub's HTTP application: three doors (OAuth, REST, MCP) over one service layer. */
import { randomUUID } from 'node:crypto';
import express from 'express';
import { pendingMigrations } from './db/migrate.js';
import type { HubDeps } from './deps.js';
import { ToolError, UnavailableError } from './errors.js';
import { bearerChallenge } from './http/challenge.js';
import { mountMcp } from './mcp/index.js';
import { mountOAuth } from './oauth/index.js';
import { mountIngest } from './ingest/index.js';
import { restRouter } from './rest/router.js';
import { DatabaseUnavailableError } from './db/types.js';
import { createMetrics } from './metrics.js';
import { timingSafeEqual } from 'node:crypto';

/** Where clients find the protected-resource metadata for a resource path. @see RFC 9728 §3.1 */
export function resourceMetadataUrl(publicUrl: string, resourcePath = ''): string {
  return `${publicUrl}/.well-known/oauth-protected-resource${resourcePath}`;
}

export async function createApp(deps: HubDeps): Promise<{ app: express.Express; close(): Promise<void> }> {
  const { config, logger } = deps;
  const metrics = (deps.metrics ??= createMetrics(deps.db as never));
  const app = express();
  app.disable('x-powered-by');
  // Every JSON answer is `Cache-Control: no-store`; hashing each body for an ETag would buy nothing.
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy);

  app.use((req, res, next) => {
    const id = randomUUID();
    res.locals.requestId = id;
    res.set('X-Request-Id', id);
    res.set('X-Content-Type-Options', 'nosniff');
    res.set('Referrer-Policy', 'no-referrer');
    const started = performance.now();
    res.on('finish', () => {
      const ms = performance.now() - started;
      // The route pattern, not the path, so ids never become label values.
      const route = (res.locals.route as string | undefined) ?? (req.route?.path ? String(req.route.path) : 'unmatched');
      // Method, path, status, duration: never headers, bodies or query values. A tool route logs its
      // pattern (/v1/agents/:agent_id): path segments are tool arguments, which are never logged.
      const path = (res.locals.route as string | undefined) ?? req.path;
      logger.info({ reqId: id, method: req.method, path, status: res.statusCode, ms: Math.round(ms) }, 'request');
      metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      metrics.httpDuration.observe({ method: req.method, route }, ms / 1000);
    });
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      const pending = await pendingMigrations(deps.db);
      if (pending.length) return void res.status(503).json({ status: 'not_ready', reason: 'migrations pending', pending });
      res.json({ status: 'ready' });
    } catch {
      res.status(503).set('Retry-After', '5').json({ status: 'not_ready', reason: 'database unreachable' });
    }
  });

  app.get('/metrics', async (req, res) => {
    if (!metricsAllowed(req, config.metricsToken)) {
      return void res.status(403).json({ error: { code: 'forbidden', message: 'Metrics are served to loopback clients, or with METRICS_TOKEN as a bearer token.' } });
    }
    res.set('Content-Type', metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  // The tool routes first: they are the hot path, and no other door serves a path they match.
  app.use('/v1', restRouter(deps));
  const oauth = await mountOAuth(app, deps);
  mountMcp(app, deps);
  mountIngest(app, deps);

  app.use('/v1', (_req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: 'No such API route.' } });
  });

  app.use(errorHandler(deps));
  return { app, close: async () => void (await oauth?.close()) };
}

/** /metrics is for the operator: loopback callers, or anyone presenting METRICS_TOKEN. */
function metricsAllowed(req: express.Request, token: string | undefined): boolean {
  if (token) {
    const sent = Buffer.from(/^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1] ?? '');
    const want = Buffer.from(token);
    return sent.length === want.length && timingSafeEqual(sent, want);
  }
  const ip = req.socket.remoteAddress ?? '';
  return ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1';
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

/** The one place that turns errors into HTTP responses for the JSON API. */
function errorHandler(deps: HubDeps): express.ErrorRequestHandler {
  return (err, req, res, _next) => {
    let e: ToolError;
    if (err instanceof ToolError) e = err;
    else if (err instanceof DatabaseUnavailableError) e = new UnavailableError();
    else if ((err as { type?: string }).type === 'entity.too.large') {
      return void res.status(413).json({ error: { code: 'payload_too_large', message: 'The request body is too large.' } });
    } else if ((err as { type?: string }).type === 'entity.parse.failed') {
      return void res.status(400).json({ error: { code: 'invalid_json', message: 'The request body is not valid JSON.' } });
    } else if (clientError(err)) {
      // The request itself is unreadable (a path segment that is not valid percent-encoding, a body in a
      // charset or encoding we do not read): the client's fault, answered without echoing any of it.
      const { status, message } = clientError(err)!;
      return void res.status(status).set('Cache-Control', 'no-store').json({ error: { code: 'invalid_request', message } });
    } else {
      deps.logger.error({ reqId: res.locals.requestId, err: { name: (err as Error)?.name, message: (err as Error)?.message, stack: (err as Error)?.stack } }, 'unhandled error');
      e = new ToolError('internal_error', 'The monsys hub hit an internal error. It has been logged; retry later.');
    }
    const metadata = resourceMetadataUrl(deps.config.publicUrl);
    if (e.code === 'invalid_token') {
      const sent = Boolean(req.get('authorization'));
      res.set('WWW-Authenticate', bearerChallenge({ error: sent ? 'invalid_token' : undefined, resourceMetadata: metadata }));
    } else if (e.code === 'insufficient_scope') {
      res.set('WWW-Authenticate', bearerChallenge({ error: 'insufficient_scope', scope: String(e.details.scope), resourceMetadata: metadata }));
    } else if (e.code === 'rate_limited') {
      res.set('Retry-After', String(e.details.retry_after));
    } else if (e.code === 'database_unavailable') {
      res.set('Retry-After', '5');
    }
    res.status(e.status).set('Cache-Control', 'no-store').json({ error: { code: e.code, message: e.message, ...e.details } });
  };
}
