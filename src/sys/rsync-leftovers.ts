import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RSYNC_STAGING_DIR } from '../core/rsync.js';

/** Removes rsync's delayed-update directories (.~tmp~) left by an interrupted run. */
export async function removeDelayedUpdateLeftovers(destination: string): Promise<void> {
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const path = join(dir, entry.name);
      if (entry.name === RSYNC_STAGING_DIR) rmSync(path, { recursive: true, force: true });
      else walk(path);
    }
  };
  walk(destination);
}
