// A power-safe update of an ESP destination. rsync --delay-updates renames its staged files in
// whatever order it walks them, and FAT (no journal) makes them durable in whatever order the page
// cache writes them: a power cut can leave a new kernel beside its old initramfs. Instead, the changed
// files are copied into a staging directory on the destination, flushed, then renamed into place
// group by group (each group flushed before the next), so a cut leaves, for as long as possible, a
// set the boot loader can start; deletions come after everything new is in place.
import { byCodeUnits } from './compare.js';
import { type RsyncChanges, rsyncProblem } from './rsync.js';

/** The staging directory at a destination ESP's root (excluded from copies and comparisons). */
export const STAGING_DIR = '.dualroot-staging';

/** The rsync/status exclude pattern of the staging directory (anchored, directories only). */
export const STAGING_EXCLUDE = `/${STAGING_DIR}/`;

/** What a staged update of one destination does, in order. */
export interface EspUpdate {
  /** New directories (relative, parents first): made in place before any rename. */
  directories: string[];
  /** Files to stage, in rename groups: each group is renamed into place, then flushed. */
  groups: string[][];
  /** Entries to remove once every group is in place (the reverse of the rename order; directories last). */
  deletions: string[];
  /** Files whose contents match but whose time differs: given the source's time in place (no data moves). */
  retimes: string[];
}

/**
 * Rename rank of a path on an ESP: other files (boot loaders, firmware, ...) first, then microcode,
 * then initramfs images, then kernels (each kernel after the images it loads), then loader entries
 * (an entry naming a new kernel only once that kernel is there), loader.conf last.
 */
export function bootRank(path: string): number {
  const p = path.toLowerCase(); // FAT names are case-insensitive
  const name = p.slice(p.lastIndexOf('/') + 1);
  if (p === 'loader/loader.conf') return 5;
  if (p.startsWith('loader/entries/')) return 4;
  if (/^(vmlinuz|vmlinux|bzimage)/.test(name) || /^efi\/linux\/.+\.efi$/.test(p)) return 3;
  if (/^(initramfs|initrd)/.test(name)) return 2;
  if (/(^|-)ucode\.img$/.test(name) || /^(intel|amd)-ucode/.test(name)) return 1;
  return 0;
}

const byRankThenPath = (a: string, b: string) => bootRank(a) - bootRank(b) || byCodeUnits(a, b);
const depth = (p: string) => p.split('/').length;

/**
 * The staged update of a destination from its preview (parseRsyncOutput of the dry run): the files
 * it would create or update are staged; what it would delete goes last. Paths ending in "/" are
 * directories (rsync's %n).
 */
export function planEspUpdate(
  preview: Pick<RsyncChanges, 'created' | 'updated' | 'deleted' | 'retimed'>,
): EspUpdate {
  const isDir = (p: string) => p.endsWith('/');
  const strip = (p: string) => p.replace(/\/+$/, '');
  const files = [...preview.created, ...preview.updated].filter((p) => !isDir(p)).sort(byRankThenPath);
  const groups: string[][] = [];
  for (const file of files) {
    const last = groups.at(-1);
    if (last && bootRank(last[0]!) === bootRank(file)) last.push(file);
    else groups.push([file]);
  }
  const directories = preview.created
    .filter(isDir)
    .map(strip)
    .sort((a, b) => depth(a) - depth(b) || byCodeUnits(a, b));
  const deletedFiles = preview.deleted.filter((p) => !isDir(p)).sort((a, b) => byRankThenPath(b, a));
  const deletedDirs = preview.deleted
    .filter(isDir)
    .map(strip)
    .sort((a, b) => depth(b) - depth(a) || byCodeUnits(a, b));
  return {
    directories,
    groups,
    deletions: [...deletedFiles, ...deletedDirs],
    retimes: [...preview.retimed].sort(),
  };
}

/** How a staged update ended: done, or the step that failed (copy = into staging; nothing in place yet). */
export type StagedOutcome =
  | { step: 'done'; files: number; bytes: number }
  | { step: 'copy'; exitCode: number; stdout: string; stderr: string }
  | { step: 'stage' | 'rename' | 'delete'; error: string };

/** The failure message of a staged update that did not finish: the error, and what is true of the destination. */
export function stagedFailure(outcome: Exclude<StagedOutcome, { step: 'done' }>): string {
  const untouched = 'nothing was renamed into place: the previous complete copy is still in place';
  if (outcome.step === 'copy') return `${rsyncProblem(outcome.stderr, outcome.exitCode)}; ${untouched}`;
  if (outcome.step === 'stage')
    return `copying the changed files into ${STAGING_DIR} failed: ${outcome.error}; ${untouched}`;
  return outcome.step === 'rename'
    ? `renaming the staged files into place failed: ${outcome.error}; the destination may now hold some new files next to old ones; fix the cause and run dualroot-sync again`
    : `removing files the source no longer has failed: ${outcome.error}; every new file is in place; fix the cause and run dualroot-sync again`;
}

/** The note when a run found (and removed) a staging directory an interrupted run left. */
export function leftoverNote(destination: string): string {
  return `removed ${destination}/${STAGING_DIR}, left by an interrupted sync (power cut or kill) before its files were renamed into place; this run copies them again`;
}
