// Whether an ESP has room for a copy. rsync --delay-updates stages every changed file next to the
// old one and --delete-delay deletes only after the renames, so for a while a destination holds the
// new and the old copy of each changed file at once: the free space must take all the new files.
import type { TreeEntry } from './tree-compare.js';

/** A filesystem's free space, as statfs reports it. */
export interface FreeSpace {
  /** Bytes an unprivileged writer may still use (f_bavail × f_bsize). */
  free: number;
  /** Allocation unit (FAT's cluster): each file takes whole units. */
  blockSize: number;
}

const MIB = 1024 * 1024;
const mib = (bytes: number) => `${(bytes / MIB).toFixed(1)} MiB`;

/**
 * Bytes a staged copy of `files` changed files totalling `bytes` needs: each file rounded up to the
 * allocation unit (bounded above by one extra unit per file, plus one for rsync's staging directory).
 */
export function stagedBytes(bytes: number, files: number, blockSize: number): number {
  return bytes + (files + (files > 0 ? 1 : 0)) * blockSize;
}

/** The refusal when `needed` bytes do not fit in `free` on `destination`; undefined when they fit. */
export function spaceRefusal(needed: number, free: number, destination: string): string | undefined {
  if (needed <= free) return undefined;
  return `needs ${mib(needed)}, has ${mib(free)} free on ${destination}; remove old kernels or other unneeded files (from the source and from ${destination}), or give the ESP more room, then sync again; ${destination} was not changed`;
}

/** One kernel's boot files on an ESP: vmlinuz-NAME and its initramfs-NAME*.img images. */
export interface KernelSet {
  name: string;
  files: string[];
  bytes: number;
}

/**
 * The kernel sets of an ESP listing (top-level vmlinuz-NAME, initramfs-NAME.img,
 * initramfs-NAME-fallback.img, as mkinitcpio writes them), largest first.
 */
export function kernelSets(listing: Map<string, TreeEntry>): KernelSet[] {
  const sets = new Map<string, KernelSet>();
  const kernels = [...listing.keys()].filter((p) => /^vmlinuz-[^/]+$/.test(p));
  for (const kernel of kernels) {
    const name = kernel.slice('vmlinuz-'.length);
    const files = [kernel, `initramfs-${name}.img`, `initramfs-${name}-fallback.img`].filter(
      (f) => listing.get(f)?.type === 'file',
    );
    const bytes = files.reduce((sum, f) => sum + (listing.get(f)?.size ?? 0), 0);
    sets.set(name, { name, files, bytes });
  }
  return [...sets.values()].sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name));
}

/**
 * Whether an ESP could take the next upgrade of a kernel set (its files staged beside the old ones,
 * assuming the new files are as big as the old): the warning text when it could not, else undefined.
 */
export function upgradeRoomWarning(set: KernelSet, space: FreeSpace, mount: string): string | undefined {
  const needed = stagedBytes(set.bytes, set.files.length, space.blockSize);
  if (needed <= space.free) return undefined;
  return `${mount} has ${mib(space.free)} free, but the next upgrade of kernel ${set.name} (${set.files.join(', ')}: ${mib(set.bytes)}) needs about ${mib(needed)} while the new files sit beside the old`;
}
