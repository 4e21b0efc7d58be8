/**
 * The remote MCP endpoint for claude.ai: Streamable HTTP, stateless, at `/mcp` and at the hub's root
 * (the product page gives the bare hub URL as the connector URL; its curl example posts to `/mcp`).
 *
 * Per POST: Origin check → the pipeline's authenticate step (before the body, so an unauthenticated
 * caller learns nothing from parse or size errors) → the size-capped JSON body → the pipeline's admit
 * step for the tool calls it carries (403 step-up, 429) → the MCP SDK, with the parsed body and the
 * principal: its per-request handler for 2026-07-28, its stateless Streamable HTTP transport for the
 * 2025 revisions (routed by the SDK's own isLegacyRequest). Nothing is kept between requests, so any
 * hub instance answers any request. Errors are answered with http/reply.ts's mapping.
 * @see MCP spec 2025-06-18 / 2025-11-25 / 2026-07-28, basic/transports and basic/authorization
 */
import express from 'express';
import { createMcpHandler, isLegacyRequest, WebStandardStreamableHTTPServerTransport, type AuthInfo } from '@modelcontextprotocol/server';
import type { Principal } from '../auth/tokens.js';
import type { HubDeps } from '../deps.js';
import { mapError, resourceMetadataUrl, rpcErrorBody } from '../http/reply.js';
import { pipeline, type ToolCall } from '../pipeline.js';
import { allowedOrigins, completeAccept, notificationHeaderMismatch, originGuard, requestIdOf, sendResponse, sendRpcError, toWebRequest, unservedVersion } from './http.js';
import { LANDING_HEADERS, landingPage } from './landing.js';
import { buildServer } from './server.js';

/** The two MCP endpoints and the protected-resource metadata each one names. @see RFC 9728 §3.1, §5.1 */
const ENDPOINTS = [
  { path: '/mcp', metadataPath: '/mcp' },
  { path: '/', metadataPath: '' },
] as const;

/** HeaderMismatch. @see MCP spec 2026-07-28 basic/index "Error Codes" */
const HEADER_MISMATCH = -32020;

/** The tool calls a JSON-RPC body carries (one message, or a 2025-03-26 batch). */
function toolCalls(body: unknown): ToolCall[] {
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  return messages
    .filter((m): m is { id: unknown; method: string; params?: { name?: unknown; arguments?: unknown } } => typeof m === 'object' && m !== null && 'id' in m && (m as { method?: unknown }).method === 'tools/call')
    .map((m) => ({ name: m.params?.name, args: m.params?.arguments }));
}

export function mountMcp(app: express.Express, deps: HubDeps): void {
  const { config } = deps;
  const maxRequestBodySize = config.limits.maxBodyBytes;
  const pipe = pipeline(deps, 'mcp');
  const origins = originGuard(allowedOrigins(config.publicUrl, config.allowedOrigins));
  const json = express.json({ limit: maxRequestBodySize });
  const principalOf = (authInfo: AuthInfo | undefined) => authInfo!.extra!.principal as Principal;
  // The SDK reports requests it refused here; its messages quote the request, so only the kind is logged.
  const onerror = (err: Error) => deps.logger.debug({ err: { name: err.name } }, 'mcp request refused by the SDK');
  const modern = createMcpHandler(({ authInfo }) => buildServer(deps, pipe, principalOf(authInfo)), { legacy: 'reject', maxRequestBodySize, onerror });

  /** The 2025 revisions: one SDK server and stateless transport per request, answering JSON. */
  async function serveLegacy(request: Request, body: unknown, authInfo: AuthInfo): Promise<Response> {
    const server = buildServer(deps, pipe, principalOf(authInfo));
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true, maxRequestBodySize });
    await server.connect(transport);
    try {
      return await transport.handleRequest(request, { authInfo, parsedBody: body });
    } finally {
      void transport.close();
      void server.close();
    }
  }

  for (const { path, metadataPath } of ENDPOINTS) {
    const metadata = resourceMetadataUrl(config.publicUrl, metadataPath);
    const router = express.Router();

    router.all(path, (_req, res, next) => {
      // The metrics label (app.ts): the endpoint, never the raw path.
      res.locals.route = path;
      next();
    });

    // Stateless: no standalone SSE stream to GET and no session to DELETE.
    // @see MCP spec 2025-11-25 basic/transports (405 when no SSE stream is offered); 2026-07-28 removes both.
    const notAllowed: express.RequestHandler = (_req, res) =>
      sendRpcError(res, 405, 'Method not allowed: this endpoint is stateless; send JSON-RPC messages with POST.', { Allow: 'POST' });
    router.get(path, (req, res, next) => {
      // A page view (a browser, or curl with no Accept), not an MCP client asking for an SSE stream.
      if (path === '/' && !(req.get('accept') ?? '').includes('text/event-stream') && req.accepts('html')) {
        return void res.status(200).type('html').set(LANDING_HEADERS).send(landingPage(config.publicUrl));
      }
      next();
    });
    router.get(path, origins, notAllowed);
    router.delete(path, origins, notAllowed);

    // Express 5 passes rejected promises to the error handler below.
    router.post(
      path,
      origins,
      async (req, res, next) => {
        res.locals.principal = await pipe.authenticate(req.get('authorization'));
        next();
      },
      json,
      async (req, res) => {
        const principal = res.locals.principal as Principal;
        const body: unknown = req.body;
        res.locals.rpcId = Array.isArray(body) ? undefined : requestIdOf(body);
        if (notificationHeaderMismatch(req, body)) {
          return sendRpcError(res, 400, 'Bad Request: the request headers and body disagree: the Mcp-Method header is missing or does not match the body\u2019s method.', {}, HEADER_MISMATCH);
        }
        await pipe.admit(principal, toolCalls(body));
        completeAccept(req);
        const request = toWebRequest(req, `${config.publicUrl}${path}`);
        const authInfo: AuthInfo = { token: '', clientId: principal.clientId ?? '', scopes: principal.scopes, extra: { principal } };
        const legacy = !unservedVersion(req) && (await isLegacyRequest(request, body, { maxRequestBodySize }));
        await sendResponse(res, legacy ? await serveLegacy(request, body, authInfo) : await modern.fetch(request, { authInfo, parsedBody: body }));
      },
    );

    router.all(path, notAllowed);
    router.use(path, ((err, req, res, _next) => {
      if (res.headersSent) return void res.end();
      const granted = (res.locals.principal as Principal | undefined)?.scopes;
      const a = mapError(deps, err, { tokenSent: req.get('authorization') !== undefined, resourceMetadata: metadata, granted, reqId: res.locals.requestId as string | undefined });
      res.status(a.status).set(a.headers).json(rpcErrorBody(a, res.locals.rpcId as string | number | undefined));
    }) as express.ErrorRequestHandler);
    app.use(router);
  }
}
