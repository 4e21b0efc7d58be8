/** The hub's HTTP application: three doors (OAuth, REST, MCP) over one service layer. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import express from 'express';
import { pendingMigrations } from './db/migrate.js';
import type { HubDeps } from './deps.js';
import { mountMcp } from './mcp/index.js';
import { mountOAuth } from './oauth/index.js';
import { mountIngest } from './ingest/index.js';
import { restRouter } from './rest/router.js';
import { createMetrics } from './metrics.js';
import { fastRest } from './rest/fast.js';
import { errorReply, observeRequest } from './http/reply.js';
import { notFoundPage } from './console/views.js';
import { pageHeaders } from './oauth/pages.js';

export async function createApp(
  deps: HubDeps,
): Promise<{ app: express.Express; handler: (req: IncomingMessage, res: ServerResponse) => void; close(): Promise<void> }> {
  const { config } = deps;
  const metrics = (deps.metrics ??= createMetrics(deps.db as never));
  const app = express();
  app.disable('x-powered-by');
  // Every JSON answer is `Cache-Control: no-store`; hashing each body for an ETag would buy nothing.
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy);

  app.use((req, res, next) => {
    res.locals.requestId = observeRequest(deps, metrics, req, res, () => (res.locals.route as string | undefined) ?? (req.route?.path ? String(req.route.path) : 'unmatched'), () => (res.locals.route as string | undefined) ?? req.path);
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

  // The tool doors first: they are the hot path, and no other door serves a path they match
  // (the MCP routes are exactly /mcp and /; the OAuth server's are /mcp/oauth/…, /.well-known/…, /settings/…).
  app.use('/v1', restRouter(deps));
  mountMcp(app, deps);
  const oauth = await mountOAuth(app, deps);
  mountIngest(app, deps);

  app.use('/v1', (_req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: 'No such API route.' } });
  });
  // Anything else: a page for a browser (in the hub's look, under its CSP), JSON for a program.
  app.use((req, res) => {
    if (req.accepts(['json', 'html']) === 'html') return void res.status(404).set(pageHeaders()).type('html').send(notFoundPage());
    res.status(404).json({ error: { code: 'not_found', message: 'Nothing is served at this address.' } });
  });

  app.use(errorHandler(deps));
  const viaExpress = (req: IncomingMessage, res: ServerResponse) => void app(req, res);
  const rest = fastRest(deps, metrics);
  return {
    app,
    /** The request listener: REST tool calls by the fast path (ADR 0005), everything else through Express. */
    handler: (req, res) => {
      if (!rest(req, res)) viaExpress(req, res);
    },
    close: async () => void (await oauth?.close()),
  };
}

/** /metrics is for the operator: loopback callers that no proxy forwarded, or anyone presenting METRICS_TOKEN. */
function metricsAllowed(req: express.Request, token: string | undefined): boolean {
  if (token) {
    const sent = Buffer.from(/^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1] ?? '');
    const want = Buffer.from(token);
    return sent.length === want.length && timingSafeEqual(sent, want);
  }
  // A reverse proxy on the same host connects from loopback for every client it forwards, and says so
  // in its forwarding headers: a forwarded request is never a local operator's.
  if (req.get('x-forwarded-for') !== undefined || req.get('forwarded') !== undefined || req.get('x-real-ip') !== undefined) return false;
  const ip = req.socket.remoteAddress ?? '';
  return ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1';
}

function errorHandler(deps: HubDeps): express.ErrorRequestHandler {
  return (err, req, res, _next) => {
    const r = errorReply(deps, err, Boolean(req.get('authorization')), res.locals.requestId as string | undefined, /^\/v1(\/|$)/.test(req.path) ? '/v1' : '');
    res.status(r.status).set(r.headers).json(r.body);
  };
}
