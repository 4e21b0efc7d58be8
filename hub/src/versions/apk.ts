/**
 * Alpine package version ordering (apk-tools).
 * @see apk-tools src/version.c; the format is Gentoo's:
 *   number{.number}...{letter}{_suffix{number}}...{-r#}
 * Suffixes _alpha, _beta, _pre and _rc sort before the plain version, _cvs, _svn,
 * _git, _hg and _p after it. A number after a dot that starts with 0 is compared as
 * a fraction-like part (its leading zeros count) rather than as an integer.
 */

/** Token kinds in the order the grammar allows them to follow each other. */
const enum T {
  Invalid = -1, // sorts lowest, as in apk-tools
  DotNumber = 0, // a number after '.', leading zeros significant
  Number = 1,
  Letter = 2,
  Suffix = 3,
  SuffixNumber = 4,
  Revision = 5,
  End = 6,
}

const PRE = ['alpha', 'beta', 'pre', 'rc'];
const POST = ['cvs', 'svn', 'git', 'hg', 'p'];

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isLower = (c: string | undefined) => c !== undefined && c >= 'a' && c <= 'z';

/** A cursor over one version string, yielding (kind, value) tokens. */
class Cursor {
  pos = 0;
  kind: T = T.Number;
  constructor(private readonly s: string) {}

  clone(): Cursor {
    const c = new Cursor(this.s);
    c.pos = this.pos;
    c.kind = this.kind;
    return c;
  }

  /** Reads the value of the current token and moves to the next one. */
  take(): number {
    const s = this.s;
    if (this.pos >= s.length) {
      this.kind = T.End;
      return 0;
    }
    let v = 0;
    let nextKind: T | undefined;
    switch (this.kind) {
      case T.DotNumber:
        if (s[this.pos] === '0') {
          // ".05" sorts below ".5": the count of leading zeros, negated, is this token.
          let zeros = 0;
          while (s[this.pos] === '0') {
            zeros++;
            this.pos++;
          }
          v = -zeros;
          nextKind = T.Number;
          break;
        }
      // falls through: a plain number
      case T.Number:
      case T.SuffixNumber:
      case T.Revision:
        while (isDigit(s[this.pos])) v = v * 10 + (s.charCodeAt(this.pos++) - 48);
        break;
      case T.Letter:
        v = s.charCodeAt(this.pos++);
        break;
      case T.Suffix: {
        const rest = s.slice(this.pos);
        const pre = PRE.findIndex((p) => rest.startsWith(p));
        if (pre >= 0) {
          v = pre - PRE.length; // negative: before the plain version
          this.pos += PRE[pre]!.length;
          break;
        }
        const post = POST.findIndex((p) => rest.startsWith(p));
        if (post >= 0) {
          v = post;
          this.pos += POST[post]!.length;
          break;
        }
        this.kind = T.Invalid;
        return -1;
      }
      default:
        this.kind = T.Invalid;
        return -1;
    }
    if (this.pos >= s.length) this.kind = T.End;
    else if (nextKind !== undefined) this.kind = nextKind;
    else this.advance();
    return v;
  }

  /** Decides the kind of the next token from the separator at the cursor. */
  private advance(): void {
    const s = this.s;
    const c = s[this.pos];
    const prev = this.kind;
    let n: T = T.Invalid;
    if ((prev === T.Number || prev === T.DotNumber) && isLower(c)) n = T.Letter;
    else if (prev === T.Letter && isDigit(c)) n = T.Number;
    else if (prev === T.Suffix && isDigit(c)) n = T.SuffixNumber;
    else {
      if (c === '.') n = T.DotNumber;
      else if (c === '_') n = T.Suffix;
      else if (c === '-' && s[this.pos + 1] === 'r') {
        n = T.Revision;
        this.pos++;
      }
      this.pos++;
    }
    // The grammar only moves forward, except: another dotted number after a number,
    // another suffix after a suffix number, and a number after a letter.
    const allowedBack =
      (n === T.DotNumber && prev === T.Number) || (n === T.Suffix && prev === T.SuffixNumber) || (n === T.Number && prev === T.Letter);
    if (n < prev && !allowedBack) n = T.Invalid;
    this.kind = n;
  }
}

/** -1, 0 or 1 as `a` sorts before, with or after `b` in apk's order. */
export function compareApk(a: string, b: string): number {
  const x = new Cursor(a.trim());
  const y = new Cursor(b.trim());
  let av = 0;
  let bv = 0;
  while (x.kind === y.kind && x.kind !== T.End && x.kind !== T.Invalid && av === bv) {
    av = x.take();
    bv = y.take();
  }
  if (av !== bv) return av < bv ? -1 : 1;
  if (x.kind === y.kind) return 0;
  // Equal so far and one goes on: it is newer, unless what follows is a pre-release suffix.
  if (x.kind === T.Suffix && x.clone().take() < 0) return -1;
  if (y.kind === T.Suffix && y.clone().take() < 0) return 1;
  // Otherwise the kind that comes later in the grammar (e.g. the end) is the older one.
  return x.kind > y.kind ? -1 : 1;
}
