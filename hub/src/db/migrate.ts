import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from './types.js';

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

export interface Migration {
  version: string;
  sql: string;
}

/** The migrations shipped with this build, in order (file names sort by their number). */
export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: f.replace(/\.sql$/, ''), sql: readFileSync(join(dir, f), 'utf8') }));
}

/** Advisory-lock key so that two hubs starting together on one PostgreSQL migrate one at a time. */
const MIGRATION_LOCK = 7_146_233_019;

/** Applies pending migrations, each in its own transaction. Returns the versions it applied. */
export async function migrate(db: Db): Promise<string[]> {
  await db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
  const applied: string[] = [];
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    const done = new Set((await tx.query<{ version: string }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    for (const m of listMigrations()) {
      if (done.has(m.version)) continue;
      // Statements without parameters: the simple protocol runs the whole file.
      for (const statement of splitStatements(m.sql)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [m.version]);
      applied.push(m.version);
    }
  });
  return applied;
}

/** Versions shipped but not applied: non-empty means the database is behind this build. */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const exists = await db.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
  const done = new Set<string>();
  if (exists.rows[0]?.t) {
    for (const r of (await db.query<{ version: string }>('SELECT version FROM schema_migrations')).rows) done.add(r.version);
  }
  return listMigrations()
    .map((m) => m.version)
    .filter((v) => !done.has(v));
}

/**
 * Splits a migration file into its statements at top-level semicolons: not inside a quoted string,
 * a quoted identifier, a dollar-quoted body ($$ … $$, $fn$ … $fn$, as function bodies are written) or
 * a comment. Comments are dropped. Migrations run inside one transaction through parameterised
 * `query`, which takes one statement at a time.
 */
/** A dollar quote's opening tag ($$ or $name$), matched where the scan stands (sticky). */
const DOLLAR_QUOTE = /\$([A-Za-z_][A-Za-z0-9_]*)?\$/y;

export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  let i = 0;
  const flush = () => {
    const s = current.trim();
    if (s) statements.push(s);
    current = '';
  };
  while (i < sql.length) {
    const c = sql[i]!;
    if (sql.startsWith('--', i)) {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end;
      continue;
    }
    if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      if (end === -1) throw new Error('Migration has an unterminated /* comment');
      i = end + 2;
      continue;
    }
    DOLLAR_QUOTE.lastIndex = i;
    const quote = c === "'" || c === '"' ? c : c === '$' ? DOLLAR_QUOTE.exec(sql)?.[0] : undefined;
    if (quote) {
      // A quote doubled inside '…' or "…" is part of the text; the search for the end skips it.
      let end = sql.indexOf(quote, i + quote.length);
      while (quote.length === 1 && end !== -1 && sql[end + 1] === quote) end = sql.indexOf(quote, end + 2);
      if (end === -1) throw new Error(`Migration has an unterminated ${quote} quote`);
      current += sql.slice(i, end + quote.length);
      i = end + quote.length;
      continue;
    }
    if (c === ';') flush();
    else current += c;
    i++;
  }
  flush();
  return statements;
}
