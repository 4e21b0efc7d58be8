/** The bridge's one way of writing a file it keeps (state, tokens, Claude's config, the code cache). */
import { chmodSync, renameSync, rmSync, writeFileSync } from 'node:fs';

/**
 * Writes `file` atomically, readable by its owner only: a temp file beside it, created 0600 before any
 * byte is written (and set 0600 should a stale one of the same name exist), renamed over the old file.
 * A crash or a second bridge never leaves a partial file; a failed write leaves no temp file. The
 * folder must exist.
 */
export function writePrivateFile(file: string, data: string | Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
