// What makes a disk boot and mount its own root alone, beyond the identifiers it names: entries
// that name no root on a Discoverable Partitions layout, and the other disk's mounts with nofail.
import type { DiskMap, PartitionIds } from './disk-map.js';
import { parseFstab } from './fstab.js';
import { normalizeGuid } from './guid.js';
import { findReferences } from './rewrite.js';

/** The Discoverable Partitions root type on x86-64: systemd-gpt-auto-generator mounts it as / from the disk the loader came from. */
export const ROOT_X86_64_TYPE = '4f68bce3-e8cd-4db1-96e7-fbcaf984b709';

/** True when a Type #1 loader entry starts a Linux kernel and no options line names root= (a gpt-auto-root entry). */
export function bootsWithoutRoot(text: string): boolean {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const key = (l: string) => l.split(/\s+/, 1)[0];
  return (
    lines.some((l) => key(l) === 'linux') && !lines.some((l) => key(l) === 'options' && /\sroot=/.test(l))
  );
}

/** The partitions of a disk in a map (paired or not). */
export function partitionsOn(map: DiskMap, disk: string): PartitionIds[] {
  return [
    ...map.pairs.flatMap((p) => [p.source, p.destination]),
    ...map.unpaired.map((u) => u.partition),
  ].filter((p) => p.disk === disk);
}

/** The partitions of a disk with the x86-64 root type, which gpt-auto-root would mount as /. */
export function discoverableRoots(map: DiskMap, disk: string): PartitionIds[] {
  return partitionsOn(map, disk).filter(
    (p) => p.partType !== undefined && normalizeGuid(p.partType) === ROOT_X86_64_TYPE,
  );
}

/** A line of an fstab that mounts a filesystem of another disk and would hold up the boot without it. */
export interface MountWithoutNofail {
  line: number;
  reference: string;
  /** The device the reference names. */
  owner: string;
  target: string;
}

/** The fstab lines that mount a partition in `owners` (identifier key → device: the other disk's) without nofail. */
export function mountsWithoutNofail(text: string, owners: Map<string, string>): MountWithoutNofail[] {
  const byLine = new Map(parseFstab(text).map((e) => [e.line, e]));
  return findReferences(text, owners).flatMap((r) => {
    const entry = byLine.get(r.line);
    // Only the device field: an identifier in the options (x-systemd.requires=) mounts nothing.
    if (!entry?.source.includes(r.reference) || entry.options.includes('nofail')) return [];
    return [{ ...r, target: entry.target }];
  });
}
