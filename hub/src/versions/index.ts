/**
 * Version ordering per package manager: the comparator that decides whether an
 * installed version lies inside an advisory's affected range.
 */
import { compareApk } from './apk.js';
import { compareDpkg } from './dpkg.js';
import { compareRpm } from './rpm.js';

export type PackageManager = 'apt' | 'dnf' | 'apk' | 'zypper';
export type Comparator = (a: string, b: string) => number;

/** zypper (SUSE, openSUSE) installs RPMs, so it orders versions as rpm does. */
export const COMPARATORS: Record<PackageManager, Comparator> = {
  apt: compareDpkg,
  dnf: compareRpm,
  zypper: compareRpm,
  apk: compareApk,
};

export { compareApk, compareDpkg, compareRpm };
