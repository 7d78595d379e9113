import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { type FstabEntry, parseFstab } from '../core/fstab.js';
import { writeFileAtomic } from './state.js';

/** The lines of an fstab(5) file; undefined when it cannot be read. */
export function readFstab(path: string): FstabEntry[] | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  return parseFstab(text);
}

/** fstab's text, for an edit. */
export function readFstabText(path: string): string {
  return readFileSync(path, 'utf8');
}

/** Writes an edited fstab atomically; the first edit keeps the original next to it as FSTAB.before-dualroot-disk. */
export function writeFstabText(path: string, text: string): void {
  const backup = `${path}.before-dualroot-disk`;
  if (!existsSync(backup)) copyFileSync(path, backup);
  writeFileAtomic(path, text);
}
