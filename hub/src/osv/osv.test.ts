/** OSV parsing pieces: ecosystem mapping, CVSS scoring, range evaluation, the zip reader and record → rows. */
import { deflateRawSync } from 'node:zlib';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareApk, compareDpkg, compareRpm } from '../versions/index.js';
import { toAdvisoryRows } from './advisories.js';
import { fromOsRelease, fromOsvEcosystem, isKernelPackage } from './ecosystems.js';
import { intervalsOf, isAffected } from './ranges.js';
import { readOsvSource } from './read.js';
import { OsvRecord } from './schema.js';
import { cvss2BaseScore, cvss3BaseScore, severityOfScore } from './severity.js';
import { zipEntries } from './zip.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

describe('ecosystems', () => {
  it.each([
    ['Debian:12', { manager: 'apt', distro: 'debian', release: '12' }],
    ['Ubuntu:22.04:LTS', { manager: 'apt', distro: 'ubuntu', release: '22.04' }],
    ['Ubuntu:Pro:18.04:LTS', { manager: 'apt', distro: 'ubuntu', release: '18.04' }],
    ['Alpine:v3.19', { manager: 'apk', distro: 'alpine', release: '3.19' }],
    ['Rocky Linux:9', { manager: 'dnf', distro: 'rocky', release: '9' }],
    ['AlmaLinux:9', { manager: 'dnf', distro: 'almalinux', release: '9' }],
    ['Red Hat:enterprise_linux:9::appstream', { manager: 'dnf', distro: 'rhel', release: '9' }],
    ['SUSE:Linux Enterprise Server 15 SP5', { manager: 'zypper', distro: 'sles', release: '15.5' }],
    ['openSUSE:Leap 15.5', { manager: 'zypper', distro: 'opensuse-leap', release: '15.5' }],
    ['openSUSE:Tumbleweed', { manager: 'zypper', distro: 'opensuse-tumbleweed', release: null }],
  ])('maps OSV ecosystem %s', (eco, want) => {
    expect(fromOsvEcosystem(eco)).toMatchObject(want);
  });
  it('ignores ecosystems that are not OS packages', () => {
    expect(fromOsvEcosystem('npm')).toBeNull();
    expect(fromOsvEcosystem('PyPI')).toBeNull();
  });
  it.each([
    ['debian', '12', 'debian', '12'],
    ['ubuntu', '22.04', 'ubuntu', '22.04'],
    ['alpine', '3.19.1', 'alpine', '3.19'],
    ['rocky', '9.3', 'rocky', '9'],
    ['rhel', '9.4', 'rhel', '9'],
    ['sles', '15.5', 'sles', '15.5'],
    ['opensuse-tumbleweed', '20240101', 'opensuse-tumbleweed', null],
  ])('maps os-release %s %s to the same key', (id, version, distro, release) => {
    expect(fromOsRelease(id, version)).toMatchObject({ distro, release });
  });
  it('recognises kernel packages and not their neighbours', () => {
    for (const k of ['linux', 'linux-image-6.1.0-18-amd64', 'linux-signed-amd64', 'linux-aws', 'linux-lts', 'kernel', 'kernel-default', 'kernel-rt', 'kernel-core']) {
      expect(isKernelPackage(k), k).toBe(true);
    }
    for (const n of ['linux-firmware', 'linux-libc-dev', 'kernel-firmware-intel', 'kernelshark', 'openssl']) expect(isKernelPackage(n), n).toBe(false);
  });
});

describe('CVSS', () => {
  it.each([
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', 10],
    ['CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', 7.8],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:H', 9.1],
    ['CVSS:3.0/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N', 3.1],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N', 0],
  ])('scores %s as %s (FIRST calculator)', (v, score) => {
    expect(cvss3BaseScore(v)).toBe(score);
  });
  it('scores CVSS v2 and rates scores', () => {
    expect(cvss2BaseScore('AV:N/AC:L/Au:N/C:P/I:P/A:P')).toBe(7.5);
    expect(cvss2BaseScore('AV:N/AC:L/Au:N/C:C/I:C/A:C')).toBe(10);
    expect(cvss3BaseScore('CVSS:3.1/AV:X/AC:L')).toBeNull();
    expect([9.8, 7.0, 6.9, 0.1, 0].map(severityOfScore)).toEqual(['critical', 'high', 'medium', 'low', 'info']);
  });
});

describe('ranges', () => {
  it('pairs introduced with fixed or last_affected, and treats a trailing introduced as unfixed', () => {
    const r = intervalsOf([{ introduced: '0' }, { fixed: '1.2-1' }, { introduced: '2.0-1' }, { last_affected: '2.1-1' }, { introduced: '3.0-1' }]);
    expect(r).toEqual([
      { introduced: '0', fixed: '1.2-1', last_affected: null },
      { introduced: '2.0-1', fixed: null, last_affected: '2.1-1' },
      { introduced: '3.0-1', fixed: null, last_affected: null },
    ]);
    const at = (v: string) => isAffected(v, r, compareDpkg);
    expect([at('1.1-1'), at('1.2-1'), at('1.9'), at('2.0-1'), at('2.1-1'), at('2.2-1'), at('3.5-1')]).toEqual([true, false, false, true, true, false, true]);
  });
  it('uses the ecosystem ordering: ~ before release, epochs, -rN and _git suffixes', () => {
    const fixedAt = (f: string) => [{ introduced: '0', fixed: f, last_affected: null }];
    expect(isAffected('3.0.11-1~deb12u2', fixedAt('3.0.14-1~deb12u2'), compareDpkg)).toBe(true);
    expect(isAffected('3.0.14-1~deb12u2', fixedAt('3.0.14-1~deb12u2'), compareDpkg)).toBe(false);
    expect(isAffected('9.18.28-1', fixedAt('1:9.18.24-1'), compareDpkg)).toBe(true); // epoch 0 < 1
    expect(isAffected('1:3.0.7-25.el9_3', fixedAt('1:3.0.7-27.el9'), compareRpm)).toBe(true);
    expect(isAffected('5.14.0-427.13.1.el9_4', fixedAt('0:5.14.0-427.13.1.el9_4'), compareRpm)).toBe(false);
    expect(isAffected('1.36.1-r15', fixedAt('1.36.1-r16'), compareApk)).toBe(true);
    expect(isAffected('1.2.4_git20230717-r5', fixedAt('1.2.4_git20230717-r5'), compareApk)).toBe(false);
  });
});

/** A minimal zip writer for the test (deflated entries, CRC not checked by our reader). */
function makeZip(files: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const data = deflateRawSync(Buffer.from(text));
    const n = Buffer.from(name);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(0x800, 6);
    lh.writeUInt16LE(8, 8);
    lh.writeUInt32LE(data.length, 18);
    lh.writeUInt32LE(Buffer.byteLength(text), 22);
    lh.writeUInt16LE(n.length, 26);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt16LE(0x800, 8);
    ch.writeUInt16LE(8, 10);
    ch.writeUInt32LE(data.length, 20);
    ch.writeUInt32LE(Buffer.byteLength(text), 24);
    ch.writeUInt16LE(n.length, 28);
    ch.writeUInt32LE(offset, 42);
    locals.push(lh, n, data);
    central.push(ch, n);
    offset += 30 + n.length + data.length;
  }
  const dir = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

describe('sources', () => {
  it('reads the JSON files of a zip export', () => {
    const a = readFileSync(join(FIXTURES, 'Debian/DSA-5750-1.json'), 'utf8');
    const zip = makeZip({ 'DSA-5750-1.json': a, 'dir/': '', 'README.txt': 'not json' });
    const names = [...zipEntries(zip)].map((e) => e.name);
    expect(names).toEqual(['DSA-5750-1.json', 'README.txt']);
    const dir = mkdtempSync(join(tmpdir(), 'osv-zip-'));
    try {
      writeFileSync(join(dir, 'all.zip'), zip);
      const items = [...readOsvSource(join(dir, 'all.zip'))];
      expect(items).toHaveLength(1);
      expect((items[0] as { json: { id: string } }).json.id).toBe('DSA-5750-1');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(() => [...zipEntries(Buffer.from('not a zip at all, just text'))]).toThrow(/not a zip/);
  });
  it('reads every JSON file of a folder, recursively', () => {
    const items = [...readOsvSource(FIXTURES)];
    expect(items.length).toBe(15);
    expect(items.every((i) => 'json' in i)).toBe(true);
  });
});

describe('record → advisory rows', () => {
  const load = (f: string) => OsvRecord.parse(JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')));
  it('makes one row per ecosystem, package and CVE, scored from the CVSS vector', () => {
    const { rows, distros } = toAdvisoryRows(load('Debian/DSA-5750-1.json'));
    expect(distros).toEqual(['Debian']);
    expect(rows.map((r) => [r.cve_id, r.osv_ecosystem, r.distro_release, r.fixed_version])).toEqual([
      ['CVE-2024-5535', 'Debian:12', '12', '3.0.14-1~deb12u2'],
      ['CVE-2024-6119', 'Debian:12', '12', '3.0.14-1~deb12u2'],
      ['CVE-2024-5535', 'Debian:11', '11', '1.1.1w-0+deb11u2'],
      ['CVE-2024-6119', 'Debian:11', '11', '1.1.1w-0+deb11u2'],
    ]);
    expect(rows[0]).toMatchObject({ ecosystem: 'apt', severity: 'critical', cvss: 9.1, is_kernel: false, withdrawn_at: null });
  });
  it('takes distribution ratings in words, kernel flags, withdrawals and the --ecosystem filter', () => {
    expect(toAdvisoryRows(load('Rocky/RLSA-2024-2394.json')).rows[0]).toMatchObject({ severity: 'high', cvss: null, is_kernel: true, ecosystem: 'dnf' });
    expect(toAdvisoryRows(load('Ubuntu/UBUNTU-CVE-2024-2398.json')).rows[0]).toMatchObject({ severity: 'medium', cve_id: 'CVE-2024-2398' });
    expect(toAdvisoryRows(load('Debian/DSA-9999-1.json')).rows[0]!.withdrawn_at).toBe('2024-05-01T00:00:00.000Z');
    expect(toAdvisoryRows(load('Ubuntu/UBUNTU-CVE-2024-2398.json'), ['Ubuntu:24.04']).rows.map((r) => r.osv_ecosystem)).toEqual(['Ubuntu:24.04:LTS']);
    expect(toAdvisoryRows(load('other/GHSA-xxxx-yyyy-zzzz.json')).distros).toEqual([]);
  });
});
