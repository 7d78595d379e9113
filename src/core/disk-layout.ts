import type { DiskFacts, RootFacts } from './disk-facts.js';
import { ESP_TYPE_GUID } from './guid.js';
import { type PartitionTable, partitionNode, type TablePartition } from './sfdisk.js';

/** GPT keeps a backup table in the last 33 sectors (32 of entries, one header). */
const GPT_BACKUP_SECTORS = 33;

/** A partition the new disk gets: the booted disk's, with a new GUID; no size means the rest of the disk. */
export interface WantedPartition {
  number: number;
  node: string;
  start: number;
  size: number | undefined;
  type: string;
  uuid: string;
  name?: string;
}

/** The new disk's layout and which of its partitions are the ESP and the root. */
export interface WantedLayout {
  partitions: WantedPartition[];
  esp: WantedPartition;
  root: WantedPartition;
  /** Bytes the new disk needs at least. */
  bytesNeeded: number;
  /** The disk already has this layout (a previous run partitioned it). */
  present: boolean;
}

/** The root's devices (btrfs paths, md members) that are present. */
export function rootDevices(root: RootFacts): string[] {
  if (root.kind === 'btrfs') return root.devices.flatMap((d) => (d.path ? [d.path] : []));
  if (root.kind === 'md') return root.members.filter((m) => !m.failed).map((m) => m.device);
  return [root.source];
}

/** The booted disk's partition that holds the root (a btrfs device or md member), if any. */
export function bootedRootPartition(facts: DiskFacts): TablePartition | undefined {
  const devices = rootDevices(facts.root);
  return facts.bootedTable.partitions.find((p) => devices.includes(p.node));
}

/** True when `table` is the wanted layout: same partitions, starts and types; sizes equal, the rest-of-disk one at least as big. */
function matches(
  table: PartitionTable | undefined,
  wanted: Omit<WantedPartition, 'uuid' | 'node'>[],
): boolean {
  if (table?.label !== 'gpt' || table.partitions.length !== wanted.length) return false;
  return wanted.every((w, i) => {
    const p = table.partitions[i];
    if (!p || p.number !== w.number || p.start !== w.start || p.type !== w.type) return false;
    return w.size === undefined || p.size === w.size;
  });
}

/** The layout the new disk gets: the booted disk's partitions (the root's last one takes the rest), new GUIDs. */
export function wantedLayout(facts: DiskFacts, rootPart: TablePartition): WantedLayout {
  const booted = facts.bootedTable.partitions;
  const last = booted[booted.length - 1];
  const shape = booted.map((p) => ({
    number: p.number,
    start: p.start,
    size: p === last && p === rootPart ? undefined : p.size,
    type: p.type,
    ...(p.name ? { name: p.name } : {}),
  }));
  const present = matches(facts.target.table, shape);
  const existing = facts.target.table?.partitions ?? [];
  const partitions = shape.map((s, i) => ({
    ...s,
    node: partitionNode(facts.target.device, s.number),
    uuid: present ? existing[i]!.uuid : (facts.newGuids[i] ?? ''),
  }));
  const end = last ? last.start + last.size : 0;
  const esp = partitions.find((p) => p.number === facts.booted.number && p.type === ESP_TYPE_GUID);
  const root = partitions.find((p) => p.number === rootPart.number);
  return {
    partitions,
    // Both exist: the booted table holds the booted ESP and the root partition by construction.
    esp: esp ?? partitions[0]!,
    root: root ?? partitions[partitions.length - 1]!,
    bytesNeeded: (end + GPT_BACKUP_SECTORS) * facts.bootedTable.sectorSize,
    present,
  };
}
