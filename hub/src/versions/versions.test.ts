/**
 * Each comparator against its upstream project's published test vectors, written here as data.
 * Every vector is checked both ways round (a ? b and b ? a) so a comparator that is not antisymmetric fails.
 */
import { describe, expect, it } from 'vitest';
import { compareApk } from './apk.js';
import { compareDpkg } from './dpkg.js';
import { compareRpm, rpmvercmp } from './rpm.js';
import { COMPARATORS } from './index.js';
import { APK_VERSION_DATA } from './vectors-apk.js';

/** dpkg: scripts/t/Dpkg_Version.t (its __DATA__ block) and lib/dpkg/t/t-version.c in dpkg's repository. */
const DPKG: [string, string, number][] = [
  ['1.0-1', '2.0-2', -1],
  ['2.2~rc-4', '2.2-1', -1],
  ['2.2-1', '2.2~rc-4', 1],
  ['1.0000-1', '1.0-1', 0],
  ['1', '0:1', 0],
  ['0', '0:0-0', 0],
  ['2:2.5', '1:7.5', 1],
  ['1:0foo', '0foo', 1],
  ['0:0foo', '0foo', 0],
  ['0foo', '0foo', 0],
  ['0foo-', '0foo', 0],
  ['0foo-', '0foo-0', 0],
  ['0foo', '0fo', 1],
  ['0foo-', '0foo+', -1],
  ['0foo~1', '0foo', -1],
  ['0foo~foo+Bar', '0foo~foo+bar', -1],
  ['0foo~~', '0foo~', -1],
  ['1~', '1', -1],
  ['12345+that-really-is-some-ver-0', '12345+that-really-is-some-ver-10', -1],
  ['0foo-0', '0foo-01', -1],
  ['0foo.bar', '0foobar', 1],
  ['0foo.bar', '0foo1bar', 1],
  ['0foo.bar', '0foo0bar', 1],
  ['0foo1bar-1', '0foobar-1', -1],
  ['0foo2.0', '0foo2', 1],
  ['0foo2.0.0', '0foo2.10.0', -1],
  ['0foo2.0', '0foo2.0.0', -1],
  ['0foo2.0', '0foo2.10', -1],
  ['0foo2.1', '0foo2.10', -1],
  ['1.09', '1.9', 0],
  ['1.0.8+nmu1', '1.0.8', 1],
  ['3.11', '3.10+nmu1', 1],
  ['0.9j-20080306-4', '0.9i-20070324-2', 1],
  ['1.2.0~b7-1', '1.2.0~b6-1', 1],
  ['1.011-1', '1.06-2', 1],
  ['0.0.9+dfsg1-1', '0.0.8+dfsg1-3', 1],
  ['4.6.99+svn6582-1', '4.6.99+svn6496-1', 1],
  ['53', '52', 1],
  ['0.9.9~pre122-1', '0.9.9~pre111-1', 1],
  ['2:2.3.2-2+lenny2', '2:2.3.2-2', 1],
  ['1:3.8.1-1', '3.8.GA-1', 1],
  ['1.0.1+gpl-1', '1.0.1-2', 1],
  ['1a', '1000a', -1],
  // t-version.c: equality, epoch, upstream and revision differences, multiple hyphens and colons.
  ['0:0-0', '0:0-00', 0],
  ['0:00-0', '0:0-0', 0],
  ['1:2-3', '1:2-3', 0],
  ['0:0-0', '1:0-0', -1],
  ['0:a-0', '0:b-0', -1],
  ['0:0-a', '0:0-b', -1],
  ['0:0-0-0', '0:0-0-0', 0],
  ['0:0:0-0', '0:0:0-0', 0],
  ['0:0-0-0', '0:0-0-1', -1],
];

/** rpm: tests/rpmvercmp.at (and the same list in rpm's C unit tests), including tilde and caret. */
const RPM: [string, string, number][] = [
  ['1.0', '1.0', 0], ['1.0', '2.0', -1], ['2.0', '1.0', 1],
  ['2.0.1', '2.0.1', 0], ['2.0', '2.0.1', -1], ['2.0.1', '2.0', 1],
  ['2.0.1a', '2.0.1a', 0], ['2.0.1a', '2.0.1', 1], ['2.0.1', '2.0.1a', -1],
  ['5.5p1', '5.5p1', 0], ['5.5p1', '5.5p2', -1], ['5.5p2', '5.5p1', 1],
  ['5.5p10', '5.5p10', 0], ['5.5p1', '5.5p10', -1], ['5.5p10', '5.5p1', 1],
  ['10xyz', '10.1xyz', -1], ['10.1xyz', '10xyz', 1],
  ['xyz10', 'xyz10', 0], ['xyz10', 'xyz10.1', -1], ['xyz10.1', 'xyz10', 1],
  ['xyz.4', 'xyz.4', 0], ['xyz.4', '8', -1], ['8', 'xyz.4', 1], ['xyz.4', '2', -1], ['2', 'xyz.4', 1],
  ['5.5p2', '5.6p1', -1], ['5.6p1', '5.5p2', 1],
  ['5.6p1', '6.5p1', -1], ['6.5p1', '5.6p1', 1],
  ['6.0.rc1', '6.0', 1], ['6.0', '6.0.rc1', -1],
  ['10b2', '10a1', 1], ['10a2', '10b2', -1],
  ['1.0aa', '1.0aa', 0], ['1.0a', '1.0aa', -1], ['1.0aa', '1.0a', 1],
  ['10.0001', '10.0001', 0], ['10.0001', '10.1', 0], ['10.1', '10.0001', 0], ['10.0001', '10.0039', -1], ['10.0039', '10.0001', 1],
  ['4.999.9', '5.0', -1], ['5.0', '4.999.9', 1],
  ['20101121', '20101121', 0], ['20101121', '20101122', -1], ['20101122', '20101121', 1],
  ['2_0', '2_0', 0], ['2.0', '2_0', 0], ['2_0', '2.0', 0],
  // RhBug:178798
  ['a', 'a', 0], ['a+', 'a+', 0], ['a+', 'a_', 0], ['a_', 'a+', 0], ['+a', '+a', 0], ['+a', '_a', 0], ['_a', '+a', 0],
  ['+_', '+_', 0], ['_+', '+_', 0], ['_+', '_+', 0], ['+', '_', 0], ['_', '+', 0],
  // tilde
  ['1.0~rc1', '1.0~rc1', 0], ['1.0~rc1', '1.0', -1], ['1.0', '1.0~rc1', 1], ['1.0~rc1', '1.0~rc2', -1], ['1.0~rc2', '1.0~rc1', 1],
  ['1.0~rc1~git123', '1.0~rc1~git123', 0], ['1.0~rc1~git123', '1.0~rc1', -1], ['1.0~rc1', '1.0~rc1~git123', 1],
  // caret
  ['1.0^', '1.0^', 0], ['1.0^', '1.0', 1], ['1.0', '1.0^', -1],
  ['1.0^git1', '1.0^git1', 0], ['1.0^git1', '1.0', 1], ['1.0', '1.0^git1', -1],
  ['1.0^git1', '1.0^git2', -1], ['1.0^git2', '1.0^git1', 1], ['1.0^git1', '1.01', -1], ['1.01', '1.0^git1', 1],
  ['1.0^20160101', '1.0^20160101', 0], ['1.0^20160101', '1.0.1', -1], ['1.0.1', '1.0^20160101', 1],
  ['1.0^20160101^git1', '1.0^20160101^git1', 0], ['1.0^20160102', '1.0^20160101^git1', 1], ['1.0^20160101^git1', '1.0^20160102', -1],
  // tilde and caret
  ['1.0~rc1^git1', '1.0~rc1^git1', 0], ['1.0~rc1^git1', '1.0~rc1', 1], ['1.0~rc1', '1.0~rc1^git1', -1],
  ['1.0^git1~pre', '1.0^git1~pre', 0], ['1.0^git1', '1.0^git1~pre', 1], ['1.0^git1~pre', '1.0^git1', -1],
];

const OPS: Record<string, number> = { '<': -1, '=': 0, '>': 1 };
const APK = APK_VERSION_DATA.trim()
  .split('\n')
  .map((line) => {
    const [a, op, b] = line.trim().split(/\s+/);
    return [a!, b!, OPS[op!]!] as [string, string, number];
  });

function vectors(name: string, cmp: (a: string, b: string) => number, cases: [string, string, number][]) {
  describe(name, () => {
    it(`orders all ${cases.length} published vectors, both ways round`, () => {
      const wrong = cases.flatMap(([a, b, want]) => {
        const out: string[] = [];
        if (Math.sign(cmp(a, b)) !== want) out.push(`${a} vs ${b}: want ${want}, got ${cmp(a, b)}`);
        if (Math.sign(cmp(b, a)) !== -want) out.push(`${b} vs ${a}: want ${-want}, got ${cmp(b, a)}`);
        return out;
      });
      expect(wrong).toEqual([]);
    });
  });
}

vectors('dpkg (Debian Policy §5.6.12)', compareDpkg, DPKG);
vectors('rpmvercmp', rpmvercmp, RPM);
vectors('apk', compareApk, APK);

describe('EVR and managers', () => {
  it('compares rpm epochs and releases, ignoring a release missing on one side', () => {
    expect(compareRpm('1:1.0-1.el9', '2.0-1.el9')).toBe(1);
    expect(compareRpm('3.0.7-24.el9', '3.0.7-25.el9')).toBe(-1);
    expect(compareRpm('3.0.7-24.el9', '3.0.7')).toBe(0);
    expect(compareRpm('5.14.0-362.8.1.el9_3', '5.14.0-362.13.1.el9_3')).toBe(-1);
  });
  it('maps zypper to rpm ordering and apt to dpkg ordering', () => {
    expect(COMPARATORS.zypper).toBe(compareRpm);
    expect(COMPARATORS.dnf).toBe(compareRpm);
    expect(COMPARATORS.apt).toBe(compareDpkg);
    expect(COMPARATORS.apk).toBe(compareApk);
    expect(compareDpkg('3.0.11-1~deb12u2', '3.0.11-1')).toBe(-1);
  });
});
