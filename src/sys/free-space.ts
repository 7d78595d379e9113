import { statfs } from 'node:fs/promises';
import type { FreeSpace } from '../core/esp-space.js';

/** A filesystem's free space and allocation unit, from statfs(2). */
export async function freeSpace(path: string): Promise<FreeSpace> {
  const st = await statfs(path);
  return { free: st.bavail * st.bsize, blockSize: st.bsize };
}
