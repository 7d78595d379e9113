import {
  buildDiskMap,
  type DiskMap,
  type PartitionIds,
  type PartUuidPair,
  translations,
} from './disk-map.js';
import { enclosingMount, isWithin, type MountEntry } from './mountinfo.js';
import { type RewriteResult, rewriteChangeText, rewriteProblemText, rewriteText } from './rewrite.js';
import type { Job } from './sync-plan.js';
import { excludeMatcher } from './tree-compare.js';

/** The root's files that name its disk's partitions (approach 2), as absolute paths on the running root. */
export const ROOT_PER_DISK_FILES = ['/etc/fstab', '/etc/crypttab', '/etc/kernel/cmdline'];

/** Where Type #1 boot loader entries live on an ESP. */
export const ENTRIES_DIR = 'loader/entries';

/** The disk map of a job whose destination is on another disk than its source; undefined when both are on one disk or either disk cannot be told. */
export function jobDiskMap(
  job: Pick<Job, 'source' | 'destination'>,
  mounts: MountEntry[],
  partitions: PartitionIds[],
  overrides: PartUuidPair[],
): DiskMap | undefined {
  const diskAt = (path: string) => {
    const mount = enclosingMount(mounts, path);
    return mount && partitions.find((p) => p.majorMinor === mount.majorMinor)?.disk;
  };
  const source = diskAt(job.source);
  const destination = diskAt(job.destination);
  if (!source || !destination || source === destination) return undefined;
  return buildDiskMap(partitions, source, destination, overrides);
}

/** True when the job's excludes already keep a file out of the copy (the old advice: per-disk files by hand). */
function excluded(exclude: string[], relative: string): boolean {
  const test = excludeMatcher(exclude);
  // rsync skips a whole directory when the directory matches: try each one on the way down.
  const parts = relative.split('/');
  return parts.some((_, i) => test(parts.slice(0, i + 1).join('/'), i < parts.length - 1));
}

/**
 * The per-disk files of a job, relative to its source: on an ESP (or a FAT item: an XBOOTLDR
 * /boot) the loader entries present (`entryNames`), in an item the root's per-disk files inside its
 * source, the root being the mount point of the source's filesystem (/ on the running system).
 * Files the job's excludes already leave alone are not taken over.
 */
export function perDiskFiles(job: Job, entryNames: string[], sourceRoot: string): string[] {
  const files =
    job.item === 'esp' || job.fat
      ? entryNames.filter((n) => n.endsWith('.conf')).map((n) => `${ENTRIES_DIR}/${n}`)
      : ROOT_PER_DISK_FILES.map((f) => (sourceRoot === '/' ? f : `${sourceRoot}${f}`))
          .filter((f) => isWithin(f, job.source) && f !== job.source)
          .map((f) => f.slice(job.source === '/' ? 1 : job.source.length + 1));
  return files.filter((f) => !excluded(job.exclude, f)).sort();
}

/** The rsync exclude that keeps one file (relative to the source) out of the verbatim copy; wildcards escaped. */
export function excludeFor(relative: string): string {
  return `/${relative.replace(/[[\]*?\\]/g, '\\$&')}`;
}

/** One per-disk file of a job: its source text rewritten, and what the destination holds now. */
export interface FileRewrite {
  relative: string;
  /** The source's text. */
  source: string;
  result: RewriteResult;
  /** The destination's current text; undefined when it has none. */
  current: string | undefined;
}

/** Rewrites a job's per-disk files (relative path → source text) through its disk map. */
export function rewriteFiles(
  map: DiskMap,
  sources: { relative: string; text: string; current: string | undefined }[],
): FileRewrite[] {
  const table = translations(map);
  return sources.map((s) => ({
    relative: s.relative,
    source: s.text,
    current: s.current,
    result: rewriteText(s.text, table),
  }));
}

/** What the rewrite step of a job does: the files to write, the lines `--test` shows, the problems that make it degraded. */
export function rewriteOutcome(
  destination: string,
  files: FileRewrite[],
): { writes: { relative: string; text: string }[]; lines: string[]; problems: string[] } {
  const name = (f: FileRewrite) => `${destination}/${f.relative}`;
  // Only files whose destination differs: a second run has nothing to write and nothing to show.
  const due = files.filter((f) => f.result.problems.length === 0 && f.current !== f.result.text);
  return {
    writes: due.map((f) => ({ relative: f.relative, text: f.result.text })),
    lines: due.flatMap((f) => f.result.changes.map((c) => rewriteChangeText(name(f), c))),
    problems: files.flatMap((f) => f.result.problems.map((p) => rewriteProblemText(name(f), p))),
  };
}
