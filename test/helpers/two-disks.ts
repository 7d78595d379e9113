// The captured two-disk machine (test/fixtures/two-disks): its partitions and the disk map between them.
import { parseBlkidExport } from '../../src/core/blkid.js';
import { buildDiskMap, type PartitionIds, type PartUuidPair, partitionIds } from '../../src/core/disk-map.js';
import type { Partition } from '../../src/core/esp.js';
import { parseSfdiskJson } from '../../src/core/sfdisk.js';
import { fixture } from './disk-facts.js';

/** The partitions of both captured disks, from their sfdisk -J tables (disk, number) and blkid -p (identifiers). */
export function twoDiskPartitions(): PartitionIds[] {
  const partitions: Partition[] = [0, 1].flatMap((n) => {
    const table = parseSfdiskJson(fixture(`two-disks/disk${n}-sfdisk.json`));
    return table.partitions.map((p) => ({
      device: p.node,
      disk: table.device,
      number: p.number,
      majorMinor: `259:${n * 10 + p.number}`,
    }));
  });
  return partitionIds(partitions, parseBlkidExport(fixture('two-disks/blkid-p-export.txt')));
}

/** The map from disk0 to disk1 of the capture. */
export function twoDiskMap(overrides: PartUuidPair[] = []) {
  return buildDiskMap(twoDiskPartitions(), '/dev/disk0', '/dev/disk1', overrides);
}
