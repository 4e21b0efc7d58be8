/**
 * The hot path of the REST API: a GET of a tool route, served straight from node:http. Express's
 * routing costs more than a cheap tool's own work (a profile put the framework at ~80 µs of CPU per
 * request, the bare node:http answer at ~10), and every morning-briefing call is such a GET.
 *
 * It serves exactly what router.ts serves for the same request, with the same steps (authenticate,
 * rate limit, invokeTool, JSON) and the same answers (errorReply in app.ts, the same headers):
 * only a GET whose path matches a tool route literally (case and trailing slash as the catalogue
 * writes them). Anything else (POST, HEAD, other paths, the other doors) returns false and goes to
 * Express. `hub/src/rest/fast.test.ts` compares the two paths request for request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { CATALOGUE, type CatalogueTool } from '../../../shared/index.js';
import { errorReply, observeRequest, sendJson } from '../http/reply.js';
import { authenticate, hubAudiences } from '../auth/bearer.js';
import type { HubDeps } from '../deps.js';
import { checkRateLimit } from '../http/rate-limit.js';
import type { HubMetrics } from '../metrics.js';
import { invokeTool } from '../services/invoke.js';

/** Off only in the test that compares this path with Express's. */
export const restFastPath = { enabled: true };

interface Route {
  tool: CatalogueTool;
  /** Literal segments as strings; parameters as their names prefixed with ':'. */
  segments: string[];
}

const ROUTES: Route[] = CATALOGUE.filter((t) => t.route.method === 'GET').map((tool) => ({ tool, segments: tool.route.path.split('/') }));

/** The tool route a path names and its raw (still percent-encoded) parameters, or undefined. */
function match(pathname: string): { tool: CatalogueTool; params: Record<string, string> } | undefined {
  const parts = pathname.split('/');
  next: for (const route of ROUTES) {
    if (route.segments.length !== parts.length) continue;
    const params: Record<string, string> = {};
    for (let i = 0; i < parts.length; i++) {
      const want = route.segments[i]!;
      const got = parts[i]!;
      if (want.startsWith(':')) {
        if (!got) continue next;
        params[want.slice(1)] = got;
      } else if (want !== got) continue next;
    }
    return { tool: route.tool, params };
  }
  return undefined;
}

export function fastRest(deps: HubDeps, metrics: HubMetrics): (req: IncomingMessage, res: ServerResponse) => boolean {
  const audiences = hubAudiences(deps.config.publicUrl);
  return (req, res) => {
    if (!restFastPath.enabled || req.method !== 'GET' || !req.url?.startsWith('/v1/')) return false;
    const q = req.url.indexOf('?');
    const found = match(q < 0 ? req.url : req.url.slice(0, q));
    if (!found) return false;
    const { tool } = found;
    const reqId = observeRequest(deps, metrics, req, res, () => tool.route.path, () => tool.route.path);
    void (async () => {
      try {
        // As Express, which decodes while routing: each parameter percent-decoded, a malformed one a
        // URIError (answered 400) before the token is looked at.
        const params: Record<string, string> = {};
        for (const [k, v] of Object.entries(found.params)) params[k] = decodeURIComponent(v);
        const principal = await authenticate(deps.db, req.headers.authorization, audiences);
        const args = { ...(q < 0 ? {} : parseQuery(req.url!.slice(q + 1))), ...params };
        await checkRateLimit(deps.db, principal, 1, deps.config.limits);
        const output = await invokeTool(deps, principal, tool.name, args, 'rest');
        sendJson(res, 200, { 'Cache-Control': 'no-store' }, output);
      } catch (err) {
        const r = errorReply(deps, err, Boolean(req.headers.authorization), reqId);
        sendJson(res, r.status, r.headers, r.body);
      }
    })();
    return true;
  };
}
