import type { Job } from './sync-plan.js';

/** The directory rsync --delay-updates stages a running copy's files in, in each directory it updates. */
export const RSYNC_STAGING_DIR = '.~tmp~';

/** rsync's per-entry line: the itemized change, the entry's size, its name. */
const OUT_FORMAT = '%i %l %n';

/**
 * rsync arguments for a job: FAT rules for ESPs, full metadata for items, always delayed updates.
 * `preview`: a dry run that also lists the unchanged entries (see parseRsyncOutput's `kept`).
 * `emptyDestination`: nothing there to compare contents with, so FAT's --checksum is left out
 * (rsync would still read and hash the whole source for it).
 */
export function rsyncArgs(
  job: Job,
  options: { dryRun: boolean; extra: string[]; preview?: boolean; emptyDestination?: boolean },
): string[] {
  const args = job.fat
    ? // FAT has no owners, permissions, links, ACLs or xattrs, and keeps times to 2 s: a same-size
      // change within those 2 s looks unchanged by size and time, so contents decide (--checksum).
      ['--recursive', '--times', '--modify-window=1', ...(options.emptyDestination ? [] : ['--checksum'])]
    : ['--archive', '--hard-links', '--acls', '--xattrs', '--numeric-ids', ...options.extra];
  args.push(
    '--one-file-system',
    // Deletions after the transfer and renames at its end: a failed run leaves the old complete set.
    '--delete',
    '--delete-delay',
    '--delay-updates',
    '--itemize-changes',
    // The size of each entry too (parseRsyncOutput), so a preview knows the bytes it would write.
    `--out-format=${OUT_FORMAT}`,
    '--stats',
  );
  if (options.dryRun) args.push('--dry-run');
  // Twice: unchanged entries are listed too, so a preview knows how much of the destination stays.
  if (options.preview) args.push('--itemize-changes', '--dry-run');
  for (const pattern of job.exclude) args.push(`--exclude=${pattern}`);
  args.push(`${job.source}/`, `${job.destination}/`);
  return args;
}

/**
 * rsync arguments that copy an ESP job's listed files (NUL-separated in `listFile`, relative to the
 * source) into `staging`, keeping their paths; no --recursive, so only the listed files are copied.
 */
export function stagingArgs(job: Job, listFile: string, staging: string): string[] {
  return [
    '--times',
    '--modify-window=1',
    '--from0',
    `--files-from=${listFile}`,
    '--itemize-changes',
    `--out-format=${OUT_FORMAT}`,
    '--stats',
    `${job.source}/`,
    `${staging}/`,
  ];
}

/** What rsync did (or would do, in a dry run) to one destination. */
export interface RsyncChanges {
  created: string[];
  updated: string[];
  deleted: string[];
  /**
   * Files whose contents match (an ESP copy compares by --checksum) but whose time differs: kept,
   * yet a staged update must still give them the source's time, or a comparison by time differs.
   */
  retimed: string[];
  /** Regular files transferred. */
  files: number;
  /** Bytes of file data transferred. */
  bytes: number;
  /** Entries left as they are: counted only by a preview (itemized twice), else 0. */
  kept: number;
  /** Bytes of the files created and of the files updated (their new size), from the itemized lines. */
  createdBytes: number;
  updatedBytes: number;
}

const statNumber = (text: string, label: string) => {
  const m = text.match(new RegExp(`^${label}: ([\\d,.]+)`, 'm'));
  return m?.[1] ? Number(m[1].replace(/[,.]/g, '')) : 0;
};

/** Parses rsync's itemized lines (OUT_FORMAT) and --stats block. */
export function parseRsyncOutput(stdout: string): RsyncChanges {
  const changes: RsyncChanges = {
    created: [],
    updated: [],
    deleted: [],
    retimed: [],
    files: 0,
    bytes: 0,
    kept: 0,
    createdBytes: 0,
    updatedBytes: 0,
  };
  for (const line of stdout.split('\n')) {
    const deleting = line.match(/^\*deleting +\d+ (.+)$/);
    if (deleting) {
      changes.deleted.push(deleting[1]!);
      continue;
    }
    const m = line.match(/^([<>ch.*])([fdLDS])(.{9}) (\d+) (.+)$/);
    if (!m) continue;
    const [, action, kind, flags, size, path] = m as unknown as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    // The destination directory itself is not one of its entries.
    if (path === './') continue;
    const bytes = kind === 'f' ? Number(size) : 0;
    if (flags.startsWith('+')) {
      changes.created.push(path);
      changes.createdBytes += bytes;
    }
    // "." means only attributes changed; on FAT that is noise, on items it is still an update.
    else if (action !== '.' || /[^. ]/.test(flags.replace(/t/g, '.'))) {
      changes.updated.push(path);
      if (action === '>') changes.updatedBytes += bytes;
    } else {
      changes.kept++;
      if (kind === 'f' && /[tT]/.test(flags[2] ?? '')) changes.retimed.push(path);
    }
  }
  changes.files = statNumber(stdout, 'Number of regular files transferred');
  changes.bytes = statNumber(stdout, 'Total transferred file size');
  return changes;
}

/** The lines of rsync's stderr worth showing a person (its own summary lines are noise). */
export function rsyncProblem(stderr: string, exitCode: number): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('rsync error: some files/attrs were not transferred'));
  const detail = lines.slice(-3).join(' / ');
  const meaning: Record<number, string> = {
    11: 'file I/O error (is the destination full?)',
    12: 'protocol data stream error',
    23: 'some files could not be transferred',
    24: 'some source files vanished during the copy',
    30: 'timeout',
  };
  return `rsync exit ${exitCode}${meaning[exitCode] ? ` (${meaning[exitCode]})` : ''}${detail ? `: ${detail}` : ''}`;
}
