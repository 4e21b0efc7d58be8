/**
 * Determinism for the demo data: every id and every random choice is derived from
 * the seed number and a label, never from crypto.randomUUID() or Math.random(),
 * so the same seed gives the same rows on either driver.
 *
 * The same derivation is written twice, once here (for the story rows built in JS)
 * and once as SQL (for the bulk rows built with generate_series), so both halves
 * of a seed share one id scheme: md5(`${seed}:${label}`) shaped as an RFC 9562
 * version-3 (name-based, MD5) UUID.
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../db/types.js';

/** A seeded source of choices. Each stream has its own label, so adding a stream never shifts another. */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** Picks by weight: `[[value, weight], …]`. */
  weighted<T>(items: readonly (readonly [T, number])[]): T;
  chance(p: number): boolean;
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/** RFC 9562 §5.3: version nibble 3 (name-based, MD5) and variant bits 10xx. */
function shapeUuid(hex: string): string {
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-3${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** mulberry32: small, fast and good enough for demo data (not for anything secret). */
function mulberry32(state: number): () => number {
  let a = state >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class SeedSource {
  constructor(readonly seed: number) {}

  /** The id of the row named `label` (e.g. "agent:acme:17"). The SQL twin is `sqlUuid`. */
  id(label: string): string {
    return shapeUuid(md5(`${this.seed}:${label}`));
  }

  rng(label: string): Rng {
    const next = mulberry32(parseInt(md5(`${this.seed}:rng:${label}`).slice(0, 8), 16));
    const rng: Rng = {
      next,
      int: (min, max) => min + Math.floor(next() * (max - min + 1)),
      pick: (items) => items[Math.floor(next() * items.length)]!,
      weighted: (items) => {
        const total = items.reduce((s, [, w]) => s + w, 0);
        let r = next() * total;
        for (const [value, w] of items) {
          r -= w;
          if (r < 0) return value;
        }
        return items[items.length - 1]![0];
      },
      chance: (p) => next() < p,
    };
    return rng;
  }
}

/**
 * SQL twin of SeedSource.id for a column `m` holding md5(seed || ':' || label):
 * the same version-3 shape, so JS- and SQL-made ids look alike and pass z.uuid().
 */
export function sqlUuid(m: string): string {
  return (
    `(substr(${m}, 1, 12) || '3' || substr(${m}, 14, 3) || ` +
    `substr('89ab', (('x' || substr(${m}, 17, 1))::bit(4)::int % 4) + 1, 1) || substr(${m}, 18, 15))::uuid`
  );
}

/** The k-th (0-3) 32-bit unsigned number of the md5 column `m`, for choices in SQL without random(). */
export function sqlNum(m: string, k: 0 | 1 | 2 | 3): string {
  return `(('x' || substr(${m}, ${1 + 8 * k}, 8))::bit(32)::bigint & 2147483647)`;
}

/** A column for insertRows: its name, and the SQL type its parameters are cast to (both drivers then agree). */
export type Column = readonly [name: string, type: string];

/**
 * Multi-row parameterised INSERTs, `batch` rows per statement: one round trip per
 * batch instead of per row, which is what makes the story data quick on both drivers.
 */
export async function insertRows(db: Queryable, table: string, columns: readonly Column[], rows: readonly unknown[][], batch = 500): Promise<number> {
  const names = columns.map(([n]) => n).join(', ');
  for (let start = 0; start < rows.length; start += batch) {
    const chunk = rows.slice(start, start + batch);
    const params: unknown[] = [];
    const tuples = chunk.map((row) => {
      if (row.length !== columns.length) throw new Error(`seed: a ${table} row has ${row.length} values for ${columns.length} columns`);
      const placeholders = row.map((value, i) => {
        params.push(value);
        return `$${params.length}::${columns[i]![1]}`;
      });
      return `(${placeholders.join(', ')})`;
    });
    await db.query(`INSERT INTO ${table} (${names}) VALUES ${tuples.join(', ')}`, params);
  }
  return rows.length;
}
