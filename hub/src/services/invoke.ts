/**
 * The one path every tool call takes, whichever door it came in by (REST, /mcp, the bridge via REST):
 * scope and role check, input validation against the catalogue, the service call, output check,
 * and exactly one mcp_call_log row with the SHA-256 of the canonical arguments (never the arguments).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { findTool, roleAtLeast, type Role, type Scope } from '../../../shared/index.js';
import type { Principal } from '../auth/tokens.js';
import { DatabaseUnavailableError, type Db } from '../db/types.js';
import { Batcher, batcherPer } from '../db/batch.js';
import { CallNotRecordedError, ForbiddenError, InsufficientScopeError, InternalError, NotFoundError, ToolError, UnavailableError, UserInputError } from '../errors.js';
import { HANDLERS } from './index.js';
import type { ServiceContext } from './context.js';
import type { HubMetrics } from '../metrics.js';
import { Pseudonymizer } from '../privacy/pseudonymize.js';

export type Door = 'rest' | 'mcp';

export interface InvokeDeps {
  db: Db;
  metrics?: HubMetrics;
  /** Called with unexpected errors (logged as 500s); never with arguments or tokens. */
  onInternalError?: (err: unknown, tool: string) => void;
  /** Called when a call's log row could not be written (the call is then answered with an error). */
  onCallLogFailure?: (err: unknown, tool: string) => void;
  /** The settings services read (the hub's config; benchmarks pass their own). */
  config?: { fleetFactsTtlMs: number };
}

/** JSON with object keys sorted at every depth, so equal arguments hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export function argumentsHash(args: unknown): string {
  return createHash('sha256').update(canonicalJson(args ?? {})).digest('hex');
}

/** Turns a zod failure into a message that names the field, without echoing the value. */
export function inputError(error: z.ZodError): UserInputError {
  const issue = error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => `"${k.slice(0, 64)}"`).join(', ');
    return new UserInputError(`Unknown argument ${keys}.`, issue.keys[0]);
  }
  const field = issue.path.map(String).join('.') || '(arguments)';
  return new UserInputError(`Invalid argument "${field}": ${issue.message}.`, field);
}

/**
 * The tool's input schema refusing unknown keys. Built once per tool: `.strict()` makes a new schema,
 * and zod compiles a schema's parser on its first use, so building it per call would recompile it every time.
 */
const STRICT_INPUTS = new Map<string, z.ZodObject>();
export function strictInput(op: Operation): z.ZodObject {
  let schema = STRICT_INPUTS.get(op.name);
  if (!schema) STRICT_INPUTS.set(op.name, (schema = op.input.strict()));
  return schema;
}

/**
 * What the pipeline needs of an operation: a catalogue tool (every door), or one of the REST API's
 * own operations that MCP does not expose (rest/operations.ts).
 */
export interface Operation {
  name: string;
  scope: Scope;
  minRole: Role;
  readOnly: boolean;
  input: z.ZodObject;
  output: z.ZodType;
}

export type OperationHandler = (ctx: ServiceContext, input: never) => Promise<unknown>;

/** Checks scope and role before anything is read. */
export function authorize(principal: Principal, op: Operation): void {
  if (!principal.scopes.includes(op.scope)) throw new InsufficientScopeError(op.scope);
  if (!roleAtLeast(principal.role, op.minRole)) {
    throw new ForbiddenError('forbidden', `Your role in this tenant (${principal.role}) may not use ${op.name}; it needs ${op.minRole} or higher.`);
  }
}

/** A catalogue tool by name (an unknown name is 404). */
export async function invokeTool(deps: InvokeDeps, principal: Principal, name: string, rawArgs: unknown, door: Door): Promise<unknown> {
  const tool = findTool(name);
  if (!tool) throw new NotFoundError(`Tool "${name.slice(0, 64)}"`);
  return invokeOperation(deps, principal, tool, HANDLERS[tool.name] as OperationHandler, rawArgs, door);
}

export async function invokeOperation(
  deps: InvokeDeps,
  principal: Principal,
  op: Operation,
  handler: OperationHandler,
  rawArgs: unknown,
  door: Door,
): Promise<unknown> {
  const started = performance.now();
  let hashed: unknown = rawArgs;
  let result: unknown;
  let failure: ToolError | undefined;
  try {
    authorize(principal, op);
    const parsed = strictInput(op).safeParse(rawArgs ?? {});
    if (!parsed.success) throw inputError(parsed.error);
    hashed = parsed.data;
    result = await run(deps, principal, op, handler, parsed.data);
  } catch (err) {
    failure = toToolError(err, deps, op.name);
  }
  const ms = performance.now() - started;
  const status = failure?.code ?? 'ok';
  deps.metrics?.toolCalls.inc({ tool: op.name, door, status });
  deps.metrics?.toolDuration.observe({ tool: op.name, door }, ms / 1000);
  try {
    await writeCallLog(deps.db, { principal, tool: op.name, door, argsHash: argumentsHash(hashed), durationMs: ms, status });
  } catch (err) {
    deps.onCallLogFailure?.(err, op.name);
    // A call that already failed keeps its own error; one that did its work is not answered as a success.
    // With the database gone, that is the outage's answer (a change may or may not have been stored).
    if (failure) throw failure;
    throw err instanceof DatabaseUnavailableError ? new UnavailableError(!op.readOnly) : new CallNotRecordedError(!op.readOnly);
  }
  if (failure) throw failure;
  return result;
}

async function run(deps: InvokeDeps, principal: Principal, op: Operation, handler: OperationHandler, input: unknown): Promise<unknown> {
  const call = handler as (ctx: ServiceContext, input: unknown) => Promise<unknown>;
  const ctx: ServiceContext = { db: deps.db, principal, fleetFactsTtlMs: deps.config?.fleetFactsTtlMs };
  if (!principal.pseudonymize) return op.output.parse(await call(ctx, input));
  // Sovereignty mode: pseudonyms in, real values for the service, pseudonyms out.
  const privacy = await Pseudonymizer.forTenant(deps.db, principal.tenantId);
  const real = await privacy.reveal(op.input, input as Record<string, unknown>);
  const output = op.output.parse(await call(ctx, real));
  return privacy.conceal(op.output, output);
}

function toToolError(err: unknown, deps: InvokeDeps, tool: string): ToolError {
  if (err instanceof ToolError) return err;
  if (err instanceof DatabaseUnavailableError) return UnavailableError.of(err);
  deps.onInternalError?.(err, tool);
  return new InternalError();
}

interface CallLogEntry {
  principal: Principal;
  tool: string;
  door: Door;
  argsHash: string;
  durationMs: number;
  status: string;
}

/**
 * Call-log rows are group-committed (db/batch.ts): every row queued while the previous insert was in
 * flight goes in one statement, and each caller is answered once its row is committed. called_at is
 * clock_timestamp(), so rows of one batch keep their order. If the statement fails for a reason other
 * than the database being gone (a row whose tenant was just deleted, say), the rows are retried one by
 * one, so one row cannot cost the others their record.
 */
const CALL_LOG_INSERT = `INSERT INTO mcp_call_log (tenant_id, id, called_at, tool_name, door, user_id, actor_email, client_id, args_sha256, duration_ms, result_status)
  SELECT tenant_id, id, clock_timestamp(), tool_name, door, user_id, actor_email, client_id, args_sha256, duration_ms, result_status
    FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::uuid[], $6::text[], $7::text[], $8::text[], $9::real[], $10::text[])
         AS e (tenant_id, id, tool_name, door, user_id, actor_email, client_id, args_sha256, duration_ms, result_status)`;

function insertCallLogs(db: Db, entries: CallLogEntry[]) {
  return db.query(CALL_LOG_INSERT, [
    entries.map((e) => e.principal.tenantId),
    entries.map(() => randomUUID()),
    entries.map((e) => e.tool),
    entries.map((e) => e.door),
    entries.map((e) => e.principal.userId),
    entries.map((e) => e.principal.email),
    entries.map((e) => e.principal.clientId),
    entries.map((e) => e.argsHash),
    entries.map((e) => e.durationMs),
    entries.map((e) => e.status),
  ]);
}

const callLogs = batcherPer((db: Db) =>
  new Batcher<CallLogEntry, unknown>(async (entries) => {
    try {
      await insertCallLogs(db, entries);
      return entries.map(() => undefined);
    } catch (err) {
      if (entries.length === 1 || err instanceof DatabaseUnavailableError) throw err;
      const each = await Promise.allSettled(entries.map((e) => insertCallLogs(db, [e])));
      return each.map((r) => (r.status === 'rejected' ? (r.reason ?? new Error('call log insert failed')) : undefined));
    }
  }),
);

/** Resolves once the row is committed; rejects when it could not be written. */
async function writeCallLog(db: Db, e: CallLogEntry): Promise<void> {
  const failure = await callLogs(db).run(e);
  if (failure) throw failure;
}
