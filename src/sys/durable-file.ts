import {
  closeSync,
  fchmodSync,
  fchownSync,
  fsyncSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces a file with new content so that a crash leaves the old or the new file, never half of
 * one: a temporary file beside it, written and fsynced, given the mode and owner of `like` (a
 * crypttab stays 0600), renamed over it, then the directory fsynced so the rename is on disk.
 */
export function replaceFileDurably(file: string, content: string, like: string): void {
  const tmp = join(dirname(file), `.${basename(file)}.dualroot-tmp`);
  const { mode, uid, gid } = statSync(like);
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, content);
    fchmodSync(fd, mode & 0o7777);
    // FAT has no owners: chown there fails harmlessly with EPERM.
    try {
      fchownSync(fd, uid, gid);
    } catch {}
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(tmp, file);
  const dir = openSync(dirname(file), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}
