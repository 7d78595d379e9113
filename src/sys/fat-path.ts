import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

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
