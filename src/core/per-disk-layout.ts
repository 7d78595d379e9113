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

/** How an fstab mounts /: its line and source, and the partition of the disk it names (through crypttab for a mapped root). */
export interface RootMount {
  line: number;
  source: string;
  /** The device of `own` the source names; undefined when it names none. */
  owner: string | undefined;
  /** The crypttab line that opens a /dev/mapper root on that device. */
  crypttabLine?: number;
}

/** Kernel device names: they shift when a disk is gone, so the survivor may find another disk's partition there. */
export const KERNEL_NAME = /^\/dev\/(sd[a-z]+|vd[a-z]+|hd[a-z]+|xvd[a-z]+|nvme\d+n\d+p|mmcblk\d+p)\d+$/;

/** The / line of an fstab, and which partition in `own` (identifier key → device) it names, if any. */
export function rootMountOf(
  fstab: string,
  crypttab: string | undefined,
  own: Map<string, string>,
): RootMount | undefined {
  const entry = parseFstab(fstab).find((e) => e.target === '/');
  if (!entry) return undefined;
  const lines = fstab.split('\n');
  const direct = findReferences(lines[entry.line - 1] ?? '', own).find((r) =>
    entry.source.includes(r.reference),
  );
  if (direct) return { line: entry.line, source: entry.source, owner: direct.owner };
  const mapped = entry.source.match(/^\/dev\/mapper\/(.+)$/)?.[1];
  const opened =
    mapped === undefined || crypttab === undefined ? undefined : parseCrypttabLine(crypttab, mapped);
  const device = opened && findReferences(opened.text, own)[0];
  return device
    ? { line: entry.line, source: entry.source, owner: device.owner, crypttabLine: opened.line }
    : { line: entry.line, source: entry.source, owner: undefined };
}

/** The crypttab line that opens `name` (first field), with its line number. */
function parseCrypttabLine(text: string, name: string): { line: number; text: string } | undefined {
  const index = text
    .split('\n')
    .findIndex((l) => !l.trimStart().startsWith('#') && l.trim().split(/\s+/)[0] === name);
  return index < 0 ? undefined : { line: index + 1, text: text.split('\n')[index]! };
}
