import { unescapeOctal } from './octal-escape.js';

/** The swap files (not partitions) of /proc/swaps text ("Filename Type Size Used Priority"). */
export function parseSwapFiles(text: string): string[] {
  return text
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[1] === 'file' && f[0])
    .map((f) => unescapeOctal(f[0]!));
}
