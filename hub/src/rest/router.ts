/**
 * The REST API under /v1: one route per catalogue tool, derived from its `route` field.
 * Each route is authenticate → (JSON body) → invokeTool → JSON; errors go to the app's error handler.
 */
import express from 'express';
import { CATALOGUE } from '../../../shared/index.js';
import { authenticate, hubAudiences } from '../auth/bearer.js';
import { invokeTool } from '../services/invoke.js';
import { checkRateLimit } from '../http/rate-limit.js';
import type { HubDeps } from '../deps.js';
import type { Principal } from '../auth/tokens.js';

/** The largest JSON body a REST tool route reads. */
export const REST_BODY_LIMIT_BYTES = 32 * 1024;

export function restRouter(deps: HubDeps): express.Router {
  const router = express.Router();
  const json = express.json({ limit: REST_BODY_LIMIT_BYTES });
  const audiences = hubAudiences(deps.config.publicUrl);
  for (const tool of CATALOGUE) {
    const path = tool.route.path.replace(/^\/v1/, '') || '/';
    const method = tool.route.method === 'GET' ? 'get' : 'post';
    // The token before the body: an unauthenticated caller learns nothing from parse or size errors.
    const authenticated: express.RequestHandler = async (req, res, next) => {
      res.locals.route = tool.route.path;
      res.locals.principal = await authenticate(deps.db, req.get('authorization'), audiences);
      next();
    };
    const handle: express.RequestHandler = async (req, res) => {
      const principal = res.locals.principal as Principal;
      const body = method === 'post' && req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};
      const args = { ...(req.query as Record<string, unknown>), ...body, ...req.params };
      await checkRateLimit(deps.db, principal, 1, deps.config.limits);
      const output = await invokeTool(deps, principal, tool.name, args, 'rest');
      res.set('Cache-Control', 'no-store').json(output);
    };
    if (method === 'post') router.post(path, authenticated, json, handle);
    else router.get(path, authenticated, handle);
  }
  return router;
}
