import type { Db } from '../db/types.js';
import type { Principal } from '../auth/tokens.js';
import type { ToolInput, ToolName, ToolOutput } from '../../../shared/index.js';

/** What every service function gets: the database and the verified caller. Tenant = principal.tenantId, always. */
export interface ServiceContext {
  db: Db;
  principal: Principal;
  /** How long a computed Trust Score / KPI snapshot may serve (config FLEET_FACTS_TTL_SECONDS); absent = always live. */
  fleetFactsTtlMs?: number;
}

/** One service function per tool: parsed input in, output matching the catalogue's output schema out. */
export type ToolHandler<N extends ToolName> = (ctx: ServiceContext, input: ToolInput<N>) => Promise<ToolOutput<N>>;
export type ToolHandlers = { [N in ToolName]: ToolHandler<N> };
