/** A database that reports every read statement it runs (for query-plan checks), then runs it. */
import type { Db, Queryable } from './types.js';

export type StatementListener = (sql: string, params: unknown[]) => void;

/** Wraps `db` so each SELECT/WITH statement, in or out of a transaction, is passed to `onRead` first. */
export function recordingDb(db: Db, onRead: StatementListener): Db {
  const record = (q: Queryable): Queryable['query'] => (sql, params) => {
    if (/^\s*(WITH|SELECT)\b/i.test(sql)) onRead(sql, params ?? []);
    return q.query(sql, params);
  };
  return { ...db, driver: db.driver, query: record(db), transaction: (fn) => db.transaction((tx) => fn({ query: record(tx) })) };
}
