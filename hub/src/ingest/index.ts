/**
 * The agent ingest API, under /v1/ingest (mounted by app.ts before the /v1 tool routes):
 *   POST /v1/ingest/heartbeat   the agent's identity, OS and load; creates the agent on first call
 *   POST /v1/ingest/inventory   the installed packages (replaces the list; re-matched against advisories)
 *   POST /v1/ingest/events      detections, alerts and auth events, idempotent by their ids
 * Authenticated by `Authorization: Bearer men_…` enrollment tokens only; each route has its own body
 * limit, and each request is one transaction. See docs/ingest.md.
 */
import express from 'express';
import type { z } from 'zod';
import { bearerToken } from '../auth/bearer.js';
import type { HubDeps } from '../deps.js';
import { RateLimitError, UserInputError } from '../errors.js';
import { admit } from '../http/rate-limit.js';
import { Events, Heartbeat, Inventory, LIMITS } from './schemas.js';
import { recordHeartbeat, replaceInventory, storeEvents } from './store.js';
import { verifyEnrollmentToken, type AgentPrincipal } from './tokens.js';
import type { Queryable } from '../db/types.js';

/** Turns the first zod issue into a 400 naming the field, e.g. `packages.3.version`. */
function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new UserInputError('The request body must be a JSON object (Content-Type: application/json).');
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const field = [...issue.path.map(String), issue.keys[0]!].join('.').slice(0, 200);
    throw new UserInputError(`Unknown field "${field}".`, field);
  }
  const field = issue.path.map(String).join('.') || '(body)';
  throw new UserInputError(`Invalid field "${field}": ${issue.message}.`, field);
}

export function mountIngest(app: express.Express, deps: HubDeps): void {
  const route = <S extends z.ZodType, R>(
    path: string,
    limit: string,
    schema: S,
    handle: (tx: Queryable, p: AgentPrincipal, body: z.infer<S>) => Promise<R>,
  ) => {
    // The token is checked before the body is read, so an unauthenticated caller cannot make the hub parse megabytes.
    const authenticate: express.RequestHandler = async (req, res, next) => {
      res.locals.route = `/v1/ingest/${path}`;
      const agent = await verifyEnrollmentToken(deps.db, bearerToken(req.get('authorization')));
      const { perToken, windowSeconds } = deps.config.ingestLimit;
      const admitted = await admit(deps.db, [{ bucket: `ingest:token:${agent.tokenId}`, cap: perToken, windowSeconds }]);
      if (admitted.retryAfter) throw new RateLimitError(admitted.retryAfter, 'ingest requests for this enrollment token');
      res.locals.agent = agent;
      next();
    };
    app.post(`/v1/ingest/${path}`, authenticate, express.json({ limit }), async (req, res) => {
      const principal = res.locals.agent as AgentPrincipal;
      const body = parseBody(schema, req.body);
      const result = await deps.db.transaction((tx) => handle(tx, principal, body));
      res.set('Cache-Control', 'no-store').json({ status: 'ok', ...result });
    });
  };

  route('heartbeat', LIMITS.heartbeatBytes, Heartbeat, async (tx, p, h) => {
    await recordHeartbeat(tx, p, h);
    return { agent_id: h.agent_id };
  });
  route('inventory', LIMITS.inventoryBytes, Inventory, (tx, p, inv) => replaceInventory(tx, p, inv));
  route('events', LIMITS.eventsBytes, Events, (tx, p, b) => storeEvents(tx, p, b));
}
