import { createHash } from 'node:crypto';
import pg from 'pg';
import { CommitOutcomeUnknownError, DatabaseUnavailableError, type Db, type Queryable, type QueryResult } from './types.js';

// int8 (counts, sums) as JS numbers: every value we read this way is far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

/** SQLSTATE classes and socket errors that mean "the server is not there", not "the query is wrong". */
function isUnavailable(err: unknown): boolean {
  const e = err as { code?: string };
  if (!e || typeof e.code !== 'string') return false;
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', '57P01', '57P02', '57P03', '53300'].includes(e.code) ||
    e.code.startsWith('08')
  );
}

/**
 * node-postgres reports a lost server with message-only errors too: the socket closing mid-query, a
 * pool connect timeout, and any later query on a client whose connection already failed.
 */
const LOST = /Connection terminated|timeout exceeded when trying to connect|connection error and is not queryable|Client was closed and is not queryable/i;

function lost(err: unknown): boolean {
  return isUnavailable(err) || (err instanceof Error && LOST.test(err.message));
}

function wrap(err: unknown): never {
  if (lost(err)) throw new DatabaseUnavailableError('database unavailable', { cause: err });
  throw err;
}

/** Swallows a checked-out client's socket errors: the query in flight (or the next one) reports them. */
const ignoreClientError = () => {};

const statementNames = new Map<string, string>();
function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (!name) statementNames.set(sql, (name = `m_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`));
  return name;
}

async function run<T>(client: pg.Pool | pg.PoolClient, sql: string, params: unknown[] | undefined, prepare: boolean): Promise<QueryResult<T>> {
  try {
    const r =
      prepare && params?.length
        ? await client.query({ name: statementName(sql), text: sql, values: params })
        : await client.query(sql, params as unknown[]);
    return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
  } catch (err) {
    wrap(err);
  }
}

export interface PgOptions {
  max?: number;
  /**
   * Parameterised statements prepared once per connection under a name derived from their text:
   * PostgreSQL then skips parsing and planning on later runs (the token lookup's four-way join went
   * from 0.42 to 0.08 ms). Off for poolers that cannot keep named statements (PgBouncer in
   * transaction mode before 1.21). Default on.
   */
  preparedStatements?: boolean;
  /**
   * JIT off for the hub's connections (a startup option; a connection string's own `options` win): the
   * hub's statements are short, and compiling one costs more than running it (the Trust Score's facts
   * spent ~50 of their ~100 ms at medium size compiling). Off for poolers that refuse startup options
   * (PgBouncer without `options` in ignore_startup_parameters). Default on.
   */
  jitOff?: boolean;
}

export function openPg(connectionString: string, options: PgOptions = {}): Db & { poolStats(): { total: number; idle: number; waiting: number } } {
  const prepare = options.preparedStatements ?? true;
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30_000,
    ...((options.jitOff ?? true) ? { options: '-c jit=off' } : {}),
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  return {
    driver: 'pg',
    query: (sql, params) => run(pool, sql, params, prepare),
    async exec(sql) {
      await run(pool, sql, undefined, prepare);
    },
    async transaction(fn) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        wrap(err);
      }
      // pg-pool listens for errors on idle clients only: a checked-out client whose server goes away
      // between two statements would otherwise emit an unhandled 'error' and crash the process.
      client.on('error', ignoreClientError);
      const tx: Queryable = { query: (sql, params) => run(client, sql, params, prepare) };
      let broken: Error | undefined;
      try {
        await run(client, 'BEGIN', undefined, prepare);
        const result = await fn(tx);
        await run(client, 'COMMIT', undefined, prepare).catch((err: unknown) => {
          throw err instanceof DatabaseUnavailableError ? new CommitOutcomeUnknownError('connection lost during COMMIT', { cause: err }) : err;
        });
        return result;
      } catch (err) {
        if (err instanceof DatabaseUnavailableError) broken = err;
        else await client.query('ROLLBACK').catch((e: Error) => void (broken = e));
        throw err;
      } finally {
        client.off('error', ignoreClientError);
        // A client that lost its connection is destroyed, not put back in the pool.
        client.release(broken);
      }
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: () => pool.end(),
  };
}
