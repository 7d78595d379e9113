import { readFileSync } from 'node:fs';
import { parseSwapFiles } from '../core/swaps.js';

/** The swap files /proc/swaps lists; none when it cannot be read (no swap support). */
export function readSwapFiles(proc: string): string[] {
  try {
    return parseSwapFiles(readFileSync(`${proc}/swaps`, 'utf8'));
  } catch {
    return [];
  }
}
