import { readFileSync } from 'node:fs';
import { type MountEntry, parseMountinfo } from '../core/mountinfo.js';

/** The current mount table, read fresh each call (mounts change under us). */
export function readMountinfo(file: string): MountEntry[] {
  return parseMountinfo(readFileSync(file, 'utf8'), file);
}

/** The mount table's raw text, to notice cheaply that it changed; "" when it cannot be read. */
export function readMountinfoText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
