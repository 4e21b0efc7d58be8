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
