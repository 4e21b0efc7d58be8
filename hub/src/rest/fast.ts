/**
 * The hot path of the REST API: a tool route served straight from node:http. Express's routing costs
 * more than a cheap tool's own work (a profile put the framework at ~80 µs of CPU per request, the
 * bare node:http answer at ~10), and every morning-briefing call is such a request.
 *
 * It serves exactly what router.ts serves for the same request, with the same steps (authenticate,
 * then for a POST the JSON body, rate limit, invokeTool, JSON) and the same answers (errorReply, the
 * same headers): only a GET or POST whose path matches a tool route of that method literally (case
 * and trailing slash as the catalogue writes them), and for a POST only a JSON body of a known length
 * within the limit and without a content encoding. Anything else (HEAD, other paths, other bodies,
 * the other doors) returns false and goes to Express. `hub/src/rest/fast.test.ts` compares the two
 * paths request for request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { CATALOGUE, type CatalogueTool } from '../../../shared/index.js';
import { errorReply, observeRequest, plainJsonBody, readJson, sendJson } from '../http/reply.js';
import type { HubDeps } from '../deps.js';
import type { HubMetrics } from '../metrics.js';
import { pipeline } from '../pipeline.js';
import { answerRoute, REST_BODY_LIMIT_BYTES } from './router.js';

/** Off only in the test that compares this path with Express's, which also reads how many it served. */
export const restFastPath = { enabled: true, served: 0 };

interface Route {
  tool: CatalogueTool;
  /** Literal segments as strings; parameters as their names prefixed with ':'. */
  segments: string[];
}

const ROUTES: Route[] = CATALOGUE.map((tool) => ({ tool, segments: tool.route.path.split('/') }));

/** The tool route a method and path name and its raw (still percent-encoded) parameters, or undefined. */
function match(method: string, pathname: string): { tool: CatalogueTool; params: Record<string, string> } | undefined {
  const parts = pathname.split('/');
  next: for (const route of ROUTES) {
    if (route.tool.route.method !== method || route.segments.length !== parts.length) continue;
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
  const pipe = pipeline(deps, 'rest');
  return (req, res) => {
    const { method, url, headers: h } = req;
    if (!restFastPath.enabled || (method !== 'GET' && method !== 'POST') || !url?.startsWith('/v1/')) return false;
    if (method === 'POST' && !plainJsonBody(req, REST_BODY_LIMIT_BYTES)) return false;
    const q = url.indexOf('?');
    const found = match(method, q < 0 ? url : url.slice(0, q));
    if (!found) return false;
    restFastPath.served++;
    const { tool } = found;
    const reqId = observeRequest(deps, metrics, req, res, () => tool.route.path, () => tool.route.path);
    void (async () => {
      try {
        // As Express, which decodes while routing: each parameter percent-decoded, a malformed one a
        // URIError (answered 400) before the token is looked at.
        const params: Record<string, string> = {};
        for (const [k, v] of Object.entries(found.params)) params[k] = decodeURIComponent(v);
        const principal = await pipe.authenticate(h.authorization);
        // The token before the body, as router.ts: an unauthenticated caller learns nothing from it.
        let body: unknown;
        if (method === 'POST') {
          const parsed = await readJson(req);
          if (!parsed) throw Object.assign(new SyntaxError('invalid JSON'), { type: 'entity.parse.failed' });
          body = parsed.value;
        }
        const output = await answerRoute(deps, principal, tool, q < 0 ? {} : parseQuery(url.slice(q + 1)), body, params);
        sendJson(res, 200, { 'Cache-Control': 'no-store' }, output);
      } catch (err) {
        if (res.destroyed) return; // the client went away mid-body
        const r = errorReply(deps, err, Boolean(h.authorization), reqId, '/v1');
        sendJson(res, r.status, r.headers, r.body);
      }
    })();
    return true;
  };
}
