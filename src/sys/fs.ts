import { existsSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';

/** Flushes the filesystem that holds a path (syncfs(2) via coreutils `sync -f`). */
export async function syncfs(path: string): Promise<void> {
  const result = await execa('sync', ['-f', path], { reject: false });
  if (result.exitCode !== 0)
    throw new Error(`flushing ${path} failed: ${String(result.stderr).trim() || `exit ${result.exitCode}`}`);
}

/** True when a path exists (following symlinks). */
export function pathExists(path: string): boolean {
  return existsSync(path);
}

/** The canonical path when it exists, else the path unchanged (so refusals can name it). */
export function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** The ESP mount point directories that exist: /efi0, /efi1, ... in number order. */
export function findEfiMountDirs(root = '/'): string[] {
  return readdirSync(root)
    .filter((name) => /^efi\d+$/.test(name) && statSync(join(root, name)).isDirectory())
    .sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)))
    .map((name) => join(root, name));
}

/** The directory rsync --delay-updates stages a running copy's files in, in each directory it updates. */
export const RSYNC_STAGING_DIR = '.~tmp~';

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

/** The first of these ESP-relative files that exists under a mount, matched case-insensitively as FAT does. */
export function findFileCaseInsensitive(root: string, candidates: string[]): string | undefined {
  for (const candidate of candidates) {
    let dir = root;
    const found: string[] = [];
    for (const part of candidate.split('/')) {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        names = [];
      }
      const match = names.find((n) => n.toLowerCase() === part.toLowerCase());
      if (!match) break;
      found.push(match);
      dir = join(dir, match);
    }
    if (found.length === candidate.split('/').length && existsSync(dir) && statSync(dir).isFile())
      return found.join('/');
  }
  return undefined;
}
