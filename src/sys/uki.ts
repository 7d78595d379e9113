import { closeSync, openSync, readSync } from 'node:fs';
import { PE_HEADER_BYTES, peSections } from '../core/pe-sections.js';

/** A UKI's embedded kernel command line (.cmdline), undefined when it has none or is not a PE image. */
export function readUkiCmdline(path: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(PE_HEADER_BYTES);
    const section = peSections(head.subarray(0, readSync(fd, head, 0, head.length, 0)))?.find(
      (s) => s.name === '.cmdline',
    );
    if (!section) return undefined;
    const bytes = Buffer.alloc(section.size);
    readSync(fd, bytes, 0, bytes.length, section.offset);
    return bytes.toString('utf8').replace(/\0+$/, '').trim();
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
