// dualroot-esp's view of the disk maps: the partitions of two disks paired, with the identifiers
// dualroot-sync translates from one to the other in per-disk files.
import type { PartitionIds, PartitionPair } from '../core/disk-map.js';
import type { DiskMapUse } from '../core/disk-map-uses.js';

const LUKS = 'crypto_LUKS';

/** JSON form of one partition in a map: every identifier, null when it has none (labels null when not unique). */
function partitionJson(p: PartitionIds) {
  return {
    device: p.device,
    partition: p.number,
    partuuid: p.partUuid ?? null,
    uuid: p.fsUuid ?? null,
    uuidOf: p.fsUuid === undefined ? null : p.fsType === LUKS ? 'luks' : 'filesystem',
    fstype: p.fsType ?? null,
    parttype: p.partType ?? null,
    label: p.label ?? null,
    partlabel: p.partLabel ?? null,
    sharedLabels: p.sharedLabels,
  };
}

/** JSON form of a disk map in use. */
export function diskMapJson(use: DiskMapUse) {
  const { map } = use;
  return {
    sourceDisk: map.sourceDisk,
    destinationDisk: map.destinationDisk,
    destinations: use.destinations,
    pairs: map.pairs.map((p) => ({
      by: p.by,
      source: partitionJson(p.source),
      destination: partitionJson(p.destination),
    })),
    unpaired: map.unpaired.map((u) => ({
      disk: u.partition.disk,
      ...partitionJson(u.partition),
      reason: u.reason,
    })),
  };
}

/** How a pair was made, in words. */
function pairedBy(pair: PartitionPair): string {
  return pair.by === 'config'
    ? 'paired by [disk-map] pairs'
    : `paired by partition number and type ${pair.source.partType ?? '(none)'}`;
}

/** A shared label of a partition (LABEL or PARTLABEL), which is no identifier. */
const shared = (p: PartitionIds, kind: string) =>
  p.sharedLabels.find((s) => s.startsWith(`${kind}=`))?.slice(kind.length + 1);

/** The identifier lines of a pair: one per kind either partition has. */
function identifierLines(pair: PartitionPair): string[] {
  const { source: s, destination: d } = pair;
  const uuidKind = s.fsType === LUKS || d.fsType === LUKS ? 'LUKS UUID' : 'UUID';
  const rows: [string, string | undefined, string | undefined, string?][] = [
    ['PARTUUID', s.partUuid, d.partUuid],
    [uuidKind, s.fsUuid, d.fsUuid],
    ['PARTLABEL', s.partLabel, d.partLabel],
    ['LABEL', s.label, d.label],
  ];
  for (const kind of ['PARTLABEL', 'LABEL']) {
    const [a, b] = [shared(s, kind), shared(d, kind)];
    if (a !== undefined || b !== undefined)
      rows.push([
        kind,
        a,
        b,
        'not unique on this machine, so not translated: name UUID= or PARTUUID= instead',
      ]);
  }
  return rows
    .filter(([, a, b]) => a !== undefined || b !== undefined)
    .map(
      ([kind, a, b, note]) => `    ${kind.padEnd(9)}  ${a ?? '-'} → ${b ?? '-'}${note ? `  (${note})` : ''}`,
    );
}

/** Human lines for the disk maps (or why there are none). */
export function diskMapLines(uses: DiskMapUse[]): string[] {
  if (uses.length === 0) return ['disk maps: none (no destination is on another disk than its source)'];
  return uses.flatMap(({ map, destinations }) => [
    `disk map ${map.sourceDisk} → ${map.destinationDisk}, used by ${destinations
      .map((d) => `${d.item} (${d.source} → ${d.destination})`)
      .join(', ')}:`,
    ...map.pairs.flatMap((pair) => [
      `  partition ${pair.source.number} → partition ${pair.destination.number} (${pair.source.device} → ${pair.destination.device}), ${pairedBy(pair)}`,
      ...identifierLines(pair),
    ]),
    ...map.unpaired.map(
      (u) =>
        `  ${u.partition.device} (partition ${u.partition.number} of ${u.partition.disk}): no counterpart, ${u.reason}; a file naming it is not copied`,
    ),
  ]);
}
