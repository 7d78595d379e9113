import type { BlkidInfo } from './blkid.js';
import type { Partition } from './esp.js';
import { normalizeGuid } from './guid.js';

/** One partition with the identifiers a file can name it by. */
export interface PartitionIds {
  device: string;
  disk: string;
  number: number;
  majorMinor: string;
  partUuid?: string | undefined;
  /** Filesystem UUID, or the LUKS header's UUID (blkid's UUID either way); undefined when partitions of several disks share it (a RAID's). */
  fsUuid?: string | undefined;
  /** LABEL, only when no other partition of the machine has the same one (else it names no one partition). */
  label?: string | undefined;
  /** PARTLABEL, only when unique on the machine. */
  partLabel?: string | undefined;
  /** Labels this partition has that other partitions share: references to them are ambiguous. */
  sharedLabels: string[];
  fsType?: string | undefined;
  partType?: string | undefined;
}

/** Two partitions that play the same part on their disks, and why they were paired. */
export interface PartitionPair {
  source: PartitionIds;
  destination: PartitionIds;
  by: 'position' | 'config';
}

/** How the partitions of a source disk correspond to those of a destination disk. */
export interface DiskMap {
  sourceDisk: string;
  destinationDisk: string;
  pairs: PartitionPair[];
  /** Partitions of either disk with no counterpart, each with the reason. */
  unpaired: { partition: PartitionIds; reason: string }[];
}

/** A [disk-map] pairs entry: two PARTUUIDs that correspond (either may be on either disk). */
export type PartUuidPair = readonly [string, string];

/** The partitions of the machine with their identifiers; labels shared by two partitions are not identifiers. */
export function partitionIds(partitions: Partition[], probes: BlkidInfo[]): PartitionIds[] {
  const byDevice = new Map(probes.map((p) => [p.device, p]));
  const count = (values: (string | undefined)[]) => {
    const counts = new Map<string, number>();
    for (const v of values) if (v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
    return counts;
  };
  const labels = count(partitions.map((p) => byDevice.get(p.device)?.label));
  const partLabels = count(partitions.map((p) => byDevice.get(p.device)?.partLabel));
  // A filesystem UUID on partitions of several disks is a RAID's (btrfs, md): it names no one disk.
  const disksOf = new Map<string, Set<string>>();
  for (const p of partitions) {
    const uuid = byDevice.get(p.device)?.fsUuid?.toLowerCase();
    if (uuid) disksOf.set(uuid, (disksOf.get(uuid) ?? new Set()).add(p.disk));
  }
  const ownFsUuid = (uuid: string | undefined) =>
    uuid !== undefined && (disksOf.get(uuid.toLowerCase())?.size ?? 0) < 2 ? uuid : undefined;
  return partitions.map((p) => {
    const probe = byDevice.get(p.device);
    const unique = (v: string | undefined, counts: Map<string, number>) =>
      v !== undefined && counts.get(v) === 1 ? v : undefined;
    const shared = [
      ...(probe?.label !== undefined && !unique(probe.label, labels) ? [`LABEL=${probe.label}`] : []),
      ...(probe?.partLabel !== undefined && !unique(probe.partLabel, partLabels)
        ? [`PARTLABEL=${probe.partLabel}`]
        : []),
    ];
    return {
      ...p,
      partUuid: probe?.partUuid,
      fsUuid: ownFsUuid(probe?.fsUuid),
      label: unique(probe?.label, labels),
      partLabel: unique(probe?.partLabel, partLabels),
      sharedLabels: shared,
      fsType: probe?.fsType,
      partType: probe?.partType,
    };
  });
}

/** The disk a device is on, among the machine's partitions (a partition's own disk), else undefined. */
export function diskOf(partitions: PartitionIds[], device: string): string | undefined {
  return partitions.find((p) => p.device === device)?.disk;
}

/**
 * Pairs the partitions of two disks: the [disk-map] pairs first, then by position (same partition
 * number and same partition type, as `dualroot-disk add` partitions a disk like the booted one).
 * A partition paired by neither is listed with the reason, so a file naming it can say why.
 */
export function buildDiskMap(
  partitions: PartitionIds[],
  sourceDisk: string,
  destinationDisk: string,
  overrides: PartUuidPair[] = [],
): DiskMap {
  const on = (disk: string) => partitions.filter((p) => p.disk === disk).sort((a, b) => a.number - b.number);
  const source = on(sourceDisk);
  const destination = on(destinationDisk);
  const pairs: PartitionPair[] = [];
  const taken = new Set<string>();
  const byPartUuid = (list: PartitionIds[], uuid: string) =>
    list.find((p) => p.partUuid === normalizeGuid(uuid));
  for (const [a, b] of overrides) {
    const s = byPartUuid(source, a) ?? byPartUuid(source, b);
    const d = byPartUuid(destination, s === byPartUuid(source, a) ? b : a);
    if (!s || !d || taken.has(s.device) || taken.has(d.device)) continue;
    pairs.push({ source: s, destination: d, by: 'config' });
    taken.add(s.device).add(d.device);
  }
  for (const s of source) {
    if (taken.has(s.device)) continue;
    const d = destination.find((p) => p.number === s.number && !taken.has(p.device));
    if (!d || d.partType !== s.partType) continue;
    pairs.push({ source: s, destination: d, by: 'position' });
    taken.add(s.device).add(d.device);
  }
  const reason = (p: PartitionIds, other: PartitionIds[], otherDisk: string) => {
    const same = other.find((o) => o.number === p.number);
    if (!same) return `${otherDisk} has no partition ${p.number}`;
    return same.partType !== p.partType
      ? `partition ${p.number} of ${otherDisk} (${same.device}) has another partition type (${same.partType ?? 'none'}, not ${p.partType ?? 'none'}); pair them in [disk-map] pairs if they correspond`
      : `partition ${p.number} of ${otherDisk} is paired with another partition in [disk-map] pairs`;
  };
  const unpaired = [
    ...source
      .filter((p) => !taken.has(p.device))
      .map((p) => ({ partition: p, reason: reason(p, destination, destinationDisk) })),
    ...destination
      .filter((p) => !taken.has(p.device))
      .map((p) => ({ partition: p, reason: reason(p, source, sourceDisk) })),
  ];
  pairs.sort((a, b) => a.source.number - b.source.number);
  return { sourceDisk, destinationDisk, pairs, unpaired };
}

/** What a reference names, as a file writes it: a UUID (filesystem, LUKS or partition) or a label. */
export type IdKind = 'uuid' | 'label' | 'partlabel';

/** One identifier's translation: the value on the other disk, or why there is none. */
export type Translation = { to: string } | { problem: string };

/** The identifiers only one disk's partitions have in a map (translation keys) → the partition's device; a RAID's shared UUID is neither disk's. */
export function identifiersOf(map: DiskMap, disk: string): Map<string, string> {
  const parts = [
    ...map.pairs.flatMap((p) => [p.source, p.destination]),
    ...map.unpaired.map((u) => u.partition),
  ];
  const keys = (p: PartitionIds) => [
    ...[p.partUuid, p.fsUuid].flatMap((u) => (u ? [`uuid:${u.toLowerCase()}`] : [])),
    ...(p.label ? [`label:${p.label}`] : []),
    ...(p.partLabel ? [`partlabel:${p.partLabel}`] : []),
  ];
  const others = new Set(parts.filter((p) => p.disk !== disk).flatMap(keys));
  return new Map(
    parts
      .filter((p) => p.disk === disk)
      .flatMap((p) =>
        keys(p)
          .filter((k) => !others.has(k))
          .map((k) => [k, p.device] as const),
      ),
  );
}

/**
 * The identifier translation of a map, both ways: each identifier of a paired partition becomes its
 * counterpart's (so an fstab that mounts this disk's root at / and the other's at /mnt/other mounts
 * them exchanged). Identifiers of an unpaired partition, or whose counterpart lacks that identifier,
 * translate to a problem, except a filesystem UUID whose counterpart has no filesystem yet (left as it
 * is). Keys are `kind:value`, UUIDs lower-cased.
 */
export function translations(map: DiskMap): Map<string, Translation> {
  const table = new Map<string, Translation>();
  const ids = (p: PartitionIds): [string, string | undefined][] => [
    ['uuid:partuuid', p.partUuid],
    ['uuid:fs', p.fsUuid?.toLowerCase()],
    ['label', p.label],
    ['partlabel', p.partLabel],
  ];
  const key = (slot: string, value: string) => `${slot.startsWith('uuid') ? 'uuid' : slot}:${value}`;
  const add = (from: PartitionIds, to: PartitionIds) => {
    const theirs = new Map(ids(to));
    for (const [slot, value] of ids(from)) {
      if (value === undefined) continue;
      const counterpart = theirs.get(slot);
      // A counterpart with no filesystem yet is a disk being added or replaced (dualroot-disk syncs the
      // ESP before `btrfs device add`/`replace` gives it the RAID's shared UUID): nothing to translate to,
      // and refusing would stop that repair. The reference is copied as it is.
      if (slot === 'uuid:fs' && counterpart === undefined && to.fsType === undefined) continue;
      table.set(
        key(slot, value),
        counterpart !== undefined
          ? { to: counterpart }
          : {
              problem: `its counterpart ${to.device} has no ${slot.replace('uuid:', '').toUpperCase()} of its own`,
            },
      );
    }
  };
  for (const pair of map.pairs) {
    add(pair.source, pair.destination);
    add(pair.destination, pair.source);
  }
  for (const { partition, reason } of map.unpaired)
    for (const [slot, value] of ids(partition))
      if (value !== undefined)
        table.set(key(slot, value), { problem: `${partition.device} has no counterpart: ${reason}` });
  for (const p of [
    ...map.pairs.flatMap((x) => [x.source, x.destination]),
    ...map.unpaired.map((u) => u.partition),
  ])
    for (const shared of p.sharedLabels) {
      const [kind, value] = shared.split('=') as [string, string];
      table.set(`${kind.toLowerCase()}:${value}`, {
        problem: `${shared} is the label of more than one partition (${p.device} among them), so it names no one disk; use UUID= or PARTUUID=`,
      });
    }
  return table;
}
