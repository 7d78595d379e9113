import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { espMountNumber, isEspMountName } from '../core/esp-mount-name.js';

/** The ESP mount point directories that exist: /efi0, /efi1, ... in number order. */
export function findEfiMountDirs(root = '/'): string[] {
  return readdirSync(root)
    .filter((name) => isEspMountName(name) && statSync(join(root, name)).isDirectory())
    .sort((a, b) => espMountNumber(a) - espMountNumber(b))
    .map((name) => join(root, name));
}
