import { readFileSync } from 'node:fs';
import { type MountEntry, parseMountinfo } from '../core/mountinfo.js';

/** The current mount table, read fresh each call (mounts change under us). */
export function readMountinfo(file: string): MountEntry[] {
  return parseMountinfo(readFileSync(file, 'utf8'), file);
}
