// Which disk maps a sync plan uses: one per (source disk, destination disk), with the destinations
// that cross between them, so dualroot-esp can show what dualroot-sync will translate.
import type { DiskMap, PartitionIds, PartUuidPair } from './disk-map.js';
import type { MountEntry } from './mountinfo.js';
import type { Job } from './sync-plan.js';
import { jobDiskMap } from './sync-rewrite.js';

/** A disk map and the destinations (item, source → destination) whose copy goes through it. */
export interface DiskMapUse {
  map: DiskMap;
  destinations: Pick<Job, 'item' | 'source' | 'destination'>[];
}

/** The disk maps of a plan's jobs, one per pair of disks in the order the jobs first name them; a job within one disk uses none. */
export function diskMapUses(
  jobs: Pick<Job, 'item' | 'source' | 'destination'>[],
  mounts: MountEntry[],
  partitions: PartitionIds[],
  overrides: PartUuidPair[],
): DiskMapUse[] {
  const uses = new Map<string, DiskMapUse>();
  for (const job of jobs) {
    const map = jobDiskMap(job, mounts, partitions, overrides);
    if (!map) continue;
    const key = `${map.sourceDisk}\0${map.destinationDisk}`;
    const use = uses.get(key) ?? { map, destinations: [] };
    use.destinations.push({ item: job.item, source: job.source, destination: job.destination });
    uses.set(key, use);
  }
  return [...uses.values()];
}
