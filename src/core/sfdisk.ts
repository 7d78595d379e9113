import { normalizeGuid } from './guid.js';

/** One partition of a partition table, in the table's sectors. */
export interface TablePartition {
  node: string;
  number: number;
  start: number;
  size: number;
  /** Partition type GUID (GPT), lower case. */
  type: string;
  /** Partition GUID (GPT PARTUUID), lower case. */
  uuid: string;
  name?: string;
}

/** A disk's partition table as `sfdisk -J` reports it. */
export interface PartitionTable {
  label: string;
  device: string;
  sectorSize: number;
  partitions: TablePartition[];
}

interface SfdiskJson {
  partitiontable?: {
    label?: string;
    device?: string;
    sectorsize?: number;
    partitions?: { node: string; start: number; size: number; type: string; uuid?: string; name?: string }[];
  };
}

/** The partition number in a partition's node: /dev/sda2 → 2, /dev/nvme0n1p3 → 3. */
function numberOf(node: string): number {
  return Number(node.match(/(\d+)$/)?.[1] ?? Number.NaN);
}

/** Parses `sfdisk -J DEVICE`. */
export function parseSfdiskJson(text: string): PartitionTable {
  const table = (JSON.parse(text) as SfdiskJson).partitiontable;
  if (!table?.label || !table.device) throw new Error('sfdisk -J printed no partition table');
  return {
    label: table.label,
    device: table.device,
    sectorSize: table.sectorsize ?? 512,
    partitions: (table.partitions ?? []).map((p) => ({
      node: p.node,
      number: numberOf(p.node),
      start: p.start,
      size: p.size,
      type: normalizeGuid(p.type),
      uuid: normalizeGuid(p.uuid ?? ''),
      ...(p.name ? { name: p.name } : {}),
    })),
  };
}

/** The node of partition N on a disk, as the kernel names it: /dev/sdb → /dev/sdb2, /dev/nvme1n1 → /dev/nvme1n1p2. */
export function partitionNode(disk: string, number: number): string {
  return /\d$/.test(disk) ? `${disk}p${number}` : `${disk}${number}`;
}

/** The sfdisk(8) script that writes a GPT table; a partition without size takes the rest of the disk. */
export function sfdiskScript(
  partitions: { start: number; size?: number; type: string; uuid: string; name?: string }[],
): string {
  const lines = partitions.map((p) =>
    [
      `start=${p.start}`,
      ...(p.size === undefined ? [] : [`size=${p.size}`]),
      `type=${p.type.toUpperCase()}`,
      `uuid=${p.uuid.toUpperCase()}`,
      ...(p.name ? [`name="${p.name.replace(/"/g, '')}"`] : []),
    ].join(', '),
  );
  return ['label: gpt', ...lines, ''].join('\n');
}
