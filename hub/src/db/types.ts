/** The database seen by the rest of the hub: plain SQL with positional parameters, on either driver. */
export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export interface Queryable {
  /** Runs one parameterised statement ($1, $2, …). Values are never interpolated into SQL. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
}

export interface Db extends Queryable {
  readonly driver: 'pg' | 'pglite';
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs a script of several statements without parameters (migrations only). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

/** Raised when the database cannot be reached; the HTTP layer answers 503 with Retry-After. */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
}

/**
 * The connection was lost while COMMIT was in flight: the server may have committed before it went,
 * so the transaction's outcome is unknown to us (a failure before COMMIT is a plain
 * DatabaseUnavailableError, and nothing of it was stored).
 */
export class CommitOutcomeUnknownError extends DatabaseUnavailableError {
  override name = 'CommitOutcomeUnknownError';
}
