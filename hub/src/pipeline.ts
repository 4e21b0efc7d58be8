/**
 * The one way a tool call travels, whichever door it came in by:
 * authenticate (the token, its audience for this door, the tenant's opt-in) → admit (the tool's scope,
 * refused with its step-up challenge; the one rate limiter) → invoke (role, strict input, the service,
 * output check, pseudonymisation, and the call-log row without which no success is answered:
 * services/invoke.ts) → answer. Doors only translate their protocol to and from these steps, and
 * turn errors into answers with http/reply.ts.
 */
import { findTool } from '../../shared/index.js';
import { authenticate, doorAudiences } from './auth/bearer.js';
import type { Principal } from './auth/tokens.js';
import type { HubDeps } from './deps.js';
import { InsufficientScopeError } from './errors.js';
import { checkRateLimit } from './http/rate-limit.js';
import { invokeTool, type Door } from './services/invoke.js';

/** A tool call as a door received it: name and arguments not yet checked. */
export interface ToolCall {
  name: unknown;
  args: unknown;
}

export interface Pipeline {
  readonly door: Door;
  /** The caller of a request, from its `Authorization` header; UnauthorizedError or TenantOptedOutError otherwise. */
  authenticate(authorization: string | undefined): Promise<Principal>;
  /**
   * Admits the calls of one request before any of them runs: each known tool's scope (the first one
   * missing is InsufficientScopeError, recorded in the call log as a refused call), then the caller's
   * budget for all of them (RateLimitError). Unknown tools are left to the door, which refuses them.
   */
  admit(principal: Principal, calls: readonly ToolCall[]): Promise<void>;
  /** Runs one admitted call; ToolError on every failure the caller may see. */
  invoke(principal: Principal, name: string, args: unknown): Promise<unknown>;
}

export function pipeline(deps: HubDeps, door: Door): Pipeline {
  const audiences = doorAudiences(deps.config.publicUrl, door);
  return {
    door,
    authenticate: (authorization) => authenticate(deps.db, authorization, audiences),
    async admit(principal, calls) {
      for (const { name, args } of calls) {
        const tool = typeof name === 'string' ? findTool(name) : undefined;
        if (tool && !principal.scopes.includes(tool.scope)) {
          // invokeTool refuses before reading anything and writes the call-log row (insufficient_scope).
          await invokeTool(deps, principal, tool.name, args, door).catch((err: unknown) => {
            if (!(err instanceof InsufficientScopeError)) throw err;
          });
          throw new InsufficientScopeError(tool.scope);
        }
      }
      await checkRateLimit(deps.db, principal, calls.length, deps.config.limits);
    },
    invoke: (principal, name, args) => invokeTool(deps, principal, name, args, door),
  };
}
