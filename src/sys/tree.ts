import { createHash } from 'node:crypto';
import { createReadStream, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
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
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const rel = prefix ? `${prefix}/${name}` : name;
      const st = lstatSync(path);
      const isDir = st.isDirectory();
      if (excluded(rel, isDir)) continue;
      const type = isDir ? 'dir' : st.isFile() ? 'file' : st.isSymbolicLink() ? 'link' : 'other';
      const entry: TreeEntry = {
        type,
        size: type === 'file' ? st.size : 0,
        mtime: Math.floor(st.mtimeMs / 1000),
      };
      if (verify && type === 'file') entry.digest = await digest(path);
      entries.set(rel, entry);
      if (isDir && st.dev === rootDev) await walk(path, rel);
    }
  };
  await walk(root, '');
  return entries;
}

async function digest(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
