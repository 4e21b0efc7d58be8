/**
 * Affected ranges: OSV `ECOSYSTEM` range events turned into intervals, and the test of an
 * installed version against them with the ecosystem's comparator.
 * @see https://ossf.github.io/osv-schema/#affectedranges-field (evaluation of events)
 */
import type { Comparator } from '../versions/index.js';
import type { OsvEvent } from './schema.js';

/** [introduced, fixed) or [introduced, last_affected]; introduced "0" means "every version". */
export interface Interval {
  introduced: string;
  fixed: string | null;
  last_affected: string | null;
}

/**
 * Pairs each `introduced` with the `fixed` or `last_affected` that follows it. OSV writes the
 * events of one range in this order for distribution ecosystems; an introduced with nothing
 * after it is open-ended (no fix yet). `limit` only applies to GIT ranges and is ignored.
 */
export function intervalsOf(events: OsvEvent[]): Interval[] {
  const out: Interval[] = [];
  let open: Interval | null = null;
  for (const e of events) {
    if ('introduced' in e) {
      if (open) out.push(open);
      open = { introduced: e.introduced, fixed: null, last_affected: null };
    } else if ('fixed' in e || 'last_affected' in e) {
      const current: Interval = open ?? { introduced: '0', fixed: null, last_affected: null };
      if ('fixed' in e) current.fixed = e.fixed;
      else current.last_affected = e.last_affected;
      out.push(current);
      open = null;
    }
  }
  if (open) out.push(open);
  return out;
}

/** True when `version` lies in one of the intervals, compared with `cmp`. */
export function isAffected(version: string, intervals: Interval[], cmp: Comparator): boolean {
  return intervals.some((r) => {
    if (r.introduced !== '0' && cmp(version, r.introduced) < 0) return false;
    if (r.fixed !== null) return cmp(version, r.fixed) < 0;
    if (r.last_affected !== null) return cmp(version, r.last_affected) <= 0;
    return true;
  });
}
