import { readFileSync } from 'node:fs';
import { type FstabEntry, parseFstab } from '../core/fstab.js';

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
