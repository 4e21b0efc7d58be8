/**
 * The remote MCP endpoint for claude.ai: Streamable HTTP, stateless, at `/mcp` and at the hub's root
 * (the product page gives the bare hub URL as the connector URL; its curl example posts to `/mcp`).
 *
 * Per POST: Origin check → bearer token → body (size-capped JSON) → protocol revision → scope
 * step-up and rate limit for tool calls → a fresh SDK server + transport (2025-xx revisions) or the
 * 2026-07-28 dispatcher. Nothing is kept between requests, so any hub instance answers any request.
 * @see MCP spec 2025-06-18 / 2025-11-25 / 2026-07-28, basic/transports and basic/authorization
 */
import express from 'express';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { findTool } from '../../../shared/index.js';
import { clientError, resourceMetadataUrl } from '../http/reply.js';
import { authenticate, doorAudiences } from '../auth/bearer.js';
import type { Principal } from '../auth/tokens.js';
import { DatabaseUnavailableError } from '../db/types.js';
import type { HubDeps } from '../deps.js';
import type { HubConfig } from '../config.js';
import { INTERNAL_ERROR_MESSAGE, InsufficientScopeError, ToolError, UnavailableError } from '../errors.js';
import { errorFields } from '../logger.js';
import { invokeTool } from '../services/invoke.js';
import { authenticationChallenge, bearerChallenge } from '../http/challenge.js';
import { allowedOrigins, completeAccept, originGuard, sendRpcError } from './http.js';
import { LANDING_HEADERS, landingPage } from './landing.js';
import { dispatchModern, LEGACY_VERSIONS, MODERN_VERSIONS, parseModern, requestIdOf, sendModernError, sendModernResult, sendUnsupportedVersion } from './modern.js';
import { checkRateLimit } from '../http/rate-limit.js';
import { buildServer } from './server.js';
import { RPC, RpcError } from './tools.js';


/** The two MCP endpoints and the protected-resource metadata each one names. @see RFC 9728 §3.1, §5.1 */
const ENDPOINTS = [
  { path: '/mcp', metadataPath: '/mcp' },
  { path: '/', metadataPath: '' },
] as const;

export function mountMcp(app: express.Express, deps: HubDeps): void {
  const limits = deps.config.limits;
  const { config } = deps;
  const audiences = doorAudiences(config.publicUrl, 'mcp');
  const origins = originGuard(allowedOrigins(config.publicUrl, config.allowedOrigins));
  const json = express.json({ limit: limits.maxBodyBytes });

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
      sendRpcError(res, 405, RPC.server, 'Method not allowed: this endpoint is stateless; send JSON-RPC messages with POST.', {
        headers: { Allow: 'POST' },
      });
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
        // The token before the body: an unauthenticated caller learns nothing from parse or size errors.
        res.locals.principal = await authenticate(deps.db, req.get('authorization'), audiences);
        next();
      },
      json,
      (req, res) => handlePost(deps, limits, metadata, req, res),
    );

    router.all(path, notAllowed);
    router.use(path, errorHandler(deps, metadata));
    app.use(router);
  }
}

async function handlePost(deps: HubDeps, limits: HubConfig['limits'], metadata: string, req: express.Request, res: express.Response): Promise<void> {
  const principal = res.locals.principal as Principal;
  const body: unknown = req.body;
  const version = req.get('mcp-protocol-version');

  if (version !== undefined && MODERN_VERSIONS.includes(version)) {
    const parsed = parseModern(req, res, body);
    if (parsed === undefined) return;
    if (parsed === 'notification') return void res.status(202).end();
    const calls = parsed.method === 'tools/call' ? [{ name: parsed.params.name, args: parsed.params.arguments }] : [];
    if (calls.length && !(await admitToolCalls(deps, limits, metadata, principal, calls, res, parsed.id))) return;
    try {
      sendModernResult(res, parsed.id, await dispatchModern(deps, principal, parsed));
    } catch (err) {
      if (err instanceof RpcError) return sendModernError(res, parsed.id, err);
      throw err;
    }
    return;
  }
  if (version !== undefined && !LEGACY_VERSIONS.includes(version)) return sendUnsupportedVersion(res, version, requestIdOf(body));

  const messages = Array.isArray(body) ? body : [body];
  const calls = messages
    .filter((m): m is { method: string; id: unknown; params?: { name?: unknown; arguments?: unknown } } => isRequest(m) && m.method === 'tools/call')
    .map((m) => ({ name: m.params?.name, args: m.params?.arguments }));
  const single = messages.length === 1 ? requestIdOf(messages[0]) : undefined;
  if (calls.length && !(await admitToolCalls(deps, limits, metadata, principal, calls, res, single))) return;

  completeAccept(req);
  const server = buildServer(deps, principal);
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
    maxRequestBodySize: limits.maxBodyBytes,
  });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, body);
}

function isRequest(m: unknown): boolean {
  return typeof m === 'object' && m !== null && 'id' in m && typeof (m as { method?: unknown }).method === 'string';
}

/**
 * Before any tool runs: a tool whose scope the token lacks is refused with the step-up challenge
 * (HTTP 403, `insufficient_scope`, the scopes to request), then the rate limit is applied.
 * The challenge's scope is the token's scopes plus the missing one, so a client that replaces its
 * scopes on step-up keeps what it had. @see MCP spec 2025-11-25 basic/authorization "Scope Challenge Handling"
 */
async function admitToolCalls(
  deps: HubDeps,
  limits: HubConfig['limits'],
  metadata: string,
  principal: Principal,
  calls: { name: unknown; args: unknown }[],
  res: express.Response,
  id?: string | number,
): Promise<boolean> {
  for (const { name, args } of calls) {
    const tool = typeof name === 'string' ? findTool(name) : undefined;
    if (tool && !principal.scopes.includes(tool.scope)) {
      // Through invokeTool all the same: it refuses before reading anything and writes the call-log
      // row (result insufficient_scope), exactly as the REST door does.
      await invokeTool(deps, principal, tool.name, args, 'mcp').catch((err: unknown) => {
        if (!(err instanceof InsufficientScopeError)) throw err;
      });
      const scope = [...new Set([...principal.scopes, tool.scope])].sort().join(' ');
      sendRpcError(res, 403, RPC.server, `Forbidden: ${tool.name} needs the scope "${tool.scope}", which this access token was not granted. Re-authorize to add it.`, {
        id,
        headers: { 'WWW-Authenticate': bearerChallenge({ error: 'insufficient_scope', scope, resourceMetadata: metadata }) },
      });
      return false;
    }
  }
  await checkRateLimit(deps.db, principal, calls.length, limits);
  return true;
}

/** Errors before or around dispatch, as JSON-RPC error bodies with the right HTTP status and headers. */
function errorHandler(deps: HubDeps, metadata: string): express.ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (res.headersSent) return void res.end();
    const type = (err as { type?: string }).type;
    if (type === 'entity.too.large') return sendRpcError(res, 413, RPC.server, 'Payload Too Large: the request body exceeds the limit of this endpoint.');
    if (type === 'entity.parse.failed') return sendRpcError(res, 400, RPC.parseError, 'Parse error: the request body is not valid JSON.');
    const unreadable = clientError(err);
    if (unreadable) return sendRpcError(res, unreadable.status, RPC.server, unreadable.message);
    if (err instanceof DatabaseUnavailableError) err = UnavailableError.of(err);
    if (err instanceof ToolError) {
      const headers: Record<string, string> = {};
      if (err.code === 'invalid_token') {
        headers['WWW-Authenticate'] = authenticationChallenge(req.get('authorization') !== undefined, metadata);
      } else if (err.code === 'rate_limited') headers['Retry-After'] = String(err.details.retry_after);
      else if (err.code === 'database_unavailable') headers['Retry-After'] = '5';
      return sendRpcError(res, err.status, RPC.server, err.message, { headers, data: { code: err.code } });
    }
    deps.logger.error({ reqId: res.locals.requestId, err: errorFields(err) }, 'mcp request failed');
    sendRpcError(res, 500, RPC.server, INTERNAL_ERROR_MESSAGE);
  };
}
