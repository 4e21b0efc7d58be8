/**
 * The closed set of errors a tool call can end in. Each carries its HTTP status and a
 * stable code; messages are our own templates (never raw upstream or database text),
 * because they reach the model. One place maps them to REST responses (rest/router.ts)
 * and one to MCP tool results (mcp/).
 */
import { CommitOutcomeUnknownError, type DatabaseUnavailableError } from './db/types.js';

export const ERROR_CODES = {
  invalid_argument: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  forbidden: 403,
  tenant_opted_out: 403,
  not_found: 404,
  rate_limited: 429,
  database_unavailable: 503,
  internal_error: 500,
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

export class ToolError extends Error {
  override name = 'ToolError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.status = ERROR_CODES[code];
  }
}

/** Bad arguments: the message names the field. */
export class UserInputError extends ToolError {
  constructor(message: string, readonly field?: string) {
    super('invalid_argument', message, field ? { field } : {});
  }
}

export class NotFoundError extends ToolError {
  /** The same message whether the id does not exist or belongs to another tenant. */
  constructor(what: string) {
    super('not_found', `${what} not found in this tenant`);
  }
}

export class UnauthorizedError extends ToolError {
  constructor(message = 'The access token is missing, invalid, expired or revoked. Sign in again to get a new one.') {
    super('invalid_token', message);
  }
}

export class ForbiddenError extends ToolError {}

export class InsufficientScopeError extends ForbiddenError {
  constructor(readonly scope: string) {
    super('insufficient_scope', `This call needs the scope "${scope}", which the access token was not granted.`, { scope });
  }
}

export class TenantOptedOutError extends ForbiddenError {
  constructor() {
    super(
      'tenant_opted_out',
      'The Claude connector is not enabled for this tenant. A tenant admin can enable it in the monsys dashboard (or: hub tenant enable <slug>).',
    );
  }
}

export class RateLimitError extends ToolError {
  constructor(readonly retryAfterSeconds: number, what = 'tool calls') {
    super('rate_limited', `Too many ${what}. Retry after ${retryAfterSeconds} seconds.`, { retry_after: retryAfterSeconds });
  }
}

/**
 * The call's row could not be written to the call log. Every call is logged (the product page's
 * promise, and the rate limit's evidence), so an unrecorded call is not answered as a success.
 */
export class CallNotRecordedError extends ToolError {
  constructor(changed: boolean) {
    super(
      'database_unavailable',
      'The monsys hub could not record this call in its audit log, so its answer is withheld. Retry in a few seconds.' +
        (changed ? ' The change itself may have been stored; repeating it is safe.' : ''),
      { recorded: false },
    );
  }
}

/** Anything unexpected: the details go to the log, never to the caller. */
export const INTERNAL_ERROR_MESSAGE = 'The monsys hub hit an internal error. It has been logged; retry later.';

export class InternalError extends ToolError {
  constructor() {
    super('internal_error', INTERNAL_ERROR_MESSAGE);
  }
}

export class UnavailableError extends ToolError {
  /** `outcomeUnknown`: the database went away while a change was being committed (CommitOutcomeUnknownError). */
  constructor(outcomeUnknown = false) {
    super(
      'database_unavailable',
      outcomeUnknown
        ? 'The monsys hub lost its database while saving this change, so it may or may not have been stored. Retry in a few seconds: repeating it is safe.'
        : 'The monsys hub cannot reach its database right now. Retry in a few seconds.',
      outcomeUnknown ? { outcome: 'unknown' } : {},
    );
  }

  /** The answer to a DatabaseUnavailableError, saying whether a change may have been stored. */
  static of(err: DatabaseUnavailableError): UnavailableError {
    return new UnavailableError(err instanceof CommitOutcomeUnknownError);
  }
}
