import { closeSync, openSync, readSync } from 'node:fs';
import { PE_HEADER_BYTES, peSections } from '../core/pe-sections.js';

/** More than any kernel's COMMAND_LINE_SIZE. */
const CMDLINE_MAX = 64 * 1024;

/**
 * A UKI's embedded kernel command line (.cmdline), undefined when it has none, is not a PE image,
 * or is gone (removed between the listing and the read); any other read error is thrown, so an
 * unreadable UKI is reported rather than passed as one that names no disk.
 */
export function readUkiCmdline(path: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(PE_HEADER_BYTES);
    const section = peSections(head.subarray(0, readSync(fd, head, 0, head.length, 0)))?.find(
      (s) => s.name === '.cmdline',
    );
    if (!section) return undefined;
    // A kernel command line is at most a few KiB (x86: 2,048 bytes); a larger section is not read whole.
    const bytes = Buffer.alloc(Math.min(section.size, CMDLINE_MAX));
    readSync(fd, bytes, 0, bytes.length, section.offset);
    return bytes.toString('utf8').replace(/\0+$/, '').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
