import { FailureError } from './errors.js';
import { unescapeOctal } from './octal-escape.js';

/** One line of /proc/self/mountinfo (proc(5)). */
export interface MountEntry {
  id: number;
  parentId: number;
  /** "major:minor" of the filesystem's device (st_dev). */
  majorMinor: string;
  /** Path inside the filesystem that is mounted here ("/" unless a bind of a subdirectory). */
  root: string;
  mountPoint: string;
  options: string;
  fsType: string;
  source: string;
}

/** Parses mountinfo text; throws naming the line when one is malformed. */
export function parseMountinfo(text: string, file = 'mountinfo'): MountEntry[] {
  const entries: MountEntry[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    if (dash < 6 || fields.length < dash + 3)
      throw new FailureError(
        `${file} line ${index + 1}: not a mountinfo line: ${line}`,
        'the mount table must be a mountinfo file as proc(5) describes (DUALROOT_MOUNTINFO, default /proc/self/mountinfo)',
      );
    entries.push({
      id: Number(fields[0]),
      parentId: Number(fields[1]),
      majorMinor: fields[2]!,
      root: unescapeOctal(fields[3]!),
      mountPoint: unescapeOctal(fields[4]!),
      options: fields[5]!,
      fsType: fields[dash + 1]!,
      source: unescapeOctal(fields[dash + 2]!),
    });
  });
  return entries;
}

/** The mount visible at a path: the last entry mounted exactly there (later mounts hide earlier ones). */
export function mountAt(entries: MountEntry[], mountPoint: string): MountEntry | undefined {
  return entries.findLast((e) => e.mountPoint === mountPoint);
}

/** True when an absolute, normalised path is the directory itself or lies below it (by path components, not text). */
export function isWithin(path: string, dir: string): boolean {
  return dir === '/' || path === dir || path.startsWith(`${dir}/`);
}

/** The mount that holds a path: the visible mount with the longest mount point prefix. */
export function enclosingMount(entries: MountEntry[], path: string): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const e of entries) {
    if (isWithin(path, e.mountPoint) && (best === undefined || e.mountPoint.length >= best.mountPoint.length))
      best = e;
  }
  return best;
}

/** Every visible mount point of a filesystem, by device number, in mount order. */
export function mountPointsOf(entries: MountEntry[], majorMinor: string): string[] {
  return entries
    .filter((e) => e.majorMinor === majorMinor && mountAt(entries, e.mountPoint) === e)
    .map((e) => e.mountPoint);
}
