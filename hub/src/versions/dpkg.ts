/**
 * Debian package version ordering (dpkg, apt, Ubuntu).
 * @see Debian Policy §5.6.12 "Version": [epoch:]upstream_version[-debian_revision]
 *
 * The epoch compares numerically; upstream version and revision each compare by
 * alternating non-digit and digit runs. In a non-digit run letters sort before
 * non-letters, and `~` sorts before everything, even the end of the string
 * (so 1.0~rc1 < 1.0). Digit runs compare as numbers (leading zeros ignored).
 */

export interface DpkgVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

/** Splits a version; an absent epoch is 0 and an absent revision is "" (which compares as "0"). */
export function parseDpkg(version: string): DpkgVersion {
  const v = version.trim();
  const colon = v.indexOf(':');
  let epoch = 0;
  let rest = v;
  if (colon > 0 && /^\d+$/.test(v.slice(0, colon))) {
    epoch = Number(v.slice(0, colon));
    rest = v.slice(colon + 1);
  }
  // The revision is everything after the last hyphen (upstream versions may contain hyphens).
  const dash = rest.lastIndexOf('-');
  return dash >= 0 ? { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) } : { epoch, upstream: rest, revision: '' };
}

/** The weight of one character in a non-digit run: `~` lowest, then end-of-part, letters, the rest. */
function order(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c === '~') return -1;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/** Compares one part (upstream or revision) by the Policy's alternating runs. */
function comparePart(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    // Non-digit run, character by character.
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const ca = isDigit(a[i]) ? undefined : a[i];
      const cb = isDigit(b[j]) ? undefined : b[j];
      const d = order(ca) - order(cb);
      if (d !== 0) return Math.sign(d);
      i++;
      j++;
    }
    // Digit run, numerically: skip leading zeros, then longer is larger, then lexical.
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    let ea = i;
    let eb = j;
    while (isDigit(a[ea])) ea++;
    while (isDigit(b[eb])) eb++;
    const da = a.slice(i, ea);
    const db = b.slice(j, eb);
    if (da.length !== db.length) return da.length < db.length ? -1 : 1;
    if (da !== db) return da < db ? -1 : 1;
    i = ea;
    j = eb;
  }
  return 0;
}

/** -1, 0 or 1 as `a` sorts before, with or after `b` in dpkg's order. */
export function compareDpkg(a: string, b: string): number {
  const x = parseDpkg(a);
  const y = parseDpkg(b);
  if (x.epoch !== y.epoch) return x.epoch < y.epoch ? -1 : 1;
  return comparePart(x.upstream, y.upstream) || comparePart(x.revision, y.revision);
}
