// Runs the built programs (dist/, made by `npm run build`, which `npm test` runs first) as real processes.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Path of a program's ncc bundle; fails loudly when the build is missing rather than skipping. */
export function bundle(program: string): string {
  const path = join(import.meta.dirname, '../../dist', program, 'index.js');
  if (!existsSync(path)) throw new Error(`${path} is missing: run npm run build first (npm test does)`);
  return path;
}
