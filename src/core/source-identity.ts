// An item's source must be the filesystem it should be, as an ESP destination must: a source whose
// disk is missing is an empty directory on the filesystem below, and copying it deletes the copy.
import { withFix } from './errors.js';
import type { FstabEntry } from './fstab.js';
import type { MountEntry } from './mountinfo.js';

/** The filesystem an item's source was on, as sync-state.json records it after a successful sync. */
export interface SourceFs {
  /** Where that filesystem is mounted (the source's enclosing mount point). */
  mountPoint: string;
  fsType: string;
  /** The mount's source (e.g. /dev/sdb1), for the message only: device names change across boots. */
  device: string;
}

/** The SourceFs of the mount holding a source. */
export function sourceFsOf(mount: MountEntry): SourceFs {
  return { mountPoint: mount.mountPoint, fsType: mount.fsType, device: mount.source };
}

const within = (path: string, dir: string) => path === dir || path.startsWith(dir === '/' ? '/' : `${dir}/`);
const describe = (fs: SourceFs) => `the ${fs.fsType} filesystem at ${fs.mountPoint} (${fs.device})`;

/** The option that accepts a source now on another filesystem than at its last successful sync. */
export const ALLOW_SOURCE_CHANGE = '--allow-source-change';

/**
 * Why a source is not on the filesystem it should be (degraded: nothing is copied), else undefined.
 * fstab says what is mounted at or above it; the last successful sync recorded where it was.
 */
export function sourceLost(
  source: string,
  mount: MountEntry,
  fstab: { file: string; entries: FstabEntry[] } | undefined,
  last: SourceFs | undefined,
  allowChange: boolean,
): string | undefined {
  const now = sourceFsOf(mount);
  const expected = (fstab?.entries ?? [])
    .filter((e) => e.fsType !== 'swap' && e.target !== '/' && within(source, e.target))
    .sort((a, b) => b.target.length - a.target.length)[0];
  if (fstab && expected && expected.target.length > mount.mountPoint.length)
    return withFix(
      `source ${source} is not on its filesystem: ${fstab.file} line ${expected.line} mounts ${expected.source} at ${expected.target}, which is not mounted (${source} is now on ${describe(now)})`,
      `mount ${expected.target} (is its disk missing?); nothing is copied from it until then`,
    );
  if (!last || allowChange || (last.mountPoint === now.mountPoint && last.fsType === now.fsType))
    return undefined;
  return withFix(
    `source ${source} was on ${describe(last)} at its last successful sync and is now on ${describe(now)}`,
    `mount its filesystem again (is its disk missing?); if it moved on purpose, run dualroot-sync ${ALLOW_SOURCE_CHANGE} once`,
  );
}
