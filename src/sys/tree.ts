import { createHash } from 'node:crypto';
import { createReadStream, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RSYNC_STAGING_DIR } from '../core/rsync.js';
import type { TreeEntry } from '../core/tree-compare.js';

/** Lists a tree within one filesystem (like rsync -x), skipping excluded paths; optionally hashes file contents. */
export async function listTree(
  root: string,
  excluded: (path: string, isDir: boolean) => boolean,
  verify: boolean,
): Promise<Map<string, TreeEntry>> {
  const entries = new Map<string, TreeEntry>();
  const rootDev = lstatSync(root).dev;
  const walk = async (dir: string, prefix: string) => {
    const names = ifPresent(() => readdirSync(dir)) ?? [];
    for (const name of names.sort()) {
      // rsync --delay-updates stages a running sync's files here: they are not part of either tree yet.
      if (name === RSYNC_STAGING_DIR) continue;
      const path = join(dir, name);
      const rel = prefix ? `${prefix}/${name}` : name;
      // A sync running at the same time may delete or rename what was just listed.
      const st = ifPresent(() => lstatSync(path));
      if (!st) continue;
      const isDir = st.isDirectory();
      if (excluded(rel, isDir)) continue;
      const type = isDir ? 'dir' : st.isFile() ? 'file' : st.isSymbolicLink() ? 'link' : 'other';
      const entry: TreeEntry = {
        type,
        size: type === 'file' ? st.size : 0,
        mtime: Math.floor(st.mtimeMs / 1000),
      };
      if (verify && type === 'file') {
        const sum = await digest(path).catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return undefined;
          throw error;
        });
        if (sum === undefined) continue;
        entry.digest = sum;
      }
      entries.set(rel, entry);
      if (isDir && st.dev === rootDev) await walk(path, rel);
    }
  };
  await walk(root, '');
  return entries;
}

/** The value of fn, or undefined when what it reads has vanished (ENOENT). */
function ifPresent<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function digest(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
