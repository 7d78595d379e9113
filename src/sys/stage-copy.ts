// The copy of a staged update's changed files into its staging directory, in this process. Against
// a second rsync run this saves rsync's start, its sender-to-receiver pipe and its exit handshake:
// about 110 ms for a 98 MiB kernel set (docs/benchmarks.md).
import {
  closeSync,
  copyFileSync,
  mkdirSync,
  openSync,
  readSync,
  statSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

/** Copies each file (a path relative to `source`) to the same path under `staging`, with its times; the count and bytes copied. */
export function copyToStaging(
  source: string,
  staging: string,
  files: string[],
): { files: number; bytes: number } {
  let bytes = 0;
  for (const file of files) {
    const to = join(staging, file);
    mkdirSync(dirname(to), { recursive: true });
    bytes += copyWithTimes(join(source, file), to);
  }
  return { files: files.length, bytes };
}

/** One file: the kernel's copy (copy_file_range) where it can, then the source's times; its size. */
export function copyWithTimes(from: string, to: string, copyFile = copyFileSync): number {
  try {
    copyFile(from, to);
  } catch (error) {
    // libuv's copyfile gives the new file the source's mode; vfat refuses a mode its fmask cannot
    // hold (an ESP mounted fmask=0077 copied to one mounted fmask=0022): copy the bytes instead.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
    copyBytes(from, to);
  }
  const { atime, mtime, size } = statSync(from);
  utimesSync(to, atime, mtime);
  return size;
}

/** Reads `from` and writes its bytes to `to` (created or truncated), with no mode change. */
export function copyBytes(from: string, to: string): void {
  const input = openSync(from, 'r');
  try {
    const output = openSync(to, 'w');
    try {
      const buffer = Buffer.allocUnsafe(1 << 20);
      for (let n = readSync(input, buffer); n > 0; n = readSync(input, buffer)) {
        for (let done = 0; done < n; ) done += writeSync(output, buffer, done, n - done);
      }
    } finally {
      closeSync(output);
    }
  } finally {
    closeSync(input);
  }
}
