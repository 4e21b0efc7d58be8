/**
 * A small ZIP reader for OSV's per-ecosystem exports (`all.zip`): the central directory, then each
 * entry's data, stored or deflated, inflated with node:zlib. ZIP64 sizes and offsets are read, since
 * the larger exports exceed 65,535 entries. No encryption, no multi-disk archives.
 * @see PKWARE APPNOTE.TXT 6.3.x §4.3.6 (local header), §4.3.12 (central directory), §4.3.16 (EOCD), §4.3.14-15 (ZIP64)
 */
import { inflateRawSync } from 'node:zlib';

export class ZipError extends Error {
  override name = 'ZipError';
}

export interface ZipEntry {
  name: string;
  /** Decompresses the entry (lazily: one entry at a time stays in memory). */
  read(): Buffer;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** Inflated entries above this are refused: one OSV record is a few kilobytes. */
const MAX_ENTRY_BYTES = 64 * 1024 * 1024;

export function* zipEntries(zip: Buffer): Generator<ZipEntry> {
  // The end-of-central-directory record sits in the last 22 + 65,535 (comment) bytes.
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipError('not a zip file (no end of central directory)');
  let count = zip.readUInt16LE(eocd + 10);
  let dirOffset = zip.readUInt32LE(eocd + 16);
  if ((count === 0xffff || dirOffset === 0xffffffff) && eocd >= 20 && zip.readUInt32LE(eocd - 20) === ZIP64_LOCATOR) {
    const z64 = Number(zip.readBigUInt64LE(eocd - 20 + 8));
    if (zip.readUInt32LE(z64) !== ZIP64_EOCD) throw new ZipError('bad ZIP64 end of central directory');
    count = Number(zip.readBigUInt64LE(z64 + 32));
    dirOffset = Number(zip.readBigUInt64LE(z64 + 48));
  }

  let p = dirOffset;
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(p) !== CENTRAL) throw new ZipError(`bad central directory entry ${n}`);
    const flags = zip.readUInt16LE(p + 8);
    const method = zip.readUInt16LE(p + 10);
    let compressed = zip.readUInt32LE(p + 20);
    let size = zip.readUInt32LE(p + 24);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    let local = zip.readUInt32LE(p + 42);
    const name = zip.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, p + 46 + nameLen);
    // ZIP64 extended information: only the fields that overflowed are present, in this order.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = zip.readUInt16LE(e);
      const len = zip.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === 0xffffffff) (size = Number(zip.readBigUInt64LE(q))), (q += 8);
        if (compressed === 0xffffffff) (compressed = Number(zip.readBigUInt64LE(q))), (q += 8);
        if (local === 0xffffffff) local = Number(zip.readBigUInt64LE(q));
      }
      e += 4 + len;
    }
    p = extraEnd + commentLen;
    if (name.endsWith('/')) continue; // a folder
    if (flags & 0x1) throw new ZipError(`${name}: encrypted entries are not supported`);
    if (size > MAX_ENTRY_BYTES) throw new ZipError(`${name}: entry larger than ${MAX_ENTRY_BYTES} bytes`);
    const at = local;
    yield {
      name,
      read() {
        if (zip.readUInt32LE(at) !== LOCAL) throw new ZipError(`${name}: bad local header`);
        const start = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
        const data = zip.subarray(start, start + compressed);
        if (method === 0) return Buffer.from(data);
        if (method === 8) return inflateRawSync(data, { maxOutputLength: MAX_ENTRY_BYTES });
        throw new ZipError(`${name}: compression method ${method} is not supported`);
      },
    };
  }
}
