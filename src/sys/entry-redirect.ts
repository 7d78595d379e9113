// The loader-entry side of a staged ESP update (core/entry-redirect.ts says why entries are
// pointed at the staged kernel set while it is put in place).
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
} from 'node:fs';
import { join } from 'node:path';
import { entryPaths, redirectEntry, undoRedirect } from '../core/entry-redirect.js';
import { STAGING_DIR } from '../core/esp-update.js';
import { replaceFileDurably } from './durable-file.js';
import { copyWithTimes } from './stage-copy.js';

/** An entry pointed at staged files: its ESP-relative path, what it said before, and its times. */
export interface Redirected {
  entry: string;
  text: string;
  atime: Date;
  mtime: Date;
}

const ENTRIES = 'loader/entries';

/** The loader entries (ESP-relative paths) at a destination. */
function entries(destination: string): string[] {
  const dir = join(destination, ENTRIES);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => /\.conf$/i.test(n))
    .map((n) => `${ENTRIES}/${n}`);
}

/**
 * Points every entry at `destination` that names one of the staged `files` at their staged copies
 * (each entry replaced durably); returns those entries and the staged files they name.
 */
export function redirectEntries(
  destination: string,
  files: string[],
): { redirected: Redirected[]; named: Set<string> } {
  const redirected: Redirected[] = [];
  const named = new Set<string>();
  const byKey = new Map(files.map((f) => [f.toLowerCase(), f]));
  for (const entry of entries(destination)) {
    const path = join(destination, entry);
    const text = readFileSync(path, 'utf8');
    const next = redirectEntry(text, files);
    if (next === undefined) continue;
    for (const p of entryPaths(text)) {
      const file = byKey.get(p.toLowerCase());
      if (file) named.add(file);
    }
    const { atime, mtime } = statSync(path);
    replaceFileDurably(path, next, path);
    redirected.push({ entry, text, atime, mtime });
  }
  return { redirected, named };
}

/**
 * Copies a staged file into place, keeping the staged copy for the entries that still name it;
 * the old file goes first (no entry names it any more), so the space needed stays old + new.
 */
export function copyIntoPlace(staged: string, target: string, durable = true): void {
  rmSync(target, { force: true });
  copyWithTimes(staged, target);
  // A caller that flushes the whole filesystem next (a staged update's rename group) needs no fsync.
  if (!durable) return;
  const fd = openSync(target, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Gives each redirected entry back what it said, durably and with its times. */
export function restoreEntries(destination: string, redirected: Redirected[]): void {
  for (const { entry, text, atime, mtime } of redirected) {
    const path = join(destination, entry);
    replaceFileDurably(path, text, path);
    utimesSync(path, atime, mtime);
  }
}

/**
 * Finishes what an interrupted run left redirected, before its staging directory is removed: an
 * entry naming staged files (complete: entries are redirected only once the staged copy is flushed)
 * gets them copied into place, then its paths back. Returns how many entries it settled.
 */
export function settleRedirects(destination: string): number {
  let settled = 0;
  for (const entry of entries(destination)) {
    const path = join(destination, entry);
    const undone = undoRedirect(readFileSync(path, 'utf8'));
    if (!undone) continue;
    for (const file of undone.staged) {
      const staged = join(destination, STAGING_DIR, file);
      if (existsSync(staged)) copyIntoPlace(staged, join(destination, file));
    }
    replaceFileDurably(path, undone.text, path);
    settled++;
  }
  return settled;
}
