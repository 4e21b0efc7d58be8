/**
 * RPM version ordering (dnf/yum on RHEL, Rocky, AlmaLinux; zypper on SUSE/openSUSE).
 * @see rpm's rpmvercmp() (rpmio/rpmvercmp.c) and the EVR rules in rpm's documentation
 *
 * A version is compared as segments: runs of digits or of ASCII letters; every other
 * character only separates segments. Digit segments compare numerically and are newer
 * than letter segments. `~` sorts before anything, even the end of the string
 * (pre-releases); `^` sorts after the end of the string but before any further
 * segment (post-release snapshots). When one string runs out, the longer one is newer.
 */

const isAlnum = (c: string | undefined) => c !== undefined && /[A-Za-z0-9]/.test(c);
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isAlpha = (c: string | undefined) => c !== undefined && /[A-Za-z]/.test(c);

/** rpmvercmp: -1, 0 or 1 for two version (or release) strings. */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    // Separators carry no weight, except ~ and ^.
    while (i < a.length && !isAlnum(a[i]) && a[i] !== '~' && a[i] !== '^') i++;
    while (j < b.length && !isAlnum(b[j]) && b[j] !== '~' && b[j] !== '^') j++;

    // Tilde: the side that has it is older, even against the end of the string.
    if (a[i] === '~' || b[j] === '~') {
      if (a[i] !== '~') return 1;
      if (b[j] !== '~') return -1;
      i++;
      j++;
      continue;
    }
    // Caret: newer than the end of the string, older than any further segment.
    if (a[i] === '^' || b[j] === '^') {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (a[i] !== '^') return 1;
      if (b[j] !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (i >= a.length || j >= b.length) break;

    // One segment from each: digits if `a` starts with a digit, otherwise letters.
    const numeric = isDigit(a[i]);
    const take = numeric ? isDigit : isAlpha;
    let ea = i;
    let eb = j;
    while (take(a[ea])) ea++;
    while (take(b[eb])) eb++;
    // Segments of different kinds: the numeric one is newer.
    if (eb === j) return numeric ? 1 : -1;
    let sa = a.slice(i, ea);
    let sb = b.slice(j, eb);
    if (numeric) {
      sa = sa.replace(/^0+/, '');
      sb = sb.replace(/^0+/, '');
      if (sa.length !== sb.length) return sa.length < sb.length ? -1 : 1;
    }
    if (sa !== sb) return sa < sb ? -1 : 1;
    i = ea;
    j = eb;
  }
  // Whichever has segments left is newer; both exhausted means equal.
  const restA = i < a.length;
  const restB = j < b.length;
  if (!restA && !restB) return 0;
  return restA ? 1 : -1;
}

export interface Evr {
  epoch: number;
  version: string;
  release: string;
}

/** `[epoch:]version[-release]`; the release is what follows the last hyphen. */
export function parseEvr(evr: string): Evr {
  const s = evr.trim();
  const m = /^(\d+):(.*)$/.exec(s);
  const epoch = m ? Number(m[1]) : 0;
  const rest = m ? m[2]! : s;
  const dash = rest.lastIndexOf('-');
  return dash >= 0 ? { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) } : { epoch, version: rest, release: '' };
}

/**
 * Compares two EVR strings as rpm does (rpmVersionCompare): epoch, then version,
 * then release. A missing release on either side is not compared, so a range bound
 * written without a release ("1.2") covers every release of that version.
 */
export function compareRpm(a: string, b: string): number {
  const x = parseEvr(a);
  const y = parseEvr(b);
  if (x.epoch !== y.epoch) return x.epoch < y.epoch ? -1 : 1;
  const v = rpmvercmp(x.version, y.version);
  if (v !== 0 || !x.release || !y.release) return v;
  return rpmvercmp(x.release, y.release);
}
