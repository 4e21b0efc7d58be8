/**
 * The REST API under /v1: one route per catalogue tool, derived from its `route` field.
 * Each handler is parse → invokeTool → JSON; errors go to the app's error handler.
 */
import express from 'express';
import { CATALOGUE } from '../../../shared/index.js';
import { authenticate } from '../auth/bearer.js';
import { invokeTool } from '../services/invoke.js';
import { checkRateLimit } from '../http/rate-limit.js';
import type { HubDeps } from '../deps.js';

export function restRouter(deps: HubDeps): express.Router {
  const router = express.Router();
  const audiences = [deps.config.publicUrl, `${deps.config.publicUrl}/mcp`, `${deps.config.publicUrl}/v1`];
  for (const tool of CATALOGUE) {
    const path = tool.route.path.replace(/^\/v1/, '') || '/';
    const method = tool.route.method === 'GET' ? 'get' : 'post';
    router[method](path, async (req, res) => {
      res.locals.route = tool.route.path;
      const principal = await authenticate(deps.db, req.get('authorization'), audiences);
      res.locals.principal = principal;
      const body = method === 'post' && req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};
      const args = { ...(req.query as Record<string, unknown>), ...body, ...req.params };
      await checkRateLimit(deps.db, principal, 1, deps.config.limits);
      const output = await invokeTool(deps, principal, tool.name, args, 'rest');
      res.set('Cache-Control', 'no-store').json(output);
    });
  }
  return router;
}
