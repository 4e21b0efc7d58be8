/**
 * The small pieces every domain's SQL shares: a WHERE builder that starts from the tenant
 * (so no query can forget it), LIKE escaping, severity ranks and ISO timestamps.
 */
import { SEVERITY_ORDER, type Severity } from '../../../shared/index.js';

/**
 * Conditions and parameters of one statement. The first condition is always
 * `<alias>.tenant_id = $1` with the caller's tenant: tenant scoping by construction.
 */
export class Where {
  readonly params: unknown[];
  private readonly conds: string[];

  constructor(alias: string, tenantId: string) {
    this.params = [tenantId];
    this.conds = [`${alias}.tenant_id = $1`];
  }

  /** Adds a parameter and returns its placeholder (`$n`). */
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  /** Adds `cond(placeholder)` when `value` is defined; optional filters skip themselves. */
  when<T>(value: T | undefined, cond: (p: string) => string): this {
    this.bind(value, cond);
    return this;
  }

  /** As `when`, returning the placeholder (undefined when skipped) for the statement to use again. */
  bind<T>(value: T | undefined, cond: (p: string) => string): string | undefined {
    if (value === undefined) return undefined;
    const p = this.param(value);
    this.conds.push(cond(p));
    return p;
  }

  /** Adds a condition without a parameter. */
  and(cond: string): this {
    this.conds.push(cond);
    return this;
  }

  get sql(): string {
    return this.conds.join(' AND ');
  }
}

/**
 * The first whole UTC hour after the instant `lo` (an SQL expression): where a window [lo, ∞) starts
 * reading detection_hours (migration 006), its partial first hour [lo, this) counted from the rows.
 */
export function firstWholeHour(lo: string): string {
  return `date_trunc('hour', ${lo}, 'UTC') + interval '1 hour'`;
}

/** A pattern for `ILIKE … ESCAPE '\'` matching `text` anywhere, with `%`, `_` and `\` taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** SQL expression ranking a severity column: info 1 … critical 5. */
export function severityRank(column: string): string {
  return `array_position(ARRAY['info','low','medium','high','critical']::text[], ${column})`;
}

/** The same rank in JS, for parameters compared against severityRank(). */
export function rankOf(severity: Severity): number {
  return SEVERITY_ORDER.indexOf(severity) + 1;
}

export function iso(d: Date): string {
  return d.toISOString();
}

export function isoOrNull(d: Date | null | undefined): string | null {
  return d ? d.toISOString() : null;
}
