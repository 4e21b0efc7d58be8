/**
 * The REST API under /v1: one route per catalogue tool, derived from its `route` field, and one per
 * REST-only operation (rest/operations.ts). Each route is the pipeline (pipeline.ts: authenticate →
 * (JSON body) → admit → invoke) → JSON; errors go to the app's error handler.
 */
import express from 'express';
import { CATALOGUE, type CatalogueTool } from '../../../shared/index.js';
import { invokeOperation } from '../services/invoke.js';
import { REST_OPERATIONS, type RestOperation } from './operations.js';
import { pipeline } from '../pipeline.js';
import type { HubDeps } from '../deps.js';
import type { Principal } from '../auth/tokens.js';

/** The largest JSON body a REST tool route reads. */
export const REST_BODY_LIMIT_BYTES = 32 * 1024;

export function restRouter(deps: HubDeps): express.Router {
  const router = express.Router();
  const json = express.json({ limit: REST_BODY_LIMIT_BYTES });
  const rest = pipeline(deps, 'rest');
  for (const tool of [...CATALOGUE, ...REST_OPERATIONS]) {
    const path = tool.route.path.replace(/^\/v1/, '') || '/';
    const method = tool.route.method === 'GET' ? 'get' : 'post';
    // The token before the body: an unauthenticated caller learns nothing from parse or size errors.
    const authenticated: express.RequestHandler = async (req, res, next) => {
      res.locals.route = tool.route.path;
      res.locals.principal = await rest.authenticate(req.get('authorization'));
      next();
    };
    const handle: express.RequestHandler = async (req, res) => {
      const output = await answerRoute(deps, res.locals.principal as Principal, tool, req.query, method === 'post' ? req.body : undefined, req.params);
      res.set('Cache-Control', 'no-store').json(output);
    };
    if (method === 'post') router.post(path, authenticated, json, handle);
    else router.get(path, authenticated, handle);
  }
  return router;
}

/**
 * A tool route's answer once its caller is authenticated, for this router and the fast path
 * (rest/fast.ts): the arguments from the query, a JSON object body and the path parameters (in
 * rising precedence), the caller's budget, then the tool.
 */
export async function answerRoute(
  deps: HubDeps,
  principal: Principal,
  tool: CatalogueTool | RestOperation,
  query: Record<string, unknown>,
  body: unknown,
  params: Record<string, unknown>,
): Promise<unknown> {
  const fields = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const args = { ...query, ...fields, ...params };
  const rest = pipeline(deps, 'rest');
  await rest.admit(principal, [{ name: tool.name, args }]);
  return 'handler' in tool ? invokeOperation(deps, principal, tool, tool.handler, args, 'rest') : rest.invoke(principal, tool.name, args);
}
